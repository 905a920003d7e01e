/**
 * Starts the real local stack once for the browser tests: local D1 in a fresh
 * temp folder, the sandbox trackers, and `wrangler dev` on a free port.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
// @ts-expect-error plain ESM helper without types
import { applyMigrations, stackVars, startWorker } from "../../scripts/lib/local-stack.mjs";
// @ts-expect-error plain ESM helper without types
import { seedDemo, startSandbox } from "../../scripts/lib/demo.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    demo: { workspaceId?: string } | null;
  }
}

export default async function setup(project: TestProject) {
  const persistTo = mkdtempSync(join(tmpdir(), "ba-browser-"));
  applyMigrations({ persistTo });
  const port = 18_000 + Math.floor(Math.random() * 2000);
  let sandbox: { stop(): void } | null = null;
  let worker: { url: string; stop(): void } | null = null;
  const teardown = () => {
    worker?.stop();
    sandbox?.stop();
    rmSync(persistTo, { recursive: true, force: true });
  };
  try {
    sandbox = await startSandbox({ port: port + 1, worker: `http://127.0.0.1:${port}`, quiet: true });
    worker = await startWorker({ port, persistTo, quiet: true, vars: stackVars(port, port + 1) });
    const demo = await seedDemo(worker!.url);
    project.provide("baseUrl", worker!.url);
    project.provide("demo", demo);
  } catch (e) {
    // A failed start leaves no wrangler or sandbox process behind (vitest calls no teardown then).
    teardown();
    throw e;
  }
  return async () => teardown();
}
