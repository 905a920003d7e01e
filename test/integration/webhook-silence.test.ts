/**
 * A Jira connection that has received no webhook delivery for a day while its issues changed (the
 * scheduled sync found them) is flagged on the Connections page and in the API, with why (Jira
 * delivers a non-public OAuth app's webhooks only when the connecting user owns the app).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createConnection, noteWebhooksApplied, setSyncScopes } from "../../src/db/connections";
import { upsertIssues } from "../../src/db/issues";
import { createWorkspace } from "../../src/db/workspaces";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { issue } from "./security/harness";

const testEnv = env as unknown as Env;
const DAY = 86_400_000;

async function call(path: string) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://127.0.0.1:8787${path}`), testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function world(tracker: "jira" | "github", opts: { connectedAgoMs: number; issueChangedAgoMs: number }) {
  const ws = await createWorkspace(testEnv.DB, { name: `silence ${tracker}`, isDemo: true });
  const conn = await createConnection(testEnv.DB, {
    workspaceId: ws.id,
    tracker,
    accountId: "acc",
    accountName: "Acme",
    grantedScopes: [],
    accessTokenEnc: null,
    refreshTokenEnc: null,
    tokenExpiresAt: null,
    now: new Date(Date.now() - opts.connectedAgoMs),
  });
  await setSyncScopes(testEnv.DB, ws.id, conn.id, [{ kind: "project", id: "AUD", name: "Auditor" }]);
  const changed = new Date(Date.now() - opts.issueChangedAgoMs).toISOString();
  await upsertIssues(testEnv.DB, {
    workspaceId: ws.id,
    connectionId: conn.id,
    scopeId: "AUD",
    now: new Date(),
    issues: [issue(1, "Checkout fails", { tracker, updatedAt: changed })],
  });
  return { ws, conn };
}

const warningOf = async (wsId: string) => {
  const { items } = (await (await call(`/api/v1/workspaces/${wsId}/connections`)).json()) as { items: Array<{ webhooks: { warning: string | null } }> };
  return items[0]!.webhooks.warning;
};

describe("a Jira connection whose webhooks never arrive", () => {
  it("is flagged after a day without deliveries while issues changed, with the reason", async () => {
    const { ws } = await world("jira", { connectedAgoMs: 2 * DAY, issueChangedAgoMs: 3_600_000 });
    expect(await warningOf(ws.id)).toMatch(/no Jira webhook delivery.*non-public OAuth app.*owns the app/i);
    const page = await (await call(`/w/${ws.id}/connections`)).text();
    expect(page).toMatch(/data-testid="webhook-silence">[^<]*non-public OAuth app/);
  });

  it("is not flagged while deliveries arrive, before a day has passed, when nothing changed, or for another tracker", async () => {
    const receiving = await world("jira", { connectedAgoMs: 2 * DAY, issueChangedAgoMs: 3_600_000 });
    await noteWebhooksApplied(testEnv.DB, receiving.conn.id, 1, new Date(Date.now() - 600_000));
    expect(await warningOf(receiving.ws.id)).toBeNull();

    const young = await world("jira", { connectedAgoMs: 3_600_000, issueChangedAgoMs: 60_000 });
    expect(await warningOf(young.ws.id)).toBeNull();

    const quiet = await world("jira", { connectedAgoMs: 2 * DAY, issueChangedAgoMs: 3 * DAY });
    expect(await warningOf(quiet.ws.id)).toBeNull();

    const github = await world("github", { connectedAgoMs: 2 * DAY, issueChangedAgoMs: 3_600_000 });
    expect(await warningOf(github.ws.id)).toBeNull();
    expect(await (await call(`/w/${github.ws.id}/connections`)).text()).not.toContain("webhook-silence");
  });
});
