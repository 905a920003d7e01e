/**
 * Linear webhooks: `linear-signature` is the hex HMAC-SHA256 of the raw body
 * with the webhook's signing secret; `webhookTimestamp` (epoch ms, in the
 * body) must be within 60 s of now; `linear-delivery` is the delivery id
 * (stable across Linear's retries), `linear-event` the entity type.
 *
 * Events: Issue create/update → issue.upserted, Issue remove →
 * issue.deleted, Comment (any action) on an issue → issue.touched. An
 * IssueLabel event concerns the label entity itself (IssueLabelWebhookPayload
 * has no issue id; adding a label to an issue arrives as an Issue update), so
 * it is `ignored` unless its data names an issue. Reaction and everything
 * else → ignored.
 */
import { hmacSha256Hex, timingSafeEqualString } from "../http";
import type { WebhookEvent, WebhookHandler, WebhookInput, WebhookVerification } from "../types";
import { linearIssue } from "./normalize";
import { CommentWebhookDataSchema, IssueWebhookDataSchema, WebhookEnvelopeSchema } from "./schema";

/** How far `webhookTimestamp` may be from now. */
export const WEBHOOK_TOLERANCE_MS = 60_000;

export function createLinearWebhooks(opts: { secret?: string; now?: () => number }): WebhookHandler {
  const clock = opts.now ?? Date.now;

  async function verify(input: WebhookInput, now = clock()): Promise<WebhookVerification> {
    const signature = input.headers.get("linear-signature");
    if (!signature) return { ok: false, reason: "missing-signature", message: "no linear-signature header" };
    if (!opts.secret) return { ok: false, reason: "bad-signature", message: "no webhook secret configured" };
    const expected = await hmacSha256Hex(opts.secret, input.rawBody);
    if (!timingSafeEqualString(expected, signature.trim().toLowerCase()))
      return { ok: false, reason: "bad-signature", message: "linear-signature does not match the body" };
    let ts: unknown;
    try {
      ts = (JSON.parse(input.rawBody) as { webhookTimestamp?: unknown }).webhookTimestamp;
    } catch {
      return { ok: false, reason: "malformed", message: "body is not JSON" };
    }
    if (typeof ts !== "number" || !Number.isFinite(ts)) return { ok: false, reason: "malformed", message: "no webhookTimestamp" };
    if (Math.abs(now - ts) > WEBHOOK_TOLERANCE_MS)
      return { ok: false, reason: "stale", message: `webhookTimestamp is ${Math.round((now - ts) / 1000)} s from now` };
    const deliveryId = input.headers.get("linear-delivery");
    if (!deliveryId) return { ok: false, reason: "malformed", message: "no linear-delivery header" };
    return { ok: true, deliveryId };
  }

  function parse(input: WebhookInput): WebhookEvent[] {
    const deliveryId = input.headers.get("linear-delivery") ?? "";
    let raw: unknown;
    try {
      raw = JSON.parse(input.rawBody);
    } catch {
      return [{ kind: "ignored", deliveryId, reason: "body is not JSON" }];
    }
    const env = WebhookEnvelopeSchema.safeParse(raw);
    if (!env.success) return [{ kind: "ignored", deliveryId, reason: "not a Linear entity webhook" }];
    const { type, action, data } = env.data;

    if (type === "Issue") {
      const d = IssueWebhookDataSchema.safeParse(data);
      if (!d.success) return [{ kind: "ignored", deliveryId, reason: `Issue payload did not match: ${d.error.issues[0]?.message ?? ""}` }];
      if (action === "remove") return [{ kind: "issue.deleted", deliveryId, scopeId: d.data.teamId, externalId: d.data.id }];
      const { issue, notCarried } = linearIssue({ from: "webhook", data: d.data }, clock());
      return [{ kind: "issue.upserted", deliveryId, scopeId: d.data.teamId, issue, notCarried }];
    }

    if (type === "Comment" || type === "IssueLabel") {
      const d = CommentWebhookDataSchema.safeParse(data);
      const issueId = d.success ? (d.data.issue?.id ?? d.data.issueId ?? null) : null;
      const issue = d.success ? d.data.issue : null;
      if (!issueId || !issue) return [{ kind: "ignored", deliveryId, reason: `${type} ${action} is not about an issue we can name` }];
      const scope = { kind: "team" as const, id: issue.teamId, name: issue.team?.key ?? issue.identifier.split("-")[0] ?? issue.teamId };
      return [{ kind: "issue.touched", deliveryId, scopeId: issue.teamId, ref: { externalId: issueId, key: issue.identifier, scope } }];
    }

    return [{ kind: "ignored", deliveryId, reason: `${type} events are not used` }];
  }

  return { verify, parse };
}
