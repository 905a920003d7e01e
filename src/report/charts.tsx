/** @jsxImportSource hono/jsx */
/**
 * Inline SVG charts: no JS, no external assets, each with role="img" and an
 * aria-label that says what a sighted reader would see.
 */
import type { FC } from "hono/jsx";
import { PRESSURE_KINDS, type ConstraintPressure, type DriftLevel, type PressureKind } from "../core/audit/schema";
import { BAND_FILL, LEVEL_COLOURS } from "./styles";

const pct = (x: number) => `${Math.round(x * 100)}%`;
const f1 = (x: number) => Math.round(x * 10) / 10;

interface Thresholds {
  alignedMax: number;
  watchMax: number;
}

/** Point on the gauge's semicircle for a fraction 0..1 (0 = left, 1 = right). */
function arcPoint(cx: number, cy: number, r: number, frac: number): [number, number] {
  const a = Math.PI * (1 - frac);
  return [f1(cx + r * Math.cos(a)), f1(cy - r * Math.sin(a))];
}

function arcPath(cx: number, cy: number, r: number, from: number, to: number): string {
  const [x0, y0] = arcPoint(cx, cy, r, from);
  const [x1, y1] = arcPoint(cx, cy, r, to);
  return `M ${x0} ${y0} A ${r} ${r} 0 0 1 ${x1} ${y1}`;
}

/** Semicircle gauge with the three level bands and a needle at the drift. */
export const DriftGauge: FC<{ drift: number | null; level: DriftLevel; thresholds: Thresholds }> = ({ drift, level, thresholds }) => {
  const cx = 120;
  const cy = 120;
  const r = 96;
  const bands: Array<[DriftLevel, number, number]> = [
    ["aligned", 0, thresholds.alignedMax],
    ["watch", thresholds.alignedMax, thresholds.watchMax],
    ["drifted", thresholds.watchMax, 1],
  ];
  const label =
    drift === null
      ? "Drift gauge: no drift could be measured."
      : `Drift gauge: ${pct(drift)} of planned effort is off the bottleneck, level ${level}. Bands: aligned up to ${pct(thresholds.alignedMax)}, watch up to ${pct(thresholds.watchMax)}, drifted above.`;
  const needle = drift === null ? null : arcPoint(cx, cy, r - 28, Math.min(1, Math.max(0, drift)));
  return (
    <svg data-testid="drift-gauge" role="img" aria-label={label} viewBox="0 0 240 150" width="240" height="150">
      {bands
        .filter(([, a, b]) => b > a)
        .map(([lvl, a, b]) => (
          <path d={arcPath(cx, cy, r, a, b)} fill="none" stroke={LEVEL_COLOURS[lvl]} stroke-width="22" />
        ))}
      {needle && (
        <>
          <line x1={cx} y1={cy} x2={needle[0]} y2={needle[1]} stroke="#1d1d1f" stroke-width="4" stroke-linecap="round" />
          <circle cx={cx} cy={cy} r="6" fill="#1d1d1f" />
        </>
      )}
      <text x={cx} y={cy + 26} text-anchor="middle" font-size="20" font-weight="700" fill="#1d1d1f">
        {drift === null ? "n/a" : pct(drift)}
      </text>
      <text x="14" y={cy + 16} font-size="11" fill="#555">
        0%
      </text>
      <text x="226" y={cy + 16} font-size="11" fill="#555" text-anchor="end">
        100%
      </text>
    </svg>
  );
};

