/**
 * Incremental issue sync over `GET /repos/{o}/{r}/issues?since=…`.
 *
 * GitHub's `since` is inclusive and has second precision, and a page-number
 * walk (`Link: rel=next`) drifts when an issue on an earlier page is updated
 * mid-sync (everything after it shifts one slot left and one issue is never
 * seen). So each page restarts from the last `updated_at` seen, and the cursor
 * carries the ids already delivered at that second:
 *
 * - normal page → next request is `since = last updated_at`, page 1, and the
 *   ids at that second are skipped when they come back (usually one overlap);
 * - a whole page sharing one second (more than 100 issues updated together) →
 *   same `since`, next page number (`Link: rel=next`), ids accumulate;
 * - no `rel=next` → caught up; the cursor is the checkpoint for the next run,
 *   and a re-sync with nothing new costs exactly one request.
 *
 * @example
 * const step = planPage(decodeCursor(cursor), marks, hasNext);
 */
import { z } from "zod";

export interface GithubCursor {
  v: 1;
  /** ISO second (`2026-01-02T03:04:05Z`) to pass as `since`, or null for a full sync. */
  since: string | null;
  /** Issue ids (including PRs) already delivered whose updated_at equals `since`. */
  seen: string[];
  /** Page of the `since` query to fetch next (> 1 only inside a tie wider than a page). */
  page: number;
}

const CursorSchema = z.object({
  v: z.literal(1),
  since: z.string().nullable(),
  seen: z.array(z.string()),
  page: z.number().int().min(1),
});

export const START: GithubCursor = { v: 1, since: null, seen: [], page: 1 };

/** Decode an opaque cursor; an unknown or old format restarts with a full sync rather than failing. */
export function decodeCursor(cursor: string | null): GithubCursor {
  if (!cursor) return START;
  try {
    const r = CursorSchema.safeParse(JSON.parse(cursor));
    return r.success ? r.data : START;
  } catch {
    return START;
  }
}

export function encodeCursor(c: GithubCursor): string {
  return JSON.stringify(c);
}

/** Normalize a GitHub timestamp to whole-second ISO (`…Z`), the precision `since` works at. */
export function toSecond(iso: string): string | null {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export interface Mark {
  id: string;
  second: string;
}

/** Whether an item was already delivered at the cursor's timestamp. */
export function alreadySeen(cursor: GithubCursor, mark: Mark | null): boolean {
  return mark !== null && cursor.since !== null && mark.second === cursor.since && cursor.seen.includes(mark.id);
}

/**
 * The cursor after a page whose items (in the order received) have these
 * marks. `hasNext` is whether the response had `Link: rel=next`.
 */
export function nextCursor(cursor: GithubCursor, marks: Mark[], hasNext: boolean): GithubCursor {
  const last = marks.at(-1);
  if (!last) return { ...cursor, page: hasNext ? cursor.page + 1 : 1 };
  const atLast = marks.filter((m) => m.second === last.second).map((m) => m.id);
  const carried = cursor.since === last.second ? cursor.seen : [];
  const seen = [...new Set([...carried, ...atLast])];
  const wholePageTied = atLast.length === marks.length;
  // A page entirely inside one second: the query `since = that second` orders
  // the same, so continue by page number there.
  if (wholePageTied && hasNext) return { v: 1, since: last.second, seen, page: cursor.since === last.second ? cursor.page + 1 : 2 };
  return { v: 1, since: last.second, seen, page: 1 };
}
