/**
 * The team's own vocabulary: how its labels, issue types and components map to constraints,
 * learned from its labelled issues, and the ordinary rule an admin can accept for one. Pure.
 */
import type { Constraint, Issue } from "../../../domain/types";

export type MappingKind = "label" | "type" | "component";
export const MAPPING_MIN_ISSUES = 3;
export const MAPPING_MIN_SHARE = 0.8;

export interface Mapping {
  kind: MappingKind;
  /** The value as the tracker spells it (most common spelling). */
  value: string;
  constraint: Constraint;
  /** Labelled issues carrying the value, and how many of them are `constraint`. */
  issues: number;
  agree: number;
  share: number;
  /** The rule id the mapping becomes when accepted. */
  ruleId: string;
}

export interface MappingExample {
  issue: Pick<Issue, "labels" | "type" | "components">;
  /** What a person said (null = none). */
  constraint: Constraint | null;
}

export function mappingRuleId(kind: MappingKind, value: string): string {
  return `team-${kind}-${
    value
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 60) || "x"
  }`;
}

/**
 * @example
 * learnMappings(examples, "constraint:") // [{ kind: "label", value: "area/billing", constraint: "adoption", issues: 15, agree: 14, share: 0.933, ruleId: "team-label-area-billing" }]
 */
export function learnMappings(
  examples: readonly MappingExample[],
  labelPrefix: string,
  opts = { minIssues: MAPPING_MIN_ISSUES, minShare: MAPPING_MIN_SHARE },
): Mapping[] {
  const stats = new Map<string, { kind: MappingKind; spelling: string; total: number; by: Map<Constraint | null, number> }>();
  const p = labelPrefix.toLowerCase();
  const add = (kind: MappingKind, value: string, c: Constraint | null) => {
    const k = `${kind}\u0000${value.toLowerCase()}`;
    let s = stats.get(k);
    if (!s) stats.set(k, (s = { kind, spelling: value, total: 0, by: new Map() }));
    s.total++;
    s.by.set(c, (s.by.get(c) ?? 0) + 1);
  };
  for (const e of examples) {
    for (const l of new Set(e.issue.labels)) if (!l.toLowerCase().startsWith(p)) add("label", l, e.constraint);
    if (e.issue.type) add("type", e.issue.type, e.constraint);
    for (const c of new Set(e.issue.components ?? [])) add("component", c, e.constraint);
  }
  const out: Mapping[] = [];
  for (const s of stats.values()) {
    let best: Constraint | null = null;
    let n = 0;
    for (const [c, k] of s.by) if (c !== null && k > n) (best = c), (n = k);
    if (best === null || s.total < opts.minIssues || n / s.total < opts.minShare) continue;
    out.push({
      kind: s.kind,
      value: s.spelling,
      constraint: best,
      issues: s.total,
      agree: n,
      share: Math.round((n / s.total) * 1000) / 1000,
      ruleId: mappingRuleId(s.kind, s.spelling),
    });
  }
  return out.sort((a, b) => b.agree - a.agree || b.share - a.share || a.ruleId.localeCompare(b.ruleId));
}

/** The mapping as an ordinary rule-pack rule (YAML-ready object). */
export function mappingRule(m: Pick<Mapping, "kind" | "value" | "constraint" | "issues" | "agree" | "ruleId">) {
  const fact = m.kind === "label" ? "labels" : m.kind === "type" ? "type" : "components";
  return {
    id: m.ruleId,
    description: `Learned from this team's labelled issues: ${m.kind} "${m.value}" is ${m.constraint} in ${m.agree} of ${m.issues}.`,
    when: { fact, in: [m.value] },
    then: { vote: { constraint: m.constraint, weight: 3 } },
  };
}
