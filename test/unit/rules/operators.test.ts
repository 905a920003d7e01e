import { describe, expect, it } from "vitest";
import { classify, evaluatePack } from "../../../rules";
import type { IssueInput } from "../../../domain/types";
import { issue, oneRule } from "./helpers";

type Row = [name: string, when: unknown, issue: Partial<IssueInput>];

const valid: Row[] = [
  ["keyword in title", { fact: "title", keywords: ["crash"] }, { title: "App crash on save" }],
  ["inflection -es", { fact: "title", keywords: ["crash"] }, { title: "App crashes on save" }],
  ["inflection -ed", { fact: "title", keywords: ["crash"] }, { title: "It crashed" }],
  ["inflection -ing", { fact: "title", keywords: ["crash"] }, { title: "Crashing at start" }],
  ["fail → failure", { fact: "title", keywords: ["fail"] }, { title: "Login failure" }],
  ["fail → failing", { fact: "title", keywords: ["fail"] }, { title: "Failing login" }],
  ["-e drop: upgrade → upgrading", { fact: "title", keywords: ["upgrade"] }, { title: "Upgrading React" }],
  ["-y → -ies", { fact: "title", keywords: ["dependency"] }, { title: "Bump dependencies" }],
  ["doubling: log → logged", { fact: "title", keywords: ["log"] }, { title: "Nothing logged" }],
  ["case-insensitive", { fact: "title", keywords: ["CRASH"] }, { title: "crash" }],
  ["multi-word phrase", { fact: "title", keywords: ["verification email"] }, { title: "Verification emails never arrive" }],
  ["phrase across punctuation", { fact: "title", keywords: ["sign up"] }, { title: "Sign-up broken" }],
  ["prefix term", { fact: "title", keywords: ["onboard*"] }, { title: "Onboarding flow" }],
  ["text = title or body", { fact: "text", keywords: ["timeout"] }, { title: "x", body: "we get a timeout" }],
  ["regex", { fact: "title", regex: "v\\d+\\.\\d+" }, { title: "Upgrade to v2.3" }],
  ["labels in, case-insensitive", { fact: "labels", in: ["Bug"] }, { labels: ["bug"] }],
  ["labels in, prefix", { fact: "labels", in: ["area/*"] }, { labels: ["area/billing"] }],
  ["labels as text", { fact: "labels", keywords: ["bug"] }, { labels: ["kind/bug"] }],
  ["type in", { fact: "type", in: ["bug"] }, { type: "Bug" }],
  ["components in", { fact: "components", in: ["api"] }, { components: ["API"] }],
  ["equals string", { fact: "stateCategory", equals: "in_progress" }, { stateCategory: "in_progress" }],
  ["equals number", { fact: "priority", equals: 1 }, { priority: 1 }],
  ["range", { fact: "estimate", range: { min: 1, max: 3 } }, { estimate: 2 }],
  ["exists true", { fact: "iteration", exists: true }, { iteration: { kind: "cycle", id: "1", name: "C1", state: "active" } }],
  ["exists false", { fact: "estimate", exists: false }, {}],
  ["custom field", { fact: "custom:Team", in: ["core"] }, { customFields: { Team: "Core" } }],
  ["reactions range", { fact: "reactions", range: { min: 5 } }, { reactions: 9 }],
  ["section", { fact: "section:Steps to reproduce", keywords: ["click"] }, { body: "### Steps to reproduce\n1. Click save\n" }],
  [
    "all",
    {
      all: [
        { fact: "title", keywords: ["slow"] },
        { fact: "labels", in: ["perf"] },
      ],
    },
    { title: "Slow list", labels: ["perf"] },
  ],
  [
    "any",
    {
      any: [
        { fact: "title", keywords: ["slow"] },
        { fact: "labels", in: ["perf"] },
      ],
    },
    { title: "List", labels: ["perf"] },
  ],
  ["not", { not: { fact: "labels", in: ["question"] } }, { labels: [] }],
];

