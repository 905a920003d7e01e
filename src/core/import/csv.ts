/**
 * A small RFC 4180 CSV parser: quoted fields, doubled quotes, embedded
 * newlines, CRLF or LF, and a leading byte-order mark.
 */

/**
 * Parses CSV text into rows of fields.
 *
 * @example
 * parseCsv('a,b\n"x, ""y""","multi\nline"\n') // [["a","b"],['x, "y"', "multi\nline"]]
 */
export function parseCsv(text: string): string[][] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  const n = src.length;
  let quoted = false;
  let fieldStarted = false;
  while (i < n) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
      i++;
      continue;
    }
    if (ch === ",") {
      row.push(field);
      field = "";
      fieldStarted = false;
      i++;
      continue;
    }
    if (ch === "\r" || ch === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      fieldStarted = false;
      i += ch === "\r" && src[i + 1] === "\n" ? 2 : 1;
      continue;
    }
    field += ch;
    fieldStarted = true;
    i++;
  }
  if (fieldStarted || field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

/** A CSV table by header name; repeated headers (Jira's "Labels") keep every column. */
export interface CsvTable {
  header: string[];
  rows: string[][];
  /** First non-empty value of a column. */
  get(row: string[], name: string): string;
  /** Every non-empty value of a (possibly repeated) column. */
  all(row: string[], name: string): string[];
  has(name: string): boolean;
}

export function csvTable(text: string): CsvTable {
  const [header = [], ...rows] = parseCsv(text);
  const cols = new Map<string, number[]>();
  header.forEach((h, i) => {
    const key = h.trim().toLowerCase();
    cols.set(key, [...(cols.get(key) ?? []), i]);
  });
  const idx = (name: string) => cols.get(name.toLowerCase()) ?? [];
  return {
    header,
    rows,
    has: (name) => idx(name).length > 0,
    get: (row, name) => {
      for (const i of idx(name)) {
        const v = row[i]?.trim();
        if (v) return v;
      }
      return "";
    },
    all: (row, name) =>
      idx(name)
        .map((i) => row[i]?.trim() ?? "")
        .filter((v) => v !== ""),
  };
}
