/** Builds the bench corpus: real issues from rules/data resampled to N rows (deterministic). */
import { readFileSync, existsSync } from "node:fs";
import { issueFromJsonl } from "../src/core/import";
import type { Issue } from "../domain/types";

const FILES = ["rules/data/dev.jsonl", "rules/data/unlabelled-jira.jsonl"];

export function loadRows(root: string): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const f of FILES) {
    const p = `${root}/${f}`;
    if (!existsSync(p)) continue;
    for (const l of readFileSync(p, "utf8").split("\n")) if (l.trim()) rows.push(JSON.parse(l) as Record<string, unknown>);
  }
  if (rows.length === 0) throw new Error("no corpus: rules/data/*.jsonl is missing");
  return rows;
}

/** Resamples with a seeded LCG; each row is a fresh object so no per-object cache helps. */
export function resample(rows: Array<Record<string, unknown>>, n: number, seed = 42): Array<Record<string, unknown>> {
  let s = seed >>> 0;
  const out: Array<Record<string, unknown>> = new Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const r = rows[s % rows.length]!;
    out[i] = { ...r, id: `${String(r.id)}~${i}` };
  }
  return out;
}

export function toIssues(rows: Array<Record<string, unknown>>): Issue[] {
  return rows.map((r) => issueFromJsonl(r));
}
