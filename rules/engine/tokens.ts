/**
 * Tokenizing and keyword inflection shared by the compiler and the matcher.
 * A token is a run of letters/digits, lower-cased, with its offsets in the
 * original text.
 */

export interface Tokens {
  /** Lower-cased tokens. */
  words: string[];
  starts: number[];
  ends: number[];
}

/** Letters and digits (incl. Latin-1 and most scripts) are word characters. */
export function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && c < 0x2000);
}

/** Lower-cases text character by character (a character whose lower case is longer stays as it is). */
export function lowerWord(word: string): string {
  let out = "";
  for (let k = 0; k < word.length; k++) out += String.fromCharCode(lowerCode(word.charCodeAt(k)));
  return out;
}

const lowerCache = new Map<number, number>();
/** Lower-cased code of one character (itself when lower-casing would change the length). */
export function lowerCode(c: number): number {
  if (c < 128) return c >= 65 && c <= 90 ? c + 32 : c;
  let l = lowerCache.get(c);
  if (l === undefined) {
    const s = String.fromCharCode(c).toLowerCase();
    l = s.length === 1 ? s.charCodeAt(0) : c;
    lowerCache.set(c, l);
  }
  return l;
}

/**
 * Splits text into lower-cased word tokens with offsets.
 *
 * @example
 * tokenize("Sign-up FAILS").words // ["sign", "up", "fails"]
 */
export function tokenize(text: string): Tokens {
  const words: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const lower = text.toLowerCase();
  const sameLength = lower.length === text.length;
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && !isWordChar(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const s = i;
    while (i < n && isWordChar(text.charCodeAt(i))) i++;
    words.push(sameLength ? lower.slice(s, i) : text.slice(s, i).toLowerCase());
    starts.push(s);
    ends.push(i);
  }
  return { words, starts, ends };
}

const VOWELS = new Set(["a", "e", "i", "o", "u"]);

/**
 * The word itself plus its simple inflections: plural/3rd person, past,
 * gerund, -ure (fail→failure), with -e dropping, -y→-ies and final-consonant
 * doubling. Over-generation is harmless: forms that never occur never match.
 *
 * @example
 * inflections("crash") // includes "crashes", "crashed", "crashing"
 * inflections("copy")  // includes "copies", "copied"
 */
export function inflections(word: string): string[] {
  const out = new Set<string>([word]);
  if (word.length < 3 || /\d/.test(word)) return [...out];
  const last = word[word.length - 1]!;
  const prev = word[word.length - 2]!;
  if (last === "e") {
    const stem = word.slice(0, -1);
    for (const s of ["es", "s", "ed", "ing", "er", "ers"]) out.add(s === "s" || s === "es" ? word + "s" : stem + s);
    return [...out];
  }
  if (last === "y" && !VOWELS.has(prev)) {
    const stem = word.slice(0, -1);
    for (const s of ["ies", "ied", "ier"]) out.add(stem + s);
    out.add(word + "ing");
    return [...out];
  }
  const sibilant = /(s|x|z|ch|sh)$/.test(word);
  out.add(word + (sibilant ? "es" : "s"));
  for (const s of ["ed", "ing", "er", "ers", "ure", "ures"]) out.add(word + s);
  // Consonant doubling for short CVC words: stop→stopped, log→logged.
  const third = word[word.length - 3] ?? "";
  if (!VOWELS.has(last) && !"wxy".includes(last) && VOWELS.has(prev) && !VOWELS.has(third) && word.length <= 5) {
    for (const s of ["ed", "ing", "er", "ers"]) out.add(word + last + s);
  }
  return [...out];
}
