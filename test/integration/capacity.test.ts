/**
 * The one-database guard on real D1 (docs/scaling.md): D1 reports the database's size; past the
 * refuse mark a first sign-in (which would create a workspace) gets 507 `capacity_exceeded` as
 * JSON, while a returning user with a workspace still signs in.
 */
import { describe, expect, it } from "vitest";
import { databaseBytes } from "../../src/db/health";
import { capacityMarks, capacityState, D1_MAX_BYTES } from "../../src/services/capacity";
import { createHarness, errorCode } from "./auth-harness";

describe("database capacity guard", () => {
  it("reads the database size from D1", async () => {
    const h = createHarness();
    const bytes = await databaseBytes(h.env.DB);
    expect(bytes).toBeGreaterThan(0);
    expect((await capacityState(h.env)).level).toBe("ok");
  });

  it("takes its marks from the settings, with defaults at 70% and 80% of 10 GB", () => {
    expect(capacityMarks({})).toEqual({ alertBytes: 0.7 * D1_MAX_BYTES, refuseBytes: 0.8 * D1_MAX_BYTES });
    expect(capacityMarks({ DB_ALERT_BYTES: "100", DB_REFUSE_TENANTS_BYTES: "200" })).toEqual({ alertBytes: 100, refuseBytes: 200 });
    expect(capacityMarks({ DB_ALERT_BYTES: "-1", DB_REFUSE_TENANTS_BYTES: "x" })).toEqual({ alertBytes: 0.7 * D1_MAX_BYTES, refuseBytes: 0.8 * D1_MAX_BYTES });
  });

  it("refuses a new workspace with 507 capacity_exceeded past the mark, and still lets a returning user in", async () => {
    const h = createHarness();
    const id = `cap-${crypto.randomUUID()}`;
    const before = await h.client().signIn(h.tracker, { id: `${id}-old`, name: "old" });
    expect(before).toMatch(/^\/w\//);

    h.env.DB_REFUSE_TENANTS_BYTES = "1";
    expect((await capacityState(h.env)).level).toBe("full");
    const newcomer = h.client();
    const start = await newcomer.request("/signin/github");
    expect(start.status).toBe(302);
    const cb = await newcomer.request(h.tracker.approve(start.headers.get("location")!, { id: `${id}-new`, name: "new" }));
    expect(cb.status).toBe(507);
    expect(cb.headers.get("content-type")).toContain("application/json");
    expect(await errorCode(cb)).toBe("capacity_exceeded");
    const count = await h.env.DB.prepare("SELECT count(*) AS n FROM workspaces WHERE name = ?").bind("new's workspace").first<{ n: number }>();
    expect(count?.n).toBe(0);

    // A returning user has a workspace already: nothing is created, so the guard does not apply.
    expect(await h.client().signIn(h.tracker, { id: `${id}-old`, name: "old" })).toBe(before);
  });
});
