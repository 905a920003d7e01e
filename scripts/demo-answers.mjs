/**
 * A simulated reviewer for the demo (`node scripts/demo-answers.mjs [N] [URL]`, with `npm start`
 * running): answers the demo workspace's first N review questions (default 30) through the public
 * API, in the order the review page asks them, with the constraint the sandbox data was labelled
 * with (sandbox/data; matched by title). Questions it has no label for are skipped.
 * Then open Settings → Learning from your team and press "Train the workspace model now".
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "./lib/local-stack.mjs";

const n = Number(process.argv[2] ?? 30);
const base = process.argv[3] ?? "http://127.0.0.1:8787";
const truth = new Map(JSON.parse(readFileSync(join(root, "sandbox/data/issues.json"), "utf8")).map((i) => [i.title.trim(), i.constraint]));

const seed = await fetch(`${base}/dev/demo/seed`, { method: "POST" });
if (!seed.ok) throw new Error(`no demo workspace at ${base} (is npm start running?): ${seed.status}`);
const { workspaceId } = await seed.json();
const api = `${base}/api/v1/workspaces/${workspaceId}`;
const { items } = await (await fetch(`${api}/review?limit=200`)).json();
let answered = 0;
let skipped = 0;
for (const item of items) {
  if (answered >= n) break;
  const answer = truth.get(item.title.trim());
  if (!answer) {
    skipped++;
    continue;
  }
  const res = await fetch(`${api}/review/${item.id}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ answer }) });
  if (!res.ok) throw new Error(`answering ${item.key}: ${res.status} ${await res.text()}`);
  answered++;
}
console.log(`answered ${answered} review question(s) in the demo workspace (${skipped} without a label skipped)`);
console.log(`next: ${base}/w/${workspaceId}/settings#learning-heading → "Train the workspace model now"`);
