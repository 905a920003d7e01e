/**
 * Compiles a rule pack once into a fast matcher: per text fact one keyword
 * index (all terms of all rules), RE2 regexes grouped by fact, and each rule's
 * boolean tree as a closure over the per-issue hits.
 */
import { RE2JS } from "re2js";
import type { Constraint, Issue, Reason } from "../../domain/types";
import { LABEL_INDEX } from "./combine";
import { IssueFacts, type FactValue } from "./facts";
import { KeywordIndex, type Hit } from "./keyword-index";
import { Lexicon, WordList } from "./lexicon";
import type { CompiledModel, TextModel, WordReader } from "./model";
import type { RulePack } from "./load";
import type { Condition, LeafCondition, Rule } from "./schema";

/** Per-issue evaluation state: hits and matched values by leaf id. */
export interface EvalState {
  facts: IssueFacts;
  /** Text of each text fact the pack uses, by slot; undefined until read. */
  texts: Array<string | null | undefined>;
  hits: Array<Hit | undefined>;
  /** Words of each text fact, by slot, once scanned for this issue (`scanned[slot]`). */
  words: WordList[];
  scanned: Uint8Array;
  /** Leaf results (true/false/null) and, for value leaves, what matched. */
  results: Array<boolean | null | undefined>;
  matched: Array<string | undefined>;
}

type Test = (s: EvalState) => boolean | null;

export interface CompiledRule {
  rule: Rule;
  test: Test;
  /**
   * Keyword leaves of which at least one must have a hit for the rule to be true, unless
   * `gateSections` and the body has a section (null: no such gate, always test). Most rules hang
   * on keywords: this skips them without calling `test`.
   */
  gate: number[] | null;
  /**
   * With a gate: a section in the body also opens it (the rule may hold through a `section:`
   * fact). A gate with no leaves and this set is a rule that needs a section: issues without
   * headings skip it without calling `test`.
   */
  gateSections: boolean;
  /** Leaves not under a `not`: the ones that explain a match. */
  positiveLeaves: number[];
  /** Index in `LABELS` of the label the rule votes for (-1: no vote). */
  voteAt: number;
  /**
   * The rule's id, voted constraint (null for `none` or no vote) and vote weight (0: none), read
   * once here: packs parse into objects of many shapes, so reading them per issue is a slow load.
   */
  id: string;
  constraint: Constraint | null;
  weight: number;
}

interface LeafInfo {
  fact: string;
  textual: boolean;
}

export interface CompiledPack {
  pack: RulePack;
  rules: CompiledRule[];
  leaves: LeafInfo[];
  /** Text facts by slot (the per-issue text cache is an array indexed by slot). */
  slots: string[];
  /** Keyword indexes with the slot of the text they scan. */
  scans: Array<{ slot: number; fact: string; index: KeywordIndex }>;
  indexes: Map<string, KeywordIndex>;
  regexes: Map<string, Array<{ leaf: number; re: RE2JS }>>;
  /** The words every text of the pack is split into: keyword terms plus a cache (shared with the model). */
  lexicon: Lexicon;
  /** The blend options of `combine.ts` for this pack (built on first classification). */
  combine?: { threshold: number; modelWeight: number; ruleWeight: number; ruleScale: number };
  /**
   * The pack's text model compiled, with its reader of this pack's words and, per model label,
   * its index in `LABELS` (-1: not a label the blend knows), set on first classification.
   */
  model: { source: TextModel; compiled: CompiledModel; reader: WordReader; labelAt: Int32Array } | null;
  /** Single-entry memo so `scoreIssue` reuses `classify`'s evaluation of the same issue. */
  memo: { issue: Issue | null; evaluation: Evaluation | null };
  /** Scratch state reused across issues (evaluation is synchronous and keeps nothing of it). */
  scratch: EvalState | null;
}

export interface FiredRule {
  rule: Rule;
  /** Index in `LABELS` (combine.ts) of the label the rule votes for; -1 when it only adjusts scores. */
  voteAt: number;
  /** The vote's weight (0 without a vote). */
  weight: number;
  reasons: Reason[];
}

export interface Evaluation {
  facts: IssueFacts;
  fired: FiredRule[];
}

const TEXT_FACTS_FOR = (fact: string): string[] => (fact === "text" ? ["title", "body"] : [fact]);

function lower(v: unknown): string {
  return String(v).toLowerCase();
}

