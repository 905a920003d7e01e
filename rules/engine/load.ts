/**
 * Loading a rule pack: size limits first, then YAML/JSON parsing with line
 * numbers, zod validation, safety checks (RE2-only regexes, depth), and
 * `extends: default` merging.
 */
import { LineCounter, parseDocument, isMap, isSeq, isNode, isPair, isScalar, type Document } from "yaml";
import { RE2JS } from "re2js";
import { RulePackSchema, PACK_LIMITS, type Condition, type Rule, type RulePackSource, type ScoringConfig } from "./schema";
import { RulePackError, type RulePackIssue } from "./errors";
import { loadModel, type TextModel } from "./model";
import type { Calibration, OperatingPoint } from "../model/schema";
import { chooseThreshold } from "./calibration";

/** Where a pack's write-back threshold came from, and what it was measured to give. */
export interface WriteBackPoint {
  /** `pack`: set in the pack; `measured`: chosen from the model's grouped out-of-fold curve for the target precision; `default`: neither. */
  source: "pack" | "measured" | "default";
  /** Target precision of written labels. */
  targetPrecision: number;
  /** Measured at the threshold (grouped out-of-fold, on the model's labelled data), when known. */
  measured: OperatingPoint | null;
  /** True when the curve has no threshold that meets the target (then nothing is written). */
  unmet: boolean;
}

/** A validated, merged rule pack, ready for `compilePack`. */
export interface RulePack {
  name: string;
  file: string;
  threshold: number;
  writeBackThreshold: number;
  writeBack: WriteBackPoint;
  labelPrefix: string;
  model: TextModel | null;
  /** Maps the blended confidence to the probability that a verdict is right (from the model's training); null = identity. */
  calibration: Calibration | null;
  modelWeight: number;
  ruleWeight: number;
  scoring: ScoringConfig;
  evidenceWeights: Record<string, number>;
  rules: Rule[];
}

export interface LoadOptions {
  /** Reads the pack's `model:` file (path already resolved against the pack). Node callers pass a file reader. */
  readModel?: (path: string) => unknown;
  /** The pack `extends: default` resolves to. */
  defaultPack?: () => RulePack;
}

export const PACK_DEFAULTS = {
  threshold: 0.5,
  writeBackThreshold: 0.7,
  writeBackPrecision: 0.95,
  labelPrefix: "constraint:",
  modelWeight: 0.25,
  ruleWeight: 0.75,
} as const;

/**
 * The write-back threshold: the pack's own, else the lowest threshold on the model's measured
 * curve whose precision meets the target, else the base pack's or the default.
 */
function resolveWriteBack(src: RulePackSource, base: RulePack | null, model: TextModel | null): { threshold: number; point: WriteBackPoint } {
  const targetPrecision = src.writeBackPrecision ?? base?.writeBack.targetPrecision ?? PACK_DEFAULTS.writeBackPrecision;
  const curve = model?.evaluation?.operatingCurve;
  const at = (t: number) => curve?.find((p) => p.threshold >= t) ?? null;
  if (src.writeBackThreshold !== undefined) {
    return { threshold: src.writeBackThreshold, point: { source: "pack", targetPrecision, measured: at(src.writeBackThreshold), unmet: false } };
  }
  if (base && base.writeBack.source === "pack" && src.writeBackPrecision === undefined) return { threshold: base.writeBackThreshold, point: base.writeBack };
  if (curve && curve.length > 0) {
    const p = chooseThreshold(curve, targetPrecision);
    return { threshold: p?.threshold ?? 1, point: { source: "measured", targetPrecision, measured: p, unmet: p === null } };
  }
  return {
    threshold: base?.writeBackThreshold ?? PACK_DEFAULTS.writeBackThreshold,
    point: { source: "default", targetPrecision, measured: null, unmet: false },
  };
}

