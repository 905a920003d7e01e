/**
 * Write-back: owned labels and the one bot comment (ADF), both `ensure*`:
 * they read the current state, converge it, and write nothing when it already
 * matches.
 */
import { ConnectorError } from "../errors";
import type { Auth, CommentResult, IssueRef, LabelChange, LabelResult } from "../types";
import { findMarker, markdownToAdf, markerParagraph, sourceHash, type AdfNode } from "./adf";
import type { JiraClient } from "./client";

/**
 * Jira labels cannot contain spaces: whitespace runs become `-`
 * (`constraint:reliability` needs no change).
 */
export function jiraLabel(name: string): string {
  return name.trim().replace(/\s+/g, "-");
}

function authFor(auth: Auth, ref: IssueRef): Auth {
  const siteId = ref.scope.siteId ?? auth.siteId;
  if (!siteId) throw new ConnectorError("forbidden", "Jira write needs a siteId (cloudId)", { tracker: "jira" });
  return { ...auth, siteId };
}

export async function ensureJiraLabels(client: JiraClient, auth: Auth, ref: IssueRef, change: LabelChange): Promise<LabelResult> {
  const a = authFor(auth, ref);
  const idOrKey = ref.key || ref.externalId;
  const raw = (await client.getIssue(a, idOrKey, ["labels"])) as { fields?: { labels?: unknown } } | null;
  if (!raw) throw new ConnectorError("not-found", `Jira issue ${idOrKey} not found`, { tracker: "jira", status: 404 });
  const current = Array.isArray(raw.fields?.labels) ? raw.fields.labels.filter((l): l is string => typeof l === "string") : [];
  const desired = [...new Set(change.desired.map(jiraLabel))];
  const added = desired.filter((l) => !current.includes(l));
  const removed = current.filter((l) => change.isOwned(l) && !desired.includes(l));
  if (added.length || removed.length) {
    await client.updateLabels(a, idOrKey, [...added.map((add) => ({ add })), ...removed.map((remove) => ({ remove }))]);
  }
  const labels = [...current.filter((l) => !removed.includes(l)), ...added];
  // Jira has no label entities: nothing is ever created.
  return { added, removed, created: [], labels };
}

async function findComment(client: JiraClient, a: Auth, idOrKey: string, marker: string) {
  for (let startAt = 0; ; ) {
    const page = await client.listComments(a, idOrKey, startAt);
    for (const c of page.comments) {
      const m = findMarker(c.body, marker);
      if (m) return { id: c.id, hash: m.hash };
    }
    startAt += page.comments.length;
    if (page.comments.length === 0 || startAt >= page.total) return null;
  }
}

export async function ensureJiraComment(client: JiraClient, auth: Auth, ref: IssueRef, marker: string, body: string | null): Promise<CommentResult> {
  const a = authFor(auth, ref);
  const idOrKey = ref.key || ref.externalId;
  const existing = await findComment(client, a, idOrKey, marker);
  if (body === null) {
    if (!existing) return { action: "absent", commentId: null };
    await client.deleteComment(a, idOrKey, existing.id);
    return { action: "deleted", commentId: existing.id };
  }
  const hash = await sourceHash(body);
  if (existing && existing.hash === hash) return { action: "unchanged", commentId: existing.id };
  const doc = markdownToAdf(body);
  (doc.content as AdfNode[]).push(markerParagraph(marker, hash));
  if (existing) {
    await client.updateComment(a, idOrKey, existing.id, doc);
    return { action: "updated", commentId: existing.id };
  }
  return { action: "created", commentId: await client.addComment(a, idOrKey, doc) };
}
