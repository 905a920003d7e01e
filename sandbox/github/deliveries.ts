/**
 * Webhook deliveries as GitHub's Hookshot sends them: JSON body, the event in
 * `X-GitHub-Event`, a delivery GUID in `X-GitHub-Delivery` (kept on
 * redelivery), and HMAC signatures `X-Hub-Signature` (sha1) and
 * `X-Hub-Signature-256` (sha256) over the exact body bytes.
 */
import type { Delivery } from "../common/outbox";

const keys = new Map<string, Promise<CryptoKey>>();

async function hmacHex(hash: "SHA-1" | "SHA-256", secret: string, body: string): Promise<string> {
  const id = `${hash}:${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash }, false, ["sign"]);
    keys.set(id, key);
  }
  const sig = await crypto.subtle.sign("HMAC", await key, new TextEncoder().encode(body));
  return [...new Uint8Array(sig)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export interface DeliveryTarget {
  url: string | null;
  secret: string;
  hookId: number;
  appId: number;
}

export async function buildDelivery(target: DeliveryTarget, event: string, payload: unknown, nowMs: number, id = crypto.randomUUID()): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const [sha1, sha256] = await Promise.all([hmacHex("SHA-1", target.secret, body), hmacHex("SHA-256", target.secret, body)]);
  return {
    id,
    url: target.url,
    event,
    body,
    createdAt: nowMs,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/8e03811",
      "x-github-event": event,
      "x-github-delivery": id,
      "x-github-hook-id": String(target.hookId),
      "x-github-hook-installation-target-id": String(target.appId),
      "x-github-hook-installation-target-type": "integration",
      "x-hub-signature": `sha1=${sha1}`,
      "x-hub-signature-256": `sha256=${sha256}`,
    },
  };
}
