/**
 * Atlassian Document Format checks for comment bodies, as strict as Jira about what the connector
 * builds: the document passes jira.js's `DocumentSchema`, and every node below it is a known ADF
 * node in an allowed place (block nodes in blocks, inline nodes in paragraphs and headings, list
 * items in lists), text nodes carry non-empty text, marks are known (a link has an `href`), and a
 * heading's level is 1–6. From the ADF structure reference; node coverage is what a comment uses.
 */
import { DocumentSchema } from "jira.js/cloud";

const BLOCK = new Set([
  "paragraph",
  "heading",
  "bulletList",
  "orderedList",
  "codeBlock",
  "blockquote",
  "rule",
  "panel",
  "table",
  "mediaSingle",
  "mediaGroup",
  "expand",
]);
const INLINE = new Set(["text", "hardBreak", "mention", "emoji", "inlineCard", "date", "status"]);
const MARKS = new Set(["strong", "em", "code", "link", "strike", "underline", "subsup", "textColor"]);

type Node = { type?: unknown; content?: unknown; text?: unknown; attrs?: unknown; marks?: unknown };

/** Why a comment body is not valid ADF, or null when it is. */
export function adfProblem(body: unknown): string | null {
  const doc = DocumentSchema.safeParse(body);
  if (!doc.success) return `not an ADF document: ${doc.error.issues[0]?.message ?? "bad shape"}`;
  if ((body as { version: number }).version !== 1) return "ADF version must be 1";
  return children(body as Node, "doc");
}

function children(n: Node, parent: string): string | null {
  if (n.content === undefined) return null;
  if (!Array.isArray(n.content)) return `${parent}.content is not an array`;
  for (const c of n.content as Node[]) {
    const p = node(c, parent);
    if (p) return p;
  }
  return null;
}

function node(n: Node, parent: string): string | null {
  if (!n || typeof n !== "object" || typeof n.type !== "string") return `a node in ${parent} has no type`;
  const t = n.type;
  const allowed =
    parent === "doc" || parent === "listItem" || parent === "blockquote" || parent === "panel"
      ? BLOCK.has(t)
      : parent === "paragraph" || parent === "heading"
        ? INLINE.has(t)
        : parent === "bulletList" || parent === "orderedList"
          ? t === "listItem"
          : parent === "codeBlock"
            ? t === "text"
            : true;
  if (!allowed) return `${t} is not allowed in ${parent}`;
  if (t === "text") {
    if (typeof n.text !== "string" || n.text.length === 0) return "a text node needs non-empty text";
    if (n.marks !== undefined) {
      if (!Array.isArray(n.marks)) return "marks is not an array";
      for (const m of n.marks as Array<{ type?: unknown; attrs?: { href?: unknown } }>) {
        if (typeof m?.type !== "string" || !MARKS.has(m.type)) return `unknown mark ${String(m?.type)}`;
        if (m.type === "link" && typeof m.attrs?.href !== "string") return "a link mark needs attrs.href";
      }
    }
    return null;
  }
  if (t === "heading") {
    const level = (n.attrs as { level?: unknown } | undefined)?.level;
    if (typeof level !== "number" || level < 1 || level > 6) return "a heading needs attrs.level 1–6";
  }
  return children(n, t);
}
