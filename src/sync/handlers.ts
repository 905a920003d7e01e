/**
 * The job handlers behind the queue: a sync is a chain of `sync-page` jobs
 * (one tracker page each, upserted into D1, checkpointed, next page
 * enqueued); webhooks are applied from the queue; changed issues are
 * classified; audits and write-backs run as jobs.
 */
import { isConnectorError } from "../../connectors/errors";
import type { Connector, SkippedItem, SyncScope, WebhookEvent } from "../../connectors/types";
import type { NotCarriedField } from "../../domain/not-carried";
import type { Issue } from "../../domain/types";
import { listConnections, noteWebhooksApplied, transitionConnectionStatus, type Connection } from "../db/connections";
import { recordSyncFailure } from "../db/failures";
import { bumpSkipped, listSkipped, recordSkipped, resolveSkipped } from "../db/skipped";
import { getIssueByExternalId, markIssueDeleted, upsertIssues } from "../db/issues";
import { checkpointPage, finishRun, getSyncState, markWaiting, startRun, stopRun } from "../db/sync-state";
import { markWebhooksRefreshed } from "../db/webhook-registrations";
import { markDeliveries } from "../db/webhooks";
import { getSettings } from "../db/workspaces";
import { getConfig } from "../env";
import { newId } from "../security/ids";
import { reportRetention, runWorkspaceAudit } from "../services/audit";
import { classifyPending } from "../services/classify";
import { loadConnectionContext, loadConnectionContextById, loadLiveConnection, loadWorkspaceContext, type ConnectionContext } from "../services/job-context";
import { trainWorkspaceModel } from "../services/learning";
import { authFor, connectorFor, markRevoked } from "../services/connectors";
import { routeWebhook } from "../services/webhooks";
import { runWriteback, startWritebackRun } from "../services/writeback";
import type { BatchHandlers, JobContext, JobHandlers } from "./consumer";
import { decideFailure, MAX_DELAY_S } from "./failure-policy";
import type { Job, JobOf } from "./jobs";

/** A page job holds the lease this long; a crashed holder's lease expires and the cron resumes. */
export const LEASE_MS = 2 * 60_000;
/** Incremental re-sync cadence when nothing else triggers one. */
export const RESYNC_EVERY_MS = 15 * 60_000;

async function enqueue(c: JobContext, job: Job, delaySeconds?: number): Promise<void> {
  await c.env.SYNC_QUEUE.send(job, delaySeconds ? { delaySeconds: Math.min(MAX_DELAY_S, Math.ceil(delaySeconds)) } : undefined);
}

function scopeOf(connection: Connection, scopeId: string): SyncScope | null {
  return connection.syncScopes.find((s) => s.id === scopeId) ?? null;
}

/**
 * Stops a connection cleanly when the failure policy says stop (auth: revoked token; forbidden:
 * uninstalled app or missing permission): no retry loop. Returns whether it stopped.
 */
async function stopOnAuth(c: JobContext, connection: Connection, e: unknown): Promise<boolean> {
  const decision = decideFailure(e, c.attempts, c.deps.now());
  if (decision.kind !== "stop") return false;
  const message = e instanceof Error ? e.message : String(e);
  const now = new Date(c.deps.now());
  if (decision.code === "auth") await markRevoked(c.env.DB, connection, now);
  else
    await transitionConnectionStatus(
      c.env.DB,
      connection.id,
      "error",
      `The tracker refused access (${message}). Check the app's installation and permissions.`,
      now,
    );
  await stopRun(c.env.DB, { connectionId: connection.id, error: message });
  return true;
}

/**
 * A malformed item is skipped so its page survives; it is logged, shown in the
 * connection's sync failures, and kept in `sync_skipped` for the next pass to
 * re-fetch (the cursor has already moved past it).
 */
async function recordSkippedItems(c: JobContext, connection: Connection, scopeId: string, skipped: SkippedItem[], now: Date): Promise<void> {
  c.log.warn("items skipped at the boundary", { connection: connection.id, skipped: skipped.slice(0, 5) });
  await recordSkipped(c.env.DB, { workspaceId: connection.workspaceId, connectionId: connection.id, scopeId, items: skipped, now });
  for (const item of skipped.slice(0, 20)) {
    await recordSyncFailure(c.env.DB, {
      workspaceId: connection.workspaceId,
      connectionId: connection.id,
      message: { type: "skipped-item", scopeId, ref: item.ref },
      reason: `skipped ${item.ref}: ${item.reason}`,
      now,
    });
  }
}

