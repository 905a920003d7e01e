import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../../../", import.meta.url).pathname;
const node = join(root, "node_modules/.bin/node");
const dir = mkdtempSync(join(tmpdir(), "backlog-audit-cli-"));

function cli(args: string[], input?: string) {
  const r = spawnSync(node, [join(root, "bin/backlog-audit.mjs"), ...args], { cwd: root, input, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const rows = [
  JSON.stringify({ id: "a#1", title: "App crashes when saving", labels: ["bug"] }),
  JSON.stringify({ id: "a#2", title: "Upgrade to Next.js 15" }),
  "{not json",
  JSON.stringify({ id: "a#4" }),
  "",
  JSON.stringify({ id: "a#6", title: "Onboarding checklist for new workspaces" }),
];

describe("backlog-audit classify", () => {
  const file = join(dir, "in.jsonl");
  writeFileSync(file, rows.join("\n") + "\n");

  it("streams one verdict per input line, reports malformed lines and exits 1", () => {
    const r = cli(["classify", file]);
    expect(r.code).toBe(1);
    const out = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(out.map((o) => o.id)).toEqual(["a#1", "a#2", null, null, "a#6"]);
    expect(out[0]).toMatchObject({ constraint: "reliability" });
    expect(out[0].confidence).toBeGreaterThan(0.5);
    expect(out[0].scores).toMatchObject({
      impact: expect.any(Number),
      evidence: expect.any(Number),
      confidence: expect.any(Number),
      timing: expect.any(Number),
    });
    expect(out[0].reasons.length).toBeGreaterThan(0);
    expect(out[1].constraint).toBe("throughput");
    expect(out[2]).toMatchObject({ id: null, line: 3, error: { code: "invalid_json" } });
    expect(out[3]).toMatchObject({ id: null, line: 4, error: { code: "invalid_issue" } });
    expect(out[4].constraint).toBe("activation");
    expect(r.stderr).toMatch(/line 3: invalid_json/);
    expect(r.stderr).toMatch(/line 4: invalid_issue: title/);
  });

  it("reads stdin with - and exits 0 when every line is fine", () => {
    const r = cli(["classify", "-"], rows[0] + "\n" + rows[1] + "\n");
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(2);
  });

  it("uses --rules", () => {
    const pack = join(dir, "pack.yaml");
    writeFileSync(
      pack,
      "version: 1\nrules:\n  - { id: saving, when: { fact: title, keywords: [saving] }, then: { vote: { constraint: operations, weight: 5 } } }\n",
    );
    const out = JSON.parse(cli(["classify", "--rules", pack, "-"], rows[0] + "\n").stdout);
    expect(out).toMatchObject({ constraint: "operations", reasons: [{ ruleId: "saving" }] });
  });
});

describe("backlog-audit rules", () => {
  it("check passes the default pack", () => {
    const r = cli(["rules", "check", "rules/default.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok/);
  });

  it("check prints file:line: path for each problem", () => {
    const pack = join(dir, "bad.yaml");
    writeFileSync(pack, "version: 1\nrules:\n  - id: a\n    when: { fact: title, regex: '(a)\\1' }\n    then: { vote: { constraint: adoption, weight: 1 } }\n");
    const r = cli(["rules", "check", pack]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${pack}:4: rules.0.when.regex: RE2`);
  });

  it("test reports accuracy, per-label figures and write-back precision", () => {
    const labelled = join(dir, "labelled.jsonl");
    writeFileSync(
      labelled,
      [
        { id: "1", title: "App crashes on save", constraint: "reliability" },
        { id: "2", title: "Upgrade to React 19", constraint: "throughput" },
        { id: "3", title: "Is the project still maintained?", constraint: "none" },
        { id: "4", title: "Rename a variable", constraint: "adoption" },
      ]
        .map((x) => JSON.stringify(x))
        .join("\n"),
    );
    // The default pack's threshold is measured with its model; rules alone need one set by hand.
    const pack = join(dir, "half.yaml");
    writeFileSync(pack, "version: 1\nextends: default\nwriteBackThreshold: 0.5\n");
    const r = cli(["rules", "test", pack, "--labelled", labelled, "--json", "--no-model"]);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.rows).toBe(4);
    expect(m.grouped.accuracy).toBe(0.75);
    expect(m.random).toBeNull(); // rules only: nothing is trained, so there is nothing to cross-validate
    expect(m.metrics.perLabel.reliability).toMatchObject({ precision: 1, recall: 1, support: 1 });
    expect(m.metrics.confusion.adoption.none).toBe(1);
    expect(m.metrics.misclassified).toHaveLength(1);
    expect(m.metrics.writeBack.precision).toBe(1);
    const text = cli(["rules", "test", pack, "--labelled", labelled, "--no-model"]).stdout;
    expect(text).toMatch(/accuracy 75\.0%/);
    expect(text).toMatch(/confusion/);
  });
});

describe("backlog-audit rules test --cv", () => {
  it("retrains the pack's model per fold", () => {
    const labelled = join(dir, "cv.jsonl");
    const titles: Record<string, string[]> = {
      reliability: ["Crash on save", "Export hangs", "Login fails with 500", "Slow dashboard"],
      throughput: ["Upgrade to React 19", "Speed up CI", "Refactor billing module", "Migrate to vite"],
    };
    writeFileSync(
      labelled,
      Object.entries(titles)
        .flatMap(([c, ts]) => ts.map((title, i) => JSON.stringify({ id: `${c}-${i}`, title, constraint: c })))
        .join("\n"),
    );
    const r = cli(["rules", "test", "rules/default.yaml", "--labelled", labelled, "--cv", "--folds", "2", "--json"]);
    expect(r.stderr).toBe("");
    const m = JSON.parse(r.stdout);
    expect(m.mode).toMatch(/2-fold cross-validation/);
    expect(m.rows).toBe(8);
    expect(m.random.accuracy).toBeTypeOf("number");
    expect(m.grouped.byTracker.map((b: { name: string }) => b.name)).toEqual(["github"]);
    expect(m.learningCurve.map((p: { fraction: number }) => p.fraction)).toEqual([0.25, 0.5, 1]);
    expect(m.reliability.bins).toHaveLength(10);
  });

  it("test takes several labelled files and prints random and grouped figures per tracker and per file", () => {
    const gh = join(dir, "gh.jsonl");
    const jira = join(dir, "jira.jsonl");
    const rows = (prefix: string, tracker: string) =>
      ["Crash on save", "Export hangs", "Upgrade to React 19", "Speed up CI builds"].map((title, i) =>
        JSON.stringify({ id: `${prefix}${i % 2}#${i}`, tracker, title, constraint: i < 2 ? "reliability" : "throughput" }),
      );
    writeFileSync(gh, rows("acme/repo", "github").join("\n"));
    writeFileSync(jira, rows("jira:acme/P", "jira").join("\n"));
    const r = cli(["rules", "test", "rules/default.yaml", "--labelled", `${gh},${jira}`, "--cv", "--folds", "2", "--no-curve"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/random folds\s+grouped by team/);
    expect(r.stdout).toMatch(/tracker jira/);
    expect(r.stdout).toMatch(/file gh\.jsonl/);
    expect(r.stdout).toMatch(/rows 8 from 4 teams/);
    expect(r.stdout).toMatch(/expected calibration error/);
    expect(r.stdout).toMatch(/write-back operating point \(target precision 95\.0%\)/);
  });
});

describe("backlog-audit audit", () => {
  it("audits a Jira CSV export as JSON", () => {
    const r = cli(["audit", "test/fixtures/import/jira-export.csv", "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toBeTypeOf("object");
    // The diagnosis reads the export's evidence: two sprints on PLAT-412 is one carry-over, and it names what Jira lacks.
    expect(report.diagnosis.coverage).toEqual([expect.objectContaining({ tracker: "jira", issues: 3 })]);
    expect(report.dominant.pressures.find((p: { constraint: string }) => p.constraint === "throughput").flow.carriedOver).toBe(1);
  });

  it.each([
    ["md", /^# Backlog audit/m],
    ["csv", /^tables,key,title[\s\S]*ENG-1203/],
  ] as const)("renders %s", (format, pattern) => {
    const r = cli(["audit", "test/fixtures/import/linear-export.csv", "--format", format, "--input", "linear-csv"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(pattern);
  });

  it("usage errors exit 2", () => {
    expect(cli(["nope"]).code).toBe(2);
    expect(cli(["audit", "x.csv", "--input", "xml"]).code).toBe(2);
  });
});
