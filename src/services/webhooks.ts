/** Which connections a webhook delivery concerns, from its normalized events. */
import type { WebhookEvent } from "../../connectors/types";
import type { Tracker } from "../core/types";
import { findConnectionsByScope, findConnectionsBySite, type Connection } from "../db/connections";

export async function routeWebhook(db: D1Database, tracker: Tracker, events: WebhookEvent[], _rawBody: string): Promise<Connection[]> {
  const found = new Map<string, Connection>();
  for (const ev of events) {
    let list: Connection[] = [];
    if (ev.kind === "installation.removed" || ev.kind === "installation.changed") list = await findConnectionsBySite(db, tracker, ev.installationId);
    else if (ev.kind !== "ignored") list = await findConnectionsByScope(db, tracker, ev.scopeId);
    for (const c of list) found.set(c.id, c);
  }
  return [...found.values()];
}
