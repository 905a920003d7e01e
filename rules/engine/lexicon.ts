/**
 * One tokenizer for the rules and the text model. A text is split once into
 * words (maximal runs of letters and digits, lower-cased character by
 * character), and every word is looked up once in a hash table of known words:
 * the words of every keyword term of the pack (static entries) plus the other
 * words seen so far (a bounded cache). Keyword indexes then read per-word facts
 * by entry id (which leaves a word fires) instead of re-reading the text; the
 * model's feature row of each entry (its attribute) comes with the word, from
 * the same cache line as its lookup.
 *
 * The scan also marks the words the model skips: words in whitespace-delimited
 * chunks that are URLs, e-mail addresses, @mentions or paths, and the parts of
 * snake_case identifiers (the same definition as `forEachWord` in
 * `rules/model/tokenize.ts`, the reference the tests compare against).
 *
 * All-ASCII texts are read as bytes (`TextEncoder.encodeInto` into a reused
 * buffer), which is cheaper than `charCodeAt`; offsets are the same.
 */
import { isWordChar, lowerCode, lowerWord } from "./tokens";

/** Words of one scanned text, in order, in reusable typed arrays. */
export class WordList {
  n = 0;
  start = new Int32Array(64);
  end = new Int32Array(64);
  entry = new Int32Array(64);
  /** Bit {@link MODEL_SKIP}: the model does not read this word. */
  flags = new Uint8Array(64);
  /** The lexicon's attribute of each word's entry, or {@link UNRESOLVED} (see {@link Lexicon.setAttribute}). */
  attr = new Int32Array(64);
  /** Positions (word indexes) of the words whose entry is marked in the lexicon (keyword words), in order. */
  marked = new Int32Array(16);
  nMarked = 0;

  /** Appends word position `w` to `marked`. */
  mark(w: number): void {
    if (this.nMarked === this.marked.length) {
      const g = new Int32Array(this.marked.length * 2);
      g.set(this.marked);
      this.marked = g;
    }
    this.marked[this.nMarked++] = w;
  }

  grow(): void {
    const size = this.start.length * 2;
    const g = <T extends Int32Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
    this.start = g(this.start, new Int32Array(size));
    this.end = g(this.end, new Int32Array(size));
    this.entry = g(this.entry, new Int32Array(size));
    this.flags = g(this.flags, new Uint8Array(size));
    this.attr = g(this.attr, new Int32Array(size));
  }
}

/** An entry attribute not computed yet: call {@link Lexicon.resolveAttribute}. */
export const UNRESOLVED = -0x80000000;

/** Flag: a word in a URL/e-mail/path chunk or a snake_case identifier part. */
export const MODEL_SKIP = 1;

/**
 * The byte path's one table: a word character (ASCII letter or digit) maps to its lower
 * case (always > SPACE), a chunk space to SPACE, anything else to 0.
 */
const SPACE = 1;
const LW = (() => {
  const t = new Uint8Array(256);
  for (let c = 48; c <= 57; c++) t[c] = c;
  for (let c = 65; c <= 90; c++) t[c] = c + 32;
  for (let c = 97; c <= 122; c++) t[c] = c;
  for (const c of [9, 10, 11, 12, 13, 32]) t[c] = SPACE;
  return t;
})();

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Texts shorter than this are read as strings (copying them to bytes would not pay). */
const MIN_BYTES = 8;
/** Longer texts are read as strings, so the shared byte buffer never grows past 2 MiB. */
const MAX_BYTES = 1 << 20;
const encoder = new TextEncoder();
let bytes = new Uint8Array(4096);

/** Initial table slots (a power of two); the table doubles when half full. */
const INITIAL_SLOTS = 1 << 13;
/** Cached (non-static) words kept before the cache is dropped at the next issue boundary. */
const CACHE_LIMIT = 1 << 13;
/** Words this long or shorter are verified from their packed characters alone. */
const PACKED = 8;
/** Words (32-bit) of the keywords-only bit filter, minus one: 2^16 bits, 8 KiB. */
const FILTER_MASK = (1 << 11) - 1;
/** Slots of the direct-mapped cache of recent short words, minus one. */
const HOT_MASK = (1 << 12) - 1;

