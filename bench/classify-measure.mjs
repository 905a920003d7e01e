/**
 * One classification measurement in a process of its own:
 * `node_modules/.bin/node --import tsx bench/classify-measure.mjs <rules|model|naive|naive-alt|bare> [N] [--reps R]`
 * prints one JSON line `{ mode, n, ms, wallMs, result }` (best CPU ms and best wall ms of R runs).
 *
 * `bench/classify.mjs` runs each configuration through this script in a fresh process, as JMH forks
 * per benchmark: V8 optimizes the hot functions for the types it saw first, so a configuration
 * measured after another one in the same process (rules only, then rules + model, or after the
 * naive baseline's regexes) inherits feedback it would never see in real use, where a process
 * classifies with one pack. Add `--cpu-prof` to the node flags to profile one configuration.
 *
 * Modes:
 * - `rules`: the default pack without its text model;
 * - `model`: the default pack with its text model;
 * - `naive`: the naive baseline (each rule's keywords as separate case-insensitive JS regexes);
 * - `naive-alt`: the stronger naive baseline (one alternation regex per keyword condition);
 * - `bare`: calibration, a charCodeAt loop reading every title and body character once.
 */
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args.splice(at, 2)[1]) : fallback;
};
const reps = flag("--reps", 3);
const [mode = "model", nArg] = args;
const N = Number(nArg ?? 100_000);
if (!["rules", "model", "naive", "naive-alt", "bare"].includes(mode) || !(N > 0)) {
  console.error("usage: classify-measure.mjs <rules|model|naive|naive-alt|bare> [N] [--reps R]");
  process.exit(2);
}

const rules = await import(pathToFileURL(join(root, "rules/index.ts")).href);
const { loadRows, resample, toIssues } = await import(pathToFileURL(join(root, "bench/classify-corpus.ts")).href);
const issues = toIssues(resample(loadRows(root), N));
const base = rules.loadDefaultPack();

/** Best CPU time (user + system, this process) and best wall time of `reps` runs of `fn` over `n` issues. */
function best(n, warm, fn) {
  for (let i = 0; i < Math.min(warm, n); i++) fn(i);
  let ms = Infinity;
  let wallMs = Infinity;
  let result = 0;
  for (let r = 0; r < reps; r++) {
    const t = process.cpuUsage();
    const w = performance.now();
    let count = 0;
    for (let i = 0; i < n; i++) count += fn(i);
    const d = process.cpuUsage(t);
    wallMs = Math.min(wallMs, performance.now() - w);
    ms = Math.min(ms, (d.user + d.system) / 1000);
    result = count;
  }
  return { ms, wallMs, result };
}

let out;
if (mode === "rules" || mode === "model") {
  const compiled = rules.compilePack(mode === "rules" ? { ...base, model: null } : base);
  // result: how many issues the pack abstains on (a cross-check that both runs did the work)
  out = { n: N, ...best(N, 2000, (i) => (rules.classify(compiled, issues[i]).constraint === null ? 1 : 0)) };
} else if (mode === "naive" || mode === "naive-alt") {
  const { naiveClassifier } = await import(pathToFileURL(join(root, "bench/classify-naive.ts")).href);
  const naive = naiveClassifier(base.rules, { alternation: mode === "naive-alt" });
  // The naive classifier is ~10× slower: 20k issues give the same precision in a tenth of the time.
  const n = Math.min(N, 20_000);
  out = { n, ...best(n, 500, (i) => (naive(issues[i]) === null ? 1 : 0)) };
} else {
  out = {
    n: N,
    ...best(N, 0, (i) => {
      const { title, body } = issues[i];
      let sum = 0;
      for (let k = 0; k < title.length; k++) sum += title.charCodeAt(k);
      for (let k = 0; k < body.length; k++) sum += body.charCodeAt(k);
      return sum & 1;
    }),
  };
}
console.log(JSON.stringify({ mode, ...out }));
