import { describe, expect, it } from "vitest";
import type { Reason } from "../../../domain/types";
import { BODY_MAX, COMMENT_MARKER_PREFIX, commentMarker, hashBody, neutralize, planWriteBack, renderComment, safeUrl } from "../../../src/core/writeback";
import { SETTINGS, commentsOf, facts, type FactSpec } from "./helpers";

const hostile: Reason[] = [
  { ruleId: "rel.crash", source: "rule", constraint: "reliability", weight: 3, field: "title", match: "@everyone crash <img src=x onerror=alert(1)>" },
  { ruleId: "rel.link", source: "rule", constraint: "reliability", weight: 2, field: "body", match: "#1 [x](javascript:alert(1)) ![i](https://e/p.png)" },
  { ruleId: "<script>@admins", source: "rule", constraint: "reliability", weight: 1, field: "section:<b>Steps</b> @here", match: "`code` @octocat/team" },
];

describe("renderComment", () => {
  const body = renderComment(facts({ reasons: hostile }), { dominant: "reliability", reportUrl: "https://app.example/r/1" })!;

  it("shows verdict, confidence, the deciding rules, the four scores, dominant and report link", () => {
    expect(body).toContain("**reliability** (confidence 0.90)");
    expect(body).toContain("rel.crash");
    for (const s of ["Business impact: **3/5**", "Evidence strength: **4/5**", "Execution confidence: **3/5**", "Strategic timing: **2/5**"])
      expect(body).toContain(s);
    expect(body).toContain("customer words");
    expect(body).toContain("**On the dominant constraint** (reliability)");
    expect(body).toContain("[Full audit report](https://app.example/r/1)");
  });

  it.each([
    ["raw @mention", /(^|[^\u200D])@(everyone|here|octocat|admins)/],
    ["HTML tag", /<\/?[a-z]/i],
    ["Markdown link", /\]\(/],
    ["Markdown image", /!\[/],
    ["#123 cross-reference", /#\d/],
    ["javascript: URL", /javascript:/i],
  ])("quotes no %s", (_name, re) => expect(body.replace("[Full audit report](https://app.example/r/1)", "")).not.toMatch(re));

  it("every quoted fragment sits inside a balanced code span", () => {
    for (const line of body.split("\n")) expect((line.match(/`/g) ?? []).length % 2).toBe(0);
  });

  it("never includes the issue's own title or body", () => {
    const b = renderComment(facts({ title: "SECRET-TITLE @ceo", body: "SECRET-BODY", reasons: [] }), { dominant: null })!;
    expect(b).not.toContain("SECRET");
    expect(b).toContain("no individual signal");
  });

  it("is deterministic: same facts, same body and hash", () => {
    const again = renderComment(facts({ reasons: hostile }), { dominant: "reliability", reportUrl: "https://app.example/r/1" })!;
    expect(again).toBe(body);
    expect(hashBody(again)).toBe(hashBody(body));
  });

  it("caps quotes, reasons and total length", () => {
    const many: Reason[] = Array.from({ length: 50 }, (_, i) => ({
      ruleId: `r${i}`,
      source: "rule",
      constraint: "reliability",
      weight: 50 - i,
      field: "body",
      match: "x".repeat(5000),
    }));
    const b = renderComment(facts({ reasons: many }), { dominant: null })!;
    expect(b.length).toBeLessThanOrEqual(BODY_MAX);
    expect(b).toContain("r2");
    expect(b).not.toContain("r3`");
    expect(b).not.toContain("x".repeat(61));
  });

  it.each([
    ["dominant other", "throughput" as const, "**Not on the dominant constraint** (throughput)"],
    ["no dominant", null, "no dominant constraint"],
  ])("dominant line: %s", (_n, dominant, want) => expect(renderComment(facts(), { dominant })).toContain(want));

  it("returns null without a verdict", () => expect(renderComment(facts({ c: null }), { dominant: null })).toBeNull());

  it.each(["javascript:alert(1)", "data:text/html,x", "not a url", ""])("drops an unsafe report URL %j", (url) => {
    expect(renderComment(facts(), { dominant: null, reportUrl: url })).not.toContain("Full audit report");
  });
});

describe("neutralize", () => {
  it.each([
    ["@everyone", "`@\u200Deveryone`"],
    ["<img onerror=x>", "`‹img onerror=x›`"],
    ["[x](javascript:y)", "`[x]\u200B(javascript\u200B:y)`"],
    ["fixes #1", "`fixes #\u200D1`"],
    ["a`b`c", "`a'b'c`"],
    ["line1\nline2\t\u202Eevil", "`line1 line2 evil`"],
    ["a|b", "`a¦b`"],
    ["   ", "`…`"],
  ])("%j → %j", (input, want) => expect(neutralize(input)).toBe(want));

  it("caps length with an ellipsis", () => {
    const out = neutralize("y".repeat(500), 20);
    expect([...out.slice(1, -1)].length).toBe(20);
    expect(out.endsWith("…`")).toBe(true);
  });
});

describe("hashBody, commentMarker, safeUrl", () => {
  it.each([
    ["", "cbf29ce484222325"],
    ["a", "af63dc4c8601ec8c"],
    ["foobar", "85944171f73967e8"],
  ])("FNV-1a 64 of %j = %s", (s, h) => expect(hashBody(s)).toBe(h));

  it("hashes UTF-8 (non-ASCII differs from its look-alike)", () => expect(hashBody("é")).not.toBe(hashBody("e")));

  it("marker is per issue, prefixed, and safe inside an HTML comment", () => {
    expect(commentMarker({ externalId: "1347" })).toBe(`${COMMENT_MARKER_PREFIX}:verdict:1347`);
    expect(commentMarker({ externalId: "a --> <b>" })).toMatch(/^backlog-auditor:verdict:[A-Za-z0-9._-]+$/);
  });

  it("percent-encodes characters that could break a Markdown link", () => {
    expect(safeUrl("https://x.example/a(b)?q=<x>")).toBe("https://x.example/a%28b%29?q=%3Cx%3E");
  });
});

describe("comment ops (rule 5)", () => {
  const plan = (spec: FactSpec, settings = SETTINGS) =>
    commentsOf(planWriteBack({ issues: [facts(spec)], settings, auditRunId: "run-1", dominant: "reliability" }));
  const body = renderComment(facts(), { dominant: "reliability" })!;
  const ours = { id: "c1", bodyHash: hashBody(body) };

  it.each<{ name: string; spec: FactSpec; settings?: typeof SETTINGS; op: string | null }>([
    { name: "missing → create", spec: {}, op: "create" },
    { name: "same hash → nothing", spec: { comment: ours }, op: null },
    { name: "hash differs → update", spec: { comment: { id: "c1", bodyHash: "0000" } }, op: "update" },
    { name: "comments disabled → delete ours", spec: { comment: ours }, settings: { ...SETTINGS, commentsEnabled: false }, op: "delete" },
    { name: "comments disabled, none of ours → nothing", spec: {}, settings: { ...SETTINGS, commentsEnabled: false }, op: null },
    { name: "verdict gone → delete ours", spec: { c: null, comment: ours }, op: "delete" },
    { name: "below threshold → delete ours", spec: { conf: 0.2, comment: ours }, op: "delete" },
    { name: "no verdict, no comment → nothing", spec: { c: null }, op: null },
    { name: "a person removed our label → delete ours", spec: { applied: ["constraint:reliability"], comment: ours }, op: "delete" },
    { name: "a person's label disagrees → no comment", spec: { labels: ["constraint:adoption"] }, op: null },
    { name: "a person's label agrees → comment", spec: { labels: ["constraint:reliability"], decidedBy: "label" }, op: "create" },
  ])("$name", ({ spec, settings, op }) => {
    const cs = plan(spec, settings);
    expect(cs.map((c) => c.op)).toEqual(op ? [op] : []);
    const c = cs[0];
    if (c?.op === "delete") expect(c).toMatchObject({ body: null, bodyHash: "", after: null, before: spec.comment?.bodyHash });
    if (c && c.op !== "delete") {
      expect(c.bodyHash).toBe(hashBody(c.body!));
      expect(c.marker).toBe(commentMarker(facts(spec).issue));
    }
  });

  it("the audit run id never enters the body (an unchanged audit costs 0 writes)", () => {
    const a = planWriteBack({ issues: [facts()], settings: SETTINGS, auditRunId: "run-1", dominant: "reliability" });
    const b = planWriteBack({ issues: [facts()], settings: SETTINGS, auditRunId: "run-2", dominant: "reliability" });
    expect(commentsOf(a)[0]?.bodyHash).toBe(commentsOf(b)[0]?.bodyHash);
  });
});
