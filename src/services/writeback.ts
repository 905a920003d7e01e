/**
 * Write-back: loads the facts (verdicts, what we own per the ledger, human
 * overrides), asks the pure planner what to write, and in `on` mode executes it
 * through the connector. Every write is recorded in the ledger first as
 * `planned` and then `applied` (with the tracker's response id) or `failed`, so
 * a crash between a tracker write and the ledger update is retried without a
 * double write: the connector's ensure* calls converge, and comments are found
 * by their marker.
 */
import { isConnectorError } from "../../connectors/errors";
import type { IssueRef, SyncScope } from "../../connectors/types";
import {
  decodeCommentValue,
  labelDefinitions,
  planToLedgerRows,
  planUndo,
  planWriteBack,
  toLabelChange,
  type CurrentIssueState,
  type IssueFacts,
  type LedgerEntry,
  type PlannedAction,
  type UndoPlan,
  type WritebackPlan,
} from "../core/writeback";
import type { Classification } from "../../domain/types";
import { getLatestAuditHead } from "../db/audits";
import { listAssessments } from "../db/classifications";
import { getConnection, transitionConnectionStatus, type Connection } from "../db/connections";
import {
  createWritebackRun,
  finishWritebackRun,
  hasRunningWriteback,
  getWritebackRun,
  insertLedgerEntries,
  listLedger,
  listPlannedForRun,
  overridesByIssue,
  ownershipByIssue,
  recordOverrides,
  setWritebackRunStatus,
  updateLedgerOutcome,
  type NewLedgerEntry,
} from "../db/ledger";
import { getIssueByExternalId, scopeIdsOf, updateIssueLabels } from "../db/issues";
import { getSettings, type WriteMode } from "../db/workspaces";
import type { Deps } from "../deps";
import type { Config } from "../env";
import { authFor, connectorFor, markRevoked } from "./connectors";
import { loadConnectionContextById, type ConnectionContext, type WorkspaceContext } from "./job-context";
import { workspaceThreshold } from "./learning";
import { forEachBounded, splitLabelCreators } from "./bounded";
import { compiledPackFor } from "./rule-packs";

export function effectiveMode(connection: Pick<Connection, "writeMode">, workspaceMode: WriteMode): WriteMode {
  return connection.writeMode ?? workspaceMode;
}

/**
 * Creates a run record when write-back is not off; returns its id or null.
 * `automatic` (after a sync, an audit or a webhook) only starts runs in `on`
 * mode — the dry-run diff is always live in the UI and the API, so recording the
 * same plan after every sync would only fill the ledger — and never while
 * another run of the connection is still writing.
 */
export async function startWritebackRun(
  db: D1Database,
  p: {
    workspaceId: string;
    connectionId: string;
    now: Date;
    automatic?: boolean;
    /** Start even while another automatic run is running (a webhook burst's further chunks). */ concurrent?: boolean;
    /** The job's loaded context for this connection: settings, connection and audit head are not read again. */
    context?: ConnectionContext;
  },
): Promise<string | null> {
  const ctx = p.context && p.context.connection.id === p.connectionId && p.context.connection.workspaceId === p.workspaceId ? p.context : null;
  const [settings, connection] = ctx
    ? [ctx.settings, ctx.connection]
    : await Promise.all([getSettings(db, p.workspaceId), getConnection(db, p.workspaceId, p.connectionId)]);
  if (!settings || !connection || connection.status !== "active") return null;
  const mode = effectiveMode(connection, settings.writeMode);
  if (mode === "off") return null;
  if (p.automatic && mode !== "on") return null;
  if (p.automatic && !p.concurrent && (await hasRunningWriteback(db, connection.id, new Date(p.now.getTime() - 10 * 60_000)))) return null;
  const latest = ctx ? ctx.latestAudit : await getLatestAuditHead(db, p.workspaceId);
  return createWritebackRun(db, { workspaceId: p.workspaceId, connectionId: p.connectionId, auditRunId: latest?.id ?? null, mode, now: p.now });
}