const invalid: Row[] = [
  ["word boundary: no substring match", { fact: "title", keywords: ["crash"] }, { title: "crashpad settings" }],
  ["no keyword", { fact: "title", keywords: ["crash"] }, { title: "Save works" }],
  ["phrase needs order", { fact: "title", keywords: ["verification email"] }, { title: "Email verification" }],
  ["prefix needs prefix", { fact: "title", keywords: ["onboard*"] }, { title: "Board view" }],
  ["regex no match", { fact: "title", regex: "v\\d+\\.\\d+" }, { title: "Upgrade React" }],
  ["labels in", { fact: "labels", in: ["bug"] }, { labels: ["bugfix"] }],
  ["labels prefix", { fact: "labels", in: ["area/*"] }, { labels: ["team/area"] }],
  ["type null", { fact: "type", in: ["bug"] }, { type: null }],
  ["equals", { fact: "stateCategory", equals: "done" }, { stateCategory: "todo" }],
  ["range above", { fact: "estimate", range: { min: 1, max: 3 } }, { estimate: 5 }],
  ["range on missing fact", { fact: "estimate", range: { min: 0 } }, { estimate: null }],
  ["priority 0 means none", { fact: "priority", exists: true }, { priority: 0 }],
  ["exists true, missing", { fact: "iteration", exists: true }, {}],
  ["missing section", { fact: "section:Steps to reproduce", keywords: ["click"] }, { body: "Click save" }],
  [
    "all with one false",
    {
      all: [
        { fact: "title", keywords: ["slow"] },
        { fact: "labels", in: ["perf"] },
      ],
    },
    { title: "Slow list" },
  ],
  [
    "any all false",
    {
      any: [
        { fact: "title", keywords: ["slow"] },
        { fact: "labels", in: ["perf"] },
      ],
    },
    { title: "List" },
  ],
  ["not", { not: { fact: "labels", in: ["question"] } }, { labels: ["Question"] }],
  ["not of null stays null", { not: { fact: "estimate", range: { min: 3 } } }, { estimate: null }],
];

describe("operators", () => {
  it.each(valid)("fires: %s", (_name, when, over) => {
    const ev = evaluatePack(oneRule(when), issue(over));
    expect(ev.fired.map((f) => f.rule.id)).toEqual(["r"]);
  });
  it.each(invalid)("does not fire: %s", (_name, when, over) => {
    const ev = evaluatePack(oneRule(when), issue(over));
    expect(ev.fired).toEqual([]);
  });

  it("reports the matched span, which slices the field to the matched text", () => {
    const body = "Intro line.\n\nThe upload crashed twice today.";
    const c = classify(oneRule({ fact: "text", keywords: ["crash", "upload crash"] }), issue({ title: "Uploads", body }));
    const r = c.reasons[0]!;
    expect(r.field).toBe("body");
    expect(r.span).toBeDefined();
    expect(body.slice(...r.span!)).toBe(r.match);
    expect(r.match.toLowerCase()).toMatch(/crash/);
  });

  it("explains value conditions with the matched value", () => {
    const c = classify(oneRule({ fact: "labels", in: ["area/*"] }), issue({ labels: ["x", "Area/Billing"] }));
    expect(c.reasons[0]).toMatchObject({ ruleId: "r", field: "labels", match: "Area/Billing", source: "rule" });
  });
});

