/**
 * Linear and Jira end to end through the service: sync (cycles/sprints, estimates/story points) → audit
 * uses them for planned effort → write-back in dry-run records the plan and
 * writes nothing → on writes labels and one comment per issue → a re-run
 * writes nothing.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getLatestAudit } from "../../../src/db/audits";
import { updateSettings } from "../../../src/db/workspaces";
import type { Env } from "../../../src/env";
import { getConfig } from "../../../src/env";
import { runWriteback, startWritebackRun } from "../../../src/services/writeback";
import { defaultDeps } from "../../../src/deps";
import { all, usePipelineHarness } from "./harness";

const h = usePipelineHarness();
const baseEnv = env as unknown as Env;

describe("Linear through the service", () => {
  it("plans with cycles and estimates, dry-runs without writing, writes once, and a re-run writes nothing", async () => {
    const w = await h.linear({ issues: 30, seed: 9, writeMode: "dry-run" });
    const q = h.drain();
    await q.send({ type: "sync-start", connectionId: w.connection.id, reason: "connect" });
    await q.run();

    const audit = await getLatestAudit(baseEnv.DB, w.workspaceId);
    const report = audit!.report as { planned: { count: number; basis: string; estimatedCount: number } };
    expect(report.planned.count, "active/next cycles or started states count as planned").toBeGreaterThan(0);
    expect(report.planned.estimatedCount, "Linear estimates are the effort").toBeGreaterThan(0);
    expect(["estimate", "mixed"]).toContain(report.planned.basis);

    const config = getConfig(baseEnv);
    const deps = defaultDeps();
    const writesBefore = w.sandbox.stats.writes;
    const dry = await startWritebackRun(baseEnv.DB, { workspaceId: w.workspaceId, connectionId: w.connection.id, now: new Date() });
    const dryResult = await runWriteback(baseEnv.DB, config, deps, { workspaceId: w.workspaceId, connectionId: w.connection.id, runId: dry! });
    expect(dryResult?.mode).toBe("dry-run");
    expect(dryResult!.planned).toBeGreaterThan(0);
    expect(w.sandbox.stats.writes, "dry-run writes nothing to the tracker").toBe(writesBefore);
    const planned = await all<{ n: number }>("SELECT count(*) AS n FROM writeback_ledger WHERE run_id = ? AND mode = 'dry-run' AND outcome = 'planned'", dry);
    expect(planned[0]!.n).toBe(dryResult!.planned);

    await updateSettings(baseEnv.DB, w.workspaceId, { writeMode: "on" });
    const first = await startWritebackRun(baseEnv.DB, { workspaceId: w.workspaceId, connectionId: w.connection.id, now: new Date() });
    const r1 = await runWriteback(baseEnv.DB, config, deps, { workspaceId: w.workspaceId, connectionId: w.connection.id, runId: first! });
    expect(r1!.applied).toBeGreaterThan(0);
    expect(r1!.failed).toBe(0);
    const labelled = [...w.sandbox.state.issues.values()].filter((i) => w.sandbox.labelsOf(i.id).some((l) => l.startsWith("constraint:")));
    expect(labelled.length).toBeGreaterThan(0);
    for (const i of labelled) expect(w.sandbox.commentsOf(i.id).filter((c) => c.text.includes("Backlog Auditor")).length, `one comment on ${i.id}`).toBe(1);

    const writesAfterFirst = w.sandbox.stats.writes;
    const second = await startWritebackRun(baseEnv.DB, { workspaceId: w.workspaceId, connectionId: w.connection.id, now: new Date() });
    const r2 = await runWriteback(baseEnv.DB, config, deps, { workspaceId: w.workspaceId, connectionId: w.connection.id, runId: second! });
    expect(r2!.planned).toBe(0);
    expect(w.sandbox.stats.writes, "an unchanged re-run makes 0 writes").toBe(writesAfterFirst);
  });
});

describe("Jira through the service", () => {
  it("plans with sprints and story points, writes labels and one ADF comment once, and a re-run writes nothing", async () => {
    const w = await h.jira({ issues: 30, writeMode: "on" });
    const q = h.drain();
    await q.send({ type: "sync-start", connectionId: w.connection.id, reason: "connect" });
    await q.run();

    const stored = await all<{ n: number }>("SELECT count(*) AS n FROM issues WHERE connection_id = ?", w.connection.id);
    expect(stored[0]!.n).toBe(30);
    const audit = await getLatestAudit(baseEnv.DB, w.workspaceId);
    const report = audit!.report as { planned: { count: number; estimatedCount: number } };
    expect(report.planned.count, "open-sprint or in-progress issues count as planned").toBeGreaterThan(0);
    expect(report.planned.estimatedCount, "story points are the effort").toBeGreaterThan(0);

    // The audit enqueued the automatic write-back in `on` mode; the drain ran it.
    const site = w.sandbox.site(w.siteId);
    const issues = [...site.issues.values()];
    const labelled = issues.filter((i) => i.labels.some((l) => l.startsWith("constraint:")));
    expect(labelled.length).toBeGreaterThan(0);
    const ours = (i: (typeof issues)[number]) => i.comments.filter((c) => JSON.stringify(c).includes("backlog-auditor")).length;
    for (const i of labelled) expect(ours(i), `one bot comment on ${i.key}`).toBe(1);

    const writes = w.sandbox.stats.writes;
    const config = getConfig(baseEnv);
    const again = await startWritebackRun(baseEnv.DB, { workspaceId: w.workspaceId, connectionId: w.connection.id, now: new Date() });
    const r = await runWriteback(baseEnv.DB, config, defaultDeps(), { workspaceId: w.workspaceId, connectionId: w.connection.id, runId: again! });
    expect(r!.planned).toBe(0);
    expect(w.sandbox.stats.writes, "an unchanged re-run makes 0 writes").toBe(writes);
  });
});
