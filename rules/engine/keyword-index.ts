/**
 * One index per text fact: every keyword term of every rule, expanded with its
 * inflections, keyed by the pack's {@link Lexicon} entries. The text is split
 * into words once (by the lexicon, shared with the text model); the index then
 * reads each word's facts by entry id:
 * - single-word terms: the leaves the word fires;
 * - phrases: a small trie over entry ids, followed across the next words while
 *   they are separated by at most {@link MAX_GAP} separator characters
 *   ("sign up", "sign-up", "sign — up");
 * - `word*` prefix terms: whether the word starts with the prefix, decided once
 *   per distinct word and cached by entry id.
 */
import { Lexicon, WordList } from "./lexicon";
import { inflections, lowerWord, tokenize } from "./tokens";

/** A keyword hit: which leaf condition, and the [start, end) span in the field. */
export interface Hit {
  field: string;
  start: number;
  end: number;
}

const WORD_LEAVES = 1;
const PHRASE = 2;

/** Separator characters a phrase may span between two of its words. */
const MAX_GAP = 3;

interface PhraseNode {
  /** Entry ids of the next words, with the node each leads to (few per node: a linear scan beats a Map). */
  keys: number[];
  kids: PhraseNode[];
  /** The same as a Map, for nodes with many next words ("not …" has dozens); set when the index freezes. */
  map: Map<number, PhraseNode> | null;
  /** Leaves whose phrase ends here. */
  leaves: number[] | null;
}

const newPhraseNode = (): PhraseNode => ({ keys: [], kids: [], map: null, leaves: null });
/** Above this many next words a node answers from its Map. */
const LINEAR_MAX = 8;

function indexNode(node: PhraseNode): void {
  if (node.keys.length > LINEAR_MAX) node.map = new Map(node.keys.map((k, i) => [k, node.kids[i]!]));
  for (const kid of node.kids) indexNode(kid);
}
const NO_LEAVES: number[] = [];
const NO_PHRASE = newPhraseNode();

export class KeywordIndex {
  /** Leaves fired by a word, by entry id (static entries only). */
  private wordLeaves: Array<number[] | undefined> = [];
  /** Phrases starting with a word, by entry id. */
  private phrases: Array<PhraseNode | undefined> = [];
  /**
   * Per static entry: WORD_LEAVES | PHRASE bits, so the scan skips most words with one typed-array
   * read. Built on the first scan (entries interned by other indexes of the pack count too).
   */
  private kinds: Uint8Array | null = null;
  private readonly prefixTerms: Array<{ prefix: string; leaf: number }> = [];
  /** Prefix leaf lists, deduplicated; `prefixOf[entry]` is an index into it plus one (0: none). */
  private prefixLists: number[][] = [];
  private prefixListIds = new Map<string, number>();
  private prefixOf = new Int32Array(0);
  private empty = true;
  private scratch: WordList | null = null;

  constructor(private readonly lexicon: Lexicon = new Lexicon()) {}

  /** The lexicon this index reads words from. */
  get words(): Lexicon {
    return this.lexicon;
  }

  /** Adds a term for a leaf. `word*` is a prefix term (≥ 3 letters); others get inflections on their last word. */
  add(term: string, leaf: number): void {
    if (this.kinds !== null) throw new Error("KeywordIndex: add() after scanning");
    const isPrefix = term.endsWith("*");
    const text = isPrefix ? term.slice(0, -1) : term;
    const t = tokenize(text);
    const words = t.starts.map((from, k) => lowerWord(text.slice(from, t.ends[k])));
    if (words.length === 0) return;
    if (isPrefix) {
      if (words.length !== 1 || words[0]!.length < 3) return;
      this.prefixTerms.push({ prefix: words[0]!, leaf });
      this.lexicon.needWordsFrom(words[0]!.length);
      // Every word's prefix leaves are decided once, when the lexicon first sees it.
      if (this.prefixTerms.length === 1) this.lexicon.onInsert((e, word) => this.notePrefixes(e, word));
      else for (let e = 0; e < this.lexicon.size; e++) this.notePrefixes(e, this.lexicon.word(e));
      this.empty = false;
      return;
    }
    this.empty = false;
    const head = words.slice(0, -1).map((w) => this.lexicon.intern(w));
    for (const form of inflections(words[words.length - 1]!)) {
      const last = this.lexicon.intern(form);
      if (head.length === 0) {
        this.wordLeaves[last] = addLeaf(this.wordLeaves[last] ?? null, leaf);
        this.lexicon.mark(last);
        continue;
      }
      this.lexicon.mark(head[0]!);
      let node = (this.phrases[head[0]!] ??= newPhraseNode());
      for (const e of [...head.slice(1), last]) {
        const at = node.keys.indexOf(e);
        let child = node.kids[at];
        if (at < 0) {
          node.keys.push(e);
          node.kids.push((child = newPhraseNode()));
        }
        node = child!;
      }
      node.leaves = addLeaf(node.leaves, leaf);
    }
  }

