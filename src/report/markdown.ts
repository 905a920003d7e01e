import { CONSTRAINT_GUIDE } from "../core/audit/constraints";
import type { AuditReport, AuditRow, AuditTable } from "../core/audit/schema";
import { mdLink, mdText } from "./escape";
import { sharePoints } from "./points";
import { withDiagnosis } from "./stored";

const pct = (x: number | null) => (x === null ? "n/a" : `${Math.round(x * 100)}%`);
const num = (x: number) => String(Math.round(x * 100) / 100);
const day = (iso: string) => iso.slice(0, 10);
const scoreCell = (r: AuditRow) => (r.scores ? `${r.scores.impact}/${r.scores.evidence}/${r.scores.confidence}/${r.scores.timing}` : "–");
const why = (r: AuditRow) => mdText(r.reasons.join("; "));
const title = (r: AuditRow) => mdText(r.title.length > 120 ? `${r.title.slice(0, 119)}…` : r.title);
const issue = (r: AuditRow) => mdLink(r.key, r.url);

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

function issueTable(t: AuditTable, empty: string, cols: "wish" | "missing" | "flag"): string[] {
  if (t.rows.length === 0) return [`_${empty}_`];
  const out =
    cols === "wish"
      ? table(
          ["Issue", "Title", "Constraint", "Effort", "I/E/C/T", "Why"],
          t.rows.map((r) => [issue(r), title(r), r.constraint ?? "–", r.effort === null ? "–" : num(r.effort), scoreCell(r), why(r)]),
        )
      : cols === "missing"
        ? table(
            ["Issue", "Title", "Evidence", "Impact", "Why"],
            t.rows.map((r) => [issue(r), title(r), String(r.scores?.evidence ?? "–"), String(r.scores?.impact ?? "–"), why(r)]),
          )
        : table(
            ["Issue", "Title", "Constraint", "Planned", "Why"],
            t.rows.map((r) => [issue(r), title(r), r.constraint ?? "–", r.planned ? "yes" : "no", why(r)]),
          );
  if (t.total > t.rows.length) out.push("", `_Showing ${t.rows.length} of ${t.total}._`);
  return out;
}

/** The diagnosis: its sentence, what would decide it, the evidence per constraint in words, and what the data lacks. */
function diagnosisLines(report: AuditReport): string[] {
  const dx = report.diagnosis;
  const L: string[] = [`### Why: ${mdText(dx.sentence)}`, ""];
  if (dx.decidingEvidence.length) L.push("What would decide it:", "", ...dx.decidingEvidence.map((x) => `- ${mdText(x)}`), "");
  L.push(
    `Evidence over the last ${dx.windowDays} days (since ${day(dx.from)}); the number of open issues adds nothing${dx.byVolume ? ` (by count alone, ${dx.byVolume} would lead)` : ""}.`,
    "",
  );
  L.push(
    ...table(
      ["Constraint", "Pressure", "Customers", "Severity", "Growth", "Aging", "Reopened", "Carry-over", "Delivery"],
      report.dominant.pressures.map((p) => {
        const b = p.breakdown;
        return [
          p.constraint,
          `${num(p.pressure)} (${pct(p.share)})`,
          num(b.customer),
          num(b.severity),
          num(b.growth),
          num(b.aging),
          num(b.reopened),
          num(b.carryOver),
          num(b.delivery),
        ];
      }),
    ),
    "",
  );
  for (const p of report.dominant.pressures) {
    if (p.summary.length === 0) continue;
    L.push(`**${p.constraint}**`, "", ...p.summary.map((x) => `- ${mdText(x)}`), "");
  }
  const gaps = dx.coverage.flatMap((c) => c.missing.map((m) => `- ${c.tracker}: ${mdText(m)}`));
  if (gaps.length) L.push("_What the data could not tell us:_", "", ...gaps, "");
  return L;
}

/**
 * Renders the audit as Markdown that pastes well into a tracker comment or a
 * doc. All issue text is escaped (no HTML, no table breakage, no @-pings).
 *
 * @example
 * await postComment(renderMarkdown(runAudit(input), { workspaceName: "Acme" }));
 */