/** Resolves `rel` against the folder of `file`, POSIX style, without Node's path module. */
export function resolveRelative(file: string, rel: string): string {
  if (rel.startsWith("/")) return rel;
  const parts = file.split("/").slice(0, -1);
  for (const seg of rel.split("/")) {
    if (seg === "." || seg === "") continue;
    if (seg === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else parts.push(seg);
  }
  return parts.join("/") || ".";
}

function lineOf(doc: Document, lc: LineCounter, path: ReadonlyArray<PropertyKey>): number | null {
  let node: unknown = doc.contents;
  let best: number | null = null;
  const pos = (n: unknown) => {
    const r = isNode(n) ? n.range : undefined;
    return r ? lc.linePos(r[0]).line : null;
  };
  best = pos(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyLine = pos(pair.key);
      node = pair.value;
      best = pos(node) ?? keyLine ?? best;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) break;
      node = item;
      best = pos(node) ?? best;
    } else break;
  }
  return best;
}

type ZodIssueLike = { path: PropertyKey[]; message: string; code?: string; errors?: ZodIssueLike[][] };

/**
 * Flattens condition-union errors to the branch the author meant (by its keys),
 * so messages say what is wrong instead of "Invalid input".
 */
function explainZodIssue(issue: ZodIssueLike, prefix: PropertyKey[], root: unknown): Array<[PropertyKey[], string]> {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union" && issue.errors && issue.errors.length > 0) {
    if (path[path.length - 1] === "equals") return [[path, "equals takes a string, number or boolean"]];
    let value: unknown = root;
    for (const seg of path) value = value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return [[path, "expected a condition: { fact, <operator> } or { all | any | not }"]];
    }
    const keys = Object.keys(value);
    const branch = keys.includes("all") ? 0 : keys.includes("any") ? 1 : keys.includes("not") ? 2 : 3;
    const errs = issue.errors[branch] ?? issue.errors[issue.errors.length - 1] ?? [];
    return errs.flatMap((e) => explainZodIssue(e, path, root));
  }
  return [[path, issue.message]];
}

function conditionDepth(c: Condition): number {
  if ("all" in c) return 1 + Math.max(0, ...c.all.map(conditionDepth));
  if ("any" in c) return 1 + Math.max(0, ...c.any.map(conditionDepth));
  if ("not" in c) return 1 + conditionDepth(c.not);
  return 1;
}

function checkConditions(c: Condition, path: Array<string | number>, report: (p: Array<string | number>, m: string) => void) {
  if ("all" in c) c.all.forEach((x, i) => checkConditions(x, [...path, "all", i], report));
  else if ("any" in c) c.any.forEach((x, i) => checkConditions(x, [...path, "any", i], report));
  else if ("not" in c) checkConditions(c.not, [...path, "not"], report);
  else if (c.regex !== undefined) {
    try {
      RE2JS.compile(c.regex, RE2JS.CASE_INSENSITIVE);
    } catch (e) {
      report([...path, "regex"], `RE2 cannot compile this pattern (backreferences and lookaround are not supported): ${(e as Error).message}`);
    }
  }
}

/**
 * Parses and validates a pack's source. Throws `RulePackError` with every issue.
 *
 * @example
 * const pack = loadPackFromString("version: 1\nextends: default\ndisable: [docs]\n", "team.yaml");
 */
export function loadPackFromString(source: string, filename: string, opts: LoadOptions = {}): RulePack {
  const fail = (message: string, line: number | null = null, path = ""): never => {
    throw new RulePackError([{ file: filename, line, path, message }]);
  };
  if (source.length > PACK_LIMITS.maxSourceBytes || new TextEncoder().encode(source).length > PACK_LIMITS.maxSourceBytes) {
    fail(`pack source is larger than ${PACK_LIMITS.maxSourceBytes / 1024} KiB`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new RulePackError(
      doc.errors.map((e) => ({ file: filename, line: e.linePos?.[0]?.line ?? null, path: "", message: e.message.split("\n")[0] ?? e.message })),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    fail((e as Error).message);
  }
  const issues: RulePackIssue[] = [];
  const report = (path: ReadonlyArray<PropertyKey>, message: string) =>
    issues.push({ file: filename, line: lineOf(doc, lc, path), path: path.map(String).join("."), message });

  const parsed = RulePackSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) for (const [path, message] of explainZodIssue(issue as ZodIssueLike, [], raw)) report(path, message);
    throw new RulePackError(issues);
  }
  const src = parsed.data;
  const seen = new Set<string>();
  src.rules.forEach((rule, i) => {
    if (seen.has(rule.id)) report(["rules", i, "id"], `duplicate rule id "${rule.id}"`);
    seen.add(rule.id);
    const depth = conditionDepth(rule.when);
    if (depth > PACK_LIMITS.maxDepth) report(["rules", i, "when"], `conditions nest ${depth} deep; the limit is ${PACK_LIMITS.maxDepth}`);
    checkConditions(rule.when, ["rules", i, "when"], report);
  });
  if (issues.length > 0) throw new RulePackError(issues);

  return mergePack(src, filename, opts, report, () => {
    if (issues.length > 0) throw new RulePackError(issues);
  });
}