const ABSTAIN: Classification = { constraint: null, confidence: 0, runnerUp: null, decidedBy: "none", reasons: [] };

/** Loads every fact the planner needs for one connection and plans. Pure planning, D1 reads only. */
export async function planForConnection(
  db: D1Database,
  config: Config,
  p: {
    workspaceId: string;
    connection: Connection;
    maxWrites?: number;
    issueIds?: string[] /** Loaded by the job: settings, audit head and learning state are not read again. */;
    context?: WorkspaceContext;
  },
): Promise<{ plan: WritebackPlan; auditRunId: string | null; mode: WriteMode; scopeOf: (externalId: string) => SyncScope }> {
  const settings = p.context ? p.context.settings : (await getSettings(db, p.workspaceId))!;
  const { compiled } = compiledPackFor(settings);
  const latest = p.context ? p.context.latestAudit : await getLatestAuditHead(db, p.workspaceId);
  // A webhook plans only the issues it changed (O(changed), not O(connection)).
  const targeted = p.issueIds ? await listAssessments(db, p.workspaceId, { ids: p.issueIds, connectionId: p.connection.id, limit: 1000 }) : null;
  const only = targeted?.map((r) => r.issue.externalId);
  const [ownership, overrides] = await Promise.all([ownershipByIssue(db, p.connection.id, only), overridesByIssue(db, p.connection.id, only)]);
  const facts: IssueFacts[] = [];
  const scopes = new Map<string, string>();
  let after = "";
  for (;;) {
    const page = targeted ?? (await listAssessments(db, p.workspaceId, { after, limit: 1000, connectionId: p.connection.id }));
    for (const r of page) {
      scopes.set(r.issue.externalId, r.scopeId);
      const own = ownership.get(r.issue.externalId);
      const present = new Set(r.issue.labels.map((l) => l.toLowerCase()));
      const applied = own ? [...own.labels, ...[...own.inFlight].filter((l) => present.has(l.toLowerCase()))] : [];
      const value = own?.comment ? decodeCommentValue(own.comment.value) : null;
      const comment = own?.comment ? { id: own.comment.id, bodyHash: value?.hash ?? "", ...(value?.body !== undefined ? { body: value.body } : {}) } : null;
      facts.push({
        issue: r.issue,
        classification: r.classification ?? ABSTAIN,
        scores: r.scores ?? { impact: 1, evidence: 1, confidence: 1, timing: 1, reasons: [] },
        appliedByUs: [...new Set(applied)],
        overrides: [...(overrides.get(r.issue.externalId) ?? [])],
        comment,
      });
    }
    if (targeted || page.length < 1000) break;
    after = page[page.length - 1]!.id;
  }
  const mode = effectiveMode(p.connection, settings.writeMode);
  const plan = planWriteBack({
    issues: facts,
    settings: {
      labelPrefix: settings.labelPrefix,
      commentsEnabled: settings.commentsEnabled,
      maxWrites: p.maxWrites ?? settings.maxWritesPerRun,
      // The workspace's own threshold when its labels support one (src/services/learning.ts), else the pack's.
      writeBackThreshold: (await workspaceThreshold(db, p.workspaceId, compiled, p.context?.learning)).value,
      mode,
    },
    auditRunId: latest?.id ?? null,
    dominant: (latest?.dominant as never) ?? null,
    reportUrl: `${config.PUBLIC_BASE_URL}/w/${p.workspaceId}/report`,
  });
  const scopeOf = (externalId: string): SyncScope => {
    const id = scopes.get(externalId) ?? "";
    return p.connection.syncScopes.find((s) => s.id === id) ?? { kind: "repo", id, name: id };
  };
  return { plan, auditRunId: latest?.id ?? null, mode, scopeOf };
}

