import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePack, evaluatePack, loadDefaultPack, loadPackFromString, RulePackError } from "../../../rules";
import { ruleSchemaJson, defaultPackModule } from "../../../scripts/gen-rule-schema";
import { issue } from "./helpers";

function errorOf(src: string, file = "team.yaml"): RulePackError {
  try {
    loadPackFromString(src, file);
  } catch (e) {
    if (e instanceof RulePackError) return e;
    throw e;
  }
  throw new Error("expected a RulePackError");
}

describe("pack loading", () => {
  it("loads the default pack", () => {
    const pack = loadDefaultPack();
    expect(pack.rules.length).toBeGreaterThan(20);
    expect(pack.threshold).toBe(0.35);
    // The write-back threshold is measured, not written by hand: the lowest on the model's grouped
    // out-of-fold curve whose precision meets the pack's target.
    expect(pack.writeBack.source).toBe("measured");
    expect(pack.writeBack.targetPrecision).toBe(0.95);
    const curve = pack.model!.evaluation!.operatingCurve;
    const first = curve.find((p) => p.rows >= 20 && p.precision >= 0.95)!;
    expect(pack.writeBackThreshold).toBe(first.threshold);
    expect(pack.writeBack.measured).toEqual(first);
    expect(curve.filter((p) => p.threshold < first.threshold && p.rows >= 20).every((p) => p.precision < 0.95)).toBe(true);
    expect(pack.calibration?.points.length).toBeGreaterThan(2);
    expect(Object.keys(pack.evidenceWeights)).toContain("customer");
  });

  it("a pack's target precision picks its threshold from the measured curve; an explicit threshold wins", () => {
    const base = loadDefaultPack();
    const curve = base.model!.evaluation!.operatingCurve;
    const looser = loadPackFromString("version: 1\nextends: default\nwriteBackPrecision: 0.85\n", "team.yaml");
    expect(looser.writeBack).toMatchObject({ source: "measured", targetPrecision: 0.85, unmet: false });
    expect(looser.writeBackThreshold).toBe(curve.find((p) => p.rows >= 20 && p.precision >= 0.85)!.threshold);
    expect(looser.writeBackThreshold).toBeLessThan(base.writeBackThreshold);
    expect(looser.writeBack.measured!.coverage).toBeGreaterThan(base.writeBack.measured!.coverage);

    const fixed = loadPackFromString("version: 1\nextends: default\nwriteBackThreshold: 0.7\n", "team.yaml");
    expect(fixed.writeBackThreshold).toBe(0.7);
    expect(fixed.writeBack.source).toBe("pack");
    expect(fixed.writeBack.measured?.threshold).toBe(0.7);

    const impossible = loadPackFromString("version: 1\nextends: default\nwriteBackPrecision: 1\n", "team.yaml");
    const perfect = curve.find((p) => p.rows >= 20 && p.precision >= 1);
    expect(impossible.writeBack.unmet).toBe(perfect === undefined);
    if (!perfect) expect(impossible.writeBackThreshold).toBe(1);

    const rulesOnly = loadPackFromString("version: 1\nrules: []\n", "p.yaml");
    expect(rulesOnly.writeBack.source).toBe("default");
    expect(rulesOnly.calibration).toBeNull();
  });

  it("extends the default pack: adds, overrides by id, disables", () => {
    const base = loadDefaultPack();
    const pack = loadPackFromString(
      [
        "version: 1",
        "extends: default",
        "threshold: 0.6",
        "disable: [none-question]",
        "rules:",
        "  - id: activation-title",
        "    when: { fact: title, keywords: [first launch] }",
        "    then: { vote: { constraint: activation, weight: 3 } }",
        "  - id: team-billing",
        "    when: { fact: labels, in: [billing] }",
        "    then: { vote: { constraint: adoption, weight: 2 } }",
      ].join("\n"),
      "team.yaml",
    );
    const ids = pack.rules.map((r) => r.id);
    expect(ids).not.toContain("none-question");
    expect(ids).toContain("team-billing");
    expect(ids.indexOf("activation-title")).toBe(base.rules.findIndex((r) => r.id === "activation-title"));
    expect(pack.rules.length).toBe(base.rules.length);
    expect(pack.threshold).toBe(0.6);
    expect(pack.writeBackThreshold).toBe(base.writeBackThreshold);
    const compiled = compilePack(pack);
    expect(evaluatePack(compiled, issue({ title: "Onboarding" })).fired.map((f) => f.rule.id)).not.toContain("activation-title");
    expect(evaluatePack(compiled, issue({ title: "First launch is confusing" })).fired.map((f) => f.rule.id)).toContain("activation-title");
  });

  it("without extends, the pack replaces the default", () => {
    const pack = loadPackFromString(
      "version: 1\nrules:\n  - id: a\n    when: { fact: title, keywords: [x] }\n    then: { vote: { constraint: adoption, weight: 1 } }\n",
      "p.yaml",
    );
    expect(pack.rules.map((r) => r.id)).toEqual(["a"]);
  });

  it("accepts JSON packs", () => {
    const pack = loadPackFromString(
      JSON.stringify({ version: 1, rules: [{ id: "a", when: { fact: "labels", in: ["bug"] }, then: { vote: { constraint: "reliability", weight: 2 } } }] }),
      "p.json",
    );
    expect(pack.rules).toHaveLength(1);
  });

  it("names file, line and path of every problem", () => {
    const src = [
      "version: 1", // 1
      "rules:", // 2
      "  - id: ok", // 3
      "    when: { fact: title, keywords: [a] }", // 4
      "    then: { vote: { constraint: adoption, weight: 1 } }", // 5
      "  - id: bad", // 6
      "    when:", // 7
      "      all:", // 8
      "        - { fact: title, keywords: [a] }", // 9
      "        - { fact: titel, keywords: [b] }", // 10
      "    then: { vote: { constraint: happiness, weight: 1 } }", // 11
    ].join("\n");
    const e = errorOf(src);
    expect(e.file).toBe("team.yaml");
    const byPath = Object.fromEntries(e.issues.map((i) => [i.path, i]));
    expect(byPath["rules.1.when.all.1.fact"]?.line).toBe(10);
    expect(byPath["rules.1.when.all.1.fact"]?.message).toMatch(/unknown fact/);
    expect(byPath["rules.1.then.vote.constraint"]?.line).toBe(11);
    expect(e.issues.length).toBeGreaterThanOrEqual(2);
    expect(e.message).toContain("team.yaml:10: rules.1.when.all.1.fact");
  });

  it("reports YAML syntax errors with a line", () => {
    const e = errorOf("version: 1\nrules:\n  - id: a\n    when: { fact: title\n");
    expect(e.line).not.toBeNull();
  });

  it("rejects a condition with two operators", () => {
    const e = errorOf(
      "version: 1\nrules:\n  - id: a\n    when: { fact: title, keywords: [a], regex: b }\n    then: { vote: { constraint: adoption, weight: 1 } }\n",
    );
    expect(e.issues[0]).toMatchObject({ line: 4, path: "rules.0.when" });
    expect(e.issues[0]!.message).toMatch(/exactly one operator/);
  });

  it.each([
    ["backreference", "(a)\\\\1"],
    ["lookahead", "foo(?=bar)"],
    ["lookbehind", "(?<=a)b"],
  ])("rejects a regex RE2 cannot run (%s), with the reason", (_n, re) => {
    const e = errorOf(`version: 1\nrules:\n  - id: a\n    when: { fact: title, regex: "${re}" }\n    then: { vote: { constraint: adoption, weight: 1 } }\n`);
    expect(e.issues[0]).toMatchObject({ line: 4, path: "rules.0.when.regex" });
    expect(e.issues[0]!.message).toMatch(/RE2/);
  });

  it("rejects oversized patterns and keyword lists", () => {
    const long = "a".repeat(513);
    expect(
      errorOf(`version: 1\nrules:\n  - id: a\n    when: { fact: title, regex: "${long}" }\n    then: { vote: { constraint: adoption, weight: 1 } }\n`).path,
    ).toBe("rules.0.when.regex");
    const terms = Array.from({ length: 201 }, (_, i) => `w${i}`).join(", ");
    expect(
      errorOf(`version: 1\nrules:\n  - id: a\n    when: { fact: title, keywords: [${terms}] }\n    then: { vote: { constraint: adoption, weight: 1 } }\n`).path,
    ).toBe("rules.0.when.keywords");
  });

  it("rejects too many rules and too deep nesting", () => {
    const rules = Array.from(
      { length: 501 },
      (_, i) => `  - { id: r${i}, when: { fact: title, keywords: [x] }, then: { vote: { constraint: adoption, weight: 1 } } }`,
    ).join("\n");
    expect(errorOf(`version: 1\nrules:\n${rules}\n`).path).toBe("rules");
    let cond = "{ fact: title, keywords: [x] }";
    for (let i = 0; i < 8; i++) cond = `{ not: ${cond} }`;
    const e = errorOf(`version: 1\nrules:\n  - id: deep\n    when: ${cond}\n    then: { vote: { constraint: adoption, weight: 1 } }\n`);
    expect(e.issues[0]!.message).toMatch(/nest 9 deep/);
  });

  it("refuses a 10 MB pack before parsing it", () => {
    const big = "version: 1\nrules: []\n# " + "x".repeat(10 * 1024 * 1024);
    const e = errorOf(big);
    expect(e.line).toBeNull();
    expect(e.message).toMatch(/larger than 256 KiB/);
  });

  it("rejects duplicate ids and disabling unknown rules", () => {
    const dup =
      "version: 1\nrules:\n  - { id: a, when: { fact: title, keywords: [x] }, then: { vote: { constraint: adoption, weight: 1 } } }\n  - { id: a, when: { fact: title, keywords: [y] }, then: { vote: { constraint: adoption, weight: 1 } } }\n";
    expect(errorOf(dup).issues[0]).toMatchObject({ path: "rules.1.id", line: 4 });
    expect(errorOf("version: 1\nextends: default\ndisable: [no-such-rule]\n").issues[0]).toMatchObject({ path: "disable.0", line: 3 });
  });

  it("validates audit evidence weights as numbers", () => {
    const e = errorOf("version: 1\naudit:\n  evidenceWeights: { customer: lots }\n");
    expect(e.issues[0]).toMatchObject({ path: "audit.evidenceWeights.customer", line: 3 });
  });
});

describe("rules/README.md", () => {
  it("its example pack loads", () => {
    const md = readFileSync(new URL("../../../rules/README.md", import.meta.url).pathname, "utf8");
    const yaml = md.split("```yaml")[1]!.split("```")[0]!;
    const pack = loadPackFromString(yaml, "team.yaml");
    expect(pack.rules.map((r) => r.id)).toContain("team-billing");
    expect(pack.rules.map((r) => r.id)).not.toContain("none-how-to");
  });
});

describe("generated files are current", () => {
  it("rules/schema.json equals the schema generated from zod", () => {
    expect(readFileSync(new URL("../../../rules/schema.json", import.meta.url).pathname, "utf8")).toBe(ruleSchemaJson());
  });
  it("rules/default-pack.generated.ts embeds the current default.yaml", () => {
    expect(readFileSync(new URL("../../../rules/default-pack.generated.ts", import.meta.url).pathname, "utf8")).toBe(defaultPackModule());
  });
});
