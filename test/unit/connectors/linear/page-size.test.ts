/**
 * Linear's maximum page size is unverified (Linear documents a default of 50; 250 is an assumption).
 * Against a Linear that accepts less, the connector halves `first` on the argument/complexity error,
 * retries, remembers the size that worked in the scope's cursor, and the sync does not fail.
 */
import { describe, expect, it } from "vitest";
import { decodeCursor } from "../../../../connectors/linear/cursor";
import { setup, syncAll } from "./setup";

describe("adaptive Linear page size", () => {
  it("a Linear that accepts at most 60 per page: the sync delivers every issue once, halving 250 → 125 → 62 → 31 once", async () => {
    const c = setup({ sandbox: { maxPage: 60, seed: { issues: 0 } } });
    const ids = c.sandbox.seedIssues(200);
    c.sandbox.stats.requests = 0;
    const run = await syncAll(c);
    expect(run.issues.map((i) => i.externalId).sort()).toEqual([...ids].sort());
    expect(new Set(run.issues.map((i) => i.externalId)).size).toBe(200);
    // Three refused sizes, then ⌈200/31⌉ = 7 pages at the remembered size (not three refusals per page).
    expect(c.sandbox.stats.requests).toBe(3 + 7);
    expect(decodeCursor(run.cursor).first).toBe(31);

    // The next run starts at the remembered size: a no-op re-sync is one request.
    c.sandbox.stats.requests = 0;
    const again = await syncAll(c, run.cursor);
    expect(again.issues).toEqual([]);
    expect(c.sandbox.stats.requests).toBe(1);
  });

  it("with the default simulator (250 accepted) nothing changes: ⌈N/250⌉ requests", async () => {
    const c = setup({ sandbox: { seed: { issues: 0 } } });
    c.sandbox.seedIssues(300);
    c.sandbox.stats.requests = 0;
    const run = await syncAll(c);
    expect(run.issues.length).toBe(300);
    expect(c.sandbox.stats.requests).toBe(2);
    expect(decodeCursor(run.cursor).first ?? 250).toBe(250);
  });
});
