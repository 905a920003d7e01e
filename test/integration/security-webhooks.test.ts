/**
 * Webhook authenticity through the real Worker and D1: a forged delivery
 * (wrong HMAC for GitHub and Linear, a JWT signed with another secret for
 * Jira) or a replayed one (Linear with an old `webhookTimestamp`, Jira with an
 * expired JWT) is 401 with nothing recorded and nothing queued; a redelivery
 * of an accepted delivery id is a no-op duplicate (200, still one row, one job).
 */
import { describe, expect, it } from "vitest";
import { bytesToB64url } from "../../connectors/jira/webhooks";
import { hmacSha256Hex } from "../../connectors/http";
import type { Env, QueueJob } from "../../src/env";
import { call, countRows, errorCode, ORIGIN, testEnv } from "./security/harness";

/** An env whose queue records what the webhook route enqueues. */
function capturing(): { env: Env; sent: QueueJob[] } {
  const sent: QueueJob[] = [];
  const queue = {
    send: async (body: QueueJob) => void sent.push(body),
    sendBatch: async (msgs: Iterable<{ body: QueueJob }>) => {
      for (const m of msgs) sent.push(m.body);
    },
  };
  return { env: { ...testEnv, SYNC_QUEUE: queue as unknown as Queue<QueueJob> }, sent };
}

