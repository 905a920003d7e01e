/**
 * `npm start`: applies the local D1 migrations, starts the sandbox trackers and
 * `wrangler dev` on http://127.0.0.1:8787, and seeds the demo workspace.
 */
import { applyMigrations, envFile, startWorker } from "./lib/local-stack.mjs";
import { seedDemo, startSandbox } from "./lib/demo.mjs";

envFile();
console.log("Applying local D1 migrations…");
applyMigrations();
const sandbox = await startSandbox({ port: 8788, worker: "http://127.0.0.1:8787" });
console.log("Starting the Worker (wrangler dev)…");
const worker = await startWorker({ port: 8787 });
const seeded = await seedDemo(worker.url, { log: (m) => console.log(m) });
console.log(`\nBacklog Auditor is running on ${worker.url}`);
if (seeded?.workspaceId) console.log(`Demo workspace: ${worker.url}/w/${seeded.workspaceId}/report`);
if (seeded?.workspaceId) console.log(`Review questions: ${worker.url}/w/${seeded.workspaceId}/review`);
if (sandbox) console.log(`Sandbox trackers: ${sandbox.url} (GitHub, Linear, Jira)`);
console.log("Press Ctrl+C to stop.");
const stop = () => {
  worker.stop();
  sandbox?.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
worker.proc.on("exit", (code) => {
  sandbox?.stop();
  process.exit(code ?? 0);
});
