/**
 * The fast path: a model compiled into typed arrays and a token→row Map. Words come
 * from a {@link Lexicon} scan (the rules engine's own, when classifying with a pack),
 * and each distinct word is normalized and looked up once per lexicon entry.
 */
import { Lexicon, UNRESOLVED, WordList } from "../engine/lexicon";
import type { Label, TextModel } from "./schema";
import { cleanBody, labelText, normalizeWord } from "./tokenize";

export interface Contribution {
  token: string;
  constraint: Label;
  weight: number;
}

/** What the model reads of an issue. */
export interface ModelInput {
  title: string;
  body: string;
  /** The tracker's labels; read only by a model trained with `labelWords`. */
  labels?: readonly string[];
}

export interface Prediction {
  /** One probability per label; sums to 1. */
  probs: Record<Label, number>;
  /** Tokens that pushed hardest toward the winning label (at most 5), strongest first. */
  top: Contribution[];
}

export interface CompiledModel {
  readonly labels: readonly Label[];
  /** Whether the model reads the tracker's labels as body words (`labelText`): callers add them with field 1. */
  readonly labelWords: boolean;
  /** Full prediction with explanation tokens. */
  predict(input: ModelInput): Prediction;
  /**
   * Write label probabilities (in `labels` order) into `out` and return the index of
   * the most probable label. The hot path for bulk classification.
   */
  probabilities(input: ModelInput, out: Float64Array): number;
  /**
   * The tokens that pushed hardest toward label index `best` (at most 5, strongest first) in
   * the input of the last `probabilities` call: `predict` without re-reading the text.
   */
  contributions(best: number): Contribution[];
  /**
   * Allocation-free {@link contributions}: rows and (unrounded) weights of the strongest
   * contributions into the arrays (at least 5 long); returns how many. Read tokens with `token`.
   */
  top(best: number, rows: Int32Array, weights: Float64Array): number;
  /** The token of a vocabulary row. */
  token(row: number): string;
  /** A reader of words scanned by `lexicon` (the rules engine's), for classifying with the rules in one pass. */
  reader(lexicon: Lexicon): WordReader;
}

const DROPPED = -2;
const UNKNOWN = -1;
const TOP = 5;

/**
 * Feeds words a {@link Lexicon} has already scanned into the model: the rules engine scans
 * each text once and hands the same word list to its keyword indexes and to this reader.
 */
