/**
 * The Linear sync cursor. Linear filters `updatedAt` with millisecond
 * precision and orders by `updatedAt` with ties, so the checkpoint is a
 * timestamp plus the ids already seen at exactly that timestamp:
 *
 * - a run queries `updatedAt >= since` (fixed for the whole run) and pages
 *   with Relay `after: endCursor`;
 * - issues in `idsAtSince` were delivered by an earlier run and are dropped;
 * - the run tracks the largest `updatedAt` it saw and the ids at it, which
 *   become the next run's `since` / `idsAtSince`.
 *
 * `gte` + exclusion instead of a strict `gt`: an issue that is updated later
 * but lands on the same millisecond as the checkpoint is still found, and
 * the issues at the checkpoint are not sent twice. The re-sync of an
 * unchanged team is one request returning only the excluded ids.
 */
import { z } from "zod";

export const EPOCH = "1970-01-01T00:00:00.000Z";

const CursorSchema = z.object({
  v: z.literal(1),
  /** Lower bound of this run (inclusive). */
  since: z.string(),
  /** Already delivered ids with updatedAt == since. */
  idsAtSince: z.array(z.string()),
  /** Relay cursor inside the current run, null between runs. */
  after: z.string().nullable(),
  /** Largest updatedAt seen in the current run, and the ids at it. */
  maxSeen: z.string().nullable(),
  idsAtMax: z.array(z.string()),
  /** Label dictionary continuation, when a workspace has many labels. */
  labelsAfter: z.string().nullable().optional(),
  /** Where the previous page of this run ended (its oldest `updatedAt`): the upper bound of the next page's `withNeeds`. */
  needsUpTo: z.string().nullable().optional(),
  /** The page size this scope's Linear accepted, once a larger one was refused (absent: the default). */
  first: z.number().int().min(1).max(250).optional(),
});
export type LinearCursor = z.infer<typeof CursorSchema>;

export function initialCursor(): LinearCursor {
  return { v: 1, since: EPOCH, idsAtSince: [], after: null, maxSeen: null, idsAtMax: [] };
}

/** Decode an opaque cursor; a missing or foreign cursor starts a full sync. */
export function decodeCursor(s: string | null): LinearCursor {
  if (!s) return initialCursor();
  try {
    const r = CursorSchema.safeParse(JSON.parse(s));
    return r.success ? r.data : initialCursor();
  } catch {
    return initialCursor();
  }
}

export function encodeCursor(c: LinearCursor): string {
  return JSON.stringify(c);
}

/** Fold one page's (id, updatedAt) pairs into the run's running maximum. */
export function advance(c: LinearCursor, seen: Array<{ id: string; updatedAt: string }>): LinearCursor {
  let maxSeen = c.maxSeen;
  let maxMs = maxSeen ? Date.parse(maxSeen) : -Infinity;
  let ids = new Set(c.idsAtMax);
  for (const s of seen) {
    const ms = Date.parse(s.updatedAt);
    if (ms > maxMs) {
      maxMs = ms;
      maxSeen = new Date(ms).toISOString();
      ids = new Set([s.id]);
    } else if (ms === maxMs) ids.add(s.id);
  }
  return { ...c, maxSeen, idsAtMax: [...ids] };
}

/** The checkpoint after a run ends: next run starts at the largest timestamp seen. */
export function finishRun(c: LinearCursor): LinearCursor {
  if (!c.maxSeen) return { ...c, after: null, maxSeen: null, idsAtMax: [] };
  const sameAsSince = Date.parse(c.maxSeen) === Date.parse(c.since);
  const idsAtSince = sameAsSince ? [...new Set([...c.idsAtSince, ...c.idsAtMax])] : c.idsAtMax;
  return { v: 1, since: c.maxSeen, idsAtSince, after: null, maxSeen: null, idsAtMax: [], ...(c.first ? { first: c.first } : {}) };
}
