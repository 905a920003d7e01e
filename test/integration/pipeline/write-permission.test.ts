/**
 * A GitHub App installed with read-only access to issues: the sync works, the first write-back write
 * is refused (403, as GitHub answers without `issues: write`), the run stops there (no storm of
 * refused writes, no retry loop), and the connection says what to grant.
 * Run: npx vitest run --project workers test/integration/pipeline/write-permission.test.ts
 */
import { describe, expect, it } from "vitest";
import { getConnectionForJob, updateTokens } from "../../../src/db/connections";
import { getConfig } from "../../../src/env";
import { encryptTokens } from "../../../src/services/connectors";
import { all, baseEnv, one, storedIssues, syncThroughDrain, traffic, usePipelineHarness } from "./harness";

const h = usePipelineHarness();

describe("write-back without write permission", () => {
  it("stops at the first refused write and marks the connection with what to grant", async () => {
    const w = await h.github({ issues: 20, writeMode: "on", pullRequestShare: 0, seed: 21 });
    w.sandbox.setInstallationPermissions({ issues: "read", metadata: "read" });
    const q = h.drain();
    const r = await syncThroughDrain(q, w.connection.id);
    expect(r.deadLettered).toBe(0);
    expect((await storedIssues(w.connection.id)).length, "reading still works").toBe(20);

    const conn = await one<{ status: string; status_detail: string }>("SELECT status, status_detail FROM connections WHERE id = ?", w.connection.id);
    expect(conn?.status).toBe("error");
    expect(conn?.status_detail).toMatch(/Issues: read & write/);
    const runs = await all<{ status: string }>("SELECT status FROM writeback_runs WHERE connection_id = ?", w.connection.id);
    expect(runs.map((x) => x.status)).toContain("failed");
    const writes = traffic.filter((t) => t.method !== "GET" && t.path.includes("/repos/"));
    expect(writes.length, "one refused write, then the run stopped").toBe(1);
    for (let n = 1; n <= 20; n++) expect(w.sandbox.issue(w.repo, n).labels.some((l) => l.startsWith("constraint:"))).toBe(false);
  });
});

describe("Jira write-back with a grant that lacks write:jira-work", () => {
  it("syncs, stops at the first refused write (401 scope does not match) and says to grant the scope", async () => {
    const w = await h.jira({ issues: 12, writeMode: "on" });
    const narrow = w.sandbox.issueToken(["read:jira-work", "read:jira-user", "offline_access"]);
    const conn = (await getConnectionForJob(baseEnv.DB, w.connection.id))!;
    await updateTokens(
      baseEnv.DB,
      conn.id,
      await encryptTokens(getConfig(baseEnv), conn, { accessToken: narrow.accessToken, refreshToken: null, expiresAt: null, scopes: narrow.scopes }),
    );
    const r = await syncThroughDrain(h.drain(), w.connection.id);
    expect(r.deadLettered).toBe(0);
    expect((await storedIssues(w.connection.id)).length).toBe(12);
    const after = await one<{ status: string; status_detail: string }>("SELECT status, status_detail FROM connections WHERE id = ?", w.connection.id);
    expect(after?.status).toBe("error");
    expect(after?.status_detail).toMatch(/write:jira-work/);
    const writes = traffic.filter((t) => t.tracker === "jira" && t.method !== "GET" && /\/issue\/[^/]+(\/comment)?$/.test(t.path.split("?")[0]!));
    expect(writes.length, "one refused write, then the run stopped").toBe(1);
  });
});
