/**
 * Text preparation for the learned model. The model reads the same text the rules
 * read: the body cleaned by the engine's `cleanBody` (code, stack traces, logs,
 * quoted replies, template boilerplate and Jira code blocks stripped) and the
 * engine's words (runs of letters and digits). On top, it skips words in noise
 * chunks (URLs, e-mail addresses, @mentions, paths) and parts of snake_case
 * identifiers, then lightly stems and drops stopwords.
 *
 * This is the reference implementation, used for training and as the oracle in
 * tests; classification runs the same definition in one pass with the rules
 * (`rules/engine/lexicon.ts`).
 *
 * Pure and runtime-neutral.
 */
import { cleanBody as cleanIssueBody } from "../engine/clean-text";
import { isWordChar, lowerWord } from "../engine/tokens";
import { STOPWORDS } from "./stopwords";

/**
 * The body text the model reads: the engine's cleaned body.
 *
 * @example
 * cleanBody("Fails.\n```\nnpm ERR!\n```\n> old reply") // => "Fails."
 */
export function cleanBody(body: string): string {
  return cleanIssueBody(body).text;
}

/**
 * Light suffix stripping (an "S-stemmer" plus -ing/-ed/-ly and a trailing -e), enough
 * to merge upgrade/upgrades/upgraded/upgrading. Returns the stem.
 *
 * @example
 * stem("onboarding") // => "onboard"
 * stem("upgraded") === stem("upgrade") // => true
 */
export function stem(word: string): string {
  let w = word;
  if (w.endsWith("'s")) w = w.slice(0, -2);
  const n = w.length;
  if (n <= 3) return w;
  if (w.endsWith("ies") && n > 4) w = w.slice(0, -3) + "y";
  else if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("es") && /(?:ch|sh|x|zz)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith("s") && !/(?:ss|us|is|ous)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith("ing")) w = undouble(w.slice(0, -3));
  else if (w.length > 4 && w.endsWith("ed") && !w.endsWith("eed")) w = undouble(w.slice(0, -2));
  else if (w.length > 5 && w.endsWith("ly")) w = w.slice(0, -2);
  if (w.length > 4 && w.endsWith("e") && !w.endsWith("ee")) w = w.slice(0, -1);
  return w;
}

function undouble(w: string): string {
  const n = w.length;
  if (n >= 4 && w[n - 1] === w[n - 2] && !/[lsz]/.test(w[n - 1] ?? "")) return w.slice(0, -1);
  return w;
}

/**
 * Map a raw lowercase word to its token, or null to drop it: stopwords, words with
 * digits (versions, ids, hex), one-letter words and very long words.
 */
export function normalizeWord(raw: string): string | null {
  let word = raw;
  while (word.endsWith("'") || word.endsWith("_")) word = word.slice(0, -1);
  if (word.length < 2 || word.length > 24) return null;
  if (/\d/.test(word)) return null;
  if (NEGATIONS.has(word)) return "not";
  if (STOPWORDS.has(word)) return null;
  if (word.includes("_")) return null; // code identifiers
  const s = stem(word.replace(/'/g, ""));
  return s.length < 2 || STOPWORDS.has(s) ? null : s;
}

/**
 * Tokens of an already-cleaned text, in order.
 *
 * @example
 * tokenize("Verification e-mails are not received after signing up")
 * // => ["verification", "mail", "receiv", "sign"]
 */
export function tokenize(text: string, normalize: (raw: string) => string | null = normalizeWord): string[] {
  const out: string[] = [];
  forEachWord(text, (raw) => {
    const token = normalize(raw);
    if (token !== null) out.push(token);
  });
  return out;
}

/**
 * The text the model reads from an issue's tracker labels (with `labelWords`): each label as
 * "label <name>", so a label's words count as body words and "label" marks that labels exist.
 * Human constraint labels never get here: they decide the verdict before the model runs.
 *
 * @example
 * labelText(["bug", "area/billing"]) // => "label bug\nlabel area/billing"
 */
export function labelText(labels: readonly string[]): string {
  return labels.map((l) => `label ${l}`).join("\n");
}

/**
 * Negations are a strong "something is broken" signal, so they survive as one token.
 * Words split at apostrophes, so "doesn't" arrives as "doesn" (and a dropped "t").
 */
const NEGATIONS: ReadonlySet<string> = new Set(
  (
    "not no never cannot cant dont doesnt didnt isnt arent wasnt werent wont couldnt shouldnt wouldnt unable " +
    "don doesn didn isn aren wasn weren couldn shouldn wouldn hasn haven hadn mustn needn"
  ).split(" "),
);

/** Whitespace that separates chunks (a URL, a path, an e-mail address is one chunk). */
export function isChunkSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 160;
}

/**
 * Is this whitespace-delimited chunk noise for the model: a URL, an e-mail address or
 * @mention, a path (two or more slashes, or a leading `/`, `~/`, `./`), `www.` or an
 * `[image]`/`[log]`/`[screenshot…]` marker? "CI/CD" (one inner slash) is not.
 */
export function isNoiseChunk(chunk: string): boolean {
  if (chunk.includes("@") || chunk.includes("://")) return true;
  let slashes = 0;
  for (let i = 0; i < chunk.length; i++) if (chunk.charCodeAt(i) === 47) slashes++;
  if (slashes >= 2 || (slashes === 1 && (chunk[0] === "/" || chunk[1] === "/"))) return true;
  const head = lowerWord(chunk.slice(0, 11));
  return head.startsWith("[image]") || head.startsWith("[log]") || head.startsWith("[screenshot") || head.startsWith("www.");
}

/**
 * Call `visit` with every raw lowercase word of `text` the model reads: the engine's
 * words (maximal runs of letters and digits, lower-cased character by character),
 * except those in noise chunks ({@link isNoiseChunk}) and the parts of snake_case
 * identifiers (a word joined to another word by `_`).
 *
 * @example
 * const words: string[] = [];
 * forEachWord("Sign-up fails, see https://x.io/a/b and user_id", (w) => words.push(w));
 * // words => ["sign", "up", "fails", "see", "and"]
 */
export function forEachWord(text: string, visit: (raw: string) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isChunkSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const from = i;
    while (i < n && !isChunkSpace(text.charCodeAt(i))) i++;
    const chunk = text.slice(from, i);
    if (isNoiseChunk(chunk)) continue;
    let j = 0;
    while (j < chunk.length) {
      if (!isWordChar(chunk.charCodeAt(j))) {
        j++;
        continue;
      }
      const start = j;
      while (j < chunk.length && isWordChar(chunk.charCodeAt(j))) j++;
      const joinedBefore = start >= 2 && chunk.charCodeAt(start - 1) === 95 && isWordChar(chunk.charCodeAt(start - 2));
      const joinedAfter = j + 1 < chunk.length && chunk.charCodeAt(j) === 95 && isWordChar(chunk.charCodeAt(j + 1));
      if (joinedBefore || joinedAfter) continue;
      visit(lowerWord(chunk.slice(start, j)));
    }
  }
}
