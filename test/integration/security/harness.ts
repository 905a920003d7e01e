/**
 * The security suite's harness: the real Worker (`src/index`, every route
 * mounted) over the real local D1, a cookie-jar browser, tenants seeded the
 * way the app leaves them (user, session, workspace, connection with encrypted
 * tokens, issues, classifications, an audit, a write-back run, a ledger entry,
 * an API token, an invite), and small readers for D1.
 *
 * @example
 * const a = await seedTenant({ name: "A" });
 * const res = await a.browser.request(`/w/${b.ids.workspaceId}/report`);
 * expect(res.status).toBe(404);
 */
import { recordSyncFailure } from "../../../src/db/failures";
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import type { Classification, Issue } from "../../../domain/types";
import { createApiToken } from "../../../src/auth/api-token";
import { insertInvite, insertSession, upsertUser } from "../../../src/db/accounts";
import { listAssessments, saveClassifications } from "../../../src/db/classifications";
import { createConnection, setSyncScopes, updateTokens, type Connection } from "../../../src/db/connections";
import { upsertIssues } from "../../../src/db/issues";
import { createWritebackRun, finishWritebackRun, insertLedgerEntries } from "../../../src/db/ledger";
import { addMember, createWorkspace, updateSettings } from "../../../src/db/workspaces";
import { getConfig, type Env } from "../../../src/env";
import { randomSecret, sha256Hex } from "../../../src/security/ids";
import { runWorkspaceAudit } from "../../../src/services/audit";
import { defaultPackHash } from "../../../src/services/rule-packs";
import { encryptTokens } from "../../../src/services/connectors";
import worker from "../../../src/index";

export const testEnv = env as unknown as Env;
/** PUBLIC_BASE_URL in .dev.vars.example: OAuth redirect URIs and the CSRF origin check use it. */
export const ORIGIN = "http://127.0.0.1:8787";

/** One request through the real Worker, waiting for its `waitUntil` work. */
export async function call(req: Request, e: Env = testEnv): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(req, e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export interface RequestInit2 {
  method?: string;
  headers?: Record<string, string>;
  form?: Record<string, string>;
  json?: unknown;
  body?: BodyInit;
  /** Adds the session's CSRF token (`_csrf` field for forms, `x-csrf-token` header otherwise). Default true. */
  csrf?: boolean;
  bearer?: string;
  env?: Env;
}

let ipSeq = 0;

/** A browser: keeps cookies, sends same-origin requests from its own client IP (so per-IP limits don't collide). */
export class Browser {
  cookies = new Map<string, string>();
  csrfToken: string | null = null;
  readonly ip = `198.51.100.${(++ipSeq % 250) + 1}`;

  async request(path: string, init: RequestInit2 = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("cf-connecting-ip", this.ip);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    if (init.bearer) headers.set("authorization", `Bearer ${init.bearer}`);
    const csrf = init.csrf !== false ? this.csrfToken : null;
    let body: BodyInit | undefined = init.body;
    if (init.form) {
      const form = new URLSearchParams(init.form);
      if (csrf && !form.has("_csrf")) form.set("_csrf", csrf);
      body = form;
      headers.set("content-type", "application/x-www-form-urlencoded");
    } else if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers.set("content-type", "application/json");
      if (csrf && !headers.has("x-csrf-token")) headers.set("x-csrf-token", csrf);
    } else if (csrf && init.method && init.method !== "GET" && !headers.has("x-csrf-token")) headers.set("x-csrf-token", csrf);
    const method = init.method ?? (body !== undefined ? "POST" : "GET");
    const res = await call(new Request(new URL(path, ORIGIN), { method, headers, body, redirect: "manual" }), init.env);
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired =
        attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) ||
        attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split("=").slice(1).join("=")) < Date.now());
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Reads the session's CSRF token from `/api/v1/me`. */
  async refreshCsrf(): Promise<void> {
    const me = await this.request("/api/v1/me");
    this.csrfToken = me.status === 200 ? ((await me.json()) as { csrfToken: string }).csrfToken : null;
  }
}

