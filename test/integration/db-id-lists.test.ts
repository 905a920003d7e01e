/**
 * Id lists longer than D1's 100 bound parameters: the queries that take a list of issue ids
 * (a webhook batch's targeted write-back, the undo's scope lookup) answer for every id. They
 * used to bind one parameter per id: `listAssessments` failed with a bind-count error past 90
 * ids, and the ledger lookups silently read only the first 90.
 * Run: npx vitest run --project workers test/integration/db-id-lists.test.ts
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { IssueSchema } from "../../domain/types";
import { listAssessments } from "../../src/db/classifications";
import { createConnection } from "../../src/db/connections";
import { scopeIdsOf, upsertIssues } from "../../src/db/issues";
import { insertLedgerEntries, overridesByIssue, ownershipByIssue, recordOverrides } from "../../src/db/ledger";
import { createWorkspace } from "../../src/db/workspaces";
import type { Env } from "../../src/env";

const db = () => (env as unknown as Env).DB;
const N = 150;

describe("queries over a list of more than 100 issue ids", () => {
  it("answer for every id", async () => {
    const ws = await createWorkspace(db(), { name: "id lists" });
    const conn = await createConnection(db(), {
      workspaceId: ws.id,
      tracker: "github",
      accountId: "acme",
      accountName: "acme",
      grantedScopes: ["repo"],
      accessTokenEnc: null,
      refreshTokenEnc: null,
      tokenExpiresAt: null,
    });
    const issues = Array.from({ length: N }, (_, k) =>
      IssueSchema.parse({
        tracker: "github",
        externalId: String(1000 + k),
        key: `acme/webapp#${k + 1}`,
        title: `Issue ${k + 1}`,
        state: "open",
        createdAt: "2026-01-01T00:00:00Z",
        updatedAt: "2026-01-02T00:00:00Z",
      }),
    );
    await upsertIssues(db(), { workspaceId: ws.id, connectionId: conn.id, scopeId: "acme/webapp", issues, now: new Date("2026-01-03T00:00:00Z") });
    const externalIds = issues.map((i) => i.externalId);
    const ids = (await listAssessments(db(), ws.id, { connectionId: conn.id, limit: 1000 })).map((a) => a.id);
    expect(ids).toHaveLength(N);

    expect(await listAssessments(db(), ws.id, { ids, connectionId: conn.id, limit: 1000 })).toHaveLength(N);
    const scopes = await scopeIdsOf(db(), conn.id, externalIds);
    expect(scopes.size).toBe(N);
    expect(new Set(scopes.values())).toEqual(new Set(["acme/webapp"]));

    await insertLedgerEntries(
      db(),
      issues.map((i) => ({
        workspaceId: ws.id,
        connectionId: conn.id,
        runId: null,
        auditRunId: null,
        issueId: null,
        externalId: i.externalId,
        issueKey: i.key,
        action: "label_add" as const,
        target: "constraint: reliability",
        beforeValue: null,
        afterValue: "constraint: reliability",
        ruleId: "r",
        reason: "test",
        mode: "on" as const,
        outcome: "applied" as const,
        trackerResponseId: null,
        error: null,
      })),
    );
    expect((await ownershipByIssue(db(), conn.id, externalIds)).size).toBe(N);
    await recordOverrides(db(), {
      workspaceId: ws.id,
      connectionId: conn.id,
      overrides: issues.map((i) => ({ externalId: i.externalId, label: "constraint: activation" })),
      now: new Date(),
    });
    expect((await overridesByIssue(db(), conn.id, externalIds)).size).toBe(N);
  });
});
