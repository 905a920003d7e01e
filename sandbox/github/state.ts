/**
 * The GitHub sandbox's state: repositories with issues, labels, milestones
 * and comments, kept compact so 100,000 seeded issues are cheap (titles and
 * bodies are looked up from the shared seed texts until someone edits them).
 */
import { seededRandom } from "../../domain/random";
import { seedText } from "../data";

export interface SbLabel {
  id: number;
  name: string;
  color: string;
  description: string | null;
  isDefault: boolean;
}

export interface SbMilestone {
  id: number;
  number: number;
  title: string;
  description: string | null;
  state: "open" | "closed";
  createdAt: number;
  dueOn: number | null;
  openIssues: number;
  closedIssues: number;
}

export interface SbComment {
  id: number;
  author: string;
  body: string;
  createdAt: number;
  updatedAt: number;
}

export interface SbIssue {
  id: number;
  number: number;
  /** Index into the shared seed texts; `title`/`body` override it once edited. */
  textIndex: number;
  textSeed: number;
  title: string | null;
  body: string | null;
  labels: string[];
  state: "open" | "closed";
  stateReason: "completed" | "not_planned" | "reopened" | null;
  /** Epoch seconds (GitHub timestamps have second precision). */
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  author: string;
  assignees: string[];
  milestone: number | null;
  reactions: number;
  type: string | null;
  commentCount: number;
  comments: SbComment[] | null;
  isPullRequest: boolean;
}

export interface SbRepo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  private: boolean;
  description: string;
  labels: Map<string, SbLabel>;
  milestones: SbMilestone[];
  /** By number - 1 (numbers are dense); deleted issues leave `null`. */
  issues: Array<SbIssue | null>;
  /** Bumped on every change, to invalidate the sorted listing cache. */
  version: number;
  sortedCache: { key: string; version: number; list: SbIssue[] } | null;
}

export interface SeedRepoOptions {
  fullName: string;
  /** Number of issues to seed (default 60). */
  issues?: number;
  /** Share of items that are pull requests (listed by /issues like on GitHub). Default 0.08. */
  pullRequestShare?: number;
  /** Every issue gets the same updatedAt. */
  sameUpdatedAt?: boolean;
  /** Human labels every issue starts with, instead of the seed texts' labels. */
  labels?: string[];
  private?: boolean;
}

export const DEFAULT_LABELS: Array<Omit<SbLabel, "id">> = [
  { name: "bug", color: "d73a4a", description: "Something isn't working", isDefault: true },
  { name: "documentation", color: "0075ca", description: "Improvements or additions to documentation", isDefault: true },
  { name: "duplicate", color: "cfd3d7", description: "This issue or pull request already exists", isDefault: true },
  { name: "enhancement", color: "a2eeef", description: "New feature or request", isDefault: true },
  { name: "good first issue", color: "7057ff", description: "Good for newcomers", isDefault: true },
  { name: "help wanted", color: "008672", description: "Extra attention is needed", isDefault: true },
  { name: "question", color: "d876e3", description: "Further information is requested", isDefault: true },
];

const PEOPLE = ["mona", "hubot", "octocat", "codertocat", "ada-l", "grace-h", "linus-t", "margaret-h"];
const PRIORITY_LABELS = ["priority: high", "priority: low", "P1", "P2"];
const TYPES = ["Bug", "Feature", "Task", null, null];

export class GithubState {
  readonly repos = new Map<string, SbRepo>();
  private nextId = 1_000_000;

  constructor(private readonly nowSec: () => number) {}

  newId(): number {
    return this.nextId++;
  }

  repo(fullName: string): SbRepo | undefined {
    return this.repos.get(fullName.toLowerCase());
  }

  issue(repo: SbRepo, number: number): SbIssue | null {
    return repo.issues[number - 1] ?? null;
  }

  issueById(id: number): { repo: SbRepo; issue: SbIssue } | null {
    for (const repo of this.repos.values()) {
      for (const issue of repo.issues) if (issue?.id === id) return { repo, issue };
    }
    return null;
  }

  textOf(i: SbIssue): { title: string; body: string } {
    if (i.title !== null && i.body !== null) return { title: i.title, body: i.body };
    const t = seedText(i.textIndex, i.textSeed);
    return { title: i.title ?? t.title, body: i.body ?? t.body };
  }

  ensureLabel(repo: SbRepo, name: string, color = "ededed", description: string | null = null): { label: SbLabel; created: boolean } {
    const existing = repo.labels.get(name.toLowerCase());
    if (existing) return { label: existing, created: false };
    const label = { id: this.newId(), name, color, description, isDefault: false };
    repo.labels.set(name.toLowerCase(), label);
    return { label, created: true };
  }

