/**
 * The team replay benchmark (`npm run bench -- team`): for every GitHub repository or Jira project
 * in rules/data with at least 40 labelled issues, simulate the team. The global pack is retrained
 * without that team (its model never saw a row of it; the shipped calibration and threshold are
 * kept). The team answers 10, 20, 30 and 50 review questions in the order the review page asks
 * them; the workspace model and threshold are then chosen exactly as the `learn` job chooses them
 * (backtest split by issue number, the newer third held out; live only if it beats the global
 * pack); the team's other labelled issues are the test.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { classify, compilePack, loadDefaultPack, scoreIssue, type RulePack } from "../rules";
import { groupOf } from "../rules/model/index";
import { trainModel } from "../rules/engine/model";
import {
  adaptedVerdict,
  backtest,
  chooseWorkspaceThreshold,
  DEFAULT_ADAPT,
  issueFeatures,
  K,
  operatingCurve,
  reviewQueue,
  trainAdaptation,
  type LabelledIssue,
  type WsLabel,
} from "../src/core/learning";
import { IssueSchema, type Constraint, type Issue } from "../domain/types";

const root = join(import.meta.dirname, "..");
export const MIN_TEAM_ROWS = 40;
export const ANSWERS = [10, 20, 30, 50];
const MIN_TEST = 10;

interface Row {
  id: string;
  group: string;
  issue: Issue;
  label: WsLabel;
  number: number;
}

function readRows(): Row[] {
  const out: Row[] = [];
  for (const f of ["dev", "train-github", "train-jira"]) {
    for (const line of readFileSync(join(root, "rules/data", `${f}.jsonl`), "utf8").split("\n")) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as {
        id: string;
        tracker: string;
        title: string;
        body: string | null;
        labels: string[] | null;
        type: string | null;
        constraint: WsLabel;
      };
      const issue = IssueSchema.parse({
        tracker: r.tracker === "jira" ? "jira" : "github",
        externalId: r.id,
        key: r.id,
        title: r.title,
        body: r.body ?? "",
        labels: r.labels ?? [],
        type: r.type ?? null,
        state: "open",
        createdAt: "2026-01-01T00:00:00Z",
        updatedAt: "2026-01-01T00:00:00Z",
      });
      const num = Number(/(\d+)\s*$/.exec(r.id)?.[1] ?? 0);
      out.push({ id: r.id, group: groupOf(r.id), issue, label: r.constraint, number: num });
    }
  }
  return out;
}

function seedRows() {
  return readFileSync(join(root, "rules/data/seed-phrases.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { title: string; body: string; constraint: WsLabel });
}

type Verdict = { constraint: Constraint | null; confidence: number };
interface Tally {
  test: number;
  written: number;
  right: number;
}
const add = (t: Tally, v: Verdict, truth: WsLabel, threshold: number) => {
  t.test++;
  if (v.constraint !== null && v.confidence >= threshold) {
    t.written++;
    if (v.constraint === truth) t.right++;
  }
};
const prec = (t: Tally) => (t.written ? t.right / t.written : 1);
const cov = (t: Tally) => (t.test ? t.written / t.test : 0);

export interface TeamFigure {
  team: string;
  rows: number;
  answers: number;
  test: number;
  live: boolean;
  reason: string;
  threshold: number;
  thresholdSource: string;
  workspace: { precision: number; coverage: number };
  global: { precision: number; coverage: number };
  trainCpuMs: number;
  modelBytes: number;
}

export function replay(opts: { log?: (s: string) => void } = {}) {
  // BENCH_ADAPT='{"l2":0.01}' tries other adaptation settings than the product's.
  const adapt = { ...DEFAULT_ADAPT, ...(process.env.BENCH_ADAPT ? (JSON.parse(process.env.BENCH_ADAPT) as object) : {}) };
  const rows = readRows();
  const byTeam = new Map<string, Row[]>();
  for (const r of rows) byTeam.set(r.group, [...(byTeam.get(r.group) ?? []), r]);
  const teams = [...byTeam].filter(([, rs]) => rs.length >= MIN_TEAM_ROWS).sort((a, b) => a[0].localeCompare(b[0]));
  const pack = loadDefaultPack();
  const hyper = (pack.model as unknown as { hyperparameters: object }).hyperparameters;
  const seeds = seedRows();
  const figures: TeamFigure[] = [];
  // The pooled test verdicts per answer count, to compare coverage at equal precision.
  const pooled = new Map<number, Array<{ ws: Verdict; wsLive: boolean; global: Verdict; truth: WsLabel; wsThreshold: number }>>();
  for (const [team, teamRows] of teams) {
    opts.log?.(`  ${team}: retraining the global model without it…`);
    const train = rows.filter((r) => r.group !== team).map((r) => ({ title: r.issue.title, body: r.issue.body, constraint: r.label, group: r.group }));
    const teamPack: RulePack = { ...pack, model: trainModel([...train, ...seeds], hyper) };
    const compiled = compilePack(teamPack);
    const globalThreshold = teamPack.writeBackThreshold;
    // The global pack's view of every issue of the team, as the Worker stores it.
    const seen = teamRows.map((r) => {
      const dist = new Float64Array(K);
      const c = classify(compiled, r.issue, { distribution: dist });
      const scores = scoreIssue(compiled, r.issue, c, { dominant: null });
      return { r, c, dist, scores };
    });
    const order = reviewQueue(
      seen.map((s) => ({ id: s.r.id, issue: s.r.issue, classification: s.c, scores: s.scores })),
      new Set(),
    ).map((q) => q.id);
    // The queue asks about every issue (after the sample, the rest in random order); nothing should be left.
    const rest = teamRows.map((r) => r.id).filter((id) => !order.includes(id));
    const asked = [...order, ...rest];
    const byId = new Map(seen.map((s) => [s.r.id, s]));
    for (const n of ANSWERS) {
      const answered = asked.slice(0, n).map((id) => byId.get(id)!);
      const test = asked.slice(n).map((id) => byId.get(id)!);
      if (test.length < MIN_TEST) continue;
      const labelled: LabelledIssue[] = answered.map((s) => ({
        issueId: s.r.id,
        at: String(s.r.number).padStart(10, "0"),
        features: issueFeatures(s.r.issue, "constraint:"),
        base: s.dist,
        label: s.r.label,
        global: { constraint: s.c.constraint, confidence: s.c.confidence },
      }));
      const t0 = process.cpuUsage();
      const bt = backtest(labelled, adapt);
      const model = bt.beats ? trainAdaptation(labelled, adapt) : null;
      const d = process.cpuUsage(t0);
      const trainCpuMs = (d.user + d.system) / 1000;
      const globalCurveAll = operatingCurve(
        labelled.map((l) => l.global),
        labelled.map((l) => l.label),
      );
      const th = chooseWorkspaceThreshold({
        labelled: labelled.length,
        target: 0.95,
        globalThreshold,
        live: model !== null,
        workspaceCurve: bt.workspace?.curve ?? null,
        globalCurveAll,
      });
      const ws: Tally = { test: 0, written: 0, right: 0 };
      const gl: Tally = { test: 0, written: 0, right: 0 };
      const list = pooled.get(n) ?? [];
      for (const s of test) {
        const g: Verdict = { constraint: s.c.constraint, confidence: s.c.confidence };
        const w: Verdict = model ? adaptedVerdict(model, { features: issueFeatures(s.r.issue, "constraint:"), base: s.dist }) : g;
        add(ws, w, s.r.label, th.value);
        add(gl, g, s.r.label, globalThreshold);
        list.push({ ws: w, wsLive: model !== null, global: g, truth: s.r.label, wsThreshold: th.value });
      }
      pooled.set(n, list);
      figures.push({
        team,
        rows: teamRows.length,
        answers: n,
        test: test.length,
        live: model !== null,
        reason: bt.reason,
        threshold: th.value,
        thresholdSource: th.source,
        workspace: { precision: prec(ws), coverage: cov(ws) },
        global: { precision: prec(gl), coverage: cov(gl) },
        trainCpuMs,
        modelBytes: model ? JSON.stringify(model).length : 0,
      });
    }
  }
  const pooledFigures = ANSWERS.filter((n) => pooled.has(n)).map((n) => {
    const list = pooled.get(n)!;
    const ws: Tally = { test: 0, written: 0, right: 0 };
    const gl: Tally = { test: 0, written: 0, right: 0 };
    for (const x of list) {
      add(ws, x.ws, x.truth, x.wsThreshold);
      add(gl, x.global, x.truth, pack.writeBackThreshold);
    }
    // Coverage at equal precision: the workspace verdicts' lowest common threshold whose pooled precision reaches the global pack's (chosen on the test: an upper bound).
    const gp = prec(gl);
    let atEqual: { threshold: number; coverage: number; precision: number } | null = null;
    for (let s = 0; s <= 100; s++) {
      const t: Tally = { test: 0, written: 0, right: 0 };
      for (const x of list) add(t, x.ws, x.truth, s / 100);
      if (t.written >= 10 && prec(t) >= gp) {
        atEqual = { threshold: s / 100, coverage: cov(t), precision: prec(t) };
        break;
      }
    }
    const teamsHere = figures.filter((f) => f.answers === n);
    return {
      answers: n,
      teams: teamsHere.length,
      live: teamsHere.filter((f) => f.live).length,
      test: ws.test,
      workspace: { precision: prec(ws), coverage: cov(ws), written: ws.written },
      global: { precision: gp, coverage: cov(gl), written: gl.written },
      workspaceAtGlobalPrecision: atEqual,
      trainCpuMsMax: Math.max(...teamsHere.map((f) => f.trainCpuMs)),
      modelBytesMax: Math.max(...teamsHere.map((f) => f.modelBytes)),
    };
  });
  const qualifying = teams.map(([t, rs]) => ({ team: t, rows: rs.length }));
  const groups = byTeam.size;
  return { qualifying, groups, figures, pooled: pooledFigures };
}
