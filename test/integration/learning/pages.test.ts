/** The review page and the Settings "Learning from your team" section, server-rendered against real D1. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { IssueSchema, type IssueInput } from "../../../domain/types";
import { getAssessment } from "../../../src/db/classifications";
import { createConnection, transitionConnectionStatus, setSyncScopes } from "../../../src/db/connections";
import { upsertIssues } from "../../../src/db/issues";
import { createWorkspace } from "../../../src/db/workspaces";
import worker from "../../../src/index";
import { Drain } from "../pipeline/queue-drain";

const q = new Drain();
const env = q.env;
async function call(path: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://127.0.0.1:8787${path}`, { redirect: "manual", ...init }), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}
const form = (data: Record<string, string>): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://127.0.0.1:8787" },
  body: new URLSearchParams(data).toString(),
});

const base = { tracker: "linear" as const, state: "Todo", createdAt: "2026-09-01T00:00:00Z", updatedAt: "2026-11-01T00:00:00Z" };
const cycle = { kind: "cycle" as const, id: "c1", name: "Cycle 12", state: "active" as const };
const ISSUES: IssueInput[] = [
  { ...base, externalId: "1", key: "ENG-1", title: "Ledger importer should remember column mapping", iteration: cycle, labels: ["area/importer"] },
  { ...base, externalId: "2", key: "ENG-2", title: "App crashes on save when the file is large", labels: ["bug"] },
  { ...base, externalId: "3", key: "ENG-3", title: "Speed up the CI pipeline", labels: ["constraint:throughput", "area/ci"] },
  { ...base, externalId: "4", key: "ENG-4", title: "<script>alert(1)</script> importer hangs", labels: ["area/importer"] },
];
let ws = "";
beforeAll(async () => {
  const w = await createWorkspace(env.DB, { name: "Pages team", isDemo: true });
  ws = w.id;
  const conn = await createConnection(env.DB, {
    workspaceId: ws,
    tracker: "linear",
    accountId: "org-pages",
    accountName: "P",
    grantedScopes: ["read"],
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenExpiresAt: null,
  });
  await setSyncScopes(env.DB, ws, conn.id, [{ kind: "team", id: "team-1", name: "Engineering" }]);
  await transitionConnectionStatus(env.DB, conn.id, "active", null);
  await upsertIssues(env.DB, { workspaceId: ws, connectionId: conn.id, scopeId: "team-1", issues: ISSUES.map((i) => IssueSchema.parse(i)), now: new Date() });
  await q.send({ type: "classify", workspaceId: ws, all: false, then: "none" });
  await q.run();
});

describe("the review page", () => {
  it("asks the first question with one-click answers and keys, escapes issue text, and an answer moves on", async () => {
    const page = await call(`/w/${ws}/review`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-testid="review-item"');
    expect(html).toContain('src="/assets/review.js"');
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toMatch(/data-keys="0 n"/);
    expect(html).toContain('name="write"');
    const id = /data-issue-id="([^"]+)"/.exec(html)![1]!;
    // The labelled issue (ENG-3) is never asked.
    const labelled = (await env.DB.prepare("SELECT id FROM issues WHERE workspace_id = ? AND external_id = '3'").bind(ws).first<{ id: string }>())!.id;
    expect(id).not.toBe(labelled);
    const posted = await call(`/w/${ws}/review/${id}`, form({ answer: "activation", write: "on" }));
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toContain("done=answered-planned");
    expect((await getAssessment(env.DB, ws, id))!.classification!.constraint).toBe("activation");
    const next = await (await call(`/w/${ws}/review`)).text();
    expect(next).not.toContain(`data-issue-id="${id}"`);
    expect(next).toMatch(/1 answered/);
    const bad = await call(`/w/${ws}/review/${id}`, form({ answer: "bogus" }));
    expect(bad.status).toBe(400);
  });

  it("serves the shortcut script from the same origin", async () => {
    const js = await call("/assets/review.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect(await js.text()).toContain("data-keys");
  });
});

describe("Settings → Learning from your team", () => {
  it("shows the status, the evidence, the threshold in force and the learned mappings; the target is editable", async () => {
    const html = await (await call(`/w/${ws}/settings`)).text();
    expect(html).toContain('data-testid="learning-table"');
    // Tracker labels are collected by the training job; the review answer is in D1 at once.
    expect(html).toContain("1 labelled issues (0 tracker labels, 1 review answers)");
    expect(html).toMatch(/the global calibrated threshold/);
    const saved = await call(`/w/${ws}/settings/learning`, form({ targetPrecision: "90" }));
    expect(saved.status).toBe(303);
    const after = await (await call(`/w/${ws}/settings`)).text();
    expect(after).toContain('value="90"');
    const bad = await call(`/w/${ws}/settings/learning`, form({ targetPrecision: "120" }));
    expect(bad.status).toBe(400);
    const train = await call(`/w/${ws}/learning/train`, form({}));
    expect(train.status).toBe(303);
    expect(q.sent("learn").length).toBe(1);
    await q.run();
    const trained = await (await call(`/w/${ws}/settings`)).text();
    expect(trained).toMatch(/data-testid="learning-status">off</);
    expect(trained).toMatch(/needs at least 30/);
    expect(trained).toContain("2 labelled issues (1 tracker labels, 1 review answers)");
  });
});