/** Re-fetch items earlier passes skipped; the ones that now parse are stored. */
async function retrySkipped(c: JobContext, connection: Connection, connector: Connector, scope: SyncScope): Promise<void> {
  const db = c.env.DB;
  const pending = await listSkipped(db, connection.id, scope.id);
  if (pending.length === 0) return;
  const auth = await authFor(db, getConfig(c.env), c.deps, connection, connector);
  const now = new Date(c.deps.now());
  for (const item of pending) {
    if (!item.externalId && !item.key) {
      await bumpSkipped(db, connection.id, scope.id, item.ref, "no id to re-fetch it by", now);
      continue;
    }
    try {
      const issue = await connector.getIssue(auth, { externalId: item.externalId ?? "", key: item.key ?? item.externalId ?? "", scope });
      if (issue) await upsertIssues(db, { workspaceId: connection.workspaceId, connectionId: connection.id, scopeId: scope.id, issues: [issue], now });
      await resolveSkipped(db, connection.id, scope.id, item.ref);
    } catch (e) {
      if (isConnectorError(e) && e.code === "invalid-response") await bumpSkipped(db, connection.id, scope.id, item.ref, (e as Error).message, now);
      else if (isConnectorError(e) && e.code === "not-found") await resolveSkipped(db, connection.id, scope.id, item.ref);
      else throw e;
    }
  }
}

export const handleSyncStart = async (job: JobOf<"sync-start">, c: JobContext) => {
  // The job's connection, read once and handed to every scope's steps.
  const connection = await loadLiveConnection(c.env.DB, job.connectionId);
  if (!connection) return;
  const now = new Date(c.deps.now());
  const connector = connectorFor(connection.tracker, getConfig(c.env), c.deps);
  for (const scope of connection.syncScopes) {
    const runId = newId("run");
    // A scope already being synced keeps its pass: two passes never interleave.
    if (await startRun(c.env.DB, { connectionId: connection.id, scopeId: scope.id, runId, now, leaseMs: LEASE_MS })) {
      try {
        await retrySkipped(c, connection, connector, scope);
      } catch (e) {
        if (await stopOnAuth(c, connection, e)) return;
        c.log.warn("retrying skipped items failed; the pass goes on", { error: (e as Error).message });
      }
      await enqueue(c, { type: "sync-page", connectionId: connection.id, scopeId: scope.id, runId });
    }
  }
};

/**
 * Pages one job may fetch before handing over to the next message: each page is
 * one tracker request and about three D1 queries (the connection and the sync state
 * are read once per job), so 8 pages stay well inside the free plan's 50
 * subrequests and 50 D1 queries per invocation.
 */
export const PAGES_PER_JOB = 8;

export const handleSyncPage = async (job: JobOf<"sync-page">, c: JobContext) => {
  const db = c.env.DB;
  // The job's context: the connection and the pass's sync state, read once. After each page the
  // checkpoint (guarded by the run id) carries the cursor forward, so the state is not read again.
  const connection = await loadLiveConnection(db, job.connectionId);
  if (!connection) return;
  const scope = scopeOf(connection, job.scopeId);
  if (!scope) return;
  const state = await getSyncState(db, job.connectionId, job.scopeId);
  // A stale job from an older pass (or a duplicate delivery) does nothing.
  if (!state || state.runId !== job.runId) return;
  let runCursor = state.runCursor;
  const config = getConfig(c.env);
  const connector = connectorFor(connection.tracker, config, c.deps);
  for (let n = 0; n < PAGES_PER_JOB; n++) {
    const now = new Date(c.deps.now());
    let page;
    try {
      const auth = await authFor(db, config, c.deps, connection, connector);
      page = await connector.listIssues(auth, scope, runCursor);
    } catch (e) {
      if (await stopOnAuth(c, connection, e)) return;
      const decision = decideFailure(e, c.attempts, c.deps.now());
      if (decision.kind === "delay") {
        const until = new Date(decision.retryAt);
        await markWaiting(db, { connectionId: connection.id, scopeId: scope.id, runId: job.runId, until, error: `rate limited until ${until.toISOString()}` });
        await transitionConnectionStatus(
          db,
          connection.id,
          "rate_limited",
          `Rate limited by ${connection.tracker} until ${until.toISOString()}; sync resumes then.`,
          now,
        );
        // Re-enqueue for when the limit resets; the queue holds it, nothing spins.
        await enqueue(c, job, (until.getTime() - c.deps.now()) / 1000);
        return;
      }
      throw e; // upstream/invalid-response: the consumer retries with backoff, then the DLQ records it
    }
    const stored = await upsertIssues(db, { workspaceId: connection.workspaceId, connectionId: connection.id, scopeId: scope.id, issues: page.issues, now });
    if (page.skipped.length) await recordSkippedItems(c, connection, scope.id, page.skipped, now);
    c.log.debug("page stored", { changed: stored.changed.length, written: stored.written });
    const ok = await checkpointPage(db, {
      connectionId: connection.id,
      scopeId: scope.id,
      runId: job.runId,
      runCursor: page.cursor,
      issues: page.issues.length,
      requests: 1,
      now,
      leaseMs: LEASE_MS,
    });
    if (!ok) return; // the lease was lost to another pass (or the pass was stopped)
    runCursor = page.cursor;
    if (!page.hasMore) {
      await finishRun(db, {
        connectionId: connection.id,
        scopeId: scope.id,
        runId: job.runId,
        cursor: page.cursor,
        now,
        nextRunAt: new Date(now.getTime() + RESYNC_EVERY_MS),
      });
      if (connection.status !== "active") await transitionConnectionStatus(db, connection.id, "active", null, now);
      // Classify what changed, then audit (the audit enqueues the write-back when it is enabled).
      await enqueue(c, { type: "classify", workspaceId: connection.workspaceId, all: false, then: "audit" });
      return;
    }
  }
  await enqueue(c, job);
};

