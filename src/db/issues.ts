/**
 * The normalized issue snapshot. Upserts skip rows whose content and updated
 * time did not change (fewer D1 writes), and an older update never overwrites
 * newer state (out-of-order webhooks resolve by the issue's updated time).
 */
import { z } from "zod";
import { contentHash } from "../core/hash";
import { keepStoredFields, type NotCarriedField } from "../../domain/not-carried";
import { CustomFieldValueSchema, IssueSchema, IterationSchema, type Issue, type Tracker } from "../../domain/types";
import { newId } from "../security/ids";
import { safeJson } from "./workspaces";

type Row = {
  id: string;
  connection_id: string;
  scope_id: string;
  tracker: Tracker;
  external_id: string;
  key: string;
  url: string | null;
  title: string;
  body: string;
  labels: string;
  type: string | null;
  components: string;
  state: string;
  state_category: Issue["stateCategory"];
  priority: number | null;
  priority_name: string | null;
  estimate: number | null;
  iteration: string | null;
  project: string | null;
  assignees: string;
  reactions: number;
  comment_count: number;
  duplicate_count: number;
  custom_fields: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  content_hash: string;
  /** JSON of the evidence fields (migration 0005); null when none was ever known. */
  evidence?: string | null;
};

/** The flow and customer fields stored together in `issues.evidence`. */
const EvidenceSchema = IssueSchema.pick({ startedAt: true, reopenedCount: true, carriedOver: true, watchers: true, customerRequests: true, links: true }).catch(
  {},
);

const EVIDENCE_KEYS = ["startedAt", "reopenedCount", "carriedOver", "watchers", "customerRequests", "links"] as const;

/**
 * The evidence column's value: JSON of the non-empty evidence fields (`{}` when
 * the source knew them and all were empty), or null when the source carried none
 * of them (a webhook payload): then the stored evidence is kept.
 */
export function evidenceJson(issue: Issue): string | null {
  if (EVIDENCE_KEYS.every((k) => issue[k] === undefined)) return null;
  const e: Record<string, unknown> = {};
  if (issue.startedAt) e.startedAt = issue.startedAt;
  if (issue.reopenedCount) e.reopenedCount = issue.reopenedCount;
  if (issue.carriedOver) e.carriedOver = issue.carriedOver;
  if (issue.watchers) e.watchers = issue.watchers;
  if (issue.customerRequests?.length) e.customerRequests = issue.customerRequests;
  if (issue.links?.length) e.links = issue.links;
  return JSON.stringify(e);
}

const strings = z.array(z.string()).catch([]);
const customFields = z.record(z.string(), CustomFieldValueSchema).catch({});

export interface StoredIssue {
  id: string;
  connectionId: string;
  scopeId: string;
  contentHash: string;
  issue: Issue;
}

export function rowToIssue(r: Row): StoredIssue {
  const iteration = IterationSchema.nullable().catch(null).parse(safeJson(r.iteration));
  const evidence = r.evidence ? EvidenceSchema.parse(safeJson(r.evidence) ?? {}) : {};
  return {
    id: r.id,
    connectionId: r.connection_id,
    scopeId: r.scope_id,
    contentHash: r.content_hash,
    issue: {
      tracker: r.tracker,
      externalId: r.external_id,
      key: r.key,
      url: r.url,
      title: r.title,
      body: r.body,
      labels: strings.parse(safeJson(r.labels)),
      type: r.type,
      components: strings.parse(safeJson(r.components)),
      state: r.state,
      stateCategory: r.state_category,
      priority: r.priority,
      priorityName: r.priority_name,
      estimate: r.estimate,
      iteration,
      project: r.project,
      assignees: strings.parse(safeJson(r.assignees)),
      reactions: r.reactions,
      commentCount: r.comment_count,
      duplicateCount: r.duplicate_count,
      customFields: customFields.parse(safeJson(r.custom_fields)),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      closedAt: r.closed_at,
      ...evidence,
    },
  };
}

export interface UpsertResult {
  /** Issues new or changed in content: they need (re)classification. */
  changed: string[];
  /** Rows written (inserted or updated). */
  written: number;
  /** Issues ignored because the stored copy is newer. */
  stale: number;
  unchanged: number;
}

/** D1 caps bound parameters per statement at 100; IN lists are chunked below that. */
const IN_CHUNK = 90;

/**
 * Store a page of issues for one connection scope. One read to compare
 * hashes, then one batched write for the rows that changed.
 */
