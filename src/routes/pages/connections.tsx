/** @jsxImportSource hono/jsx */
/**
 * `/w/:workspaceId/connections`: each tracker connection with its status, write
 * mode, per-scope sync progress, its sync failures (item, reason, when, Retry)
 * and a "Sync now" button. While a scope is
 * syncing, the page refreshes itself every 3 s (a `<meta http-equiv="refresh">`,
 * no script).
 */
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../app-env";
import type { Tracker } from "../../../domain/types";
import { getConnection, listConnections, setConnectionWriteMode } from "../../db/connections";
import { listFailuresByConnection } from "../../db/failures";
import { latestIssueUpdateByConnection } from "../../db/issues";
import { listSyncStates } from "../../db/sync-state";
import { getSettings, WRITE_MODES, type WriteMode } from "../../db/workspaces";
import { AppError } from "../../errors";
import { failureView, retrySyncFailure, type SyncFailureView } from "../../services/sync-failures";
import { toConnectionView } from "../api/connections";
import { CsrfField, csrfToken, ErrorNotice, Flash, PostButton, readForm, redirectDone, renderPage, When } from "./shell";

export const TRACKER_NAMES: Record<Tracker, string> = { github: "GitHub", linear: "Linear", jira: "Jira" };

const STATUS_TEXT: Record<string, string> = {
  pending: "Pending: finish choosing what to sync",
  active: "Active",
  rate_limited: "Rate limited",
  error: "Error",
  revoked: "Access revoked",
  disconnected: "Disconnected",
};

export const MODE_TEXT: Record<WriteMode, string> = {
  off: "off: nothing is written to the tracker",
  "dry-run": "dry-run: the plan is recorded in the ledger, nothing is written",
  on: "on: labels and one comment are written to the tracker",
};

type View = ReturnType<typeof toConnectionView> & { ownMode: WriteMode | null; failures: SyncFailureView[]; failureTotal: number };

