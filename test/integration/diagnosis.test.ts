/** Flow and customer evidence through real D1: stored in `issues.evidence`, read back, and used by the audit the API runs. */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { AuditReportSchema } from "../../src/core/audit";
import { insertAuditRun } from "../../src/db/audits";
import { createConnection, setSyncScopes } from "../../src/db/connections";
import { getIssueByExternalId, upsertIssues } from "../../src/db/issues";
import { createWorkspace } from "../../src/db/workspaces";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { IssueSchema, type IssueInput } from "../../domain/types";

const testEnv = env as unknown as Env;
async function call(path: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://127.0.0.1:8787${path}`, init), testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
const base = { tracker: "linear" as const, state: "Todo", createdAt: day(40), updatedAt: day(1) };
const need = (customer: string, revenue: number) => ({ customer, revenue, size: 400, tier: "Enterprise", important: true, createdAt: day(30) });
const ISSUES: IssueInput[] = [
  // Three onboarding blockers with revenue-backed customer requests...
  {
    ...base,
    externalId: "a1",
    key: "ENG-1",
    title: "Signup verification email never arrives",
    labels: ["constraint:activation"],
    customerRequests: [need("Initech", 240_000), need("Hooli", 900_000)],
  },
  {
    ...base,
    externalId: "a2",
    key: "ENG-2",
    title: "Setup wizard fails on SSO workspaces",
    labels: ["constraint:activation"],
    customerRequests: [need("Globex", 600_000)],
    links: [{ url: "https://acme.zendesk.com/agent/tickets/8812", title: "Ticket 8812" }],
  },
  {
    ...base,
    externalId: "a3",
    key: "ENG-3",
    title: "Invite teammates step errors out",
    labels: ["constraint:activation"],
    customerRequests: [need("Umbrella", 300_000)],
    reopenedCount: 1,
  },
  // ...against eight quiet feature requests.
  ...Array.from({ length: 8 }, (_, i) => ({
    ...base,
    externalId: `f${i}`,
    key: `ENG-${10 + i}`,
    title: `Add a new chart type ${i}`,
    labels: ["constraint:adoption"],
  })),
];

let wsId = "";
let connId = "";
beforeAll(async () => {
  const ws = await createWorkspace(testEnv.DB, { name: "Diagnosis", isDemo: true });
  wsId = ws.id;
  const conn = await createConnection(testEnv.DB, {
    workspaceId: ws.id,
    tracker: "linear",
    accountId: "org-d",
    accountName: "Acme",
    grantedScopes: ["read"],
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenExpiresAt: null,
  });
  connId = conn.id;
  await setSyncScopes(testEnv.DB, ws.id, conn.id, [{ kind: "team", id: "team-d", name: "Engineering" }]);
  await upsertIssues(testEnv.DB, {
    workspaceId: ws.id,
    connectionId: conn.id,
    scopeId: "team-d",
    issues: ISSUES.map((i) => IssueSchema.parse(i)),
    now: new Date(),
  });
});

describe("flow and customer evidence in D1", () => {
  it("round-trips the evidence column, and rewrites it when only the evidence changed", async () => {
    const stored = await getIssueByExternalId(testEnv.DB, connId, "a2");
    expect(stored?.issue.customerRequests).toEqual([expect.objectContaining({ customer: "Globex", revenue: 600_000, tier: "Enterprise" })]);
    expect(stored?.issue.links).toEqual([{ url: "https://acme.zendesk.com/agent/tickets/8812", title: "Ticket 8812" }]);
    const quiet = await getIssueByExternalId(testEnv.DB, connId, "f0");
    expect(quiet?.issue.customerRequests).toBeUndefined();

    const more = IssueSchema.parse({ ...ISSUES[1], customerRequests: [need("Globex", 600_000), need("Stark", 2_000_000)] });
    const r = await upsertIssues(testEnv.DB, { workspaceId: wsId, connectionId: connId, scopeId: "team-d", issues: [more], now: new Date() });
    expect(r).toMatchObject({ written: 1, changed: [] }); // stored, but no reclassification: the text did not change
    expect((await getIssueByExternalId(testEnv.DB, connId, "a2"))?.issue.customerRequests).toHaveLength(2);
  });

  it("the audit the API runs names activation from customer requests, not adoption from volume", async () => {
    const res = await call(`/api/v1/workspaces/${wsId}/audits`, { method: "POST" });
    expect(res.status).toBe(201);
    const run = (await res.json()) as {
      report: {
        dominant: {
          constraint: string | null;
          pressures: Array<{ constraint: string; customer: { requests: number; customers: number; supportLinks: number }; summary: string[] }>;
        };
        diagnosis: { verdict: string; byVolume: string };
      };
    };
    expect(run.report.diagnosis).toMatchObject({ verdict: "clear", byVolume: "adoption" });
    expect(run.report.dominant.constraint).toBe("activation");
    const act = run.report.dominant.pressures.find((p) => p.constraint === "activation")!;
    expect(act.customer).toMatchObject({ requests: 5, customers: 5, supportLinks: 1 });
    expect(act.summary[0]).toMatch(/^Customers: 5 customer requests from 5 customers \(\$4M revenue\)/);
  });

  it("the settings API sets the focus and since when; the next audit follows it up, and a bad date is a JSON 400", async () => {
    const patch = (body: unknown) =>
      call(`/api/v1/workspaces/${wsId}/settings`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const bad = await patch({ focusSince: "last spring" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("validation_failed");
    const since = day(45).slice(0, 10);
    const ok = await patch({ focusConstraint: "activation", focusSince: since, diagnosis: { windowDays: 60, weights: { customer: 1.5 } } });
    expect(ok.status).toBe(200);
    const settings = (await (await call(`/api/v1/workspaces/${wsId}/settings`)).json()) as {
      focusConstraint: string;
      focusSince: string;
      diagnosis: { windowDays: number; weights: Record<string, number> };
    };
    expect(settings).toMatchObject({
      focusConstraint: "activation",
      focusSince: `${since}T00:00:00.000Z`,
      diagnosis: { windowDays: 60, weights: { customer: 1.5, severity: 1.5 } },
    });
    // A second patch of one weight keeps the others.
    await patch({ diagnosis: { weights: { growth: 2 } } });
    const again = (await (await call(`/api/v1/workspaces/${wsId}/settings`)).json()) as { diagnosis: { windowDays: number; weights: Record<string, number> } };
    expect(again.diagnosis).toMatchObject({ windowDays: 60, weights: { customer: 1.5, growth: 2 } });

    const run = (await (await call(`/api/v1/workspaces/${wsId}/audits`, { method: "POST" })).json()) as {
      report: { followUp: { constraint: string; source: string; decision: string; sentence: string } | null; diagnosis: { windowDays: number } };
    };
    expect(run.report.diagnosis.windowDays).toBe(60);
    expect(run.report.followUp).toMatchObject({ constraint: "activation", source: "focus", decision: "measuring" });
    expect(run.report.followUp!.sentence).toMatch(/^Shipped 0 items on activation since \d{4}-\d\d-\d\d; customer-reported activation issues went from/);
  });
});

describe("an audit stored before the diagnosis", () => {
  it("still renders on the report page, and the API serves it with a placeholder diagnosis, as OpenAPI says", async () => {
    const ws = await createWorkspace(testEnv.DB, { name: "Upgraded", isDemo: true });
    // A current report with the diagnosis-era fields taken out: what an older version stored.
    const fresh = (await (await call(`/api/v1/workspaces/${wsId}/audits`, { method: "POST" })).json()) as {
      summary: Record<string, unknown>;
      report: Record<string, unknown>;
    };
    const { diagnosis: _d, followUp: _f, ...old } = fresh.report;
    const { verdict: _v, followUp: _s, ...oldSummary } = fresh.summary;
    await insertAuditRun(testEnv.DB, {
      workspaceId: ws.id,
      at: new Date(),
      trigger: "manual",
      dominant: "activation",
      drift: 0.2,
      driftLevel: "watch",
      issueCount: 11,
      summary: oldSummary,
      report: old,
    });

    const page = await call(`/w/${ws.id}/report`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("This audit ran before the flow and customer diagnosis");
    expect(html).toContain('data-testid="headline-dominant"');

    const latest = (await (await call(`/api/v1/workspaces/${ws.id}/audits/latest`)).json()) as { report: unknown };
    const parsed = AuditReportSchema.safeParse(latest.report);
    expect(parsed.success, JSON.stringify(parsed.error?.issues?.slice(0, 3))).toBe(true);
    expect(parsed.data!.diagnosis.sentence).toMatch(/ran before the flow and customer diagnosis/);
  });
});
