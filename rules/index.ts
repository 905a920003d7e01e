/**
 * The rules engine's public API, used by the Worker and the CLI alike.
 * Runtime-neutral: no file system, no fetch. The default pack is embedded in
 * `default-pack.generated.ts` (regenerate with `npx tsx scripts/gen-rule-schema.ts`),
 * so it loads the same under esbuild/wrangler and Node/tsx.
 *
 * @example
 * import { loadDefaultPack, compilePack, classify, scoreIssue } from "../rules";
 * const compiled = compilePack(loadDefaultPack());
 * const c = classify(compiled, issue);
 * const s = scoreIssue(compiled, issue, c, { dominant: "reliability" });
 */
import { DEFAULT_MODEL_JSON, DEFAULT_PACK_FILE, DEFAULT_PACK_SOURCE } from "./default-pack.generated";
import { loadPackFromString as loadRaw, resolveRelative, type LoadOptions, type RulePack } from "./engine/load";

export { RulePackError, formatIssue, type RulePackIssue } from "./engine/errors";
export { compilePack, evaluatePack, type CompiledPack, type Evaluation } from "./engine/compile";
export { classify, constraintFromLabels, type ClassifyOptions } from "./engine/classify";
export { combineVotes, type Combined, type CombineOptions } from "./engine/combine";
export { scoreIssue } from "./engine/score";
export { cleanBody } from "./engine/clean-text";
export { RulePackSchema, PACK_LIMITS, type Rule, type Condition } from "./engine/schema";
export type { RulePack, LoadOptions } from "./engine/load";

let cachedDefault: RulePack | null = null;

/**
 * The built-in pack (`rules/default.yaml`, with its model when one is embedded).
 *
 * @example
 * const pack = loadDefaultPack(); // pack.threshold === 0.5
 */
export function loadDefaultPack(): RulePack {
  cachedDefault ??= loadRaw(DEFAULT_PACK_SOURCE, DEFAULT_PACK_FILE, {
    readModel: (path) => {
      if (DEFAULT_MODEL_JSON === null) throw new Error(`no embedded model for ${path}; run scripts/gen-rule-schema.ts`);
      return DEFAULT_MODEL_JSON;
    },
  });
  return cachedDefault;
}

/**
 * Parses and validates a pack from its YAML or JSON source. `extends: default`
 * resolves to the built-in pack. Throws `RulePackError` listing every problem
 * with file, line and path.
 *
 * @example
 * const pack = loadPackFromString("version: 1\nextends: default\ndisable: [adoption-workflow]\n", "team.yaml");
 */
export function loadPackFromString(source: string, filename: string, opts: LoadOptions = {}): RulePack {
  return loadRaw(source, filename, { defaultPack: loadDefaultPack, ...opts });
}

export { resolveRelative };
