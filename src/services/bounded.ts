/**
 * Runs one write-back's tracker writes with at most `concurrency` in flight
 * (p-limit). The first error stops new work from starting; the writes already
 * in flight finish (so their ledger rows are settled), then that error is
 * thrown, as the sequential loop did.
 *
 * @example
 * await forEachBounded(plan.actions, connector.writeConcurrency, (action) => apply(action));
 */
import pLimit from "p-limit";

export async function forEachBounded<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  const limit = pLimit(Math.max(1, Math.floor(concurrency)));
  let stop: { error: unknown } | null = null;
  await Promise.all(
    items.map((item) =>
      limit(async () => {
        if (stop) return;
        try {
          await fn(item);
        } catch (error) {
          stop ??= { error };
        }
      }),
    ),
  );
  if (stop) throw (stop as { error: unknown }).error;
}

/**
 * Splits write-back actions into the first label write that wants each label
 * name (run one at a time: it may create the label on the tracker) and the rest.
 * Order within each part is kept.
 */
export function splitLabelCreators<A extends { kind: string }>(actions: readonly A[], desiredOf: (a: A) => string[]): { first: A[]; rest: A[] } {
  const seen = new Set<string>();
  const first: A[] = [];
  const rest: A[] = [];
  for (const a of actions) {
    const fresh = a.kind === "labels" ? desiredOf(a).filter((n) => !seen.has(n.toLowerCase())) : [];
    for (const n of fresh) seen.add(n.toLowerCase());
    (fresh.length ? first : rest).push(a);
  }
  return { first, rest };
}
