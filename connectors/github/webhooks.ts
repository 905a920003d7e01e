/**
 * GitHub webhooks: `X-Hub-Signature-256` verification (HMAC-SHA256 over the
 * raw body, via `@octokit/webhooks-methods`) and normalization of `issues`,
 * `issue_comment`, `installation` and `installation_repositories` deliveries.
 * GitHub sends no timestamp to check staleness against; the delivery id
 * (`X-GitHub-Delivery`, the same on redelivery) is what the pipeline
 * de-duplicates on.
 *
 * @example
 * const v = await handler.verify({ headers, rawBody });
 * if (v.ok) for (const event of handler.parse({ headers, rawBody })) await enqueue(event);
 */
import { verify as verifySignature } from "@octokit/webhooks-methods";
import { z } from "zod";
import type { IssueRef, WebhookEvent, WebhookHandler, WebhookInput, WebhookVerification } from "../types";
import { GithubIssueSchema } from "./schema";

/** Our bot comments carry this marker; their own webhooks are echoes, not news. */
export const OWN_COMMENT_MARKER = "<!-- backlog-auditor:";

const RepoSchema = z.looseObject({ full_name: z.string(), name: z.string() });
const InstallationRefSchema = z.looseObject({ id: z.number() });
const IssueRefSchema = z.looseObject({ id: z.number(), number: z.number(), pull_request: z.unknown().optional() });

const IssuesPayload = z.looseObject({
  action: z.string(),
  issue: z.looseObject({ pull_request: z.unknown().optional() }),
  repository: RepoSchema,
  installation: InstallationRefSchema.optional(),
});
const CommentPayload = z.looseObject({
  action: z.string(),
  issue: IssueRefSchema,
  comment: z.looseObject({ body: z.string().nullable().optional() }),
  repository: RepoSchema,
  installation: InstallationRefSchema.optional(),
});
const InstallationPayload = z.looseObject({ action: z.string(), installation: InstallationRefSchema });

export function createGithubWebhooks(secret: string | undefined): WebhookHandler {
  return {
    async verify(input: WebhookInput): Promise<WebhookVerification> {
      const signature = input.headers.get("x-hub-signature-256");
      if (!signature) return { ok: false, reason: "missing-signature", message: "no X-Hub-Signature-256 header" };
      if (!secret) return { ok: false, reason: "bad-signature", message: "no webhook secret is configured for GitHub" };
      let valid = false;
      try {
        valid = await verifySignature(secret, input.rawBody, signature);
      } catch (e) {
        // The library throws on empty/malformed input; a bad signature must never escape as an exception.
        return { ok: false, reason: "bad-signature", message: `signature could not be checked: ${(e as Error).message}` };
      }
      if (!valid) return { ok: false, reason: "bad-signature", message: "X-Hub-Signature-256 does not match the body" };
      const deliveryId = input.headers.get("x-github-delivery");
      if (!deliveryId) return { ok: false, reason: "malformed", message: "no X-GitHub-Delivery header" };
      return { ok: true, deliveryId };
    },

    parse(input: WebhookInput): WebhookEvent[] {
      const deliveryId = input.headers.get("x-github-delivery") ?? "";
      const event = input.headers.get("x-github-event") ?? "";
      let payload: unknown;
      try {
        payload = JSON.parse(input.rawBody);
      } catch {
        return [{ kind: "ignored", deliveryId, reason: "body is not JSON" }];
      }
      return parsePayload(event, payload, deliveryId);
    },
  };
}

function refOf(issue: z.infer<typeof IssueRefSchema>, repo: z.infer<typeof RepoSchema>, installationId?: number): IssueRef {
  return {
    externalId: String(issue.id),
    key: `${repo.full_name}#${issue.number}`,
    scope: { kind: "repo", id: repo.full_name, name: repo.name, siteId: installationId === undefined ? undefined : String(installationId) },
  };
}

/** Normalize one parsed payload (exported for tests that feed recorded payloads). */
export function parsePayload(event: string, payload: unknown, deliveryId: string): WebhookEvent[] {
  const ignored = (reason: string): WebhookEvent[] => [{ kind: "ignored", deliveryId, reason }];
  switch (event) {
    case "issues": {
      const p = IssuesPayload.safeParse(payload);
      if (!p.success) return ignored("issues payload without issue/repository");
      const { action, issue, repository, installation } = p.data;
      if (issue.pull_request !== undefined) return ignored("pull request");
      const scopeId = repository.full_name;
      if (action === "deleted" || action === "transferred") {
        const ref = IssueRefSchema.safeParse(issue);
        if (!ref.success) return ignored(`issues.${action} without an issue id`);
        return [{ kind: "issue.deleted", deliveryId, scopeId, externalId: String(ref.data.id) }];
      }
      const parsed = GithubIssueSchema.safeParse(issue);
      if (parsed.success) return [{ kind: "issue.upserted", deliveryId, scopeId, issue: parsed.data }];
      const ref = IssueRefSchema.safeParse(issue);
      if (ref.success) return [{ kind: "issue.touched", deliveryId, scopeId, ref: refOf(ref.data, repository, installation?.id) }];
      return ignored("issue in payload could not be read");
    }
    case "issue_comment": {
      const p = CommentPayload.safeParse(payload);
      if (!p.success) return ignored("issue_comment payload without issue/comment/repository");
      const { issue, comment, repository, installation } = p.data;
      if (issue.pull_request !== undefined) return ignored("comment on a pull request");
      if (comment.body?.includes(OWN_COMMENT_MARKER)) return ignored("our own comment");
      return [{ kind: "issue.touched", deliveryId, scopeId: repository.full_name, ref: refOf(issue, repository, installation?.id) }];
    }
    case "installation": {
      const p = InstallationPayload.safeParse(payload);
      if (!p.success) return ignored("installation payload without installation id");
      const installationId = String(p.data.installation.id);
      if (p.data.action === "deleted") return [{ kind: "installation.removed", deliveryId, installationId }];
      return [{ kind: "installation.changed", deliveryId, installationId }];
    }
    case "installation_repositories": {
      const p = InstallationPayload.safeParse(payload);
      if (!p.success) return ignored("installation_repositories payload without installation id");
      return [{ kind: "installation.changed", deliveryId, installationId: String(p.data.installation.id) }];
    }
    default:
      return ignored(`event ${event || "(none)"} is not used`);
  }
}
