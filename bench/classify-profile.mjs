/**
 * Quick classification timing and profiling driver (no CLI, no naive baseline):
 * `node_modules/.bin/node --import tsx bench/classify-profile.mjs [rules|model|both] [N]`.
 * Prints CPU µs per issue (process.cpuUsage: user + system) and wall-clock issues/s.
 * Add `--cpu-prof` to the node flags for a profile of the same loop.
 */
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const mode = process.argv[2] ?? "both";
const N = Number(process.argv[3] ?? 100_000);
const rules = await import(pathToFileURL(join(root, "rules/index.ts")).href);
const { loadRows, resample, toIssues } = await import(pathToFileURL(join(root, "bench/classify-corpus.ts")).href);
const issues = toIssues(resample(loadRows(root), N));
const base = rules.loadDefaultPack();

function measure(name, compiled, reps = 5) {
  for (let i = 0; i < Math.min(2000, N); i++) rules.classify(compiled, issues[i]);
  let bestCpu = Infinity;
  let bestWall = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = process.cpuUsage();
    const w = performance.now();
    for (const issue of issues) rules.classify(compiled, issue);
    const d = process.cpuUsage(t);
    bestWall = Math.min(bestWall, performance.now() - w);
    bestCpu = Math.min(bestCpu, (d.user + d.system) / 1000);
  }
  const us = (bestCpu * 1000) / N;
  console.log(`${name.padEnd(14)} ${us.toFixed(2).padStart(7)} µs/issue CPU  ${Math.round(N / (bestCpu / 1000)).toLocaleString("en-US").padStart(9)} issues/s CPU  ${Math.round(N / (bestWall / 1000)).toLocaleString("en-US").padStart(9)} issues/s wall`);
}

if (mode === "rules" || mode === "both") measure("rules only", rules.compilePack({ ...base, model: null }));
if (mode === "model" || mode === "both") measure("rules + model", rules.compilePack(base));
