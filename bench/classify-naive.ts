/**
 * The naive baselines for the classification bench: what regex labelers do.
 * - `naiveClassifier(rules)`: every keyword of every rule becomes its own case-insensitive JS
 *   RegExp (a labeler config listing one regex per keyword), tested against the raw field text
 *   of every issue; no shared tokenization, no index, no body cleaning.
 * - `naiveClassifier(rules, { alternation: true })`: the stronger variant, one RegExp per keyword
 *   condition (the keywords joined with `|`), so V8's regex engine scans each text once per
 *   condition. Same verdicts, several times faster.
 */
import type { Issue } from "../domain/types";
import type { Condition, Rule } from "../rules/engine/schema";

type Test = (i: Issue) => boolean;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function textOf(i: Issue, fact: string): string {
  switch (fact) {
    case "title":
      return i.title;
    case "body":
      return i.body;
    case "text":
      return `${i.title}\n${i.body}`;
    case "labels":
      return i.labels.join("\n");
    case "type":
      return i.type ?? "";
    case "components":
      return i.components.join("\n");
    default:
      return "";
  }
}

/** One keyword as a regex source: word start, the keyword, simple inflections, word end (none for `word*`). */
const keywordSource = (k: string) => `\\b${escape(k.replace(/\*$/, ""))}(s|es|ed|ing|ure)?${k.endsWith("*") ? "" : "\\b"}`;

function compile(c: Condition, alternation: boolean): Test {
  if ("all" in c) {
    const p = c.all.map((x) => compile(x, alternation));
    return (i) => p.every((t) => t(i));
  }
  if ("any" in c) {
    const p = c.any.map((x) => compile(x, alternation));
    return (i) => p.some((t) => t(i));
  }
  if ("not" in c) {
    const p = compile(c.not, alternation);
    return (i) => !p(i);
  }
  const fact = c.fact;
  if (c.keywords && alternation) {
    const re = new RegExp(c.keywords.map((k) => `(?:${keywordSource(k)})`).join("|"), "i");
    return (i) => re.test(textOf(i, fact));
  }
  if (c.keywords) {
    const res = c.keywords.map((k) => new RegExp(keywordSource(k), "i"));
    return (i) => {
      const t = textOf(i, fact);
      return res.some((r) => r.test(t));
    };
  }
  if (c.regex) {
    const r = new RegExp(c.regex, "i");
    return (i) => r.test(textOf(i, fact));
  }
  if (c.in) {
    const set = c.in.map((x) => x.toLowerCase());
    return (i) => {
      const v = fact === "labels" ? i.labels : fact === "components" ? i.components : [textOf(i, fact)];
      return v.some((x) => set.includes(x.toLowerCase()));
    };
  }
  return () => false;
}

/** Returns a classifier: per issue, the label with the most vote weight (or null). */
export function naiveClassifier(rules: Rule[], opts: { alternation?: boolean } = {}): (i: Issue) => string | null {
  const compiled = rules.filter((r) => r.then.vote).map((r) => ({ test: compile(r.when, opts.alternation === true), vote: r.then.vote! }));
  return (issue) => {
    const votes = new Map<string, number>();
    for (const r of compiled) if (r.test(issue)) votes.set(r.vote.constraint, (votes.get(r.vote.constraint) ?? 0) + r.vote.weight);
    let best: string | null = null;
    let w = 0;
    for (const [c, v] of votes) if (v > w) [best, w] = [c, v];
    return best;
  };
}
