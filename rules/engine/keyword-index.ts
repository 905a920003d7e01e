/**
 * One index per text fact: every keyword term of every rule, expanded with its
 * inflections, in a character trie. A single pass over a field's text finds
 * all hits of all rules without allocating a token list: at each word start
 * the trie is walked char by char (most words die after a letter or two), and
 * phrases continue across separator characters through a "space" edge.
 */
import { inflections, tokenize } from "./tokens";

/** A keyword hit: which leaf condition, and the [start, end) span in the field. */
export interface Hit {
  field: string;
  start: number;
  end: number;
}

interface TrieNode {
  /** Children while building; `freeze()` turns them into `keys`/`kids` or a dense ASCII table. */
  next: Map<number, TrieNode> | null;
  keys: number[] | null;
  kids: TrieNode[] | null;
  dense: Array<TrieNode | undefined> | null;
  /** Leaves whose term ends here at a word boundary. */
  leaves: number[] | null;
  /** Leaves of `word*` prefix terms: fire when a word passes through this node. */
  prefixLeaves: number[] | null;
  /** Continuation for the next word of a phrase. */
  space: TrieNode | null;
}

const newNode = (): TrieNode => ({ next: null, keys: null, kids: null, dense: null, leaves: null, prefixLeaves: null, space: null });

/** Nodes with more children than this get a 128-slot table for ASCII (plus keys/kids for the rest). */
const DENSE_FANOUT = 6;

function child(node: TrieNode, c: number): TrieNode | undefined {
  if (node.dense !== null && c < 128) return node.dense[c];
  const keys = node.keys;
  if (keys === null) return undefined;
  for (let k = 0; k < keys.length; k++) if (keys[k] === c) return node.kids![k];
  return undefined;
}

function freeze(node: TrieNode): void {
  if (node.next !== null) {
    const entries = [...node.next.entries()];
    if (entries.length > DENSE_FANOUT) {
      node.dense = new Array<TrieNode | undefined>(128).fill(undefined);
      const rest = entries.filter(([c, n]) => (c < 128 ? ((node.dense![c] = n), false) : true));
      node.keys = rest.length ? rest.map(([c]) => c) : null;
      node.kids = rest.length ? rest.map(([, n]) => n) : null;
    } else {
      node.keys = entries.map(([c]) => c);
      node.kids = entries.map(([, n]) => n);
    }
    for (const [, n] of entries) freeze(n);
  }
  if (node.space !== null) freeze(node.space);
}

/** Letters and digits (incl. Latin-1 and most scripts) are word characters; the tokenizer agrees. */
export function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && c < 0x2000);
}

/** ASCII char → its lower-case code if it is a word character, else 0. */
const ASCII_WORD_LOWER = (() => {
  const t = new Uint8Array(128);
  for (let c = 48; c <= 57; c++) t[c] = c;
  for (let c = 97; c <= 122; c++) t[c] = c;
  for (let c = 65; c <= 90; c++) t[c] = c + 32;
  return t;
})();

/** Lower-cased code of a word character, or 0 for a separator. */
function wordLower(c: number): number {
  if (c < 128) return ASCII_WORD_LOWER[c]!;
  return isWordChar(c) ? lowerCode(c) : 0;
}

const lowerCache = new Map<number, number>();
function lowerCode(c: number): number {
  if (c < 128) return c >= 65 && c <= 90 ? c + 32 : c;
  let l = lowerCache.get(c);
  if (l === undefined) {
    const s = String.fromCharCode(c).toLowerCase();
    l = s.length === 1 ? s.charCodeAt(0) : c;
    lowerCache.set(c, l);
  }
  return l;
}

/** Separator characters a phrase may span between two of its words ("sign-up", "sign up", "sign — up"). */
const MAX_GAP = 3;

export class KeywordIndex {
  private readonly root = newNode();
  private frozen = false;

  /** Adds a term for a leaf. `word*` is a prefix term (≥ 3 letters); others get inflections on their last word. */
  add(term: string, leaf: number): void {
    if (this.frozen) throw new Error("KeywordIndex is frozen");
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
    if (!this.frozen) {
      freeze(this.root);
      this.frozen = true;
    }
    const n = text.length;
    const root = this.root;
    if (root.next === null) return;
    let i = 0;
    while (i < n) {
      let l = wordLower(text.charCodeAt(i));
      while (l === 0) {
        if (++i >= n) return;
        l = wordLower(text.charCodeAt(i));
      }
      const start = i;
      let node: TrieNode | undefined = root;
      do {
        if (node !== undefined) {
          node = node.dense !== null && l < 128 ? node.dense[l] : child(node, l);
          if (node !== undefined && node.prefixLeaves !== null) record(node.prefixLeaves, field, start, wordEnd(text, i + 1), hits);
        }
        if (++i >= n) break;
        l = wordLower(text.charCodeAt(i));
      } while (l !== 0);
      if (node !== undefined) {
        if (node.leaves !== null) record(node.leaves, field, start, i, hits);
        if (node.space !== null) this.phrase(field, text, start, i, node.space, hits);
      }
    }
  }

  /** Continues a phrase after its first word(s): `node` is the trie after the space edge. */
  private phrase(field: string, text: string, start: number, from: number, next: TrieNode, hits: Array<Hit | undefined>): void {
    const n = text.length;
    let node: TrieNode | undefined = next;
    let j = from;
    for (;;) {
      let k = j;
      while (k < n && k - j < MAX_GAP && !isWordChar(text.charCodeAt(k))) k++;
      if (k >= n || k === j || !isWordChar(text.charCodeAt(k))) return;
      j = k;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (!isWordChar(c)) break;
        node = child(node, lowerCode(c));
        if (node === undefined) return;
        j++;
      }
      if (node.leaves !== null) record(node.leaves, field, start, j, hits);
      if (node.space === null) return;
      node = node.space;
    }
  }
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