  /** Create or replace a repository with deterministic seeded issues. */
  seedRepo(opts: SeedRepoOptions, seed = 1): SbRepo {
    const [owner, name] = opts.fullName.split("/") as [string, string];
    const rand = seededRandom(seed ^ hash(opts.fullName));
    const repo: SbRepo = {
      id: this.newId(),
      owner,
      name,
      fullName: opts.fullName,
      private: opts.private ?? true,
      description: `Sandbox repository ${opts.fullName}`,
      labels: new Map(),
      milestones: [],
      issues: [],
      version: 0,
      sortedCache: null,
    };
    for (const l of DEFAULT_LABELS) repo.labels.set(l.name, { ...l, id: this.newId() });
    const now = this.nowSec();
    repo.milestones.push(
      {
        id: this.newId(),
        number: 1,
        title: "v1.3",
        description: "Shipped",
        state: "closed",
        createdAt: now - 120 * 86400,
        dueOn: now - 30 * 86400,
        openIssues: 0,
        closedIssues: 0,
      },
      {
        id: this.newId(),
        number: 2,
        title: "v1.4",
        description: "Current release",
        state: "open",
        createdAt: now - 30 * 86400,
        dueOn: now + 14 * 86400,
        openIssues: 0,
        closedIssues: 0,
      },
    );
    const n = opts.issues ?? 60;
    const prShare = opts.pullRequestShare ?? 0.08;
    const step = n > 20_000 ? 7 : 37;
    const newest = now - 3600;
    for (let k = 0; k < n; k++) {
      const updatedAt = opts.sameUpdatedAt ? newest : newest - (n - 1 - k) * step;
      const text = seedText(k, seed === 1 ? 0 : seed);
      const labels = opts.labels ? [...opts.labels] : [...text.labels];
      if (!opts.labels && rand() < 0.15) labels.push(PRIORITY_LABELS[Math.floor(rand() * PRIORITY_LABELS.length)]!);
      for (const l of labels) this.ensureLabel(repo, l);
      const closed = rand() < 0.3;
      const milestoneRoll = rand();
      const issue: SbIssue = {
        id: this.newId(),
        number: k + 1,
        textIndex: k,
        textSeed: seed === 1 ? 0 : seed,
        title: null,
        body: null,
        labels,
        state: closed ? "closed" : "open",
        stateReason: closed ? (rand() < 0.8 ? "completed" : "not_planned") : null,
        createdAt: updatedAt - Math.floor(rand() * 90 * 86400),
        updatedAt,
        closedAt: closed ? updatedAt : null,
        author: PEOPLE[Math.floor(rand() * PEOPLE.length)]!,
        assignees: rand() < 0.4 ? [PEOPLE[Math.floor(rand() * PEOPLE.length)]!] : [],
        milestone: milestoneRoll < 0.2 ? 2 : milestoneRoll < 0.3 ? 1 : null,
        reactions: Math.floor(rand() * rand() * 12),
        type: TYPES[Math.floor(rand() * TYPES.length)] ?? null,
        commentCount: 0,
        comments: null,
        isPullRequest: rand() < prShare,
      };
      repo.issues.push(issue);
    }
    this.repos.set(opts.fullName.toLowerCase(), repo);
    return repo;
  }

  /** Mark a change: bump updatedAt (or pin it) and invalidate caches. */
  touch(repo: SbRepo, issue: SbIssue, at?: number): void {
    issue.updatedAt = at ?? this.nowSec();
    repo.version++;
  }

  /** Issues (and PRs) sorted for a listing, cached until the repo changes. */
  sorted(repo: SbRepo, sort: "created" | "updated" | "comments", direction: "asc" | "desc"): SbIssue[] {
    const key = `${sort}:${direction}`;
    if (repo.sortedCache && repo.sortedCache.key === key && repo.sortedCache.version === repo.version) return repo.sortedCache.list;
    const field = (i: SbIssue) => (sort === "created" ? i.createdAt : sort === "comments" ? i.commentCount : i.updatedAt);
    const sign = direction === "asc" ? 1 : -1;
    const list = repo.issues.filter((i): i is SbIssue => i !== null).sort((a, b) => sign * (field(a) - field(b) || a.number - b.number));
    repo.sortedCache = { key, version: repo.version, list };
    return list;
  }
}

function hash(s: string): number {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}
