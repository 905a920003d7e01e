import { describe, expect, it } from "vitest";
import { tokenize } from "../../../rules/model/index";
import { scanWords } from "../../../rules/model/tokenize";

function words(text: string): string[] {
  const out: string[] = [];
  scanWords(text, (s, start, end) => out.push(s.slice(start, end)));
  return out;
}

const SAMPLES = [
  "Signup e-mail never arrives; see https://x.io/a/b and ops@example.com, cc @alice",
  "Path /usr/local/bin and ./run.sh and a/b/c but CI/CD stays; www.example.org [image] [log] [screenshot-1]",
  "snake_case_id can't won't it's user's trailing_ 0xdeadbeef v1.2.3   \t\n tabs",
  "x://y  a:/b  c:// end with colon:",
];

describe("scanWords", () => {
  it.each(SAMPLES)("reads all-ASCII text (byte path) exactly like mixed text (string path): %s", (text) => {
    // A trailing non-ASCII word forces the string path; it adds exactly one word at the end.
    const ascii = words(text);
    const mixed = words(`${text} é ünïcode`);
    expect(mixed.slice(0, ascii.length)).toEqual(ascii);
    expect(mixed.slice(ascii.length)).toEqual(["n", "code"]);
  });

  it("keeps URLs, mails, mentions and paths out, and single-slash words in", () => {
    expect(words(SAMPLES[0]!)).toEqual(["signup", "e", "mail", "never", "arrives", "see", "and", "cc"]);
    expect(words(SAMPLES[1]!)).toEqual(["path", "and", "and", "but", "ci", "cd", "stays"]);
  });

  it("lets a visitor scan another text (nested scans keep their own buffers)", () => {
    const long = Array.from({ length: 200 }, (_, i) => `w${i}`).join(",");
    const nested: string[] = [];
    scanWords(long, (s, start, end) => {
      nested.push(s.slice(start, end));
      if (nested.length === 3) expect(words("inner text here")).toEqual(["inner", "text", "here"]);
    });
    expect(nested).toEqual(words(long));
    expect(nested).toHaveLength(200);
  });

  it("feeds tokenize", () => {
    expect(tokenize("Upgrading upgrades")).toEqual(["upgrad", "upgrad"]);
  });
});