export function renderMarkdown(stored: AuditReport, opts: { workspaceName?: string } = {}): string {
  const report = withDiagnosis(stored);
  const d = report.dominant;
  const L: string[] = [];
  L.push(`# Backlog audit${opts.workspaceName ? `: ${mdText(opts.workspaceName)}` : ""}`, "", `_${day(report.at)}_`, "");
  L.push(`**${mdText(report.headline)}**`, "");

  if (d.constraint) {
    const g = CONSTRAINT_GUIDE[d.constraint];
    L.push(`## Bottleneck: ${g.label}`, "");
    L.push(
      `${g.label} has ${pct(d.share)} of the evidence pressure` +
        (d.runnerUp ? `, ${sharePoints(d.margin)} ahead of ${d.runnerUp} (${pct(d.runnerUpShare)}).` : ".") +
        ` It looks like: ${g.looksLike}. Improve first: ${g.improveFirst}.`,
      "",
    );
    if (report.focus.declared) L.push(`Declared focus: **${report.focus.declared}** · inferred: **${d.constraint}**. ${mdText(report.focus.message)}`, "");
    L.push(
      ...table(
        ["Constraint", "Share", "Open", "Planned effort"],
        d.pressures.map((p) => [p.constraint === d.constraint ? `**${p.constraint}**` : p.constraint, pct(p.share), String(p.openCount), num(p.plannedEffort)]),
      ),
      "",
    );
    L.push(...diagnosisLines(report));
    L.push(`### Evidence behind ${d.constraint}`, "");
    L.push(
      ...table(
        ["Issue", "Title", "Why"],
        d.evidence.map((r) => [issue(r), title(r), why(r)]),
      ),
      "",
    );
  } else if (report.diagnosis.verdict === "thin" || report.diagnosis.verdict === "split") {
    L.push("## Bottleneck: no clear bottleneck", "");
    if (report.focus.declared) L.push(`Declared focus: **${report.focus.declared}**. ${mdText(report.focus.message)}`, "");
    L.push(...diagnosisLines(report));
  } else {
    L.push("## Bottleneck: not inferred", "", "No open issue has a constraint, so there is no evidence to weigh.", "");
  }
  if (report.followUp) {
    const f = report.followUp;
    L.push(`## Follow-up on ${f.constraint}: day ${f.days}${f.days < 90 ? " of 90" : `, decision: ${f.decision}`}`, "", mdText(f.sentence), "");
  }

  L.push(`## Drift: ${pct(report.drift.value)} (${report.drift.level})`, "");
  L.push(
    `Planned effort ${num(report.planned.effort)} across ${report.planned.count} issues · ` +
      `on the bottleneck ${num(report.drift.onConstraintEffort)} · off it ${num(report.drift.offConstraintEffort)}` +
      (report.drift.unclassifiedEffort > 0 ? ` (of which unclassified ${num(report.drift.unclassifiedEffort)})` : "") +
      ` · thresholds: aligned ≤ ${pct(report.drift.thresholds.alignedMax)}, watch ≤ ${pct(report.drift.thresholds.watchMax)}.`,
    "",
    `Effort basis: **${report.planned.basis}**. ${mdText(report.planned.note)}`,
    "",
  );
  L.push(`**Trend:** ${mdText(report.trend.sentence)}`, "");

  L.push(`## Wish list (${report.wishList.total})`, "", "Planned work off the bottleneck with weak evidence.", "");
  L.push(...issueTable(report.wishList, "No wish-list items in the plan.", "wish"), "");
  L.push(`## Missing from the plan (${report.missingFromPlan.total})`, "", "Strong-evidence open work on the bottleneck that is not planned.", "");
  L.push(...issueTable(report.missingFromPlan, "Nothing strong on the bottleneck is waiting outside the plan.", "missing"), "");

  const hp = report.flags.highPriorityWeakEvidence;
  const un = report.flags.unclassifiedPlanned;
  if (hp.total + un.total > 0) {
    L.push("## Flags", "");
    if (hp.total) L.push(`### Urgent or high priority, weak evidence (${hp.total})`, "", ...issueTable(hp, "", "flag"), "");
    if (un.total) L.push(`### Planned but unclassified (${un.total})`, "", ...issueTable(un, "", "flag"), "");
  }

  L.push("## Recommendations", "");
  report.recommendations.forEach((r, i) => {
    L.push(`${i + 1}. **${mdText(r.title)}**: ${mdText(r.text)}`);
    for (const s of r.steps) L.push(`   - Days ${s.days}, **${mdText(s.title)}**: ${mdText(s.text)}`);
    const links = r.issues.slice(0, 5).map((x) => mdLink(x.key, x.url));
    if (links.length && r.steps.length === 0) L.push(`   - See ${links.join(", ")}`);
  });
  L.push("");
  return L.join("\n");
}
