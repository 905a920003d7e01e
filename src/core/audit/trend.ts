import type { Constraint } from "../../../domain/types";
import type { AuditSummary, DriftLevel, Trend } from "./schema";

const DAY_MS = 86_400_000;
export const TREND_WINDOWS = [30, 60, 90] as const;

const RANK: Record<DriftLevel, number> = { aligned: 0, watch: 1, drifted: 2, unknown: -1 };

export interface TrendPoint {
  at: string;
  drift: number | null;
  level: DriftLevel;
  dominant: Constraint | null;
}

const pts = (d: number) => Math.round(Math.abs(d) * 100);
const pct = (d: number) => `${Math.round(d * 100)}%`;
const day = (iso: string) => iso.slice(0, 10);

/**
 * Compares the current audit with history (newest first; re-sorted defensively,
 * entries after `now` ignored).
 *
 * "Since": for a watch/drifted level, walk back through audits at that level
 * or worse (audits with an unknown level are skipped); the oldest one in that
 * run is when it started, and the first better audit before it is `from`.
 *
 * @example
 * computeTrend({ at: "2026-11-21T00:00:00Z", drift: 0.7, level: "drifted", dominant: "reliability" }, history, now)
 */
export function computeTrend(current: TrendPoint, history: readonly AuditSummary[], now: Date): Trend {
  const nowMs = now.getTime();
  const hist = history.filter((h) => Date.parse(h.at) <= nowMs && h.at !== current.at).sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const prev = hist[0] ?? null;

  let levelChange: Trend["levelChange"] = "first";
  let driftDelta: number | null = null;
  if (prev) {
    const a = RANK[prev.driftLevel];
    const b = RANK[current.level];
    levelChange = a < 0 || b < 0 ? "unknown" : b > a ? "worse" : b < a ? "better" : "same";
    if (prev.drift !== null && current.drift !== null) driftDelta = current.drift - prev.drift;
  }

  let since: Trend["since"] = null;
  const curRank = RANK[current.level];
  if (curRank >= 1 && hist.length > 0) {
    let start = current.at;
    let from: DriftLevel | null = null;
    for (const h of hist) {
      const r = RANK[h.driftLevel];
      if (r < 0) continue;
      if (r >= curRank) start = h.at;
      else {
        from = h.driftLevel;
        break;
      }
    }
    since = { at: start, level: current.level, from };
  }

  const windows = TREND_WINDOWS.map((days) => {
    const cutoff = nowMs - days * DAY_MS;
    const inside = hist.filter((h) => Date.parse(h.at) >= cutoff);
    const oldest = inside[inside.length - 1] ?? null;
    const drifts = inside.map((h) => h.drift).filter((d): d is number => d !== null);
    if (current.drift !== null) drifts.push(current.drift);
    const averageDrift = drifts.length ? drifts.reduce((a, b) => a + b, 0) / drifts.length : null;
    const baselineDrift = oldest?.drift ?? null;
    return {
      days,
      audits: inside.length,
      baselineAt: oldest?.at ?? null,
      baselineDrift,
      averageDrift,
      delta: baselineDrift !== null && current.drift !== null ? current.drift - baselineDrift : null,
    };
  });

  return {
    previous: prev ? { at: prev.at, drift: prev.drift, level: prev.driftLevel, dominant: prev.dominant } : null,
    driftDelta,
    levelChange,
    dominantChanged: prev !== null && prev.dominant !== current.dominant,
    since,
    windows,
    sentence: trendSentence(current, prev, driftDelta, levelChange, since, windows),
  };
}

function trendSentence(
  current: TrendPoint,
  prev: AuditSummary | null,
  delta: number | null,
  change: Trend["levelChange"],
  since: Trend["since"],
  windows: Trend["windows"],
): string {
  if (!prev) return "This is the first audit on record, so the trend starts here.";
  const parts: string[] = [];
  if (delta !== null) {
    const move = pts(delta) === 0 ? "unchanged" : `${delta > 0 ? "up" : "down"} ${pts(delta)} points`;
    parts.push(`Drift is ${move} since the last audit on ${day(prev.at)} (${pct(prev.drift ?? 0)} → ${pct(current.drift ?? 0)})`);
  } else {
    parts.push(`Drift cannot be compared with the last audit on ${day(prev.at)}`);
  }
  if (change === "worse") parts.push(`the level worsened from ${prev.driftLevel} to ${current.level}`);
  else if (change === "better") parts.push(`the level improved from ${prev.driftLevel} to ${current.level}`);
  else if (change === "same") parts.push(`still ${current.level}`);
  let s = parts.join("; ") + ".";
  if (since) {
    const word = since.level === "drifted" ? "Drifted" : "On watch";
    s += since.from ? ` ${word} since ${day(since.at)} (${since.from} before that).` : ` ${word} since at least ${day(since.at)}, the oldest audit on record.`;
  }
  if (prev.dominant !== current.dominant && current.dominant) {
    s += ` The bottleneck moved from ${prev.dominant ?? "none"} to ${current.dominant}.`;
  }
  const w = [...windows].reverse().find((x) => x.delta !== null && x.audits > 0);
  if (w && w.delta !== null && w.baselineAt && w.baselineAt !== prev.at) {
    s += ` Over ${w.days} days: ${pts(w.delta) === 0 ? "flat" : `${w.delta > 0 ? "up" : "down"} ${pts(w.delta)} points`} from ${pct(w.baselineDrift ?? 0)} on ${day(w.baselineAt)}.`;
  }
  return s;
}
