/**
 * Text preparation for the learned model: strip the noise real issue bodies carry
 * (code, stack traces, logs, quoted replies, template checklists), then split into
 * lowercase, lightly stemmed word tokens.
 *
 * Pure and runtime-neutral.
 */
import { STOPWORDS } from "./stopwords";

const FENCED = /```[\s\S]*?(?:```|$)|~~~[\s\S]*?(?:~~~|$)/g;
const JIRA_BLOCK = /\{(code|noformat|quote)(?::[^}]*)?\}[\s\S]*?(?:\{\1\}|$)/gi;
const HTML_COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
const HTML_TAG = /<\/?[a-z][^>]{0,200}>/gi;
/** Lines that are stack frames, log records, quoted replies or template checkboxes. */
const NOISE_LINE =
  /^\s*(?:>.*|at\s+[\w$.<>]+\s*\(.*|at\s+\S+:\d+.*|Caused by:.*|Traceback \(most recent.*|File ".*", line \d+.*|\S+Error:\s.*|\S+Exception:?\s.*|\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d.*|\[?(?:INFO|WARN|WARNING|ERROR|DEBUG|TRACE|FATAL)\]?[\s:].*|[-*]\s*\[[ xX]\]\s*I (?:have|agree|searched|confirm|read).*|\s*\|.*\|\s*)$/gm;
/**
 * Remove code blocks, stack traces, log lines, quoted replies, HTML comments and
 * template checklists from an issue body.
 *
 * @example
 * cleanBody("Fails.\n```\nnpm ERR!\n```\n> old reply") // => "Fails.\n\n"
 */
export function cleanBody(body: string): string {
  let text = body;
  if (text.includes("```") || text.includes("~~~")) text = text.replace(FENCED, " ");
  if (text.includes("{")) text = text.replace(JIRA_BLOCK, " ");
  if (text.includes("<")) text = text.replace(HTML_COMMENT, " ").replace(HTML_TAG, " ");
  return text.replace(NOISE_LINE, "");
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

/** Negations are a strong "something is broken" signal, so they survive as one token. */
const NEGATIONS: ReadonlySet<string> = new Set(
  "not no never cannot can't cant don't dont doesn't doesnt didn't didnt isn't isnt aren't wasn't weren't won't wont couldn't shouldn't unable".split(" "),
);

/** Character classes of the word scanner (ASCII; above 127 only U+00A0 is special: a space). */
const C_SPACE = 1;
const C_START = 2; // [a-z0-9]: starts or continues a word
const C_PART = 4; // [a-z0-9_']: continues a word
const CLASS = (() => {
  const t = new Uint8Array(128);
  for (const c of [32, 9, 10, 11, 12, 13]) t[c] = C_SPACE;
  for (let c = 97; c <= 122; c++) t[c] = C_START | C_PART;
  for (let c = 48; c <= 57; c++) t[c] = C_START | C_PART;
  t[95] = C_PART;
  t[39] = C_PART;
  return t;
})();

/**
 * Call `visit` with every raw lowercase word (`[a-z0-9][a-z0-9_']*`) of `text`,
 * skipping whitespace-delimited chunks that are URLs, e-mail addresses or @mentions,
 * paths (a leading `/`, `~/`, `./`, or two or more slashes) and `[image]`/`[log]`
 * markers.
 */
export function forEachWord(text: string, visit: (raw: string) => void): void {
  scanWords(text, (s, start, end) => visit(s.slice(start, end)));
}

/** Spare word buffer ([start, end, hash] per word); taken while a scan runs, so a visitor may scan too. */
let spare: Int32Array | null = new Int32Array(3 * 64);

function takeBuffer(): Int32Array {
  const b = spare ?? new Int32Array(3 * 64);
  spare = null;
  return b;
}

function grow(buf: Int32Array): Int32Array {
  const b = new Int32Array(buf.length * 2);
  b.set(buf);
  return b;
}

/**
 * The allocation-free form of {@link forEachWord}: `visit` gets the lowercased text,
 * the word's [start, end) span in it and its FNV-1a hash, so a caller with its own
 * hash table never has to slice. A hand-written scanner: a regex exec loop is
 * several times slower here. One pass per chunk: its words are buffered (spans and
 * hashes in a typed array) while the chunk is checked for noise, then emitted.
 * All-ASCII texts are read as bytes (cheaper than `charCodeAt`), with the same offsets.
 */
export function scanWords(text: string, visit: (lower: string, start: number, end: number, hash: number) => void): void {
  const s = text.toLowerCase();
  const n = s.length;
  let buf = takeBuffer();
  if (n >= MIN_BYTES && n <= MAX_BYTES) {
    if (bytes.length < n) bytes = new Uint8Array(n * 2);
    const r = encoder.encodeInto(s, bytes);
    // All ASCII (every other character takes 2+ bytes in UTF-8).
    if (r.read === n && r.written === n) {
      spare = scanAscii(s, bytes, n, buf, visit);
      return;
    }
  }
  let i = 0;
  outer: while (i < n) {
    let c = s.charCodeAt(i);
    while (c < 128 ? CLASS[c] === C_SPACE : c === 160) {
      if (++i >= n) break outer;
      c = s.charCodeAt(i);
    }
    const start = i;
    let slashes = 0;
    let noise = false;
    let words = 0;
    let w = -1; // start of the word being read, or -1
    let hash = 0;
    for (; i < n; i++) {
      c = s.charCodeAt(i);
      const k = c < 128 ? CLASS[c]! : c === 160 ? C_SPACE : 0;
      if (k === C_SPACE) break;
      if (w >= 0) {
        if ((k & C_PART) !== 0) {
          hash = Math.imul(hash ^ c, 0x01000193);
          continue;
        }
        if (words * 3 === buf.length) buf = grow(buf);
        buf[words * 3] = w;
        buf[words * 3 + 1] = i;
        buf[words++ * 3 + 2] = hash;
        w = -1;
      }
      if ((k & C_START) !== 0) {
        w = i;
        hash = Math.imul((0x811c9dc5 | 0) ^ c, 0x01000193);
      } else if (c === 47 /* / */) slashes++;
      else if (c === 64 /* @ */) noise = true;
      else if (c === 58 /* : */ && s.charCodeAt(i + 1) === 47 && s.charCodeAt(i + 2) === 47) noise = true;
    }
    if (w >= 0) {
      if (words * 3 === buf.length) buf = grow(buf);
      buf[words * 3] = w;
      buf[words * 3 + 1] = i;
      buf[words++ * 3 + 2] = hash;
    }
    if (words === 0 || noise || slashes >= 2) continue;
    const first = s.charCodeAt(start);
    if (slashes === 1 && (first === 47 || s.charCodeAt(start + 1) === 47)) continue;
    if (first === 91 /* [ */ && (s.startsWith("[image]", start) || s.startsWith("[log]", start) || s.startsWith("[screenshot", start))) continue;
    if (first === 119 /* w */ && s.startsWith("www.", start)) continue;
    for (let k = 0; k < words * 3; k += 3) visit(s, buf[k]!, buf[k + 1]!, buf[k + 2]!);
  }
  spare = buf;
}

const MIN_BYTES = 24;
/** Longer texts are scanned as strings, so the shared buffer never grows past 2 MiB. */
const MAX_BYTES = 1 << 20;
const encoder = new TextEncoder();
let bytes = new Uint8Array(4096);

/** `scanWords` over an all-ASCII lowercased text copied into bytes; returns the (maybe grown) word buffer. */
function scanAscii(s: string, b: Uint8Array, n: number, buffer: Int32Array, visit: (lower: string, start: number, end: number, hash: number) => void): Int32Array {
  let buf = buffer;
  let i = 0;
  outer: while (i < n) {
    while (CLASS[b[i]!] === C_SPACE) if (++i >= n) break outer;
    const start = i;
    let slashes = 0;
    let noise = false;
    let words = 0;
    let w = -1;
    let hash = 0;
    for (; i < n; i++) {
      const c = b[i]!;
      const k = CLASS[c]!;
      if (k === C_SPACE) break;
      if (w >= 0) {
        if ((k & C_PART) !== 0) {
          hash = Math.imul(hash ^ c, 0x01000193);
          continue;
        }
        if (words * 3 === buf.length) buf = grow(buf);
        buf[words * 3] = w;
        buf[words * 3 + 1] = i;
        buf[words++ * 3 + 2] = hash;
        w = -1;
      }
      if ((k & C_START) !== 0) {
        w = i;
        hash = Math.imul((0x811c9dc5 | 0) ^ c, 0x01000193);
      } else if (c === 47 /* / */) slashes++;
      else if (c === 64 /* @ */) noise = true;
      else if (c === 58 /* : */ && i + 2 < n && b[i + 1] === 47 && b[i + 2] === 47) noise = true;
    }
    if (w >= 0) {
      if (words * 3 === buf.length) buf = grow(buf);
      buf[words * 3] = w;
      buf[words * 3 + 1] = i;
      buf[words++ * 3 + 2] = hash;
    }
    if (words === 0 || noise || slashes >= 2) continue;
    const first = b[start]!;
    if (slashes === 1 && (first === 47 || (start + 1 < n && b[start + 1] === 47))) continue;
    if (first === 91 /* [ */ && (s.startsWith("[image]", start) || s.startsWith("[log]", start) || s.startsWith("[screenshot", start))) continue;
    if (first === 119 /* w */ && s.startsWith("www.", start)) continue;
    for (let k = 0; k < words * 3; k += 3) visit(s, buf[k]!, buf[k + 1]!, buf[k + 2]!);
  }
  return buf;
}
