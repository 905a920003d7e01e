import { describe, expect, it } from "vitest";
import { mdLink, mdText, renderMarkdown } from "../../../src/report";
import { HOSTILE, hostileReport } from "./fixture";

describe("mdText / mdLink", () => {
  it.each([
    { input: "<script>alert(1)</script>", bad: ["<script>", "</script>"] },
    { input: "a | b", bad: ["a | b"] },
    { input: "@everyone and @here", bad: ["@everyone", "@here"] },
    { input: "[click](javascript:alert(1))", bad: [/(?<!\\)\[/, /(?<!\\)\]/] },
    { input: "![img](x)", bad: [/(?<!\\)\[/] },
    { input: "`code` **bold** ~~s~~ _i_", bad: [/(?<!\\)`/, /(?<!\\)\*/, /(?<!\\)~/, /(?<!\\)_/] },
    { input: "line1\nline2\r\n| x |", bad: ["\n", "\r"] },
  ] as Array<{ input: string; bad: Array<string | RegExp> }>)("neutralises $input", ({ input, bad }) => {
    const out = mdText(input);
    for (const b of bad) {
      if (typeof b === "string") expect(out).not.toContain(b);
      else expect(out).not.toMatch(b);
    }
  });

  it("keeps the words readable", () => {
    expect(mdText("a | b").replace(/\\/g, "")).toBe("a | b");
    expect(mdText("@everyone")).toBe("@\u200Deveryone");
  });

  it.each([
    { url: "https://linear.app/x/ENG-1", want: "[ENG\\-1](https://linear.app/x/ENG-1)".replace("\\-", "-") },
    { url: "javascript:alert(1)", want: "ENG-1" },
    { url: "https://x.test/a (b)", want: "[ENG-1](https://x.test/a%20%28b%29)" },
    { url: null, want: "ENG-1" },
  ])("mdLink($url)", ({ url, want }) => {
    expect(mdLink("ENG-1", url)).toBe(want);
  });
});

describe("renderMarkdown", () => {
  const md = renderMarkdown(hostileReport(), { workspaceName: "Acme @everyone" });

  it("has every section", () => {
    for (const h of [
      "# Backlog audit",
      "## Bottleneck: Reliability",
      "### Evidence behind reliability",
      "## Drift:",
      "**Trend:**",
      "## Wish list (2)",
      "## Missing from the plan",
      "## Flags",
      "## Recommendations",
    ]) {
      expect(md).toContain(h);
    }
  });

  it("escapes the hostile title everywhere it appears", () => {
    expect(md).not.toContain("<script>");
    expect(md).not.toContain("@everyone");
    expect(md).not.toContain("@channel");
    expect(md).not.toMatch(/(?<!\\)\]\(javascript/);
    expect(md).not.toContain(HOSTILE);
    expect(md).toContain("&lt;script&gt;");
  });

  it("keeps tables intact: every table row has the header's cell count", () => {
    const lines = md.split("\n");
    let cols = 0;
    for (const line of lines) {
      if (!line.startsWith("|")) {
        cols = 0;
        continue;
      }
      const cells = line.replace(/\\\|/g, "").split("|").length;
      if (cols === 0) cols = cells;
      else expect(cells, line).toBe(cols);
    }
  });

  it("links evidence to the tracker and drops unsafe links", () => {
    expect(md).toMatch(/\[REL-1\]\(https:\/\/linear\.app\/acme\/issue\/ENG-\d+\)/);
    expect(md).toContain("| UN-1 |");
  });

  it("states drift, level, trend and the drifted-since date", () => {
    expect(md).toMatch(/## Drift: \d+% \((aligned|watch|drifted)\)/);
    expect(md).toContain("since 2026");
  });

  it("numbers the recommendations with the 30/60/90 plan", () => {
    expect(md).toMatch(/^1\. \*\*Make reliability your first scaling move/m);
    expect(md).toContain("Days 1–30");
    expect(md).toContain("Days 61–90");
    expect(md).toMatch(/declared focus \(adoption\) disagrees/i);
  });
});