/** Reads a text fact through the per-issue slot cache. */
function textAt(s: EvalState, slot: number, fact: string): string | null {
  let t = s.texts[slot];
  if (t === undefined) t = s.texts[slot] = s.facts.text(fact);
  return t;
}

function compileValueTest(c: LeafCondition, leaf: number, slotOf: (fact: string) => number): Test {
  const fact = c.fact;
  const sectionSlot = fact.startsWith("section:") ? slotOf(fact) : -1;
  const read = sectionSlot >= 0 ? (s: EvalState): FactValue => textAt(s, sectionSlot, fact) : (s: EvalState): FactValue => s.facts.value(fact);
  if (c.exists !== undefined) {
    const want = c.exists;
    return (s) => {
      const v = read(s);
      const present = v !== null && v !== "" && !(Array.isArray(v) && v.length === 0);
      if (present) s.matched[leaf] = (Array.isArray(v) ? v.join(", ") : String(v)).slice(0, 80);
      return present === want;
    };
  }
  if (c.in !== undefined) {
    const exact = new Set<string>();
    const prefixes: string[] = [];
    for (const t of c.in) t.endsWith("*") ? prefixes.push(lower(t.slice(0, -1))) : exact.add(lower(t));
    const one = (x: string): boolean => {
      const l = x.toLowerCase();
      if (exact.has(l)) return true;
      for (const p of prefixes) if (l.startsWith(p)) return true;
      return false;
    };
    return (s) => {
      const v = read(s);
      if (v === null) return null;
      const list = Array.isArray(v) ? v : [String(v)];
      for (const x of list) {
        if (one(x)) {
          s.matched[leaf] = x;
          return true;
        }
      }
      return false;
    };
  }
  if (c.equals !== undefined) {
    const want = typeof c.equals === "string" ? c.equals.toLowerCase() : c.equals;
    return (s) => {
      const v = read(s);
      if (v === null) return null;
      const list: Array<string | number | boolean> = Array.isArray(v) ? v : [v];
      for (const x of list) {
        if ((typeof x === "string" ? x.toLowerCase() : x) === want) {
          s.matched[leaf] = String(x);
          return true;
        }
      }
      return false;
    };
  }
  const { min = -Infinity, max = Infinity } = c.range ?? {};
  return (s) => {
    const v = read(s);
    if (v === null) return null;
    const n = typeof v === "number" ? v : Number(v);
    if (Number.isNaN(n)) return null;
    s.matched[leaf] = String(n);
    return n >= min && n <= max;
  };
}

/**
 * Compiles a loaded pack. Do it once; reuse the result for every issue.
 *
 * @example
 * const compiled = compilePack(loadDefaultPack());
 * const c = classify(compiled, issue);
 */
