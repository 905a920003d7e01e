/**
 * Write-back to Linear: our labels (created on demand as team or workspace
 * labels) and one bot comment per issue.
 *
 * The comment marker: Linear stores comment bodies as a ProseMirror document
 * and re-serializes Markdown from it, so an HTML comment (`<!-- -->`) or an
 * unused link-reference definition (`[//]: # (…)`) does not survive a round
 * trip (the sandbox models this and strips both). A link does: the marker
 * rides in the URL fragment of a visible attribution line,
 * `_Posted by [Backlog Auditor](https://…/linear-comment#marker=<m>&v=<hash>)_`.
 * `v` is a hash of the text we posted, so "unchanged" is decided from the
 * hash, not by comparing Linear's re-serialized Markdown with ours.
 */
import { ConnectorError } from "../errors";
import type { Auth, CommentResult, IssueRef, LabelChange, LabelResult } from "../types";
import type { LinearGraphql } from "./client";
import { COMMENT_CREATE, COMMENT_DELETE, COMMENT_UPDATE, ISSUE_COMMENTS, ISSUE_LABELS_UPDATE, LABEL_CREATE, LABEL_STATE, labelLookupFilter } from "./queries";
import { CommentWriteSchema, IssueCommentsSchema, IssueLabelsUpdateSchema, LabelCreateSchema, LabelStateSchema } from "./schema";
import { z } from "zod";

export interface WriteOptions {
  /** `team` (default): labels are created on the issue's team; `workspace`: without teamId. */
  labelScope: "team" | "workspace";
  /** Base of the attribution link that carries the comment marker. */
  appUrl: string;
}

/** Max comment pages scanned for our marker (100 comments each). */
const MAX_COMMENT_PAGES = 10;

export async function ensureLinearLabels(gql: LinearGraphql, auth: Auth, ref: IssueRef, change: LabelChange, opts: WriteOptions): Promise<LabelResult> {
  const desired = [...new Set(change.desired)];
  const state = await gql.query(
    auth,
    LABEL_STATE,
    { id: ref.externalId, labelFilter: labelLookupFilter(ref.scope.id, desired) },
    LabelStateSchema,
    "label state",
  );
  if (!state.issue) throw new ConnectorError("not-found", `linear issue ${ref.key} not found`, { tracker: "linear" });
  const teamId = state.issue.team.id;
  const current = state.issue.labels.nodes;
  // Linear label names are unique regardless of case: compare them lowercased.
  const lc = (n: string) => n.toLowerCase();
  const currentNames = new Set(current.map((l) => lc(l.name)));
  const existing = new Map<string, string>();
  // Prefer the team's label when both a team and a workspace label carry the name.
  for (const l of state.issueLabels.nodes) if (!existing.has(lc(l.name)) || l.team?.id === teamId) existing.set(lc(l.name), l.id);

  const created: string[] = [];
  const addIds: string[] = [];
  const added: string[] = [];
  for (const name of desired) {
    if (currentNames.has(lc(name))) continue;
    let id = existing.get(lc(name));
    if (!id) {
      const def = change.definitions.find((d) => d.name === name);
      const input: Record<string, string> = { name };
      if (def) {
        input.color = `#${def.color.replace(/^#/, "")}`;
        input.description = def.description;
      }
      if (opts.labelScope === "team") input.teamId = teamId;
      const r = await gql.query(auth, LABEL_CREATE, { input }, LabelCreateSchema, "label create");
      id = r.issueLabelCreate.issueLabel.id;
      created.push(name);
    }
    addIds.push(id);
    added.push(name);
  }
  const wanted = new Set(desired.map(lc));
  const removedLabels = current.filter((l) => change.isOwned(l.name) && !wanted.has(lc(l.name)));
  if (addIds.length === 0 && removedLabels.length === 0) return { added: [], removed: [], created, labels: current.map((l) => l.name) };

  const input: Record<string, string[]> = {};
  if (addIds.length) input.addedLabelIds = addIds;
  if (removedLabels.length) input.removedLabelIds = removedLabels.map((l) => l.id);
  const r = await gql.query(auth, ISSUE_LABELS_UPDATE, { id: ref.externalId, input }, IssueLabelsUpdateSchema, "issue label update");
  const after =
    r.issueUpdate.issue?.labels.nodes.map((l) => l.name) ??
    current
      .map((l) => l.name)
      .filter((n) => !removedLabels.some((l) => l.name === n))
      .concat(added);
  return { added, removed: removedLabels.map((l) => l.name), created, labels: after };
}

async function sha256Hex(s: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The attribution line carrying `marker` and the text hash. */
export function markerLine(appUrl: string, marker: string, hash: string): string {
  return `_Posted by [Backlog Auditor](${appUrl.replace(/\/$/, "")}/linear-comment#marker=${encodeURIComponent(marker)}&v=${hash})_`;
}

/** The hash in a body carrying `marker`, or null when the body is not ours. */
export function findMarker(body: string, marker: string): { hash: string } | null {
  const token = `#marker=${encodeURIComponent(marker)}`;
  for (let at = body.indexOf(token); at >= 0; at = body.indexOf(token, at + 1)) {
    const rest = body.slice(at + token.length);
    const m = /^(?:&|&amp;|\\&)v=([0-9a-f]+)/.exec(rest);
    if (m) return { hash: m[1]! };
    // Our marker without a hash (hand-edited): still ours, never "unchanged".
    if (/^[)\s]/.test(rest) || rest === "") return { hash: "" };
  }
  return null;
}

export async function ensureLinearComment(
  gql: LinearGraphql,
  auth: Auth,
  ref: IssueRef,
  marker: string,
  body: string | null,
  opts: WriteOptions,
): Promise<CommentResult> {
  let found: { id: string; hash: string } | null = null;
  let after: string | null = null;
  for (let page = 0; page < MAX_COMMENT_PAGES && !found; page++) {
    const r: z.infer<typeof IssueCommentsSchema> = await gql.query(auth, ISSUE_COMMENTS, { id: ref.externalId, after }, IssueCommentsSchema, "comments");
    if (!r.issue) throw new ConnectorError("not-found", `linear issue ${ref.key} not found`, { tracker: "linear" });
    for (const c of r.issue.comments.nodes) {
      const m = findMarker(c.body, marker);
      if (m) {
        found = { id: c.id, hash: m.hash };
        break;
      }
    }
    if (!r.issue.comments.pageInfo.hasNextPage || !r.issue.comments.pageInfo.endCursor) break;
    after = r.issue.comments.pageInfo.endCursor;
  }

  if (body === null) {
    if (!found) return { action: "absent", commentId: null };
    await gql.query(auth, COMMENT_DELETE, { id: found.id }, z.object({ commentDelete: z.object({ success: z.boolean() }) }), "comment delete");
    return { action: "deleted", commentId: found.id };
  }
  const hash = (await sha256Hex(body)).slice(0, 16);
  const text = `${body.trimEnd()}\n\n${markerLine(opts.appUrl, marker, hash)}`;
  if (!found) {
    const r = await gql.query(
      auth,
      COMMENT_CREATE,
      { input: { issueId: ref.externalId, body: text } },
      z.object({ commentCreate: CommentWriteSchema }),
      "comment create",
    );
    return { action: "created", commentId: r.commentCreate.comment.id };
  }
  if (found.hash === hash) return { action: "unchanged", commentId: found.id };
  await gql.query(auth, COMMENT_UPDATE, { id: found.id, input: { body: text } }, z.object({ commentUpdate: CommentWriteSchema }), "comment update");
  return { action: "updated", commentId: found.id };
}
