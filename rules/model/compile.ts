/**
 * The fast path: a model compiled into typed arrays and a token→row Map, with a
 * hash table of word normalizations. `probabilities` allocates only the lowercased
 * text (and the cleaned body when it has noise to strip).
 */
import type { Label, TextModel } from "./schema";
import { cleanBody, normalizeWord, scanWords } from "./tokenize";

export interface Contribution {
  token: string;
  constraint: Label;
  weight: number;
}

export interface Prediction {
  /** One probability per label; sums to 1. */
  probs: Record<Label, number>;
  /** Tokens that pushed hardest toward the winning label (at most 5), strongest first. */
  top: Contribution[];
}

export interface CompiledModel {
  readonly labels: readonly Label[];
  /** Full prediction with explanation tokens. */
  predict(input: { title: string; body: string }): Prediction;
  /**
   * Write label probabilities (in `labels` order) into `out` and return the index of
   * the most probable label. The hot path for bulk classification.
   */
  probabilities(input: { title: string; body: string }, out: Float64Array): number;
  /**
   * The tokens that pushed hardest toward label index `best` (at most 5, strongest first) in
   * the input of the last `probabilities` call: `predict` without re-reading the text.
   */
  contributions(best: number): Contribution[];
}

/** Word cache slots (a power of two); cleared when half full. */
const TABLE_SIZE = 1 << 13;
const TABLE_LIMIT = TABLE_SIZE >> 1;
const DROPPED = -2;
const UNKNOWN = -1;
const TOP = 5;

/**
 * @example
 * const fast = compileModel(model);
 * const out = new Float64Array(fast.labels.length);
 * const best = fast.probabilities({ title: "CI is slow", body: "" }, out);
 * fast.labels[best]; // => "throughput"
 */