export function compilePack(pack: RulePack): CompiledPack {
  const leaves: LeafInfo[] = [];
  // Title and body always have slots 0 and 1: the text model reads their words.
  const slots: string[] = ["title", "body"];
  const slotOf = (fact: string): number => {
    const i = slots.indexOf(fact);
    return i >= 0 ? i : slots.push(fact) - 1;
  };
  // Without a text model only keyword words need an identity (the lexicon can skip the others).
  const lexicon = new Lexicon(pack.model === null || pack.model === undefined);
  const indexes = new Map<string, KeywordIndex>();
  const regexes = new Map<string, Array<{ leaf: number; re: RE2JS }>>();

  const compileCondition = (c: Condition, positive: boolean, pos: number[]): Test => {
    if ("all" in c) {
      const parts = c.all.map((x) => compileCondition(x, positive, pos));
      return (s) => {
        let sawNull = false;
        for (const p of parts) {
          const r = p(s);
          if (r === false) return false;
          if (r === null) sawNull = true;
        }
        return sawNull ? null : true;
      };
    }
    if ("any" in c) {
      const parts = c.any.map((x) => compileCondition(x, positive, pos));
      return (s) => {
        let sawNull = false;
        for (const p of parts) {
          const r = p(s);
          if (r === true) return true;
          if (r === null) sawNull = true;
        }
        return sawNull ? null : false;
      };
    }
    if ("not" in c) {
      const inner = compileCondition(c.not, !positive, pos);
      return (s) => {
        const r = inner(s);
        return r === null ? null : !r;
      };
    }
    const leaf = leaves.length;
    const textual = c.keywords !== undefined || c.regex !== undefined;
    leaves.push({ fact: c.fact, textual });
    if (positive) pos.push(leaf);
    if (c.keywords !== undefined) {
      for (const f of TEXT_FACTS_FOR(c.fact)) {
        let idx = indexes.get(f);
        if (!idx) indexes.set(f, (idx = new KeywordIndex(lexicon)));
        for (const term of c.keywords) idx.add(term, leaf);
      }
    }
    if (c.regex !== undefined) {
      // Regexes run lazily, only when the rule's evaluation reaches them (an `all` whose keywords
      // failed never pays for its regex).
      const re = RE2JS.compile(c.regex, RE2JS.CASE_INSENSITIVE);
      // RE2JS answers "is there a match?" (`test`, no capture groups) several times faster than it
      // finds a match's span (`matcher().find()`) when the pattern is unanchored: ask first, and
      // find the span only on a match. An anchored pattern fails fast either way.
      const testFirst = !c.regex.startsWith("^");
      const facts = TEXT_FACTS_FOR(c.fact);
      const factSlots = facts.map(slotOf);
      for (const f of facts) regexes.set(f, [...(regexes.get(f) ?? []), { leaf, re }]);
      return (s) => {
        const done = s.results[leaf];
        if (done !== undefined) return done;
        let sawText = false;
        for (let k = 0; k < facts.length; k++) {
          const f = facts[k]!;
          const text = textAt(s, factSlots[k]!, f);
          if (text === null) continue;
          sawText = true;
          if (testFirst && !re.test(text)) continue;
          const m = re.matcher(text);
          if (m.find()) {
            s.hits[leaf] = { field: f, start: m.start(), end: m.end() };
            return (s.results[leaf] = true);
          }
        }
        return (s.results[leaf] = sawText ? false : null);
      };
    }
    if (textual) {
      const facts = TEXT_FACTS_FOR(c.fact);
      const factSlots = facts.map(slotOf);
      return (s) => {
        if (s.hits[leaf] !== undefined) return (s.results[leaf] = true);
        for (let k = 0; k < facts.length; k++) if (textAt(s, factSlots[k]!, facts[k]!) !== null) return (s.results[leaf] = false);
        return (s.results[leaf] = null);
      };
    }
    const t = compileValueTest(c, leaf, slotOf);
    return (s) => (s.results[leaf] = t(s));
  };

  const rules = pack.rules.map((rule): CompiledRule => {
    const positiveLeaves: number[] = [];
    const first = leaves.length;
    const test = compileCondition(rule.when, true, positiveLeaves);
    const next = { leaf: first };
    const gate = gateOf(rule.when, next);
    const vote = rule.then.vote;
    return {
      rule,
      test,
      gate: gate?.leaves ?? null,
      gateSections: gate?.sections ?? false,
      positiveLeaves,
      voteAt: vote ? LABEL_INDEX[vote.constraint] : -1,
      id: rule.id,
      constraint: vote && vote.constraint !== "none" ? vote.constraint : null,
      weight: vote?.weight ?? 0,
    };
  });
  const scans = [...indexes].map(([fact, index]) => ({ slot: slotOf(fact), fact, index }));
  return { pack, rules, leaves, slots, scans, indexes, regexes, lexicon, model: null, memo: { issue: null, evaluation: null }, scratch: null };
}

interface Gate {
  /** Keyword leaves, one of which must have a hit... */
  leaves: number[];
  /** ...or the body must have a section. */
  sections: boolean;
}

/**
 * What must hold for `c` to be true, cheap to check before evaluating it: a hit on one of some
 * keyword leaves (numbered in `compileCondition` order from `next.leaf`), or a section in the
 * body (a condition on a missing section reads null: only `exists: false` can then be true).
 * Null when there is no such gate (value and regex leaves, `not`).
 */
function gateOf(c: Condition, next: { leaf: number }): Gate | null {
  if ("all" in c) {
    // True only if every part is true: any part's gate will do; keep the narrowest.
    let best: Gate | null = null;
    const width = (g: Gate) => g.leaves.length + (g.sections ? 1 : 0);
    for (const x of c.all) {
      const g = gateOf(x, next);
      if (g !== null && (best === null || width(g) < width(best))) best = g;
    }
    return best;
  }
  if ("any" in c) {
    // True only if some part is true: every part needs a gate, and any of them may open it.
    let union: Gate | null = { leaves: [], sections: false };
    for (const x of c.any) {
      const g = gateOf(x, next);
      union = union === null || g === null ? null : { leaves: union.leaves.concat(g.leaves), sections: union.sections || g.sections };
    }
    return union;
  }
  if ("not" in c) {
    gateOf(c.not, next); // numbers its leaves; a negation has no gate
    return null;
  }
  const leaf = next.leaf++;
  if (c.keywords !== undefined) return { leaves: [leaf], sections: false };
  return c.fact.startsWith("section:") && c.exists !== false ? { leaves: [], sections: true } : null;
}