/**
 * @example
 * const lex = new Lexicon();
 * const crash = lex.intern("crash");
 * const words = new WordList();
 * lex.scan("App CRASH on save", words);
 * words.entry[1] === crash; // => true
 */
export class Lexicon {
  /**
   * Open-addressing table, two ints per slot: [FNV-1a hash, entry id + 1 (0 = empty)]. Small on
   * purpose (it is the one random access per word); a hit is verified through the entry arrays,
   * which are dense in first-seen order, so frequent words share cache lines.
   */
  private slots = new Int32Array(INITIAL_SLOTS * 2);
  private mask = INITIAL_SLOTS - 1;
  /**
   * Per entry, four ints in one 16-byte run (a probe that reaches an entry reads one cache line):
   * - length (-1 when a character is above U+00FF: such words never match the byte path);
   * - lo, hi: its last 8 characters packed 8 bits each (lo = the last 4, hi = the 4 before);
   * - offset of its characters in `pool` (read only for words longer than {@link PACKED}).
   */
  private ent = new Int32Array(1024 * 4);
  /** Per entry: 1 when some keyword index has something for the word ({@link mark}). */
  private marks = new Uint8Array(1024);
  private pool = new Uint16Array(INITIAL_SLOTS * 4);
  private poolUsed = 0;
  /** Per entry: the attribute computed by {@link setAttribute}, or UNRESOLVED until first asked for. */
  private attrs = new Int32Array(1024).fill(UNRESOLVED);
  private attribute: ((word: string) => number) | null = null;
  /** Direct-mapped cache of recently seen short words: [lo, hi, entry, attribute] by hash (lo = 0: empty). */
  private readonly hot = new Int32Array((HOT_MASK + 1) * 4);
  /** The word of each entry. */
  private words: string[] = [];
  /** Entries below this id are static (interned at compile time) and survive `maintain`. */
  private staticCount = 0;
  private readonly resetListeners: Array<(staticCount: number) => void> = [];
  private readonly insertListeners: Array<(entry: number, word: string) => void> = [];

  /**
   * With `keywordsOnly` (a pack without a text model), words that are not known keyword words
   * need no identity: a word shorter than every `word*` prefix (any word, when there are none)
   * that the bit filter of static words rules out skips the table and gets entry -1.
   */
  constructor(private readonly keywordsOnly = false) {}

  private filter: Int32Array | null = null;
  /** Words at least this long are always looked up (a prefix term may match them). */
  private filterBelow = 0x7fffffff;

  /** Words of `length` characters or more must always get an entry (a `word*` prefix of that length exists). */
  needWordsFrom(length: number): void {
    if (length < this.filterBelow) this.filterBelow = length;
  }

  /** The bit filter over the hashes of all static words, built on first use. */
  private buildFilter(): Int32Array {
    const bits = new Int32Array(FILTER_MASK + 1);
    for (let e = 0; e < this.staticCount; e++) {
      const h = hashOf(this.words[e]!);
      bits[(h >>> 5) & FILTER_MASK]! |= 1 << (h & 31);
    }
    return bits;
  }

  /** Number of entries (static and cached). */
  get size(): number {
    return this.words.length;
  }

  /** The lower-cased word of an entry. */
  word(entry: number): string {
    return this.words[entry]!;
  }

  /** Adds a known word (compile time) and returns its entry id. The word must already be lower-cased per character. */
  intern(word: string): number {
    if (this.words.length !== this.staticCount || this.filter !== null) throw new Error("Lexicon: intern() after scanning");
    const h = hashOf(word);
    const found = this.find(h, word);
    if (found >= 0) return found;
    const id = this.insert(h, word);
    this.staticCount = this.words.length;
    return id;
  }

  /**
   * Marks an entry as a keyword word: scans list the positions of marked words in
   * `WordList.marked`, so keyword indexes visit only those. Static entries are marked at
   * compile time; insert listeners may mark cached ones.
   */
  mark(entry: number): void {
    this.marks[entry] = 1;
  }