function ledgerRowsFor(
  action: PlannedAction,
  base: Omit<NewLedgerEntry, keyof ReturnType<typeof planToLedgerRows>[number] | "outcome" | "trackerResponseId" | "error">,
) {
  return planToLedgerRows({ actions: [action] }).map((d) => ({ ...base, ...d, outcome: "planned" as const, trackerResponseId: null, error: null }));
}

/**
 * Ledger ids for one action's rows: a row an interrupted attempt left `planned` for the same
 * issue, action and target is reused (its write may have landed; ensure* converges), the rest are
 * inserted `planned`; `unused()` lists the reusable rows no action took. Write-back and undo both
 * record their writes this way.
 */
function ledgerIdsReusing(
  db: D1Database,
  planned: Array<{ id: string; externalId: string; action: string; target: string }>,
  base: Parameters<typeof ledgerRowsFor>[1],
  now: () => Date,
): { idsFor: (action: PlannedAction) => Promise<string[]>; unused: () => string[] } {
  const key = (r: { externalId: string; action: string; target: string }) => `${r.externalId}|${r.action}|${r.target}`;
  const pending = new Map<string, string[]>();
  for (const r of planned) pending.set(key(r), [...(pending.get(key(r)) ?? []), r.id]);
  return {
    idsFor: async (action) => {
      const ids: string[] = [];
      const fresh: NewLedgerEntry[] = [];
      for (const row of ledgerRowsFor(action, base)) {
        const reuse = pending.get(key(row))?.shift();
        if (reuse) ids.push(reuse);
        else fresh.push(row);
      }
      return [...ids, ...(await insertLedgerEntries(db, fresh, now()))];
    },
    unused: () => [...pending.values()].flat(),
  };
}

export interface WritebackResult {
  runId: string;
  mode: "dry-run" | "on";
  planned: number;
  applied: number;
  failed: number;
  capped: number;
  /** Set when a rate limit stopped the run: the caller re-enqueues for then. */
  retryAt?: number;
}

