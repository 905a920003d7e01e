/**
 * One index per text fact: every keyword term of every rule, expanded with its
 * inflections, in a character trie. A single pass over a field's text finds
 * all hits of all rules without allocating a token list: at each word start
 * the trie is walked char by char (most words die after a letter or two), and
 * phrases continue across separator characters through a "space" edge.
 *
 * On first use the trie is frozen into flat typed arrays (a transition table
 * over the 36 ASCII letters/digits for branching states, one compare for chain
 * states): the walk is then one or two typed-array reads per character, with
 * no per-node search. All-ASCII texts are walked as bytes (`TextEncoder.encodeInto`
 * into a reused buffer), which is cheaper than `charCodeAt`; offsets are the same.
 */
import { inflections, tokenize } from "./tokens";

/** A keyword hit: which leaf condition, and the [start, end) span in the field. */
export interface Hit {
  field: string;
  start: number;
  end: number;
}

interface TrieNode {
  next: Map<number, TrieNode> | null;
  /** Leaves whose term ends here at a word boundary. */
  leaves: number[] | null;
  /** Leaves of `word*` prefix terms: fire when a word passes through this node. */
  prefixLeaves: number[] | null;
  /** Continuation for the next word of a phrase. */
  space: TrieNode | null;
}

const newNode = (): TrieNode => ({ next: null, leaves: null, prefixLeaves: null, space: null });

/** Letters and digits (incl. Latin-1 and most scripts) are word characters; the tokenizer agrees. */
export function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && c < 0x2000);
}

/** Columns of the transition table: 0 = separator, 1–10 digits, 11–36 letters (either case). */
const WIDTH = 37;
const ASCII_CLASS = (() => {
  const t = new Uint8Array(128);
  for (let c = 48; c <= 57; c++) t[c] = c - 47;
  for (let c = 97; c <= 122; c++) t[c] = c - 86;
  for (let c = 65; c <= 90; c++) t[c] = c - 54;
  return t;
})();

const lowerCache = new Map<number, number>();
/** Lower-cased code of a non-ASCII character (itself when lower-casing changes the length). */
function lowerCode(c: number): number {
  let l = lowerCache.get(c);
  if (l === undefined) {
    const s = String.fromCharCode(c).toLowerCase();
    l = s.length === 1 ? s.charCodeAt(0) : c;
    lowerCache.set(c, l);
  }
  return l;
}

/** Texts shorter than this are walked as strings (copying them to bytes would not pay). */
const MIN_BYTES = 24;
/** Longer texts are walked as strings, so the shared buffer never grows past 2 MiB. */
const MAX_BYTES = 1 << 20;
const encoder = new TextEncoder();
let bytes = new Uint8Array(4096);

/** Separator characters a phrase may span between two of its words ("sign-up", "sign up", "sign — up"). */
const MAX_GAP = 3;
const NONE = -1;

/**
 * The frozen trie. States are numbered breadth-first (the shallow, hot ones share cache
 * lines), state 0 is the root. A transition yields `state << 1 | hasPrefixLeaves`, or -1.
 */
interface Table {
  /** Per state, interleaved: [row offset in `trans` or -1, single ASCII child's column, its transition, space state or -1]. */
  st: Int32Array;
  trans: Int32Array;
  /** Non-ASCII edges, keyed `state * 65536 + lower-cased code`, as transitions. */
  wide: Map<number, number>;
  leaves: Array<number[] | null>;
  prefix: Array<number[] | null>;
}

