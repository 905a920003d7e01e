/**
 * The `backlog-audit` CLI as a user runs it (compiled, from bin/), in fresh processes:
 * - startup: `backlog-audit --version`, best wall time of 15, beside `node -e 0`;
 * - `classify` end to end on 100,000 resampled real issues (JSONL file → stdout to a file),
 *   beside the parse-only floor (bench/cli-floor.mjs) measured in the same run, and the ratio;
 *   each best of 3, alternating CLI and floor runs so both see the same machine load; and the same
 *   ratio in CPU time (user + system, best of 3), steadier than wall time when other jobs share the cores;
 * - peak RSS of `classify` at 20,000 and 100,000 issues (flat = independent of input size).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "bin/backlog-audit.mjs");
// Prints the process's peak RSS and CPU time (user + system, µs) on exit, for the memory and CPU rows.
const RSS_HOOK =
  "data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('\\nmaxrss '+u.maxRSS+' cpu '+(u.userCPUTime+u.systemCPUTime)+'\\n')})";

function timed(args, { out = "/dev/null" } = {}) {
  const fd = openSync(out, "w");
  const t = performance.now();
  const r = spawnSync(process.execPath, ["--import", RSS_HOOK, ...args], { stdio: ["ignore", fd, "pipe"], encoding: "utf8" });
  const ms = performance.now() - t;
  closeSync(fd);
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr.slice(0, 400)}`);
  const rss = Number(/maxrss (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  const cpuMs = Number(/ cpu (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1000;
  return { ms, rssMb: rss, cpuMs };
}

export async function run({ n = 100_000 } = {}) {
  const { buildCli } = await import(pathToFileURL(join(root, "scripts/build-cli.mjs")).href);
  await buildCli({ quiet: true });
  const { loadRows, resample } = await import(pathToFileURL(join(root, "bench/classify-corpus.ts")).href);
  const dir = mkdtempSync(join(tmpdir(), "bench-cli-"));
  try {
    const rows = loadRows(root);
    const write = (count) => {
      const file = join(dir, `${count}.jsonl`);
      writeFileSync(
        file,
        resample(rows, count)
          .map((r) => JSON.stringify(r))
          .join("\n") + "\n",
      );
      return file;
    };
    const big = write(n);
    const small = write(n / 5);

    let startup = Infinity;
    let nodeBare = Infinity;
    for (let i = 0; i < 15; i++) {
      startup = Math.min(startup, timed([bin, "--version"]).ms);
      nodeBare = Math.min(nodeBare, timed(["-e", "0"]).ms);
    }

    const out = join(dir, "out.jsonl");
    let cli = { ms: Infinity, rssMb: 0 };
    let floor = { ms: Infinity, rssMb: 0 };
    let cliCpu = Infinity;
    let floorCpu = Infinity;
    for (let i = 0; i < 3; i++) {
      const c = timed([bin, "classify", big], { out });
      if (c.ms < cli.ms) cli = c;
      cliCpu = Math.min(cliCpu, c.cpuMs);
      const f = timed([join(root, "bench/cli-floor.mjs"), big], { out });
      if (f.ms < floor.ms) floor = f;
      floorCpu = Math.min(floorCpu, f.cpuMs);
    }
    const smallRun = timed([bin, "classify", small], { out });
    const perSec = (ms) => Math.round(n / (ms / 1000));
    return [
      {
        name: "startup: backlog-audit --version (best of 15)",
        value: Math.round(startup),
        unit: "ms",
        baseline: { name: "node -e 0", value: Math.round(nodeBare) },
        note: "target < 300 ms",
      },
      {
        name: `classify end to end, ${n.toLocaleString("en-US")} issues`,
        value: perSec(cli.ms),
        unit: "issues/s",
        baseline: { name: "parse-only floor", value: perSec(floor.ms) },
        note: `${Math.round(cli.ms)} ms vs ${Math.round(floor.ms)} ms, best of 3 each`,
      },
      { name: "classify time / floor time", value: Math.round((cli.ms / floor.ms) * 100) / 100, unit: "×", baseline: { name: "target", value: 2 } },
      {
        name: "classify CPU time / floor CPU time",
        value: Math.round((cliCpu / floorCpu) * 100) / 100,
        unit: "×",
        note: `${Math.round(cliCpu)} ms vs ${Math.round(floorCpu)} ms user + system, best of 3 each (the floor waits on I/O more)`,
      },
      {
        name: `classify peak RSS, ${n.toLocaleString("en-US")} issues`,
        value: Math.round(cli.rssMb),
        unit: "MB",
        baseline: { name: `${(n / 5).toLocaleString("en-US")} issues`, value: Math.round(smallRun.rssMb) },
        note: `floor process: ${Math.round(floor.rssMb)} MB`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