export interface WordReader {
  /** Starts a new document (title and body). */
  begin(): void;
  /** Adds the words of the title (`field` 0) or of the cleaned body (1), scanned by the reader's lexicon. */
  add(words: WordList, field: 0 | 1): void;
  /** Writes label probabilities (in `labels` order) into `out`; returns the best label's index. */
  finish(out: Float64Array): number;
}

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
  /** Occurrences of each feature in the title (2·row) and the body (2·row + 1): one cache line per feature. */
  const counts = new Int32Array(vocab.length * 2);
  const touched = new Int32Array(vocab.length);
  /** Feature value of each touched feature, in `touched` order (read sequentially, not by row). */
  const xs = new Float64Array(vocab.length);
  let nTouched = 0;
  const count = (i: number, field: 0 | 1) => {
    const at = i << 1;
    if (counts[at] === 0 && counts[at + 1] === 0) touched[nTouched++] = i;
    counts[at + field]! += 1;
  };

  /**
   * A reader bound to one lexicon: each entry's vocabulary row is computed once, when the lexicon
   * first sees the word, and kept as the lexicon's attribute (so scans hand it over with the word).
   */
  const reader = (lexicon: Lexicon): WordReader => {
    const tokens: Array<string | null | undefined> = [];
    lexicon.onReset((staticCount) => {
      tokens.length = Math.min(tokens.length, staticCount);
    });
    const tokenOf = (e: number): string | null => {
      let t = tokens[e];
      if (t === undefined) t = tokens[e] = normalizeWord(lexicon.word(e));
      return t;
    };
    lexicon.setAttribute((word) => {
      const token = normalizeWord(word);
      return token === null ? DROPPED : (index.get(token) ?? UNKNOWN);
    });
    const add = (words: WordList, field: 0 | 1): void => {
      const { n, entry, flags, attr } = words;
      // Body words count up to maxBodyTokens kept tokens (a local: a closure variable costs a store per word).
      let left = field === 0 ? 0x7fffffff : Math.min(h.maxBodyTokens, 0x7fffffff);
      const bigrams = field === 0 ? h.bigrams !== "none" : h.bigrams === "all";
      let prev: string | null = null;
      for (let j = 0; j < n; j++) {
        if (flags[j] !== 0) continue;
        let row = attr[j]!;
        if (row === UNRESOLVED) row = lexicon.resolveAttribute(entry[j]!);
        if (row === DROPPED) continue;
        if (left === 0) break;
        left--;
        if (row >= 0) count(row, field);
        if (bigrams) {
          const token = tokenOf(entry[j]!) as string;
          if (prev !== null) {
            const row2 = index.get(`${prev}_${token}`);
            if (row2 !== undefined) count(row2, field);
          }
          prev = token;
        }
      }
    };
    return { begin: () => void (nTouched = 0), add, finish: (out) => scoreInto(out) };
  };

  /** Fills xs (per touched feature) from the counters and resets them; returns the number of touched features. */
  const binary = h.transform === "binary";
  const logL2 = h.transform === "log-l2";
  const titleWeight = h.titleWeight;
  const featurize = (): number => {
    let norm = 0;
    for (let j = 0; j < nTouched; j++) {
      const i = touched[j] as number;
      const tc = counts[i << 1] as number;
      const bc = counts[(i << 1) + 1] as number;
      let v: number;
      if (binary) v = (tc > 0 ? titleWeight : 0) + (bc > 0 ? 1 : 0);
      else {
        v = titleWeight * tc + bc;
        if (logL2) v = Math.log1p(v);
      }
      xs[j] = v;
      norm += v * v;
      counts[i << 1] = 0;
      counts[(i << 1) + 1] = 0;
    }
    if (logL2 && norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let j = 0; j < nTouched; j++) xs[j]! *= inv;
    }
    return nTouched;
  };

  const scoreInto = (out: Float64Array): number => {
    const n = featurize();
    if (k === 6) {
      // The default six labels: accumulate in locals (no store per feature and label).
      let s0 = bias[0]!,
        s1 = bias[1]!,
        s2 = bias[2]!,
        s3 = bias[3]!,
        s4 = bias[4]!,
        s5 = bias[5]!;
      for (let j = 0; j < n; j++) {
        const v = xs[j] as number;
        const r = (touched[j] as number) * 6;
        s0 += v * w[r]!;
        s1 += v * w[r + 1]!;
        s2 += v * w[r + 2]!;
        s3 += v * w[r + 3]!;
        s4 += v * w[r + 4]!;
        s5 += v * w[r + 5]!;
      }
      out[0] = s0;
      out[1] = s1;
      out[2] = s2;
      out[3] = s3;
      out[4] = s4;
      out[5] = s5;
    } else {
      for (let c = 0; c < k; c++) out[c] = bias[c] as number;
      for (let j = 0; j < n; j++) {
        const v = xs[j] as number;
        const row = (touched[j] as number) * k;
        for (let c = 0; c < k; c++) out[c]! += v * (w[row + c] as number);
      }
    }
    let best = 0;
    for (let c = 1; c < k; c++) if ((out[c] as number) > (out[best] as number)) best = c;
    const max = out[best] as number;
    let z = 0;
    for (let c = 0; c < k; c++) z += out[c] = Math.exp(((out[c] as number) - max) * invT);
    for (let c = 0; c < k; c++) out[c]! /= z;
    return best;
  };

  // The standalone path (training, CV, `predict`): its own lexicon, same reader.
  const own = new Lexicon();
  const ownReader = reader(own);
  const ownWords = new WordList();
  const labelWords = h.labelWords === true;
  const probabilities = (input: ModelInput, out: Float64Array): number => {
    own.maintain();
    ownReader.begin();
    own.scan(input.title, ownWords);
    ownReader.add(ownWords, 0);
    if (labelWords && input.labels && input.labels.length > 0) {
      own.scan(labelText(input.labels), ownWords);
      ownReader.add(ownWords, 1);
    }
    if (input.body) {
      own.scan(cleanBody(input.body), ownWords);
      ownReader.add(ownWords, 1);
    }
    return ownReader.finish(out);
  };

  /**
   * Writes the (at most TOP) strongest positive contributions to label `best` in the last
   * featurized input into `rows`/`weights`, strongest first (ties: token order); returns how many.
   * Insertion into a fixed-size list: no sort, no allocation.
   */
  const top = (best: number, rows: Int32Array, weights: Float64Array): number => {
    let count = 0;
    // A weight must exceed this to enter: 0 until the list is full, then its weakest weight.
    let floor = 0;
    for (let j = 0; j < nTouched; j++) {
      const i = touched[j] as number;
      const weight = (xs[j] as number) * (w[i * k + best] as number);
      if (weight <= floor) continue;
      let at = count < TOP ? count++ : TOP - 1;
      while (
        at > 0 &&
        ((weights[at - 1] as number) < weight || (weights[at - 1] === weight && (vocab[rows[at - 1] as number] as string) > (vocab[i] as string)))
      ) {
        weights[at] = weights[at - 1] as number;
        rows[at] = rows[at - 1] as number;
        at--;
      }
      weights[at] = weight;
      rows[at] = i;
      if (count === TOP) floor = weights[TOP - 1] as number;
    }
    return count;
  };
  const topRows = new Int32Array(TOP);
  const topWeights = new Float64Array(TOP);

  /** The TOP strongest positive contributions to label `best` in the last featurized input, strongest first. */
  const contributions = (best: number): Contribution[] => {
    const winner = labels[best] as Label;
    const n = top(best, topRows, topWeights);
    const out: Contribution[] = new Array<Contribution>(n);
    for (let j = 0; j < n; j++) {
      out[j] = { token: vocab[topRows[j] as number] as string, constraint: winner, weight: Math.round((topWeights[j] as number) * 1e4) / 1e4 };
    }
    return out;
  };

  const predict = (input: ModelInput): Prediction => {
    const out = new Float64Array(k);
    const best = probabilities(input, out);
    const probs = {} as Record<Label, number>;
    for (let c = 0; c < k; c++) probs[labels[c] as Label] = out[c] as number;
    return { probs, top: contributions(best) };
  };

  return { labels, labelWords, predict, probabilities, contributions, top, token: (row) => vocab[row] as string, reader };
}
