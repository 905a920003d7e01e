/**
 * Which issues the review page asks about, in the order an answer is worth most. Pure.
 *
 * 1. abstained issues that are in the plan (active or next iteration) or carry strong evidence (score ≥ 4);
 * 2. then low-margin verdicts (top two constraints within `LOW_MARGIN`), closest first;
 * 3. then a small deterministic random sample of the rest (`SAMPLE_SHARE`, at least `SAMPLE_MIN`), to keep the estimate honest;
 * 4. then everything else in the same random order, for a team that wants to keep answering.
 *
 * Issues a person already labelled or answered are never asked.
 */
import type { Classification, Issue, Scores } from "../../../domain/types";

export const LOW_MARGIN = 0.2;
export const SAMPLE_SHARE = 0.05;
export const SAMPLE_MIN = 5;

export type ReviewBucket = "abstained" | "low-margin" | "sample" | "more";

export interface ReviewCandidate {
  id: string;
  issue: Pick<Issue, "externalId" | "iteration" | "createdAt">;
  classification: Classification | null;
  scores: Scores | null;
}

export interface ReviewItem {
  id: string;
  bucket: ReviewBucket;
  /** Why it is asked, in words. */
  why: string;
  margin: number | null;
}

const inPlan = (i: ReviewCandidate["issue"]) => i.iteration != null && (i.iteration.state === "active" || i.iteration.state === "next");

/** A stable share in [0, 1) per issue and seed. */
export function sampleShare(s: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

/**
 * @example
 * reviewQueue(assessed, new Set(["iss_answered"]), 1)[0] // { id: "iss_7", bucket: "abstained", why: "abstained; in the plan", margin: null }
 */
export function reviewQueue(candidates: readonly ReviewCandidate[], skip: ReadonlySet<string>, seed = 1): ReviewItem[] {
  const abstained: ReviewItem[] = [];
  const low: ReviewItem[] = [];
  const rest: ReviewCandidate[] = [];
  for (const c of candidates) {
    if (skip.has(c.id) || !c.classification || c.classification.decidedBy === "label") continue;
    const v = c.classification;
    const planned = inPlan(c.issue);
    const strong = (c.scores?.evidence ?? 0) >= 4;
    if (v.constraint === null && (planned || strong)) {
      abstained.push({
        id: c.id,
        bucket: "abstained",
        why: `abstained; ${[planned ? "in the plan" : "", strong ? "strong evidence" : ""].filter(Boolean).join(", ")}`,
        margin: null,
      });
      continue;
    }
    const margin = v.runnerUp ? Math.round((v.confidence - v.runnerUp.confidence) * 1000) / 1000 : v.confidence;
    if (v.constraint !== null && margin < LOW_MARGIN) {
      low.push({
        id: c.id,
        bucket: "low-margin",
        why: `low margin: ${v.constraint} ${v.confidence.toFixed(2)} vs ${v.runnerUp?.constraint ?? "—"} ${(v.runnerUp?.confidence ?? 0).toFixed(2)}`,
        margin,
      });
      continue;
    }
    rest.push(c);
  }
  abstained.sort((a, b) => a.id.localeCompare(b.id));
  low.sort((a, b) => a.margin! - b.margin! || a.id.localeCompare(b.id));
  const k = Math.max(SAMPLE_MIN, Math.ceil(rest.length * SAMPLE_SHARE));
  const shuffled = rest.map((c) => ({ c, r: sampleShare(c.id, seed) })).sort((a, b) => a.r - b.r || a.c.id.localeCompare(b.c.id));
  const sample = shuffled
    .slice(0, k)
    .map(({ c }) => ({ id: c.id, bucket: "sample" as const, why: "random sample: keeps the precision estimate honest", margin: null }));
  const more = shuffled
    .slice(k)
    .map(({ c }) => ({ id: c.id, bucket: "more" as const, why: "more answers: every one is an example this workspace learns from", margin: null }));
  return [...abstained, ...low, ...sample, ...more];
}
