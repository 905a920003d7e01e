/**
 * One local stack for the service benchmarks: a fresh temp D1 (`persistTo`),
 * the sandbox trackers and `wrangler dev` on free loopback ports (never
 * 8787/8788, where the user's `npm start` may run), and the demo workspace with
 * GitHub connected through the real OAuth pages. `stop()` ends both processes
 * and removes the temp directory.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectTracker, startSandbox, waitForSync } from "../scripts/lib/demo.mjs";
import { applyMigrations, root, stackVars, startWorker } from "../scripts/lib/local-stack.mjs";

export const log = (msg) => process.stderr.write(`  [service] ${msg}\n`);

/**
 * A frozen copy of the Worker's sources for this bench run. `wrangler dev` watches its sources and
 * restarts the Worker on every change ("Your worker restarted mid-request"), dropping in-memory queue
 * messages; while other work edits the repo, a copy keeps the measured Worker still. Same config,
 * same code as at the start of the run; node_modules is linked, not copied.
 */
let frozen = null;
export function frozenSources() {
  if (frozen) return frozen;
  const dir = mkdtempSync(join(tmpdir(), "ba-bench-src-"));
  // Every top-level source folder (not a fixed list: the Worker also imports domain/, and a list
  // written before that move built a Worker that never answered /health).
  const skip = new Set(["node_modules", "dist", "test", "test-artifacts", "bench", "docs", "scripts", "bin"]);
  for (const d of readdirSync(root, { withFileTypes: true }))
    if (d.isDirectory() && !d.name.startsWith(".") && !skip.has(d.name)) cpSync(join(root, d.name), join(dir, d.name), { recursive: true });
  for (const name of ["wrangler.toml", "package.json", "tsconfig.json"]) cpSync(join(root, name), join(dir, name));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  frozen = dir;
  return dir;
}

/** `startWorker` run from the frozen copy of the sources. */
const startFrozenWorker = ({ port, persistTo, vars }) => startWorker({ port, persistTo, vars, quiet: true, cwd: frozenSources() });

/** A free loopback port other than the defaults of `npm start`. */
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const s = createServer();
      s.unref();
      s.on("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    if (port !== 8787 && port !== 8788) return port;
  }
}

/** The env file both the sandbox and the Worker read (`.dev.vars` when present, else the committed example). */
export function readVars() {
  const file = existsSync(join(root, ".dev.vars")) ? join(root, ".dev.vars") : join(root, ".dev.vars.example");
  const out = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

export async function getJson(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/**
 * Start a stack. With `connect`, the demo workspace is created and GitHub connected; the first sync is awaited
 * unless `waitSync` is false (the scale benchmark times it itself).
 * @param {{ githubIssues?: number, connect?: boolean, waitSync?: boolean, syncTimeoutMs?: number, label?: string }} opts
 */
export async function startStack(opts = {}) {
  const persistTo = mkdtempSync(join(tmpdir(), "ba-bench-"));
  const [workerPort, sandboxPort] = [await freePort(), await freePort()];
  const label = opts.label ?? "stack";
  let sandbox = null;
  let worker = null;
  const stop = () => {
    try {
      worker?.stop();
    } catch {}
    try {
      sandbox?.stop();
    } catch {}
    setTimeout(() => rmSync(persistTo, { recursive: true, force: true }), 1500).unref?.();
  };
  process.once("exit", () => rmSync(persistTo, { recursive: true, force: true }));
  try {
    log(`${label}: migrations → ${persistTo}`);
    applyMigrations({ persistTo });
    const workerUrl = `http://127.0.0.1:${workerPort}`;
    log(`${label}: sandbox on :${sandboxPort}${opts.githubIssues ? ` (${opts.githubIssues} GitHub issues)` : ""}, worker on :${workerPort}`);
    sandbox = await startSandbox({ port: sandboxPort, worker: workerUrl, quiet: true, githubIssues: opts.githubIssues });
    if (!sandbox) throw new Error("scripts/sandbox-server.ts is missing");
    worker = await startFrozenWorker({ port: workerPort, persistTo, vars: { ...stackVars(workerPort, sandboxPort), LOG_LEVEL: "warn" } });
    const stack = { workerUrl, sandboxUrl: sandbox.url, persistTo, worker, sandbox, stop, workspaceId: null };
    if (opts.connect !== false) {
      const { workspaceId } = await getJson(`${workerUrl}/dev/demo/seed`, { method: "POST" });
      stack.workspaceId = workspaceId;
      log(`${label}: connecting GitHub (sandbox OAuth pages)…`);
      stack.connectStartedAt = performance.now();
      await connectTracker(workerUrl, workspaceId, "github");
      if (opts.waitSync !== false) await waitForSync(workerUrl, workspaceId, { timeoutMs: opts.syncTimeoutMs ?? 300_000 });
    }
    return stack;
  } catch (e) {
    stop();
    throw e;
  }
}

export const stats = (stack) => getJson(`${stack.workerUrl}/dev/stats?workspaceId=${encodeURIComponent(stack.workspaceId ?? "")}`);
export const sandboxStats = (stack) => getJson(`${stack.sandboxUrl}/_control/stats`);
/**
 * Wait until the Worker stops writing (SQLite's change counter nearly still for `quietMs`): the queue's
 * follow-up jobs (classify → audit → write-back plan) are done and do not compete with a measurement.
 */
export async function waitQuiet(stack, { quietMs = 3000, timeoutMs = 180_000, selfWrites = 4 } = {}) {
  const started = performance.now();
  let last = (await stats(stack)).totalChanges;
  let since = performance.now();
  while (performance.now() - started < timeoutMs) {
    await sleep(500);
    const now = (await stats(stack)).totalChanges;
    // Each /dev/stats call itself moves the counter by ~2 (D1's own bookkeeping): allow for that.
    const busy = now !== null && last !== null && now - last > selfWrites;
    last = now;
    if (busy) since = performance.now();
    else if (performance.now() - since >= quietMs) return performance.now() - started;
  }
  return null;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Percentile of a numeric sample (nearest rank). */
export function pct(values, p) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