/** What failed, why, when, and a Retry button (admin) per failure; the API has the full list. */
function FailuresTable({ v, base, admin, csrf }: { v: View; base: string; admin: boolean; csrf: string | undefined }) {
  if (v.failures.length === 0) return null;
  return (
    <div class="table-wrap">
      <table data-testid="sync-failures">
        <caption>Sync failures{v.failureTotal > v.failures.length ? ` (the newest ${v.failures.length} of ${v.failureTotal})` : ""}</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Reason</th>
            <th scope="col">When</th>
            {admin && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {v.failures.map((f) => (
            <tr data-testid="sync-failure" data-failure-id={f.id}>
              <td>{f.item}</td>
              <td>{f.reason}</td>
              <td>
                <When at={f.createdAt} />
              </td>
              {admin && (
                <td>
                  {f.retry ? (
                    <PostButton
                      action={`${base}/failures/${encodeURIComponent(f.id)}/retry`}
                      csrf={csrf}
                      label="Retry"
                      testId="retry-failure"
                      ariaLabel={`Retry: ${f.item}`}
                    />
                  ) : (
                    <span class="muted">connect again to retry</span>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ConnectionCard({ v, wsId, admin, csrf }: { v: View; wsId: string; admin: boolean; csrf: string | undefined }) {
  const base = `/w/${encodeURIComponent(wsId)}/connections/${encodeURIComponent(v.id)}`;
  const scopeName = new Map(v.scopes.map((s) => [s.id, s.name]));
  const headingId = `conn-${v.id}`;
  const needsReconnect = v.status === "revoked" || v.status === "error";
  return (
    <section class="card" data-testid={`connection-${v.tracker}`} data-connection-id={v.id} aria-labelledby={headingId}>
      <h2 id={headingId}>
        {TRACKER_NAMES[v.tracker]}
        {v.accountName ? ` · ${v.accountName}` : ""}
      </h2>
      <p data-testid="connection-status">
        <strong>{STATUS_TEXT[v.status] ?? v.status}</strong>
        {v.statusDetail ? <span>: {v.statusDetail}</span> : null}
        {needsReconnect && admin && (
          <>
            {" "}
            <a href={`/w/${encodeURIComponent(wsId)}/connect/${v.tracker}`} data-testid="reconnect">
              Reconnect
            </a>
          </>
        )}
      </p>
      {v.siteUrl && <p class="muted">Site: {v.siteUrl}</p>}
      <p>
        Write mode: <strong data-testid="effective-mode">{v.writeMode}</strong>{" "}
        <span class="muted">{v.ownMode === null ? "(follows the workspace setting)" : "(set for this connection)"}</span>
      </p>
      {admin && (
        <form method="post" action={`${base}/write-mode`} class="actions" data-testid="connection-write-mode-form">
          <CsrfField token={csrf} />
          <label for={`mode-${v.id}`}>Write mode for this connection</label>
          <select id={`mode-${v.id}`} name="writeMode">
            <option value="inherit" selected={v.ownMode === null}>
              Follow the workspace setting
            </option>
            {WRITE_MODES.map((m) => (
              <option value={m} selected={v.ownMode === m}>
                {MODE_TEXT[m]}
              </option>
            ))}
          </select>
          <button type="submit" class="secondary">
            Save mode
          </button>
        </form>
      )}
      <p data-testid="webhook-activity">
        Live updates (webhooks):{" "}
        {v.webhooks.lastAppliedAt ? (
          <>
            last applied <When at={v.webhooks.lastAppliedAt} />, <span data-testid="webhooks-applied">{v.webhooks.applied.toLocaleString("en-US")}</span>{" "}
            applied since connecting.
          </>
        ) : (
          <span class="muted">none received yet. Until one arrives, the re-sync every 15 minutes keeps issues current.</span>
        )}
      </p>
      {v.webhooks.warning && (
        <p class="notice" role="status" data-testid="webhook-silence">
          {v.webhooks.warning}
        </p>
      )}
      <div class="table-wrap">
        <table data-testid="sync-status">
          <caption>Sync status per scope</caption>
          <thead>
            <tr>
              <th scope="col">Scope</th>
              <th scope="col">Status</th>
              <th scope="col">Last synced</th>
              <th scope="col">Next run</th>
              <th scope="col" class="num">
                Issues synced
              </th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {v.sync.length === 0 && (
              <tr>
                <td colspan={6} class="muted">
                  No scopes yet: choose repositories, teams or projects to sync.
                </td>
              </tr>
            )}
            {v.sync.map((s) => (
              <tr>
                <td>{scopeName.get(s.scopeId) ?? s.scopeId}</td>
                <td class={`status-${s.status}`}>{s.status}</td>
                <td>
                  <When at={s.lastSyncedAt} empty="never" />
                </td>
                <td>
                  <When at={s.nextRunAt} />
                </td>
                <td class="num">{s.issuesSynced}</td>
                <td>{s.lastError ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <FailuresTable v={v} base={base} admin={admin} csrf={csrf} />
      {admin && v.status !== "disconnected" && (
        <div class="actions">
          <PostButton action={`${base}/sync`} csrf={csrf} label="Sync now" testId="sync-now" secondary={false} />
          <a href={`${base}/scopes`} data-testid="choose-scopes">
            Choose what to sync
          </a>
          <PostButton
            action={`${base}/disconnect`}
            csrf={csrf}
            label="Disconnect"
            testId="disconnect"
            ariaLabel={`Disconnect ${TRACKER_NAMES[v.tracker]}${v.accountName ? ` ${v.accountName}` : ""}`}
          />
        </div>
      )}
    </section>
  );
}

export async function connectionsPage(c: Context<AppEnv>, error?: { status: 404 | 409; message: string }) {
  const ws = c.get("workspace");
  const admin = c.get("role") === "admin";
  const [conns, states, settings, failures, latest] = await Promise.all([
    listConnections(c.env.DB, ws.id),
    listSyncStates(c.env.DB, ws.id),
    getSettings(c.env.DB, ws.id),
    listFailuresByConnection(c.env.DB, ws.id),
    latestIssueUpdateByConnection(c.env.DB, ws.id),
  ]);
  const now = c.get("deps").now();
  const workspaceMode = settings?.writeMode ?? "off";
  const views: View[] = conns.map((x) => {
    const f = failures.get(x.id);
    return {
      ...toConnectionView(x, states, workspaceMode, latest.get(x.id) ?? null, now),
      ownMode: x.writeMode,
      failures: (f?.items ?? []).map((row) => failureView(row, x, states)),
      failureTotal: f?.total ?? 0,
    };
  });
  const syncing = views.some((v) => v.sync.some((s) => s.status === "running"));
  const id = encodeURIComponent(ws.id);
  return renderPage(c, {
    title: `Connections · ${ws.name}`,
    section: "connections",
    status: error?.status,
    children: (
      <>
        {/* hono/jsx hoists this into <head>. */}
        {syncing && <meta http-equiv="refresh" content="3" />}
        <h1>Connections</h1>
        <p class="muted">Workspace {ws.name}</p>
        <Flash c={c} />
        <ErrorNotice message={error?.message} />
        {syncing && (
          <p class="notice" role="status" data-testid="sync-running">
            A sync is running: this page refreshes every 3 seconds.
          </p>
        )}
        {views.length === 0 && <p data-testid="no-connections">No tracker connected yet.</p>}
        {views.map((v) => (
          <ConnectionCard v={v} wsId={ws.id} admin={admin} csrf={csrfToken(c)} />
        ))}
        {admin && (
          <section aria-labelledby="connect-heading">
            <h2 id="connect-heading">Connect a tracker</h2>
            <ul>
              {(["github", "linear", "jira"] as const).map((t) => (
                <li>
                  <a href={`/w/${id}/connect/${t}`} data-testid={`connect-${t}`}>
                    Connect {TRACKER_NAMES[t]}
                  </a>
                </li>
              ))}
            </ul>
          </section>
        )}
      </>
    ),
  });
}

const ModeForm = z.object({ writeMode: z.enum(["inherit", ...WRITE_MODES]) });

async function connectionOr404(c: Context<AppEnv>) {
  const conn = await getConnection(c.env.DB, c.get("workspace").id, c.req.param("connectionId") ?? "");
  if (!conn) throw new AppError("not_found", "No such connection in this workspace");
  return conn;
}

/** POST /w/:workspaceId/connections/:connectionId/write-mode — "inherit" stores null. */
export async function postConnectionWriteMode(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  const conn = await connectionOr404(c);
  const parsed = ModeForm.safeParse(await readForm(c));
  if (!parsed.success) throw new AppError("validation_failed", "writeMode must be inherit, off, dry-run or on");
  const mode = parsed.data.writeMode === "inherit" ? null : parsed.data.writeMode;
  await setConnectionWriteMode(c.env.DB, ws.id, conn.id, mode, new Date(c.get("deps").now()));
  return redirectDone(c, `/w/${encodeURIComponent(ws.id)}/connections`, "write-mode-saved");
}

/** POST /w/:workspaceId/connections/:connectionId/sync — queues an incremental sync. */
export async function postConnectionSync(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  const conn = await connectionOr404(c);
  if (conn.status === "disconnected")
    return connectionsPage(c, { status: 409, message: "This connection is disconnected: connect the tracker again to sync." });
  await c.env.SYNC_QUEUE.send({ type: "sync-start", connectionId: conn.id, reason: "manual" });
  return redirectDone(c, `/w/${encodeURIComponent(ws.id)}/connections`, "sync-queued");
}

/** POST /w/:workspaceId/connections/:connectionId/failures/:failureId/retry — queues the failure's job again. */
export async function postRetryFailure(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  const conn = await connectionOr404(c);
  if (conn.status === "disconnected")
    return connectionsPage(c, { status: 409, message: "This connection is disconnected: connect the tracker again to sync." });
  await retrySyncFailure(c.env, conn, c.req.param("failureId") ?? "");
  return redirectDone(c, `/w/${encodeURIComponent(ws.id)}/connections`, "failure-retried");
}
