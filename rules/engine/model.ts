/**
 * The seam to the learned text model in `rules/model/`. The engine only needs
 * `predict`, `train` and `loadModel`; the model JSON is opaque here.
 */
import * as textModel from "../model/index";

export type TextModel = textModel.TextModel;
export type CompiledModel = textModel.CompiledModel;
export type WordReader = textModel.WordReader;
export type ModelLabel = import("../../domain/types").Constraint | "none";

export interface ModelPrediction {
  probs: Record<ModelLabel, number>;
  top: Array<{ token: string; constraint: ModelLabel; weight: number }>;
}

export function loadModel(json: unknown): TextModel {
  return textModel.loadModel(json);
}

/** The compiled (fast) form of a model, cached per model object. */
export function compiledModel(model: TextModel): CompiledModel {
  return textModel.compiledFor(model);
}

export function trainModel(
  rows: Array<{ title: string; body: string; constraint: ModelLabel; group?: string; labels?: readonly string[] }>,
  opts?: object,
): TextModel {
  return textModel.train(rows, opts as never);
}

/** The content hash the model was trained on, when it records one. */
export function modelTrainedOnSha256(model: TextModel): string | null {
  const m = model as unknown as { trainedOn?: { sha256?: string } };
  return m.trainedOn?.sha256 || null;
}
