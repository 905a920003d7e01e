/** Webhook deliveries, for de-duplication by the tracker's delivery id. */
import type { Tracker } from "../../domain/types";

/**
 * Claims a delivery for enqueueing. A new id is recorded as `received`; an id seen before is
 * claimed again only while it is still `received` (its enqueue failed or never finished), so a
 * tracker's retry of a delivery we failed to enqueue is enqueued instead of answered "duplicate".
 * Returns false for a duplicate (already enqueued or done).
 */
export async function claimDelivery(
  db: D1Database,
  p: { tracker: Tracker; deliveryId: string; event: string; connectionId?: string | null; now: Date },
): Promise<boolean> {
  const r = await db
    .prepare(
      "INSERT INTO webhook_deliveries (tracker, delivery_id, connection_id, event, status, received_at) VALUES (?, ?, ?, ?, 'received', ?) ON CONFLICT DO NOTHING",
    )
    .bind(p.tracker, p.deliveryId, p.connectionId ?? null, p.event.slice(0, 100), p.now.toISOString())
    .run();
  if ((r.meta.changes ?? 0) > 0) return true;
  const row = await db
    .prepare("SELECT status FROM webhook_deliveries WHERE tracker = ? AND delivery_id = ?")
    .bind(p.tracker, p.deliveryId)
    .first<{ status: string }>();
  return row?.status === "received";
}

/** Marks a claimed delivery as safely enqueued (never downgrades one the consumer already finished). */
export async function markDeliveryQueued(db: D1Database, tracker: Tracker, deliveryId: string): Promise<void> {
  await db
    .prepare("UPDATE webhook_deliveries SET status = 'queued' WHERE tracker = ? AND delivery_id = ? AND status = 'received'")
    .bind(tracker, deliveryId)
    .run();
}

export async function markDelivery(
  db: D1Database,
  tracker: Tracker,
  deliveryId: string,
  status: "processed" | "ignored" | "failed",
  now = new Date(),
): Promise<void> {
  await db
    .prepare("UPDATE webhook_deliveries SET status = ?, processed_at = ? WHERE tracker = ? AND delivery_id = ?")
    .bind(status, now.toISOString(), tracker, deliveryId)
    .run();
}

/** Marks many deliveries in one statement batch (one D1 round trip). */
export async function markDeliveries(
  db: D1Database,
  items: Array<{ tracker: Tracker; deliveryId: string; status: "processed" | "ignored" | "failed" }>,
  now = new Date(),
): Promise<void> {
  if (items.length === 0) return;
  const at = now.toISOString();
  const stmt = db.prepare("UPDATE webhook_deliveries SET status = ?, processed_at = ? WHERE tracker = ? AND delivery_id = ?");
  await db.batch(items.map((i) => stmt.bind(i.status, at, i.tracker, i.deliveryId)));
}

/** Old deliveries are pruned: trackers stop retrying within hours (Linear 6 h, Jira ~30 min). */
export async function pruneDeliveries(db: D1Database, olderThan: Date): Promise<number> {
  const r = await db.prepare("DELETE FROM webhook_deliveries WHERE received_at < ? AND status != 'queued'").bind(olderThan.toISOString()).run();
  return r.meta.changes ?? 0;
}
