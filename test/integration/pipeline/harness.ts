/**
 * The sync pipeline's fault-test harness, inside workerd with the real local D1:
 *
 * - the Worker's outbound fetch is routed to in-process sandbox trackers by msw
 *   (`setupServer`; the main worker shares the tests' isolate, so its global
 *   fetch is intercepted), with unhandled requests failing the test;
 * - connections are created the way the connect flow stores them (encrypted
 *   tokens, sync scopes, a `sync_state` row per scope);
 * - the queue is driven two ways: the real local queue (`env.SYNC_QUEUE`,
 *   delivered by Miniflare to `worker.queue`, awaited by polling D1), or a
 * *   deterministic drain loop (`queue-drain.ts`) that captures every `send`/`sendBatch`, feeds the
 *   messages through `worker.queue` in order, honours `retry()` with
 *   `attempts + 1`, dead-letters after wrangler.toml's 5 retries, and records
 *   every delay instead of waiting it out.
 *
 * @example
 * const h = usePipelineHarness();
 * const world = await h.github({ issues: 50 });
 * const q = h.drain();
 * await q.send({ type: "sync-start", connectionId: world.connection.id, reason: "manual" });
 * await q.run();
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createGithubSandbox, type GithubSandbox } from "../../../sandbox/github";
import { createJiraSandbox, type JiraSandbox } from "../../../sandbox/jira";
import { createLinearSandbox } from "../../../sandbox/linear";
import type { SbIssue } from "../../../sandbox/github/state";
import type { SyncScope } from "../../../connectors/types";
import { createConnection, setSyncScopes, updateTokens, type Connection } from "../../../src/db/connections";
import { createWorkspace, updateSettings, type WriteMode } from "../../../src/db/workspaces";
import { getConfig, type Env } from "../../../src/env";
import { encryptTokens } from "../../../src/services/connectors";
import worker from "../../../src/index";
import { Drain, type DrainOptions } from "./queue-drain";

export * from "./queue-drain";

export const baseEnv = env as unknown as Env;
export const SANDBOX_ORIGIN = "http://127.0.0.1:8788";

export type LinearSandbox = ReturnType<typeof createLinearSandbox>;

/** The sandboxes the msw handlers route to; each test installs its own. */
const current: { github: GithubSandbox | null; linear: LinearSandbox | null; jira: JiraSandbox | null } = { github: null, linear: null, jira: null };

/**
 * A tracker that never answers: the next `count` requests hang until the
 * client aborts them; `advance` is called once the hang is in place (a test
 * with fake timers moves the clock past the client's timeout there).
 */
export const hang: { count: number; advance: (() => void) | null } = { count: 0, advance: null };

function hangUntilAborted(request: Request): Promise<Response> {
  return new Promise<Response>((_, reject) => {
    const signal = request.signal;
    const abort = () => reject(signal.reason ?? new DOMException("The operation was aborted.", "AbortError"));
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    hang.advance?.();
  });
}

/** Requests the Worker sent to each tracker, in order (method + path), for assertions. */
export const traffic: Array<{ tracker: string; method: string; path: string }> = [];

/**
 * Tracker requests in flight: `now`, and the `peak` since the test last reset it. With `delayMs`
 * each request waits that long before its sandbox answers (in-process the sandbox answers at once,
 * so without a delay nothing overlaps); `before(tracker)` runs as each request arrives (a test queues
 * a sandbox fault there). Reset after each test.
 */
export const flight: { now: number; peak: number; delayMs: number; before: ((tracker: string, request: Request) => void | Promise<void>) | null } = {
  now: 0,
  peak: 0,
  delayMs: 0,
  before: null,
};

async function metered(tracker: string, request: Request, answer: () => Promise<Response> | Response): Promise<Response> {
  await flight.before?.(tracker, request);
  flight.now++;
  flight.peak = Math.max(flight.peak, flight.now);
  try {
    if (flight.delayMs > 0) await new Promise((r) => setTimeout(r, flight.delayMs));
    return await answer();
  } finally {
    flight.now--;
  }
}

const server = setupServer(
  http.all(`${SANDBOX_ORIGIN}/github/*`, async ({ request }) => {
    const gh = current.github;
    if (!gh) throw new Error("no GitHub sandbox installed for this test");
    const url = new URL(request.url);
    traffic.push({ tracker: "github", method: request.method, path: url.pathname + url.search });
    if (hang.count > 0) {
      hang.count--;
      return hangUntilAborted(request as unknown as Request);
    }
    return metered("github", request as unknown as Request, () => gh.fetch(request as unknown as Request));
  }),
  http.all(`${SANDBOX_ORIGIN}/jira/*`, async ({ request }) => {
    const jira = current.jira;
    if (!jira) throw new Error("no Jira sandbox installed for this test");
    const url = new URL(request.url);
    traffic.push({ tracker: "jira", method: request.method, path: url.pathname + url.search });
    return metered("jira", request as unknown as Request, () => jira.fetch(request as unknown as Request));
  }),
  http.all(`${SANDBOX_ORIGIN}/linear/*`, async ({ request }) => {
    const lin = current.linear;
    if (!lin) throw new Error("no Linear sandbox installed for this test");
    const url = new URL(request.url);
    traffic.push({ tracker: "linear", method: request.method, path: url.pathname + url.search });
    return metered("linear", request as unknown as Request, () => lin.fetch(request as unknown as Request));
  }),
);