export const handleClassify = async (job: JobOf<"classify">, c: JobContext) => {
  const db = c.env.DB;
  // The job's context, loaded once: the connection's when a write-back follows (its run start reads
  // nothing of it again), else the workspace's.
  const loaded = job.then === "writeback" && job.connectionId ? await loadConnectionContextById(db, job.connectionId) : null;
  const forWriteback = loaded?.connection.workspaceId === job.workspaceId ? loaded : null;
  const context = forWriteback ?? (await loadWorkspaceContext(db, job.workspaceId));
  const r = await classifyPending(db, job.workspaceId, { now: new Date(c.deps.now()), ...(context ? { context } : {}) });
  if (r.more) return enqueue(c, job);
  if (job.then === "audit") await enqueue(c, { type: "audit", workspaceId: job.workspaceId, trigger: "sync" });
  else if (job.then === "writeback" && job.connectionId) await enqueueWriteback(c, job.workspaceId, job.connectionId, forWriteback ?? undefined);
};

/** Starts an automatic write-back run for a connection in `on` mode (see startWritebackRun); `context`: the job's, when loaded. */
async function enqueueWriteback(c: JobContext, workspaceId: string, connectionId: string, context?: ConnectionContext): Promise<void> {
  const runId = await startWritebackRun(c.env.DB, { workspaceId, connectionId, now: new Date(c.deps.now()), automatic: true, ...(context ? { context } : {}) });
  if (runId) await enqueue(c, { type: "writeback", workspaceId, connectionId, runId });
}

export const handleAudit = async (job: JobOf<"audit">, c: JobContext) => {
  const db = c.env.DB;
  // The job's context: the settings, read once for the audit and every write-back run it starts;
  // the audit it stores becomes their latest audit head (not read back).
  const settings = await getSettings(db, job.workspaceId);
  const audit = await runWorkspaceAudit(db, job.workspaceId, {
    trigger: job.trigger,
    now: new Date(c.deps.now()),
    retention: reportRetention(c.env),
    ...(settings ? { settings } : {}),
  });
  if (job.trigger === "sync" || job.trigger === "cron") {
    // New labels and overrides from the tracker: retrain the workspace model (it stays as is when nothing changed).
    await enqueue(c, { type: "learn", workspaceId: job.workspaceId });
    for (const conn of await listConnections(db, job.workspaceId)) {
      if (conn.status === "active")
        await enqueueWriteback(c, job.workspaceId, conn.id, settings ? { connection: conn, settings, latestAudit: audit.head } : undefined);
    }
  }
};

/**
 * Applies webhook events; an older event never overwrites newer state (the upsert compares updated times).
 * Consecutive upserts are stored together (one upsert per scope), and an issue touched several times is
 * re-fetched once, so a burst of deliveries (a bulk edit) costs about as much as one.
 */
