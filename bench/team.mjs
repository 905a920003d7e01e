/**
 * `npm run bench -- team`: the team replay (bench/team-replay.ts). Prints per team and pooled:
 * precision and coverage at the workspace threshold against the global pack at its own threshold,
 * the CPU time to train and the workspace model's size. Figures rest on the teams in rules/data
 * with at least 40 labelled issues, which the output lists.
 */
import { register } from "tsx/esm/api";

register();

const pct = (x) => Math.round(x * 1000) / 10;

export async function run() {
  const { replay, MIN_TEAM_ROWS } = await import("./team-replay.ts");
  const r = replay({ log: (s) => process.stderr.write(s + "\n") });
  const rows = [];
  rows.push({
    name: `qualifying teams (≥ ${MIN_TEAM_ROWS} labelled issues)`,
    value: r.qualifying.length,
    unit: "teams",
    note: `of ${r.groups} teams in rules/data; ${r.qualifying.map((q) => `${q.team.replace(/^jira:/, "")} ${q.rows}`).join(", ")}`,
  });
  for (const f of r.figures) {
    rows.push({
      name: `${f.team.replace(/^jira:/, "").slice(0, 28)} · ${f.answers} answers`,
      value: pct(f.workspace.precision),
      unit: "% precision",
      baseline: { name: "global pack precision", value: pct(f.global.precision) },
      note: `coverage ${pct(f.workspace.coverage)}% vs global ${pct(f.global.coverage)}% on ${f.test} test issues; model ${f.live ? "live" : "off"}; threshold ${f.threshold} (${f.thresholdSource}); train ${f.trainCpuMs.toFixed(1)} ms CPU, ${f.modelBytes} B`,
    });
  }
  for (const p of r.pooled) {
    rows.push({
      name: `pooled · ${p.answers} answers (${p.teams} teams, ${p.live} live)`,
      value: pct(p.workspace.precision),
      unit: "% precision",
      baseline: { name: "global pack precision", value: pct(p.global.precision) },
      note: `coverage ${pct(p.workspace.coverage)}% (${p.workspace.written} written) vs global ${pct(p.global.coverage)}% (${p.global.written}) on ${p.test} test issues; workspace verdicts at global precision: ${p.workspaceAtGlobalPrecision ? `${pct(p.workspaceAtGlobalPrecision.coverage)}% coverage (threshold ${p.workspaceAtGlobalPrecision.threshold}, chosen on the test)` : "never reached"}; max train ${p.trainCpuMsMax.toFixed(1)} ms CPU, max model ${p.modelBytesMax} B`,
    });
  }
  return rows;
}
