/**
 * `backlog-audit audit github:OWNER/REPO | linear:TEAMKEY | jira:SITE/PROJECT`:
 * reads a live tracker through the Worker's own connectors (`listIssues` only:
 * read-only), keeps an incremental local cache so a second run fetches only what
 * changed (one request per scope on a no-op), then audits like an export.
 *
 * Credentials and endpoints come from the environment, with the Worker's names:
 * GITHUB_TOKEN, LINEAR_API_KEY, JIRA_EMAIL + JIRA_API_TOKEN or JIRA_ACCESS_TOKEN;
 * GITHUB_API_BASE, LINEAR_API_BASE, JIRA_API_BASE.
 *
 * @example
 * GITHUB_TOKEN=ghp_… backlog-audit audit github:acme/webapp --format html --out audit.html
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectorFactories } from "../../connectors";
import { isConnectorError, type ConnectorError } from "../../connectors/errors";
import type { Auth, Connector, FetchLike, SyncScope } from "../../connectors/types";
import type { RulePack } from "../../rules";
import type { Issue, Tracker } from "../../domain/types";
import { auditIssues, writeReport, type AuditChoices, type ReportOutput } from "./audit-report";
import { createProgress, type Progress } from "./progress";

export type LiveTarget = { tracker: "github"; repo: string } | { tracker: "linear"; teamKey: string } | { tracker: "jira"; site: string; project: string };

/** A failure the CLI prints as one line, with its exit code. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Exit codes: 1 network or tracker failure, 2 usage, 3 credentials refused, 4 repository/team/project not found. */
export const EXIT = { failure: 1, usage: 2, auth: 3, notFound: 4 } as const;

/** Parses the part after `github:`, `linear:` or `jira:`; returns an error message when malformed. */
export function parseLiveSource(tracker: Tracker, rest: string): LiveTarget | string {
  if (tracker === "github") return /^[\w.-]+\/[\w.-]+$/.test(rest) ? { tracker, repo: rest } : "github:OWNER/REPO, e.g. github:acme/webapp";
  if (tracker === "linear") return /^[A-Za-z0-9]+$/.test(rest) ? { tracker, teamKey: rest.toUpperCase() } : "linear:TEAMKEY, e.g. linear:ENG";
  const m = /^([^/\s]+)\/([A-Za-z][A-Za-z0-9_]*)$/.exec(rest);
  return m ? { tracker, site: m[1]!, project: m[2]!.toUpperCase() } : "jira:SITE/PROJECT, e.g. jira:acme/PLAT (SITE as in SITE.atlassian.net)";
}

const label = (t: LiveTarget) => (t.tracker === "github" ? t.repo : t.tracker === "linear" ? t.teamKey : `${t.site}/${t.project}`);

type Env = Record<string, string | undefined>;

interface Credentials {
  auth: Auth;
  /** Jira Cloud basic auth (email + API token): requests go to the site itself. */
  basic?: string;
}

function credentials(target: LiveTarget, env: Env): Credentials {
  const missing = (what: string) => new CliError(`${target.tracker}: ${what} is not set; export it to audit ${target.tracker}:${label(target)}`, EXIT.usage);
  switch (target.tracker) {
    case "github":
      if (!env.GITHUB_TOKEN) throw missing("GITHUB_TOKEN (a token that can read the repository's issues)");
      return { auth: { accessToken: env.GITHUB_TOKEN } };
    case "linear":
      if (!env.LINEAR_API_KEY) throw missing("LINEAR_API_KEY (Linear → Settings → API → personal API key)");
      return { auth: { accessToken: env.LINEAR_API_KEY } };
    case "jira":
      if (env.JIRA_ACCESS_TOKEN) return { auth: { accessToken: env.JIRA_ACCESS_TOKEN } };
      if (env.JIRA_EMAIL && env.JIRA_API_TOKEN)
        return { auth: { accessToken: "basic" }, basic: Buffer.from(`${env.JIRA_EMAIL}:${env.JIRA_API_TOKEN}`).toString("base64") };
      throw missing("JIRA_EMAIL and JIRA_API_TOKEN (or JIRA_ACCESS_TOKEN, an OAuth 2.0 access token)");
  }
}

const DEFAULT_BASES: Record<Tracker, string> = { github: "https://api.github.com", linear: "https://api.linear.app", jira: "https://api.atlassian.com" };
const BASE_VARS: Record<Tracker, string> = { github: "GITHUB_API_BASE", linear: "LINEAR_API_BASE", jira: "JIRA_API_BASE" };

/**
 * The only requests a read may make: GET, GraphQL queries (never mutations), and
 * Jira's search and bulk-fetch POSTs. Anything else is refused before it leaves.
 */
