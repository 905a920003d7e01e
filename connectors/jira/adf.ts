/**
 * Atlassian Document Format (ADF): a small Markdown-ish → ADF builder for our
 * comments, and an ADF → text extractor for issue descriptions and comments.
 *
 * Headings come out as `### Title` whatever their level, so the rules'
 * `section:<name>` facts find Jira sections like GitHub Markdown ones.
 *
 * The comment marker: ADF has no HTML comments, so the last paragraph of our
 * comment is a short text `backlog-auditor:<marker>` carrying a *link mark*
 * to `https://backlog-auditor.invalid/m/<marker>?h=<hash>`. A link mark
 * survives Jira's storage round-trip and the editor (humans rarely edit an
 * href), `.invalid` can never resolve (RFC 2606), and the `h` parameter holds
 * a hash of our Markdown source: "unchanged" is decided by comparing hashes,
 * not by diffing ADF that Jira may normalize (localIds, attrs order).
 *
 * @example
 * const doc = markdownToAdf("### Verdict\n**reliability** (0.82)\n- see `logs`");
 * adfToText(doc); // "### Verdict\n\nreliability (0.82)\n\n- see logs"
 */
import type { AdfDoc } from "./schema";

export type AdfNode = { type: string; text?: string; attrs?: Record<string, unknown>; marks?: AdfMark[]; content?: AdfNode[] };
export type AdfMark = { type: string; attrs?: Record<string, unknown> };

export const MARKER_ORIGIN = "https://backlog-auditor.invalid/m/";

const INLINE = /\*\*([^*]+)\*\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)/g;

/** Inline Markdown (bold, code, links) → ADF text nodes. */
export function inlineToAdf(line: string): AdfNode[] {
  const out: AdfNode[] = [];
  let last = 0;
  for (const m of line.matchAll(INLINE)) {
    const at = m.index ?? 0;
    if (at > last) out.push({ type: "text", text: line.slice(last, at) });
    if (m[1] !== undefined) out.push({ type: "text", text: m[1], marks: [{ type: "strong" }] });
    else if (m[2] !== undefined) out.push({ type: "text", text: m[2], marks: [{ type: "code" }] });
    else if (m[3] !== undefined) out.push({ type: "text", text: m[3], marks: [{ type: "link", attrs: { href: m[4] } }] });
    last = at + m[0].length;
  }
  if (last < line.length) out.push({ type: "text", text: line.slice(last) });
  return out;
}

function paragraph(lines: string[]): AdfNode {
  const content: AdfNode[] = [];
  lines.forEach((l, i) => {
    if (i > 0) content.push({ type: "hardBreak" });
    content.push(...inlineToAdf(l));
  });
  return { type: "paragraph", content };
}

/**
 * Markdown-ish (headings, paragraphs, `-`/`*`/`1.` lists, fenced code, bold,
 * inline code, links) → an ADF v1 document.
 */
