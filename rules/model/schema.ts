/**
 * The serialized model: a linear scorer over token features (naive Bayes and
 * logistic regression both compile to this shape), plus the metadata needed to
 * reproduce and audit it.
 */
import { z } from "zod";
import { CONSTRAINTS, type Constraint } from "../../domain/types";

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
  /** Read the tracker's labels as body words ("label <name>"), see `labelText`. */
  labelWords: z.boolean().default(false),
  /** Only the first N kept body tokens count (long bodies drift off topic). */
  maxBodyTokens: z.number().int().positive(),
  /** Logistic regression: weight each row by n / (k * rows of its label) ("balanced") or not. */
  classWeight: z.enum(["none", "balanced"]),
  /** Keep tokens that occur in at least this many training rows. */
  minCount: z.number().int().min(1),
  /** Keep tokens that occur in the rows of at least this many teams (rows carry their team). */
  minGroups: z.number().int().min(1).default(1),
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

/**
 * A map from a pack's raw verdict confidence to the probability that the verdict is right,
 * fitted on out-of-fold verdicts grouped by team (isotonic regression). Knots `[raw, calibrated]`,
 * raw ascending; linear between knots, flat beyond the ends.
 */
export const CalibrationSchema = z.object({
  method: z.literal("isotonic"),
  /** Out-of-fold verdicts it was fitted on. */
  rows: z.number().int().nonnegative(),
  points: z.array(z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)])),
});
export type Calibration = z.infer<typeof CalibrationSchema>;

/** Writing every verdict at/above `threshold` (calibrated): measured precision, coverage (of all rows) and verdicts written. */
export const OperatingPointSchema = z.object({
  threshold: z.number().min(0).max(1),
  precision: z.number().min(0).max(1),
  coverage: z.number().min(0).max(1),
  rows: z.number().int().nonnegative(),
});
export type OperatingPoint = z.infer<typeof OperatingPointSchema>;

/** How the shipped pack measured on its labelled data, by cross-validation grouped by team. */
export const EvaluationSchema = z.object({
  method: z.string(),
  rows: z.number().int().nonnegative(),
  groups: z.number().int().nonnegative(),
  accuracy: z.number(),
  ece: z.number(),
  /** Precision and coverage of written labels at each calibrated threshold (0.01 steps). */
  operatingCurve: z.array(OperatingPointSchema),
});
export type Evaluation = z.infer<typeof EvaluationSchema>;

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
      seedSha256: z
        .string()
        .regex(/^([0-9a-f]{64})?$/)
        .optional(),
      /** Each labelled file trained on (sha256 above is of their concatenation). */
      files: z.array(z.object({ name: z.string(), rows: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).optional(),
    }),
    hyperparameters: TrainOptionsSchema,
    /** Per-label bias (log prior for NB, intercept for logistic regression). */
    bias: Weights,
    /** token -> one weight per label, in `labels` order. */
    features: z.record(z.string(), Weights),
    /** The default pack's confidence calibration (written by scripts/train-model.ts). */
    calibration: CalibrationSchema.optional(),
    /** The default pack's grouped out-of-fold figures, from which a pack's write-back threshold is chosen. */
    evaluation: EvaluationSchema.optional(),
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
  labelWords: false,
  classWeight: "none",
  minCount: 2,
  minGroups: 1,
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