function freeze(root: TrieNode): Table {
  const nodes: TrieNode[] = [root];
  const id = new Map<TrieNode, number>([[root, 0]]);
  for (let q = 0; q < nodes.length; q++) {
    const n = nodes[q]!;
    for (const k of [...(n.next?.values() ?? []), ...(n.space ? [n.space] : [])]) id.set(k, nodes.push(k) - 1);
  }
  const count = nodes.length;
  const target = (n: TrieNode) => (id.get(n)! << 1) | (n.prefixLeaves !== null ? 1 : 0);
  const st = new Int32Array(count * 4).fill(NONE);
  const wide = new Map<number, number>();
  const rows: Array<Array<[number, number]>> = [];
  nodes.forEach((n, s) => {
    if (n.space !== null) st[s * 4 + 3] = id.get(n.space)!;
    const ascii: Array<[number, number]> = [];
    for (const [c, k] of n.next ?? []) {
      // Keys are lower-cased word characters; ASCII ones other than a-z0-9 cannot occur in text walks.
      if (c < 128) {
        if (ASCII_CLASS[c]! !== 0 && !(c >= 65 && c <= 90)) ascii.push([ASCII_CLASS[c]!, target(k)]);
      } else wide.set(s * 65536 + c, target(k));
    }
    if (ascii.length === 1) {
      st[s * 4 + 1] = ascii[0]![0];
      st[s * 4 + 2] = ascii[0]![1];
    } else if (ascii.length > 1) {
      st[s * 4] = rows.length * WIDTH;
      rows.push(ascii);
    }
  });
  const trans = new Int32Array(rows.length * WIDTH).fill(NONE);
  rows.forEach((edges, r) => {
    for (const [col, next] of edges) trans[r * WIDTH + col] = next;
  });
  return { st, trans, wide, leaves: nodes.map((n) => n.leaves), prefix: nodes.map((n) => n.prefixLeaves) };
}

export class KeywordIndex {
  private readonly root = newNode();
  private table: Table | null = null;

  /** Adds a term for a leaf. `word*` is a prefix term (≥ 3 letters); others get inflections on their last word. */
  add(term: string, leaf: number): void {
    if (this.table !== null) throw new Error("KeywordIndex is frozen");
    const isPrefix = term.endsWith("*");
    const words = tokenize(isPrefix ? term.slice(0, -1) : term).words;
    if (words.length === 0) return;
    if (isPrefix) {
      if (words.length !== 1 || words[0]!.length < 3) return;
      const node = this.path([words[0]!]);
      node.prefixLeaves = addLeaf(node.prefixLeaves, leaf);
      return;
    }
    const head = words.slice(0, -1);
    for (const form of inflections(words[words.length - 1]!)) {
      const node = this.path([...head, form]);
      node.leaves = addLeaf(node.leaves, leaf);
    }
  }

  private path(words: string[]): TrieNode {
    let node = this.root;
    words.forEach((w, wi) => {
      if (wi > 0) node = node.space ??= newNode();
      for (let i = 0; i < w.length; i++) {
        const c = w.charCodeAt(i);
        node.next ??= new Map();
        let child = node.next.get(c);
        if (!child) node.next.set(c, (child = newNode()));
        node = child;
      }
    });
    return node;
  }

  /**
   * Records the first hit of each leaf into `hits` (leaves already hit keep their first span).
   * One pass: each character is read once while the trie is followed along the current word.
   */
  scan(field: string, text: string, hits: Array<Hit | undefined>): void {
    if (this.root.next === null) return;
    const t = (this.table ??= freeze(this.root));
    const n = text.length;
    if (n >= MIN_BYTES && n <= MAX_BYTES) {
      if (bytes.length < n) bytes = new Uint8Array(n * 2);
      const r = encoder.encodeInto(text, bytes);
      // All ASCII (every other character takes 2+ bytes in UTF-8): walk the bytes, same offsets.
      if (r.read === n && r.written === n) return scanAscii(t, field, text, bytes, n, hits);
    }
    const { st, trans } = t;
    let i = 0;
    while (i < n) {
      // Skip separators; `col` is the character's column (0 = separator), -2 for a non-ASCII word character.
      let c = text.charCodeAt(i);
      let col = c < 128 ? ASCII_CLASS[c]! : isWordChar(c) ? -2 : 0;
      while (col === 0) {
        if (++i >= n) return;
        c = text.charCodeAt(i);
        col = c < 128 ? ASCII_CLASS[c]! : isWordChar(c) ? -2 : 0;
      }
      const start = i;
      let s = 0;
      do {
        if (s !== NONE) {
          let v: number;
          if (col > 0) {
            const b = s << 2;
            const r = st[b]!;
            v = r !== NONE ? trans[r + col]! : st[b + 1] === col ? st[b + 2]! : NONE;
          } else v = step(t, s, c);
          if (v === NONE) s = NONE;
          else {
            s = v >> 1;
            if ((v & 1) !== 0) record(t.prefix[s]!, field, start, wordEnd(text, i + 1), hits);
          }
        }
        if (++i >= n) break;
        c = text.charCodeAt(i);
        col = c < 128 ? ASCII_CLASS[c]! : isWordChar(c) ? -2 : 0;
      } while (col !== 0);
      if (s !== NONE) {
        const leaves = t.leaves[s]!;
        if (leaves !== null) record(leaves, field, start, i, hits);
        const sp = st[(s << 2) + 3]!;
        if (sp !== NONE) {
          // Only follow the phrase edge when the next word could continue it.
          let k = i;
          while (k < n && k - i < MAX_GAP && !isWordChar(text.charCodeAt(k))) k++;
          if (k > i && k < n && isWordChar(text.charCodeAt(k)) && step(t, sp, text.charCodeAt(k)) !== NONE) phrase(t, field, text, start, i, sp, hits);
        }
      }
    }
  }
}

