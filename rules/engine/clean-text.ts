/**
 * Strips the noise out of an issue body so rules test what a person wrote:
 * code blocks (Markdown fences, indented code, Jira `{code}`/`{noformat}`/`{quote}`),
 * stack traces, log dumps, quoted replies, HTML comments and issue-template
 * boilerplate (unfilled placeholders, checklists). Pure and runtime-neutral.
 */

export interface CleanedBody {
  /** The body without noise; headings that have content are kept. */
  text: string;
  /** Cleaned text under each markdown heading, keyed by lower-cased heading. */
  sections: ReadonlyMap<string, string>;
}

const NO_SECTIONS: ReadonlyMap<string, string> = new Map<string, string>();

/** Template sentences that are left in place when the reporter fills nothing in. */
const PLACEHOLDERS = [
  "a clear and concise description of what the bug is.",
  "a clear and concise description of what you expected to happen.",
  "a clear and concise description of what the problem is.",
  "a clear and concise description of what you want to happen.",
  "a clear and concise description of any alternative solutions or features you've considered.",
  "add any other context about the problem here.",
  "add any other context or screenshots about the feature request here.",
  "if applicable, add screenshots to help explain your problem.",
  "steps to reproduce the behavior:",
  "ex. i'm always frustrated when [...]",
  "go to '...'",
  "click on '....'",
  "scroll down to '....'",
  "see error",
  "_no response_",
];

/**
 * Cheap case-sensitive pre-check: the issue templates that carry placeholders always carry one of
 * these: "Go to '...'", issue forms' "_No response_", or "A clear and concise…" / "Add any other
 * context…" under the template's bold or `#` headings. Searching a body for a multi-character
 * string costs about as much as scanning it for words, so each check first looks for a single
 * character (`'`, `_`, `#` or `*`), which is a fast native search and rules most bodies out.
 */
function hasPlaceholderHint(src: string): boolean {
  return (
    src.indexOf("'...") >= 0 ||
    (src.indexOf("_") >= 0 && NO_RESPONSE.test(src)) ||
    ((src.indexOf("#") >= 0 || src.indexOf("*") >= 0) && TEMPLATE_SENTENCE.test(src))
  );
}
const NO_RESPONSE = /o response_|O RESPONSE_/;
const TEMPLATE_SENTENCE = /concise|other context/;