  /** Called with the static entry count whenever cached entries are dropped: per-entry caches above it are stale. */
  onReset(listener: (staticCount: number) => void): void {
    this.resetListeners.push(listener);
  }

  /** Called with every new entry (static or cached) and its word, so per-entry facts can be computed once. */
  onInsert(listener: (entry: number, word: string) => void): void {
    this.insertListeners.push(listener);
    for (let e = 0; e < this.words.length; e++) listener(e, this.words[e]!);
  }

  /**
   * Gives every entry an integer attribute computed once from its word, which scans copy into
   * `WordList.attr` for each word: the text model's vocabulary row, read from the same cache line
   * as the word's lookup. A word seen for the first time comes with UNRESOLVED: its reader calls
   * {@link resolveAttribute} once. A second call replaces the function.
   */
  setAttribute(compute: (word: string) => number): void {
    // Keywords-only scans skip unknown words (entry -1): they would have no attribute.
    if (this.keywordsOnly) throw new Error("Lexicon: setAttribute() on a keywords-only lexicon");
    if (this.attribute !== null) {
      this.attrs.fill(UNRESOLVED);
      this.hot.fill(0);
    }
    this.attribute = compute;
  }

  /** The attribute of `entry`, computed now if it was UNRESOLVED (and then also kept in the short-word cache). */
  resolveAttribute(entry: number): number {
    let a = this.attrs[entry]!;
    if (a !== UNRESOLVED) return a;
    if (this.attribute === null) throw new Error("Lexicon: resolveAttribute() without setAttribute()");
    const word = this.words[entry]!;
    a = this.attrs[entry] = this.attribute(word);
    if (word.length <= PACKED) {
      const at = (hashOf(word) & HOT_MASK) << 2;
      if (this.hot[at] !== 0 && this.hot[at + 2] === entry) this.hot[at + 3] = a;
    }
    return a;
  }

  /**
   * Drops the cached words when there are too many. Call it between issues only: entry ids
   * handed out since the last call stay valid until the next one.
   */
  maintain(): void {
    if (this.words.length - this.staticCount <= CACHE_LIMIT) return;
    this.words.length = this.staticCount;
    this.hot.fill(0);
    this.slots = new Int32Array(INITIAL_SLOTS * 2);
    this.mask = INITIAL_SLOTS - 1;
    for (let e = 0; e < this.staticCount; e++) this.place(hashOf(this.words[e]!), e);
    this.poolUsed = this.staticCount === 0 ? 0 : this.ent[((this.staticCount - 1) << 2) + 3]! + this.words[this.staticCount - 1]!.length;
    for (const l of this.resetListeners) l(this.staticCount);
  }

  /**
   * Splits `text` into `out` (reset first): spans, entry ids and model flags of its words.
   * Unknown words become cached entries.
   */
  scan(text: string, out: WordList): void {
    out.n = 0;
    out.nMarked = 0;
    const n = text.length;
    if (n >= MIN_BYTES && n <= MAX_BYTES) {
      if (bytes.length < n) bytes = new Uint8Array(n * 2);
      const r = encoder.encodeInto(text, bytes);
      // All ASCII (every other character takes 2+ bytes in UTF-8): read the bytes, same offsets.
      if (r.read === n && r.written === n) {
        this.scanBytes(text, bytes, n, out);
        return;
      }
    }
    this.scanChars(text, n, out);
  }