describe("rule gates (rules that need a keyword hit are skipped without one)", () => {
  const gated: Array<[string, unknown, string[] | null]> = [
    ["keyword leaf", { fact: "title", keywords: ["slow"] }, ["0"]],
    [
      "all: the smallest part's gate",
      {
        all: [
          {
            any: [
              { fact: "title", keywords: ["slow"] },
              { fact: "title", keywords: ["lag"] },
            ],
          },
          { fact: "body", keywords: ["x"] },
          { fact: "labels", in: ["perf"] },
        ],
      },
      ["2"],
    ],
    [
      "any of keywords: the union",
      {
        any: [
          { fact: "title", keywords: ["slow"] },
          { fact: "body", keywords: ["lag"] },
        ],
      },
      ["0", "1"],
    ],
    [
      "any with a value part: none",
      {
        any: [
          { fact: "title", keywords: ["slow"] },
          { fact: "labels", in: ["perf"] },
        ],
      },
      null,
    ],
    ["not: none", { not: { fact: "title", keywords: ["slow"] } }, null],
    ["regex: none", { fact: "title", regex: "slow" }, null],
    ["all with a not before the keyword", { all: [{ not: { fact: "labels", in: ["q"] } }, { fact: "title", keywords: ["slow"] }] }, ["1"]],
  ];
  it.each(gated)("%s", (_name, when, gate) => {
    expect(oneRule(when).rules[0]!.gate?.map(String) ?? null).toEqual(gate);
  });

  it("never changes which rules fire", () => {
    for (const [, when, over] of [...valid, ...invalid]) {
      const gatedPack = oneRule(when);
      const ungated = oneRule(when);
      for (const r of ungated.rules) r.gate = null;
      expect(evaluatePack(gatedPack, issue(over)).fired.map((f) => f.rule.id)).toEqual(evaluatePack(ungated, issue(over)).fired.map((f) => f.rule.id));
    }
  });
});

describe("section gates (rules that can only hold through a body section are skipped on bodies without one)", () => {
  const cases: Array<[string, unknown, string[] | null, boolean]> = [
    ["section exists", { fact: "section:Steps to reproduce", exists: true }, [], true],
    ["section keywords: a keyword gate", { fact: "section:Steps to reproduce", keywords: ["crash"] }, ["0"], false],
    ["section must not exist: none", { fact: "section:Steps to reproduce", exists: false }, null, false],
    [
      "any of sections",
      {
        any: [
          { fact: "section:Steps to reproduce", exists: true },
          { fact: "section:Expected behavior", exists: true },
        ],
      },
      [],
      true,
    ],
    [
      "any of a section or keywords",
      {
        any: [
          { fact: "section:Steps to reproduce", exists: true },
          { fact: "body", keywords: ["crash"] },
        ],
      },
      ["1"],
      true,
    ],
    [
      "any with a value part: none",
      {
        any: [
          { fact: "section:Steps to reproduce", exists: true },
          { fact: "labels", in: ["bug"] },
        ],
      },
      null,
      false,
    ],
    [
      "all: the narrowest part",
      {
        all: [
          {
            any: [
              { fact: "title", keywords: ["crash"] },
              { fact: "title", keywords: ["hang"] },
            ],
          },
          { fact: "section:Steps to reproduce", exists: true },
        ],
      },
      [],
      true,
    ],
    ["not a section: none", { not: { fact: "section:Steps to reproduce", exists: true } }, null, false],
  ];
  it.each(cases)("%s", (_name, when, gate, sections) => {
    const rule = oneRule(when).rules[0]!;
    expect(rule.gate?.map(String) ?? null).toEqual(gate);
    expect(rule.gateSections).toBe(sections);
  });

  it("never changes which rules fire, with and without sections", () => {
    const bodies = [
      "It crashes.",
      "It works.",
      "### Steps to reproduce\nOpen it, it crashes.\n\n### Expected behavior\nNo crash",
      "**Expected behavior**\nSaves",
    ];
    let fired = 0;
    for (const [, when] of cases) {
      for (const body of bodies) {
        const over = { title: "App crash", body, labels: ["bug"] };
        const gated = evaluatePack(oneRule(when), issue(over)).fired.map((f) => f.rule.id);
        const ungated = oneRule(when);
        for (const r of ungated.rules) r.gate = null;
        expect(gated).toEqual(evaluatePack(ungated, issue(over)).fired.map((f) => f.rule.id));
        fired += gated.length;
      }
    }
    // The comparisons are not all between empty lists.
    expect(fired).toBeGreaterThanOrEqual(10);
  });
});
