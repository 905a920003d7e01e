/**
 * The Linear sandbox's workspace: teams, workflow states, cycles (past,
 * active, next, future), labels (team and workspace), issues built from the
 * real seed texts, comments and reactions. Deterministic for a seed; a
 * synthetic size N resamples the texts (texts are shared, not copied).
 */
import { seededRandom } from "../../domain/random";
import { seedText } from "../data";

export interface LTeam {
  id: string;
  key: string;
  name: string;
}
export interface LState {
  id: string;
  teamId: string;
  name: string;
  type: string;
  color: string;
  position: number;
}
export interface LCycle {
  id: string;
  teamId: string;
  number: number;
  name: string | null;
  startsAt: number;
  endsAt: number;
}
export interface LLabel {
  id: string;
  teamId: string | null;
  name: string;
  color: string;
  description: string | null;
  createdAt: number;
  updatedAt: number;
}
export interface LUser {
  id: string;
  name: string;
  email: string;
  displayName: string;
}
export interface LComment {
  id: string;
  issueId: string;
  body: string;
  userId: string;
  createdAt: number;
  updatedAt: number;
}
export interface LReaction {
  emoji: string;
  userIds: string[];
}
export interface LIssue {
  id: string;
  teamId: string;
  number: number;
  title: string;
  description: string;
  priority: number;
  estimate: number | null;
  stateId: string;
  cycleId: string | null;
  projectId: string | null;
  milestoneId: string | null;
  assigneeId: string | null;
  labelIds: string[];
  reactions: LReaction[];
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  canceledAt: number | null;
  /** When work started (first moved to a started state). */
  startedAt?: number | null;
  /** Customer requests on the issue (Linear `customerNeeds`). */
  needs?: LNeed[];
}

/** A customer (Linear `Customer`): revenue is annual (Int), size is seats/employees (Float), tier a `CustomerTier`. */
export interface LCustomer {
  id: string;
  name: string;
  revenue: number | null;
  size: number | null;
  tier: string | null;
}

/** A customer need (Linear `CustomerNeed`): priority 1 = important, 0 = not. */
export interface LNeed {
  id: string;
  customerId: string;
  priority: 0 | 1;
  createdAt: number;
}

/** The sandbox's customers; ids are fixed strings so seeding them draws nothing from the id generator. */
export const SANDBOX_CUSTOMERS: LCustomer[] = [
  { id: "cust-1", name: "Initech", revenue: 240_000, size: 450, tier: "Enterprise" },
  { id: "cust-2", name: "Globex", revenue: 1_200_000, size: 3_000, tier: "Enterprise" },
  { id: "cust-3", name: "Hooli", revenue: 90_000, size: 120, tier: "Growth" },
  { id: "cust-4", name: "Vandelay Industries", revenue: 36_000, size: 40, tier: "Starter" },
  { id: "cust-5", name: "Umbrella", revenue: null, size: null, tier: null },
];

export interface SeedOptions {
  /** Issues in the main team (default 60). */
  issues?: number;
  seed?: number;
  /** Give every issue the same updatedAt. */
  sameUpdatedAt?: boolean;
  /** Labels each issue starts with instead of the seed text's labels. */
  labels?: string[];
}

export const PRIORITY_LABELS = ["No priority", "Urgent", "High", "Medium", "Low"];
const DAY = 86_400_000;

