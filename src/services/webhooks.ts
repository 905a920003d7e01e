/** Which connections a webhook delivery concerns, from its normalized events. */
import type { WebhookEvent } from "../../connectors/types";
import type { Tracker } from "../../domain/types";
import { findConnectionsByScope, findConnectionsBySite, type Connection } from "../db/connections";

/**
 * @param cache lookups already made for other deliveries of the same queue batch (keyed by tracker
 *   and scope or site), so a burst for one repository looks its connections up once.
 */
export async function routeWebhook(
  db: D1Database,
  tracker: Tracker,
  events: WebhookEvent[],
  _rawBody: string,
  cache?: Map<string, Promise<Connection[]>>,
): Promise<Connection[]> {
  const found = new Map<string, Connection>();
  const lookup = (key: string, load: () => Promise<Connection[]>): Promise<Connection[]> => {
    if (!cache) return load();
    let hit = cache.get(key);
    if (!hit) cache.set(key, (hit = load()));
    return hit;
  };
  for (const ev of events) {
    let list: Connection[] = [];
    if (ev.kind === "installation.removed" || ev.kind === "installation.changed") {
      const id = ev.installationId;
      list = await lookup(`${tracker}|site|${id}`, () => findConnectionsBySite(db, tracker, id));
    } else if (ev.kind !== "ignored") {
      const id = ev.scopeId;
      list = await lookup(`${tracker}|scope|${id}`, () => findConnectionsByScope(db, tracker, id));
    }
    for (const c of list) found.set(c.id, c);
  }
  return [...found.values()];
}