/** Characters `String.prototype.trim` removes (only a line starting with one can be blank). */
function isTrimmable(c: number): boolean {
  return c <= 32
    ? c === 32 || (c >= 9 && c <= 13)
    : c === 0xa0 ||
        c === 0x1680 ||
        (c >= 0x2000 && c <= 0x200a) ||
        c === 0x2028 ||
        c === 0x2029 ||
        c === 0x202f ||
        c === 0x205f ||
        c === 0x3000 ||
        c === 0xfeff;
}
const FENCE = /^\s{0,3}(```|~~~)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const BOLD_HEADING = /^\s*\*\*([^*]{2,80})\*\*:?\s*$/;
const STACK_FRAME = /^\s*at\s+\S.*(\(.*:\d+(:\d+)?\)|:\d+:\d+\)?|\(native\)|\(<anonymous>\))\s*$/;
const PY_FRAME = /^\s*File\s+"[^"]*",\s+line\s+\d+/;
const JAVA_MORE = /^\s*(\.\.\.\s*\d+\s+more|Caused by:\s)/;
const LOG_LINE =
  /^\s*(\[?\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{1,2}:\d{2}|\[?\d{1,2}:\d{2}:\d{2}[.,\]\s]|\[(ERROR|WARN|WARNING|INFO|DEBUG|TRACE|FATAL|log)\]|(ERROR|WARN|INFO|DEBUG|TRACE|FATAL)\s*[:|\]])/;
const EXCEPTION_HEAD = /^\s*(Uncaught\s+)?[\w.$]*(Error|Exception|Throwable|Panic)\b[\w.$]*(:|$)/;
const INDENTED = /^( {4,}|\t)(?!\s*([-*+]|\d+[.)])\s)\S/;
const UNCHECKED = /^\s*[-*]\s+\[ \]\s/;
/** A ticked template checkbox ("- [x] I have searched the existing issues"): boilerplate too. */
const TICKED_TEMPLATE = /^\s*[-*]\s+\[[xX]\]\s+I\s+(have|agree|searched|confirm|read|understand|am)\b/;
/** Jira wiki-markup blocks ({code}, {noformat}, {quote}), as in Jira CSV exports. */
const JIRA_BLOCK = /\{(code|noformat|quote)(?::[^}]*)?\}[\s\S]*?(?:\{\1\}|$)/gi;
const PLACEHOLDER_TOKEN = /\[(log|image)\]/gi;

function stripPlaceholders(line: string): string {
  const lower = line.toLowerCase();
  let out = line;
  for (const p of PLACEHOLDERS) {
    const at = lower.indexOf(p);
    if (at >= 0) out = out.slice(0, at) + " ".repeat(p.length) + out.slice(at + p.length);
  }
  return out.trim() === "" ? "" : out;
}

/**
 * Cleans an issue body and splits it into sections by heading.
 *
 * @example
 * cleanBody("Save fails\n```\nTypeError: crash\n```").text // "Save fails"
 * cleanBody("### Steps to reproduce\n1. open\n").sections.get("steps to reproduce") // "1. open"
 */
export function cleanBody(raw: string): CleanedBody {
  // Most bodies have no sections: they share one empty map (callers only read it).
  let sections: Sections | null = null;
  if (!raw) return { text: "", sections: NO_SECTIONS };
  let src = raw;
  if (src.indexOf("\r") >= 0) {
    // CRLF (most API bodies) by plain string replacement, lone CRs (rare) by regex.
    src = src.replaceAll("\r\n", "\n");
    if (src.indexOf("\r") >= 0) src = src.replace(/\r/g, "\n");
  }
  if (src.indexOf("<!--") >= 0) src = src.replace(/<!--[\s\S]*?(-->|$)/g, "");
  if (src.indexOf("[") >= 0) src = src.replace(PLACEHOLDER_TOKEN, "");
  if (src.indexOf("{") >= 0) src = src.replace(JIRA_BLOCK, " ");
  const hasPlaceholders = hasPlaceholderHint(src);

  // One pass over the lines. Headings wait in `pending` until a content line confirms them
  // (a heading with nothing under it is template boilerplate and is dropped); confirmed
  // headings open sections, closed by the next heading of the same or a higher level.
  const out: string[] = [];
  const pending: Heading[] = [];
  const open: Array<Heading & { from: number }> = [];
  let inFence = false;
  let inTraceback = false;
  let prevBlank = true;
  let inIndented = false;
  // Stays true while every line is kept as it is: the text is then `src` itself (no join).
  let identical = true;
  const n = src.length;
  for (let start = 0; start <= n; ) {
    let end = src.indexOf("\n", start);
    if (end < 0) end = n;
    const line = src.slice(start, end);
    start = end + 1;
    let f = 0;
    while (f < line.length && (line.charCodeAt(f) === 32 || line.charCodeAt(f) === 9)) f++;
    const c0 = line.charCodeAt(f); // NaN for a blank line
    if ((c0 === 96 /* ` */ || c0 === 126) /* ~ */ && FENCE.test(line)) {
      inFence = !inFence;
      identical = false;
      continue;
    }
    if (inFence) continue;
    const blank = f === line.length || (isTrimmable(c0) && line.trim() === "");
    if (inTraceback) {
      if (blank) inTraceback = false;
      continue;
    }
    if (blank) {
      inIndented = false;
      prevBlank = true;
      if (pending.length === 0) out.push("");
      if (line.length !== 0) identical = false;
      continue;
    }
    if (f >= 4 && (prevBlank || inIndented) && INDENTED.test(line)) {
      inIndented = true;
      identical = false;
      continue;
    }
    prevBlank = false;
    if (c0 === 62 /* > */) {
      identical = false;
      continue;
    }
    if (c0 === 84 /* T */ && line.indexOf("Traceback (most recent call last)") >= 0) {
      inTraceback = true;
      identical = false;
      continue;
    }
    // a (at), F (File), C (Caused by), . (... N more)
    const c1 = line.charCodeAt(f + 1);
    // "at …", "File …", "Caused by", "... N more": the second character must fit before any regex runs.
    if (
      ((c0 === 97 && c1 === 116) || (c0 === 70 && c1 === 105) || (c0 === 67 && c1 === 97) || (c0 === 46 && c1 === 46)) &&
      (STACK_FRAME.test(line) || PY_FRAME.test(line) || JAVA_MORE.test(line))
    ) {
      // The exception line right above the first frame belongs to the trace.
      const prev = out.length;
      if (prev > 0 && pending.length === 0 && EXCEPTION_HEAD.test(out[prev - 1]!)) out.pop();
      identical = false;
      continue;
    }
    // [, or a digit followed by a digit or ':' (a date or a time, not "1. step"), or an upper-case
    // log level (ERROR, WARN, INFO, DEBUG, TRACE, FATAL): timestamps and log levels
    if (
      (c0 === 91 ||
        (c0 >= 48 && c0 <= 57 && ((c1 >= 48 && c1 <= 57) || c1 === 58)) ||
        ((c0 === 69 || c0 === 87 || c0 === 73 || c0 === 68 || c0 === 84 || c0 === 70) && c1 >= 65 && c1 <= 90)) &&
      LOG_LINE.test(line)
    ) {
      identical = false;
      continue;
    }
    // Checkboxes: a bullet, white space, then "[" (most list items have no "[": no regex).
    if ((c0 === 45 || c0 === 42) && isTrimmable(c1) && line.indexOf("[", f + 2) >= 0 && (UNCHECKED.test(line) || TICKED_TEMPLATE.test(line))) {
      identical = false;
      continue;
    }
    const atx = c0 === 35 /* # */ ? atxHeading(line, f) : null;
    const bold = atx === null && c0 === 42 /* * */ && c1 === 42 ? BOLD_HEADING.exec(line) : null;
    if (atx !== null || bold !== null) {
      const heading: Heading =
        atx !== null ? { name: atx.name, level: atx.level, bold: false, line: line.trim() } : { name: bold![1] ?? "", level: 1, bold: true, line: line.trim() };
      for (let k = pending.length - 1; k >= 0; k--) if (ends(pending[k]!, heading)) pending.splice(k, 1);
      if (open.length > 0) sections = closeSections(open, heading, out, sections);
      pending.push(heading);
      identical = false;
      continue;
    }
    const text = (hasPlaceholders ? stripPlaceholders(line) : line).trimEnd();
    if (text === "") {
      if (pending.length === 0) out.push("");
      identical = false;
      continue;
    }
    if (text !== line) identical = false;
    if (pending.length > 0) {
      for (const p of pending) {
        if (out.length > 0 && out[out.length - 1] !== "") out.push("");
        out.push(p.line);
        open.push({ ...p, from: out.length });
      }
      pending.length = 0;
    }
    out.push(text);
  }
  if (open.length > 0) sections = closeSections(open, null, out, sections);
  return { text: identical ? tidyText(src) : tidy(out), sections: sections ?? NO_SECTIONS };
}