/** Deterministic UUID-shaped ids. */
export function idMaker(seed: number): () => string {
  const r = seededRandom(seed ^ 0x5eed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join("");
  return () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

export class LinearWorkspace {
  readonly org = { id: "", name: "Acme Robotics", urlKey: "acme" };
  readonly viewer: LUser;
  readonly users: LUser[] = [];
  readonly teams: LTeam[] = [];
  readonly states: LState[] = [];
  readonly cycles: LCycle[] = [];
  readonly labels = new Map<string, LLabel>();
  readonly issues = new Map<string, LIssue>();
  /** Issues of a team, in insertion order. */
  readonly issuesByTeam = new Map<string, LIssue[]>();
  readonly comments = new Map<string, LComment[]>();
  readonly projects = new Map<string, { id: string; name: string }>();
  readonly milestones = new Map<string, { id: string; name: string; projectId: string }>();
  readonly newId: () => string;
  private lastStamp = 0;

  constructor(
    readonly now: () => number,
    seed = 1,
  ) {
    this.newId = idMaker(seed);
    this.org.id = this.newId();
    for (const [name, email] of [
      ["Ada Park", "ada@acme.test"],
      ["Bo Chen", "bo@acme.test"],
      ["Cy Diaz", "cy@acme.test"],
    ] as const)
      this.users.push({ id: this.newId(), name, email, displayName: name.split(" ")[0]!.toLowerCase() });
    this.viewer = this.users[0]!;
    const p = { id: this.newId(), name: "Onboarding revamp" };
    this.projects.set(p.id, p);
    const m = { id: this.newId(), name: "Beta", projectId: p.id };
    this.milestones.set(m.id, m);
    this.addTeam("ENG", "Engineering");
    this.addTeam("OPS", "Operations");
    for (const name of ["bug", "customer"]) this.createLabel({ name, color: "#eb5757", teamId: null });
  }

  /** A strictly increasing clock reading for writes (ms precision, never equal). */
  stamp(): number {
    this.lastStamp = Math.max(this.now(), this.lastStamp + 1);
    return this.lastStamp;
  }

  addTeam(key: string, name: string): LTeam {
    const t = { id: this.newId(), key, name };
    this.teams.push(t);
    this.issuesByTeam.set(t.id, []);
    const states: Array<[string, string, string]> = [
      ["Triage", "triage", "#fc7840"],
      ["Backlog", "backlog", "#bec2c8"],
      ["Todo", "unstarted", "#e2e2e2"],
      ["In Progress", "started", "#f2c94c"],
      ["In Review", "started", "#0f783c"],
      ["Done", "completed", "#5e6ad2"],
      ["Canceled", "canceled", "#95a2b3"],
    ];
    states.forEach(([n, type, color], i) => this.states.push({ id: this.newId(), teamId: t.id, name: n, type, color, position: i }));
    // Two-week cycles: three past, the active one, the next one, one further out.
    const now = this.now();
    const start = Math.floor(now / DAY) * DAY - 7 * DAY;
    for (let k = -3; k <= 2; k++)
      this.cycles.push({
        id: this.newId(),
        teamId: t.id,
        number: k + 4,
        name: k === 0 ? "Sprint: Activation" : null,
        startsAt: start + k * 14 * DAY,
        endsAt: start + (k + 1) * 14 * DAY,
      });
    return t;
  }

  team(key: string): LTeam {
    const t = this.teams.find((x) => x.key === key || x.id === key);
    if (!t) throw new Error(`no team ${key}`);
    return t;
  }

  cycleFlags(c: LCycle) {
    const now = this.now();
    const future = this.cycles.filter((x) => x.teamId === c.teamId && x.startsAt > now).sort((a, b) => a.startsAt - b.startsAt);
    return {
      isActive: c.startsAt <= now && now < c.endsAt,
      isPast: c.endsAt <= now,
      isFuture: c.startsAt > now,
      isNext: future[0]?.id === c.id,
      isPrevious: false,
    };
  }

  createLabel(p: { name: string; color?: string; description?: string | null; teamId: string | null }): LLabel {
    const t = this.stamp();
    const l: LLabel = {
      id: this.newId(),
      teamId: p.teamId,
      name: p.name,
      color: p.color ?? "#bec2c8",
      description: p.description ?? null,
      createdAt: t,
      updatedAt: t,
    };
    this.labels.set(l.id, l);
    return l;
  }

  /** A label visible to a team by name (team label first, then workspace label). */
  labelByName(teamId: string, name: string): LLabel | undefined {
    let ws: LLabel | undefined;
    for (const l of this.labels.values()) {
      if (l.name !== name) continue;
      if (l.teamId === teamId) return l;
      if (l.teamId === null) ws = l;
    }
    return ws;
  }

  identifier(i: LIssue): string {
    return `${this.team(i.teamId).key}-${i.number}`;
  }

  /** Replace a team's issues with `n` seeded ones (updatedAt one second apart in the past, or all equal). */
  seedIssues(teamKey: string, n: number, opts: SeedOptions = {}): LIssue[] {
    const team = this.team(teamKey);
    for (const old of this.issuesByTeam.get(team.id) ?? []) {
      this.issues.delete(old.id);
      this.comments.delete(old.id);
    }
    const list: LIssue[] = [];
    this.issuesByTeam.set(team.id, list);
    const seed = opts.seed ?? 0;
    const r = seededRandom(0x11ea7 + seed);
    const e = seededRandom(0xc057 + seed);
    const states = this.states.filter((s) => s.teamId === team.id);
    const cycles = this.cycles.filter((c) => c.teamId === team.id);
    const now = this.now();
    const base = Math.floor(now / 1000) * 1000 - (n + 60) * 1000;
    const stateWeights = [0.05, 0.25, 0.25, 0.15, 0.05, 0.2, 0.05];
    for (let i = 0; i < n; i++) {
      const text = seedText(i, seed);
      const updatedAt = opts.sameUpdatedAt ? base : base + i * 1000;
      let x = r();
      let si = 0;
      while (si < stateWeights.length - 1 && x > stateWeights[si]!) x -= stateWeights[si++]!;
      const state = states[si]!;
      const cyc = r();
      const cycle =
        state.type === "triage"
          ? null
          : cyc < 0.3
            ? cycles[3]
            : cyc < 0.45
              ? cycles[4]
              : cyc < 0.52
                ? cycles[5]
                : cyc < 0.75
                  ? cycles[Math.floor(r() * 3)]
                  : null;
      const labelNames = opts.labels ?? text.labels.slice(0, 4);
      const labelIds = labelNames.map((name) => (this.labelByName(team.id, name) ?? this.createLabel({ name, teamId: team.id })).id);
      const issue: LIssue = {
        id: this.newId(),
        teamId: team.id,
        number: i + 1,
        title: text.title,
        description: text.body,
        priority: Math.floor(r() * 5),
        estimate: r() < 0.8 ? ([1, 2, 3, 5, 8] as const)[Math.floor(r() * 5)]! : null,
        stateId: state.id,
        cycleId: cycle?.id ?? null,
        projectId: r() < 0.2 ? [...this.projects.keys()][0]! : null,
        milestoneId: null,
        assigneeId: r() < 0.6 ? this.users[Math.floor(r() * this.users.length)]!.id : null,
        labelIds,
        reactions: r() < 0.3 ? [{ emoji: "+1", userIds: this.users.slice(0, 1 + Math.floor(r() * 3)).map((u) => u.id) }] : [],
        createdAt: updatedAt - Math.floor(r() * 90) * DAY - DAY,
        updatedAt,
        completedAt: state.type === "completed" ? updatedAt : null,
        canceledAt: state.type === "canceled" ? updatedAt : null,
      };
      if (issue.projectId && r() < 0.5) issue.milestoneId = [...this.milestones.keys()][0]!;
      // Flow and customer evidence from a separate stream, so the draws above (and every test pinned to them) stay as they were.
      if (state.type === "started" || state.type === "completed") issue.startedAt = Math.min(updatedAt, issue.createdAt + Math.floor(e() * 10) * DAY);
      if (e() < 0.15) {
        const n = 1 + Math.floor(e() * 3);
        issue.needs = Array.from({ length: n }, (_, k) => ({
          id: `need-${team.key}-${issue.number}-${k}`,
          customerId: SANDBOX_CUSTOMERS[(issue.number + k) % SANDBOX_CUSTOMERS.length]!.id,
          priority: e() < 0.3 ? 1 : 0,
          createdAt: issue.createdAt + (k + 1) * 3_600_000,
        }));
      }
      const nComments = r() < 0.4 ? Math.floor(r() * 8) : 0;
      if (nComments) {
        this.comments.set(
          issue.id,
          Array.from({ length: nComments }, (_, k) => ({
            id: this.newId(),
            issueId: issue.id,
            body: k % 2 ? "Seeing this too on our workspace." : "Any update on this? A customer asked again today.",
            userId: this.users[k % this.users.length]!.id,
            createdAt: issue.createdAt + (k + 1) * 3_600_000,
            updatedAt: issue.createdAt + (k + 1) * 3_600_000,
          })),
        );
      }
      list.push(issue);
      this.issues.set(issue.id, issue);
    }
    this.lastStamp = Math.max(this.lastStamp, base + n * 1000);
    return list;
  }

  /** Issue by id or identifier. */
  findIssue(idOrKey: string): LIssue | undefined {
    const byId = this.issues.get(idOrKey);
    if (byId) return byId;
    const m = /^([A-Z0-9]+)-(\d+)$/.exec(idOrKey);
    if (!m) return undefined;
    const team = this.teams.find((t) => t.key === m[1]);
    return team ? this.issuesByTeam.get(team.id)?.find((i) => i.number === Number(m[2])) : undefined;
  }

  commentsOf(issueId: string): LComment[] {
    return this.comments.get(issueId) ?? [];
  }
}

/**
 * What Linear does to a Markdown body on the way into its editor document:
 * HTML comments and unused link-reference definitions do not survive the
 * round trip (modelled; see connectors/linear/write.ts for the marker choice).
 */
export function normalizeMarkdown(body: string): string {
  return body
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/^\s{0,3}\[[^\]]+\]:\s+\S+(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd();
}
