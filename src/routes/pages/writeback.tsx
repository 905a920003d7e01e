/** @jsxImportSource hono/jsx */
/**
 * `/w/:workspaceId/writeback`: per connection, the dry-run diff (exactly which
 * labels and comments a run would write now), a "Run write-back now" form,
 * the recent runs with Undo, and the ledger with its CSV/JSONL export.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { planToDiffRows, type PlanCounts } from "../../core/writeback";
import { getConnection, listConnections, type Connection } from "../../db/connections";
import { iterateIssues } from "../../db/issues";
import { getWritebackRun, listLedger, pageWritebackRuns, type LedgerRow, type WritebackRun } from "../../db/ledger";
import { getConfig } from "../../env";
import { AppError } from "../../errors";
import { safeHref } from "../../report";
import { planForConnection, runWriteback, startWritebackRun, undoWritebackRun } from "../../services/writeback";
import { MODE_TEXT, TRACKER_NAMES } from "./connections";
import { decodeRunCursor, encodeRunCursor } from "../api/schemas";
import { clip, CsrfField, csrfToken, ErrorNotice, Flash, PostButton, redirectDone, renderPage, When } from "./shell";

/** Diff rows shown per connection; the API's plan endpoint has them all. */
export const DIFF_ROWS_SHOWN = 200;
export const LEDGER_ROWS_SHOWN = 100;

interface ConnectionPlan {
  connection: Connection;
  mode: "off" | "dry-run" | "on";
  counts: PlanCounts;
  rows: Array<{ key: string; url: string | null; change: string; reason: string }>;
  total: number;
}

const label = (c: Pick<Connection, "tracker" | "accountName">) => `${TRACKER_NAMES[c.tracker]}${c.accountName ? ` · ${c.accountName}` : ""}`;

async function planFor(c: Context<AppEnv>, wsId: string, connection: Connection): Promise<ConnectionPlan> {
  const { plan, mode } = await planForConnection(c.env.DB, getConfig(c.env), { workspaceId: wsId, connection });
  const diff = planToDiffRows(plan);
  const shown = diff.slice(0, DIFF_ROWS_SHOWN);
  const urls = new Map<string, string | null>();
  if (shown.length) {
    const wanted = new Set(shown.map((r) => r.externalId));
    for await (const page of iterateIssues(c.env.DB, wsId, { connectionId: connection.id, pageSize: 500 })) {
      for (const s of page) if (wanted.has(s.issue.externalId)) urls.set(s.issue.externalId, s.issue.url);
      if (urls.size >= wanted.size) break;
    }
  }
  return {
    connection,
    mode,
    counts: plan.counts,
    rows: shown.map((r) => ({ key: r.key, url: urls.get(r.externalId) ?? null, change: r.change, reason: r.reason })),
    total: diff.length,
  };
}

function IssueKey({ k, url }: { k: string; url: string | null }) {
  const href = safeHref(url);
  return href ? (
    <a href={href} rel="noopener noreferrer">
      {k}
    </a>
  ) : (
    <>{k}</>
  );
}

