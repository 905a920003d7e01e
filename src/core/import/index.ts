/**
 * Import formats: our JSONL, `gh issue list --json` output, Jira CSV and
 * Linear CSV, with auto-detection. Pure: takes text, returns issues.
 *
 * @example
 * const issues = parseIssues(text);              // auto-detects the format
 * const jira = parseIssues(csv, "jira-csv");
 */
import type { Issue } from "../../../domain/types";
import { parseCsv } from "./csv";
import { parseGhIssues } from "./gh";
import { parseJiraCsv } from "./jira-csv";
import { parseJsonl } from "./jsonl";
import { parseLinearCsv } from "./linear-csv";

export const IMPORT_FORMATS = ["jsonl", "gh", "jira-csv", "linear-csv"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export { parseCsv, csvTable } from "./csv";
export { issueFromJsonl, parseJsonl } from "./jsonl";
export { parseGhIssues, parseJiraCsv, parseLinearCsv };

/** Guesses the format from the text's first characters and CSV header. */
export function detectFormat(text: string): ImportFormat {
  const head = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).trimStart();
  if (head.startsWith("[")) return "gh";
  if (head.startsWith("{")) return "jsonl";
  const firstLine = head.slice(0, 8192);
  const header = (parseCsv(firstLine.split(/\r?\n/)[0] ?? "")[0] ?? []).map((h) => h.trim().toLowerCase());
  if (header.includes("issue key") || header.includes("summary")) return "jira-csv";
  if (header.includes("id") && header.includes("title") && (header.includes("team") || header.includes("cycle number"))) return "linear-csv";
  throw new Error("cannot tell the input format: expected JSONL, gh JSON, a Jira CSV (Summary, Issue key) or a Linear CSV (ID, Team, Title); pass --input");
}

/** Parses issues in the given format, or auto-detects it. */
export function parseIssues(text: string, format?: ImportFormat): Issue[] {
  switch (format ?? detectFormat(text)) {
    case "jsonl":
      return parseJsonl(text);
    case "gh":
      return parseGhIssues(text);
    case "jira-csv":
      return parseJiraCsv(text);
    case "linear-csv":
      return parseLinearCsv(text);
  }
}
