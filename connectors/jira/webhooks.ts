/**
 * Jira dynamic webhooks for OAuth 2.0 apps: registration, refresh, and
 * verification of deliveries.
 *
 * Verification. Atlassian's webhook docs ("Webhooks authentication for OAuth
 * 2.0 apps") say a delivery to a webhook registered through the REST API by an
 * OAuth 2.0 app carries `Authorization: Bearer <JWT>`, signed HS256 with the
 * app's client secret. The docs do not list the claims. We therefore check:
 * the HS256 signature (constant time), `exp` when present (expired → `stale`,
 * 30 s leeway; a token without `exp` whose signature verifies is accepted,
 * since no claim is documented as required), `iat` not in the future, and
 * `iss` only when `options.jiraWebhookIssuer` is configured. Replays of a
 * delivery are de-duplicated by its identifier at the intake. `qsh` is not checked: for
 * Connect it hashes method + path + query, which a `WebhookInput` does not
 * carry, and OAuth-app tokens may use the fixed `context-qsh`.
 * UNCERTAIN (report): the exact claim set; and the JWT does not cover the
 * body, so a captured token could be replayed with another body until `exp`.
 * That is why `parse` turns issue/comment events into `issue.touched`
 * (re-fetch through the API) rather than trusting the body's fields.
 *
 * De-duplication key: `X-Atlassian-Webhook-Identifier` (stable across
 * retries) is the `deliveryId`; the retry count (`X-Atlassian-Webhook-Retry`)
 * is available through `webhookRetryCount`.
 *
 * @example
 * const v = await handler.verify({ headers, rawBody });
 * if (v.ok) for (const e of handler.parse({ headers, rawBody })) enqueue(e);
 */
import { timingSafeEqualString } from "../http";
import type { Auth, IssueRef, WebhookEvent, WebhookHandler, WebhookInput, WebhookVerification } from "../types";
import type { JiraClient } from "./client";
import { projectsFilter } from "./jql";
import { WebhookBodySchema } from "./schema";

export const WEBHOOK_EVENTS = ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created", "comment_updated", "comment_deleted"];
const LEEWAY_S = 30;

function b64urlToBytes(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
export function bytesToB64url(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function hs256(secret: string, data: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return bytesToB64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data))));
}

/** Verify a Jira webhook JWT (see the module comment for what is and is not checked). */
export async function verifyJiraWebhook(input: WebhookInput, clientSecret: string, now = Date.now(), issuer?: string): Promise<WebhookVerification> {
  const authz = input.headers.get("authorization");
  if (!authz) return { ok: false, reason: "missing-signature", message: "no Authorization header" };
  const m = /^(?:Bearer|JWT)\s+([\w-]+)\.([\w-]+)\.([\w-]*)$/i.exec(authz.trim());
  if (!m) return { ok: false, reason: "bad-signature", message: "Authorization is not a JWT" };
  const [, h, p, sig] = m as unknown as [string, string, string, string];
  let header: { alg?: string };
  let claims: { exp?: number; iat?: number; iss?: string; qsh?: string };
  try {
    header = JSON.parse(new TextDecoder().decode(b64urlToBytes(h)));
    claims = JSON.parse(new TextDecoder().decode(b64urlToBytes(p)));
  } catch {
    return { ok: false, reason: "bad-signature", message: "JWT header or claims are not JSON" };
  }
  if (header.alg !== "HS256") return { ok: false, reason: "bad-signature", message: `unexpected JWT alg ${String(header.alg)}` };
  if (!timingSafeEqualString(await hs256(clientSecret, `${h}.${p}`), sig)) return { ok: false, reason: "bad-signature", message: "JWT signature mismatch" };
  const nowS = now / 1000;
  // No `exp` is not a refusal: the signature is what proves the sender, and the body is not trusted (re-fetch).
  if (typeof claims.exp === "number" && nowS > claims.exp + LEEWAY_S)
    return { ok: false, reason: "stale", message: `JWT expired at ${new Date(claims.exp * 1000).toISOString()}` };
  if (typeof claims.iat === "number" && claims.iat > nowS + LEEWAY_S) return { ok: false, reason: "stale", message: "JWT issued in the future" };
  if (issuer && claims.iss !== issuer) return { ok: false, reason: "bad-signature", message: `unexpected JWT issuer ${String(claims.iss)}` };
  const deliveryId = input.headers.get("x-atlassian-webhook-identifier");
  if (!deliveryId) return { ok: false, reason: "malformed", message: "no X-Atlassian-Webhook-Identifier header" };
  return { ok: true, deliveryId };
}

