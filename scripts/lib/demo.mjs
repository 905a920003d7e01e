/**
 * The demo: the sandbox trackers (a Node process serving all three simulators)
 * and the demo workspace seeded through the running Worker.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { NODE, childEnv, root, stopProcess, waitForHttp } from "./local-stack.mjs";

/** Start the sandbox trackers on `port`, if the sandbox server exists. */
export async function startSandbox({ port = 8788, quiet = false } = {}) {
  const entry = join(root, "scripts", "sandbox-server.ts");
  if (!existsSync(entry)) return null;
  const proc = spawn(NODE, ["--import", "tsx", entry, "--port", String(port)], {
    cwd: root,
    env: childEnv(),
    stdio: quiet ? "ignore" : ["ignore", "inherit", "inherit"],
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, { proc, timeoutMs: 30_000 });
  return { url, proc, stop: () => stopProcess(proc) };
}

/** Ask the Worker to seed the demo workspace (only enabled when DEMO_MODE=1). */
export async function seedDemo(workerUrl) {
  const res = await fetch(`${workerUrl}/dev/demo/seed`, { method: "POST" });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`demo seeding failed: ${res.status} ${await res.text()}`);
  return res.json();
}