export async function applyWebhookEvents(c: JobContext, connection: Connection, connector: Connector, events: WebhookEvent[]): Promise<void> {
  const db = c.env.DB;
  const now = new Date(c.deps.now());
  const changedIds: string[] = [];
  const upserts = new Map<string, Issue[]>();
  const notCarried = new Map<string, NotCarriedField[]>();
  const touched = new Map<string, Extract<WebhookEvent, { kind: "issue.touched" }>>();
  const flush = async () => {
    for (const [scopeId, issues] of upserts) {
      const r = await upsertIssues(db, { workspaceId: connection.workspaceId, connectionId: connection.id, scopeId, issues, now, notCarried });
      changedIds.push(...r.changed);
    }
    upserts.clear();
    notCarried.clear();
    if (touched.size === 0) return;
    const auth = await authFor(db, getConfig(c.env), c.deps, connection, connector);
    for (const ev of touched.values()) {
      const fresh = await connector.getIssue(auth, ev.ref);
      if (fresh)
        changedIds.push(
          ...(await upsertIssues(db, { workspaceId: connection.workspaceId, connectionId: connection.id, scopeId: ev.scopeId, issues: [fresh], now })).changed,
        );
    }
    touched.clear();
  };
  try {
    for (const ev of events) {
      if (ev.kind === "issue.upserted") {
        const list = upserts.get(ev.scopeId);
        if (list) list.push(ev.issue);
        else upserts.set(ev.scopeId, [ev.issue]);
        // The newest event for an issue wins the upsert, so its own list of missing fields applies.
        if (ev.notCarried?.length) notCarried.set(ev.issue.externalId, ev.notCarried);
        else notCarried.delete(ev.issue.externalId);
        continue;
      }
      if (ev.kind === "issue.touched") {
        // Re-fetched once however often it was touched: the fetch returns the current state.
        touched.delete(ev.ref.externalId);
        touched.set(ev.ref.externalId, ev);
        continue;
      }
      if (ev.kind === "ignored") continue;
      // Anything else applies in order after what came before it.
      await flush();
      if (ev.kind === "issue.deleted") {
        const existing = await getIssueByExternalId(db, connection.id, ev.externalId);
        if (existing) await markIssueDeleted(db, connection.id, ev.externalId, now);
      } else if (ev.kind === "installation.removed") {
        await transitionConnectionStatus(db, connection.id, "revoked", "The GitHub App was uninstalled. Reinstall it to resume.", now);
        await stopRun(db, { connectionId: connection.id, error: "app uninstalled" });
        return;
      } else if (ev.kind === "installation.changed") {
        await enqueue(c, { type: "sync-start", connectionId: connection.id, reason: "webhook-gap" });
      }
    }
    await flush();
  } catch (e) {
    if (await stopOnAuth(c, connection, e)) return;
    throw e;
  }
  if (changedIds.length === 0) return;
  // From here on the job needs the workspace's settings, latest audit head and learning state: loaded
  // once, with the connection the route lookup already returned, and handed to classification and write-back.
  const context = await loadConnectionContext(db, connection);
  if (!context) return;
  // A webhook usually changes one or two issues: classify them and write back in this same job,
  // instead of two more queue hops (each waits for a batch), so an edit is labelled in about a second.
  const r = await classifyPending(db, connection.workspaceId, { now, limit: INLINE_CLASSIFY_LIMIT, context });
  if (r.more) {
    await enqueue(c, { type: "classify", workspaceId: connection.workspaceId, all: false, then: "writeback", connectionId: connection.id });
    return;
  }
  const ids = [...new Set(changedIds)];
  const runId = await startWritebackRun(db, { workspaceId: connection.workspaceId, connectionId: connection.id, now, automatic: true, context });
  if (!runId) return;
  const result = await runWriteback(db, getConfig(c.env), c.deps, {
    workspaceId: connection.workspaceId,
    connectionId: connection.id,
    runId,
    issueIds: ids.slice(0, INLINE_WRITEBACK_LIMIT),
    context,
  });
  if (result?.retryAt)
    await enqueue(
      c,
      { type: "writeback", workspaceId: connection.workspaceId, connectionId: connection.id, runId, issueIds: ids.slice(0, INLINE_WRITEBACK_LIMIT) },
      (result.retryAt - c.deps.now()) / 1000,
    );
  // More changed issues than one invocation should write: their own runs, one queue message each.
  for (let i = INLINE_WRITEBACK_LIMIT; i < ids.length; i += INLINE_WRITEBACK_LIMIT) {
    const more = await startWritebackRun(db, {
      workspaceId: connection.workspaceId,
      connectionId: connection.id,
      now,
      automatic: true,
      concurrent: true,
      context,
    });
    if (more)
      await enqueue(c, {
        type: "writeback",
        workspaceId: connection.workspaceId,
        connectionId: connection.id,
        runId: more,
        issueIds: ids.slice(i, i + INLINE_WRITEBACK_LIMIT),
      });
  }
}

/** Issues a webhook job classifies inline before handing the rest to a classify job. */
export const INLINE_CLASSIFY_LIMIT = 50;
/** Changed issues a webhook job writes back inline (each write is one to three tracker requests). */
export const INLINE_WRITEBACK_LIMIT = 90;

