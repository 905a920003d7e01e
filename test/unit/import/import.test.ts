import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { detectFormat, parseCsv, parseIssues } from "../../../src/core/import";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/import/${name}`, import.meta.url).pathname, "utf8");

describe("parseCsv (RFC 4180)", () => {
  it.each([
    [
      "simple",
      "a,b\n1,2\n",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    [
      "CRLF",
      "a,b\r\n1,2\r\n",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    [
      "no trailing newline",
      "a,b\n1,2",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    ["quoted comma", 'a\n"x, y"\n', [["a"], ["x, y"]]],
    ["doubled quotes", 'a\n"say ""hi"""\n', [["a"], ['say "hi"']]],
    [
      "embedded newline",
      'a,b\n"line 1\nline 2",z\n',
      [
        ["a", "b"],
        ["line 1\nline 2", "z"],
      ],
    ],
    [
      "empty fields",
      "a,b,c\n,,\n",
      [
        ["a", "b", "c"],
        ["", "", ""],
      ],
    ],
    [
      "BOM",
      "\ufeffa,b\n1,2\n",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
  ] as const)("%s", (_n, text, rows) => {
    expect(parseCsv(text)).toEqual(rows);
  });
});

describe("detectFormat", () => {
  it.each([
    ["issues.jsonl", "jsonl"],
    ["gh-issues.json", "gh"],
    ["jira-export.csv", "jira-csv"],
    ["linear-export.csv", "linear-csv"],
  ] as const)("%s → %s", (file, format) => {
    expect(detectFormat(fixture(file))).toBe(format);
  });
  it("refuses an unknown CSV", () => {
    expect(() => detectFormat("foo,bar\n1,2\n")).toThrow(/--input/);
  });
});

describe("import formats", () => {
  it("our JSONL", () => {
    const issues = parseIssues(fixture("issues.jsonl"));
    expect(issues).toHaveLength(3);
    expect(issues[0]).toMatchObject({ key: "PostHog/posthog#1408", labels: ["enhancement", "growth"], title: "RFC: Improved setup experience" });
    expect(issues[2]).toMatchObject({ key: "acme/web#7", type: "Bug", priority: 2, estimate: 3, url: "https://github.com/acme/web/issues/7" });
  });

  it("gh issue list --json", () => {
    const [a, b] = parseIssues(fixture("gh-issues.json"));
    expect(a).toMatchObject({
      tracker: "github",
      key: "acme/web#1347",
      project: "acme/web",
      labels: ["bug", "area/dashboards"],
      reactions: 9,
      commentCount: 2,
      assignees: ["octocat"],
      stateCategory: "todo",
      iteration: { kind: "milestone", name: "v2.4", state: "active" },
    });
    expect(b).toMatchObject({ key: "acme/web#1290", state: "closed", stateCategory: "done", iteration: null });
  });

  it("Jira CSV export", () => {
    const [a, b, c] = parseIssues(fixture("jira-export.csv"));
    expect(a).toMatchObject({
      tracker: "jira",
      key: "PLAT-412",
      externalId: "10412",
      type: "Task",
      title: "Upgrade to Spring Boot 3",
      labels: ["tech-debt", "dependencies"],
      components: ["build", "backend"],
      stateCategory: "in_progress",
      priority: 3,
      priorityName: "Medium",
      estimate: 5,
      project: "PLAT",
      assignees: ["Ana Diaz"],
      iteration: { kind: "sprint", name: "PLAT Sprint 12", state: "active" },
      createdAt: "2026-01-12T09:15:00.000Z",
      updatedAt: "2026-01-20T16:02:00.000Z",
    });
    expect(a!.body).toContain('- "config" changes');
    expect(a!.customFields).toMatchObject({ Team: "Core" });
    expect(b).toMatchObject({ type: "Bug", priority: 1, reactions: 4, iteration: null, labels: ["customer"] });
    expect(c).toMatchObject({ stateCategory: "done", iteration: { state: "closed" }, closedAt: "2025-12-05T10:00:00.000Z" });
  });

  it("Linear CSV export", () => {
    const [a, b, c] = parseIssues(fixture("linear-export.csv"));
    expect(a).toMatchObject({
      tracker: "linear",
      key: "ENG-1203",
      project: "Engineering",
      labels: ["Feature", "Onboarding"],
      estimate: 3,
      priority: 2,
      stateCategory: "in_progress",
      iteration: { kind: "cycle", id: "14", name: "Cycle 14", state: "active" },
      customFields: { Project: "Activation Q1" },
    });
    expect(a!.body).toContain("\nShow a 3-step checklist");
    expect(b).toMatchObject({ priority: 1, stateCategory: "todo", iteration: null, labels: ["Bug", "flaky-test"], assignees: [] });
    expect(c).toMatchObject({ priority: 0, stateCategory: "done", iteration: { state: "closed" } });
  });

  it("honours an explicit format", () => {
    expect(() => parseIssues(fixture("issues.jsonl"), "jira-csv")).toThrow();
  });
});
