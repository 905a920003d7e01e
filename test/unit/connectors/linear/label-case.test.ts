/**
 * Linear label names are unique regardless of case (the simulator refuses "Constraint: Reliability"
 * next to "constraint: reliability", as a duplicate). The label lookup uses `eqIgnoreCase`, so an
 * existing label spelled differently is reused, not re-created (which would fail), and a label on the
 * issue that differs only in case counts as present.
 */
import { describe, expect, it } from "vitest";
import type { LabelChange } from "../../../../connectors/types";
import { setup } from "./setup";

const OWN = "constraint: ";
const change = (...desired: string[]): LabelChange => ({
  desired: desired.map((d) => OWN + d),
  isOwned: (l) => l.toLowerCase().startsWith(OWN),
  definitions: desired.map((d) => ({ name: OWN + d, color: "5e6ad2", description: d })),
});

describe("Linear label lookup ignores case", () => {
  it("reuses a workspace label spelled with other capitals instead of creating a duplicate", async () => {
    const c = setup();
    const human = c.sandbox.state.createLabel({ name: "Constraint: Reliability", teamId: null });
    const id = c.sandbox.seedIssues(2)[0]!;
    const ref = { externalId: id, key: "ENG-1", scope: c.scope };
    const r = await c.connector.ensureLabels(c.auth, ref, change("reliability"));
    expect(r.created).toEqual([]);
    expect(c.sandbox.labelsOf(id)).toContain("Constraint: Reliability");
    expect([...c.sandbox.state.labels.values()].filter((l) => l.name.toLowerCase() === "constraint: reliability").map((l) => l.id)).toEqual([human.id]);

    // On the issue now in the other spelling: a repeat changes nothing.
    const again = await c.connector.ensureLabels(c.auth, ref, change("reliability"));
    expect(again).toMatchObject({ added: [], removed: [], created: [] });
    expect(c.sandbox.labelsOf(id).filter((l) => l.toLowerCase() === "constraint: reliability")).toHaveLength(1);
  });
});
