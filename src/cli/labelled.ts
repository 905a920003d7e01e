/**
 * Reading the labelled evaluation files (`rules/data/*.jsonl`) into evaluation rows. Node-only.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { z } from "zod";
import { LABELS, type Label } from "../../rules/engine/combine";
import type { EvalRow, TrainRow } from "../../rules/evaluate";
import { groupOf } from "../../rules/model/index";
import { issueFromJsonl } from "../core/import";

const LabelSchema = z.enum(LABELS as [Label, ...Label[]]);

export interface LabelledFile {
  file: string;
  rows: EvalRow[];
  sha256: string;
}

/** One labelled JSONL file: `id`, `title`, `body`, `labels`, `tracker`, `constraint` per line. */
export function readLabelledFile(file: string): LabelledFile {
  const text = readFileSync(file, "utf8");
  const source = basename(file);
  const rows = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .map((l, i): EvalRow => {
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(l) as Record<string, unknown>;
      } catch (e) {
        throw new Error(`${file}:${i + 1}: invalid JSON: ${(e as Error).message}`);
      }
      const expected = LabelSchema.safeParse(obj.constraint ?? "none");
      if (!expected.success) throw new Error(`${file}:${i + 1}: constraint must be one of ${LABELS.join(", ")}`);
      const issue = issueFromJsonl(obj);
      const tracker = typeof obj.tracker === "string" ? obj.tracker : issue.key.startsWith("jira:") ? "jira" : "github";
      return { issue, expected: expected.data, group: groupOf(issue.key), tracker, source };
    });
  return { file, rows, sha256: createHash("sha256").update(text).digest("hex") };
}

/** Seed phrases: short written titles used as extra training rows, never scored. */
export function readSeedFile(file: string): { rows: TrainRow[]; sha256: string } {
  const text = readFileSync(file, "utf8");
  const rows = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const o = JSON.parse(l) as { title: string; body?: string; constraint: string };
      return { title: o.title, body: o.body ?? "", constraint: LabelSchema.parse(o.constraint) };
    });
  return { rows, sha256: createHash("sha256").update(text).digest("hex") };
}
