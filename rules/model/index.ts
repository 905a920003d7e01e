/**
 * A small learned text model that helps the rules engine classify issues into
 * constraints. Pure TypeScript, runtime-neutral (Workers, Node, browsers).
 *
 * Import it as `rules/model/index`, not `rules/model`: bundlers (Vite, esbuild)
 * resolve the bare path to the sibling artifact `rules/model.json` first.
 *
 * @example
 * import { loadModel, predict } from "../model/index";
 * const model = loadModel(JSON.parse(text));
 * const { probs, top } = predict(model, { title: "Signup email never arrives", body: "" });
 */
import { compileModel, type CompiledModel, type ModelInput, type Prediction } from "./compile";
import { TextModelSchema, type Label, type TextModel } from "./schema";

export { compileModel, type CompiledModel, type Contribution, type ModelInput, type Prediction, type WordReader } from "./compile";
export { crossValidate, groupedFolds, groupOf, stratifiedFolds, type CrossValidateOptions, type CrossValidation } from "./cross-validate";
export { docTokens, featureVector } from "./features";
export {
  DEFAULT_TRAIN_OPTIONS,
  LABELS,
  LabelSchema,
  TextModelSchema,
  type Label,
  type ModelKind,
  type TextModel,
  type TrainOptions,
} from "./schema";
export { cleanBody, forEachWord, labelText, normalizeWord, stem, tokenize } from "./tokenize";
export { train, type LabelledRow } from "./train";

const compiled = new WeakMap<TextModel, CompiledModel>();

/**
 * Label probabilities and the tokens that drove the winner. Compiles the model on
 * first use and caches it per model object, so repeated calls are fast.
 */
export function predict(model: TextModel, input: ModelInput): Prediction {
  return compiledFor(model).predict(input);
}

/** The model compiled for fast prediction, compiled once per model object and cached. */
export function compiledFor(model: TextModel): CompiledModel {
  let fast = compiled.get(model);
  if (!fast) compiled.set(model, (fast = compileModel(model)));
  return fast;
}

/** The most probable label, or null when its probability is below `threshold`. */
export function classify(model: TextModel, input: ModelInput, threshold = 0): Label | null {
  const { probs } = predict(model, input);
  let best: Label | null = null;
  let p = -1;
  for (const [label, value] of Object.entries(probs) as Array<[Label, number]>) {
    if (value > p) (best = label), (p = value);
  }
  return p >= threshold ? best : null;
}

/**
 * Validate parsed JSON as a model; throws an Error naming every problem.
 *
 * @example
 * loadModel({ version: 2 }, "rules/model.json") // throws "rules/model.json is not a valid text model (version: ...)"
 */
export function loadModel(json: unknown, name = "model"): TextModel {
  const parsed = TextModelSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
    const shown = issues.slice(0, 5).join("; ") + (issues.length > 5 ? `; and ${issues.length - 5} more` : "");
    throw new Error(`${name} is not a valid text model (${shown}). Retrain it with: npx tsx scripts/train-model.ts`);
  }
  return parsed.data;
}
