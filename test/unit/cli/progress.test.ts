import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress } from "../../../src/cli/progress";

function stream(tty: boolean) {
  let text = "";
  const s = new Writable({
    write(chunk, _e, cb) {
      text += String(chunk);
      cb();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  s.isTTY = tty;
  s.columns = 120;
  return { s, text: () => text };
}

function session(tty: boolean) {
  const out = stream(tty);
  const p = createProgress("github:acme/webapp", out.s);
  p.start(0, false);
  p.page(100, 100, 0);
  p.waiting(2000, Date.UTC(2026, 0, 1, 12, 0, 2));
  p.page(40, 140, 1);
  p.done(140, 140);
  return out.text();
}

describe("live-audit progress", () => {
  it("redraws one bar in place on a terminal", () => {
    const text = session(true);
    expect(text).toMatch(/\r\S+ github:acme\/webapp: 100 issues fetched · 1 page · 100 in cache\x1b\[K/);
    expect(text).toMatch(/140 issues fetched · 2 pages · 140 in cache · 1 rate-limit wait/);
    expect(text).toMatch(/rate limited by the tracker; waiting 2 s \(until 12:00:02 UTC\)…\n/);
    expect(text.endsWith("github:acme/webapp: done, 140 issues fetched in 2 pages, 140 in all\n")).toBe(true);
  });

  it("writes plain lines, without control characters, elsewhere", () => {
    const text = session(false);
    expect(text).not.toMatch(/[\r\x1b]/);
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe("github:acme/webapp: fetching every issue (first run)…");
    expect(lines).toContain("github:acme/webapp: skipped 1 malformed item on page 2");
    expect(lines.at(-1)).toBe("github:acme/webapp: done, 140 issues fetched in 2 pages, 140 in all");
  });
});
