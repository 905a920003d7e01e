import { describe, expect, it } from "vitest";
import { KeywordIndex, type Hit } from "../../../rules/engine/keyword-index";

const TERMS = ["crash", "sign up", "time to value", "onboard*", "log in", "ci", "data loss", "über", "e2e"];

function scan(text: string): Array<Hit | undefined> {
  const index = new KeywordIndex();
  TERMS.forEach((t, leaf) => index.add(t, leaf));
  const hits: Array<Hit | undefined> = new Array(TERMS.length).fill(undefined);
  index.scan("body", text, hits);
  return hits;
}

const TEXTS = [
  "The app CRASHED twice after sign-up; crashes again on log  in. Onboarding and onboarded users, CI is red.",
  "time — to — value is long; sign   up fails; signups; data-loss in E2E tests; timetovalue; sign - - up",
  "crash",
  "prefix onboardingflow and onboard, not onboar; ci/cd; CI; ci2",
];

describe("KeywordIndex", () => {
  it.each(TEXTS)("finds the same first hits in all-ASCII text (byte path) and in mixed text (string path): %s", (text) => {
    // A non-ASCII tail forces the string path; nothing in it matches, so the hits must be equal.
    expect(scan(`${text} ∅ ☃`)).toEqual(scan(text));
  });

  it("matches inflections, phrases across separators and prefixes, case-insensitively", () => {
    const text = TEXTS[0]!;
    const hits = scan(text);
    const span = (word: string) => ({ field: "body", start: text.indexOf(word), end: text.indexOf(word) + word.length });
    expect(hits[0]).toEqual(span("CRASHED"));
    expect(hits[1]).toEqual(span("sign-up"));
    expect(hits[3]).toEqual(span("Onboarding")); // a prefix term spans its whole word
    expect(hits[4]).toEqual(span("log  in"));
    expect(hits[5]).toEqual(span("CI"));
    expect(hits[2]).toBeUndefined();
  });

  it("walks non-ASCII words through the trie", () => {
    expect(scan("Das ist ÜBER langsam")[7]).toEqual({ field: "body", start: 8, end: 12 });
    expect(scan("time to value")[2]).toEqual({ field: "body", start: 0, end: 13 });
  });
});
