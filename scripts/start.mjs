/**
 * `npm start`: applies the local D1 migrations, starts the sandbox trackers and
 * `wrangler dev` on http://127.0.0.1:8787, and seeds the demo workspace.
 *
 *   npm start [-- --port 8787] [--sandbox-port 8788] [--persist-to DIR]
 *   (or PORT=… SANDBOX_PORT=… npm start)
 *
 * A busy port is named before anything starts, with how to choose others. Ctrl+C
 * (SIGINT) or SIGTERM stops the Worker and the sandbox, waits until they have
 * exited, and only then exits: no process is left behind.
 */
import { applyMigrations, checkPortFree, envFile, stackVars, startWorker, waitForExit } from "./lib/local-stack.mjs";
import { seedDemo, startSandbox } from "./lib/demo.mjs";

const DEFAULT_PORT = 8787;
const DEFAULT_SANDBOX_PORT = 8788;

function option(name, envName, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[envName];
  return raw === undefined || raw === "" ? fallback : raw;
}

function portOption(name, envName, fallback) {
  const raw = option(name, envName, String(fallback));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) fail(`--${name} must be a port number (1–65535), not "${raw}".`);
  return n;
}

/** A message and exit code 1, without a stack trace. */
function fail(message) {
  console.error(`\nnpm start: ${message}`);
  process.exit(1);
}

const port = portOption("port", "PORT", DEFAULT_PORT);
const sandboxPort = portOption("sandbox-port", "SANDBOX_PORT", DEFAULT_SANDBOX_PORT);
const persistTo = option("persist-to", "PERSIST_TO", undefined);
if (port === sandboxPort) fail(`the Worker and the sandbox need two different ports (both are ${port}).`);

const howToChoose = (taken) => {
  const a = taken === port ? port + 10 : port;
  const b = taken === sandboxPort ? sandboxPort + 10 : sandboxPort;
  return `Stop whatever is using it (another \`npm start\` or \`wrangler dev\`?), or choose other ports:\n  npm start -- --port ${a} --sandbox-port ${b}\n  (or PORT=${a} SANDBOX_PORT=${b} npm start)`;
};
for (const [p, what] of [
  [port, "the Worker (wrangler dev)"],
  [sandboxPort, "the sandbox trackers"],
]) {
  const problem = await checkPortFree(p);
  if (problem) fail(`port ${p}, wanted for ${what}, ${problem}.\n${howToChoose(p)}`);
}

const children = [];
let stopping = false;
/** Stops every child (their whole process groups) and waits for them to exit, then exits. */
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await Promise.all(children.map((c) => c.stop()));
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGHUP", () => void shutdown(0));

try {
  envFile();
  console.log("Applying local D1 migrations…");
  applyMigrations({ persistTo });
  const custom = port !== DEFAULT_PORT || sandboxPort !== DEFAULT_SANDBOX_PORT;
  const sandbox = await startSandbox({ port: sandboxPort, worker: `http://127.0.0.1:${port}` });
  if (sandbox) children.push({ stop: () => waitForExit(sandbox.proc, sandbox.stop) });
  console.log("Starting the Worker (wrangler dev)…");
  const worker = await startWorker({ port, persistTo, vars: custom ? stackVars(port, sandboxPort) : undefined });
  children.push({ stop: () => waitForExit(worker.proc, worker.stop) });
  worker.proc.on("exit", (code) => void shutdown(code ?? 0));
  const seeded = await seedDemo(worker.url, { log: (m) => console.log(m) });
  console.log(`\nBacklog Auditor is running on ${worker.url}`);
  if (seeded?.workspaceId) console.log(`Demo workspace: ${worker.url}/w/${seeded.workspaceId}/report`);
  if (seeded?.workspaceId) console.log(`Review questions: ${worker.url}/w/${seeded.workspaceId}/review`);
  if (sandbox) console.log(`Sandbox trackers: ${sandbox.url} (GitHub, Linear, Jira)`);
  console.log("Press Ctrl+C to stop.");
} catch (e) {
  if (!stopping) {
    console.error(`\nnpm start: ${e instanceof Error ? e.message : String(e)}`);
    await shutdown(1);
  }
}
