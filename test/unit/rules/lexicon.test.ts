import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { Lexicon, MODEL_SKIP, UNRESOLVED, WordList } from "../../../rules/engine/lexicon";
import { forEachWord, tokenize } from "../../../rules/model/index";

/** The words the model reads, per the lexicon scan (entry words of the unflagged words). */
function modelWords(lex: Lexicon, text: string): string[] {
  const list = new WordList();
  lex.scan(text, list);
  const out: string[] = [];
  for (let w = 0; w < list.n; w++) if ((list.flags[w]! & MODEL_SKIP) === 0) out.push(lex.word(list.entry[w]!));
  return out;
}

/** All words with their spans, per the lexicon scan. */
function allWords(lex: Lexicon, text: string): Array<[string, number, number]> {
  const list = new WordList();
  lex.scan(text, list);
  return Array.from({ length: list.n }, (_, w) => [lex.word(list.entry[w]!), list.start[w]!, list.end[w]!]);
}

function reference(text: string): string[] {
  const out: string[] = [];
  forEachWord(text, (w) => out.push(w));
  return out;
}

const SAMPLES = [
  "Signup e-mail never arrives; see https://x.io/a/b and ops@example.com, cc @alice",
  "Path /usr/local/bin and ./run.sh and a/b/c but CI/CD stays; www.example.org WWW.X.ORG [image] [LOG] [screenshot-1]",
  "snake_case_id can't won't it's user's trailing_ _italic_ __init__ 0xdeadbeef v1.2.3   \t\n tabs",
  "x://y  a:/b  c:// end with colon: RECONFIGURATION misconfiguration reconfiguration",
  "Über-Größe straße ÉCOLE naïve ša ab Ša İstanbul K-test δοκιμή тест 測試 emoji🎉word",
  "short",
  "",
];

describe("Lexicon.scan", () => {
  it.each(SAMPLES)("gives the model exactly the reference words: %s", (text) => {
    expect(modelWords(new Lexicon(), text)).toEqual(reference(text));
  });

  it.each(SAMPLES.filter((s) => /^[\x00-\x7f]*$/.test(s) && s.length >= 24))("reads all-ASCII text (byte path) like the string path: %s", (text) => {
    // A non-ASCII tail forces the string path; it adds words only at the end.
    const lex = new Lexicon();
    const ascii = allWords(lex, text);
    const mixed = allWords(lex, `${text} é`);
    expect(mixed.slice(0, ascii.length)).toEqual(ascii);
    expect(mixed.slice(ascii.length).map((w) => w[0])).toEqual(["é"]);
  });

  it("agrees with the reference on every real issue in rules/data", () => {
    const lex = new Lexicon();
    const files = ["dev.jsonl", "unlabelled-jira.jsonl"].map((f) => resolve(import.meta.dirname, "../../../rules/data", f));
    let rows = 0;
    for (const file of files) {
      for (const line of readFileSync(file, "utf8").split("\n")) {
        if (!line.trim()) continue;
        const row = JSON.parse(line) as { title: string; body?: string };
        for (const text of [row.title, row.body ?? ""]) expect(modelWords(lex, text)).toEqual(reference(text));
        rows++;
      }
    }
    expect(rows).toBeGreaterThan(300);
  });

  it("maps a word to one entry whatever its case, and different words to different entries", () => {
    const lex = new Lexicon();
    const crash = lex.intern("crash");
    const words = allWords(lex, "Crash CRASH crash crashes reconfiguration misconfiguration RECONFIGURATION ša ab");
    const list = new WordList();
    lex.scan("Crash CRASH crash crashes reconfiguration misconfiguration RECONFIGURATION ša ab", list);
    expect([list.entry[0], list.entry[1], list.entry[2]]).toEqual([crash, crash, crash]);
    expect(list.entry[3]).not.toBe(crash);
    // Long words sharing their last 8 characters stay apart; the same long word in upper case does not.
    expect(list.entry[4]).not.toBe(list.entry[5]);
    expect(list.entry[6]).toBe(list.entry[4]);
    // U+0161 packs to the same low byte as "a": still a different word.
    expect(list.entry[7]).not.toBe(list.entry[8]);
    expect(words.map((w) => w[0])).toEqual(["crash", "crash", "crash", "crashes", "reconfiguration", "misconfiguration", "reconfiguration", "ša", "ab"]);
  });

  it("keeps its static words and drops the cache when it grows too big, between issues", () => {
    const lex = new Lexicon();
    const crash = lex.intern("crash");
    const resets: number[] = [];
    lex.onReset((n) => resets.push(n));
    const many = Array.from({ length: 9000 }, (_, i) => `w${i.toString(36)}x`).join(" ");
    const list = new WordList();
    lex.scan(many, list);
    expect(list.n).toBe(9000);
    expect(lex.size).toBe(9001);
    const before = lex.word(list.entry[8999]!);
    lex.maintain();
    expect(resets).toEqual([1]);
    expect(lex.size).toBe(1);
    expect(lex.word(crash)).toBe("crash");
    lex.scan(`${before} crash Crash`, list);
    expect(lex.word(list.entry[0]!)).toBe(before);
    expect([list.entry[1], list.entry[2]]).toEqual([crash, crash]);
    expect(() => lex.intern("late")).toThrow(/after scanning/);
  });
});