/** Runs (or continues) a write-back run: dry-run records the plan; on executes it, within the cap. */
export async function runWriteback(
  db: D1Database,
  config: Config,
  deps: Deps,
  p: {
    workspaceId: string;
    connectionId: string;
    runId: string;
    issueIds?: string[] /** The job's loaded context for this connection; without it the run loads it once. */;
    context?: ConnectionContext;
  },
): Promise<WritebackResult | null> {
  const run = await getWritebackRun(db, p.workspaceId, p.runId);
  const context = p.context?.connection.id === p.connectionId ? p.context : await loadConnectionContextById(db, p.connectionId);
  const connection = context?.connection;
  if (!run || !context || !connection || connection.workspaceId !== p.workspaceId || run.status === "done" || run.status === "undone") return null;
  const { settings } = context;
  const now = () => new Date(deps.now());
  const remainingCap = Math.max(0, settings.maxWritesPerRun - run.applied);
  const { plan, auditRunId, scopeOf } = await planForConnection(db, config, {
    workspaceId: p.workspaceId,
    connection,
    maxWrites: remainingCap,
    issueIds: p.issueIds,
    context,
  });
  const base = { workspaceId: p.workspaceId, connectionId: connection.id, runId: run.id, auditRunId, issueId: null };
  await recordOverrides(db, { workspaceId: p.workspaceId, connectionId: connection.id, overrides: plan.newOverrides, now: now() });
  if (plan.newOverrides.length) {
    await insertLedgerEntries(
      db,
      plan.newOverrides.map((o) => ({
        ...base,
        externalId: o.externalId,
        issueKey: o.key,
        action: "human_override",
        target: o.label,
        beforeValue: o.label,
        afterValue: null,
        ruleId: null,
        reason: o.reason,
        mode: "observed",
        outcome: "recorded",
        trackerResponseId: null,
        error: null,
      })),
      now(),
    );
  }
  if (run.mode === "dry-run") {
    const rows = plan.actions.flatMap((a) => ledgerRowsFor(a, { ...base, mode: "dry-run" } as never));
    await insertLedgerEntries(db, rows, now());
    await finishWritebackRun(db, run.id, { status: "planned", planned: rows.length, applied: 0, failed: 0, capped: plan.counts.capped, now: now() });
    return { runId: run.id, mode: "dry-run", planned: rows.length, applied: 0, failed: 0, capped: plan.counts.capped };
  }
  const connector = connectorFor(connection.tracker, config, deps);
  let applied = run.applied;
  let failed = run.failed;
  // A retried run reuses the rows it left `planned` (its write may have landed before the crash).
  const ledger = ledgerIdsReusing(db, await listPlannedForRun(db, run.id), { ...base, mode: "on" } as never, now);
  try {
    const auth = await authFor(db, config, deps, connection, connector);
    const definitions = labelDefinitions(settings.labelPrefix);
    const apply = async (action: PlannedAction) => {
      const ref: IssueRef = { externalId: action.externalId, key: action.key, scope: scopeOf(action.externalId) };
      const ids = await ledger.idsFor(action);
      let labels: string[] | null = null;
      let commentId: string | null = null;
      try {
        if (action.kind === "labels") labels = (await connector.ensureLabels(auth, ref, toLabelChange(action, definitions))).labels;
        else commentId = (await connector.ensureComment(auth, ref, action.marker, action.body)).commentId;
      } catch (e) {
        const err = isConnectorError(e) ? e : null;
        if (err?.code === "rate-limited" || err?.code === "auth" || err?.code === "upstream" || err?.code === "forbidden") {
          // Leave these rows planned: a retry converges (ensure* is idempotent) and then applies them.
          throw e;
        }
        failed += ids.length;
        for (const id of ids) await updateLedgerOutcome(db, id, "failed", { error: (e as Error).message });
        return;
      }
      // The write landed. A D1 failure from here on leaves the rows planned and fails the job: the
      // queue's retry reuses them, the ensure* call finds the write done, and they end applied.
      if (labels) await updateIssueLabels(db, connection.id, action.externalId, labels);
      for (const id of ids) await updateLedgerOutcome(db, id, "applied", commentId ? { trackerResponseId: commentId } : {});
      applied += ids.length;
    };
    // The first write that may create each label runs alone, so two concurrent writes never both create it;
    // the rest run with the tracker's bound (connectors/types.ts `writeConcurrency`).
    const { first, rest } = splitLabelCreators(plan.actions, (a) => (a.kind === "labels" ? a.desired : []));
    for (const action of first) await apply(action);
    await forEachBounded(rest, connector.writeConcurrency, apply);
  } catch (e) {
    const err = isConnectorError(e) ? e : null;
    await finishWritebackRun(db, run.id, {
      status: "running",
      planned: run.planned + plan.counts.writes,
      applied,
      failed,
      capped: plan.counts.capped,
      now: now(),
    });
    if (err?.code === "auth") {
      await markRevoked(db, connection, now());
      await setWritebackRunStatus(db, run.id, "failed");
      return { runId: run.id, mode: "on", planned: plan.counts.writes, applied, failed, capped: plan.counts.capped };
    }
    if (err?.code === "forbidden") {
      // The grant reads but may not write: stop the run (every further write would be refused too) and say what to grant.
      await transitionConnectionStatus(db, connection.id, "error", `${WRITE_REFUSED[connection.tracker]} (${err.message})`, now());
      await setWritebackRunStatus(db, run.id, "failed");
      return { runId: run.id, mode: "on", planned: plan.counts.writes, applied, failed, capped: plan.counts.capped };
    }
    if (err?.code === "rate-limited")
      return {
        runId: run.id,
        mode: "on",
        planned: plan.counts.writes,
        applied,
        failed,
        capped: plan.counts.capped,
        retryAt: err.details.retryAt ?? deps.now() + 60_000,
      };
    throw e;
  }
  applied += await resolveLeftovers(db, connection.id, ledger.unused(), run.id);
  await finishWritebackRun(db, run.id, { status: "done", planned: run.planned + plan.counts.writes, applied, failed, capped: plan.counts.capped, now: now() });
  return { runId: run.id, mode: "on", planned: plan.counts.writes, applied, failed, capped: plan.counts.capped };
}

