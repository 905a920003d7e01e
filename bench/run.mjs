/**
 * `npm run bench`: runs every benchmark module, prints one table with each
 * figure beside its baseline measured in the same run, and writes
 * bench/results.json. Performance is measured here, never by timed tests.
 *
 * Each module exports `run()` → rows `{ name, value, unit, baseline?, note? }`
 * where `baseline` is `{ name, value }` measured in the same run.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const MODULES = [
  ["rules: classification", "./classify.mjs"],
  ["cli", "./cli.mjs"],
  ["audit core", "./audit.mjs"],
  ["team replay", "./team.mjs"],
  ["github connector", "./github-sync.mjs"],
  ["linear connector", "./linear-sync.mjs"],
  ["jira connector", "./jira-sync.mjs"],
  ["write-back concurrency", "./writeback-concurrency.mjs"],
  ["service (wrangler dev)", "./service.mjs"],
  ["storage (Miniflare, built Worker)", "./storage.mjs"],
  ["worker capacity (Miniflare, built Worker)", "./worker-capacity.mjs"],
];

const only = process.argv.slice(2);
const results = { at: new Date().toISOString(), node: process.version, groups: [] };

function fmt(v) {
  if (typeof v !== "number") return String(v ?? "");
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return Math.abs(v) >= 100 ? v.toLocaleString("en-US", { maximumFractionDigits: 0 }) : v.toLocaleString("en-US", { maximumFractionDigits: 3 });
}

for (const [group, path] of MODULES) {
  if (only.length && !only.some((o) => group.includes(o) || path.includes(o))) continue;
  let mod;
  try {
    mod = await import(new URL(path, import.meta.url).href);
  } catch (e) {
    if (e.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes(path.slice(2))) continue;
    throw e;
  }
  process.stderr.write(`running ${group}…\n`);
  const started = Date.now();
  let rows;
  try {
    rows = await mod.run();
  } catch (e) {
    rows = [{ name: "error", value: String(e.message ?? e), unit: "" }];
  }
  results.groups.push({ group, seconds: (Date.now() - started) / 1000, rows });
}

const lines = [["group", "figure", "value", "unit", "baseline (same run)", "note"]];
for (const g of results.groups)
  for (const r of g.rows)
    lines.push([
      g.group,
      r.name,
      fmt(r.value),
      r.unit ?? "",
      r.baseline == null ? "" : typeof r.baseline === "object" ? `${r.baseline.name}: ${fmt(r.baseline.value)}` : fmt(r.baseline),
      r.note ?? "",
    ]);
const widths = lines[0].map((_, i) => Math.min(60, Math.max(...lines.map((l) => String(l[i]).length))));
for (const [n, l] of lines.entries()) {
  console.log(l.map((c, i) => String(c).slice(0, 60).padEnd(widths[i])).join("  "));
  if (n === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
}
writeFileSync(join(here, "results.json"), JSON.stringify(results, null, 2) + "\n");
console.log(`\nwrote ${join("bench", "results.json")}`);