export function markdownToAdf(md: string): AdfDoc {
  const lines = md.replace(/\r\n?/g, "\n").split("\n");
  const blocks: AdfNode[] = [];
  let para: string[] = [];
  let list: { type: "bulletList" | "orderedList"; items: AdfNode[] } | null = null;
  const flushPara = () => {
    if (para.length) blocks.push(paragraph(para));
    para = [];
  };
  const flushList = () => {
    if (list) blocks.push({ type: list.type, content: list.items });
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^```(\w*)\s*$/.exec(line);
    if (fence) {
      flushPara();
      flushList();
      const code: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) code.push(lines[i]!);
      const node: AdfNode = { type: "codeBlock", content: code.length ? [{ type: "text", text: code.join("\n") }] : [] };
      if (fence[1]) node.attrs = { language: fence[1] };
      blocks.push(node);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flushPara();
      flushList();
      blocks.push({ type: "heading", attrs: { level: heading[1]!.length }, content: inlineToAdf(heading[2]!.trim()) });
      continue;
    }
    const item = /^\s*(?:([-*])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (item) {
      flushPara();
      const type = item[1] ? "bulletList" : "orderedList";
      if (list && list.type !== type) flushList();
      list ??= { type, items: [] };
      list.items.push({ type: "listItem", content: [paragraph([item[3]!])] });
      continue;
    }
    if (line.trim() === "") {
      flushPara();
      flushList();
      continue;
    }
    flushList();
    para.push(line);
  }
  flushPara();
  flushList();
  return { type: "doc", version: 1, content: blocks };
}

/** The visible marker text: `backlog-auditor:<marker>` (not doubled when the marker already carries the prefix). */
export const markerText = (marker: string) => (marker.startsWith("backlog-auditor:") ? marker : `backlog-auditor:${marker}`);

/** The marker paragraph appended to our comment. */
export function markerParagraph(marker: string, hash: string): AdfNode {
  const href = `${MARKER_ORIGIN}${encodeURIComponent(marker)}?h=${hash}`;
  return {
    type: "paragraph",
    content: [
      {
        type: "text",
        text: markerText(marker),
        marks: [
          { type: "link", attrs: { href } },
          { type: "subsup", attrs: { type: "sub" } },
        ],
      },
    ],
  };
}

/** Find our marker in a comment body: the source hash when present, else null. */
export function findMarker(doc: unknown, marker: string): { hash: string | null } | null {
  const prefix = `${MARKER_ORIGIN}${encodeURIComponent(marker)}`;
  let found: { hash: string | null } | null = null;
  const walk = (n: unknown): void => {
    if (found || !n || typeof n !== "object") return;
    const node = n as AdfNode;
    for (const m of node.marks ?? []) {
      const href = m.type === "link" ? String(m.attrs?.href ?? "") : "";
      if (href === prefix || href.startsWith(`${prefix}?`)) {
        found = { hash: new URL(href).searchParams.get("h") };
        return;
      }
    }
    if (node.type === "text" && node.text?.trim() === markerText(marker)) found = { hash: null };
    for (const c of node.content ?? []) walk(c);
  };
  walk(doc);
  return found;
}

function inlineText(nodes: AdfNode[] | undefined): string {
  let s = "";
  for (const n of nodes ?? []) {
    if (n.type === "text") s += n.text ?? "";
    else if (n.type === "hardBreak") s += "\n";
    else if (n.type === "mention") s += String(n.attrs?.text ?? "");
    else if (n.type === "emoji") s += String(n.attrs?.text ?? n.attrs?.shortName ?? "");
    else if (n.type === "inlineCard") s += String(n.attrs?.url ?? "");
    else if (n.type === "date") s += new Date(Number(n.attrs?.timestamp ?? 0)).toISOString().slice(0, 10);
    else if (n.type === "status") s += String(n.attrs?.text ?? "");
    else if (n.content) s += inlineText(n.content);
  }
  return s;
}

function blockText(n: AdfNode, depth = 0): string {
  const indent = "  ".repeat(depth);
  switch (n.type) {
    case "paragraph":
      return inlineText(n.content);
    case "heading":
      return `### ${inlineText(n.content)}`;
    case "bulletList":
    case "orderedList":
      return (n.content ?? [])
        .map((li, i) => {
          const [first, ...rest] = (li.content ?? []).map((c) => blockText(c, depth + 1));
          const bullet = n.type === "bulletList" ? "-" : `${i + 1}.`;
          return [`${indent}${bullet} ${first ?? ""}`, ...rest.map((r) => `${indent}  ${r}`)].join("\n");
        })
        .join("\n");
    case "codeBlock":
      return "```\n" + inlineText(n.content) + "\n```";
    case "blockquote":
      return (n.content ?? []).map((c) => blockText(c, depth).replace(/^/gm, "> ")).join("\n");
    case "rule":
      return "---";
    case "table":
      return (n.content ?? []).map((row) => (row.content ?? []).map((cell) => (cell.content ?? []).map((c) => blockText(c)).join(" ")).join(" | ")).join("\n");
    case "mediaSingle":
    case "mediaGroup":
      return "";
    default:
      return n.content
        ? n.content.every((c) => c.type === "text" || c.type === "hardBreak")
          ? inlineText(n.content)
          : n.content
              .map((c) => blockText(c, depth))
              .filter(Boolean)
              .join("\n\n")
        : (n.text ?? "");
  }
}

/** ADF → plain text with Markdown-ish structure (`### ` headings, `- ` items). Non-ADF input → "". */
export function adfToText(doc: unknown): string {
  if (!doc || typeof doc !== "object") return typeof doc === "string" ? doc : "";
  const root = doc as AdfNode;
  return (root.content ?? [])
    .map((b) => blockText(b))
    .filter((s) => s !== "")
    .join("\n\n");
}

/** Short SHA-256 hex of a text (WebCrypto). */
export async function sourceHash(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)]
    .slice(0, 8)
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}