/** Signs a new user in by writing the session the way `startSession` does (the OAuth dance is tested separately). */
export async function signedInBrowser(login: string): Promise<{ browser: Browser; userId: string; sessionSecret: string }> {
  const now = Date.now();
  const userId = await upsertUser(testEnv.DB, { tracker: "github", externalId: `ext-${login}-${randomSecret(6)}`, login, name: login, now });
  const secret = randomSecret(32);
  const csrfToken = randomSecret(24);
  await insertSession(testEnv.DB, { id: await sha256Hex(secret), userId, csrfToken, now, expiresAt: now + 14 * 86_400_000 });
  const browser = new Browser();
  browser.cookies.set("ba_session", secret);
  browser.csrfToken = csrfToken;
  return { browser, userId, sessionSecret: secret };
}

export function issue(n: number, title: string, extra: Partial<Issue> = {}): Issue {
  return {
    tracker: "github",
    externalId: `ext-${n}`,
    key: `o/r#${n}`,
    url: `https://github.com/o/r/issues/${n}`,
    title,
    body: "",
    labels: ["bug"],
    type: null,
    components: [],
    state: "open",
    stateCategory: "todo",
    priority: 2,
    priorityName: null,
    estimate: null,
    iteration: null,
    project: "o/r",
    assignees: [],
    reactions: 0,
    commentCount: 0,
    duplicateCount: 0,
    customFields: {},
    createdAt: "2026-11-01T00:00:00Z",
    updatedAt: "2026-11-02T00:00:00Z",
    closedAt: null,
    ...extra,
  };
}

export interface TenantIds {
  workspaceId: string;
  connectionId: string;
  auditId: string;
  runId: string;
  issueId: string;
  userId: string;
  tokenId: string;
  ledgerId: string;
  /** A sync failure of the connection (listed and retried per connection). */
  failureId: string;
}

export interface Tenant {
  name: string;
  browser: Browser;
  ids: TenantIds;
  connection: Connection;
  /** A write-scoped API token of this workspace. */
  apiToken: string;
  /** The plaintext tracker tokens stored (encrypted) on the connection. */
  trackerTokens: { access: string; refresh: string };
  titles: string[];
}

export interface SeedOptions {
  name: string;
  /** Issue titles (each becomes a classified reliability issue in the report). */
  titles?: string[];
  /** The rule id recorded as the reason of every classification. */
  ruleId?: string;
  /** issueKey and reason of the seeded ledger entry. */
  ledger?: { issueKey?: string; reason?: string };
  writeMode?: "off" | "dry-run" | "on";
  /** Per-issue overrides (index in `titles`), e.g. a hostile URL. */
  issueExtra?: (index: number) => Partial<Issue>;
}

/**
 * A tenant as the app leaves one after connect + sync + audit + a write-back
 * run: every id a route can take, all real rows in D1.
 */
