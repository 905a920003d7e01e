/**
 * Incremental sync over `POST /rest/api/3/search/jql`.
 *
 * ── The cursor ─────────────────────────────────────────────────────────────
 * JQL can only say `updated >= "yyyy-MM-dd HH:mm"`: minute precision, read in
 * the user's time zone (`/myself` → `timeZone`). The API, however, returns
 * `updated` with millisecond precision. So the cursor keeps:
 *   - `tz`     the user's zone, `fields` the site's discovered custom-field
 *              ids, `siteUrl` its base URL (browse links): fetched once, in
 *              parallel, so a steady-state run makes only the search;
 *   - `hw`     the high-water mark: the largest `updated` (ms) delivered;
 *   - `seen`   issue id → `updated` (ms) for every issue delivered whose
 *              `updated` is at/after the *window start*: the local minute that
 *              contains `hw − 1 min` (one more hour just after a DST change,
 *              when local minutes repeat).
 * A run queries `project = K AND updated >= "<window start>" ORDER BY updated
 * ASC, key ASC`, so it re-reads the floored minute plus a 1-minute overlap
 * (for issues indexed late), and drops every row whose id is in `seen` with
 * the same (or a newer) `updated`. Hence nothing is missed (the window always
 * starts at or before `hw`, and rows tied on `updated` are ordered by key and
 * paged with `nextPageToken`), and nothing is delivered twice (a row is
 * dropped iff that exact version was delivered). An issue edited again gets a
 * new `updated` and is delivered again: that is a new version, not a repeat.
 *
 * First sync (no `hw`): full pages of 100 issues with the explicit field list,
 * in key order (an edit during the run moves no issue, whatever the token is).
 * Later syncs search the window the same way, 100 a page, and deliver only the
 * new versions. (Atlassian documents 5,000 rows a page only for searches that
 * ask for nothing but `id` or `key`; any other field list gets shorter pages,
 * so an `updated`-only scan followed by `issue/bulkfetch` of the new versions
 * would take as many search pages as this, plus the fetches.) Every page is
 * followed by `nextPageToken` until `isLast`, however short. A no-op re-sync is
 * one request.
 *
 * A first sync also notes the keys on each side of every page boundary: an issue deleted mid-run
 * behind an offset-style token makes the next page start one issue late, and the keys in between are
 * fetched after the walk (`checkGaps`; nothing extra when they are consecutive). A later run that took
 * more than one page ends with one id-only search from its first page boundary on (`planCheck`).
 *
 * While a run is in progress the cursor also carries `run`: the JQL (fixed for
 * the run, as `nextPageToken` is bound to it), the token, pending ids to fetch,
 * the run's own high-water mark and `seen` (pruned below the window of the
 * scan position, so a 100k-issue first sync keeps a small cursor).
 */
import { z } from "zod";
import { ConnectorError } from "../errors";
import { parseLoose } from "../http";
import type { Auth, IssuePage, SkippedItem, SyncScope } from "../types";
import type { Issue } from "../../domain/types";
import type { JiraClient } from "./client";
import { discoverFields, searchFields } from "./fields";
import { fullSyncJql, isValidTimeZone, lowerBound, lowerBoundMs, parseJiraTime, syncJql } from "./jql";
import { normalizeIssue } from "./normalize";
import { RawIssueSchema, type RawIssue } from "./schema";

export const PAGE_SIZE = 100;
/** Rows a page for searches that ask for `key` alone (Atlassian's documented maximum for id/key searches). */
export const KEY_PAGE_SIZE = 5000;
export const OVERLAP_MS = 60_000;
/**
 * Allowance for the difference between our clock and Jira's `updated` times, and for Jira indexing an
 * edit late (results are documented as eventually consistent; no lag figure is published: an
 * assumption). The next run never starts after this run's start minus this.
 */
export const SKEW_MS = 60_000;

