/**
 * From an issue to token features: title and body tokens (with optional bigrams),
 * then the feature transform. Training uses these functions directly; the compiled
 * predictor re-implements the same arithmetic on typed arrays.
 */
import type { FeatureTransform, TrainOptions } from "./schema";
import { cleanBody, labelText, tokenize } from "./tokenize";

export interface DocTokens {
  title: string[];
  body: string[];
}

/** Tokens plus `a_b` bigrams of adjacent kept tokens (stemmed tokens never contain `_`). */
export function withBigrams(tokens: string[]): string[] {
  const out = tokens.slice();
  for (let i = 1; i < tokens.length; i++) out.push(`${tokens[i - 1]}_${tokens[i]}`);
  return out;
}

/**
 * @example
 * docTokens({ title: "Slow dashboard", body: "" }, { bigrams: "title", maxBodyTokens: 400 })
 * // => { title: ["slow", "dashboard", "slow_dashboard"], body: [] }
 */
export function docTokens(
  input: { title: string; body: string; labels?: readonly string[] },
  opts: Pick<TrainOptions, "bigrams" | "maxBodyTokens"> & { labelWords?: boolean },
): DocTokens {
  const title = tokenize(input.title);
  const body = tokenize(cleanBody(input.body)).slice(0, opts.maxBodyTokens);
  // Label words are body words, read (and capped) on their own, as the fast path reads them.
  const labels = opts.labelWords && input.labels?.length ? tokenize(labelText(input.labels)).slice(0, opts.maxBodyTokens) : [];
  const bodyPart = (t: string[]) => (opts.bigrams === "all" ? withBigrams(t) : t);
  return {
    title: opts.bigrams === "none" ? title : withBigrams(title),
    body: labels.length ? [...bodyPart(labels), ...bodyPart(body)] : bodyPart(body),
  };
}

/** Combine title and body occurrence counts of one token into its raw value. */
export function rawValue(transform: FeatureTransform, titleWeight: number, titleCount: number, bodyCount: number): number {
  if (transform === "binary") return (titleCount > 0 ? titleWeight : 0) + (bodyCount > 0 ? 1 : 0);
  const c = titleWeight * titleCount + bodyCount;
  return transform === "log-l2" ? Math.log1p(c) : c;
}

/**
 * Feature values of one document, restricted to `vocab` when given. With `log-l2`
 * the vector is L2-normalized over the kept features.
 */
export function featureVector(
  doc: DocTokens,
  opts: Pick<TrainOptions, "transform" | "titleWeight">,
  vocab?: { has(token: string): boolean },
): Map<string, number> {
  const counts = new Map<string, [number, number]>();
  const add = (tokens: string[], field: 0 | 1) => {
    for (const t of tokens) {
      if (vocab && !vocab.has(t)) continue;
      let c = counts.get(t);
      if (!c) counts.set(t, (c = [0, 0]));
      c[field]++;
    }
  };
  add(doc.title, 0);
  add(doc.body, 1);
  const out = new Map<string, number>();
  let norm = 0;
  for (const [t, [tc, bc]] of counts) {
    const v = rawValue(opts.transform, opts.titleWeight, tc, bc);
    out.set(t, v);
    norm += v * v;
  }
  if (opts.transform === "log-l2" && norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (const [t, v] of out) out.set(t, v * inv);
  }
  return out;
}
