/**
 * Jira behaviours the published material leaves open, handled either way:
 * - a refresh answer without `refresh_token` keeps the previous one (Atlassian documents rotation,
 *   not that every answer carries a new token);
 * - a webhook JWT whose HS256 signature verifies is accepted without `exp` (Atlassian lists no
 *   claims; the body is not trusted anyway, the issue is re-fetched), while a forged one is refused.
 */
import { describe, expect, it } from "vitest";
import { createJiraConnector } from "../../../../connectors/jira";
import { verifyJiraWebhook } from "../../../../connectors/jira/webhooks";
import { signJwt } from "../../../../sandbox/jira/deliveries";

const CLIENT = { clientId: "cid", clientSecret: "client-secret-xyz" };

describe("jira token refresh", () => {
  it("an answer without a new refresh token keeps the previous one (and the granted scopes)", async () => {
    const bodies: unknown[] = [];
    const connector = createJiraConnector({
      fetch: async (_i, init) => {
        bodies.push(JSON.parse(String(init?.body)));
        return new Response(JSON.stringify({ access_token: "at-2", expires_in: 3600, token_type: "Bearer" }), {
          status: 200,
          headers: { "content-type": "application/json" },
        });
      },
      apiBase: "https://api.atlassian.test",
      oauthBase: "https://auth.atlassian.test",
      ...CLIENT,
    });
    const next = await connector.oauth.refresh({ accessToken: "at-1", refreshToken: "rt-1", expiresAt: null, scopes: ["read:jira-work", "offline_access"] });
    expect(bodies).toEqual([expect.objectContaining({ grant_type: "refresh_token", refresh_token: "rt-1" })]);
    expect(next).toMatchObject({ accessToken: "at-2", refreshToken: "rt-1", scopes: ["read:jira-work", "offline_access"] });
  });
});

describe("jira webhook JWT claims", () => {
  const delivery = (authorization: string) => ({
    headers: new Headers({ authorization, "x-atlassian-webhook-identifier": "wh-1", "content-type": "application/json" }),
    rawBody: JSON.stringify({ webhookEvent: "jira:issue_updated", issue: { id: "10001", key: "AUD-1" } }),
  });
  const nowS = () => Math.floor(Date.now() / 1000);

  it("accepts a token signed with the app secret that carries no exp (nor iat)", async () => {
    const token = await signJwt(CLIENT.clientSecret, { iss: "jira" });
    expect(await verifyJiraWebhook(delivery(`Bearer ${token}`), CLIENT.clientSecret)).toEqual({ ok: true, deliveryId: "wh-1" });
  });

  it("still refuses a forged token without exp, and an expired one", async () => {
    const forged = await signJwt("not-the-secret", {});
    expect(await verifyJiraWebhook(delivery(`Bearer ${forged}`), CLIENT.clientSecret)).toMatchObject({ ok: false, reason: "bad-signature" });
    const expired = await signJwt(CLIENT.clientSecret, { iat: nowS() - 900, exp: nowS() - 600 });
    expect(await verifyJiraWebhook(delivery(`Bearer ${expired}`), CLIENT.clientSecret)).toMatchObject({ ok: false, reason: "stale" });
  });
});