const Seen = z.record(z.string(), z.number());
const CursorSchema = z.object({
  v: z.literal(1),
  site: z.string(),
  project: z.string(),
  tz: z.string().nullable(),
  siteUrl: z.string().nullable().default(null),
  fields: z.object({ storyPoints: z.array(z.string()), sprint: z.string().nullable(), names: z.record(z.string(), z.string()) }).nullable(),
  hw: z.number().nullable(),
  seen: Seen,
  run: z
    .object({
      mode: z.enum(["full", "scan"]),
      jql: z.string(),
      token: z.string().nullable(),
      scanDone: z.boolean(),
      pending: z.array(z.string()),
      hw: z.number().nullable(),
      pos: z.number().nullable(),
      seen: Seen,
      /** When the run started (our clock, ms). */
      startedAt: z.number().optional(),
      /** The oldest `updated` delivered in this run that is at/after `startedAt`: an edit made during the run. */
      editedMin: z.number().nullable().optional(),
      /** Page transitions: [when the next page was asked for (our clock), `pos` before it]. */
      marks: z.array(z.tuple([z.number(), z.number().nullable()])).optional(),
      /** Scan runs: ids delivered in this run (to recognise an issue edited again mid-run). */
      delivered: z.array(z.string()).optional(),
      /** Full runs: the project's key prefix and the number of the last key served (key order). */
      keyPrefix: z.string().optional(),
      lastNum: z.number().nullable().optional(),
      /** Full runs: key numbers strictly between two pages, [last of one, first of the next or null at the end]. */
      gaps: z.array(z.tuple([z.number(), z.number().nullable()])).optional(),
      /** Full runs: rows served by the walk. */
      rows: z.number().optional(),
      /** Full runs: an id/key-only walk of the project is looking for keys inside `gaps`. */
      keyScan: z.boolean().optional(),
      /** Scan runs that took more than one page: the id-only search from the first page boundary on. */
      check: z.object({ jql: z.string(), from: z.number() }).nullable().optional(),
    })
    .nullable(),
});
export type SyncCursor = z.infer<typeof CursorSchema>;

export function decodeCursor(raw: string | null, site: string, project: string): SyncCursor {
  const fresh: SyncCursor = { v: 1, site, project, tz: null, siteUrl: null, fields: null, hw: null, seen: {}, run: null };
  if (!raw) return fresh;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return fresh;
  }
  const r = CursorSchema.safeParse(parsed);
  if (!r.success || r.data.site !== site || r.data.project !== project) return fresh;
  return r.data;
}

function prune(seen: Record<string, number>, fromMs: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [id, u] of Object.entries(seen)) if (u >= fromMs) out[id] = u;
  return out;
}

/** `"AUD-123"` → prefix and number. */
function splitKey(key: string | undefined): { prefix: string; num: number } | null {
  const m = key ? /^(.+)-(\d+)$/.exec(key) : null;
  return m ? { prefix: m[1]!, num: Number(m[2]) } : null;
}

const refOf = (raw: unknown, i: number) => {
  const o = raw as { key?: unknown; id?: unknown } | null;
  const key = typeof o?.key === "string" ? o.key : undefined;
  const externalId = typeof o?.id === "string" || typeof o?.id === "number" ? String(o.id) : undefined;
  return { ref: key ?? externalId ?? `#${i}`, key, externalId };
};

