/**
 * A local stack without the `wrangler dev` proxy: the Worker is bundled once (`wrangler deploy
 * --dry-run`, the artefact a deploy uploads) and run by Miniflare's API with the bindings wrangler
 * derives from wrangler.toml (the same D1, queue producer and consumers, rate limiters), so requests
 * go from the client straight to workerd. D1 is a fresh temp directory with the migrations applied
 * by wrangler, and the sandbox trackers run in this process's child as in the other service benches.
 *
 * `cpuMs()` reads the workerd process's own CPU time (utime + stime from /proc), so a figure is the
 * CPU the runtime spent, beside a no-op route measured the same way in the same run.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { connectTracker, startSandbox, waitForSync } from "../scripts/lib/demo.mjs";
import { NODE, applyMigrations, childEnv, root, stackVars } from "../scripts/lib/local-stack.mjs";
import { freePort, getJson, readVars } from "./service-stack.mjs";

export const log = (msg) => process.stderr.write(`  [miniflare] ${msg}\n`);

let bundle = null;
/** The Worker bundled as `wrangler deploy` would upload it (once per bench process). */
export function buildWorker() {
  if (bundle) return bundle;
  const outdir = mkdtempSync(join(tmpdir(), "ba-bench-bundle-"));
  const r = spawnSync(NODE, [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    env: childEnv({ CI: "1" }),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${r.stdout}\n${r.stderr}`);
  process.once("exit", () => rmSync(outdir, { recursive: true, force: true }));
  bundle = join(outdir, "index.js");
  return bundle;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ). */
const HZ = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** Every descendant pid of `pid` (Miniflare spawns workerd under this process). */
function descendants(pid) {
  const children = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {}
  }
  const out = [];
  const walk = (p) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function procCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields after the command: state(0) ppid(1) … utime(11) stime(12)
  return ((Number(f[11]) + Number(f[12])) / HZ) * 1000;
}

/**
 * Start Miniflare over the built Worker with a fresh D1 and the sandbox.
 * @param {{ githubIssues?: number, label?: string, vars?: Record<string,string> }} opts
 */
export async function startMiniflareStack(opts = {}) {
  const { Miniflare, convertV4MiniflareOptions } = await import("miniflare");
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const label = opts.label ?? "stack";
  const persistTo = mkdtempSync(join(tmpdir(), "ba-bench-mf-"));
  const [workerPort, sandboxPort] = [await freePort(), await freePort()];
  let mf = null;
  let sandbox = null;
  const stop = async () => {
    try {
      sandbox?.stop();
    } catch {}
    try {
      await mf?.dispose();
    } catch {}
    rmSync(persistTo, { recursive: true, force: true });
  };
  try {
    log(`${label}: build, migrations → ${persistTo}`);
    const scriptPath = buildWorker();
    applyMigrations({ persistTo });
    const { workerOptions: all } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
    // The bindings and compatibility settings wrangler derives from wrangler.toml; the bundle is one ES module (no module rules needed).
    const pick = ["compatibilityDate", "compatibilityFlags", "bindings", "d1Databases", "queueProducers", "queueConsumers", "ratelimits"];
    const workerOptions = Object.fromEntries(pick.filter((k) => all[k] !== undefined).map((k) => [k, all[k]]));
    const vars = { ...readVars(), ...stackVars(workerPort, sandboxPort), LOG_LEVEL: "warn", ...(opts.vars ?? {}) };
    const workerUrl = `http://127.0.0.1:${workerPort}`;
    sandbox = await startSandbox({ port: sandboxPort, worker: workerUrl, quiet: true, githubIssues: opts.githubIssues });
    if (!sandbox) throw new Error("scripts/sandbox-server.ts is missing");
    const before = new Set(descendants(process.pid));
    mf = new Miniflare(
      convertV4MiniflareOptions({
        ...workerOptions,
        name: "backlog-auditor",
        modules: true,
        rootPath: dirname(scriptPath),
        scriptPath,
        bindings: { ...(workerOptions.bindings ?? {}), ...vars },
        host: "127.0.0.1",
        port: workerPort,
        // The same layout `wrangler d1 migrations apply --persist-to` wrote the migrations into.
        resourcePersistencePath: join(persistTo, "v3"),
        logRequests: false,
      }),
    );
    await mf.ready;
    const workerd = descendants(process.pid).filter((p) => !before.has(p) && readFileSync(`/proc/${p}/cmdline`, "utf8").includes("workerd"));
    if (!workerd.length) throw new Error("could not find the workerd process Miniflare started");
    log(
      `${label}: Miniflare on ${workerUrl} (workerd pid ${workerd.join(",")}), sandbox on ${sandbox.url}${opts.githubIssues ? ` (${opts.githubIssues} GitHub issues)` : ""}`,
    );
    const stack = {
      label,
      workerUrl,
      sandboxUrl: sandbox.url,
      persistTo,
      mf,
      workspaceId: null,
      stop,
      /** CPU time the runtime process(es) have used so far, in ms. */
      cpuMs: () => workerd.reduce((a, p) => a + procCpuMs(p), 0),
      /** The D1 SQLite file(s) on disk. */
      sqliteFiles: () => listFiles(join(persistTo, "v3", "d1")).filter((f) => f.endsWith(".sqlite")),
    };
    return stack;
  } catch (e) {
    await stop();
    throw e;
  }
}

function listFiles(dir) {
  let out = [];
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) out = e.isDirectory() ? out.concat(listFiles(join(dir, e.name))) : out.concat(join(dir, e.name));
  } catch {}
  return out;
}
export const fileBytes = (f) => statSync(f).size;

/** Seed the demo workspace and connect GitHub through the sandbox's OAuth pages; waits for the first sync. */
export async function connectAndSync(stack, { timeoutMs = 900_000 } = {}) {
  const { workspaceId } = await getJson(`${stack.workerUrl}/dev/demo/seed`, { method: "POST" });
  stack.workspaceId = workspaceId;
  const cpu0 = stack.cpuMs();
  const t0 = performance.now();
  await connectTracker(stack.workerUrl, workspaceId, "github");
  await waitForSync(stack.workerUrl, workspaceId, { timeoutMs });
  return { syncMs: performance.now() - t0, syncCpuMs: stack.cpuMs() - cpu0 };
}
