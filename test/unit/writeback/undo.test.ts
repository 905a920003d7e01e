import { describe, expect, it } from "vitest";
import {
  LedgerEntrySchema,
  decodeCommentValue,
  hashBody,
  planToLedgerRows,
  planUndo,
  planWriteBack,
  type CurrentIssueState,
  type IssueFacts,
  type LedgerDraft,
  type LedgerEntry,
} from "../../../src/core/writeback";
import { SETTINGS, apply, facts } from "./helpers";

let n = 0;
function entry(d: LedgerDraft, outcome: LedgerEntry["outcome"] = "applied"): LedgerEntry {
  return LedgerEntrySchema.parse({
    ...d,
    id: `l${++n}`,
    workspaceId: "w",
    connectionId: "c",
    runId: "run-2",
    auditRunId: "a",
    issueId: null,
    mode: "on",
    outcome,
    trackerResponseId: null,
    error: null,
    createdAt: "2026-11-21T12:00:00Z",
  });
}

const plan = (issues: IssueFacts[]) => planWriteBack({ issues, settings: SETTINGS, auditRunId: "a", dominant: "reliability" });
const stateOf = (all: IssueFacts[]) =>
  new Map<string, CurrentIssueState>(all.map((f) => [f.issue.externalId, { labels: [...f.issue.labels], commentBodyHash: f.comment?.bodyHash ?? null }]));

/**
 * Run 1 labels and comments #1 (reliability) and #2 (adoption); then the
 * audit changes: #1 flips to throughput, #2 abstains. Run 2 (the one undone)
 * swaps #1's label and updates its comment, removes #2's label and deletes its comment.
 */
function scenario() {
  let s = [facts({ id: "1", c: "reliability" }), facts({ id: "2", c: "adoption" }), facts({ id: "3", c: "operations" })];
  s = apply(s, plan(s));
  const before = structuredClone(s);
  s = s.map((f) =>
    f.issue.externalId === "1"
      ? { ...f, classification: { ...f.classification, constraint: "throughput" as const } }
      : f.issue.externalId === "2"
        ? { ...f, classification: { ...f.classification, constraint: null } }
        : f,
  );
  const run2 = plan(s);
  const after = apply(s, run2);
  const entries = planToLedgerRows(run2).map((d) => entry(d));
  return { before, after, entries, run2 };
}

