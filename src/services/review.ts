/**
 * Review answers and accepted mappings: the actions behind the review page and its API. An answer
 * can write its label through the normal write-back path (the connection's mode, the ledger, undo).
 */
import YAML from "yaml";
import { mappingRule, type MappingKind } from "../core/learning";
import type { ExampleLabel } from "../db/learning";
import { getSettings } from "../db/workspaces";
import type { Deps } from "../deps";
import type { Config } from "../env";
import { AppError } from "../errors";
import { applySettingsPatch } from "../routes/api/settings";
import { mappingsFor, recordAnswer } from "./learning";
import { runWriteback, startWritebackRun } from "./writeback";

export interface AnswerOutcome {
  issueId: string;
  answer: ExampleLabel;
  assessment: NonNullable<Awaited<ReturnType<typeof recordAnswer>>>;
  writeback: { runId: string; mode: "dry-run" | "on"; planned: number; applied: number } | null;
  /** Why nothing was written, when `write` was asked and nothing was. */
  writebackNote: string | null;
}

/**
 * @example
 * await answerReview(env.DB, config, deps, "ws_1", { issueId: "iss_7", answer: "reliability", write: true, by: "ana" });
 * // { writeback: { runId: "wbr_…", mode: "dry-run", planned: 2, applied: 0 }, ... }
 */
export async function answerReview(
  db: D1Database,
  config: Config,
  deps: Deps,
  workspaceId: string,
  p: { issueId: string; answer: ExampleLabel; write: boolean; by: string | null },
): Promise<AnswerOutcome> {
  const now = new Date(deps.now());
  const assessment = await recordAnswer(db, workspaceId, { issueId: p.issueId, answer: p.answer, by: p.by, now });
  if (!assessment) throw new AppError("not_found", "No such issue in this workspace");
  if (!p.write) return { issueId: p.issueId, answer: p.answer, assessment, writeback: null, writebackNote: null };
  const runId = await startWritebackRun(db, { workspaceId, connectionId: assessment.connectionId, now });
  if (!runId)
    return {
      issueId: p.issueId,
      answer: p.answer,
      assessment,
      writeback: null,
      writebackNote: "write-back is off for this connection (or it is not active): nothing was written",
    };
  const r = await runWriteback(db, config, deps, { workspaceId, connectionId: assessment.connectionId, runId, issueIds: [p.issueId] });
  return {
    issueId: p.issueId,
    answer: p.answer,
    assessment,
    writeback: r ? { runId: r.runId, mode: r.mode, planned: r.planned, applied: r.applied } : null,
    writebackNote: r ? null : "the write-back run did not start",
  };
}

/**
 * Accepts a learned mapping into the workspace's rule pack as an ordinary rule (a pack that
 * extends the default one is created when the workspace has none). The pack is validated and the
 * workspace reclassified, exactly as a pack saved in Settings.
 */
export async function acceptMapping(
  env: { DB: D1Database; SYNC_QUEUE: Queue },
  workspaceId: string,
  p: { kind: MappingKind; value: string },
  now: Date,
): Promise<{ ruleId: string; rulePack: string }> {
  const mapping = (await mappingsFor(env.DB, workspaceId)).find((m) => m.kind === p.kind && m.value.toLowerCase() === p.value.toLowerCase());
  if (!mapping) throw new AppError("not_found", `No learned mapping for ${p.kind} "${p.value}"`);
  if (mapping.accepted) throw new AppError("conflict", `The rule ${mapping.ruleId} is already in the workspace's pack`);
  const settings = (await getSettings(env.DB, workspaceId))!;
  const doc = settings.rulePack ? (YAML.parseDocument(settings.rulePack) as YAML.Document) : new YAML.Document({ version: 1, extends: "default", rules: [] });
  if (!YAML.isMap(doc.contents)) throw new AppError("conflict", "The workspace's rule pack is not a mapping; edit it in Settings");
  const rules = doc.get("rules");
  if (rules === undefined || rules === null) doc.set("rules", doc.createNode([mappingRule(mapping)]));
  else if (YAML.isSeq(rules)) rules.add(doc.createNode(mappingRule(mapping)));
  else throw new AppError("conflict", "The workspace's rule pack has no rules list; edit it in Settings");
  const source = doc.toString();
  await applySettingsPatch(env, workspaceId, { rulePack: source }, now);
  return { ruleId: mapping.ruleId, rulePack: source };
}