  private scanBytes(text: string, b: Uint8Array, n: number, out: WordList): void {
    let slots = this.slots;
    let mask = this.mask;
    let ent = this.ent;
    let marks = this.marks;
    let starts = out.start;
    let ends = out.end;
    let entries = out.entry;
    let flags = out.flags;
    let attrOut = out.attr;
    let attrs = this.attrs;
    const hotTable = this.hot;
    // Keywords-only mode: short words (below `filterBelow` characters) are looked up only when the
    // bit filter of known words says they may be known.
    const filter = this.keywordsOnly ? (this.filter ??= this.buildFilter()) : null;
    const filterBelow = filter === null ? 0 : this.filterBelow;
    let count = 0;
    let i = 0;
    let chunkStart = 0;
    let chunkWords = 0;
    let slashes = 0;
    let noise = false;
    while (i < n) {
      let c = b[i]!;
      let l = LW[c]!;
      if (l > SPACE) {
        const start = i;
        let h = FNV_OFFSET;
        let lo = 0;
        let hi = 0;
        do {
          h = Math.imul(h ^ l, FNV_PRIME);
          hi = (hi << 8) | (lo >>> 24);
          lo = (lo << 8) | l;
          if (++i >= n) break;
          l = LW[b[i]!]!;
        } while (l > SPACE);
        c = i < n ? b[i]! : 0;
        // Look the word up: probe from its hash, verify length and packed characters (and the
        // pool for long words).
        const len = i - start;
        let e = -1;
        // Short words first try the direct-mapped cache of recent words: one read of a small table
        // for the frequent ones. Packed characters identify a word of at most 8 characters exactly.
        const hot = (h & HOT_MASK) << 2;
        let a = 0;
        if (len < filterBelow && (filter![(h >>> 5) & FILTER_MASK]! & (1 << (h & 31))) === 0) {
          // Keywords-only mode: not a known word (the filter has no false negatives), and nobody
          // needs its identity. Entry -1: never marked, never a phrase continuation.
        } else if (len <= PACKED && hotTable[hot] === lo && hotTable[hot + 1] === hi) {
          e = hotTable[hot + 2]!;
          a = hotTable[hot + 3]!;
        } else {
          let slot = h & mask;
          for (;;) {
            const m = slot << 1;
            const id = slots[m + 1]! - 1;
            if (id < 0) break;
            if (
              slots[m] === h &&
              ent[id << 2] === len &&
              ent[(id << 2) + 1] === lo &&
              ent[(id << 2) + 2] === hi &&
              (len <= PACKED || this.sameBytes(id, b, start, len))
            ) {
              e = id;
              break;
            }
            slot = (slot + 1) & mask;
          }
          if (e < 0) {
            // A new word: insert it (the arrays may grow), then carry on with the new arrays.
            e = this.insert(h, text.slice(start, i).toLowerCase());
            slots = this.slots;
            mask = this.mask;
            ent = this.ent;
            marks = this.marks;
            attrs = this.attrs;
          }
          a = attrs[e]!;
          if (len <= PACKED) {
            hotTable[hot] = lo;
            hotTable[hot + 1] = hi;
            hotTable[hot + 2] = e;
            hotTable[hot + 3] = a;
          }
        }
        if (count === starts.length) {
          out.n = count;
          out.grow();
          starts = out.start;
          ends = out.end;
          entries = out.entry;
          flags = out.flags;
          attrOut = out.attr;
        }
        starts[count] = start;
        ends[count] = i;
        entries[count] = e;
        attrOut[count] = a;
        if (e >= 0 && marks[e] !== 0) out.mark(count);
        // Parts of a snake_case identifier (word_word) are not read by the model.
        flags[count++] =
          (start >= 2 && b[start - 1] === 95 && LW[b[start - 2]!]! > SPACE) || (c === 95 && i + 1 < n && LW[b[i + 1]!]! > SPACE) ? MODEL_SKIP : 0;
        chunkWords++;
        continue;
      }
      if (l === SPACE) {
        // Most chunks are plain words: only a chunk with a slash, an @, a URL scheme or a
        // leading `[`/`w` can be noise (see `endChunk`).
        if (chunkWords > 0 && (noise || slashes !== 0 || b[chunkStart] === 91 || (b[chunkStart]! | 32) === 119)) {
          out.n = count;
          this.endChunk(text, out, chunkStart, chunkWords, slashes, noise);
        }
        chunkWords = 0;
        slashes = 0;
        noise = false;
        chunkStart = ++i;
        continue;
      }
      if (c === 47 /* / */) slashes++;
      else if (c === 64 /* @ */) noise = true;
      else if (c === 58 /* : */ && i + 2 < n && b[i + 1] === 47 && b[i + 2] === 47) noise = true;
      i++;
    }
    out.n = count;
    if (chunkWords > 0) this.endChunk(text, out, chunkStart, chunkWords, slashes, noise);
  }

