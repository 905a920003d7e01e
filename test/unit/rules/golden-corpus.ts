/**
 * The corpus behind the golden classification snapshot: every real row of
 * rules/data (dev + unlabelled Jira), the import fixtures, and a deterministic
 * set of synthetic issues that splice noise (code fences, stack traces, logs,
 * quotes, template placeholders, Jira blocks, HTML, URLs, CRLF, non-ASCII) into
 * real text, so every branch of both body cleaners and both tokenizers is hit.
 */
import { readFileSync } from "node:fs";
import { issueFromJsonl, parseIssues } from "../../../src/core/import";
import type { Issue } from "../../../domain/types";

const root = new URL("../../../", import.meta.url).pathname;

function jsonl(path: string): Array<Record<string, unknown>> {
  return readFileSync(`${root}${path}`, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Lines and blocks both cleaners treat specially (and near-misses they must keep). */
const NOISE: string[] = [
  "```\nTypeError: cannot read property 'x' of undefined\n    at foo (app.js:10:5)\n```",
  "~~~js\nconst signup = broken();\n~~~",
  "   ```\nunterminated fence with crash words",
  'Traceback (most recent call last):\n  File "/app/main.py", line 12, in <module>\n    run()\nValueError: slow onboarding',
  "Error: Something failed\n    at Object.<anonymous> (/srv/index.js:3:9)\n    at Module._compile (node:internal/modules/cjs/loader:1105:14)\n    at foo (native)",
  "java.lang.NullPointerException: null\n\tat com.acme.Billing.charge(Billing.java:42)\nCaused by: java.io.IOException: timeout\n\t... 12 more",
  "2024-03-01 12:00:01 ERROR payment webhook failed\n[2024-03-01T12:00:02Z] WARN retrying\n12:00:03.123 INFO done\n[ERROR] crash in export",
  "INFO: the build is slow\nDEBUG| pipeline queue\nWARNING: flaky test",
  "> I have the same problem with signup emails\n> on mobile too\n>quoted without space",
  "<!-- Please describe the bug -->\n<!-- unterminated comment about onboarding",
  "**Describe the bug**\nA clear and concise description of what the bug is.\n\n**To Reproduce**\nSteps to reproduce the behavior:\n1. Go to '...'\n2. Click on '....'\n3. Scroll down to '....'\n4. See error",
  "### Expected behavior\n\nA clear and concise description of what you expected to happen.\n\n### Additional context\n\nAdd any other context about the problem here.",
  "### Is your feature request related to a problem?\nEx. I'm always frustrated when [...] the dashboard is slow\n\n### Describe alternatives\nA clear and concise description of any alternative solutions or features you've considered.",
  "### Logs\n\n_No response_\n\n### Screenshots\n\nIf applicable, add screenshots to help explain your problem.",
  "- [ ] I have searched existing issues\n- [x] I agree to follow the code of conduct\n* [ ] unchecked onboarding step",
  "    indented code block line with crash\n    second indented line\n\tTabbed line",
  "- list item with slow export\n    continuation indented under a list\n1) numbered item about CI",
  '{code:java}\nthrow new RuntimeException("invoice failed");\n{code}\n{noformat}raw log timeout{noformat}\n{quote}customer says slow{quote}',
  "<details><summary>Logs</summary>\n<pre>crash dump</pre></details> <b>Admin</b> panel <br/> works",
  "See https://example.com/signup/flow?x=1 and www.example.org/onboarding or mail ops@example.com, cc @alice, path /usr/local/bin and ./scripts/deploy.sh ~/config a/b/c",
  "[image] [log] [screenshot-1] [Image] ![screenshot](http://x.y/z.png) [link](docs/setup.md)",
  "| col | value |\n|---|---|\n| signup | broken |",
  "Uncaught ReferenceError: x is not defined\n    at https://app.example.com/main.js:1:200",
  "## Heading with nothing under it\n## Steps to reproduce ##\n1. open the billing page\n# Top heading\ntext under top",
  "**Environment:**\n- OS: macOS 14\n- Version 2.3.1",
  "Onboarding n'est pas clair — l'écran d'accueil est vide. Über-slow Ünïcödé ÉTAPE İstanbul ǅ ﬁle straße",
  "can't sign-up, doesn't work; won't load isn't it? user's team's it's",
  "snake_case_identifier and CamelCaseThing and v1.2.3 and 0xdeadbeef and ab'_ trailing_",
  "sign — up, sign  -  up, sign-\nup, set up, set-up, log in, log-in, time to value, time-to-value",
  "Customer reported the export is painfully slow; support manually re-runs the sync every morning.",
  "Steps:\r\n1. Open onboarding\r\n2. Crash\r\rEnd with CR",
];

/** Seeded LCG so the synthetic issues never change. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function synthetic(rows: Array<Record<string, unknown>>, n: number): Array<Record<string, unknown>> {
  const r = rng(7);
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i++) {
    const base = rows[Math.floor(r() * rows.length)]!;
    const lines = String(base.body ?? "").split("\n");
    const picks = 1 + Math.floor(r() * 4);
    for (let k = 0; k < picks; k++) {
      const noise = NOISE[Math.floor(r() * NOISE.length)]!;
      lines.splice(Math.floor(r() * (lines.length + 1)), 0, noise);
    }
    let body = lines.join(r() < 0.15 ? "\r\n" : "\n");
    if (r() < 0.1) body = body.toUpperCase();
    if (r() < 0.05) body = "";
    let title = String(base.title ?? "");
    if (r() < 0.2) title = `${NOISE[Math.floor(r() * NOISE.length)]!.split("\n")[0]} ${title}`;
    const labels = r() < 0.3 ? ["bug", "enhancement", "question", "Constraint: reliability", "area/ci"].filter(() => r() < 0.4) : [];
    out.push({
      id: `synthetic-${i}`,
      tracker: i % 2 ? "jira" : "github",
      title,
      body,
      labels,
      priority: Math.floor(r() * 5),
      reactions: Math.floor(r() * 12),
      commentCount: Math.floor(r() * 8),
      estimate: r() < 0.5 ? null : Math.floor(r() * 14),
    });
  }
  return out;
}

/** Every issue of the golden corpus, in a fixed order, with a stable name. */
export function goldenIssues(): Array<{ name: string; issue: Issue }> {
  const dev = jsonl("rules/data/dev.jsonl");
  const jira = jsonl("rules/data/unlabelled-jira.jsonl");
  const out: Array<{ name: string; issue: Issue }> = [];
  for (const row of [...dev, ...jira]) {
    const { constraint: _label, ...rest } = row;
    out.push({ name: String(row.id), issue: issueFromJsonl(rest) });
  }
  for (const f of ["issues.jsonl", "gh-issues.json", "jira-export.csv", "linear-export.csv"]) {
    parseIssues(readFileSync(`${root}test/fixtures/import/${f}`, "utf8")).forEach((issue, k) => out.push({ name: `fixture:${f}#${k}`, issue }));
  }
  for (const row of synthetic([...dev, ...jira], 400)) out.push({ name: String(row.id), issue: issueFromJsonl(row) });
  return out;
}
