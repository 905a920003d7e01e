/**
 * Webhook intake: verify the signature over the raw body, de-duplicate by the
 * tracker's delivery id, enqueue, and answer 202 at once. No heavy work inline:
 * trackers expect an answer within 5–10 s, and the queue does the rest.
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env";
import { TrackerSchema, type Tracker } from "../../domain/types";
import { claimDelivery, markDeliveryQueued } from "../db/webhooks";
import { getConfig } from "../env";
import { AppError } from "../errors";
import { limitBody } from "../middleware/request";
import { connectorFor } from "../services/connectors";
import type { Job } from "../sync/jobs";

/** GitHub sends up to 25 MB; anything near that is not an issue event we need inline. */
export const WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024;
/** Queue messages are capped at 128 KB: a larger delivery becomes a re-sync of its connection instead. */
const MAX_INLINE_BODY = 100 * 1024;

const KEEP_HEADERS =
  /^(x-github-event|x-github-delivery|x-hub-signature-256|linear-signature|linear-delivery|linear-event|authorization|x-atlassian-webhook-identifier|x-atlassian-webhook-retry|content-type|user-agent)$/i;

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
  // The delivery counts as seen only once it is safely enqueued: until then it stays `received`,
  // and a retry of it by the tracker is enqueued again instead of being answered "duplicate".
  const fresh = await claimDelivery(c.env.DB, { tracker, deliveryId: verdict.deliveryId, event, now: new Date(deps.now()) });
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
    await enqueue(
      c,
      tracker,
      verdict.deliveryId,
      connections.map((conn): Job => ({ type: "sync-start", connectionId: conn.id, reason: "webhook-gap" })),
    );
    return c.json({ accepted: true, deliveryId: verdict.deliveryId, mode: "resync" }, 202);
  }
  await enqueue(c, tracker, verdict.deliveryId, [job]);
  return c.json({ accepted: true, deliveryId: verdict.deliveryId }, 202);
});

/**
 * Sends the jobs, then marks the delivery `queued`. A failed send answers 503 `queue_unavailable`
 * (Linear and Jira retry a 5xx; GitHub's Redeliver button does the same), and the delivery stays
 * `received`, so the retry is enqueued rather than taken for a duplicate.
 */
async function enqueue(c: Context<AppEnv>, tracker: Tracker, deliveryId: string, jobs: Job[]): Promise<void> {
  try {
    if (jobs.length === 1) await c.env.SYNC_QUEUE.send(jobs[0]!);
    else if (jobs.length > 1) await c.env.SYNC_QUEUE.sendBatch(jobs.map((body) => ({ body })));
  } catch (e) {
    c.get("log").error("webhook enqueue failed; the delivery stays unqueued for the tracker's retry", {
      tracker,
      deliveryId,
      error: e instanceof Error ? e.message : String(e),
    });
    throw new AppError("queue_unavailable", "The delivery could not be queued; retry it.", undefined, { "retry-after": "60" });
  }
  await markDeliveryQueued(c.env.DB, tracker, deliveryId);
}

function tryEventName(body: string): string | null {
  const m = /"webhookEvent"\s*:\s*"([^"]{1,60})"/.exec(body.slice(0, 2000)) ?? /"type"\s*:\s*"([^"]{1,40})"/.exec(body.slice(0, 500));
  return m?.[1] ?? null;
}
