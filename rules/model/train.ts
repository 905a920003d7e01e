/**
 * Training: vocabulary selection, then naive Bayes (multinomial or complement) or
 * L2-regularized softmax regression. Every kind ends as per-token weight vectors
 * plus a bias, centred per token across labels (softmax is unchanged by that shift,
 * and the centred weight reads as "how much this token pulls toward the label").
 */
import { docTokens, featureVector } from "./features";
import { seededRandom, shuffle } from "../../domain/random";
import { DEFAULT_TRAIN_OPTIONS, LABELS, TrainOptionsSchema, type Label, type TextModel, type TrainOptions } from "./schema";

export interface LabelledRow {
  title: string;
  body: string;
  constraint: Label;
  /** The team the row comes from (for `minGroups`); rows without one count as their own team. */
  group?: string;
  /** The tracker's labels (read with `labelWords`). */
  labels?: readonly string[];
}

type Vector = Map<string, number>;

/**
 * Tokens seen in at least `minCount` rows and in the rows of at least `minGroups` teams (so a
 * product name, module or person that only one team writes is not learned), the `maxFeatures`
 * most frequent (ties alphabetical).
 */
export function selectVocabulary(
  docs: Array<Set<string>>,
  minCount: number,
  maxFeatures: number,
  groups?: ReadonlyArray<string | undefined>,
  minGroups = 1,
): string[] {
  const df = new Map<string, number>();
  for (const doc of docs) for (const t of doc) df.set(t, (df.get(t) ?? 0) + 1);
  let teams: Map<string, Set<string>> | null = null;
  if (groups && minGroups > 1) {
    teams = new Map();
    docs.forEach((doc, i) => {
      const g = groups[i] ?? `#row${i}`;
      for (const t of doc) {
        let set = teams!.get(t);
        if (!set) teams!.set(t, (set = new Set()));
        if (set.size < minGroups) set.add(g);
      }
    });
  }
  return [...df]
    .filter(([t, n]) => n >= minCount && (teams === null || (teams.get(t)?.size ?? 0) >= minGroups))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, maxFeatures)
    .map(([t]) => t)
    .sort();
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4 + 0; // + 0 turns -0 into 0

/**
 * Train a model on labelled rows. Deterministic: the same rows and options give the
 * same JSON.
 *
 * @example
 * const model = train(rows, { kind: "logistic-regression", l2: 0.01 });
 * predict(model, { title: "Verification email never arrives", body: "" }).probs.activation;
 */
export function train(rows: LabelledRow[], opts: Partial<TrainOptions> = {}): TextModel {
  const o = TrainOptionsSchema.parse({ ...DEFAULT_TRAIN_OPTIONS, ...opts });
  if (rows.length === 0) throw new Error("train: no rows");
  const labels = LABELS;
  const docs = rows.map((r) => docTokens(r, o));
  const vocab = selectVocabulary(
    docs.map((d) => new Set([...d.title, ...d.body])),
    o.minCount,
    o.maxFeatures,
    rows.map((r) => r.group),
    o.minGroups,
  );
  const vocabSet = new Set(vocab);
  const xs = docs.map((d) => featureVector(d, o, vocabSet));
  const ys = rows.map((r) => labels.indexOf(r.constraint));
  const fit =
    o.kind === "blend"
      ? blendFits(fitLogistic(xs, ys, vocab, labels.length, o), fitNaiveBayes(xs, ys, vocab, labels.length, o), o.blend)
      : o.kind === "logistic-regression"
        ? fitLogistic(xs, ys, vocab, labels.length, o)
        : fitNaiveBayes(xs, ys, vocab, labels.length, o);

  const features: Record<string, number[]> = {};
  for (const t of vocab) {
    const w = fit.weights.get(t) ?? new Array<number>(labels.length).fill(0);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const centred = w.map((v) => round4(v - mean));
    if (centred.some((v) => v !== 0)) features[t] = centred;
  }
  const biasMean = fit.bias.reduce((s, v) => s + v, 0) / fit.bias.length;
  return {
    version: 1,
    kind: o.kind,
    labels: [...labels],
    trainedOn: { rows: rows.length, sha256: "" },
    hyperparameters: o,
    bias: fit.bias.map((v) => round4(v - biasMean)),
    features,
  };
}

function blendFits(a: Fit, b: Fit, weight: number): Fit {
  const weights = new Map<string, number[]>();
  for (const [t, w] of a.weights) {
    const v = b.weights.get(t) ?? w.map(() => 0);
    weights.set(
      t,
      w.map((x, c) => x + weight * (v[c] as number)),
    );
  }
  return { bias: a.bias.map((x, c) => x + weight * (b.bias[c] as number)), weights };
}

