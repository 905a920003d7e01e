/**
 * Starts the local stack used by `npm start`, the browser tests and the
 * benchmarks: local D1 migrations, the sandbox trackers (when available) and
 * `wrangler dev`. No Cloudflare account and no internet needed.
 */
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { copyFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const binDir = join(root, "node_modules", ".bin");
/** The project's Node (the `node` devDependency, v24) — wrangler needs Node ≥ 22 and the machine may have 20. */
export const NODE = existsSync(join(binDir, "node")) ? join(binDir, "node") : process.execPath;
const WRANGLER = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
/**
 * Child processes find the project's node first on PATH. `CLOUDFLARE_CF_FETCH_ENABLED=false`: miniflare
 * otherwise downloads the `Request.cf` object from workers.cloudflare.com on start and, offline, prints
 * the failure with a stack trace; the Worker does not read `request.cf`, so the placeholder serves.
 */
export const childEnv = (extra = {}) => ({
  ...process.env,
  PATH: `${binDir}:${process.env.PATH ?? ""}`,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
  ...extra,
});

/**
 * Whether `port` on 127.0.0.1 can be listened on: null when free, else why not
 * ("is already in use", "needs privileges").
 */
export function checkPortFree(port, host = "127.0.0.1") {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (e) =>
      resolve(
        e.code === "EADDRINUSE"
          ? "is already in use"
          : e.code === "EACCES"
            ? "needs privileges to listen on"
            : `cannot be listened on (${e.code ?? e.message})`,
      ),
    );
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(null)));
  });
}

/** Whether any process of the group led by `pid` is still alive. */
function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/**
 * Calls `stop` (which signals the child's process group) and resolves once every process of the
 * group has exited — wrangler's workerd as well as wrangler — with SIGKILL after `graceMs`.
 */
export async function waitForExit(proc, stop, graceMs = 5_000) {
  if (!proc?.pid) return;
  const detachedGroup = process.platform !== "win32";
  const alive = () => (detachedGroup ? groupAlive(proc.pid) : proc.exitCode === null && proc.signalCode === null);
  if (!alive()) return;
  stop();
  const until = Date.now() + graceMs;
  while (alive() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  if (!alive()) return;
  try {
    if (detachedGroup) process.kill(-proc.pid, "SIGKILL");
    else proc.kill("SIGKILL");
  } catch {}
  while (alive() && Date.now() < until + 2_000) await new Promise((r) => setTimeout(r, 50));
}

/** The env file wrangler reads: .dev.vars if the user made one, else the committed safe defaults. */
export function envFile() {
  const devVars = join(root, ".dev.vars");
  if (!existsSync(devVars)) copyFileSync(join(root, ".dev.vars.example"), devVars);
  return devVars;
}

export function applyMigrations({ persistTo } = {}) {
  const args = ["d1", "migrations", "apply", "DB", "--local"];
  if (persistTo) args.push("--persist-to", persistTo);
  const r = spawnSync(NODE, [WRANGLER, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: childEnv({ CI: "1" }), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`wrangler d1 migrations apply failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export async function waitForHttp(url, { timeoutMs = 60_000, proc } = {}) {
  const started = Date.now();
  let lastError = "";
  while (Date.now() - started < timeoutMs) {
    if (proc && proc.exitCode !== null) throw new Error(`process exited with ${proc.exitCode} before ${url} answered`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return res;
      lastError = `status ${res.status}`;
    } catch (e) {
      lastError = e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${lastError})`);
}

/**
 * Start wrangler dev. Returns { url, proc, stop }.
 * `cwd` runs wrangler from another copy of the sources (the benchmarks freeze one, so edits
 * to the working tree don't restart the measured Worker).
 * @param {{ port?: number, persistTo?: string, vars?: Record<string,string>, quiet?: boolean, envFile?: string, cwd?: string }} opts
 */
export async function startWorker(opts = {}) {
  const port = opts.port ?? 8787;
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--env-file",
    opts.envFile ?? envFile(),
    "--show-interactive-dev-session=false",
    "--inspector-port",
    "0",
  ];
  if (opts.persistTo) args.push("--persist-to", opts.persistTo);
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push("--var", `${k}:${v}`);
  const proc = spawn(NODE, [WRANGLER, ...args], {
    cwd: opts.cwd ?? root,
    stdio: opts.quiet ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
    env: childEnv(),
    detached: process.platform !== "win32",
  });
  let output = "";
  if (opts.quiet) {
    proc.stdout.on("data", (d) => (output = (output + d).slice(-20_000)));
    proc.stderr.on("data", (d) => (output = (output + d).slice(-20_000)));
  }
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/health`, { proc, timeoutMs: 90_000 });
  } catch (e) {
    stopProcess(proc);
    throw new Error(`${e.message}\n${output}`);
  }
  return { url, proc, stop: () => stopProcess(proc), output: () => output };
}

export function stopProcess(proc) {
  if (!proc?.pid) return;
  try {
    process.kill(-proc.pid, "SIGTERM");
  } catch {
    proc.kill("SIGTERM");
  }
}

/** Vars that point the Worker at a sandbox on `sandboxPort` and at its own public URL (for non-default ports). */
export function stackVars(workerPort, sandboxPort) {
  const sb = `http://127.0.0.1:${sandboxPort}`;
  return {
    PUBLIC_BASE_URL: `http://127.0.0.1:${workerPort}`,
    GITHUB_API_BASE: `${sb}/github/api`,
    GITHUB_OAUTH_BASE: `${sb}/github`,
    LINEAR_API_BASE: `${sb}/linear/api`,
    LINEAR_OAUTH_BASE: `${sb}/linear`,
    JIRA_API_BASE: `${sb}/jira/api`,
    JIRA_OAUTH_BASE: `${sb}/jira/auth`,
  };
}
