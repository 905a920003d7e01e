/**
 * Jira delivers the webhooks a non-public (development) OAuth 2.0 app registers only when the user
 * who registered them owns the app. Such a connection syncs (the scheduled re-sync finds every
 * change) but never receives a delivery. This notices it: a Jira connection with no delivery for a
 * day while its issues changed.
 */
import type { Connection } from "../db/connections";

export const WEBHOOK_SILENCE_MS = 24 * 3_600_000;

export interface WebhookSilence {
  /** Since when no delivery arrived (the last one, or when the connection was made). */
  since: string;
  /** The newest issue change the sync found meanwhile. */
  latestChange: string;
  message: string;
}

/**
 * @example
 * webhookSilence(jiraConn, "2026-12-06T10:00:00Z", Date.now()); // null, or why no webhook arrived
 */
export function webhookSilence(
  c: Pick<Connection, "tracker" | "status" | "lastWebhookAt" | "createdAt">,
  latestIssueUpdate: string | null | undefined,
  now: number,
): WebhookSilence | null {
  if (c.tracker !== "jira" || c.status !== "active" || !latestIssueUpdate) return null;
  const since = c.lastWebhookAt ?? c.createdAt;
  const sinceMs = Date.parse(since);
  if (!(now - sinceMs >= WEBHOOK_SILENCE_MS) || !(Date.parse(latestIssueUpdate) > sinceMs)) return null;
  return {
    since,
    latestChange: latestIssueUpdate,
    message:
      "No Jira webhook delivery has arrived for more than a day, although issues changed (the scheduled sync found them). " +
      "Jira delivers the webhooks of a non-public OAuth app only when the user who connected it owns the app in the Atlassian developer console: " +
      "connect again as the app's owner, or make the app public (distribute it). Until then changes arrive with the re-sync every 15 minutes.",
  };
}
