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

  /** `onEvict` is called for entries pushed out by the budget, replaced, deleted or cleared. */
  constructor(
    readonly budgetBytes: number,
    private readonly onEvict?: (key: string, value: V) => void,
  ) {}

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
    if (bytes > this.budgetBytes) {
      this.onEvict?.(key, value);
      return;
    }
    this.map.set(key, { value, bytes });
    this.used += bytes;
    for (const [k, e] of this.map) {
      if (this.used <= this.budgetBytes) break;
      this.map.delete(k);
      this.used -= e.bytes;
      this.evictions++;
      this.onEvict?.(k, e.value);
    }
  }

  delete(key: string): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.used -= e.bytes;
    this.onEvict?.(key, e.value);
  }

  /** Bytes held and number of entries. */
  stats(): { bytes: number; entries: number; evictions: number } {
    return { bytes: this.used, entries: this.map.size, evictions: this.evictions };
  }

  clear(): void {
    const old = [...this.map];
    this.map.clear();
    for (const [k, e] of old) this.onEvict?.(k, e.value);
    this.used = 0;
  }
}