export async function upsertIssues(
  db: D1Database,
  p: {
    workspaceId: string;
    connectionId: string;
    scopeId: string;
    issues: Issue[];
    now: Date;
    /** Per external id, fields the source did not carry: the stored values are kept (one extra read, only when given). */
    notCarried?: ReadonlyMap<string, readonly NotCarriedField[]>;
  },
): Promise<UpsertResult> {
  const result: UpsertResult = { changed: [], written: 0, stale: 0, unchanged: 0 };
  if (p.issues.length === 0) return result;
  // Later duplicates of the same issue in one page win only if newer.
  const byId = new Map<string, Issue>();
  for (const i of p.issues) {
    const prev = byId.get(i.externalId);
    if (!prev || prev.updatedAt <= i.updatedAt) byId.set(i.externalId, i);
  }
  const ids = [...byId.keys()];
  const existing = new Map<string, { id: string; hash: string; updatedAt: string; deleted: number; evidence: string | null }>();
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const chunk = ids.slice(i, i + IN_CHUNK);
    const { results } = await db
      .prepare(
        `SELECT id, external_id, content_hash, updated_at, deleted, evidence FROM issues WHERE connection_id = ? AND external_id IN (${chunk.map(() => "?").join(",")})`,
      )
      .bind(p.connectionId, ...chunk)
      .all<{ id: string; external_id: string; content_hash: string; updated_at: string; deleted: number; evidence: string | null }>();
    for (const r of results) existing.set(r.external_id, { id: r.id, hash: r.content_hash, updatedAt: r.updated_at, deleted: r.deleted, evidence: r.evidence });
  }
  if (p.notCarried?.size) {
    const partial = ids.filter((id) => existing.has(id) && (p.notCarried!.get(id)?.length ?? 0) > 0);
    for (let i = 0; i < partial.length; i += IN_CHUNK) {
      const chunk = partial.slice(i, i + IN_CHUNK);
      const { results } = await db
        .prepare(`SELECT * FROM issues WHERE connection_id = ? AND external_id IN (${chunk.map(() => "?").join(",")})`)
        .bind(p.connectionId, ...chunk)
        .all<Row>();
      for (const r of results) {
        const stored = rowToIssue(r).issue;
        byId.set(stored.externalId, keepStoredFields(byId.get(stored.externalId)!, stored, p.notCarried.get(stored.externalId)!));
      }
    }
  }
  const at = p.now.toISOString();
  const stmts: D1PreparedStatement[] = [];
  for (const issue of byId.values()) {
    const prev = existing.get(issue.externalId);
    const hash = contentHash(issue);
    const evidence = evidenceJson(issue);
    if (prev && prev.updatedAt > issue.updatedAt) {
      result.stale++;
      continue;
    }
    if (prev && prev.hash === hash && prev.updatedAt === issue.updatedAt && prev.deleted === 0 && (evidence === null || prev.evidence === evidence)) {
      result.unchanged++;
      continue;
    }
    const id = prev?.id ?? newId("iss");
    if (!prev || prev.hash !== hash || prev.deleted === 1) result.changed.push(id);
    stmts.push(
      db
        .prepare(
          `INSERT INTO issues (id, workspace_id, connection_id, scope_id, tracker, external_id, key, url, title, body, labels, type, components, state, state_category,
             priority, priority_name, estimate, iteration, project, assignees, reactions, comment_count, duplicate_count, custom_fields, created_at, updated_at, closed_at,
             content_hash, evidence, deleted, synced_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)
           ON CONFLICT (connection_id, external_id) DO UPDATE SET
             scope_id = excluded.scope_id, key = excluded.key, url = excluded.url, title = excluded.title, body = excluded.body, labels = excluded.labels,
             type = excluded.type, components = excluded.components, state = excluded.state, state_category = excluded.state_category,
             priority = excluded.priority, priority_name = excluded.priority_name, estimate = excluded.estimate, iteration = excluded.iteration,
             project = excluded.project, assignees = excluded.assignees, reactions = excluded.reactions, comment_count = excluded.comment_count,
             duplicate_count = excluded.duplicate_count, custom_fields = excluded.custom_fields, created_at = excluded.created_at,
             updated_at = excluded.updated_at, closed_at = excluded.closed_at, content_hash = excluded.content_hash, evidence = COALESCE(excluded.evidence, issues.evidence), deleted = 0, synced_at = excluded.synced_at
           WHERE excluded.updated_at >= issues.updated_at`,
        )
        .bind(
          id,
          p.workspaceId,
          p.connectionId,
          p.scopeId,
          issue.tracker,
          issue.externalId,
          issue.key,
          issue.url,
          issue.title,
          issue.body,
          JSON.stringify(issue.labels),
          issue.type,
          JSON.stringify(issue.components),
          issue.state,
          issue.stateCategory,
          issue.priority,
          issue.priorityName,
          issue.estimate,
          issue.iteration ? JSON.stringify(issue.iteration) : null,
          issue.project,
          JSON.stringify(issue.assignees),
          issue.reactions,
          issue.commentCount,
          issue.duplicateCount,
          JSON.stringify(issue.customFields),
          issue.createdAt,
          issue.updatedAt,
          issue.closedAt,
          hash,
          evidence,
          at,
        ),
    );
  }
  if (stmts.length) {
    const res = await db.batch(stmts);
    result.written = res.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
  }
  return result;
}

