/**
 * The rule pack schema: what a `*.yaml` / `*.json` rule pack may contain.
 *
 * A pack is data, validated here at the boundary. `scripts/gen-rule-schema.ts`
 * exports it as JSON Schema to `rules/schema.json` for editors.
 *
 * @example
 * ```yaml
 * version: 1
 * extends: default
 * threshold: 0.5
 * rules:
 *   - id: flaky-tests
 *     when: { fact: title, keywords: [flaky test, flaky] }
 *     then: { vote: { constraint: reliability, weight: 3 } }
 * disable: [docs-getting-started]
 * ```
 */
import { z } from "zod";
import { CONSTRAINTS } from "../../domain/types";

/** Hard limits that keep a pack cheap to load and to run. */
export const PACK_LIMITS = {
  maxSourceBytes: 256 * 1024,
  maxRules: 500,
  maxTermsPerList: 200,
  maxPatternLength: 512,
  maxDepth: 8,
} as const;

export const VOTE_TARGETS = [...CONSTRAINTS, "none"] as const;

const Term = z.string().min(1).max(PACK_LIMITS.maxPatternLength);
const TermList = z.array(Term).min(1).max(PACK_LIMITS.maxTermsPerList);
const Scalar = z.union([z.string(), z.number(), z.boolean()]);

/**
 * The facts a rule can test. Text facts: `title`, `body` (cleaned), `text`
 * (title or body), `section:<Heading>`, and the list/strings below as text.
 */
export const FACT_PATTERN =
  /^(title|body|text|labels|type|components|priority|state|stateCategory|estimate|iteration|reactions|commentCount|duplicateCount|tracker|project|section:.+|custom:.+)$/;

const Fact = z
  .string()
  .regex(
    FACT_PATTERN,
    "unknown fact: use title, body, text, section:<Heading>, labels, type, components, priority, state, stateCategory, estimate, iteration, reactions, commentCount, duplicateCount, tracker, project or custom:<Field>",
  );

/** One test on one fact. Exactly one operator per condition. */
export const LeafConditionSchema = z
  .object({
    fact: Fact,
    keywords: TermList.optional().describe("case-insensitive words/phrases with simple inflections; `word*` matches a prefix"),
    regex: Term.optional().describe("RE2 syntax (no backreferences or lookaround), case-insensitive"),
    in: TermList.optional().describe("case-insensitive membership; `area/*` matches a prefix"),
    equals: Scalar.optional(),
    range: z.object({ min: z.number().optional(), max: z.number().optional() }).strict().optional(),
    exists: z.boolean().optional(),
  })
  .strict()
  .refine((c) => ["keywords", "regex", "in", "equals", "range", "exists"].filter((k) => c[k as keyof typeof c] !== undefined).length === 1, {
    message: "a condition needs exactly one operator: keywords, regex, in, equals, range or exists",
  });
export type LeafCondition = z.infer<typeof LeafConditionSchema>;

export type Condition = LeafCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(ConditionSchema).min(1) }).strict(),
    z.object({ any: z.array(ConditionSchema).min(1) }).strict(),
    z.object({ not: ConditionSchema }).strict(),
    LeafConditionSchema,
  ]),
);

const ScoreDeltas = z.object({ impact: z.number(), evidence: z.number(), confidence: z.number(), timing: z.number() }).partial().strict();

export const RuleSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._:/-]*$/i, "rule ids use letters, digits and . _ : / -")
      .max(100),
    description: z.string().max(500).optional(),
    when: ConditionSchema,
    then: z
      .object({
        vote: z
          .object({ constraint: z.enum(VOTE_TARGETS), weight: z.number().positive().max(100) })
          .strict()
          .optional(),
        scores: ScoreDeltas.optional(),
      })
      .strict()
      .refine((t) => t.vote !== undefined || t.scores !== undefined, { message: "then needs a vote, scores, or both" }),
  })
  .strict();
export type Rule = z.infer<typeof RuleSchema>;

const Step = z.object({ min: z.number().optional(), max: z.number().optional(), delta: z.number() }).strict();

/** Numeric scoring signals; word signals are ordinary rules with `then.scores`. */
export const ScoringSchema = z
  .object({
    base: ScoreDeltas.optional(),
    /** Impact delta by priority (1 urgent .. 4 low). */
    priority: z.record(z.string().regex(/^[0-4]$/), z.number()).optional(),
    reactions: z.array(Step).max(20).optional(),
    duplicates: z.array(Step).max(20).optional(),
    comments: z.array(Step).max(20).optional(),
    /** Confidence delta by estimate size. */
    estimate: z.array(Step).max(20).optional(),
    timing: z.object({ aligned: z.number(), misaligned: z.number(), activeIteration: z.number(), nextIteration: z.number() }).partial().strict().optional(),
  })
  .strict();
export type ScoringConfig = z.infer<typeof ScoringSchema>;

export const RulePackSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1),
    name: z.string().max(100).optional(),
    extends: z.literal("default").optional(),
    threshold: z.number().min(0).max(1).optional().describe("abstain below this confidence"),
    writeBackThreshold: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe("labels are written only at/above this confidence; omit to choose it from the model's measured precision (writeBackPrecision)"),
    writeBackPrecision: z
      .number()
      .min(0.5)
      .max(1)
      .optional()
      .describe("target precision of written labels: the write-back threshold is the lowest whose grouped out-of-fold precision meets it (default 0.95)"),
    labelPrefix: z.string().max(50).optional().describe("a human label `<prefix><constraint>` is ground truth"),
    model: z.string().max(300).optional().describe("path to a text model JSON, relative to the pack"),
    modelWeight: z.number().min(0).max(10).optional().describe("weight of the model's log-probabilities in the blend (0 ignores the model)"),
    ruleWeight: z.number().min(0).max(10).optional().describe("nats of evidence per unit of rule vote weight when blending with the model"),
    scoring: ScoringSchema.optional(),
    audit: z
      .object({ evidenceWeights: z.record(z.string(), z.number()).optional() })
      .strict()
      .optional(),
    rules: z.array(RuleSchema).max(PACK_LIMITS.maxRules).default([]),
    disable: z.array(z.string()).max(PACK_LIMITS.maxRules).optional(),
  })
  .strict();
export type RulePackSource = z.infer<typeof RulePackSchema>;
