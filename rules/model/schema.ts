/**
 * The serialized model: a linear scorer over token features (naive Bayes and
 * logistic regression both compile to this shape), plus the metadata needed to
 * reproduce and audit it.
 */
import { z } from "zod";
import { CONSTRAINTS, type Constraint } from "../../src/core/types";

export type Label = Constraint | "none";
export const LABELS: readonly Label[] = [...CONSTRAINTS, "none"];
export const LabelSchema = z.enum([...CONSTRAINTS, "none"]);

export const MODEL_KINDS = ["multinomial-nb", "complement-nb", "logistic-regression", "blend"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** How token counts become feature values (the same at train and predict time). */
export const FEATURE_TRANSFORMS = ["count", "binary", "log-l2"] as const;
export type FeatureTransform = (typeof FEATURE_TRANSFORMS)[number];

export const TrainOptionsSchema = z.object({
  kind: z.enum(MODEL_KINDS),
  /** Each title token counts this many times (body tokens count once). */
  titleWeight: z.number().positive(),
  /** Add adjacent-token bigrams (`a_b`) from the title only, from title and body, or not at all. */
  bigrams: z.enum(["none", "title", "all"]),
  transform: z.enum(FEATURE_TRANSFORMS),
  /** Only the first N kept body tokens count (long bodies drift off topic). */
  maxBodyTokens: z.number().int().positive(),
  /** Logistic regression: weight each row by n / (k * rows of its label) ("balanced") or not. */
  classWeight: z.enum(["none", "balanced"]),
  /** Keep tokens that occur in at least this many training rows. */
  minCount: z.number().int().min(1),
  maxFeatures: z.number().int().positive(),
  /** NB additive smoothing. */
  alpha: z.number().positive(),
  /** Logistic regression L2 penalty (per row, averaged loss). */
  l2: z.number().nonnegative(),
  epochs: z.number().int().positive(),
  learningRate: z.number().positive(),
  /** Scores are divided by this before the softmax (calibrates NB's overconfidence). */
  temperature: z.number().positive(),
  /** Use a uniform class prior instead of the training frequencies (NB). */
  uniformPrior: z.boolean(),
  seed: z.number().int(),
  /** kind "blend": scores = logistic regression + blend x multinomial NB (a product of experts, still linear). */
  blend: z.number().nonnegative(),
});
export type TrainOptions = z.infer<typeof TrainOptionsSchema>;

const Weights = z.array(z.number().finite());

export const TextModelSchema = z
  .object({
    version: z.literal(1),
    kind: z.enum(MODEL_KINDS),
    labels: z.array(LabelSchema).min(2),
    trainedOn: z.object({
      rows: z.number().int().nonnegative(),
      /** sha256 (hex) of the training file content; empty when trained in memory. */
      sha256: z.string().regex(/^([0-9a-f]{64})?$/),
      seedRows: z.number().int().nonnegative().optional(),
      seedSha256: z.string().regex(/^([0-9a-f]{64})?$/).optional(),
    }),
    hyperparameters: TrainOptionsSchema,
    /** Per-label bias (log prior for NB, intercept for logistic regression). */
    bias: Weights,
    /** token -> one weight per label, in `labels` order. */
    features: z.record(z.string(), Weights),
  })
  .superRefine((m, ctx) => {
    const n = m.labels.length;
    if (m.bias.length !== n) ctx.addIssue({ code: "custom", path: ["bias"], message: `expected ${n} weights, got ${m.bias.length}` });
    for (const [token, w] of Object.entries(m.features)) {
      if (w.length !== n) {
        ctx.addIssue({ code: "custom", path: ["features", token], message: `expected ${n} weights, got ${w.length}` });
        return;
      }
    }
  });

/**
 * The serializable model. Plain JSON: `JSON.stringify(model)` is the artifact.
 */
export type TextModel = z.infer<typeof TextModelSchema>;

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  kind: "multinomial-nb",
  titleWeight: 2,
  bigrams: "none",
  transform: "binary",
  maxBodyTokens: 400,
  classWeight: "none",
  minCount: 2,
  maxFeatures: 3000,
  alpha: 0.5,
  l2: 0.01,
  epochs: 300,
  learningRate: 1,
  temperature: 1,
  uniformPrior: false,
  seed: 1,
  blend: 0.5,
};
