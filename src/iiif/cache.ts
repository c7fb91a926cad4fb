/**
 * A least-recently-used cache bounded in bytes (the server's `--cache MiB`): opened images
 * (headers and, until range reading, their bytes) and encoded tiles share one budget.
 * @module
 */

interface Entry<V> {
  value: V;
  bytes: number;
}

/** LRU map whose entries declare their size; inserting past the budget evicts the oldest. */
export class ByteLru<V> {
  private readonly map = new Map<string, Entry<V>>();
  private used = 0;
  /** Entries evicted so far (diagnostics). */
  evictions = 0;

  constructor(readonly budgetBytes: number) {}

  /** The value for `key` (marks it most recently used), or undefined. */
  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  /** Store `value` weighing `bytes`; values larger than the whole budget are not kept. */
  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    if (bytes > this.budgetBytes) return;
    this.map.set(key, { value, bytes });
    this.used += bytes;
    for (const [k, e] of this.map) {
      if (this.used <= this.budgetBytes) break;
      this.map.delete(k);
      this.used -= e.bytes;
      this.evictions++;
    }
  }

  delete(key: string): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.used -= e.bytes;
  }

  /** Bytes held and number of entries. */
  stats(): { bytes: number; entries: number; evictions: number } {
    return { bytes: this.used, entries: this.map.size, evictions: this.evictions };
  }

  clear(): void {
    this.map.clear();
    this.used = 0;
  }
}