/** What to grant when a tracker refuses our writes (write-back stops with this as the connection's status). */
const WRITE_REFUSED: Record<Connection["tracker"], string> = {
  github:
    'GitHub refused a write-back: the GitHub App needs the "Issues: read & write" permission on this installation (an OAuth token needs the `repo` scope). Grant it, then run write-back again',
  linear: "Linear refused a write-back: the connection needs the `write` scope. Connect again granting it, then run write-back again",
  jira: "Jira refused a write-back: the connection needs the `write:jira-work` scope and permission to edit these issues. Connect again granting it, then run write-back again",
};

/**
 * Rows the retried run did not need to repeat: the write landed before the crash
 * (a label we added is on the issue; one we removed is gone) → applied;
 * otherwise the plan moved on without it → skipped.
 */
async function resolveLeftovers(db: D1Database, connectionId: string, ids: string[], runId: string): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = (await listPlannedForRun(db, runId)).filter((r) => ids.includes(r.id));
  let applied = 0;
  for (const r of rows) {
    const issue = await getIssueByExternalId(db, connectionId, r.externalId);
    const has = !!issue?.issue.labels.some((l) => l.toLowerCase() === r.target.toLowerCase());
    const landed = (r.action === "label_add" && has) || (r.action === "label_remove" && !has);
    await updateLedgerOutcome(db, r.id, landed ? "applied" : "skipped", landed ? {} : { error: "interrupted; the retried run planned without it" });
    if (landed) applied++;
  }
  return applied;
}

/**
 * Undo a run: revert exactly what it wrote, unless a person changed it since
 * (the planner's rule). Reads each affected issue's current labels from the
 * tracker, so "since" is judged against reality, not our snapshot.
 *
 * Reads and writes run as a write-back's do (`src/services/bounded.ts`): at most the connector's
 * `writeConcurrency` in flight, the first write of each label name alone; each write's ledger rows
 * are inserted `planned` before it and set `applied` after it. The first rate limit, revoked or
 * refused grant, or upstream failure stops new requests; those in flight settle their rows; a
 * revoked grant marks the connection revoked and a refused write marks it in error, as write-back
 * does; then the error is thrown (the API answers 503 with Retry-After for a rate limit). The run
 * stays `done` and the undo can be asked again: rows already reverted are not reverted twice, and
 * an interrupted write is judged by the tracker's state (see `planUndo`). Any other failure of one
 * write marks its rows `failed` and the rest go on; the run becomes `undone` when nothing failed.
 */
