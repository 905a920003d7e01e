/**
 * Webhook intake: verify the signature over the raw body, de-duplicate by the
 * tracker's delivery id, enqueue, and answer 202 at once. No heavy work inline:
 * trackers expect an answer within 5–10 s, and the queue does the rest.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { TrackerSchema, type Tracker } from "../core/types";
import { recordDelivery } from "../db/webhooks";
import { getConfig } from "../env";
import { AppError } from "../errors";
import { limitBody } from "../middleware/request";
import { connectorFor } from "../services/connectors";
import type { Job } from "../sync/jobs";

/** GitHub sends up to 25 MB; anything near that is not an issue event we need inline. */
export const WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024;
/** Queue messages are capped at 128 KB: a larger delivery becomes a re-sync of its connection instead. */
const MAX_INLINE_BODY = 100 * 1024;

const KEEP_HEADERS = /^(x-github-event|x-github-delivery|x-hub-signature-256|linear-signature|linear-delivery|linear-event|authorization|x-atlassian-webhook-identifier|x-atlassian-webhook-retry|content-type|user-agent)$/i;

export const webhookRoutes = new Hono<AppEnv>().post("/webhooks/:tracker", limitBody(WEBHOOK_BODY_LIMIT), async (c) => {
  const parsed = TrackerSchema.safeParse(c.req.param("tracker"));
  if (!parsed.success) throw new AppError("not_found", `No webhook endpoint for ${c.req.param("tracker")}`);
  const tracker: Tracker = parsed.data;
  const deps = c.get("deps");
  const connector = connectorFor(tracker, getConfig(c.env), deps);
  const rawBody = await c.req.text();
  const input = { headers: c.req.raw.headers, rawBody };
  const verdict = await connector.webhooks.verify(input, deps.now());
  if (!verdict.ok) {
    c.get("log").warn("webhook refused", { tracker, reason: verdict.reason });
    if (verdict.reason === "stale") throw new AppError("webhook_stale", verdict.message);
    if (verdict.reason === "malformed") throw new AppError("bad_request", verdict.message);
    throw new AppError("webhook_signature_invalid", verdict.message);
  }
  const event = c.req.header("x-github-event") ?? c.req.header("linear-event") ?? tryEventName(rawBody) ?? "unknown";
  const fresh = await recordDelivery(c.env.DB, { tracker, deliveryId: verdict.deliveryId, event, now: new Date(deps.now()) });
  if (!fresh) return c.json({ accepted: false, duplicate: true, deliveryId: verdict.deliveryId }, 200);
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((v, k) => {
    if (KEEP_HEADERS.test(k)) headers[k] = v;
  });
  let job: Job;
  if (rawBody.length <= MAX_INLINE_BODY) job = { type: "webhook", tracker, deliveryId: verdict.deliveryId, headers, body: rawBody };
  else {
    // Too large for a queue message: apply it by re-syncing the connections it concerns (nothing is lost).
    const { routeWebhook } = await import("../services/webhooks");
    const connections = await routeWebhook(c.env.DB, tracker, connector.webhooks.parse(input), rawBody);
    for (const conn of connections) await c.env.SYNC_QUEUE.send({ type: "sync-start", connectionId: conn.id, reason: "webhook-gap" });
    return c.json({ accepted: true, deliveryId: verdict.deliveryId, mode: "resync" }, 202);
  }
  await c.env.SYNC_QUEUE.send(job);
  return c.json({ accepted: true, deliveryId: verdict.deliveryId }, 202);
});

function tryEventName(body: string): string | null {
  const m = /"webhookEvent"\s*:\s*"([^"]{1,60})"/.exec(body.slice(0, 2000)) ?? /"type"\s*:\s*"([^"]{1,40})"/.exec(body.slice(0, 500));
  return m?.[1] ?? null;
}