describe("model tokenize", () => {
  it("reads the engine's words: apostrophes and identifiers split, negation fragments kept", () => {
    expect(tokenize("Signup doesn't work for user_id or the user's team")).toEqual(["signup", "not", "work", "user", "team"]);
  });
});

describe("keywords-only lexicon (a pack without a model)", () => {
  it("finds the same keyword hits as a full lexicon, phrases and prefixes included", async () => {
    const { KeywordIndex } = await import("../../../rules/engine/keyword-index");
    const terms = ["crash", "sign up", "time to value", "deprecat*", "log in", "ci", "über", "reconfiguration"];
    const text =
      "Sign-up CRASHES; time to value is long; deprecated and deprecation; log in fails; CI/CD; " +
      "über slow; misconfiguration vs reconfiguration; unknownword sign upward";
    const hitsWith = (keywordsOnly: boolean, t: string) => {
      const lex = new Lexicon(keywordsOnly);
      const index = new KeywordIndex(lex);
      terms.forEach((term, leaf) => index.add(term, leaf));
      const hits = new Array(terms.length).fill(undefined);
      index.scan("body", t, hits);
      return hits;
    };
    for (const t of [text, `${text} ☃`, "short crash"]) expect(hitsWith(true, t)).toEqual(hitsWith(false, t));
    expect(hitsWith(true, text).filter(Boolean)).toHaveLength(terms.length);
    // Unknown short words get no entry in keywords-only mode.
    const lex = new Lexicon(true);
    lex.intern("crash");
    const list = new WordList();
    lex.scan("the crash of the century happened", list);
    expect(Array.from(list.entry.subarray(0, list.n)).filter((e) => e >= 0)).toHaveLength(1);
  });
});

describe("entry attributes (the text model's rows, handed over with each word)", () => {
  const attrs = (lex: Lexicon, text: string): number[] => {
    const list = new WordList();
    lex.scan(text, list);
    return Array.from({ length: list.n }, (_, w) => {
      const a = list.attr[w]!;
      return a === UNRESOLVED ? lex.resolveAttribute(list.entry[w]!) : a;
    });
  };

  it("computes each word's attribute once, on every path (short, long, non-ASCII, after a reset)", () => {
    const lex = new Lexicon();
    lex.intern("crash");
    const seen: string[] = [];
    lex.setAttribute((word) => {
      seen.push(word);
      return word.length;
    });
    const ascii = "App CRASH on save: internationalization of crash"; // read as bytes
    const wide = "Ünïcode crash"; // read as characters
    for (let round = 0; round < 2; round++) {
      // The second round reads the attributes back (short-word cache, table): no new computation.
      expect(attrs(lex, ascii)).toEqual([3, 5, 2, 4, 20, 2, 5]);
      expect(attrs(lex, wide)).toEqual([7, 5]);
    }
    expect(seen.sort()).toEqual(["app", "crash", "internationalization", "of", "on", "save", "ünïcode"].sort());
    for (const text of [ascii, wide]) {
      const list = new WordList();
      lex.scan(text, list);
      expect(Array.from(list.attr.subarray(0, list.n))).not.toContain(UNRESOLVED);
    }
    // Cached words are dropped past the cache limit: re-inserted words start unresolved again.
    for (let k = 0; k < 9000; k++) lex.scan(`w${k}x`, new WordList());
    lex.maintain();
    expect(attrs(lex, ascii)).toEqual([3, 5, 2, 4, 20, 2, 5]);
  });

  it("starts every new word unresolved, also words scanned before the attribute was set", () => {
    const lex = new Lexicon();
    const list = new WordList();
    lex.scan("login fails", list);
    expect(list.attr[0]).toBe(UNRESOLVED);
    lex.setAttribute(() => 7);
    expect(attrs(lex, "login fails")).toEqual([7, 7]);
  });

  it("is refused on a keywords-only lexicon (it skips unknown words)", () => {
    expect(() => new Lexicon(true).setAttribute(() => 1)).toThrow(/keywords-only/);
  });
});
