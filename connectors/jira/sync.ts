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

  const search = async (maxResults: number, f: string[]) => {
    if (run.token) (run.marks ??= []).push([now(), run.pos]);
    try {
      return await client.searchJql(a, { jql: run.jql, nextPageToken: run.token ?? undefined, maxResults, fields: f });
    } catch (e) {
      // A nextPageToken expires after 7 days: restart the run's query (the seen-set absorbs the re-reads).
      if (!(e instanceof ConnectorError && e.code === "invalid-response" && e.details.status === 400 && run.token)) throw e;
      run.token = null;
      return client.searchJql(a, { jql: run.jql, maxResults, fields: f });
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

  if (run.pending.length > 0) {
    // Ids left to fetch by a run that an older version of this connector started (it scanned first).
    const batch = run.pending.splice(0, PAGE_SIZE);
    const res = await client.bulkFetch(a, batch, fields);
    const { ok, skipped: bad } = parseLoose(RawIssueSchema, res.issues, refOf);
    skipped.push(...bad);
    ok.forEach(accept);
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
    advance(res);
  }
  // A full run keeps only the versions the next run's window will re-read; a scan run keeps all it
  // delivered (its window is what changed since the last run).
  if (run.mode === "full") {
    const keepFrom = runFloor(run);
    if (keepFrom !== null) run.seen = prune(run.seen, lowerBoundMs(keepFrom, OVERLAP_MS, tz));
  }

  const done = run.scanDone && run.pending.length === 0;
  if (done) {
    c.hw = nextLowerBound(run);
    c.seen = c.hw === null ? {} : prune(run.seen, lowerBoundMs(c.hw, OVERLAP_MS, tz));
    c.run = null;
  }
  return { issues, skipped, cursor: JSON.stringify(c), hasMore: !done };
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
 *   (A full run goes in key order, where an edit moves nothing; a deletion during it can still hide
 *   one issue behind an offset token until that issue next changes.)
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