/** Registers msw for the file and returns the builders. Call once at the top of a test file. */
export function usePipelineHarness() {
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => {
    current.github = null;
    current.linear = null;
    current.jira = null;
    traffic.length = 0;
    hang.count = 0;
    hang.advance = null;
    flight.now = 0;
    flight.peak = 0;
    flight.delayMs = 0;
    flight.before = null;
  });
  afterAll(() => server.close());
  return { github: githubWorld, linear: linearWorld, jira: jiraWorld, drain: (opts?: DrainOptions) => new Drain(opts) };
}

export interface GithubWorld {
  sandbox: GithubSandbox;
  workspaceId: string;
  connection: Connection;
  token: string;
  repo: string;
  scope: SyncScope;
}

/**
 * A GitHub sandbox with one repository, a workspace and an active connection
 * to it (user token, one repo scope, installation id as the site so
 * `installation.*` webhooks route to it), as the connect flow leaves them.
 */
export async function githubWorld(
  opts: { issues?: number; repo?: string; writeMode?: WriteMode; maxWritesPerRun?: number; pullRequestShare?: number; seed?: number } = {},
): Promise<GithubWorld> {
  const config = getConfig(baseEnv);
  const repo = opts.repo ?? "acme/webapp";
  const sandbox = createGithubSandbox({
    webhookSecret: config.GITHUB_WEBHOOK_SECRET,
    clientId: config.GITHUB_CLIENT_ID,
    clientSecret: config.GITHUB_CLIENT_SECRET,
    webhookUrl: `${config.PUBLIC_BASE_URL}/webhooks/github`,
    origin: SANDBOX_ORIGIN,
    seed: { repos: [{ fullName: repo, issues: opts.issues ?? 40, pullRequestShare: opts.pullRequestShare }], seed: opts.seed ?? 7 },
  });
  current.github = sandbox;
  const ws = await createWorkspace(baseEnv.DB, { name: `pipeline ${repo}` });
  await updateSettings(baseEnv.DB, ws.id, { writeMode: opts.writeMode ?? "off", maxWritesPerRun: opts.maxWritesPerRun ?? 1000 });
  const token = sandbox.issueUserToken();
  const scope: SyncScope = { kind: "repo", id: repo, name: repo, siteId: String(sandbox.installationId) };
  const conn = await createConnection(baseEnv.DB, {
    workspaceId: ws.id,
    tracker: "github",
    accountId: "mona",
    accountName: "mona",
    siteId: String(sandbox.installationId),
    grantedScopes: ["repo"],
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenExpiresAt: null,
  });
  await updateTokens(baseEnv.DB, conn.id, await encryptTokens(config, conn, { accessToken: token, refreshToken: null, expiresAt: null, scopes: ["repo"] }));
  await setSyncScopes(baseEnv.DB, ws.id, conn.id, [scope]);
  sandbox.outbox.drain();
  sandbox.resetStats();
  return { sandbox, workspaceId: ws.id, connection: { ...conn, syncScopes: [scope] }, token, repo, scope };
}

export interface LinearWorld {
  sandbox: LinearSandbox;
  workspaceId: string;
  connection: Connection;
  token: string;
  scope: SyncScope;
}

/** A Linear sandbox (team ENG with `issues` issues), a workspace and an active connection to the ENG team. */
export async function linearWorld(opts: { issues?: number; seed?: number; writeMode?: WriteMode } = {}): Promise<LinearWorld> {
  const config = getConfig(baseEnv);
  const sandbox = createLinearSandbox({
    basePath: "/linear",
    webhookSecret: config.LINEAR_WEBHOOK_SECRET,
    clientId: config.LINEAR_CLIENT_ID,
    clientSecret: config.LINEAR_CLIENT_SECRET,
    webhookUrl: `${config.PUBLIC_BASE_URL}/webhooks/linear`,
    seed: { issues: opts.issues ?? 40, seed: opts.seed ?? 3 },
  });
  current.linear = sandbox;
  const ws = await createWorkspace(baseEnv.DB, { name: "pipeline linear" });
  await updateSettings(baseEnv.DB, ws.id, { writeMode: opts.writeMode ?? "off", maxWritesPerRun: 1000 });
  const token = sandbox.issueToken().accessToken;
  const team = sandbox.state.team("ENG");
  const scope: SyncScope = { kind: "team", id: team.id, name: `${team.name} (${team.key})` };
  const conn = await createConnection(baseEnv.DB, {
    workspaceId: ws.id,
    tracker: "linear",
    accountId: sandbox.state.org.id,
    accountName: sandbox.state.org.name,
    siteId: sandbox.state.org.id,
    grantedScopes: ["read", "write"],
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenExpiresAt: null,
  });
  await updateTokens(
    baseEnv.DB,
    conn.id,
    await encryptTokens(config, conn, { accessToken: token, refreshToken: null, expiresAt: null, scopes: ["read", "write"] }),
  );
  await setSyncScopes(baseEnv.DB, ws.id, conn.id, [scope]);
  sandbox.outbox.drain();
  sandbox.resetStats();
  return { sandbox, workspaceId: ws.id, connection: { ...conn, syncScopes: [scope] }, token, scope };
}

