import { describe, expect, it } from "vitest";
import { classify, compilePack, loadDefaultPack, scoreIssue } from "../../rules";
import { decodeReasons, decodeScoreReasons, encodeReasons, encodeScoreReasons } from "../../src/db/explanations";
import { ReasonSchema, ScoreReasonSchema } from "../../domain/types";
import { z } from "zod";
import { goldenIssues } from "./rules/golden-corpus";

describe("explanations stored compactly", () => {
  const compiled = compilePack(loadDefaultPack());
  const rows = goldenIssues()
    .slice(0, 300)
    .map(({ issue }) => {
      const c = classify(compiled, issue);
      return { c, s: scoreIssue(compiled, issue, c, { dominant: "reliability" }) };
    });

  it("round-trips every verdict and score reason of the golden corpus exactly", () => {
    for (const { c, s } of rows) {
      expect(z.array(ReasonSchema).parse(decodeReasons(JSON.parse(encodeReasons(c.reasons))))).toEqual(c.reasons);
      expect(z.array(ScoreReasonSchema).parse(decodeScoreReasons(JSON.parse(encodeScoreReasons(s.reasons))))).toEqual(s.reasons);
    }
  });

  it("still reads rows written as objects before", () => {
    const { c, s } = rows.find((r) => r.c.reasons.some((x) => x.span))!;
    expect(decodeReasons(JSON.parse(JSON.stringify(c.reasons)))).toEqual(c.reasons);
    expect(decodeScoreReasons(JSON.parse(JSON.stringify(s.reasons)))).toEqual(s.reasons);
  });

  it("takes well under two thirds of the bytes the objects took", () => {
    const compact = rows.reduce((n, { c, s }) => n + encodeReasons(c.reasons).length + encodeScoreReasons(s.reasons).length, 0);
    const objects = rows.reduce((n, { c, s }) => n + JSON.stringify(c.reasons).length + JSON.stringify(s.reasons).length, 0);
    expect(compact / objects).toBeLessThan(0.66);
  });
});
