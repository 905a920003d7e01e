import { describe, expect, it } from "vitest";
import { cleanBody, evaluatePack } from "../../../rules";
import { atxHeading } from "../../../rules/engine/clean-text";
import { seededRandom } from "../../../domain/random";
import { issue, oneRule } from "./helpers";

const noise: Array<[string, string]> = [
  ["fenced code", "Saving works.\n```\nTypeError: crash in render\n```\n"],
  ["tilde fence", "Saving works.\n~~~\ncrash\n~~~\n"],
  ["indented code", "Saving works.\n\n    throw new Error('crash')\n    at line\n"],
  ["JS stack trace", "Saving works.\nError: boom\n    at crashHandler (src/app.js:10:5)\n    at run (node:internal/x:1:2)\n"],
  ["Python traceback", 'Saving works.\nTraceback (most recent call last):\n  File "app.py", line 3, in <module>\nRuntimeError: crash\n'],
  ["Java frames", "Saving works.\nat com.acme.Crash.run(Crash.java:12)\nCaused by: java.lang.IllegalStateException: crash\n... 12 more\n"],
  ["timestamped log", "Saving works.\n2024-03-01 10:00:01 ERROR crash detected\n[12:00:01] crash\n"],
  ["log level lines", "Saving works.\n[ERROR] crash in worker\nWARN: crash soon\n"],
  ["quoted reply", "Saving works.\n> it crashed for me too\n"],
  ["HTML comment", "Saving works.\n<!-- Please describe the crash -->\n"],
  ["unchecked template checklist", "Saving works.\n- [ ] I checked this is not a crash already reported\n"],
  ["[log] placeholder", "Saving works. [log]"],
];

describe("cleanBody", () => {
  it.each(noise)("strips %s so a crash word there does not fire", (_n, body) => {
    expect(cleanBody(body).text).toBe("Saving works.");
    const ev = evaluatePack(oneRule({ fact: "body", keywords: ["crash"] }), issue({ title: "t", body }));
    expect(ev.fired).toEqual([]);
  });

  it("keeps prose crash words", () => {
    const ev = evaluatePack(oneRule({ fact: "body", keywords: ["crash"] }), issue({ title: "t", body: "The editor crashes when I save." }));
    expect(ev.fired).toHaveLength(1);
  });

  it("drops headings with nothing under them and template placeholders", () => {
    const body = [
      "### Describe the bug",
      "A clear and concise description of what the bug is.",
      "Export to CSV hangs.",
      "",
      "### Screenshots",
      "",
      "### Additional context",
      "_No response_",
    ].join("\n");
    expect(cleanBody(body).text).toBe("### Describe the bug\nExport to CSV hangs.");
  });

  it("strips template sentences only from template-shaped bodies; reproduction placeholders anywhere", () => {
    // Under a bold template label: blanked out (spaces keep the offsets of the rest).
    const templated = cleanBody("**Describe the bug**\nA clear and concise description of what the bug is. Export hangs.").text;
    expect(templated).not.toContain("concise");
    expect(templated).toMatch(/^\*\*Describe the bug\*\*\n +Export hangs\.$/);
    // The same words in plain prose with no heading or bold label are the reporter's own: kept.
    expect(cleanBody("A clear and concise description of what the bug is. Export hangs.").text).toBe(
      "A clear and concise description of what the bug is. Export hangs.",
    );
    // "Go to '...'" and "_No response_" are stripped with no heading.
    expect(cleanBody("1. Go to '...'\n2. Export hangs").text).not.toContain("Go to");
    expect(cleanBody("Export hangs\n_No response_").text).toBe("Export hangs");
  });

  it("parses ATX headings exactly as the heading regex it replaces, on 20,000 generated lines", () => {
    const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
    const parts = ["#", "#", "#", "##", " ", " ", "\t", "\u00a0", "a", "Bug", "x y", "*", "\u2028", "#!", "  #", "é"];
    const random = seededRandom(7);
    let headings = 0;
    for (let k = 0; k < 20_000; k++) {
      let line = " ".repeat(Math.floor(random() * 5)) + "#".repeat(1 + Math.floor(random() * 7));
      const pieces = Math.floor(random() * 7);
      for (let p = 0; p < pieces; p++) line += parts[Math.floor(random() * parts.length)];
      let f = 0;
      while (f < line.length && (line.charCodeAt(f) === 32 || line.charCodeAt(f) === 9)) f++;
      const m = HEADING.exec(line);
      const expected = m === null ? null : { level: m[1]!.length, name: m[2] ?? "" };
      expect(atxHeading(line, f), JSON.stringify(line)).toEqual(expected);
      if (expected !== null) headings++;
    }
    // Both outcomes were exercised.
    expect(headings).toBeGreaterThan(2_000);
    expect(headings).toBeLessThan(18_000);
  });

  it("keeps checked checklist lines and list items in nested markdown", () => {
    const body = "Tasks:\n- [x] done part\n    - nested item\n";
    expect(cleanBody(body).text).toBe("Tasks:\n- [x] done part\n    - nested item");
  });

  it("splits sections by heading, issue-form bold headings included", () => {
    const s = cleanBody("## Steps to reproduce:\n1. Open\n2. Save\n\n**Expected behavior**\nIt saves\n\n### Environment\n").sections;
    expect(s.get("steps to reproduce")).toBe("1. Open\n2. Save");
    expect(s.get("expected behavior")).toBe("It saves");
    expect(s.has("environment")).toBe(false);
  });

  it("nests subsections under their parent heading", () => {
    const s = cleanBody("## Bug\n### Where\nIn the editor\n## Other\nx").sections;
    expect(s.get("bug")).toBe("### Where\nIn the editor");
    expect(s.get("where")).toBe("In the editor");
  });
});