/**
 * The ATX heading of a line whose first non-blank character (at `f`) is `#`, as
 * `^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$` would match it (level = number of #, name = the lazy
 * group), without the regex: its lazy group retries the closing pattern at every character.
 * Lines with U+2028/U+2029 (which `.` does not match) go to the regex.
 */
export function atxHeading(line: string, f: number): { level: number; name: string } | null {
  if (f > 3) return null;
  const n = line.length;
  let p = f;
  while (p < n && line.charCodeAt(p) === 35) p++;
  const level = p - f;
  if (level > 6 || p === n || !isTrimmable(line.charCodeAt(p))) return null;
  if (line.indexOf("\u2028") >= 0 || line.indexOf("\u2029") >= 0) {
    const m = HEADING.exec(line);
    return m === null ? null : { level: (m[1] ?? "#").length, name: m[2] ?? "" };
  }
  while (p < n && isTrimmable(line.charCodeAt(p))) p++;
  // The name ends before the longest suffix of the form: white space, #s, white space.
  let q = n;
  while (q > p && isTrimmable(line.charCodeAt(q - 1))) q--;
  while (q > p && line.charCodeAt(q - 1) === 35) q--;
  while (q > p && isTrimmable(line.charCodeAt(q - 1))) q--;
  return { level, name: line.slice(p, q) };
}

