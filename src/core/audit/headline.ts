import { CONSTRAINT_GUIDE } from "./constraints";
import type { AuditReport } from "./schema";

export const pct = (x: number) => `${Math.round(x * 100)}%`;
export const points = (x: number) => `${Math.round(x * 100)} point${Math.round(x * 100) === 1 ? "" : "s"}`;

/** The one-sentence verdict at the top of every rendering. */
export function headline(r: AuditReport): string {
  const d = r.dominant;
  if (!d.constraint && (r.diagnosis.verdict === "thin" || r.diagnosis.verdict === "split")) {
    const decide = r.diagnosis.decidingEvidence[0];
    return `No clear bottleneck: ${r.diagnosis.verdict === "split" ? `${d.pressures[0]!.constraint} and ${d.pressures[1]!.constraint} carry similar pressure` : "the evidence is too thin to name one"}${decide ? `. What would decide it: ${decide.charAt(0).toLowerCase()}${decide.slice(1)}` : "."}`;
  }
  if (!d.constraint) {
    return r.totals.open === 0 ? "There are no open issues to audit." : "No open issue has a constraint yet, so the bottleneck cannot be inferred.";
  }
  const label = CONSTRAINT_GUIDE[d.constraint].label;
  const lead = d.runnerUp
    ? `${label} is your bottleneck (${pct(d.share)} of evidence pressure, ${points(d.margin)} ahead of ${d.runnerUp})`
    : `${label} is your bottleneck (all of the evidence pressure)`;
  if (r.drift.value === null) return `${lead}; nothing is planned yet.`;
  const verdict = r.drift.level === "aligned" ? "the plan is aligned" : r.drift.level === "watch" ? "watch the plan" : "the plan has drifted into a wish list";
  return `${lead}; ${pct(r.drift.value)} of planned effort works elsewhere, so ${verdict}.`;
}