export const handleWebhook = async (job: JobOf<"webhook">, c: JobContext) => {
  const errors = await handleWebhookBatch([job], c);
  if (errors[0]) throw errors[0];
};

/**
 * Applies a queue batch of webhook deliveries together: each delivery is parsed and routed (routes
 * are looked up once per scope), the events are merged per connection in delivery order and applied
 * once per connection (one upsert, one classification pass, one write-back run), and every
 * delivery is marked in one statement batch. A connection that fails fails only the deliveries
 * that concern it: the returned array holds, per job, the error to retry it with, or null.
 */
export async function handleWebhookBatch(jobs: Array<JobOf<"webhook">>, c: JobContext): Promise<Array<unknown | null>> {
  const config = getConfig(c.env);
  const errors: Array<unknown | null> = jobs.map(() => null);
  const statuses: Array<"processed" | "ignored" | null> = jobs.map(() => null);
  const routes = new Map<string, Promise<Connection[]>>();
  const groups = new Map<string, { connection: Connection; connector: Connector; events: WebhookEvent[]; jobs: number[] }>();
  for (let j = 0; j < jobs.length; j++) {
    const job = jobs[j]!;
    try {
      const connector = connectorFor(job.tracker, config, c.deps);
      const events = connector.webhooks.parse({ headers: new Headers(job.headers), rawBody: job.body });
      const connections = await routeWebhook(c.env.DB, job.tracker, events, job.body, routes);
      statuses[j] = connections.length ? "processed" : "ignored";
      for (const connection of connections) {
        let g = groups.get(connection.id);
        if (!g) groups.set(connection.id, (g = { connection, connector, events: [], jobs: [] }));
        g.events.push(...events);
        g.jobs.push(j);
      }
    } catch (e) {
      errors[j] = e;
    }
  }
  for (const g of groups.values()) {
    try {
      await applyWebhookEvents(c, g.connection, g.connector, g.events);
      await noteWebhooksApplied(c.env.DB, g.connection.id, g.jobs.length, new Date(c.deps.now()));
    } catch (e) {
      for (const j of g.jobs) errors[j] ??= e;
    }
  }
  const done = jobs.flatMap((job, j) =>
    errors[j] === null && statuses[j] ? [{ tracker: job.tracker, deliveryId: job.deliveryId, status: statuses[j]! }] : [],
  );
  await markDeliveries(c.env.DB, done, new Date(c.deps.now()));
  return errors;
}

export const handleWriteback = async (job: JobOf<"writeback">, c: JobContext) => {
  const result = await runWriteback(c.env.DB, getConfig(c.env), c.deps, {
    workspaceId: job.workspaceId,
    connectionId: job.connectionId,
    runId: job.runId,
    ...(job.issueIds ? { issueIds: job.issueIds } : {}),
  });
  // Rate limited mid-run: continue the same run (same cap) when the tracker allows it.
  if (result?.retryAt) await enqueue(c, job, (result.retryAt - c.deps.now()) / 1000);
};

/** Extends a connection's dynamic webhooks (Jira) before their 30-day expiry. */
export const handleRefreshWebhooks = async (job: JobOf<"refresh-webhooks">, c: JobContext) => {
  const db = c.env.DB;
  const connection = await loadLiveConnection(db, job.connectionId);
  if (!connection?.siteId) return;
  const connector = connectorFor(connection.tracker, getConfig(c.env), c.deps);
  const registration = connector.webhookRegistration;
  if (!registration) return;
  try {
    const auth = await authFor(db, getConfig(c.env), c.deps, connection, connector);
    const r = await registration.refresh({ ...auth, siteId: connection.siteId }, connection.siteId, job.webhookIds.map(Number).filter(Number.isFinite));
    await markWebhooksRefreshed(db, connection.id, r.expiresAt, new Date(c.deps.now()));
  } catch (e) {
    if (await stopOnAuth(c, connection, e)) return;
    throw e;
  }
};

export const jobHandlers: JobHandlers = {
  "refresh-webhooks": handleRefreshWebhooks,
  "sync-start": handleSyncStart,
  "sync-page": handleSyncPage,
  classify: handleClassify,
  audit: handleAudit,
  webhook: handleWebhook,
  writeback: handleWriteback,
  learn: async (job, c) => {
    await trainWorkspaceModel(c.env.DB, c.env.SYNC_QUEUE, job.workspaceId, new Date(c.deps.now()));
  },
};

export const batchHandlers: BatchHandlers = { webhook: handleWebhookBatch };
