/**
 * Keeps the k best (highest key) indices seen, in O(n log k) time and O(k)
 * memory: partial selection instead of sorting everything. Ties go to the
 * lower index, so results are deterministic for a given input order.
 */
export class TopN {
  private readonly keys: number[] = [];
  private readonly idx: number[] = [];
  /** How many candidates were offered, whether kept or not. */
  total = 0;

  constructor(private readonly k: number) {}

  /** `a` ranks below `b` (min-heap order). */
  private below(ka: number, ia: number, kb: number, ib: number): boolean {
    return ka < kb || (ka === kb && ia > ib);
  }

  offer(index: number, key: number): void {
    this.total++;
    const { keys, idx, k } = this;
    if (k <= 0) return;
    if (keys.length < k) {
      keys.push(key);
      idx.push(index);
      this.siftUp(keys.length - 1);
      return;
    }
    // Replace the current minimum only when the newcomer ranks above it.
    if (!this.below(keys[0]!, idx[0]!, key, index)) return;
    keys[0] = key;
    idx[0] = index;
    this.siftDown(0);
  }

  /** The kept indices, best first. */
  result(): number[] {
    const order = this.idx.map((_, i) => i);
    order.sort((a, b) => (this.below(this.keys[a]!, this.idx[a]!, this.keys[b]!, this.idx[b]!) ? 1 : -1));
    return order.map((i) => this.idx[i]!);
  }

  private swap(a: number, b: number): void {
    const { keys, idx } = this;
    const tk = keys[a]!;
    keys[a] = keys[b]!;
    keys[b] = tk;
    const ti = idx[a]!;
    idx[a] = idx[b]!;
    idx[b] = ti;
  }

  private siftUp(i: number): void {
    const { keys, idx } = this;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.below(keys[i]!, idx[i]!, keys[p]!, idx[p]!)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    const { keys, idx } = this;
    const n = keys.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.below(keys[l]!, idx[l]!, keys[m]!, idx[m]!)) m = l;
      if (r < n && this.below(keys[r]!, idx[r]!, keys[m]!, idx[m]!)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}