  /** Do the first `len - PACKED` characters of entry `id` equal the lower-cased bytes at `start`? */
  private sameBytes(id: number, b: Uint8Array, start: number, len: number): boolean {
    const off = this.ent[(id << 2) + 3]!;
    const pool = this.pool;
    for (let k = 0; k < len - PACKED; k++) if (pool[off + k] !== LW[b[start + k]!]) return false;
    return true;
  }

  private scanChars(text: string, n: number, out: WordList): void {
    let i = 0;
    let chunkStart = 0;
    let chunkWords = 0;
    let slashes = 0;
    let noise = false;
    while (i < n) {
      let c = text.charCodeAt(i);
      if (isWordChar(c)) {
        const start = i;
        let h = FNV_OFFSET;
        let lo = 0;
        let hi = 0;
        let wide = false;
        do {
          const l = lowerCode(c);
          h = Math.imul(h ^ l, FNV_PRIME);
          hi = (hi << 8) | (lo >>> 24);
          lo = (lo << 8) | (l & 0xff);
          if (l > 0xff) wide = true;
          if (++i >= n) break;
          c = text.charCodeAt(i);
        } while (isWordChar(c));
        const joined =
          (start >= 2 && text.charCodeAt(start - 1) === 95 && isWordChar(text.charCodeAt(start - 2))) ||
          (c === 95 && i + 1 < n && isWordChar(text.charCodeAt(i + 1)));
        let e = wide ? -1 : this.probeChars(h, lo, hi, text, start, i);
        if (e < 0) {
          // Words with characters above U+00FF are compared as strings; a miss is a new word.
          const word = lowerWord(text.slice(start, i));
          e = wide ? this.find(h, word) : -1;
          if (e < 0) e = this.insert(h, word);
        }
        if (this.marks[e] !== 0) out.mark(out.n);
        this.push(out, start, i, e, joined ? MODEL_SKIP : 0);
        chunkWords++;
        continue;
      }
      if (c === 32 || (c >= 9 && c <= 13) || c === 160) {
        if (chunkWords > 0) this.endChunk(text, out, chunkStart, chunkWords, slashes, noise);
        chunkWords = 0;
        slashes = 0;
        noise = false;
        chunkStart = ++i;
        continue;
      }
      if (c === 47) slashes++;
      else if (c === 64) noise = true;
      else if (c === 58 && text.charCodeAt(i + 1) === 47 && text.charCodeAt(i + 2) === 47) noise = true;
      i++;
    }
    if (chunkWords > 0) this.endChunk(text, out, chunkStart, chunkWords, slashes, noise);
  }

