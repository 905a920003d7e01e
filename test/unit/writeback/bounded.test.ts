/**
 * The write-back pool (src/services/bounded.ts): at most `concurrency` writes in
 * flight, the first error stops new writes and is thrown once the ones in flight
 * settle, and the first write of each new label runs alone.
 */
import { describe, expect, it } from "vitest";
import { forEachBounded, splitLabelCreators } from "../../../src/services/bounded";

/** Writes that finish only when the test releases them, recording how many were in flight. */
function gate() {
  let inFlight = 0;
  let peak = 0;
  const started: number[] = [];
  const waiting: Array<() => void> = [];
  const fn = async (n: number) => {
    started.push(n);
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise<void>((r) => waiting.push(r));
    inFlight--;
    if (n < 0) throw new Error(`write ${n} failed`);
  };
  const releaseAll = async () => {
    while (waiting.length || inFlight) {
      waiting.splice(0).forEach((r) => r());
      await new Promise((r) => setImmediate(r));
    }
  };
  return { fn, started, releaseAll, peak: () => peak, waiting };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("forEachBounded", () => {
  it.each([1, 3, 4])("keeps at most %i writes in flight and runs every one", async (k) => {
    const g = gate();
    const done = forEachBounded([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], k, g.fn);
    await tick();
    expect(g.waiting).toHaveLength(k);
    await g.releaseAll();
    await done;
    expect(g.peak()).toBe(k);
    expect([...g.started].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("stops starting writes after the first error, lets those in flight finish, then throws it", async () => {
    const g = gate();
    const done = forEachBounded([1, -2, 3, 4, 5, 6], 2, g.fn).catch((e: Error) => e.message);
    await tick();
    expect(g.started).toEqual([1, -2]);
    await g.releaseAll();
    expect(await done).toBe("write -2 failed");
    // 1 and -2 ran; the slot freed by the failure started at most one more before the stop was seen.
    expect(g.started.length).toBeLessThanOrEqual(4);
    expect(g.started).not.toContain(6);
  });
});

describe("splitLabelCreators", () => {
  it("puts the first write of each new label name (any case) first and keeps the order of the rest", () => {
    const a = [
      { kind: "labels", id: 1, desired: ["c:reliability"] },
      { kind: "comment", id: 2, desired: [] },
      { kind: "labels", id: 3, desired: ["C:Reliability"] },
      { kind: "labels", id: 4, desired: ["c:adoption", "c:reliability"] },
      { kind: "labels", id: 5, desired: ["c:adoption"] },
    ];
    const { first, rest } = splitLabelCreators(a, (x) => x.desired);
    expect(first.map((x) => x.id)).toEqual([1, 4]);
    expect(rest.map((x) => x.id)).toEqual([2, 3, 5]);
  });
});
