/**
 * The Jira sandbox's state: sites (cloudIds) with site-specific custom field
 * ids, projects, sprints, statuses, issues with comments, and the seed that
 * builds issues from real texts (`sandbox/data`).
 */
import { seededRandom } from "../../domain/random";
import { seedText } from "../data";

export interface SandboxSprint {
  id: number;
  name: string;
  state: "closed" | "active" | "future";
  boardId: number;
  startDate?: number;
  endDate?: number;
  completeDate?: number;
  goal: string;
}

export interface SandboxComment {
  id: number;
  body: unknown;
  authorId: string;
  created: number;
  updated: number;
}

export interface SandboxIssue {
  id: number;
  key: string;
  num: number;
  project: string;
  summary: string;
  /** Description source text (shared with the seed texts; rendered to ADF on read, so 100k issues stay compact). */
  body: string;
  labels: string[];
  status: number;
  priority: number | null;
  type: number;
  components: string[];
  votes: number;
  sprintIds: number[];
  points: number | null;
  assignee: string | null;
  created: number;
  updated: number;
  resolved: number | null;
  comments: SandboxComment[];
}

export interface SandboxProject {
  id: string;
  key: string;
  name: string;
  nextNum: number;
  /** Issues sorted by (updated, num), rebuilt lazily after writes. */
  sorted: SandboxIssue[] | null;
}

export interface SandboxWebhook {
  id: number;
  url: string;
  events: string[];
  jqlFilter: string;
  /** Project keys the filter names. */
  projects: string[];
  expiresAt: number;
}

export interface SandboxSite {
  id: string;
  name: string;
  url: string;
  storyPoints: { id: string; name: string };
  sprint: { id: string };
  projects: Map<string, SandboxProject>;
  issues: Map<number, SandboxIssue>;
  byKey: Map<string, SandboxIssue>;
  sprints: SandboxSprint[];
  webhooks: Map<number, SandboxWebhook>;
  nextIssueId: number;
  nextCommentId: number;
}

export const STATUSES = [
  { id: "10000", name: "Backlog", cat: "new" },
  { id: "10001", name: "To Do", cat: "new" },
  { id: "3", name: "In Progress", cat: "indeterminate" },
  { id: "10002", name: "In Review", cat: "indeterminate" },
  { id: "10003", name: "Done", cat: "done" },
  { id: "10004", name: "Won't Do", cat: "done" },
] as const;
export const CATEGORIES = {
  new: { id: 2, key: "new", colorName: "blue-gray", name: "To Do" },
  indeterminate: { id: 4, key: "indeterminate", colorName: "yellow", name: "In Progress" },
  done: { id: 3, key: "done", colorName: "green", name: "Done" },
} as const;
export const PRIORITIES = ["Highest", "High", "Medium", "Low", "Lowest"] as const;
export const ISSUE_TYPES = ["Bug", "Story", "Task", "Improvement"] as const;
export const COMPONENTS = ["Frontend", "API", "Billing", "Onboarding", "Infrastructure"] as const;

export const USER = { accountId: "5b10ac8d82e05b22cc7d4ef5", displayName: "Mia Krystof", email: "mia@example.com" };
export const BOT = { accountId: "712020:backlog-auditor-app", displayName: "Backlog Auditor" };

export interface SiteSpec {
  id: string;
  name: string;
  storyPoints: { id: string; name: string };
  sprint: string;
  projects: Array<{ key: string; name: string }>;
}

export const DEFAULT_SITES: SiteSpec[] = [
  {
    id: "b1f8c7a2-4e2d-4a8e-9a51-3c1f0d7e2a10",
    name: "acme",
    storyPoints: { id: "customfield_10016", name: "Story point estimate" },
    sprint: "customfield_10020",
    projects: [
      { key: "AUD", name: "Auditor" },
      { key: "OPS", name: "Operations" },
    ],
  },
  {
    id: "5d3e9b04-77c1-4f0b-8d2a-9e6f1a2b3c4d",
    name: "globex",
    storyPoints: { id: "customfield_10028", name: "Story Points" },
    sprint: "customfield_10104",
    projects: [{ key: "GLX", name: "Globex Platform" }],
  },
];

/** Plain text with `### ` headings and `- ` items → a small ADF document (the sandbox's own builder). */
export function textToAdf(text: string): unknown {
  const content: unknown[] = [];
  for (const block of text.split(/\n{2,}/)) {
    const lines = block.split("\n").filter((l) => l.trim() !== "");
    if (!lines.length) continue;
    if (lines.every((l) => /^\s*[-*]\s+/.test(l))) {
      content.push({
        type: "bulletList",
        content: lines.map((l) => ({ type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: l.replace(/^\s*[-*]\s+/, "") }] }] })),
      });
      continue;
    }
    const para: unknown[] = [];
    for (const l of lines) {
      const h = /^(#{1,6})\s+(.*)$/.exec(l);
      if (h) {
        if (para.length) content.push({ type: "paragraph", content: para.splice(0) });
        content.push({ type: "heading", attrs: { level: h[1]!.length }, content: [{ type: "text", text: h[2] }] });
        continue;
      }
      if (para.length) para.push({ type: "hardBreak" });
      para.push({ type: "text", text: l });
    }
    if (para.length) content.push({ type: "paragraph", content: para });
  }
  return { type: "doc", version: 1, content };
}

