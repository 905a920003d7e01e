import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../../src/app-env";
import { rateLimit, type RateLimitBinding } from "../../../src/auth/rate-limit";
import { onError } from "../../../src/middleware/errors";

function app(clock: { now: number }, env: Record<string, unknown> = {}, binding?: string) {
  const a = new Hono<AppEnv>();
  a.use("*", async (c, next) => {
    c.set("deps", { fetch: fetch, now: () => clock.now });
    await next();
  });
  a.use("*", rateLimit({ name: "t", binding, limit: 2, periodSeconds: 10 }));
  a.get("/", (c) => c.text("ok"));
  a.onError(onError);
  return (ip = "1.1.1.1") => a.request("/", { headers: { "cf-connecting-ip": ip } }, env);
}

describe("rateLimit fallback (fixed window)", () => {
  it("counts per key and resets with the window, with retry-after = seconds left", async () => {
    const clock = { now: 1_000_000_000_000 + 3_000 };
    const call = app(clock);
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const over = await call();
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBe("7");
    expect((await call("2.2.2.2")).status).toBe(200);
    clock.now += 7_000;
    expect((await call()).status).toBe(200);
  });
});

describe("rateLimit with a binding", () => {
  it("defers to the binding and answers 429 with the period as retry-after", async () => {
    const seen: string[] = [];
    const binding: RateLimitBinding = { limit: async ({ key }) => (seen.push(key), { success: seen.length <= 1 }) };
    const call = app({ now: 0 }, { RL: binding }, "RL");
    expect((await call()).status).toBe(200);
    const over = await call();
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBe("10");
    expect(seen).toEqual(["t:ip:1.1.1.1", "t:ip:1.1.1.1"]);
  });
});
