/**
 * A hand-written fast path for `issueFromJsonl` (src/core/import/jsonl.ts), for
 * `classify`'s per-line hot loop. It accepts only rows whose every field has the
 * plain shape the zod schema accepts unchanged (strings, string arrays, in-range
 * numbers) and builds exactly the `Issue` zod would; anything else (a full
 * `Issue` object, `{name}` labels, a missing or mistyped field) returns null,
 * and the caller runs the zod schema, which yields the same value or the same
 * error message.
 */
import { TRACKERS, type Issue, type Tracker } from "../../domain/types";

const isOptString = (v: unknown) => v === undefined || v === null || typeof v === "string";
const isOptNumber = (v: unknown) => v === undefined || v === null || typeof v === "number";
const isOptCount = (v: unknown) => v === undefined || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0);

function isStringArray(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== "string") return false;
  return true;
}

/** The `Issue` for a plain JSONL row, or null when only the zod schema can decide. */
export function fastIssueFromJsonl(value: unknown): Issue | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const row = value as Record<string, unknown>;
  if ("externalId" in row && "key" in row) return null;
  const id = row.id;
  let key: string;
  if (typeof id === "string" && id.length > 0) key = id;
  else if (typeof id === "number" && Number.isFinite(id)) key = String(id);
  else return null;
  const { title, body, labels, type, priority, estimate, url, tracker, components, reactions, commentCount, createdAt, updatedAt } = row;
  if (typeof title !== "string" || !isOptString(body) || !isOptString(type) || !isOptString(url) || !isOptString(tracker)) return null;
  if (labels !== undefined && labels !== null && !isStringArray(labels)) return null;
  if (components !== undefined && !isStringArray(components)) return null;
  if (!isOptNumber(priority) || (typeof priority === "number" && !(Number.isInteger(priority) && priority >= 0 && priority <= 4))) return null;
  if (!isOptNumber(estimate) || (typeof estimate === "number" && !(estimate >= 0 && Number.isFinite(estimate)))) return null;
  if (!isOptCount(reactions) || !isOptCount(commentCount)) return null;
  if ((createdAt !== undefined && typeof createdAt !== "string") || (updatedAt !== undefined && typeof updatedAt !== "string")) return null;
  return {
    tracker: (TRACKERS as readonly unknown[]).includes(tracker) ? (tracker as Tracker) : "github",
    externalId: key,
    key,
    url: (url as string | null | undefined) ?? null,
    title,
    body: (body as string | null | undefined) ?? "",
    labels: labels ? [...(labels as string[])] : [],
    type: (type as string | null | undefined) ?? null,
    components: components ? [...(components as string[])] : [],
    state: "open",
    stateCategory: "todo",
    priority: (priority as number | null | undefined) ?? null,
    priorityName: null,
    estimate: (estimate as number | null | undefined) ?? null,
    iteration: null,
    project: null,
    assignees: [],
    reactions: (reactions as number | undefined) ?? 0,
    commentCount: (commentCount as number | undefined) ?? 0,
    duplicateCount: 0,
    customFields: {},
    createdAt: (createdAt as string | undefined) ?? "",
    updatedAt: (updatedAt as string | undefined) ?? (createdAt as string | undefined) ?? "",
    closedAt: null,
  };
}
