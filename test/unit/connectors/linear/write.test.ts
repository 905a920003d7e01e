import { describe, expect, it } from "vitest";
import type { LabelChange } from "../../../../connectors/types";
import { findMarker, markerLine } from "../../../../connectors/linear/write";
import { normalizeMarkdown } from "../../../../sandbox/linear/state";
import { setup } from "./setup";

const OWN = "constraint:";
const defs = ["activation", "adoption", "reliability"].map((c) => ({ name: `${OWN}${c}`, color: "5e6ad2", description: `Backlog Auditor: ${c}` }));
const change = (...desired: string[]): LabelChange => ({ desired: desired.map((d) => OWN + d), isOwned: (l) => l.startsWith(OWN), definitions: defs });

function issueOf(c: ReturnType<typeof setup>, labels: string[]) {
  const id = c.sandbox.seedIssues(3, { labels })[0]!;
  return { externalId: id, key: "ENG-1", scope: c.scope };
}

describe("Linear write-back: labels", () => {
  it("creates a missing team label, adds it, removes only owned labels, and a repeat makes no writes", async () => {
    const c = setup();
    const ref = issueOf(c, ["bug", "constraint:adoption"]);
    c.sandbox.resetStats();
    const r = await c.connector.ensureLabels(c.auth, ref, change("activation"));
    expect(r).toEqual({
      added: ["constraint:activation"],
      removed: ["constraint:adoption"],
      created: ["constraint:activation"],
      labels: ["bug", "constraint:activation"],
    });
    expect(c.sandbox.labelsOf(ref.externalId).sort()).toEqual(["bug", "constraint:activation"]);
    const created = [...c.sandbox.state.labels.values()].find((l) => l.name === "constraint:activation")!;
    expect(created).toMatchObject({ teamId: c.team.id, color: "#5e6ad2", description: "Backlog Auditor: activation" });
    expect(c.sandbox.stats.writes).toBe(2);

    c.sandbox.resetStats();
    const again = await c.connector.ensureLabels(c.auth, ref, change("activation"));
    expect(again).toMatchObject({ added: [], removed: [], created: [] });
    expect(c.sandbox.stats.writes).toBe(0);
    expect(c.sandbox.stats.reads).toBe(1);
  });

  it("reuses an existing workspace label; labelScope=workspace creates labels without a team", async () => {
    const c = setup({ connector: { options: { labelScope: "workspace" } } });
    c.sandbox.state.createLabel({ name: "constraint:reliability", teamId: null });
    const ref = issueOf(c, ["customer"]);
    const r = await c.connector.ensureLabels(c.auth, ref, change("reliability", "adoption"));
    expect(r.created).toEqual(["constraint:adoption"]);
    expect([...c.sandbox.state.labels.values()].find((l) => l.name === "constraint:adoption")!.teamId).toBeNull();
    expect(c.sandbox.labelsOf(ref.externalId).sort()).toEqual(["constraint:adoption", "constraint:reliability", "customer"]);
  });

  it("a human removing our label is converged back; human labels are never touched", async () => {
    const c = setup();
    const ref = issueOf(c, ["bug"]);
    await c.connector.ensureLabels(c.auth, ref, change("activation"));
    await c.sandbox.humanUpdate(ref.externalId, { removeLabels: ["constraint:activation"], addLabels: ["p1"] });
    const r = await c.connector.ensureLabels(c.auth, ref, change("activation"));
    expect(r).toMatchObject({ added: ["constraint:activation"], created: [] });
    expect(c.sandbox.labelsOf(ref.externalId).sort()).toEqual(["bug", "constraint:activation", "p1"]);
    await c.connector.ensureLabels(c.auth, ref, change());
    expect(c.sandbox.labelsOf(ref.externalId).sort()).toEqual(["bug", "p1"]);
  });
});

describe("Linear write-back: the one bot comment", () => {
  const MARK = "backlog-auditor:summary";

  it("creates, leaves unchanged text alone, updates in place, deletes", async () => {
    const c = setup();
    const ref = issueOf(c, []);
    await c.sandbox.humanComment(ref.externalId, "A human was here");
    c.sandbox.resetStats();
    const a = await c.connector.ensureComment(c.auth, ref, MARK, "**Activation** work: 3 of 5 issues.");
    expect(a.action).toBe("created");
    const mine = () => c.sandbox.commentsOf(ref.externalId).filter((x) => x.text.includes("marker="));
    expect(mine()).toHaveLength(1);
    expect(mine()[0]!.text).toContain("**Activation** work: 3 of 5 issues.");

    c.sandbox.resetStats();
    expect(await c.connector.ensureComment(c.auth, ref, MARK, "**Activation** work: 3 of 5 issues.")).toEqual({ action: "unchanged", commentId: a.commentId });
    expect(c.sandbox.stats.writes).toBe(0);

    const u = await c.connector.ensureComment(c.auth, ref, MARK, "**Activation** work: 4 of 5 issues.");
    expect(u).toEqual({ action: "updated", commentId: a.commentId });
    expect(mine()[0]!.text).toContain("4 of 5");
    expect(await c.connector.ensureComment(c.auth, ref, "backlog-auditor:other", null)).toEqual({ action: "absent", commentId: null });

    expect(await c.connector.ensureComment(c.auth, ref, MARK, null)).toEqual({ action: "deleted", commentId: a.commentId });
    expect(mine()).toEqual([]);
    expect(c.sandbox.commentsOf(ref.externalId).map((x) => x.text)).toEqual(["A human was here"]);
  });

  it("the marker survives Linear's Markdown round trip where an HTML comment or a link reference would not", () => {
    const line = markerLine("https://auditor.test", MARK, "abc123");
    expect(findMarker(normalizeMarkdown(`Text\n\n${line}`), MARK)).toEqual({ hash: "abc123" });
    expect(normalizeMarkdown(`Text\n\n<!-- ${MARK} -->`)).toBe("Text");
    expect(normalizeMarkdown(`Text\n\n[//]: # (${MARK})`)).toBe("Text");
    expect(findMarker(`x ${markerLine("https://a", "backlog-auditor:summary-2", "f")}`, MARK)).toBeNull();
  });
});