/**
 * Runs every rule of a compiled pack on one issue: one tokenization per text
 * fact, one index scan, regexes only where rules have them.
 */
export function evaluatePack(c: CompiledPack, issue: Issue): Evaluation {
  if (c.memo.issue === issue && c.memo.evaluation) return c.memo.evaluation;
  const facts = new IssueFacts(issue);
  const n = c.leaves.length;
  let s = c.scratch;
  if (s === null) {
    s = c.scratch = {
      facts,
      texts: Array.from({ length: c.slots.length }, () => undefined),
      hits: Array.from({ length: n }, () => undefined),
      words: c.slots.map(() => new WordList()),
      scanned: new Uint8Array(c.slots.length),
      results: Array.from({ length: n }, () => undefined),
      matched: Array.from({ length: n }, () => undefined),
    };
  } else {
    s.facts = facts;
    // Plain loops: for a few dozen slots they beat five `fill` builtin calls.
    const { scanned, texts, hits, results, matched } = s;
    for (let i = 0; i < scanned.length; i++) {
      scanned[i] = 0;
      texts[i] = undefined;
    }
    for (let i = 0; i < n; i++) {
      hits[i] = undefined;
      results[i] = undefined;
      matched[i] = undefined;
    }
  }
  // Entry ids stay valid from here to the end of this issue's classification.
  c.lexicon.maintain();
  for (const { slot, fact, index } of c.scans) {
    const text = textAt(s, slot, fact);
    if (text) index.scan(fact, text, s.hits, wordsAt(c, s, slot, text));
  }
  const fired: FiredRule[] = [];
  const hits = s.hits;
  for (const r of c.rules) {
    const gate = r.gate;
    if (gate !== null) {
      let k = 0;
      while (k < gate.length && hits[gate[k]!] === undefined) k++;
      if (k === gate.length && !(r.gateSections && s.facts.hasSections())) continue;
    }
    if (r.test(s) !== true) continue;
    fired.push({ rule: r.rule, voteAt: r.voteAt, weight: r.weight, reasons: explain(c, r, s) });
  }
  const evaluation = { facts, fired };
  c.memo.issue = issue;
  c.memo.evaluation = evaluation;
  return evaluation;
}

/** The words of a slot's text, scanned at most once per issue. */
function wordsAt(c: CompiledPack, s: EvalState, slot: number, text: string): WordList {
  const words = s.words[slot]!;
  if (s.scanned[slot] === 0) {
    c.lexicon.scan(text, words);
    s.scanned[slot] = 1;
  }
  return words;
}

/**
 * The words of the title (`slot` 0) or cleaned body (1) of the issue `evaluatePack` last
 * evaluated, for the text model; null when the text is empty.
 */
export function textWords(c: CompiledPack, slot: 0 | 1): WordList | null {
  const s = c.scratch;
  if (s === null) return null;
  const text = textAt(s, slot, c.slots[slot]!);
  return text ? wordsAt(c, s, slot, text) : null;
}

function explain(c: CompiledPack, r: CompiledRule, s: EvalState): Reason[] {
  const { id, constraint, weight } = r;
  // Most fired rules have one reason: the array is made with it (no growth from empty).
  let out: Reason[] | null = null;
  for (const leaf of r.positiveLeaves) {
    if (s.results[leaf] !== true) continue;
    const hit = s.hits[leaf];
    let reason: Reason;
    if (hit) {
      // Title and body are slots 0 and 1, read (and cached) when they were scanned.
      const field = hit.field;
      const text = (field === "title" ? s.texts[0] : field === "body" ? s.texts[1] : s.facts.text(field)) ?? "";
      reason = { ruleId: id, source: "rule", constraint, weight, field, match: text.slice(hit.start, hit.end), span: [hit.start, hit.end] };
    } else {
      reason = { ruleId: id, source: "rule", constraint, weight, field: c.leaves[leaf]!.fact, match: s.matched[leaf] ?? "" };
    }
    if (out === null) out = [reason];
    else out.push(reason);
  }
  return out ?? [{ ruleId: id, source: "rule", constraint, weight, field: "", match: "" }];
}