/**
 * `scan` over an all-ASCII text copied into bytes: typed-array reads are cheaper than
 * `charCodeAt` on strings of any representation. Same walk, same hits, same order.
 */
function scanAscii(t: Table, field: string, text: string, b: Uint8Array, n: number, hits: Array<Hit | undefined>): void {
  const { st, trans } = t;
  let i = 0;
  while (i < n) {
    let col = ASCII_CLASS[b[i]!]!;
    while (col === 0) {
      if (++i >= n) return;
      col = ASCII_CLASS[b[i]!]!;
    }
    const start = i;
    let s = 0;
    do {
      if (s !== NONE) {
        const x = s << 2;
        const r = st[x]!;
        const v = r !== NONE ? trans[r + col]! : st[x + 1] === col ? st[x + 2]! : NONE;
        if (v === NONE) s = NONE;
        else {
          s = v >> 1;
          if ((v & 1) !== 0) record(t.prefix[s]!, field, start, wordEnd(text, i + 1), hits);
        }
      }
      if (++i >= n) break;
      col = ASCII_CLASS[b[i]!]!;
    } while (col !== 0);
    if (s !== NONE) {
      const leaves = t.leaves[s]!;
      if (leaves !== null) record(leaves, field, start, i, hits);
      const sp = st[(s << 2) + 3]!;
      if (sp !== NONE) {
        let k = i;
        while (k < n && k - i < MAX_GAP && ASCII_CLASS[b[k]!] === 0) k++;
        if (k > i && k < n && ASCII_CLASS[b[k]!] !== 0 && step(t, sp, b[k]!) !== NONE) phrase(t, field, text, start, i, sp, hits);
      }
    }
  }
}

/** Continues a phrase after its first word(s): `state` is the trie after the space edge. */
function phrase(t: Table, field: string, text: string, start: number, from: number, state: number, hits: Array<Hit | undefined>): void {
    const n = text.length;
    let s = state;
    let j = from;
    for (;;) {
      let k = j;
      while (k < n && k - j < MAX_GAP && !isWordChar(text.charCodeAt(k))) k++;
      if (k >= n || k === j || !isWordChar(text.charCodeAt(k))) return;
      j = k;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (!isWordChar(c)) break;
        const v = step(t, s, c);
        if (v === NONE) return;
        s = v >> 1;
        j++;
      }
      const leaves = t.leaves[s]!;
      if (leaves !== null) record(leaves, field, start, j, hits);
      s = t.st[(s << 2) + 3]!;
      if (s === NONE) return;
    }
  }

/** The transition on word character `c` (either case) from state `s`: `next << 1 | hasPrefixLeaves`, or -1. */
function step(t: Table, s: number, c: number): number {
  const l = c < 128 ? c : lowerCode(c);
  if (l >= 128) return t.wide.get(s * 65536 + l) ?? NONE;
  const col = ASCII_CLASS[l]!;
  if (col === 0) return NONE;
  const b = s << 2;
  const r = t.st[b]!;
  return r !== NONE ? t.trans[r + col]! : t.st[b + 1] === col ? t.st[b + 2]! : NONE;
}

function wordEnd(text: string, from: number): number {
  let e = from;
  while (e < text.length && isWordChar(text.charCodeAt(e))) e++;
  return e;
}

function addLeaf(list: number[] | null, leaf: number): number[] {
  if (!list) return [leaf];
  if (!list.includes(leaf)) list.push(leaf);
  return list;
}

function record(leaves: number[], field: string, start: number, end: number, hits: Array<Hit | undefined>): void {
  for (let k = 0; k < leaves.length; k++) {
    const id = leaves[k]!;
    if (hits[id] === undefined) hits[id] = { field, start, end };
  }
}