async function post(tracker: string, body: string, headers: Record<string, string>, e: Env): Promise<Response> {
  return call(new Request(`${ORIGIN}/webhooks/${tracker}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } }), e);
}

const stored = (id: string) => countRows("SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_id = ?", id);
const uid = (p: string) => `${p}-${crypto.randomUUID()}`;

async function hs256Jwt(secret: string, claims: Record<string, unknown>): Promise<string> {
  const enc = (o: unknown) => bytesToB64url(new TextEncoder().encode(JSON.stringify(o)));
  const head = `${enc({ alg: "HS256", typ: "JWT" })}.${enc(claims)}`;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `${head}.${bytesToB64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(head))))}`;
}

const githubBody = JSON.stringify({
  action: "edited",
  issue: { id: 991, number: 7, title: "forged", labels: [], state: "open", updated_at: "2026-11-01T00:00:00Z", created_at: "2026-11-01T00:00:00Z" },
  repository: { full_name: "o/r" },
});
const linearBody = (ts: number) =>
  JSON.stringify({ action: "update", type: "Issue", webhookTimestamp: ts, organizationId: "org-1", data: { id: "lin-9", teamId: "team-1" } });
const jiraBody = JSON.stringify({
  webhookEvent: "jira:issue_updated",
  timestamp: Date.now(),
  issue: { id: "10001", key: "ABC-1", fields: { project: { id: "10000", key: "ABC" } } },
});

type Case = {
  tracker: "github" | "linear" | "jira";
  name: string;
  code: string;
  make: (id: string) => Promise<{ body: string; headers: Record<string, string> }>;
};

const nowS = () => Math.floor(Date.now() / 1000);

const FORGED: Case[] = [
  {
    tracker: "github",
    name: "GitHub: HMAC with another secret",
    code: "webhook_signature_invalid",
    make: async (id) => ({
      body: githubBody,
      headers: { "x-hub-signature-256": `sha256=${await hmacSha256Hex("attacker-secret", githubBody)}`, "x-github-delivery": id, "x-github-event": "issues" },
    }),
  },
  {
    tracker: "github",
    name: "GitHub: valid HMAC of another body",
    code: "webhook_signature_invalid",
    make: async (id) => ({
      body: githubBody.replace("forged", "tampered"),
      headers: {
        "x-hub-signature-256": `sha256=${await hmacSha256Hex(testEnv.GITHUB_WEBHOOK_SECRET!, githubBody)}`,
        "x-github-delivery": id,
        "x-github-event": "issues",
      },
    }),
  },
  {
    tracker: "linear",
    name: "Linear: HMAC with another secret",
    code: "webhook_signature_invalid",
    make: async (id) => {
      const body = linearBody(Date.now());
      return { body, headers: { "linear-signature": await hmacSha256Hex("attacker-secret", body), "linear-delivery": id, "linear-event": "Issue" } };
    },
  },
  {
    tracker: "linear",
    name: "Linear: replay with a 10-minute-old webhookTimestamp (correctly signed)",
    code: "webhook_stale",
    make: async (id) => {
      const body = linearBody(Date.now() - 10 * 60_000);
      return {
        body,
        headers: { "linear-signature": await hmacSha256Hex(testEnv.LINEAR_WEBHOOK_SECRET!, body), "linear-delivery": id, "linear-event": "Issue" },
      };
    },
  },
  {
    tracker: "jira",
    name: "Jira: JWT signed with another secret",
    code: "webhook_signature_invalid",
    make: async (id) => ({
      body: jiraBody,
      headers: { authorization: `Bearer ${await hs256Jwt("attacker-secret", { iat: nowS(), exp: nowS() + 60 })}`, "x-atlassian-webhook-identifier": id },
    }),
  },
  {
    tracker: "jira",
    name: "Jira: JWT with alg none",
    code: "webhook_signature_invalid",
    make: async (id) => {
      const enc = (o: unknown) => bytesToB64url(new TextEncoder().encode(JSON.stringify(o)));
      return {
        body: jiraBody,
        headers: { authorization: `Bearer ${enc({ alg: "none" })}.${enc({ exp: nowS() + 60 })}.`, "x-atlassian-webhook-identifier": id },
      };
    },
  },
  {
    tracker: "jira",
    name: "Jira: replay of an expired JWT (correctly signed)",
    code: "webhook_stale",
    make: async (id) => ({
      body: jiraBody,
      headers: {
        authorization: `Bearer ${await hs256Jwt(testEnv.JIRA_CLIENT_SECRET!, { iat: nowS() - 3600, exp: nowS() - 1800 })}`,
        "x-atlassian-webhook-identifier": id,
      },
    }),
  },
  {
    tracker: "jira",
    name: "Jira: a forged token without exp",
    code: "webhook_signature_invalid",
    make: async (id) => ({
      body: jiraBody,
      headers: { authorization: `Bearer ${await hs256Jwt("attacker-secret", {})}`, "x-atlassian-webhook-identifier": id },
    }),
  },
  {
    tracker: "jira",
    name: "Jira: no Authorization header",
    code: "webhook_signature_invalid",
    make: async (id) => ({ body: jiraBody, headers: { "x-atlassian-webhook-identifier": id } }),
  },
];

const GENUINE: Case[] = [
  {
    tracker: "github",
    name: "GitHub",
    code: "",
    make: async (id) => ({
      body: githubBody,
      headers: {
        "x-hub-signature-256": `sha256=${await hmacSha256Hex(testEnv.GITHUB_WEBHOOK_SECRET!, githubBody)}`,
        "x-github-delivery": id,
        "x-github-event": "issues",
      },
    }),
  },
  {
    tracker: "linear",
    name: "Linear",
    code: "",
    make: async (id) => {
      const body = linearBody(Date.now());
      return {
        body,
        headers: { "linear-signature": await hmacSha256Hex(testEnv.LINEAR_WEBHOOK_SECRET!, body), "linear-delivery": id, "linear-event": "Issue" },
      };
    },
  },
  {
    tracker: "jira",
    name: "Jira",
    code: "",
    make: async (id) => ({
      body: jiraBody,
      headers: {
        authorization: `Bearer ${await hs256Jwt(testEnv.JIRA_CLIENT_SECRET!, { iat: nowS(), exp: nowS() + 180 })}`,
        "x-atlassian-webhook-identifier": id,
      },
    }),
  },
  {
    tracker: "jira",
    // Atlassian documents no claim list: a token whose signature verifies is not refused for lacking exp.
    name: "Jira, a token without exp",
    code: "",
    make: async (id) => ({
      body: jiraBody,
      headers: { authorization: `Bearer ${await hs256Jwt(testEnv.JIRA_CLIENT_SECRET!, {})}`, "x-atlassian-webhook-identifier": id },
    }),
  },
];

describe("forged and replayed webhooks", () => {
  it.each(FORGED)("$name → 401 $code, nothing recorded or queued", async (c) => {
    const { env, sent } = capturing();
    const id = uid(c.tracker);
    const d = await c.make(id);
    const res = await post(c.tracker, d.body, d.headers, env);
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe(c.code);
    expect(await stored(id)).toBe(0);
    expect(sent).toEqual([]);
  });
});

describe("genuine deliveries and their redelivery", () => {
  it.each(GENUINE)("$name: accepted once (202, one row, one job); the same delivery id again is a duplicate no-op", async (c) => {
    const { env, sent } = capturing();
    const id = uid(c.tracker);
    const d = await c.make(id);
    const first = await post(c.tracker, d.body, d.headers, env);
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ accepted: true, deliveryId: id });
    expect(sent).toHaveLength(1);
    // The tracker retries (or an attacker replays a captured, still-valid delivery).
    const again = await post(c.tracker, d.body, d.headers, env);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true, deliveryId: id });
    expect(await stored(id)).toBe(1);
    expect(sent).toHaveLength(1);
  });
});
