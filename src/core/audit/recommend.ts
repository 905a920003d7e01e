import { CONSTRAINT_GUIDE } from "./constraints";
import { pct, points } from "./headline";
import { rowRef } from "./rows";
import type { AuditReport, AuditRow, Recommendation } from "./schema";

const MAX_RECOMMENDATIONS = 5;

const keys = (rows: AuditRow[], n: number) => rows.slice(0, n).map((r) => `${r.key} (“${clip(r.title)}”)`);
const clip = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const list = (xs: string[]) => (xs.length <= 1 ? xs.join("") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Three to five pieces of advice, most important first: the first scaling move
 * as a 30/60/90 plan, then what to cut, what disagrees, what is missing.
 */
export function recommend(r: AuditReport): Recommendation[] {
  const out: Recommendation[] = [];
  const d = r.dominant;
  const dom = d.constraint;

  if (r.followUp) out.push(followUpAdvice(r));
  if (!dom && (r.diagnosis.verdict === "thin" || r.diagnosis.verdict === "split")) {
    const top = d.pressures.slice(0, 2).filter((p) => p.pressure > 0);
    out.unshift({
      kind: "gather-evidence",
      title: "Do not pick a bottleneck yet: gather the evidence that decides it",
      text: `${r.diagnosis.sentence} Before committing 90 days, collect: ${list(r.diagnosis.decidingEvidence.map((x) => x.replace(/\.$/, "")))}.`,
      steps: [],
      issues: [],
    });
    if (top.length > 0) {
      out.push({
        kind: "hold-the-line",
        title: "Keep the plan small until the bottleneck is clear",
        text: `The leading candidates are ${list(top.map((p) => `${p.constraint} (${pct(p.share)} of the pressure)`))}. Keep planned work to what has customer or incident evidence behind it, and run the audit again in 30 days.`,
        steps: [],
        issues: [],
      });
    }
    return out.slice(0, MAX_RECOMMENDATIONS);
  }
  if (!dom) {
    out.length = 0;
    out.push({
      kind: "classify-more",
      title: "Give the open backlog constraints before judging the plan",
      text:
        r.totals.open === 0
          ? "There is no open work to audit yet. Connect a tracker with open issues and run the audit again."
          : `None of the ${plural(r.totals.open, "open issue")} has a constraint, so there is no evidence to weigh. Label a sample of them (or tune the rules) and run the audit again.`,
      steps: [],
      issues: [],
    });
    return out;
  }

  const g = CONSTRAINT_GUIDE[dom];
  const top = d.evidence;
  const best = r.missingFromPlan.rows[0] ?? null;
  const lead = d.runnerUp
    ? `${g.label} carries ${pct(d.share)} of the evidence pressure, ${points(d.margin)} ahead of ${d.runnerUp}.`
    : `${g.label} carries all of the evidence pressure.`;
  out.push({
    kind: "first-move",
    title: `Make ${dom} your first scaling move: improve ${g.improveFirst}`,
    text: `${lead} ${r.diagnosis.sentence} The signs: ${g.looksLike}. Spend the next 90 days on it before anything else.`,
    steps: [
      {
        days: "1–30",
        title: "Diagnose and choose",
        text: top.length
          ? `Read the strongest evidence, ${list(keys(top, 3))}; find what they have in common and choose one improvement to ${g.improveFirst}.`
          : `Collect evidence for ${dom} and choose one improvement to ${g.improveFirst}.`,
        issues: top.slice(0, 3).map(rowRef),
      },
      {
        days: "31–60",
        title: "Ship the highest-leverage improvement",
        text: best
          ? `Plan and ship ${best.key} (“${clip(best.title)}”): the strongest-evidence ${dom} work that is not in the plan yet.`
          : top[0]
            ? `Ship the improvement chosen in the first month, starting from ${top[0].key} (“${clip(top[0].title)}”).`
            : "Ship the improvement chosen in the first month.",
        issues: best ? [rowRef(best)] : top.slice(0, 1).map(rowRef),
      },
      {
        days: "61–90",
        title: "Measure and decide",
        text: `Run this audit again and compare: today ${dom} has ${pct(d.share)} of the pressure${r.drift.value !== null ? ` and drift is ${pct(r.drift.value)}` : ""}. If ${dom} pressure fell, decide whether ${d.runnerUp ?? "another constraint"} is the next bottleneck; if not, dig deeper on ${dom}.`,
        issues: [],
      },
    ],
    issues: top.map(rowRef),
  });

  if (r.focus.agrees === false && r.focus.declared) {
    out.push({
      kind: "focus-disagrees",
      title: `Your declared focus (${r.focus.declared}) disagrees with the evidence (${dom})`,
      text: `The backlog's evidence points to ${dom}, not ${r.focus.declared}. Either the evidence misses something you know (write it down and label the issues that show it) or the plan should follow the evidence.`,
      steps: [],
      issues: top.slice(0, 3).map(rowRef),
    });
  }

  if (r.drift.level === "drifted" && r.wishList.total > 0) {
    const rows = r.wishList.rows;
    out.push({
      kind: "cut-wish-list",
      title: `Cut or park ${plural(r.wishList.total, "wish-list item")}`,
      text: `${pct(r.drift.value ?? 0)} of planned effort is off the bottleneck. These planned items are off ${dom} and weakly evidenced: ${list(keys(rows, 5))}${r.wishList.total > 5 ? `, and ${r.wishList.total - 5} more` : ""}. Move them out of the current plan until evidence for them appears.`,
      steps: [],
      issues: rows.slice(0, 5).map(rowRef),
    });
  }

  if (r.drift.level === "watch" && r.wishList.total > 0) {
    const rows = r.wishList.rows;
    out.push({
      kind: "review-wish-list",
      title: `Review ${plural(r.wishList.total, "wish-list item")} before the plan drifts`,
      text: `${pct(r.drift.value ?? 0)} of planned effort is off the bottleneck, close to drifting. Ask what evidence backs ${list(keys(rows, 3))}; park what has none.`,
      steps: [],
      issues: rows.slice(0, 5).map(rowRef),
    });
  }

  if (r.drift.level === "aligned") {
    out.push({
      kind: "hold-the-line",
      title: `Keep the plan on ${dom}`,
      text: `Only ${pct(r.drift.value ?? 0)} of planned effort is off the bottleneck. Hold that line: before off-bottleneck work enters a cycle, ask for the customer, incident or metric behind it.`,
      steps: [],
      issues: [],
    });
  }

  if (r.missingFromPlan.total > 0) {
    const rows = r.missingFromPlan.rows;
    out.push({
      kind: "add-missing",
      title: `Pull ${plural(r.missingFromPlan.total, "strong-evidence item")} on ${dom} into the plan`,
      text: `Strongly evidenced ${dom} work is waiting outside the plan: ${list(keys(rows, 3))}${r.missingFromPlan.total > 3 ? `, and ${r.missingFromPlan.total - 3} more` : ""}.`,
      steps: [],
      issues: rows.slice(0, 5).map(rowRef),
    });
  }

  if (r.flags.highPriorityWeakEvidence.total > 0) {
    const rows = r.flags.highPriorityWeakEvidence.rows;
    out.push({
      kind: "verify-priorities",
      title: `Check the evidence behind ${plural(r.flags.highPriorityWeakEvidence.total, "urgent or high-priority item")}`,
      text: `Marked urgent or high, but weakly evidenced: ${list(keys(rows, 3))}. Find the customer or incident behind each, or lower its priority.`,
      steps: [],
      issues: rows.slice(0, 5).map(rowRef),
    });
  }

  if (r.flags.unclassifiedPlanned.total > 0) {
    const rows = r.flags.unclassifiedPlanned.rows;
    out.push({
      kind: "triage-unclassified",
      title: `Give ${plural(r.flags.unclassifiedPlanned.total, "planned item")} a constraint`,
      text: `Planned work with no constraint counts as off the bottleneck (${pct(r.planned.effort > 0 ? r.drift.unclassifiedEffort / r.planned.effort : 0)} of planned effort). Say which constraint each serves, or question why it is planned: ${list(keys(rows, 3))}.`,
      steps: [],
      issues: rows.slice(0, 5).map(rowRef),
    });
  }

  // The 30/60/90 follow-up goes first once it has a decision; while measuring it follows the first move.
  if (r.followUp && out[0]?.kind === "follow-up" && r.followUp.decision === "measuring" && out.length > 1) out.push(out.shift()!);
  return out.slice(0, MAX_RECOMMENDATIONS);
}

const DECISION_TITLE = { measuring: "Keep measuring", continue: "Continue", refine: "Refine the approach", "move-on": "Move to the next bottleneck" } as const;

function followUpAdvice(r: AuditReport): Recommendation {
  const f = r.followUp!;
  return {
    kind: "follow-up",
    title: `${DECISION_TITLE[f.decision]}: day ${f.days} on ${f.constraint}${f.decision === "move-on" && f.next ? `; next is ${f.next}` : ""}`,
    text: f.sentence,
    steps: [],
    issues: [],
  };
}