/** The Linear sandbox's issues of the connected team, as the service should store them. */
export function linearIssues(w: LinearWorld): Array<{ externalId: string; key: string; title: string; labels: string[]; updatedAt: number }> {
  return [...w.sandbox.state.issues.values()]
    .filter((i) => i.teamId === w.scope.id)
    .map((i) => ({ externalId: i.id, key: w.sandbox.state.identifier(i), title: i.title, labels: w.sandbox.labelsOf(i.id), updatedAt: i.updatedAt }));
}

/** The sandbox's live issues (pull requests excluded), as the service should store them. */
export function sandboxIssues(
  sandbox: GithubSandbox,
  repo: string,
): Array<{ externalId: string; number: number; title: string; labels: string[]; updatedAt: number; issue: SbIssue }> {
  const r = sandbox.repo(repo);
  // GitHub labels are case-insensitive: an issue shows the repository label's own spelling.
  const canonical = (l: string) => r.labels.get(l.toLowerCase())?.name ?? l;
  return r.issues
    .filter((i): i is SbIssue => i !== null && !i.isPullRequest)
    .map((i) => ({
      externalId: String(i.id),
      number: i.number,
      title: sandbox.core.state.textOf(i).title,
      labels: i.labels.map(canonical),
      updatedAt: i.updatedAt * 1000,
      issue: i,
    }));
}

export interface StoredRow {
  external_id: string;
  key: string;
  title: string;
  labels: string;
  updated_at: string;
}

export async function storedIssues(connectionId: string): Promise<StoredRow[]> {
  const { results } = await baseEnv.DB.prepare(
    "SELECT external_id, key, title, labels, updated_at FROM issues WHERE connection_id = ? AND deleted = 0 ORDER BY external_id",
  )
    .bind(connectionId)
    .all<StoredRow>();
  return results;
}

export async function one<T>(sql: string, ...args: unknown[]): Promise<T | null> {
  return baseEnv.DB.prepare(sql)
    .bind(...args)
    .first<T>();
}

export async function all<T>(sql: string, ...args: unknown[]): Promise<T[]> {
  return (
    await baseEnv.DB.prepare(sql)
      .bind(...args)
      .all<T>()
  ).results;
}

/** POST a tracker delivery to the Worker's webhook route, as the tracker would. */
export async function postWebhook(tracker: string, d: { headers: Record<string, string>; body: string }, e: Env = baseEnv): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://127.0.0.1:8787/webhooks/${tracker}`, { method: "POST", headers: d.headers, body: d.body }), e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** Polls until `check` returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < until) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
}

export interface JiraWorld {
  sandbox: JiraSandbox;
  workspaceId: string;
  connection: Connection;
  siteId: string;
  scope: SyncScope;
}

/** A Jira sandbox site (project AUD with `issues` issues), a workspace and an active connection to that site's project. */
export async function jiraWorld(opts: { issues?: number; writeMode?: WriteMode } = {}): Promise<JiraWorld> {
  const config = getConfig(baseEnv);
  const sandbox = createJiraSandbox({
    basePath: "/jira",
    clientId: config.JIRA_CLIENT_ID,
    clientSecret: config.JIRA_CLIENT_SECRET,
    webhookUrl: `${config.PUBLIC_BASE_URL}/webhooks/jira`,
    seed: { issuesPerProject: 0 },
  });
  current.jira = sandbox;
  const site = sandbox.defaultSite();
  sandbox.seed(site.id, "AUD", opts.issues ?? 30, {});
  const ws = await createWorkspace(baseEnv.DB, { name: "pipeline jira" });
  await updateSettings(baseEnv.DB, ws.id, { writeMode: opts.writeMode ?? "off", maxWritesPerRun: 1000 });
  const token = sandbox.issueToken();
  const scope: SyncScope = { kind: "project", id: "AUD", name: "Auditor", siteId: site.id };
  const conn = await createConnection(baseEnv.DB, {
    workspaceId: ws.id,
    tracker: "jira",
    accountId: "jira-user",
    accountName: "Jira sandbox",
    siteId: site.id,
    grantedScopes: ["read:jira-work", "write:jira-work"],
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenExpiresAt: null,
  });
  await updateTokens(
    baseEnv.DB,
    conn.id,
    await encryptTokens(config, conn, { accessToken: token.accessToken, refreshToken: null, expiresAt: null, scopes: [] }),
  );
  await setSyncScopes(baseEnv.DB, ws.id, conn.id, [scope]);
  sandbox.outbox.drain();
  sandbox.resetStats();
  return { sandbox, workspaceId: ws.id, connection: { ...conn, syncScopes: [scope] }, siteId: site.id, scope };
}