export function createSite(spec: SiteSpec, boardId: number): SandboxSite {
  const now = Date.now();
  const day = 86_400_000;
  const sprints: SandboxSprint[] = [
    {
      id: boardId * 10 + 1,
      name: "Sprint 11",
      state: "closed",
      boardId,
      startDate: now - 30 * day,
      endDate: now - 16 * day,
      completeDate: now - 16 * day,
      goal: "Stabilize imports",
    },
    {
      id: boardId * 10 + 2,
      name: "Sprint 12",
      state: "closed",
      boardId,
      startDate: now - 16 * day,
      endDate: now - 2 * day,
      completeDate: now - 2 * day,
      goal: "Faster onboarding",
    },
    { id: boardId * 10 + 3, name: "Sprint 13", state: "active", boardId, startDate: now - 2 * day, endDate: now + 12 * day, goal: "Reliability week" },
    { id: boardId * 10 + 4, name: "Sprint 14", state: "future", boardId, goal: "" },
  ];
  const projects = new Map<string, SandboxProject>();
  spec.projects.forEach((p, i) => projects.set(p.key, { id: String(10000 + boardId * 10 + i), key: p.key, name: p.name, nextNum: 1, sorted: null }));
  return {
    id: spec.id,
    name: spec.name,
    url: `https://${spec.name}.atlassian.net`,
    storyPoints: spec.storyPoints,
    sprint: { id: spec.sprint },
    projects,
    issues: new Map(),
    byKey: new Map(),
    sprints,
    webhooks: new Map(),
    nextIssueId: 10001,
    nextCommentId: 10000,
  };
}

export interface SeedOptions {
  /** Issues per project at start. Default 30. */
  issuesPerProject?: number;
  /** Text resampling seed. Default 0. */
  seed?: number;
}

/**
 * Seeded issues' `updated` times are `stepMs` apart (default 37 s, as the GitHub sandbox's), the newest at `endMs`
 * (default two minutes ago), or all equal (`sameUpdatedAt`). A backlog's edits are spread out: 10,000 issues span
 * about four days, and only a few fall in the minute a connector re-reads after a sync.
 */
export const SEED_STEP_MS = 37_000;

/** Build `n` issues for `project` from real texts (updated times: see `SEED_STEP_MS`). */
export function seedProject(
  site: SandboxSite,
  projectKey: string,
  n: number,
  opts: { seed?: number; sameUpdatedAt?: boolean; labels?: string[]; endMs?: number; stepMs?: number } = {},
): SandboxIssue[] {
  const project = site.projects.get(projectKey);
  if (!project) throw new Error(`no project ${projectKey} on ${site.name}`);
  for (const issue of [...site.issues.values()]) {
    if (issue.project !== projectKey) continue;
    site.issues.delete(issue.id);
    site.byKey.delete(issue.key);
  }
  const rand = seededRandom((opts.seed ?? 0) * 7919 + project.id.length * 31 + Number(project.id));
  const end = opts.endMs ?? Date.now() - 120_000;
  const out: SandboxIssue[] = [];
  for (let i = 0; i < n; i++) {
    const text = seedText(i, opts.seed ?? 0);
    const num = project.nextNum++;
    const updated = opts.sameUpdatedAt ? end : end - (n - 1 - i) * (opts.stepMs ?? SEED_STEP_MS);
    const status = Math.floor(rand() * STATUSES.length);
    const sprintPick = rand();
    const issue: SandboxIssue = {
      id: site.nextIssueId++,
      key: `${projectKey}-${num}`,
      num,
      project: projectKey,
      summary: text.title,
      body: text.body,
      labels: (opts.labels ?? text.labels).map((l) => l.replace(/\s+/g, "-")),
      status,
      priority: rand() < 0.1 ? null : Math.floor(rand() * PRIORITIES.length),
      type: Math.floor(rand() * ISSUE_TYPES.length),
      components: rand() < 0.5 ? [COMPONENTS[Math.floor(rand() * COMPONENTS.length)]!] : [],
      votes: Math.floor(rand() * rand() * 12),
      sprintIds:
        sprintPick < 0.3
          ? []
          : sprintPick < 0.5
            ? [site.sprints[0]!.id, site.sprints[2]!.id]
            : sprintPick < 0.8
              ? [site.sprints[2]!.id]
              : [site.sprints[3]!.id],
      points: rand() < 0.3 ? null : [1, 2, 3, 5, 8, 13][Math.floor(rand() * 6)]!,
      assignee: rand() < 0.5 ? USER.accountId : null,
      created: updated - Math.floor(rand() * 30) * 86_400_000 - 3_600_000,
      updated,
      resolved: STATUSES[status]!.cat === "done" ? updated : null,
      comments: [],
    };
    // A third of the issues carry one or two human comments (ADF), older than the issue's last update.
    const nComments = rand() < 0.66 ? 0 : rand() < 0.5 ? 1 : 2;
    for (let k = 0; k < nComments; k++) {
      const said = seedText(i * 3 + k + 1, (opts.seed ?? 0) + 1);
      const at = updated - (nComments - k) * 60_000;
      issue.comments.push({ id: site.nextCommentId++, body: textToAdf(`Related: ${said.title}`), authorId: USER.accountId, created: at, updated: at });
    }
    site.issues.set(issue.id, issue);
    site.byKey.set(issue.key, issue);
    out.push(issue);
  }
  project.sorted = null;
  return out;
}

/** The project's issues in (updated, key) order, cached until the next write. */
export function sortedIssues(site: SandboxSite, projectKey: string): SandboxIssue[] {
  const p = site.projects.get(projectKey);
  if (!p) return [];
  if (!p.sorted) p.sorted = [...site.issues.values()].filter((i) => i.project === projectKey).sort((a, b) => a.updated - b.updated || a.num - b.num);
  return p.sorted;
}

export function touch(site: SandboxSite, issue: SandboxIssue, at: number): void {
  issue.updated = at;
  const p = site.projects.get(issue.project);
  if (p) p.sorted = null;
}