export async function seedTenant(opts: SeedOptions): Promise<Tenant> {
  const db = testEnv.DB;
  const config = getConfig(testEnv);
  const { browser, userId } = await signedInBrowser(`user-${opts.name}`.toLowerCase().replace(/[^a-z0-9-]/g, "") || "user");
  const ws = await createWorkspace(db, { name: opts.name });
  await addMember(db, ws.id, userId, "admin");
  await updateSettings(db, ws.id, { writeMode: opts.writeMode ?? "dry-run" });
  const conn = await createConnection(db, {
    workspaceId: ws.id,
    tracker: "github",
    accountId: "42",
    accountName: `${opts.name} org`,
    grantedScopes: ["repo"],
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenExpiresAt: null,
  });
  const trackerTokens = { access: `ghu_${randomSecret(30)}`, refresh: `ghr_${randomSecret(30)}` };
  await updateTokens(
    db,
    conn.id,
    await encryptTokens(config, conn, { accessToken: trackerTokens.access, refreshToken: trackerTokens.refresh, expiresAt: null, scopes: ["repo"] }),
  );
  const scope = { kind: "repo" as const, id: "o/r", name: "o/r" };
  await setSyncScopes(db, ws.id, conn.id, [scope]);
  const titles = opts.titles ?? [`${opts.name} checkout crashes on save`, `${opts.name} login times out`];
  await upsertIssues(db, {
    workspaceId: ws.id,
    connectionId: conn.id,
    scopeId: "o/r",
    now: new Date(),
    issues: titles.map((t, i) => issue(i + 1, t, opts.issueExtra?.(i))),
  });
  const rows = await listAssessments(db, ws.id, { limit: 500 });
  const ruleId = opts.ruleId ?? "meta-label-bug";
  await saveClassifications(
    db,
    ws.id,
    rows.map((r) => {
      const classification: Classification = {
        constraint: "reliability",
        confidence: 0.92,
        runnerUp: null,
        decidedBy: "rules",
        reasons: [{ ruleId, source: "rule", constraint: "reliability", weight: 3, field: "labels", match: "bug" }],
      };
      return {
        issueId: r.id,
        contentHash: r.contentHash,
        packHash: defaultPackHash(),
        classification,
        scores: { impact: 4, evidence: 3, confidence: 3, timing: 3, reasons: [] },
      };
    }),
  );
  const audit = await runWorkspaceAudit(db, ws.id, { trigger: "api", now: new Date() });
  const runId = await createWritebackRun(db, { workspaceId: ws.id, connectionId: conn.id, auditRunId: audit.id, mode: "on", now: new Date() });
  const first = rows[0]!;
  const [ledgerId] = await insertLedgerEntries(db, [
    {
      workspaceId: ws.id,
      connectionId: conn.id,
      runId,
      auditRunId: audit.id,
      issueId: first.id,
      externalId: first.issue.externalId,
      issueKey: opts.ledger?.issueKey ?? first.issue.key,
      action: "label_add",
      target: "constraint:reliability",
      beforeValue: null,
      afterValue: "constraint:reliability",
      ruleId,
      reason: opts.ledger?.reason ?? "labels mention bug",
      mode: "on",
      outcome: "applied",
      trackerResponseId: null,
      error: null,
    },
  ]);
  await finishWritebackRun(db, runId, { status: "done", planned: 1, applied: 1, failed: 0, capped: 0, now: new Date() });
  const token = await createApiToken(db, { workspaceId: ws.id, name: `${opts.name} ci`, scope: "write", createdBy: userId, now: Date.now() });
  const failureId = await recordSyncFailure(db, {
    workspaceId: ws.id,
    connectionId: conn.id,
    message: { type: "sync-page", connectionId: conn.id, scopeId: "o/r", runId: "run_gone" },
    reason: "exhausted retries after 6 attempt(s)",
  });
  await insertInvite(db, {
    id: await sha256Hex(`bai_${randomSecret(32)}`),
    workspaceId: ws.id,
    role: "member",
    createdBy: userId,
    now: Date.now(),
    expiresAt: Date.now() + 86_400_000,
  });
  return {
    name: opts.name,
    browser,
    ids: {
      workspaceId: ws.id,
      connectionId: conn.id,
      auditId: audit.id,
      runId,
      issueId: first.id,
      userId,
      tokenId: token.row.id,
      ledgerId: ledgerId!,
      failureId,
    },
    connection: conn,
    apiToken: token.token,
    trackerTokens,
    titles,
  };
}

export async function errorCode(res: Response): Promise<string | undefined> {
  try {
    return ((await res.clone().json()) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** Every row of every table, as text, for "is this secret anywhere in D1?" checks. */
export async function dumpDatabase(db: D1Database = testEnv.DB): Promise<{ tables: string[]; text: string }> {
  const { results } = await db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
    .all<{ name: string }>();
  const tables = results.map((r) => r.name);
  const parts: string[] = [];
  for (const t of tables) {
    const rows = await db.prepare(`SELECT * FROM "${t.replace(/"/g, '""')}"`).all<Record<string, unknown>>();
    for (const row of rows.results) parts.push(`${t}\t${JSON.stringify(row)}`);
  }
  return { tables, text: parts.join("\n") };
}

export async function countRows(sql: string, ...args: unknown[]): Promise<number> {
  const r = await testEnv.DB.prepare(sql)
    .bind(...args)
    .first<{ n: number }>();
  return r?.n ?? 0;
}