function PlanSection({ p, wsId, admin, csrf }: { p: ConnectionPlan; wsId: string; admin: boolean; csrf: string | undefined }) {
  const id = `plan-${p.connection.id}`;
  const n = p.counts;
  return (
    <section class="card" aria-labelledby={id} data-testid={`writeback-${p.connection.tracker}`}>
      <h2 id={id}>{label(p.connection)}</h2>
      <p>
        Mode: <strong data-testid="writeback-mode">{p.mode}</strong> <span class="muted">({MODE_TEXT[p.mode]})</span>
      </p>
      {p.mode === "off" ? (
        <p class="muted">
          Write-back is off here, so there is no plan. Switch to dry-run in Settings (or on the Connections page) to see what would be written.
        </p>
      ) : (
        <>
          <p data-testid="plan-counts">
            {n.issues} issues considered · {n.writes} writes planned ({n.labelAdds} label adds, {n.labelRemoves} label removals, {n.commentCreates} comment
            creates, {n.commentUpdates} updates, {n.commentDeletes} deletes) · {n.capped} actions ({n.cappedWrites} writes) capped for a later run · {n.skipped}{" "}
            skipped · {n.newOverrides} new human overrides
          </p>
          <div class="table-wrap">
            <table data-testid="dryrun-diff">
              <caption>
                Dry-run diff: what a run would write now
                {p.total > p.rows.length ? ` (first ${p.rows.length} of ${p.total})` : ""}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Issue</th>
                  <th scope="col">Change</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {p.rows.length === 0 && (
                  <tr>
                    <td colspan={3} class="muted">
                      Nothing to write: the tracker already matches the verdicts.
                    </td>
                  </tr>
                )}
                {p.rows.map((r) => (
                  <tr>
                    <td>
                      <IssueKey k={r.key} url={r.url} />
                    </td>
                    <td class={r.change.startsWith("+") ? "change-add" : r.change.startsWith("-") ? "change-remove" : undefined}>
                      <code>{r.change}</code>
                    </td>
                    <td>{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {admin && p.connection.status === "active" && (
            <form method="post" action={`/w/${encodeURIComponent(wsId)}/writeback/${encodeURIComponent(p.connection.id)}/run`}>
              <CsrfField token={csrf} />
              <p class="hint">
                {p.mode === "dry-run"
                  ? "In dry-run, a run records this plan in the ledger and writes nothing to the tracker."
                  : "In on mode, a run writes these labels and comments to the tracker (up to the cap) and records each write in the ledger."}
              </p>
              <button type="submit" data-testid="run-writeback">
                Run write-back now
              </button>
            </form>
          )}
          {p.connection.status !== "active" && <p class="muted">Runs need an active connection (this one is {p.connection.status}).</p>}
        </>
      )}
    </section>
  );
}

function RunsTable({
  runs,
  conns,
  wsId,
  admin,
  csrf,
}: {
  runs: WritebackRun[];
  conns: Map<string, Connection>;
  wsId: string;
  admin: boolean;
  csrf: string | undefined;
}) {
  return (
    <div class="table-wrap">
      <table data-testid="writeback-runs">
        <caption>Recent write-back runs</caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Connection</th>
            <th scope="col">Mode</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Planned
            </th>
            <th scope="col" class="num">
              Applied
            </th>
            <th scope="col" class="num">
              Failed
            </th>
            <th scope="col" class="num">
              Capped
            </th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.length === 0 && (
            <tr>
              <td colspan={9} class="muted">
                No runs yet.
              </td>
            </tr>
          )}
          {runs.map((r) => {
            const conn = conns.get(r.connectionId);
            return (
              <tr data-run-id={r.id}>
                <td>
                  <When at={r.startedAt} />
                </td>
                <td>{conn ? label(conn) : r.connectionId}</td>
                <td>{r.mode}</td>
                <td>{r.status}</td>
                <td class="num">{r.planned}</td>
                <td class="num">{r.applied}</td>
                <td class="num">{r.failed}</td>
                <td class="num">{r.capped}</td>
                <td>
                  {admin && r.mode === "on" && r.status === "done" && (
                    <PostButton
                      action={`/w/${encodeURIComponent(wsId)}/writeback/runs/${encodeURIComponent(r.id)}/undo`}
                      csrf={csrf}
                      label="Undo"
                      ariaLabel={`Undo the run started ${r.startedAt}`}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function LedgerTable({ rows }: { rows: LedgerRow[] }) {
  return (
    <div class="table-wrap">
      <table data-testid="ledger-table">
        <caption>Ledger: the latest {LEDGER_ROWS_SHOWN} entries (newest first)</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Issue</th>
            <th scope="col">Action</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
            <th scope="col">Rule</th>
            <th scope="col">Reason</th>
            <th scope="col">Mode</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colspan={9} class="muted">
                The ledger is empty.
              </td>
            </tr>
          )}
          {rows.map((r) => (
            <tr>
              <td>
                <When at={r.createdAt} />
              </td>
              <td>{r.issueKey}</td>
              <td>{r.action.replace("_", " ")}</td>
              <td>{clip(r.beforeValue)}</td>
              <td>{clip(r.afterValue)}</td>
              <td>{r.ruleId ?? ""}</td>
              <td>{clip(r.reason, 160)}</td>
              <td>{r.mode}</td>
              <td>
                {r.outcome}
                {r.error ? `: ${clip(r.error, 120)}` : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Runs per page of the Runs table. */
export const RUNS_SHOWN = 20;

export async function writebackPage(c: Context<AppEnv>, error?: { status: 404 | 409 | 502; message: string }) {
  const ws = c.get("workspace");
  const admin = c.get("role") === "admin";
  const csrf = csrfToken(c);
  const before = decodeRunCursor(c.req.query("runsBefore"));
  const [conns, { runs, next }, ledger] = await Promise.all([
    listConnections(c.env.DB, ws.id),
    pageWritebackRuns(c.env.DB, ws.id, RUNS_SHOWN, before),
    listLedger(c.env.DB, ws.id, { limit: LEDGER_ROWS_SHOWN }),
  ]);
  const olderRuns = next ? `?runsBefore=${encodeURIComponent(encodeRunCursor(next))}#runs` : null;
  const live = conns.filter((x) => x.status !== "disconnected");
  const plans = await Promise.all(live.map((x) => planFor(c, ws.id, x)));
  const byId = new Map(conns.map((x) => [x.id, x]));
  const api = `/api/v1/workspaces/${encodeURIComponent(ws.id)}/ledger`;
  return renderPage(c, {
    title: `Write-back · ${ws.name}`,
    section: "writeback",
    status: error?.status,
    children: (
      <>
        <h1>Write-back</h1>
        <p>
          Write-back puts one label in your namespace (for example <code>constraint:reliability</code>) and, if enabled, one explanatory comment on each issue
          the audit is confident about. It never touches other labels and never re-adds a label a person removed. Change the mode in{" "}
          <a href={`/w/${encodeURIComponent(ws.id)}/settings`}>Settings</a>.
        </p>
        <Flash c={c} />
        <ErrorNotice message={error?.message} />
        {plans.length === 0 && <p>No connected tracker: connect one on the Connections page first.</p>}
        {plans.map((p) => (
          <PlanSection p={p} wsId={ws.id} admin={admin} csrf={csrf} />
        ))}
        <h2 id="runs">Runs</h2>
        <p class="hint">Undo reverts exactly what a run wrote, except where a person has changed it since.</p>
        <RunsTable runs={runs} conns={byId} wsId={ws.id} admin={admin} csrf={csrf} />
        {(olderRuns || before) && (
          <p class="actions" data-testid="runs-paging">
            {before && <a href={`/w/${encodeURIComponent(ws.id)}/writeback#runs`}>Newest runs</a>}
            {olderRuns && (
              <a href={olderRuns} rel="next" data-testid="older-runs">
                Older runs
              </a>
            )}
          </p>
        )}
        <h2>Ledger</h2>
        <p>
          Export the whole ledger:{" "}
          <a href={`${api}?format=csv`} data-testid="ledger-export-csv">
            CSV
          </a>{" "}
          ·{" "}
          <a href={`${api}?format=jsonl`} data-testid="ledger-export-jsonl">
            JSON Lines
          </a>
        </p>
        <LedgerTable rows={ledger} />
      </>
    ),
  });
}

/** POST /w/:workspaceId/writeback/:connectionId/run */
export async function postRunWriteback(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  const deps = c.get("deps");
  const conn = await getConnection(c.env.DB, ws.id, c.req.param("connectionId") ?? "");
  if (!conn) throw new AppError("not_found", "No such connection in this workspace");
  const runId = await startWritebackRun(c.env.DB, { workspaceId: ws.id, connectionId: conn.id, now: new Date(deps.now()) });
  if (!runId) return writebackPage(c, { status: 409, message: "Write-back is off for this connection, or the connection is not active: nothing was run." });
  let result;
  try {
    result = await runWriteback(c.env.DB, getConfig(c.env), deps, { workspaceId: ws.id, connectionId: conn.id, runId });
  } catch (e) {
    c.get("log")?.warn("write-back run failed", { error: (e as Error).message });
    return writebackPage(c, {
      status: 502,
      message: `The run stopped: ${(e as Error).message}. Writes already made are in the ledger; run again to continue.`,
    });
  }
  const path = `/w/${encodeURIComponent(ws.id)}/writeback`;
  if (!result) return redirectDone(c, path, "run-on", { applied: 0, failed: 0 });
  if (result.retryAt) {
    await c.env.SYNC_QUEUE.send(
      { type: "writeback", workspaceId: ws.id, connectionId: conn.id, runId },
      { delaySeconds: Math.max(1, Math.ceil((result.retryAt - deps.now()) / 1000)) },
    );
    return redirectDone(c, path, "run-waiting", { applied: result.applied });
  }
  if (result.mode === "dry-run") return redirectDone(c, path, "run-dry-run", { planned: result.planned });
  return redirectDone(c, path, "run-on", { applied: result.applied, failed: result.failed, capped: result.capped });
}

/** POST /w/:workspaceId/writeback/runs/:runId/undo */
export async function postUndoRun(c: Context<AppEnv>) {
  const ws = c.get("workspace");
  const run = await getWritebackRun(c.env.DB, ws.id, c.req.param("runId") ?? "");
  if (!run) throw new AppError("not_found", "No such write-back run");
  if (run.mode !== "on" || run.status !== "done")
    return writebackPage(c, { status: 409, message: "Only finished runs that wrote to the tracker can be undone." });
  let r;
  try {
    r = await undoWritebackRun(c.env.DB, getConfig(c.env), c.get("deps"), { workspaceId: ws.id, runId: run.id });
  } catch (e) {
    c.get("log")?.warn("undo failed", { error: (e as Error).message });
    return writebackPage(c, {
      status: 502,
      message: `The undo stopped: ${(e as Error).message}. What was reverted is in the ledger; undo again to revert the rest (nothing is reverted twice).`,
    });
  }
  if (!r) throw new AppError("not_found", "No such write-back run");
  return redirectDone(c, `/w/${encodeURIComponent(ws.id)}/writeback`, "undone", { reverted: r.reverted, skipped: r.skipped.length });
}
