/**
 * The GitHub Issues connector: GitHub App (installation tokens) or OAuth user
 * tokens, incremental sync by `since`, label/comment write-back, webhooks.
 * See README.md in this folder for setup.
 *
 * @example
 * const gh = createGithubConnector({
 *   fetch, apiBase: "https://api.github.com", oauthBase: "https://github.com",
 *   clientId, clientSecret, webhookSecret,
 *   options: { appId: "12345", privateKey: pemFromGitHub },
 * });
 * const token = await gh.app.installationToken("987");
 * const page = await gh.listIssues({ accessToken: token.accessToken }, { kind: "repo", id: "octo/app", name: "octo/app" }, null);
 */
import { ConnectorError } from "../errors";
import { HttpClient, parseLoose, parseOrThrow } from "../http";
import type { Auth, CommentResult, Connector, ConnectorConfig, IssuePage, IssueRef, LabelChange, LabelResult } from "../types";
import { GITHUB_PAGE_SIZE, GithubClient } from "./client";
import { createGithubApp, createGithubOAuth, type GithubApp } from "./oauth";
import { readGithubRateLimit } from "./rate-limit";
import { CursorMarkSchema, GithubIssueSchema } from "./schema";
import { alreadySeen, decodeCursor, encodeCursor, nextCursor, toSecond, type Mark } from "./sync";
import { createGithubWebhooks } from "./webhooks";

export interface GithubConnector extends Connector {
  /** GitHub App auth (needs `options.appId` and `options.privateKey`). */
  readonly app: GithubApp;
  /** Requests sent through this connector. */
  requestCount(): number;
}