/** How many times Jira retried this delivery (0 for the first attempt). */
export function webhookRetryCount(input: WebhookInput): number {
  return Number(input.headers.get("x-atlassian-webhook-retry") ?? 0) || 0;
}

/** The cloudId in an issue's `self` link (`.../ex/jira/{cloudId}/rest/...`), when present. */
function cloudIdOf(self: unknown): string | undefined {
  return typeof self === "string" ? /\/ex\/jira\/([^/]+)\//.exec(self)?.[1] : undefined;
}

export function parseJiraWebhook(input: WebhookInput): WebhookEvent[] {
  const deliveryId = input.headers.get("x-atlassian-webhook-identifier") ?? "";
  let body: unknown;
  try {
    body = JSON.parse(input.rawBody);
  } catch {
    return [{ kind: "ignored", deliveryId, reason: "body is not JSON" }];
  }
  const r = WebhookBodySchema.safeParse(body);
  if (!r.success) return [{ kind: "ignored", deliveryId, reason: "not an issue or comment event" }];
  const { webhookEvent, issue } = r.data;
  if (!issue) return [{ kind: "ignored", deliveryId, reason: `${webhookEvent} without an issue` }];
  const project = (issue.fields?.project as { key?: string } | undefined)?.key ?? issue.key.replace(/-\d+$/, "");
  if (webhookEvent === "jira:issue_deleted") return [{ kind: "issue.deleted", deliveryId, scopeId: project, externalId: issue.id }];
  if (!WEBHOOK_EVENTS.includes(webhookEvent)) return [{ kind: "ignored", deliveryId, reason: `event ${webhookEvent}` }];
  const siteId = cloudIdOf(issue.self);
  const ref: IssueRef = { externalId: issue.id, key: issue.key, scope: { kind: "project", id: project, name: project, ...(siteId ? { siteId } : {}) } };
  return [{ kind: "issue.touched", deliveryId, scopeId: project, ref }];
}

export function createJiraWebhookHandler(clientSecret: string, issuer?: string): WebhookHandler {
  return {
    verify: (input, now) => verifyJiraWebhook(input, clientSecret, now ?? Date.now(), issuer),
    parse: parseJiraWebhook,
  };
}

/** Register one dynamic webhook for the projects' issue and comment events; returns the created ids. */
export async function registerJiraWebhooks(client: JiraClient, auth: Auth, siteId: string, url: string, projectKeys: string[]) {
  const res = await client.registerWebhooks({ ...auth, siteId }, url, [{ events: WEBHOOK_EVENTS, jqlFilter: projectsFilter(projectKeys) }]);
  const ids = res.webhookRegistrationResult.flatMap((r) => (r.createdWebhookId === undefined ? [] : [r.createdWebhookId]));
  const errors = res.webhookRegistrationResult.flatMap((r) => r.errors ?? []);
  return { ids, errors };
}

/** Extend the webhooks' 30-day life; returns the new expiry (ISO). */
export async function refreshJiraWebhooks(client: JiraClient, auth: Auth, siteId: string, ids: number[]) {
  const res = await client.refreshWebhooks({ ...auth, siteId }, ids);
  const ms = typeof res.expirationDate === "number" ? res.expirationDate : Date.parse(res.expirationDate);
  return { expiresAt: new Date(ms).toISOString() };
}