/** Horizontal bars: each constraint's share of evidence pressure and of planned effort. */
export const DistributionChart: FC<{ pressures: ConstraintPressure[]; dominant: string | null; plannedEffort: number }> = ({
  pressures,
  dominant,
  plannedEffort,
}) => {
  const rowH = 40;
  const left = 96;
  const barW = 300;
  const h = pressures.length * rowH + 28;
  const label =
    "Distribution by constraint. " +
    pressures
      .map((p) => `${p.constraint}: ${pct(p.share)} of evidence pressure, ${plannedEffort > 0 ? pct(p.plannedEffort / plannedEffort) : "0%"} of planned effort`)
      .join("; ") +
    ".";
  return (
    <svg data-testid="distribution-chart" role="img" aria-label={label} viewBox={`0 0 ${left + barW + 60} ${h}`} width={left + barW + 60} height={h}>
      <rect x={left} y="4" width="10" height="10" fill="#1f5fbf" />
      <text x={left + 14} y="13" font-size="11" fill="#555">
        evidence pressure
      </text>
      <rect x={left + 130} y="4" width="10" height="10" fill="#9aa7b8" />
      <text x={left + 144} y="13" font-size="11" fill="#555">
        planned effort
      </text>
      {pressures.map((p, i) => {
        const y = 24 + i * rowH;
        const planned = plannedEffort > 0 ? p.plannedEffort / plannedEffort : 0;
        const isDom = p.constraint === dominant;
        return (
          <g>
            <text x={left - 8} y={y + 16} text-anchor="end" font-size="13" font-weight={isDom ? "700" : "400"} fill="#1d1d1f">
              {p.constraint}
            </text>
            <rect x={left} y={y + 4} width={f1(Math.max(1, p.share * barW))} height="14" fill={isDom ? "#1f5fbf" : "#6d8fc7"} />
            <text x={left + f1(p.share * barW) + 6} y={y + 16} font-size="11" fill="#1d1d1f">
              {pct(p.share)}
            </text>
            <rect x={left} y={y + 21} width={f1(Math.max(1, planned * barW))} height="8" fill="#9aa7b8" />
            <text x={left + f1(planned * barW) + 6} y={y + 30} font-size="10" fill="#555">
              {pct(planned)}
            </text>
          </g>
        );
      })}
    </svg>
  );
};

export interface TrendChartPoint {
  at: string;
  drift: number | null;
  level: DriftLevel;
}

/** Drift % over time (oldest → newest) over the three level bands. */
export const TrendChart: FC<{ points: TrendChartPoint[]; thresholds: Thresholds }> = ({ points, thresholds }) => {
  const W = 480;
  const H = 200;
  const pad = { l: 40, r: 12, t: 10, b: 28 };
  const iw = W - pad.l - pad.r;
  const ih = H - pad.t - pad.b;
  const pts = points.filter((p): p is TrendChartPoint & { drift: number } => p.drift !== null);
  const times = pts.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const x = (t: number, i: number) => f1(pad.l + (t1 > t0 ? ((t - t0) / (t1 - t0)) * iw : pts.length > 1 ? (i / (pts.length - 1)) * iw : iw / 2));
  const y = (d: number) => f1(pad.t + (1 - Math.min(1, Math.max(0, d))) * ih);
  const coords = pts.map((p, i) => [x(times[i]!, i), y(p.drift)] as const);
  const label =
    pts.length === 0
      ? "Drift trend: no audits with a measured drift yet."
      : `Drift trend over ${pts.length} audit${pts.length === 1 ? "" : "s"}: ` +
        pts.map((p) => `${p.at.slice(0, 10)} ${pct(p.drift)} (${p.level})`).join(", ") +
        ".";
  const bands: Array<[keyof typeof BAND_FILL, number, number]> = [
    ["aligned", 0, thresholds.alignedMax],
    ["watch", thresholds.alignedMax, thresholds.watchMax],
    ["drifted", thresholds.watchMax, 1],
  ];
  return (
    <svg data-testid="trend-chart" role="img" aria-label={label} viewBox={`0 0 ${W} ${H}`} width={W} height={H}>
      {bands.map(([lvl, a, b]) => (
        <rect x={pad.l} y={y(b)} width={iw} height={f1(y(a) - y(b))} fill={BAND_FILL[lvl]} />
      ))}
      {[0, 0.5, 1].map((d) => (
        <text x={pad.l - 6} y={y(d) + 4} text-anchor="end" font-size="11" fill="#555">
          {pct(d)}
        </text>
      ))}
      {coords.length > 1 && <polyline points={coords.map(([a, b]) => `${a},${b}`).join(" ")} fill="none" stroke="#1d1d1f" stroke-width="2" />}
      {coords.map(([a, b], i) => (
        <circle cx={a} cy={b} r="4" fill={LEVEL_COLOURS[pts[i]!.level]}>
          <title>{`${pts[i]!.at.slice(0, 10)}: ${pct(pts[i]!.drift)} (${pts[i]!.level})`}</title>
        </circle>
      ))}
      {pts.length > 0 && (
        <>
          <text x={pad.l} y={H - 8} font-size="11" fill="#555">
            {pts[0]!.at.slice(0, 10)}
          </text>
          <text x={W - pad.r} y={H - 8} font-size="11" fill="#555" text-anchor="end">
            {pts[pts.length - 1]!.at.slice(0, 10)}
          </text>
        </>
      )}
      {pts.length === 0 && (
        <text x={W / 2} y={H / 2} text-anchor="middle" font-size="13" fill="#555">
          No drift measured yet
        </text>
      )}
    </svg>
  );
};