function mergePack(
  src: RulePackSource,
  filename: string,
  opts: LoadOptions,
  report: (path: ReadonlyArray<PropertyKey>, message: string) => void,
  flush: () => void,
): RulePack {
  let base: RulePack | null = null;
  if (src.extends === "default") {
    if (!opts.defaultPack) report(["extends"], "no default pack is available to extend here");
    else base = opts.defaultPack();
  }
  let model: TextModel | null = base?.model ?? null;
  if (src.model !== undefined) {
    const path = resolveRelative(filename, src.model);
    if (!opts.readModel) report(["model"], `the model file ${path} cannot be read in this context`);
    else {
      try {
        model = loadModel(opts.readModel(path));
      } catch (e) {
        report(["model"], `cannot load model ${path}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
  }
  let rules: Rule[] = src.rules;
  if (base) {
    const overrides = new Map(src.rules.map((r) => [r.id, r]));
    const disabled = new Set(src.disable ?? []);
    (src.disable ?? []).forEach((id, i) => {
      if (!base!.rules.some((r) => r.id === id) && !overrides.has(id)) report(["disable", i], `no rule "${id}" to disable`);
    });
    const merged: Rule[] = [];
    for (const r of base.rules) {
      if (disabled.has(r.id)) continue;
      const o = overrides.get(r.id);
      merged.push(o ?? r);
      overrides.delete(r.id);
    }
    for (const r of src.rules) if (overrides.has(r.id) && !disabled.has(r.id)) merged.push(r);
    rules = merged;
  } else if (src.disable?.length) {
    const disabled = new Set(src.disable);
    rules = rules.filter((r) => !disabled.has(r.id));
  }
  if (rules.length > PACK_LIMITS.maxRules) report(["rules"], `the merged pack has ${rules.length} rules; the limit is ${PACK_LIMITS.maxRules}`);
  flush();
  const writeBack = resolveWriteBack(src, base, model);
  return {
    name: src.name ?? filename.split("/").pop() ?? filename,
    file: filename,
    threshold: src.threshold ?? base?.threshold ?? PACK_DEFAULTS.threshold,
    writeBackThreshold: writeBack.threshold,
    writeBack: writeBack.point,
    labelPrefix: src.labelPrefix ?? base?.labelPrefix ?? PACK_DEFAULTS.labelPrefix,
    model,
    calibration: model?.calibration ?? null,
    modelWeight: src.modelWeight ?? base?.modelWeight ?? PACK_DEFAULTS.modelWeight,
    ruleWeight: src.ruleWeight ?? base?.ruleWeight ?? PACK_DEFAULTS.ruleWeight,
    scoring: mergeScoring(base?.scoring, src.scoring),
    evidenceWeights: { ...(base?.evidenceWeights ?? {}), ...(src.audit?.evidenceWeights ?? {}) },
    rules,
  };
}

function mergeScoring(base: ScoringConfig | undefined, over: ScoringConfig | undefined): ScoringConfig {
  if (!base) return over ?? {};
  if (!over) return base;
  return {
    ...base,
    ...over,
    base: { ...base.base, ...over.base },
    timing: { ...base.timing, ...over.timing },
  };
}