export function readOnlyFetch(inner: FetchLike): FetchLike {
  return async (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (method !== "GET" && method !== "HEAD") {
      const url = String(input instanceof Request ? input.url : input);
      let allowed: boolean;
      if (/\/graphql\b/.test(url)) {
        // A GraphQL POST passes only as a JSON string whose operation is a query.
        const query = typeof init?.body === "string" ? ((JSON.parse(init.body) as { query?: unknown }).query ?? "") : null;
        allowed = typeof query === "string" && query.trim() !== "" && !/^\s*mutation\b/.test(query) && !/\bmutation\s*[\w({]/.test(query);
      } else allowed = /\/rest\/api\/3\/(search\/jql|issue\/bulkfetch)$/.test(new URL(url).pathname);
      if (!allowed) throw new Error(`refused ${method} ${url}: a live audit never writes to the tracker`);
    }
    return inner(input, init);
  };
}

/**
 * Jira Cloud basic auth (`Authorization: Basic base64(email:api_token)`) talks to the site
 * (`https://SITE.atlassian.net/rest/api/3/…`) instead of the OAuth gateway. With JIRA_API_BASE set
 * (a stand-in such as the sandbox), requests stay on that base with the site named in the path
 * (`{JIRA_API_BASE}/ex/jira/SITE/rest/api/3/…`), where the stand-in answers for the site.
 */
function jiraBasicFetch(inner: FetchLike, gateway: string, site: string, basic: string): FetchLike {
  const siteBase = site.includes(".") ? `https://${site}` : `https://${site}.atlassian.net`;
  const toSite = gateway === DEFAULT_BASES.jira;
  return (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const m = toSite ? new RegExp(`^${gateway.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/ex/jira/[^/]+(/.*)$`).exec(url) : null;
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Basic ${basic}`);
    return inner(m ? `${siteBase}${m[1]}` : url, { ...init, headers });
  };
}

/** Linear personal API keys go in the header as they are; OAuth tokens as `Bearer`. */
function linearKeyFetch(inner: FetchLike): FetchLike {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    const a = headers.get("authorization") ?? "";
    if (/^Bearer lin_api_/.test(a)) headers.set("authorization", a.slice("Bearer ".length));
    return inner(input, { ...init, headers });
  };
}

interface CacheFile {
  version: 1;
  target: string;
  scope: SyncScope;
  cursor: string | null;
  syncedAt: string;
  issues: Issue[];
}

function cachePath(dir: string, target: LiveTarget): string {
  return join(dir, `${target.tracker}-${label(target).replace(/[^\w.-]+/g, "_")}.json`);
}

function readCache(file: string, target: LiveTarget): CacheFile | null {
  try {
    const c = JSON.parse(readFileSync(file, "utf8")) as CacheFile;
    return c.version === 1 && c.target === `${target.tracker}:${label(target)}` && c.scope && Array.isArray(c.issues) ? c : null;
  } catch {
    return null;
  }
}

function writeCache(file: string, c: CacheFile): void {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(c));
  renameSync(`${file}.tmp`, file);
}

/** One line for a known connector failure. */
function describeFailure(e: ConnectorError, target: LiveTarget, env: Env): CliError {
  const where = `${target.tracker}:${label(target)}`;
  const tokenVar =
    target.tracker === "github"
      ? "GITHUB_TOKEN"
      : target.tracker === "linear"
        ? "LINEAR_API_KEY"
        : env.JIRA_ACCESS_TOKEN
          ? "JIRA_ACCESS_TOKEN"
          : "JIRA_EMAIL/JIRA_API_TOKEN";
  switch (e.code) {
    case "auth":
      return new CliError(
        `${where}: the tracker rejected the credentials in ${tokenVar}${e.details.status ? ` (HTTP ${e.details.status})` : ""}; check or renew them`,
        EXIT.auth,
      );
    case "forbidden":
      return new CliError(
        `${where}: the credentials in ${tokenVar} cannot read this ${target.tracker === "github" ? "repository" : target.tracker === "linear" ? "team" : "project"}${e.details.status ? ` (HTTP ${e.details.status})` : ""}`,
        EXIT.auth,
      );
    case "not-found":
      return new CliError(`${where}: not found, or not visible with these credentials`, EXIT.notFound);
    case "upstream":
      return new CliError(`${where}: cannot reach ${target.tracker} (${e.message})`, EXIT.failure);
    default:
      return new CliError(`${where}: ${e.message}`, EXIT.failure);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `fn`, waiting out rate limits (saying so) and retrying network/5xx
 * failures a few times with backoff; other failures become one-line `CliError`s.
 */
async function patiently<T>(fn: () => Promise<T>, ctx: { target: LiveTarget; env: Env; progress: Progress; now: () => number }): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isConnectorError(e)) throw e;
      const err = e;
      if (err.code === "rate-limited") {
        const waitMs = Math.max(1000, (err.details.retryAt ?? ctx.now() + 60_000) - ctx.now());
        ctx.progress.waiting(waitMs, err.details.retryAt ?? ctx.now() + waitMs);
        await sleep(waitMs);
        continue;
      }
      if (err.code === "upstream" && attempt < 3) {
        await sleep(500 * 2 ** attempt);
        continue;
      }
      throw describeFailure(err, ctx.target, ctx.env);
    }
  }
}

/** Finds the scope to list: the repository itself, the Linear team by key, the Jira project on the named site. */
async function resolveScope(connector: Connector, creds: Credentials, target: LiveTarget, run: <T>(fn: () => Promise<T>) => Promise<T>): Promise<SyncScope> {
  if (target.tracker === "github") return { kind: "repo", id: target.repo, name: target.repo };
  if (target.tracker === "jira" && creds.basic) return { kind: "project", id: target.project, name: target.project, siteId: target.site };
  const found = await run(() => connector.oauth.discover(creds.auth));
  if (target.tracker === "linear") {
    const team = found.scopes.find((s) => new RegExp(`\\(${target.teamKey}\\)$`, "i").test(s.name) || s.id === target.teamKey);
    if (!team)
      throw new CliError(
        `linear:${target.teamKey}: no team with key ${target.teamKey} (teams: ${found.scopes.map((s) => /\(([^)]+)\)$/.exec(s.name)?.[1] ?? s.name).join(", ") || "none"})`,
        EXIT.notFound,
      );
    return team;
  }
  const want = target.site.toLowerCase();
  const site = found.sites.find(
    (s) =>
      s.id === target.site ||
      s.name.toLowerCase() === want ||
      (s.url && new URL(s.url).hostname.toLowerCase().split(".")[0] === want) ||
      s.url?.toLowerCase().includes(`//${want}`),
  );
  if (!site)
    throw new CliError(
      `jira:${target.site}/${target.project}: this token does not reach a site named ${target.site} (sites: ${found.sites.map((s) => s.name).join(", ") || "none"})`,
      EXIT.notFound,
    );
  const project = found.scopes.find((s) => s.siteId === site.id && s.id.toUpperCase() === target.project);
  if (!project) throw new CliError(`jira:${target.site}/${target.project}: no project ${target.project} on ${site.name}`, EXIT.notFound);
  return project;
}

export interface LiveAuditOptions extends ReportOutput, AuditChoices {
  /** Cache directory, or null for none. */
  cacheDir: string | null;
  env: Env;
  fetch?: FetchLike;
  now?: () => number;
  stderr?: NodeJS.WriteStream;
}

/** Syncs the target into the cache (incrementally when a cache exists) and returns every issue. */
export async function fetchLiveIssues(target: LiveTarget, opts: Omit<LiveAuditOptions, "format" | "out" | "title">): Promise<Issue[]> {
  const env = opts.env;
  const now = opts.now ?? Date.now;
  const creds = credentials(target, env);
  const apiBase = (env[BASE_VARS[target.tracker]] || DEFAULT_BASES[target.tracker]).replace(/\/$/, "");
  let fetch: FetchLike = readOnlyFetch(opts.fetch ?? globalThis.fetch);
  if (target.tracker === "jira" && creds.basic) fetch = jiraBasicFetch(fetch, apiBase, target.site, creds.basic);
  if (target.tracker === "linear") fetch = linearKeyFetch(fetch);
  const connector = connectorFactories[target.tracker]({ fetch, apiBase, oauthBase: apiBase, clientId: "", clientSecret: "", timeoutMs: 30_000, now });
  const progress = createProgress(`${target.tracker}:${label(target)}`, opts.stderr ?? process.stderr);
  const run = <T>(fn: () => Promise<T>) => patiently(fn, { target, env, progress, now });

  const file = opts.cacheDir ? cachePath(opts.cacheDir, target) : null;
  const cached = file ? readCache(file, target) : null;
  const scope = cached?.scope ?? (await resolveScope(connector, creds, target, run));
  const auth: Auth = { ...creds.auth, siteId: scope.siteId };
  const byId = new Map<string, Issue>((cached?.issues ?? []).map((i) => [i.externalId, i]));
  let cursor = cached?.cursor ?? null;
  progress.start(cached ? byId.size : 0, !!cached);
  let changed = 0;
  for (;;) {
    const from = cursor;
    const page = await run(() => connector.listIssues(auth, scope, from));
    for (const issue of page.issues) byId.set(issue.externalId, issue);
    changed += page.issues.length;
    cursor = page.cursor;
    progress.page(page.issues.length, byId.size, page.skipped.length);
    if (!page.hasMore) break;
  }
  progress.done(changed, byId.size);
  if (file)
    writeCache(file, {
      version: 1,
      target: `${target.tracker}:${label(target)}`,
      scope,
      cursor,
      syncedAt: new Date(now()).toISOString(),
      issues: [...byId.values()],
    });
  return [...byId.values()];
}

/** The whole command: fetch (incrementally), audit, render. */
export async function runLiveAudit(pack: RulePack, target: LiveTarget, opts: LiveAuditOptions): Promise<number> {
  const issues = await fetchLiveIssues(target, opts);
  const report = auditIssues(pack, issues, new Date((opts.now ?? Date.now)()), opts);
  return writeReport(report, { format: opts.format, out: opts.out, title: opts.title ?? `${target.tracker}:${label(target)}` });
}
