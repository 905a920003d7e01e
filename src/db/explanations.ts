/**
 * Explanations as stored: each verdict reason and score reason a JSON tuple, so the key names
 * are not repeated in every row (they were ~45% of a classification's bytes). Rows written
 * before, as JSON objects, still read: `decode*` accept both.
 *
 * @example
 * encodeReasons([{ ruleId: "crash-words", source: "rule", constraint: "reliability", weight: 3, field: "title", match: "crash", span: [0, 5] }])
 * // => '[["crash-words",0,"reliability",3,"title","crash",0,5]]'
 */
import type { Reason, ScoreReason } from "../../domain/types";

const SOURCES = ["rule", "model", "label", "workspace-model"] as const;

export function encodeReasons(reasons: readonly Reason[]): string {
  return JSON.stringify(
    reasons.map((r) => {
      const t: unknown[] = [r.ruleId, SOURCES.indexOf(r.source), r.constraint, r.weight, r.field, r.match];
      if (r.span) t.push(r.span[0], r.span[1]);
      return t;
    }),
  );
}

/** Reasons as objects (for the schema to validate), from tuples or from the objects older rows hold. */
export function decodeReasons(stored: unknown): unknown {
  if (!Array.isArray(stored)) return stored;
  return stored.map((t) => {
    if (!Array.isArray(t)) return t;
    const [ruleId, source, constraint, weight, field, match, from, to] = t as [string, number, string | null, number, string, string, number?, number?];
    const r: Record<string, unknown> = { ruleId, source: SOURCES[source] ?? source, constraint, weight, field, match };
    if (typeof from === "number" && typeof to === "number") r.span = [from, to];
    return r;
  });
}

export function encodeScoreReasons(reasons: readonly ScoreReason[]): string {
  return JSON.stringify(reasons.map((r) => (r.match === undefined ? [r.dimension, r.signal, r.delta] : [r.dimension, r.signal, r.delta, r.match])));
}

export function decodeScoreReasons(stored: unknown): unknown {
  if (!Array.isArray(stored)) return stored;
  return stored.map((t) => {
    if (!Array.isArray(t)) return t;
    const [dimension, signal, delta, match] = t as [string, string, number, string?];
    return match === undefined ? { dimension, signal, delta } : { dimension, signal, delta, match };
  });
}
