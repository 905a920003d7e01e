/** Plain-English reasons one open issue weighs on its constraint, for the evidence table. */
import type { Issue } from "../../../domain/types";
import { countToolLinks } from "./customer";
import type { Signals } from "./signals";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const money = (x: number) => (x >= 1e6 ? `$${Math.round(x / 1e5) / 10}M` : x >= 1e3 ? `$${Math.round(x / 1e3)}k` : `$${Math.round(x)}`);

/**
 * @example
 * describeEvidence(issue, signals, 3.1, 1) // ["urgent priority", "2 customer requests (Acme, Globex; $1.2M revenue)", ...]
 */
export function describeEvidence(issue: Issue, s: Signals, customerWeight: number, severity: number): string[] {
  const out: string[] = [];
  if (issue.priority === 1) out.push("urgent priority");
  else if (issue.priority === 2) out.push("high priority");
  const reqs = issue.customerRequests ?? [];
  if (reqs.length > 0) {
    const names = [...new Set(reqs.map((r) => r.customer).filter((x): x is string => !!x))];
    const revenue = reqs.reduce((t, r) => t + (r.revenue ?? 0), 0);
    const detail = [names.slice(0, 3).join(", ") + (names.length > 3 ? ` and ${names.length - 3} more` : ""), revenue > 0 ? `${money(revenue)} revenue` : ""]
      .filter(Boolean)
      .join("; ");
    out.push(`${plural(reqs.length, "customer request")}${detail ? ` (${detail})` : ""}`);
  }
  if ((issue.links ?? []).length > 0 || issue.body.includes("http")) {
    const l = countToolLinks(issue);
    if (l.support > 0) out.push(`${plural(l.support, "support ticket")} linked`);
    if (l.incident > 0) out.push(`${plural(l.incident, "incident or error report")} linked`);
  }
  if (issue.reactions > 0) out.push(`${issue.reactions} reaction${issue.reactions === 1 ? "" : "s"}/votes`);
  if ((issue.watchers ?? 0) > 0) out.push(`${plural(issue.watchers ?? 0, "watcher")}`);
  if (issue.duplicateCount > 0) out.push(`${plural(issue.duplicateCount, "duplicate")}`);
  if (s.customerMatch) out.push(`customer signal: ${s.customerMatch}`);
  if ((issue.reopenedCount ?? 0) > 0) out.push(`reopened ${plural(issue.reopenedCount ?? 0, "time")}`);
  if ((issue.carriedOver ?? 0) > 0) out.push(`carried over ${plural(issue.carriedOver ?? 0, "time")}`);
  if ((customerWeight > 0 || severity > 0) && s.ageDays > 0) out.push(`waiting ${Math.round(s.ageDays)} days`);
  if (out.length === 0) out.push("open issue on this constraint, with no evidence beyond its existence");
  return out;
}