export async function undoWritebackRun(db: D1Database, config: Config, deps: Deps, p: { workspaceId: string; runId: string }) {
  const run = await getWritebackRun(db, p.workspaceId, p.runId);
  if (!run || run.mode !== "on") return null;
  const [connection, settings] = await Promise.all([getConnection(db, p.workspaceId, run.connectionId), getSettings(db, p.workspaceId)]);
  if (!connection || !settings) return null;
  const entries = (await listLedger(db, p.workspaceId, { runId: run.id, limit: 10_000 })).filter((e) => e.mode === "on");
  const connector = connectorFor(connection.tracker, config, deps);
  const now = () => new Date(deps.now());
  const keys = new Map<string, string>();
  for (const e of entries) keys.set(e.externalId, e.issueKey);
  // Each issue through its own sync scope (a Linear label lookup is per team), as the write-back addressed it.
  const scopeIds = await scopeIdsOf(db, connection.id, [...keys.keys()]);
  const scopeOfKey = (externalId: string): SyncScope => {
    const id = scopeIds.get(externalId);
    return connection.syncScopes.find((s) => s.id === id) ?? connection.syncScopes[0] ?? { kind: "repo", id: id ?? "", name: id ?? "" };
  };
  const base = { workspaceId: p.workspaceId, connectionId: connection.id, runId: run.id, auditRunId: run.auditRunId, issueId: null };
  const definitions = labelDefinitions(settings.labelPrefix);
  let reverted = 0;
  let failed = 0;
  let skipped: UndoPlan["skipped"] = [];
  try {
    const auth = await authFor(db, config, deps, connection, connector);
    const ownership = await ownershipByIssue(db, connection.id);
    const current = new Map<string, CurrentIssueState>();
    // The current state of each issue, read with the same bound as the writes.
    await forEachBounded([...keys], connector.writeConcurrency, async ([externalId, key]) => {
      const fresh = await connector.getIssue(auth, { externalId, key, scope: scopeOfKey(externalId) });
      const own = ownership.get(externalId)?.comment;
      current.set(externalId, { labels: fresh?.labels ?? [], commentBodyHash: own ? (decodeCommentValue(own.value)?.hash ?? null) : null });
    });
    const undo = planUndo(
      entries.map((e) => ({ ...e }) as unknown as LedgerEntry),
      current,
    );
    skipped = undo.skipped;
    // An interrupted attempt's rows: the ones whose write landed are applied; the others are reused
    // by the same write now (ensure* converges), so no row is recorded twice.
    for (const id of undo.landed) await updateLedgerOutcome(db, id, "applied");
    reverted += undo.landed.length;
    const landed = new Set(undo.landed);
    const ledger = ledgerIdsReusing(
      db,
      entries.filter((e) => e.ruleId === "undo" && e.outcome === "planned" && !landed.has(e.id)),
      { ...base, mode: "on" } as never,
      now,
    );
    const apply = async (action: PlannedAction) => {
      const ref: IssueRef = { externalId: action.externalId, key: action.key, scope: scopeOfKey(action.externalId) };
      const ids = await ledger.idsFor(action);
      let labels: string[] | null = null;
      try {
        if (action.kind === "labels") labels = (await connector.ensureLabels(auth, ref, toLabelChange(action, definitions))).labels;
        else await connector.ensureComment(auth, ref, action.marker, action.body);
      } catch (e) {
        const err = isConnectorError(e) ? e : null;
        // As in a write-back: these stop the undo and leave the rows planned (asked again, it converges).
        if (err?.code === "rate-limited" || err?.code === "auth" || err?.code === "upstream" || err?.code === "forbidden") throw e;
        failed += ids.length;
        for (const id of ids) await updateLedgerOutcome(db, id, "failed", { error: (e as Error).message });
        return;
      }
      // The write landed: a failure from here on (D1) leaves the rows planned, never `failed`; the
      // next undo finds a label write on the tracker (`landed`) and repeats a comment write, which
      // converges (ensureComment finds our marker), reusing the same rows.
      if (labels) await updateIssueLabels(db, connection.id, action.externalId, labels);
      for (const id of ids) await updateLedgerOutcome(db, id, "applied");
      reverted += ids.length;
    };
    const { first, rest } = splitLabelCreators(undo.actions, (a) => (a.kind === "labels" ? a.desired : []));
    for (const action of first) await apply(action);
    await forEachBounded(rest, connector.writeConcurrency, apply);
    // Interrupted rows the plan no longer needs (a person changed the thing since): they wrote nothing now.
    for (const id of ledger.unused()) await updateLedgerOutcome(db, id, "skipped", { error: "interrupted; the retried undo planned without it" });
  } catch (e) {
    const err = isConnectorError(e) ? e : null;
    if (err?.code === "auth") await markRevoked(db, connection, now());
    else if (err?.code === "forbidden")
      await transitionConnectionStatus(db, connection.id, "error", `${WRITE_REFUSED[connection.tracker]} (${err.message})`, now());
    throw e;
  }
  if (failed === 0) await setWritebackRunStatus(db, run.id, "undone");
  return { reverted, failed, skipped };
}