/** One page of the sync (see the comment block above). */
export async function listIssuesPage(
  client: JiraClient,
  auth: Auth,
  scope: SyncScope,
  cursorRaw: string | null,
  now: () => number = Date.now,
): Promise<IssuePage> {
  const site = scope.siteId ?? auth.siteId;
  if (!site) throw new ConnectorError("forbidden", "Jira sync needs a siteId (cloudId)", { tracker: "jira" });
  const a: Auth = { ...auth, siteId: site };
  const c = decodeCursor(cursorRaw, site, scope.id);
  if (!c.tz || !c.fields) {
    // Once per cursor: the user's time zone, the site's base URL and its custom-field ids (in parallel).
    const [me, info, fieldList] = await Promise.all([client.myself(a), client.serverInfo(a), client.fields(a)]);
    c.tz = me.timeZone && isValidTimeZone(me.timeZone) ? me.timeZone : "UTC";
    c.siteUrl = info.baseUrl;
    c.fields = discoverFields(fieldList);
  }
  const tz = c.tz;
  const siteUrl = c.siteUrl;
  const fieldMap = c.fields;
  const fields = searchFields(fieldMap);
  if (!c.run) {
    const from = c.hw === null ? null : lowerBound(c.hw, OVERLAP_MS, tz);
    const mode = c.hw === null ? "full" : "scan";
    // A full sync goes in key order: an edit during the run does not move an issue, so even a token
    // that resumes by offset skips nothing (the edit is picked up by the next run, see nextLowerBound).
    const jql = mode === "full" ? fullSyncJql(scope.id) : syncJql(scope.id, from);
    c.run = {
      mode,
      jql,
      token: null,
      scanDone: false,
      pending: [],
      hw: c.hw,
      pos: null,
      seen: { ...c.seen },
      startedAt: now(),
      editedMin: null,
      marks: [],
      delivered: [],
    };
  }
  const run = c.run;
  const issues: Issue[] = [];
  const skipped: SkippedItem[] = [];

  const search = async (maxResults: number, f: string[], jql = run.jql) => {
    if (run.token && !run.scanDone) (run.marks ??= []).push([now(), run.pos]);
    try {
      return await client.searchJql(a, { jql, nextPageToken: run.token ?? undefined, maxResults, fields: f });
    } catch (e) {
      // A nextPageToken expires after 7 days: restart the run's query (the seen-set absorbs the re-reads).
      if (!(e instanceof ConnectorError && e.code === "invalid-response" && e.details.status === 400 && run.token)) throw e;
      run.token = null;
      return client.searchJql(a, { jql, maxResults, fields: f });
    }
  };
  const advance = (res: { nextPageToken?: string | null; isLast?: boolean }) => {
    run.token = res.nextPageToken ?? null;
    run.scanDone = res.isLast ?? !run.token;
    if (run.scanDone) run.token = null;
  };
  const accept = (raw: RawIssue) => {
    const u = parseJiraTime(raw.fields.updated);
    if (Number.isNaN(u)) return void skipped.push({ ref: raw.key, reason: `fields.updated: unparseable time ${raw.fields.updated}` });
    const prev = run.seen[raw.id];
    if (prev !== undefined && prev >= u) return;
    try {
      issues.push(normalizeIssue(raw, fieldMap, siteUrl));
    } catch (e) {
      return void skipped.push({ ref: raw.key, reason: `normalize: ${(e as Error).message.slice(0, 200)}` });
    }
    // An issue this scan run already delivered, now in a newer version: it was edited mid-run, and
    // with offset tokens the rows after its old place slid back past a page boundary.
    if (run.mode === "scan" && prev !== undefined && run.delivered?.includes(raw.id)) run.editedMin = Math.min(run.editedMin ?? u, u);
    run.seen[raw.id] = u;
    if (run.mode === "scan") (run.delivered ??= []).push(raw.id);
    run.hw = run.hw === null ? u : Math.max(run.hw, u);
  };

  const inGap = (num: number) => (run.gaps ?? []).some(([lo, hi]) => num > lo && (hi === null || num < hi));

  if (run.pending.length > 0) {
    // Ids or keys to fetch: the keys a full run's page boundaries may have skipped (see `checkGaps`),
    // or ids left by a run that an older version of this connector started (it scanned first).
    const batch = run.pending.splice(0, PAGE_SIZE);
    const res = await client.bulkFetch(a, batch, fields);
    const { ok, skipped: bad } = parseLoose(RawIssueSchema, res.issues, refOf);
    skipped.push(...bad);
    // A key of an issue moved to another project answers with that issue: not this scope's.
    ok.filter((raw) => run.mode !== "full" || splitKey(raw.key)?.prefix === run.keyPrefix).forEach(accept);
  } else if (!run.scanDone) {
    // Both kinds of run search with the full field list, 100 a page (5,000 is documented only for
    // id/key searches, so a separate `updated` scan would take as many pages and then the fetches).
    const res = await search(PAGE_SIZE, fields);
    const { ok, skipped: bad } = parseLoose(RawIssueSchema, res.issues, refOf);
    skipped.push(...bad);
    for (const raw of ok) {
      const u = parseJiraTime(raw.fields.updated);
      if (run.mode === "scan" && !Number.isNaN(u)) run.pos = u;
      accept(raw);
    }
    if (run.mode === "full") noteBoundary(run, res.issues);
    advance(res);
    if (run.mode === "full" && run.scanDone) checkGaps(run);
    if (run.mode === "scan" && run.scanDone) planCheck(run, scope.id, tz);
  } else if (run.keyScan) {
    const res = await search(KEY_PAGE_SIZE, ["key"]);
    const queued = new Set(run.pending);
    for (const [i, raw] of res.issues.entries()) {
      const { key } = refOf(raw, i);
      const k = splitKey(key);
      if (key && k && k.prefix === run.keyPrefix && inGap(k.num) && !queued.has(key)) run.pending.push(key);
    }
    run.token = res.nextPageToken ?? null;
    if (res.isLast ?? !run.token) {
      run.keyScan = false;
      run.token = null;
    }
  } else if (run.check) {
    // Ids (5,000 a page) from the first page boundary on: one whose version we have is older than that
    // boundary, or none, was skipped by the walk (or changed since it started): fetch it.
    const { from } = run.check;
    const res = await search(KEY_PAGE_SIZE, ["id"], run.check.jql);
    const queued = new Set(run.pending);
    for (const [i, raw] of res.issues.entries()) {
      const id = refOf(raw, i).externalId;
      const prev = id === undefined ? undefined : run.seen[id];
      if (id !== undefined && (prev === undefined || prev < from) && !queued.has(id)) run.pending.push(id);
    }
    run.token = res.nextPageToken ?? null;
    if (res.isLast ?? !run.token) {
      run.check = null;
      run.token = null;
    }
  }
  // A full run keeps only the versions the next run's window will re-read; a scan run keeps all it
  // delivered (its window is what changed since the last run).
  if (run.mode === "full") {
    const keepFrom = runFloor(run);
    if (keepFrom !== null) run.seen = prune(run.seen, lowerBoundMs(keepFrom, OVERLAP_MS, tz));
  }

  const done = run.scanDone && !run.keyScan && !run.check && run.pending.length === 0;
  if (done) {
    c.hw = nextLowerBound(run);
    c.seen = c.hw === null ? {} : prune(run.seen, lowerBoundMs(c.hw, OVERLAP_MS, tz));
    c.run = null;
  }
  return { issues, skipped, cursor: JSON.stringify(c), hasMore: !done };
}