/** `owner/repo#12` → repo and number. */
export function parseKey(key: string): { repo: string; number: number } {
  const m = /^([^/#\s]+\/[^#\s]+)#(\d+)$/.exec(key);
  if (!m) throw new ConnectorError("not-found", `not a GitHub issue key: ${key}`, { tracker: "github" });
  return { repo: m[1]!, number: Number(m[2]) };
}

/** The hidden marker our comment carries: `<!-- backlog-auditor:… -->`. */
export function markerTag(marker: string): string {
  return marker.startsWith("<!--") ? marker : `<!-- ${marker} -->`;
}

function markOf(raw: unknown): Mark | null {
  const r = CursorMarkSchema.safeParse(raw);
  if (!r.success) return null;
  const second = toSecond(r.data.updated_at);
  return second ? { id: String(r.data.id), second } : null;
}

export function createGithubConnector(config: ConnectorConfig): GithubConnector {
  const http = new HttpClient({
    fetch: config.fetch,
    tracker: "github",
    timeoutMs: config.timeoutMs,
    now: config.now,
    readRateLimit: readGithubRateLimit,
    userAgent: "backlog-auditor",
  });
  const client = new GithubClient(http, config.apiBase);
  const app = createGithubApp(config, client);
  /** Repo label names (lower-cased) seen this instance, so label creation is checked once per repo. */
  const repoLabels = new Map<string, Set<string>>();

  async function ensureRepoLabels(token: string, repo: string, change: LabelChange, names: string[]): Promise<string[]> {
    let known = repoLabels.get(repo);
    if (!known) {
      known = new Set((await client.repoLabels(token, repo)).map((l) => l.name.toLowerCase()));
      repoLabels.set(repo, known);
    }
    const created: string[] = [];
    for (const name of names) {
      if (known.has(name.toLowerCase())) continue;
      const def = change.definitions.find((d) => d.name.toLowerCase() === name.toLowerCase());
      const didCreate = await client.createLabel(token, repo, {
        name,
        color: (def?.color ?? "ededed").replace(/^#/, ""),
        description: def?.description ?? "",
      });
      if (didCreate) created.push(name);
      known.add(name.toLowerCase());
    }
    return created;
  }

  const connector: GithubConnector = {
    tracker: "github",
    pageSize: GITHUB_PAGE_SIZE,
    // GitHub asks integrators to make a user's requests serially, not concurrently (secondary rate limits).
    writeConcurrency: 1,
    app,
    oauth: createGithubOAuth(config, http, client, app),
    webhooks: createGithubWebhooks(config.webhookSecret),
    rateLimit: () => http.rateLimit(),
    requestCount: () => http.requestCount,

    async listIssues(auth: Auth, scope, cursorText): Promise<IssuePage> {
      const cursor = decodeCursor(cursorText);
      const { items, next } = await client.listIssues(auth.accessToken, scope.id, { since: cursor.since, page: cursor.page });
      const marks: Mark[] = [];
      const fresh: unknown[] = [];
      items.forEach((raw) => {
        const mark = markOf(raw);
        if (mark) marks.push(mark);
        if (alreadySeen(cursor, mark)) return;
        if (raw && typeof raw === "object" && "pull_request" in raw) return;
        fresh.push(raw);
      });
      const { ok, skipped } = parseLoose(GithubIssueSchema, fresh, (raw, i) => {
        const r = raw as { number?: unknown; id?: unknown } | null;
        if (!r || (typeof r.number !== "number" && typeof r.id !== "number")) return `${scope.id}[${i}]`;
        const ref = `${scope.id}#${String(r.number ?? r.id)}`;
        return { ref, key: typeof r.number === "number" ? ref : undefined, externalId: typeof r.id === "number" ? String(r.id) : undefined };
      });
      const after = nextCursor(cursor, marks, next !== null);
      return { issues: ok, skipped, cursor: encodeCursor(after), hasMore: next !== null };
    },

    async getIssue(auth, ref) {
      const { repo, number } = parseKey(ref.key);
      const raw = await client.getIssue(auth.accessToken, repo, number);
      if (raw === null) return null;
      if (typeof raw === "object" && raw && "pull_request" in raw) return null;
      return parseOrThrow(GithubIssueSchema, raw, "github", "issue");
    },

    async ensureLabels(auth, ref: IssueRef, change: LabelChange): Promise<LabelResult> {
      const { repo, number } = parseKey(ref.key);
      const token = auth.accessToken;
      let labels = (await client.issueLabels(token, repo, number)).map((l) => l.name);
      const has = (name: string) => labels.some((l) => l.toLowerCase() === name.toLowerCase());
      const desired = [...new Set(change.desired)];
      const toAdd = desired.filter((d) => !has(d));
      const toRemove = labels.filter((l) => change.isOwned(l) && !desired.some((d) => d.toLowerCase() === l.toLowerCase()));
      const created = toAdd.length ? await ensureRepoLabels(token, repo, change, toAdd) : [];
      if (toAdd.length) labels = (await client.addLabels(token, repo, number, toAdd)).map((l) => l.name);
      for (const name of toRemove) {
        const after = await client.removeLabel(token, repo, number, name);
        labels = after ? after.map((l) => l.name) : labels.filter((l) => l !== name);
      }
      return { added: toAdd, removed: toRemove, created, labels };
    },

    async ensureComment(auth, ref, marker, body): Promise<CommentResult> {
      const { repo, number } = parseKey(ref.key);
      const token = auth.accessToken;
      const tag = markerTag(marker);
      const existing = (await client.listComments(token, repo, number)).find((c) => c.body?.includes(tag));
      if (body === null) {
        if (!existing) return { action: "absent", commentId: null };
        await client.deleteComment(token, repo, existing.id);
        return { action: "deleted", commentId: String(existing.id) };
      }
      const text = `${tag}\n${body}`;
      if (!existing) {
        const c = await client.createComment(token, repo, number, text);
        return { action: "created", commentId: String(c.id) };
      }
      if ((existing.body ?? "").replace(/\r\n/g, "\n") === text) return { action: "unchanged", commentId: String(existing.id) };
      await client.updateComment(token, repo, existing.id, text);
      return { action: "updated", commentId: String(existing.id) };
    },
  };
  return connector;
}