/** Closes the open sections that heading `h` ends (all of them for null) and records their lines (in a map made on first use). */
function closeSections(open: Array<Heading & { from: number }>, h: Heading | null, out: string[], found: Sections | null): Sections | null {
  let sections = found;
  for (let k = open.length - 1; k >= 0; k--) {
    const o = open[k]!;
    if (h !== null && !ends(o, h)) continue;
    const key = normalizeHeading(o.name);
    if (key) (sections ??= new Sections(out)).add(key, o.from, out.length);
    open.splice(k, 1);
  }
  return sections;
}

/**
 * The sections of one body: each heading's range of cleaned lines, joined into text only when
 * read (rules ask for a handful of headings, often just whether one exists). The first section
 * of a heading wins. `lines` only grows after a section is recorded, so ranges stay valid.
 */
class Sections implements ReadonlyMap<string, string> {
  private readonly ranges = new Map<string, number>();
  private readonly bounds: number[] = [];
  private readonly texts = new Map<string, string>();
  constructor(private readonly lines: string[]) {}

  add(key: string, from: number, to: number): void {
    if (this.ranges.has(key)) return;
    this.ranges.set(key, this.bounds.length);
    this.bounds.push(from, to);
  }

  get size(): number {
    return this.ranges.size;
  }

  has(key: string): boolean {
    return this.ranges.has(key);
  }

  get(key: string): string | undefined {
    let text = this.texts.get(key);
    if (text === undefined) {
      const at = this.ranges.get(key);
      if (at === undefined) return undefined;
      text = tidy(this.lines, this.bounds[at], this.bounds[at + 1]);
      this.texts.set(key, text);
    }
    return text;
  }

  *entries(): MapIterator<[string, string]> {
    for (const key of this.ranges.keys()) yield [key, this.get(key)!];
  }

  keys(): MapIterator<string> {
    return this.ranges.keys();
  }

  *values(): MapIterator<string> {
    for (const key of this.ranges.keys()) yield this.get(key)!;
  }

  forEach(callback: (value: string, key: string, map: ReadonlyMap<string, string>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }
}

interface Heading {
  name: string;
  level: number;
  bold: boolean;
  line: string;
}

/** Does heading `next` end the section of `h`? Bold pseudo-headings end and are ended by any heading. */
function ends(h: Heading, next: Heading): boolean {
  return h.bold || next.bold || next.level <= h.level;
}

/** Lines `from` (inclusive) to `to` (exclusive) as tidied text. */
function tidy(lines: string[], from = 0, to = lines.length): string {
  return tidyText((from === 0 && to === lines.length ? lines : lines.slice(from, to)).join("\n"));
}

/** Collapses runs of blank lines to one and trims. */
function tidyText(t: string): string {
  return (t.indexOf("\n\n\n") >= 0 ? t.replace(/\n{3,}/g, "\n\n") : t).trim();
}

/** Heading key: lower-cased, trailing colon and emoji/punctuation trimmed. */
export function normalizeHeading(h: string): string {
  // Template headings repeat across a backlog: memoize (bounded).
  let key = headingKeys.get(h);
  if (key === undefined) {
    if (headingKeys.size >= HEADING_MEMO_LIMIT) headingKeys.clear();
    headingKeys.set(h, (key = headingKey(h)));
  }
  return key;
}

const HEADING_MEMO_LIMIT = 2048;
const headingKeys = new Map<string, string>();

function headingKey(h: string): string {
  const ascii = h
    .toLowerCase()
    .replace(/[*_`]/g, "")
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  if (ascii !== "" && /^[\x20-\x7e]*$/.test(ascii)) return ascii.replace(/\s+/g, " ");
  return h
    .toLowerCase()
    .replace(/[*_`]/g, "")
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "")
    .replace(/\s+/g, " ");
}
