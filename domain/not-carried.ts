/**
 * Some sources carry only part of an issue: a Linear webhook payload has no
 * comment count and its cycle lacks Linear's "next"/"future" flags. The
 * builder then names those fields as not carried, and the stored copy's
 * values are kept, so a webhook never changes the content hash by leaving a
 * field out (which would reclassify the issue, and the next sync flip it back).
 *
 * @example
 * keepStoredFields(fromWebhook, stored, ["commentCount"]).commentCount; // stored.commentCount
 */
import type { Issue } from "./types";

/** Fields of an `Issue` a source may leave out. */
export type NotCarriedField = "commentCount" | "duplicateCount" | "reactions" | "iteration" | "startedAt" | "customerRequests";

/**
 * The issue with each not-carried field taken from `stored` (when there is a stored copy).
 * `iteration` is kept only while the issue is still in the same iteration: the source did
 * carry which cycle it is in, just not the cycle's state.
 */
export function keepStoredFields(incoming: Issue, stored: Issue | null, notCarried: readonly NotCarriedField[]): Issue {
  if (!stored || notCarried.length === 0) return incoming;
  const out: Issue = { ...incoming };
  for (const f of notCarried) {
    if (f === "iteration") {
      if (incoming.iteration && stored.iteration && incoming.iteration.id === stored.iteration.id) out.iteration = stored.iteration;
    } else if (f === "startedAt" || f === "customerRequests") {
      // Evidence: optional on an Issue, kept only where the stored copy has it.
      if (stored[f] === undefined) delete out[f];
      else (out as Record<string, unknown>)[f] = stored[f];
    } else out[f] = stored[f];
  }
  return out;
}
