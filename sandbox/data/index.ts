/**
 * Real issue texts for the sandbox trackers' seed data (see README.md for the
 * attribution). `issues.json` is `issues.jsonl` as one JSON array so that it
 * imports in workerd, Node (tsx) and vitest alike, without file-system access.
 *
 * @example
 * const t = seedText(42, 7); // deterministic for (index, seed)
 * t.title; t.body; t.labels;
 */
import rows from "./issues.json";

export interface SeedText {
  id: string;
  tracker: "github" | "jira";
  url: string | null;
  title: string;
  body: string;
  labels: string[];
  type: string | null;
  /** The human label (first 234 rows only): a constraint or `none`. */
  constraint?: string | null;
}

export const SEED_TEXTS: readonly SeedText[] = rows as SeedText[];

/** Tiny integer hash (xorshift-multiply) so resampling is deterministic and cheap. */
function mix(n: number): number {
  let x = n | 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * The text for synthetic issue `index` under `seed`: the first
 * `SEED_TEXTS.length` indexes of seed 0 walk the file in order, beyond that
 * (or with another seed) rows are resampled deterministically.
 */
export function seedText(index: number, seed = 0): SeedText {
  const n = SEED_TEXTS.length;
  const i = seed === 0 && index < n ? index : mix(index * 2654435761 + seed) % n;
  return SEED_TEXTS[i]!;
}
