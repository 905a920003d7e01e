/**
 * Escaping for hostile issue text in every output format. Issue titles and
 * bodies come from anyone who can open an issue, so nothing from them is
 * trusted: not in Markdown, not in CSV, not in URLs.
 */

/** Only http(s) links are rendered as links; anything else (javascript:, data:) is dropped. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

/** An app-relative path (`/x`, `?x`) or a safe absolute URL; null otherwise. */
export function safeHref(href: string | null | undefined): string | null {
  if (!href) return null;
  if (/^[/?#]/.test(href) && !href.startsWith("//")) return href;
  return safeUrl(href);
}

const ZWJ = "\u200D";

/**
 * Makes untrusted text inert in Markdown (GitHub, Linear, Jira-flavoured):
 * one line, HTML-escaped (`<`, `>`, `&`), the punctuation that starts code,
 * emphasis, links or strikethrough backslash-escaped (pipes too, so it is safe
 * in table cells), and `@` followed by a zero-width joiner so
 * `@everyone` or `@team` never pings.
 *
 * @example
 * mdText("<script>|@everyone") // "&lt;script&gt;\\|@\u200Deveryone"
 */
export function mdText(s: string): string {
  return (
    s
      .replace(/[\r\n\t\u2028\u2029]+/g, " ")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      // Escaping [ and ] is enough to stop links and images; parentheses stay readable.
      .replace(/[\\`*_[\]|~]/g, "\\$&")
      .replace(/@/g, `@${ZWJ}`)
      .trim()
  );
}

/** A Markdown link when the URL is safe, plain escaped text otherwise. */
export function mdLink(text: string, url: string | null | undefined): string {
  const safe = safeUrl(url);
  if (!safe) return mdText(text);
  const href = safe.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  return `[${mdText(text)}](${href})`;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 CSV cell. Strings that a spreadsheet would run as a formula
 * (starting with `=`, `+`, `-`, `@`, tab or CR) get a leading `'`. Numbers and
 * booleans are written as-is (they are ours, not user text); null is empty.
 *
 * @example
 * csvCell('=HYPERLINK("x")') // "\"'=HYPERLINK(\"\"x\"\")\""
 * csvCell(-3)                 // "-3"
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  let s = value;
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record (no line terminator). */
export const csvRow = (cells: ReadonlyArray<string | number | boolean | null | undefined>): string => cells.map(csvCell).join(",");
