/**
 * Signed webhook deliveries, as Jira sends them to a dynamic webhook of an
 * OAuth 2.0 app: `Authorization: Bearer <JWT HS256 signed with the client
 * secret>`, `X-Atlassian-Webhook-Identifier` (stable across retries) and
 * `X-Atlassian-Webhook-Retry`.
 */
import type { Delivery } from "../common/outbox";

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
const b64json = (v: unknown) => b64url(new TextEncoder().encode(JSON.stringify(v)));

export async function signJwt(secret: string, claims: Record<string, unknown>): Promise<string> {
  const head = `${b64json({ alg: "HS256", typ: "JWT" })}.${b64json(claims)}`;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(head)));
  return `${head}.${b64url(sig)}`;
}

/** Claims of the sandbox's delivery JWT (see connectors/jira/webhooks.ts for what is verified). */
export function deliveryClaims(cloudId: string, nowMs: number) {
  const iat = Math.floor(nowMs / 1000);
  return { iss: `jira:${cloudId}`, iat, exp: iat + 180, qsh: "context-qsh" };
}

export async function buildDelivery(p: {
  identifier: string;
  retry: number;
  url: string | null;
  event: string;
  body: string;
  secret: string;
  cloudId: string;
  now: number;
}): Promise<Delivery> {
  const jwt = await signJwt(p.secret, deliveryClaims(p.cloudId, p.now));
  return {
    id: p.identifier,
    url: p.url,
    event: p.event,
    body: p.body,
    createdAt: p.now,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Atlassian Webhook HTTP Client",
      authorization: `Bearer ${jwt}`,
      "x-atlassian-webhook-identifier": p.identifier,
      "x-atlassian-webhook-retry": String(p.retry),
    },
  };
}
