/**
 * The naive baseline for the classification bench: what regex labelers do.
 * Every keyword of every rule becomes its own case-insensitive JS RegExp,
 * tested against the raw field text of every issue; no shared tokenization,
 * no index, no body cleaning.
 */
import type { Issue } from "../src/core/types";
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

function compile(c: Condition): Test {
  if ("all" in c) {
    const p = c.all.map(compile);
    return (i) => p.every((t) => t(i));
  }
  if ("any" in c) {
    const p = c.any.map(compile);
    return (i) => p.some((t) => t(i));
  }
  if ("not" in c) {
    const p = compile(c.not);
    return (i) => !p(i);
  }
  const fact = c.fact;
  if (c.keywords) {
    const res = c.keywords.map((k) => new RegExp(`\\b${escape(k.replace(/\*$/, ""))}(s|es|ed|ing|ure)?${k.endsWith("*") ? "" : "\\b"}`, "i"));
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
export function naiveClassifier(rules: Rule[]): (i: Issue) => string | null {
  const compiled = rules.filter((r) => r.then.vote).map((r) => ({ test: compile(r.when), vote: r.then.vote! }));
  return (issue) => {
    const votes = new Map<string, number>();
    for (const r of compiled) if (r.test(issue)) votes.set(r.vote.constraint, (votes.get(r.vote.constraint) ?? 0) + r.vote.weight);
    let best: string | null = null;
    let w = 0;
    for (const [c, v] of votes) if (v > w) [best, w] = [c, v];
    return best;
  };
}
