/**
 * The local-demo and bench routes (`/dev/*`) exist only when DEMO_MODE=1: `createApp` mounts them
 * only then, and the Worker builds its app from the request's env. Without the flag every `/dev/*`
 * path is an unknown route (404 `not_found` JSON); with it they answer.
 * Run: npx vitest run --project workers test/integration/dev-routes.test.ts
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { defaultDeps } from "../../src/deps";
import type { Env } from "../../src/env";
import worker from "../../src/index";

const baseEnv = env as unknown as Env;

async function call(e: Env, method: string, path: string, body?: unknown) {
  const ctx = createExecutionContext();
  const init: RequestInit = { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) };
  const res = await worker.fetch(new Request(`http://127.0.0.1:8787${path}`, init), e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const DEV_ROUTES: Array<[string, string]> = [
  ["POST", "/dev/demo/seed"],
  ["POST", "/dev/demo/history"],
  ["GET", "/dev/stats"],
  ["GET", "/dev/bench/issues?workspaceId=ws_x"],
  ["POST", "/dev/fixtures/issue"],
  ["POST", "/dev/fixtures/scenario"],
];

const devPaths = (app: ReturnType<typeof createApp>) => app.routes.filter((r) => r.path.startsWith("/dev/")).map((r) => `${r.method} ${r.path}`);

describe("/dev/* routes", () => {
  it("are not mounted without DEMO_MODE=1, and are with it", () => {
    expect(devPaths(createApp())).toEqual([]);
    expect(devPaths(createApp({ ...defaultDeps(), demoMode: false }))).toEqual([]);
    const mounted = devPaths(createApp({ ...defaultDeps(), demoMode: true }));
    for (const [method, path] of DEV_ROUTES) expect(mounted, `${method} ${path}`).toContain(`${method} ${path.split("?")[0]}`);
  });

  it("answer 404 not_found JSON through the Worker when DEMO_MODE is not 1", async () => {
    for (const flag of ["0", undefined]) {
      const e = { ...baseEnv, DEMO_MODE: flag } as Env;
      for (const [method, path] of DEV_ROUTES) {
        const res = await call(e, method, path, method === "POST" ? {} : undefined);
        expect(res.status, `${method} ${path} (DEMO_MODE=${flag})`).toBe(404);
        const body = (await res.json()) as { error: { code: string } };
        expect(body.error.code).toBe("not_found");
      }
    }
  });

  it("work through the Worker when DEMO_MODE=1 (the same isolate serves both)", async () => {
    const on = { ...baseEnv, DEMO_MODE: "1" } as Env;
    const seed = await call(on, "POST", "/dev/demo/seed");
    expect(seed.status).toBe(200);
    const { workspaceId } = (await seed.json()) as { workspaceId: string };
    expect(workspaceId).toMatch(/^ws_/);
    const stats = await call(on, "GET", `/dev/stats?workspaceId=${workspaceId}`);
    expect(stats.status).toBe(200);
    const issues = await call(on, "GET", `/dev/bench/issues?workspaceId=${workspaceId}&limit=5`);
    expect(issues.status).toBe(200);
    expect(((await issues.json()) as { items: unknown[] }).items).toBeInstanceOf(Array);
    // …and the flag is read per request: the same Worker, without it, has no such routes.
    expect((await call({ ...baseEnv, DEMO_MODE: "0" } as Env, "GET", `/dev/stats?workspaceId=${workspaceId}`)).status).toBe(404);
  });
});