  /**
   * Records the first hit of each leaf into `hits` (leaves already hit keep their first span),
   * in text order. `words`, when given, must be this index's lexicon's scan of `text`
   * (the engine scans each text once for all its indexes and the model).
   */
  scan(field: string, text: string, hits: Array<Hit | undefined>, words?: WordList): void {
    if (this.empty) return;
    if (words === undefined) {
      words = this.scratch ??= new WordList();
      this.lexicon.scan(text, words);
    }
    const { n, start, end, entry, marked, nMarked } = words;
    const kinds = (this.kinds ??= this.buildKinds());
    const known = kinds.length;
    const prefixOf = this.prefixOf;
    const prefixed = prefixOf.length;
    // Only marked words (keyword words of some index of the lexicon) can hit.
    for (let m = 0; m < nMarked; m++) {
      const w = marked[m]!;
      const e = entry[w]!;
      if (e < prefixed) {
        const p = prefixOf[e]!;
        if (p !== 0) record(this.prefixLists[p - 1]!, field, start[w]!, end[w]!, hits);
      }
      const kind = e < known ? kinds[e]! : 0;
      if (kind === 0) continue;
      if ((kind & WORD_LEAVES) !== 0) record(this.wordLeaves[e]!, field, start[w]!, end[w]!, hits);
      if ((kind & PHRASE) !== 0) {
        const phrase = this.phrases[e]!;
        // Follow the phrase over the next words while they are close enough.
        let node = phrase;
        for (let v = w + 1; v < n && start[v]! - end[v - 1]! <= MAX_GAP; v++) {
          let next: PhraseNode | undefined;
          if (node.map !== null) next = node.map.get(entry[v]!);
          else {
            const at = node.keys.indexOf(entry[v]!);
            next = at < 0 ? undefined : node.kids[at];
          }
          if (next === undefined) break;
          node = next;
          if (node.leaves !== null) record(node.leaves, field, start[w]!, end[v]!, hits);
        }
      }
    }
  }

  /** Freezes the index: the kind of every static entry, and dense (hole-free, so fast) per-entry arrays. */
  private buildKinds(): Uint8Array {
    const size = Math.max(this.wordLeaves.length, this.phrases.length);
    const kinds = new Uint8Array(size);
    const leaves: number[][] = [];
    const phrases: PhraseNode[] = [];
    for (let e = 0; e < size; e++) {
      const l = this.wordLeaves[e];
      const p = this.phrases[e];
      if (l !== undefined) kinds[e]! |= WORD_LEAVES;
      if (p !== undefined) {
        kinds[e]! |= PHRASE;
        indexNode(p);
      }
      leaves.push(l ?? NO_LEAVES);
      phrases.push(p ?? NO_PHRASE);
    }
    this.wordLeaves = leaves;
    this.phrases = phrases;
    return kinds;
  }

  /** Records which prefix terms a new lexicon entry starts with. */
  private notePrefixes(e: number, word: string): void {
    if (e >= this.prefixOf.length) {
      const bigger = new Int32Array(Math.max(1024, e * 2));
      bigger.set(this.prefixOf);
      this.prefixOf = bigger;
    }
    let leaves: number[] | null = null;
    for (const t of this.prefixTerms) if (word.startsWith(t.prefix)) leaves = addLeaf(leaves, t.leaf);
    let id = 0;
    if (leaves !== null) {
      const key = leaves.join(",");
      let at = this.prefixListIds.get(key);
      if (at === undefined) this.prefixListIds.set(key, (at = this.prefixLists.push(leaves) - 1));
      id = at + 1;
      this.lexicon.mark(e);
    }
    this.prefixOf[e] = id;
  }
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