/** A deletion only applies if it is not older than the stored state. */
export async function markIssueDeleted(db: D1Database, connectionId: string, externalId: string, at: Date): Promise<boolean> {
  const r = await db
    .prepare("UPDATE issues SET deleted = 1, synced_at = ? WHERE connection_id = ? AND external_id = ? AND updated_at <= ?")
    .bind(at.toISOString(), connectionId, externalId, at.toISOString())
    .run();
  return (r.meta.changes ?? 0) > 0;
}

export async function getIssueByExternalId(db: D1Database, connectionId: string, externalId: string): Promise<StoredIssue | null> {
  const r = await db.prepare("SELECT * FROM issues WHERE connection_id = ? AND external_id = ?").bind(connectionId, externalId).first<Row>();
  return r ? rowToIssue(r) : null;
}

export async function getIssue(db: D1Database, workspaceId: string, id: string): Promise<StoredIssue | null> {
  const r = await db.prepare("SELECT * FROM issues WHERE id = ? AND workspace_id = ? AND deleted = 0").bind(id, workspaceId).first<Row>();
  return r ? rowToIssue(r) : null;
}

export async function countIssues(db: D1Database, workspaceId: string): Promise<number> {
  const r = await db.prepare("SELECT count(*) AS n FROM issues WHERE workspace_id = ? AND deleted = 0").bind(workspaceId).first<{ n: number }>();
  return r?.n ?? 0;
}

/** Every live issue of a connection (write-back planning), paged by id to bound memory. */
export async function* iterateIssues(
  db: D1Database,
  workspaceId: string,
  opts: { connectionId?: string; pageSize?: number } = {},
): AsyncGenerator<StoredIssue[]> {
  const size = opts.pageSize ?? 500;
  let after = "";
  for (;;) {
    const { results } = opts.connectionId
      ? await db
          .prepare("SELECT * FROM issues WHERE workspace_id = ? AND connection_id = ? AND deleted = 0 AND id > ? ORDER BY id LIMIT ?")
          .bind(workspaceId, opts.connectionId, after, size)
          .all<Row>()
      : await db
          .prepare("SELECT * FROM issues WHERE workspace_id = ? AND deleted = 0 AND id > ? ORDER BY id LIMIT ?")
          .bind(workspaceId, after, size)
          .all<Row>();
    if (results.length === 0) return;
    yield results.map(rowToIssue);
    after = results[results.length - 1]!.id;
    if (results.length < size) return;
  }
}

/** The sync scope each of these issues of a connection is stored under (one query: the ids travel as one JSON parameter). */
export async function scopeIdsOf(db: D1Database, connectionId: string, externalIds: string[]): Promise<Map<string, string>> {
  if (externalIds.length === 0) return new Map();
  const { results } = await db
    .prepare("SELECT external_id, scope_id FROM issues WHERE connection_id = ? AND external_id IN (SELECT value FROM json_each(?))")
    .bind(connectionId, JSON.stringify(externalIds))
    .all<{ external_id: string; scope_id: string }>();
  return new Map(results.map((r) => [r.external_id, r.scope_id]));
}

/** After a write-back, the snapshot's labels follow what the tracker answered (the content hash is left for the next sync to refresh). */
export async function updateIssueLabels(db: D1Database, connectionId: string, externalId: string, labels: string[]): Promise<void> {
  await db.prepare("UPDATE issues SET labels = ? WHERE connection_id = ? AND external_id = ?").bind(JSON.stringify(labels), connectionId, externalId).run();
}

/** Per connection of a workspace, the newest `updated_at` among its stored issues (one query). */
export async function latestIssueUpdateByConnection(db: D1Database, workspaceId: string): Promise<Map<string, string>> {
  const { results } = await db
    .prepare("SELECT connection_id, max(updated_at) AS latest FROM issues WHERE workspace_id = ? AND deleted = 0 GROUP BY connection_id")
    .bind(workspaceId)
    .all<{ connection_id: string; latest: string | null }>();
  return new Map(results.filter((r) => r.latest).map((r) => [r.connection_id, r.latest!]));
}