/**
 * A full run walks the project in key order, and `nextPageToken` is opaque: if it resumes by offset,
 * an issue deleted (or moved out) from a page already served shifts the rest back by one, and the next
 * page starts one issue late. Whatever was skipped lies strictly between the last key of one page and
 * the first key of the next (within a project, key order is number order), or after the last key when
 * the final page comes back empty. Those key ranges are noted here; `checkGaps` fetches them.
 */
function noteBoundary(run: NonNullable<SyncCursor["run"]>, rows: unknown[]): void {
  run.rows = (run.rows ?? 0) + rows.length;
  const keys = rows.map((r, i) => splitKey(refOf(r, i).key)).filter((k): k is { prefix: string; num: number } => k !== null);
  const last = run.lastNum ?? null;
  if (keys.length === 0) {
    if (last !== null && rows.length === 0) (run.gaps ??= []).push([last, null]);
    return;
  }
  run.keyPrefix ??= keys[0]!.prefix;
  const first = keys[0]!.num;
  // (A first page, or a query restarted after its token expired, starts at or before `last`: no gap.)
  if (last !== null && first > last + 1) (run.gaps ??= []).push([last, first]);
  run.lastNum = keys[keys.length - 1]!.num;
}

/**
 * After the walk: fetch the keys that the page boundaries left out. Most projects' keys have gaps of
 * their own (deleted and moved issues), so a boundary gap is usually not a skip; it costs one
 * `issue/bulkfetch` per 100 keys (unknown keys come back as `issueErrors`), and nothing when the keys
 * on each side of every boundary are consecutive. When the keys to try would take more requests than
 * walking the project's keys 5,000 a page (`fields: ["key"]`, the documented maximum), or the end is
 * open (the last page came back empty), walk the keys instead and fetch only those inside the gaps.
 */
