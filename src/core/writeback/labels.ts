/**
 * Label decisions for one issue: ownership, human ground truth, human
 * overrides, and the converge-to-verdict diff. Pure.
 *
 * Labels are compared case-insensitively everywhere (GitHub does; a person
 * typing `Constraint:Reliability` means the same label).
 */
import type { LabelChange, LabelDefinition } from "../../../connectors/types";
import { CONSTRAINTS, type Constraint } from "../../../domain/types";
import { CONSTRAINT_GUIDE } from "../audit/constraints";
import type { IssueFacts, LabelAction, NewOverride } from "./schema";

export const OVERRIDE_REASON = "removed by a person after we applied it";

const lower = (s: string) => s.toLowerCase();

/** Whether `label` is in our namespace (`prefix`, case-insensitive). */
export function inNamespace(prefix: string, label: string): boolean {
  return lower(label).startsWith(lower(prefix));
}

/** The label we use for a constraint: `prefix + constraint`. */
export const constraintLabel = (prefix: string, c: Constraint) => `${prefix}${c}`;

function hasLabel(list: readonly string[], label: string): boolean {
  const l = lower(label);
  return list.some((x) => lower(x) === l);
}

/** The suffixes a person may put after our prefix to state a verdict by hand (`none` = "no constraint"). */
const HUMAN_VERDICTS: ReadonlySet<string> = new Set([...CONSTRAINTS, "none"]);

/** Label colours per constraint (hex, no `#`). */
const COLORS: Record<Constraint, string> = {
  activation: "1f77b4",
  adoption: "2ca02c",
  reliability: "d62728",
  operations: "ff7f0e",
  throughput: "9467bd",
};

/**
 * Definitions for the five labels we may create, for `LabelChange.definitions`.
 *
 * @example
 * labelDefinitions("constraint:")[2]; // { name: "constraint:reliability", color: "d62728", description: "Backlog Auditor: …" }
 */
export function labelDefinitions(prefix: string): LabelDefinition[] {
  return CONSTRAINTS.map((c) => ({
    name: constraintLabel(prefix, c),
    color: COLORS[c],
    // GitHub caps label descriptions at 100 characters.
    description: `Backlog Auditor: ${CONSTRAINT_GUIDE[c].looksLike}`.slice(0, 100),
  }));
}

/**
 * The `LabelChange` for `ensureLabels`. `isOwned` is true only for the labels
 * this action removes, so a label a person adds in our namespace between
 * planning and execution is never removed by the connector.
 *
 * @example
 * await connector.ensureLabels(auth, ref, toLabelChange(action, labelDefinitions(prefix)));
 */
export function toLabelChange(action: Pick<LabelAction, "desired" | "remove">, definitions: LabelDefinition[]): LabelChange {
  const removable = new Set(action.remove.map(lower));
  const wanted = new Set(action.desired.map(lower));
  return {
    desired: [...action.desired],
    isOwned: (label) => removable.has(lower(label)) && !wanted.has(lower(label)),
    definitions: definitions.filter((d) => wanted.has(lower(d.name))),
  };
}

export interface LabelDecision {
  /** The label diff, or null when nothing changes. */
  change: Pick<LabelAction, "add" | "remove" | "desired" | "before" | "after"> | null;
  newOverrides: NewOverride[];
  /** Why something was deliberately not written (label level). */
  skipped: string[];
  /** The label we would want (null = none). */
  wanted: string | null;
  /** A person applied a verdict label in our namespace: their label is the verdict. */
  humanLabel: string | null;
  /** `wanted` is blocked by a human override. */
  overridden: boolean;
}

/** The verdict label we want for the issue, or null (abstain / below threshold). */
export function wantedLabel(f: IssueFacts, prefix: string, threshold: number): string | null {
  const c = f.classification;
  return c.constraint !== null && c.confidence >= threshold ? constraintLabel(prefix, c.constraint) : null;
}

/**
 * Decide the label diff for one issue (rules 1–4 of the brief).
 *
 * Decision: below the threshold or on abstain, we remove our own label if it
 * is still there (a stale or weak label costs more trust than it earns).
 */
export function decideLabels(f: IssueFacts, prefix: string, threshold: number): LabelDecision {
  const current = f.issue.labels;
  const currentNs = current.filter((l) => inNamespace(prefix, l));
  const applied = f.appliedByUs.filter((l) => inNamespace(prefix, l));
  const skipped: string[] = [];

  // Rule 3: a label we applied that is gone was removed by a person.
  const newOverrides: NewOverride[] = [];
  const overrides = [...f.overrides];
  for (const a of applied) {
    if (hasLabel(current, a) || hasLabel(overrides, a)) continue;
    newOverrides.push({ externalId: f.issue.externalId, key: f.issue.key, label: a, reason: OVERRIDE_REASON });
    overrides.push(a);
  }

  // Ours and still present, in the issue's own spelling.
  const oursPresent = currentNs.filter((l) => hasLabel(applied, l));
  const wanted = wantedLabel(f, prefix, threshold);

  // Rule 2: a person's verdict label in our namespace is ground truth.
  const humanLabel = currentNs.find((l) => !hasLabel(applied, l) && HUMAN_VERDICTS.has(lower(l.slice(prefix.length)))) ?? null;
  if (humanLabel !== null) {
    skipped.push(`a person applied ${humanLabel}; their label is the verdict`);
    return { change: null, newOverrides, skipped, wanted, humanLabel, overridden: false };
  }

  const overridden = wanted !== null && hasLabel(overrides, wanted);
  if (overridden) skipped.push(`a person removed ${wanted} after we applied it; not re-adding`);

  const remove = oursPresent.filter((l) => wanted === null || lower(l) !== lower(wanted));
  const add = wanted !== null && !overridden && !hasLabel(current, wanted) ? [wanted] : [];
  if (add.length === 0 && remove.length === 0) return { change: null, newOverrides, skipped, wanted, humanLabel, overridden };

  const desired = [...oursPresent.filter((l) => !hasLabel(remove, l)), ...add];
  const after = [...currentNs.filter((l) => !hasLabel(remove, l)), ...add];
  return {
    change: { add, remove, desired, before: [...currentNs], after },
    newOverrides,
    skipped,
    wanted,
    humanLabel,
    overridden,
  };
}
