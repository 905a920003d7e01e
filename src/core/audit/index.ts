/**
 * The audit core: pure, no I/O. The CLI and the Worker both call `runAudit`,
 * store `summarize(report)` in history, and render the report with `src/report`.
 *
 * @example
 * import { runAudit, summarize } from "../core/audit";
 * const report = runAudit({ issues, score, settings: { focus: "adoption" }, now: new Date(), history });
 * const row = summarize(report);
 */
export { runAudit, driftLevel, type AuditInput, type ScoreFn } from "./run-audit";
export { summarize } from "./summary";
export { computeTrend, TREND_WINDOWS, type TrendPoint } from "./trend";
export { effortRule, median } from "./effort";
export { wishListReasons, type WishKind } from "./wish-list";
export { isPlanned, isOpen } from "./signals";
export { CONSTRAINT_GUIDE } from "./constraints";
export { TopN } from "./top-n";
export * from "./schema";
