import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, csvCell, renderCsv } from "../../../src/report";
import { hostileReport } from "./fixture";

/** Minimal RFC 4180 parser for round-trip checks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (q) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') q = false;
      else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ",") row.push(cell), (cell = "");
    else if (ch === "\r" && text[i + 1] === "\n") row.push(cell), rows.push(row), (row = []), (cell = ""), i++;
    else cell += ch;
  }
  return rows;
}

describe("csvCell", () => {
  it.each([
    ["=1+1", "'=1+1"],
    ["+1 crash", "'+1 crash"],
    ["-2 refactor", "'-2 refactor"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tx", "'\tx"],
    ["\rx", '"\'\rx"'],
    ['=HYPERLINK("http://evil","x")', '"\'=HYPERLINK(""http://evil"",""x"")"'],
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    [-3, "-3"],
    [null, ""],
    [true, "true"],
  ] as const)("%j → %j", (input, want) => {
    expect(csvCell(input)).toBe(want);
  });
});

describe("renderCsv", () => {
  const csv = renderCsv(hostileReport());
  const rows = parseCsv(csv);

  it("is RFC 4180: CRLF records, header first, same width everywhere", () => {
    expect(csv.endsWith("\r\n")).toBe(true);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
  });

  it("one row per issue in the tables, de-duplicated, with every table listed", () => {
    const keys = rows.slice(1).map((r) => r[1]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(["REL-1", "WISH-1", "WISH-2", "HP-1", "UN-1"]));
    const rel1 = rows.find((r) => r[1] === "REL-1")!;
    expect(rel1[0]!.split(";")).toContain("evidence");
  });

  it("neutralises formula injection in titles", () => {
    const title = (key: string) => rows.find((r) => r[1] === key)?.[2];
    expect(title("REL-2")).toBe('\'=HYPERLINK("http://evil","x")');
    expect(title("WISH-2")).toBe("'-2 refactor");
    expect(title("WISH-1")).toBe("'@channel confetti on save");
    for (const r of rows.slice(1)) for (const cell of r) if (typeof cell === "string" && /^[=+@]/.test(cell)) throw new Error(`unsafe cell ${cell}`);
  });
});