export function compileModel(model: TextModel): CompiledModel {
  const labels = model.labels as Label[];
  const k = labels.length;
  const h = model.hyperparameters;
  const vocab = Object.keys(model.features);
  const index = new Map<string, number>();
  const w = new Float64Array(vocab.length * k);
  vocab.forEach((t, i) => {
    index.set(t, i);
    w.set(model.features[t] as number[], i * k);
  });
  const bias = Float64Array.from(model.bias);
  const invT = 1 / h.temperature;
  const titleCount = new Float64Array(vocab.length);
  const bodyCount = new Float64Array(vocab.length);
  const touched = new Int32Array(vocab.length);
  const x = new Float64Array(vocab.length);
  let nTouched = 0;
  // Open-addressing table: raw word -> vocabulary row (or DROPPED / UNKNOWN). Keyed by the
  // scanner's hash and verified char by char against a character pool, so a seen word costs
  // no allocation; slot metadata is interleaved in one small Int32Array so a probe touches
  // one cache line. A cache only: when it fills up it is cleared and refilled.
  const meta = new Int32Array(TABLE_SIZE * 4); // [hash, length + 1 (0 = empty), pool offset, row]
  const slotToken: Array<string | null> = new Array<string | null>(TABLE_SIZE).fill(null);
  let pool = new Uint16Array(TABLE_LIMIT * 8);
  let poolUsed = 0;
  let used = 0;

  let field = 0;
  let prev: string | null = null;
  let bigrams = false;
  let budget = Infinity;
  const count = (i: number) => {
    if (titleCount[i] === 0 && bodyCount[i] === 0) touched[nTouched++] = i;
    if (field === 0) titleCount[i]! += 1;
    else bodyCount[i]! += 1;
  };
  const lookup = (s: string, start: number, end: number, hash: number): number => {
    const len = end - start;
    let slot = hash & (TABLE_SIZE - 1);
    for (;;) {
      const m = slot << 2;
      const l1 = meta[m + 1]!;
      if (l1 === 0) break;
      if (meta[m] === hash && l1 === len + 1) {
        const off = meta[m + 2]!;
        let k = 0;
        while (k < len && pool[off + k] === s.charCodeAt(start + k)) k++;
        if (k === len) return slot;
      }
      slot = (slot + 1) & (TABLE_SIZE - 1);
    }
    if (used >= TABLE_LIMIT) {
      meta.fill(0);
      slotToken.fill(null);
      used = 0;
      poolUsed = 0;
      slot = hash & (TABLE_SIZE - 1);
    }
    if (poolUsed + len > pool.length) {
      const bigger = new Uint16Array(Math.max(pool.length * 2, poolUsed + len));
      bigger.set(pool.subarray(0, poolUsed));
      pool = bigger;
    }
    for (let k = 0; k < len; k++) pool[poolUsed + k] = s.charCodeAt(start + k);
    const token = normalizeWord(s.slice(start, end));
    const m = slot << 2;
    meta[m] = hash;
    meta[m + 1] = len + 1;
    meta[m + 2] = poolUsed;
    meta[m + 3] = token === null ? DROPPED : (index.get(token) ?? UNKNOWN);
    slotToken[slot] = token;
    poolUsed += len;
    used++;
    return slot;
  };
  const visit = (s: string, start: number, end: number, hash: number) => {
    const slot = lookup(s, start, end, hash);
    const row = meta[(slot << 2) + 3]!;
    if (row === DROPPED || budget <= 0) return;
    budget--;
    if (row >= 0) count(row);
    if (bigrams) {
      const token = slotToken[slot] as string;
      if (prev !== null) {
        const row2 = index.get(`${prev}_${token}`);
        if (row2 !== undefined) count(row2);
      }
      prev = token;
    }
  };

  /** Fills x[touched] and resets the counters; returns the number of touched features. */
  const featurize = (input: { title: string; body: string }): number => {
    nTouched = 0;
    field = 0;
    prev = null;
    bigrams = h.bigrams !== "none";
    budget = Infinity;
    scanWords(input.title, visit);
    field = 1;
    prev = null;
    bigrams = h.bigrams === "all";
    budget = h.maxBodyTokens;
    if (input.body) scanWords(cleanBody(input.body), visit);
    let norm = 0;
    for (let j = 0; j < nTouched; j++) {
      const i = touched[j] as number;
      const tc = titleCount[i] as number;
      const bc = bodyCount[i] as number;
      let v: number;
      if (h.transform === "binary") v = (tc > 0 ? h.titleWeight : 0) + (bc > 0 ? 1 : 0);
      else {
        v = h.titleWeight * tc + bc;
        if (h.transform === "log-l2") v = Math.log1p(v);
      }
      x[i] = v;
      norm += v * v;
      titleCount[i] = 0;
      bodyCount[i] = 0;
    }
    if (h.transform === "log-l2" && norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let j = 0; j < nTouched; j++) x[touched[j] as number]! *= inv;
    }
    return nTouched;
  };

  const probabilities = (input: { title: string; body: string }, out: Float64Array): number => {
    const n = featurize(input);
    for (let c = 0; c < k; c++) out[c] = bias[c] as number;
    for (let j = 0; j < n; j++) {
      const i = touched[j] as number;
      const v = x[i] as number;
      const row = i * k;
      for (let c = 0; c < k; c++) out[c]! += v * (w[row + c] as number);
    }
    let best = 0;
    for (let c = 1; c < k; c++) if ((out[c] as number) > (out[best] as number)) best = c;
    const max = out[best] as number;
    let z = 0;
    for (let c = 0; c < k; c++) z += out[c] = Math.exp(((out[c] as number) - max) * invT);
    for (let c = 0; c < k; c++) out[c]! /= z;
    return best;
  };

  /** The TOP strongest positive contributions to label `best` in the last featurized input, strongest first. */
  const contributions = (best: number): Contribution[] => {
    const winner = labels[best] as Label;
    // keep the TOP strongest positive contributions by insertion (no full sort)
    const topRow: number[] = [];
    const topWeight: number[] = [];
    for (let j = 0; j < nTouched; j++) {
      const i = touched[j] as number;
      const weight = (x[i] as number) * (w[i * k + best] as number);
      if (weight <= 0 || (topRow.length === TOP && weight <= (topWeight[TOP - 1] as number))) continue;
      let at = topRow.length < TOP ? topRow.length : TOP - 1;
      while (at > 0 && ((topWeight[at - 1] as number) < weight || (topWeight[at - 1] === weight && (vocab[topRow[at - 1] as number] as string) > (vocab[i] as string)))) {
        topWeight[at] = topWeight[at - 1] as number;
        topRow[at] = topRow[at - 1] as number;
        at--;
      }
      topWeight[at] = weight;
      topRow[at] = i;
      if (topRow.length > TOP) (topRow.length = TOP), (topWeight.length = TOP);
    }
    const top: Contribution[] = new Array<Contribution>(topRow.length);
    for (let n = 0; n < topRow.length; n++) {
      top[n] = { token: vocab[topRow[n] as number] as string, constraint: winner, weight: Math.round((topWeight[n] as number) * 1e4) / 1e4 };
    }
    return top;
  };

  const predict = (input: { title: string; body: string }): Prediction => {
    const out = new Float64Array(k);
    const best = probabilities(input, out);
    const probs = {} as Record<Label, number>;
    for (let c = 0; c < k; c++) probs[labels[c] as Label] = out[c] as number;
    return { probs, top: contributions(best) };
  };

  return { labels, predict, probabilities, contributions };
}