/** Colours of the pressure kinds (legend order = PRESSURE_KINDS). */
export const KIND_COLOURS: Record<PressureKind, string> = {
  customer: "#1f5fbf",
  severity: "#c62828",
  growth: "#b26a00",
  aging: "#6a4c93",
  reopened: "#00796b",
  carryOver: "#5d4037",
  delivery: "#455a64",
};
export const KIND_LABELS: Record<PressureKind, string> = {
  customer: "customers",
  severity: "severity",
  growth: "growth",
  aging: "aging",
  reopened: "reopened",
  carryOver: "carry-over",
  delivery: "delivery",
};

/** Stacked horizontal bars: what moved each constraint's pressure, by kind of evidence. */
export const PressureChart: FC<{ pressures: ConstraintPressure[]; dominant: string | null }> = ({ pressures, dominant }) => {
  const rowH = 30;
  const left = 96;
  const barW = 340;
  const legendH = 38;
  const h = legendH + pressures.length * rowH + 8;
  const max = Math.max(1e-9, ...pressures.map((p) => p.pressure));
  const label =
    "Evidence pressure by constraint and kind. " +
    pressures
      .map((p) => {
        const parts = PRESSURE_KINDS.filter((k) => p.breakdown[k] > 0).map((k) => `${KIND_LABELS[k]} ${f1(p.breakdown[k])}`);
        return `${p.constraint}: ${f1(p.pressure)}${parts.length ? ` (${parts.join(", ")})` : ""}`;
      })
      .join("; ") +
    ".";
  return (
    <svg data-testid="pressure-chart" role="img" aria-label={label} viewBox={`0 0 ${left + barW + 50} ${h}`} width={left + barW + 50} height={h}>
      {PRESSURE_KINDS.map((k, i) => {
        const x = left + (i % 4) * 90;
        const y = 4 + Math.floor(i / 4) * 16;
        return (
          <g>
            <rect x={x} y={y} width="10" height="10" fill={KIND_COLOURS[k]} />
            <text x={x + 14} y={y + 9} font-size="11" fill="#555">
              {KIND_LABELS[k]}
            </text>
          </g>
        );
      })}
      {pressures.map((p, i) => {
        const y = legendH + i * rowH;
        let x = left;
        return (
          <g>
            <text x={left - 8} y={y + 15} text-anchor="end" font-size="13" font-weight={p.constraint === dominant ? "700" : "400"} fill="#1d1d1f">
              {p.constraint}
            </text>
            {PRESSURE_KINDS.filter((k) => p.breakdown[k] > 0).map((k) => {
              const w = f1((p.breakdown[k] / max) * barW);
              const rect = <rect x={f1(x)} y={y + 3} width={Math.max(0.5, w)} height="16" fill={KIND_COLOURS[k]} />;
              x += w;
              return rect;
            })}
            <text x={f1(x) + 6} y={y + 15} font-size="11" fill="#1d1d1f">
              {f1(p.pressure)}
            </text>
          </g>
        );
      })}
    </svg>
  );
};