interface Fit {
  bias: number[];
  weights: Map<string, number[]>;
}

function fitNaiveBayes(xs: Vector[], ys: number[], vocab: string[], k: number, o: TrainOptions): Fit {
  const mass = vocab.map(() => new Float64Array(k)); // per token, per class: summed feature value
  const index = new Map(vocab.map((t, i) => [t, i]));
  const classCount = new Float64Array(k);
  xs.forEach((x, d) => {
    const y = ys[d] as number;
    classCount[y]! += 1;
    for (const [t, v] of x) (mass[index.get(t) as number] as Float64Array)[y]! += v;
  });
  const totalPerClass = new Float64Array(k);
  let total = 0;
  for (const m of mass) for (let c = 0; c < k; c++) (totalPerClass[c]! += m[c] as number), (total += m[c] as number);
  const v = vocab.length;
  const weights = new Map<string, number[]>();
  vocab.forEach((t, i) => {
    const m = mass[i] as Float64Array;
    const all = m.reduce((s, x) => s + x, 0);
    const w: number[] = [];
    for (let c = 0; c < k; c++) {
      if (o.kind === "complement-nb") {
        const comp = (all - (m[c] as number) + o.alpha) / (total - (totalPerClass[c] as number) + o.alpha * v);
        w.push(-Math.log(comp));
      } else {
        w.push(Math.log(((m[c] as number) + o.alpha) / ((totalPerClass[c] as number) + o.alpha * v)));
      }
    }
    weights.set(t, w);
  });
  const n = ys.length;
  const bias = [...classCount].map((count) => (o.uniformPrior || o.kind === "complement-nb" ? 0 : Math.log((count + 1) / (n + k))));
  return { bias, weights };
}

/** Softmax regression by full-batch gradient descent with momentum; the seed only orders the rows. */
function fitLogistic(xs: Vector[], ys: number[], vocab: string[], k: number, o: TrainOptions): Fit {
  const index = new Map(vocab.map((t, i) => [t, i]));
  const order = shuffle(
    xs.map((_, i) => i),
    seededRandom(o.seed),
  );
  const rows = order.map((i) => ({
    idx: Int32Array.from([...(xs[i] as Vector).keys()].map((t) => index.get(t) as number)),
    val: Float64Array.from((xs[i] as Vector).values()),
    y: ys[i] as number,
  }));
  const perClass = new Float64Array(k);
  for (const y of ys) perClass[y]! += 1;
  const rowWeight = (y: number) => (o.classWeight === "balanced" ? ys.length / (k * Math.max(1, perClass[y] as number)) : 1);
  const v = vocab.length;
  const w = new Float64Array(v * k);
  const b = new Float64Array(k);
  const gw = new Float64Array(v * k);
  const gb = new Float64Array(k);
  const mw = new Float64Array(v * k);
  const mb = new Float64Array(k);
  const p = new Float64Array(k);
  const n = rows.length;
  const momentum = 0.9;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    gw.fill(0);
    gb.fill(0);
    for (const r of rows) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let s = b[c] as number;
        for (let j = 0; j < r.idx.length; j++) s += (r.val[j] as number) * (w[(r.idx[j] as number) * k + c] as number);
        p[c] = s;
        if (s > max) max = s;
      }
      let z = 0;
      for (let c = 0; c < k; c++) z += p[c] = Math.exp((p[c] as number) - max);
      for (let c = 0; c < k; c++) {
        const g = ((p[c] as number) / z - (c === r.y ? 1 : 0)) * rowWeight(r.y);
        gb[c]! += g / n;
        for (let j = 0; j < r.idx.length; j++) gw[(r.idx[j] as number) * k + c]! += (g * (r.val[j] as number)) / n;
      }
    }
    for (let i = 0; i < w.length; i++) {
      mw[i] = momentum * (mw[i] as number) - o.learningRate * ((gw[i] as number) + o.l2 * (w[i] as number));
      w[i]! += mw[i] as number;
    }
    for (let c = 0; c < k; c++) {
      mb[c] = momentum * (mb[c] as number) - o.learningRate * (gb[c] as number);
      b[c]! += mb[c] as number;
    }
  }
  const weights = new Map<string, number[]>();
  vocab.forEach((t, i) => weights.set(t, Array.from(w.subarray(i * k, (i + 1) * k))));
  return { bias: Array.from(b), weights };
}