describe("planUndo", () => {
  it("without human changes since: reverts exactly what the run wrote", () => {
    const { before, after, entries } = scenario();
    expect(entries.map((e) => `${e.issueKey} ${e.action} ${e.action.startsWith("label") ? e.target : ""}`.trim())).toEqual([
      "acme/app#1 label_remove constraint:reliability",
      "acme/app#1 label_add constraint:throughput",
      "acme/app#2 label_remove constraint:adoption",
      "acme/app#1 comment_update",
      "acme/app#2 comment_delete",
    ]);
    const undo = planUndo(entries, stateOf(after));
    expect(undo.skipped).toEqual([]);
    const restored = apply(after, { actions: undo.actions, newOverrides: [] });
    for (const id of ["1", "2", "3"]) {
      const r = restored.find((f) => f.issue.externalId === id)!;
      const b = before.find((f) => f.issue.externalId === id)!;
      expect(new Set(r.issue.labels)).toEqual(new Set(b.issue.labels));
      expect(r.comment?.bodyHash ?? null).toBe(b.comment?.bodyHash ?? null);
    }
  });

  it("deletes a comment the run created, and removes the label it added", () => {
    const s = [facts({ id: "9", c: "reliability" })];
    const run = plan(s);
    const undo = planUndo(
      planToLedgerRows(run).map((d) => entry(d)),
      stateOf(apply(s, run)),
    );
    expect(undo.actions).toEqual([
      expect.objectContaining({ kind: "labels", remove: ["constraint:reliability"], add: [], desired: [] }),
      expect.objectContaining({ kind: "comment", op: "delete", body: null, marker: "backlog-auditor:verdict:9" }),
    ]);
  });

  it.each<{ name: string; change: (m: Map<string, CurrentIssueState>) => void; skipped: RegExp[]; kept: string[] }>([
    {
      name: "a person removed the label we added",
      change: (m) => (m.get("1")!.labels = []),
      skipped: [/constraint:throughput was removed by someone/],
      kept: ["1:labels +constraint:reliability", "1:comment update", "2:labels +constraint:adoption", "2:comment create"],
    },
    {
      name: "a person re-added the label we removed",
      change: (m) => m.get("2")!.labels.push("constraint:adoption"),
      skipped: [/constraint:adoption was re-added by someone/],
      kept: ["1:labels +constraint:reliability -constraint:throughput", "1:comment update", "2:comment create"],
    },
    {
      name: "our comment was edited since",
      change: (m) => (m.get("1")!.commentBodyHash = "edited"),
      skipped: [/changed since we wrote it/],
      kept: ["1:labels +constraint:reliability -constraint:throughput", "2:labels +constraint:adoption", "2:comment create"],
    },
    {
      name: "our comment was deleted since",
      change: (m) => (m.get("1")!.commentBodyHash = null),
      skipped: [/deleted by someone since/],
      kept: ["1:labels +constraint:reliability -constraint:throughput", "2:labels +constraint:adoption", "2:comment create"],
    },
    {
      name: "a comment with our marker exists again where we deleted it",
      change: (m) => (m.get("2")!.commentBodyHash = "new"),
      skipped: [/exists again/],
      kept: ["1:labels +constraint:reliability -constraint:throughput", "1:comment update", "2:labels +constraint:adoption"],
    },
    {
      name: "the issue is gone",
      change: (m) => m.delete("2"),
      skipped: [/no longer in the tracker/, /no longer in the tracker/],
      kept: ["1:labels +constraint:reliability -constraint:throughput", "1:comment update"],
    },
  ])("skips what changed since: $name", ({ change, skipped, kept }) => {
    const { after, entries } = scenario();
    const current = stateOf(after);
    change(current);
    const undo = planUndo(entries, current);
    expect(undo.skipped.map((s) => s.reason)).toEqual(skipped.map((re) => expect.stringMatching(re)));
    expect(
      undo.actions.map((a) =>
        a.kind === "labels"
          ? `${a.externalId}:labels ${[...a.add.map((l) => `+${l}`), ...a.remove.map((l) => `-${l}`)].join(" ")}`
          : `${a.externalId}:comment ${a.op}`,
      ),
    ).toEqual(kept);
  });

  it("skips restoring a comment whose previous text the ledger did not keep", () => {
    const { after, entries } = scenario();
    const stripped = entries.map((e) => (e.action.startsWith("comment") && e.beforeValue ? { ...e, beforeValue: decodeCommentValue(e.beforeValue)!.hash } : e));
    const undo = planUndo(stripped, stateOf(after));
    expect(undo.actions.filter((a) => a.kind === "comment")).toEqual([]);
    expect(undo.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/previous comment: the ledger did not keep its text/),
      expect.stringMatching(/deleted comment: the ledger did not keep its text/),
    ]);
  });

  it("ignores rows that wrote nothing and human_override observations", () => {
    const { after, entries } = scenario();
    const notApplied = entries.map((e, i) => ({ ...e, outcome: (["planned", "failed", "skipped", "reverted", "recorded"] as const)[i % 5]! }));
    const override = entry(
      {
        externalId: "1",
        issueKey: "acme/app#1",
        action: "human_override",
        target: "constraint:x",
        beforeValue: "constraint:x",
        afterValue: null,
        ruleId: null,
        reason: "r",
      },
      "recorded",
    );
    expect(planUndo([...notApplied, override], stateOf(after))).toEqual({ actions: [], skipped: [], landed: [] });
  });

  describe("asked again after an undo stopped", () => {
    /** The undo's own ledger rows for the first `n` of its actions, with this outcome. */
    const undoRows = (undo: ReturnType<typeof planUndo>, n: number, outcome: LedgerEntry["outcome"]) =>
      planToLedgerRows({ actions: undo.actions.slice(0, n) }).map((d) => entry(d, outcome));
    const describeActions = (actions: ReturnType<typeof planUndo>["actions"]) => actions.map((a) => `${a.externalId}:${a.kind}`);

    it("does not revert again what the first attempt reverted, nor undo the undo's own rows", () => {
      const { before, after, entries } = scenario();
      const first = planUndo(entries, stateOf(after));
      expect(describeActions(first.actions)).toEqual(["1:labels", "1:comment", "2:labels", "2:comment"]);
      // The first two actions (issue 1) were reverted before the stop: the tracker shows it.
      const midway = apply(after, { actions: first.actions.slice(0, 2), newOverrides: [] });
      const again = planUndo([...entries, ...undoRows(first, 2, "applied")], stateOf(midway));
      expect(describeActions(again.actions)).toEqual(["2:labels", "2:comment"]);
      expect(again.skipped).toEqual([]);
      expect(again.landed).toEqual([]);
      const restored = apply(midway, { actions: again.actions, newOverrides: [] });
      for (const f of before) expect(new Set(restored.find((r) => r.issue.externalId === f.issue.externalId)!.issue.labels)).toEqual(new Set(f.issue.labels));
    });

    it("an interrupted revert that landed is reported as landed, not redone and not skipped", () => {
      const { after, entries } = scenario();
      const first = planUndo(entries, stateOf(after));
      // Issue 1's label revert reached the tracker, but its rows were still planned when the isolate died.
      const midway = apply(after, { actions: first.actions.slice(0, 1), newOverrides: [] });
      const interrupted = undoRows(first, 1, "planned");
      const again = planUndo([...entries, ...interrupted], stateOf(midway));
      expect(again.landed.sort()).toEqual(interrupted.map((r) => r.id).sort());
      expect(describeActions(again.actions)).toEqual(["1:comment", "2:labels", "2:comment"]);
      expect(again.skipped).toEqual([]);
    });

    it("an interrupted revert that did not land is planned again", () => {
      const { after, entries } = scenario();
      const first = planUndo(entries, stateOf(after));
      const again = planUndo([...entries, ...undoRows(first, 1, "planned")], stateOf(after));
      expect(again.landed).toEqual([]);
      expect(again.actions).toEqual(first.actions);
    });
  });

  it("restored bodies carry their own hash", () => {
    const { after, entries } = scenario();
    for (const a of planUndo(entries, stateOf(after)).actions) if (a.kind === "comment" && a.body !== null) expect(a.bodyHash).toBe(hashBody(a.body));
  });
});

describe("comment ledger values", () => {
  it.each([
    [null, null],
    ["", null],
    ["abc123", { hash: "abc123" }],
    ['{"hash":"h","body":"b"}', { hash: "h", body: "b" }],
    ['{"nope":1}', { hash: '{"nope":1}' }],
  ])("decode %j", (raw, want) => expect(decodeCommentValue(raw)).toEqual(want));
});