  /** `scanBytes`' lookup for a word of `text` with no character above U+00FF: its entry, or -1. */
  private probeChars(h: number, lo: number, hi: number, text: string, start: number, end: number): number {
    const len = end - start;
    let slot = h & this.mask;
    for (;;) {
      const m = slot << 1;
      const id = this.slots[m + 1]! - 1;
      if (id < 0) return -1;
      const at = id << 2;
      if (this.slots[m] === h && this.ent[at] === len && this.ent[at + 1] === lo && this.ent[at + 2] === hi) {
        if (len <= PACKED) return id;
        const off = this.ent[at + 3]!;
        let k = 0;
        while (k < len - PACKED && this.pool[off + k] === lowerCode(text.charCodeAt(start + k))) k++;
        if (k === len - PACKED) return id;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  private push(out: WordList, start: number, end: number, entry: number, flags: number): void {
    if (out.n === out.start.length) out.grow();
    const w = out.n++;
    out.start[w] = start;
    out.end[w] = end;
    out.entry[w] = entry;
    out.flags[w] = flags;
    out.attr[w] = this.attrs[entry]!;
  }

  /** Marks the last `count` words as model noise when their chunk is a URL, e-mail, mention, path or marker. */
  private endChunk(text: string, out: WordList, from: number, count: number, slashes: number, noise: boolean): void {
    let skip = noise || slashes >= 2;
    if (!skip && slashes === 1) skip = text.charCodeAt(from) === 47 || text.charCodeAt(from + 1) === 47;
    if (!skip) {
      const first = text.charCodeAt(from);
      if (first === 91 /* [ */)
        skip = startsWithLower(text, from, "[image]") || startsWithLower(text, from, "[log]") || startsWithLower(text, from, "[screenshot");
      else if (first === 119 || first === 87 /* w W */) skip = startsWithLower(text, from, "www.");
    }
    if (skip) for (let w = out.n - count; w < out.n; w++) out.flags[w]! |= MODEL_SKIP;
  }

  /** Entry id of `word` (lower-cased, hash `h`), or -1. */
  private find(h: number, word: string): number {
    let slot = h & this.mask;
    for (;;) {
      const id = this.slots[(slot << 1) + 1]! - 1;
      if (id < 0) return -1;
      if (this.slots[slot << 1] === h && this.words[id] === word) return id;
      slot = (slot + 1) & this.mask;
    }
  }

  private insert(h: number, word: string): number {
    const id = this.words.length;
    const len = word.length;
    if (id >= this.marks.length) {
      const grow = <T extends Int32Array>(a: T, size: number): T => {
        const g = new Int32Array(size) as T;
        g.set(a);
        return g;
      };
      this.ent = grow(this.ent, this.ent.length * 2);
      const attrs = new Int32Array(this.attrs.length * 2).fill(UNRESOLVED);
      attrs.set(this.attrs);
      this.attrs = attrs;
      const marks = new Uint8Array(this.marks.length * 2);
      marks.set(this.marks);
      this.marks = marks;
    }
    if (this.poolUsed + len > this.pool.length) {
      const bigger = new Uint16Array(Math.max(this.pool.length * 2, this.poolUsed + len));
      bigger.set(this.pool.subarray(0, this.poolUsed));
      this.pool = bigger;
    }
    let lo = 0;
    let hi = 0;
    let wide = false;
    for (let k = 0; k < len; k++) {
      const c = word.charCodeAt(k);
      if (c > 0xff) wide = true;
      this.pool[this.poolUsed + k] = c;
      hi = (hi << 8) | (lo >>> 24);
      lo = (lo << 8) | (c & 0xff);
    }
    const at = id << 2;
    this.ent[at] = wide ? -1 : len;
    this.ent[at + 1] = lo;
    this.ent[at + 2] = hi;
    this.ent[at + 3] = this.poolUsed;
    this.marks[id] = 0;
    this.attrs[id] = UNRESOLVED;
    this.poolUsed += len;
    this.words.push(word);
    if ((this.words.length + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    else this.place(h, id);
    for (const l of this.insertListeners) l(id, word);
    return id;
  }

  /** Puts entry `id` (hash `h`) in the first free slot of its probe sequence. */
  private place(h: number, id: number): void {
    let slot = h & this.mask;
    while (this.slots[(slot << 1) + 1] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot << 1] = h;
    this.slots[(slot << 1) + 1] = id + 1;
  }

  /** Rebuilds the table with `size` slots from the entries. */
  private rehash(size: number): void {
    this.slots = new Int32Array(size * 2);
    this.mask = size - 1;
    for (let e = 0; e < this.words.length; e++) this.place(hashOf(this.words[e]!), e);
  }
}

/** Does `text` at `from` start with `literal` (lower-case ASCII), ignoring case? */
function startsWithLower(text: string, from: number, literal: string): boolean {
  if (from + literal.length > text.length) return false;
  for (let k = 0; k < literal.length; k++) if (lowerCode(text.charCodeAt(from + k)) !== literal.charCodeAt(k)) return false;
  return true;
}

function hashOf(word: string): number {
  let h = FNV_OFFSET;
  for (let k = 0; k < word.length; k++) h = Math.imul(h ^ word.charCodeAt(k), FNV_PRIME);
  return h;
}
