import { runAudit, type AuditReport } from "../../../src/core/audit";
import { cycle, hist, mk, NOW, score, type Spec } from "../audit/helpers";

export const HOSTILE = "<script>alert(1)</script> | [x](javascript:alert(1)) `rm -rf` @everyone";

/** A report where every table has rows, one of them with a hostile title. */
export function hostileReport(extra: Spec[] = []): AuditReport {
  const specs: Spec[] = [
    { key: "REL-1", c: "reliability", priority: 1, labels: ["incident"], title: HOSTILE, s: [4, 5, 3, 3] },
    { key: "REL-2", c: "reliability", priority: 1, title: '=HYPERLINK("http://evil","x")', s: [3, 4, 3, 3] },
    { key: "REL-3", c: "reliability", priority: 2, title: "+1 crash", s: [3, 3, 3, 3] },
    { key: "REL-4", c: "reliability", ...cycle(), estimate: 2, title: "Fix save" },
    { key: "WISH-1", c: "adoption", ...cycle(), estimate: 8, title: "@channel confetti on save", s: [5, 1, 3, 3] },
    { key: "WISH-2", c: "throughput", ...cycle(), estimate: 5, title: "-2 refactor", s: [3, 3, 5, 1] },
    { key: "HP-1", c: "adoption", priority: 1, title: "CEO wants dark mode", s: [3, 1, 3, 3] },
    { key: "UN-1", c: null, ...cycle(), estimate: 1, title: "Misc | chores", url: "javascript:alert(1)" },
    ...extra,
  ];
  return runAudit({
    issues: specs.map(mk),
    score,
    now: NOW,
    settings: { focus: "adoption" },
    history: [hist("2026-11-14T00:00:00Z", 0.7, "drifted"), hist("2026-11-01T00:00:00Z", 0.2, "aligned")],
  });
}

export const HISTORY = [hist("2026-11-14T00:00:00Z", 0.7, "drifted"), hist("2026-11-01T00:00:00Z", 0.2, "aligned")];
