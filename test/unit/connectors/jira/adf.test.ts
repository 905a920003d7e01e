import { describe, expect, it } from "vitest";
import { adfToText, findMarker, markdownToAdf, markerParagraph } from "../../../../connectors/jira/adf";
import { DocumentSchema } from "jira.js/cloud";

describe("markdownToAdf", () => {
  it.each([
    ["plain paragraph", "Hello world", [{ type: "paragraph", content: [{ type: "text", text: "Hello world" }] }]],
    ["heading level kept", "## Why", [{ type: "heading", attrs: { level: 2 }, content: [{ type: "text", text: "Why" }] }]],
    [
      "bold, code and link marks",
      "**a** `b` [c](https://x.test)",
      [
        {
          type: "paragraph",
          content: [
            { type: "text", text: "a", marks: [{ type: "strong" }] },
            { type: "text", text: " " },
            { type: "text", text: "b", marks: [{ type: "code" }] },
            { type: "text", text: " " },
            { type: "text", text: "c", marks: [{ type: "link", attrs: { href: "https://x.test" } }] },
          ],
        },
      ],
    ],
    [
      "bullet then ordered list",
      "- one\n- two\n1. first",
      [
        {
          type: "bulletList",
          content: [
            { type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: "one" }] }] },
            { type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: "two" }] }] },
          ],
        },
        { type: "orderedList", content: [{ type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: "first" }] }] }] },
      ],
    ],
    ["fenced code", "```ts\nconst a = 1;\n```", [{ type: "codeBlock", attrs: { language: "ts" }, content: [{ type: "text", text: "const a = 1;" }] }]],
    [
      "lines joined by hard breaks",
      "a\nb",
      [{ type: "paragraph", content: [{ type: "text", text: "a" }, { type: "hardBreak" }, { type: "text", text: "b" }] }],
    ],
  ])("%s", (_name, md, content) => {
    const doc = markdownToAdf(md);
    expect(doc).toEqual({ type: "doc", version: 1, content });
    expect(DocumentSchema.safeParse(doc).success).toBe(true);
  });
});

describe("adfToText", () => {
  it("turns headings of any level into `### `, lists into `- `/`1. `, keeps mentions, tables and code", () => {
    const doc = {
      type: "doc",
      version: 1,
      content: [
        { type: "heading", attrs: { level: 1 }, content: [{ type: "text", text: "Steps to reproduce" }] },
        {
          type: "orderedList",
          content: [
            {
              type: "listItem",
              content: [
                {
                  type: "paragraph",
                  content: [
                    { type: "text", text: "Open " },
                    { type: "mention", attrs: { id: "1", text: "@Mia" } },
                  ],
                },
              ],
            },
          ],
        },
        { type: "panel", attrs: { panelType: "info" }, content: [{ type: "paragraph", content: [{ type: "text", text: "Only on Safari" }] }] },
        {
          type: "table",
          content: [
            {
              type: "tableRow",
              content: [
                { type: "tableCell", content: [{ type: "paragraph", content: [{ type: "text", text: "a" }] }] },
                { type: "tableCell", content: [{ type: "paragraph", content: [{ type: "text", text: "b" }] }] },
              ],
            },
          ],
        },
        { type: "codeBlock", content: [{ type: "text", text: "TypeError: x is undefined" }] },
        { type: "mediaSingle", content: [{ type: "media", attrs: { id: "m" } }] },
      ],
    };
    expect(adfToText(doc)).toBe("### Steps to reproduce\n\n1. Open @Mia\n\nOnly on Safari\n\na | b\n\n```\nTypeError: x is undefined\n```");
  });

  it.each([null, undefined, 42, {}])("is empty for non-documents (%s)", (v) => expect(adfToText(v)).toBe(""));

  it("round-trips our Markdown-ish comment text", () => {
    const md = "### Verdict\n\n**reliability** (0.82)\n\n- see `logs`\n- [runbook](https://r.test)";
    expect(adfToText(markdownToAdf(md))).toBe("### Verdict\n\nreliability (0.82)\n\n- see logs\n- runbook");
  });
});

describe("comment marker", () => {
  it("is found by its link href (with the source hash) and by its text as a fallback, and not for another marker", () => {
    const doc = markdownToAdf("hello");
    doc.content.push(markerParagraph("backlog-auditor:m", "abc123"));
    expect(findMarker(doc, "backlog-auditor:m")).toEqual({ hash: "abc123" });
    expect(findMarker(doc, "backlog-auditor:other")).toBeNull();
    const edited = { type: "doc", version: 1, content: [{ type: "paragraph", content: [{ type: "text", text: "backlog-auditor:m" }] }] };
    expect(findMarker(edited, "m")).toEqual({ hash: null });
  });
});