function checkGaps(run: NonNullable<SyncCursor["run"]>): void {
  const gaps = run.gaps ?? [];
  if (gaps.length === 0 || run.keyPrefix === undefined) return;
  const open = gaps.some(([, hi]) => hi === null);
  const size = gaps.reduce((n, [lo, hi]) => n + (hi === null ? 0 : hi - lo - 1), 0);
  if (!open && Math.ceil(size / PAGE_SIZE) <= Math.max(1, Math.ceil((run.rows ?? 0) / KEY_PAGE_SIZE))) {
    for (const [lo, hi] of gaps) for (let n = lo + 1; n < hi!; n++) run.pending.push(`${run.keyPrefix}-${n}`);
  } else {
    run.keyScan = true;
    run.token = null;
  }
}

/**
 * The same for a later run, which walks `ORDER BY updated ASC, key ASC`: an issue deleted (or moved out)
 * behind a page boundary makes an offset-style token skip the row after it, whose `updated` is at or
 * after that boundary's. If the run took more than one page, one search for ids only (5,000 a page) from
 * the first boundary's minute on lists every row that can have been skipped; `seen` tells which
 * versions the run has (every row it read is in it), and the rest are fetched. One request per run of
 * more than 100 rows; nothing for a one-page run (a no-op re-sync).
 */
function planCheck(run: NonNullable<SyncCursor["run"]>, project: string, tz: string): void {
  const boundary = (run.marks ?? []).find(([, pos]) => pos !== null)?.[1];
  if (boundary === undefined || boundary === null) return;
  run.check = { jql: syncJql(project, lowerBound(boundary, 0, tz)), from: lowerBoundMs(boundary, 0, tz) };
  run.token = null;
}

/**
 * Where the next run starts (its high-water mark; the window opens a minute before). Not simply the
 * newest row seen, because `nextPageToken` is opaque and results eventually consistent:
 * - never after this run's start minus `SKEW_MS`: an issue edited during the run, or indexed late,
 *   is found by the next run even if its `updated` is older than rows this run delivered;
 * - if a scan run (ORDER BY updated) delivered an issue twice, it was edited mid-run; if the token
 *   resumes by offset, the edited issue moved to the end and one row per edit slid back past the
 *   next page boundary. Those rows sit at the first page transition asked for after the edit (minus
 *   `SKEW_MS`), so the next run starts there. With position tokens this only re-reads a little.
 *   (A full run goes in key order, where an edit moves nothing; what a deletion during it makes an
 *   offset token skip is fetched at the end of the run: `noteBoundary`, `checkGaps`.)
 */
function runFloor(run: NonNullable<SyncCursor["run"]>): number | null {
  if (run.hw === null) return null;
  return run.startedAt === undefined ? run.hw : Math.min(run.hw, run.startedAt - SKEW_MS);
}

function nextLowerBound(run: NonNullable<SyncCursor["run"]>): number | null {
  let next = runFloor(run);
  if (next === null) return null;
  if (run.editedMin !== null && run.editedMin !== undefined) {
    const mark = (run.marks ?? []).find(([at]) => at >= run.editedMin! - SKEW_MS);
    if (mark && mark[1] !== null) next = Math.min(next, mark[1]);
  }
  return next;
}
