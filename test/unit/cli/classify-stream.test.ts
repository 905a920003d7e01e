import { Readable, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { loadDefaultPack, type RulePack } from "../../../rules";
import { classifyStream } from "../../../src/cli/classify-command";
import { fastIssueFromJsonl } from "../../../src/cli/fast-issue";
import { issueFromJsonl } from "../../../src/core/import";

function sink() {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

async function run(pack: RulePack, lines: string[]) {
  const out = sink();
  const err = sink();
  const failed = await classifyStream(pack, { input: Readable.from([lines.join("\n") + "\n"]), stdout: out.stream, stderr: err.stream });
  return {
    failed,
    verdicts: out
      .text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>),
    stderr: err.text(),
  };
}

const TITLES = [
  "App crashes when saving",
  "Upgrade to Next.js 15",
  "Onboarding checklist for new workspaces",
  "Is this maintained?",
  "Export to CSV times out",
  "Add SSO for admins",
];
const rows = TITLES.map((title, i) => JSON.stringify({ id: `t#${i}`, title }));

describe("classify: the write field", () => {
  it("is true exactly when the verdict clears the pack's write-back threshold", async () => {
    const pack = loadDefaultPack();
    const { verdicts } = await run(pack, rows);
    const confidences = verdicts.filter((v) => v.constraint !== null).map((v) => v.confidence as number);
    expect(new Set(confidences).size).toBeGreaterThan(1);
    // A threshold between the verdicts' confidences splits them; 0 and 1.01 take all or none.
    const mid = (Math.min(...confidences) + Math.max(...confidences)) / 2;
    for (const threshold of [0, mid, 1.01]) {
      const r = await run({ ...pack, writeBackThreshold: threshold }, rows);
      for (const v of r.verdicts) expect(v.write, `${v.id} at ${threshold}`).toBe(v.constraint !== null && (v.confidence as number) >= threshold);
      const writes = r.verdicts.filter((v) => v.write).length;
      if (threshold === 0) expect(writes).toBe(confidences.length);
      if (threshold === mid) expect(writes).toBeGreaterThan(0), expect(writes).toBeLessThan(confidences.length);
      if (threshold === 1.01) expect(writes).toBe(0);
    }
  });

  it("is false when the pack abstains", async () => {
    const { verdicts } = await run({ ...loadDefaultPack(), writeBackThreshold: 0 }, [JSON.stringify({ id: "q", title: "hello" })]);
    expect(verdicts[0]).toMatchObject({ id: "q", constraint: null, write: false });
  });
});

describe("classify: the fast row validator", () => {
  const valid: unknown[] = [
    { id: "a", title: "t" },
    { id: 7, title: "t", body: null, labels: null, type: null, priority: null, estimate: null, url: null, tracker: null },
    {
      id: "b",
      title: "t",
      body: "x",
      labels: ["bug", "ui"],
      type: "Bug",
      priority: 4,
      estimate: 2.5,
      url: "https://x",
      tracker: "jira",
      components: ["api"],
      reactions: 3,
      commentCount: 0,
      createdAt: "2026-01-01",
      extra: { any: 1 },
    },
    { id: "c", title: "", tracker: "gitlab", createdAt: "2026-02-02" },
    { id: "d", title: "t", createdAt: "2026-01-01", updatedAt: "2026-03-01" },
  ];
  it.each(valid.map((v) => [JSON.stringify(v), v]))("builds what zod builds: %s", (_s, row) => {
    expect(fastIssueFromJsonl(row)).toEqual(issueFromJsonl(row));
  });

  const deferred: unknown[] = [
    null,
    [],
    "x",
    { title: "t" },
    { id: "", title: "t" },
    { id: "a" },
    { id: "a", title: 3 },
    { id: "a", title: "t", labels: [{ name: "bug" }] },
    { id: "a", title: "t", labels: [1] },
    { id: "a", title: "t", components: null },
    { id: "a", title: "t", priority: 5 },
    { id: "a", title: "t", priority: 1.5 },
    { id: "a", title: "t", estimate: -1 },
    { id: "a", title: "t", reactions: -1 },
    { id: "a", title: "t", commentCount: 0.5 },
    { id: "a", title: "t", createdAt: 5 },
    { id: "a", title: "t", body: 1 },
    { id: "k", externalId: "k", key: "k", tracker: "github", title: "t", createdAt: "", updatedAt: "" },
  ];
  it.each(deferred.map((v) => [JSON.stringify(v), v]))("leaves %s to zod", (_s, row) => {
    expect(fastIssueFromJsonl(row)).toBeNull();
  });

  it("keeps zod's error lines for rows it leaves to zod", async () => {
    const { failed, verdicts, stderr } = await run(loadDefaultPack(), [
      JSON.stringify({ id: "a", title: "t", priority: 9 }),
      JSON.stringify({ id: "b", title: "Crash", labels: [{ name: "bug" }] }),
    ]);
    expect(failed).toBe(1);
    expect(verdicts[0]).toMatchObject({ id: null, line: 1, error: { code: "invalid_issue" } });
    expect(stderr).toMatch(/^line 1: invalid_issue: priority: /);
    expect(verdicts[1]).toMatchObject({ id: "b" });
  });
});
