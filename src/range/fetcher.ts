/**
 * The caching layer between the codestream index and a reader: ranges asked for together are
 * merged when they touch or lie within `mergeGap` bytes of each other, at most `concurrency`
 * reads run at once, and what was read is kept in an LRU cache of `cacheBytes` bytes (bytes a
 * decode is using stay referenced by that decode even if the cache lets them go). The cache is a
 * {@link SpanIndex} (sorted, non-overlapping spans: binary search) with its spans in a Set kept in
 * order of use (eviction takes the least recently used in O(1)).
 * @module
 */
import type { ByteRange, ByteSource } from "../codestream/source.js";
import { mergeRanges } from "../codestream/source.js";
import type { SourceReader } from "./readers.js";
import { SpanIndex, type Span } from "./spans.js";

/** Options of {@link RangeFetcher}. */
export interface FetcherOptions {
  /** Reads in flight at most (default 6). */
  concurrency?: number;
  /** Ranges closer than this are read as one (default 32 KiB). */
  mergeGap?: number;
  /** Bytes kept in the cache (default 64 MiB). */
  cacheBytes?: number;
}

/** Bytes of several ranges, held for one use (see {@link RangeFetcher.fetchAll}). */
export class SpanSet {
  private readonly index = new SpanIndex();
  constructor(spans: readonly Span[]) {
    for (const sp of spans) this.index.add(sp);
  }
  /** Bytes [offset, offset + length) (copied only when they span two pieces). */
  get(offset: number, length: number): Uint8Array {
    return this.index.get(offset, length) ?? missing(offset, length);
  }
}

function missing(offset: number, length: number): never {
  throw new Error(`internal: bytes ${offset}-${offset + length} were not fetched`);
}

let clock = 0;

/** Byte access to a reader with merging, a parallel limit and an LRU cache; a {@link ByteSource}. */
export class RangeFetcher implements ByteSource {
  private readonly spans = new SpanIndex();
  /** Spans kept for the fetcher's life, outside the LRU budget (see {@link RangeFetcher.pin}). */
  private readonly pinned = new SpanIndex();
  private pinnedTotal = 0;
  /** The cached spans, least recently used first. */
  private readonly lru = new Set<Span>();
  private cached = 0;
  private active = 0;
  private queue: Array<() => void> = [];
  private inflight: Array<{ start: number; end: number; done: Promise<Span> }> = [];
  private readonly concurrency: number;
  private readonly gap: number;
  private readonly cacheBytes: number;
  /** Reads answered from the cache without I/O. */
  cacheHits = 0;

  constructor(
    readonly reader: SourceReader,
    o: FetcherOptions = {},
  ) {
    this.concurrency = Math.max(1, o.concurrency ?? 6);
    this.gap = Math.max(0, o.mergeGap ?? 32768);
    this.cacheBytes = Math.max(0, o.cacheBytes ?? 64 * 2 ** 20);
  }

  get size(): number {
    return this.reader.size;
  }

  /** Bytes the cache holds (pinned bytes included). */
  get cachedBytes(): number {
    return this.cached + this.pinnedTotal;
  }

  /** Bytes pinned by {@link RangeFetcher.pin}. */
  get pinnedBytes(): number {
    return this.pinnedTotal;
  }

  /**
   * Read `[offset, offset + length)` (one request unless cached) and keep it for the fetcher's
   * life: the LRU cache never evicts it and it does not count against `cacheBytes`.
   */
  async pin(offset: number, length: number): Promise<void> {
    const o = Math.max(0, offset);
    const l = Math.max(0, Math.min(this.size, offset + length) - o);
    if (l === 0 || this.pinned.get(o, l)) return;
    const bytes = (await this.fetchAll([{ offset: o, length: l }])).get(o, l);
    const { stored, removed } = this.pinned.add({ start: o, bytes, used: 0 });
    for (const r of removed) this.pinnedTotal -= r.bytes.length;
    if (stored) this.pinnedTotal += stored.bytes.length;
    // the cache's copies of those bytes are not needed any more
    for (const sp of [...this.lru]) {
      if (sp.start >= o && sp.start + sp.bytes.length <= o + l) {
        this.lru.delete(sp);
        this.spans.remove(sp);
        this.cached -= sp.bytes.length;
      }
    }
  }

  /** Put bytes read elsewhere (the reader's first read) into the cache. */
  seed(offset: number, bytes: Uint8Array): void {
    if (bytes.length) this.insert({ start: offset, bytes, used: ++clock });
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const o = Math.max(0, offset);
    const l = Math.max(0, Math.min(this.size, offset + length) - o);
    const hit = this.pinned.get(o, l) ?? this.spans.get(o, l, this.touch);
    if (hit) {
      this.cacheHits++;
      return hit;
    }
    const set = await this.fetchAll([{ offset: o, length: l }]);
    return set.get(o, l);
  }

  async prefetch(ranges: readonly ByteRange[]): Promise<void> {
    await this.fetchAll(ranges);
  }

  /**
   * Make all `ranges` available: cached pieces are reused, reads already in flight (another
   * decode's) are waited for, and the rest is read with merged requests.
   */
  async fetchAll(ranges: readonly ByteRange[]): Promise<SpanSet> {
    const want = mergeRanges(ranges.map((r) => ({ offset: r.offset, length: Math.min(r.length, this.size - r.offset) })).filter((r) => r.length > 0));
    const held: Span[] = [];
    let gaps = this.holes(want, held);
    // wait for reads in flight that cover some of the holes, then look again
    const waiting = this.inflight.filter((f) => gaps.some((g) => f.start < g.offset + g.length && f.end > g.offset));
    if (waiting.length > 0) {
      const spans = await Promise.all(waiting.map((f) => f.done.catch(() => undefined)));
      for (const sp of spans) if (sp) held.push(sp);
      gaps = this.holes(gaps, held, spans.filter((x): x is Span => !!x));
    }
    if (gaps.length === 0 && want.length > 0) this.cacheHits++;
    const requests = mergeRanges(gaps, this.gap);
    const fetched = await Promise.all(
      requests.map((r) => {
        const done = this.limited(() => this.reader.read(r.offset, r.length)).then((bytes) => ({ start: r.offset, bytes, used: ++clock }));
        const entry = { start: r.offset, end: r.offset + r.length, done };
        this.inflight.push(entry);
        const drop = () => {
          const i = this.inflight.indexOf(entry);
          if (i >= 0) this.inflight.splice(i, 1);
        };
        done.then((sp) => {
          this.insert(sp);
          drop();
        }, drop);
        return done;
      }),
    );
    held.push(...fetched);
    return new SpanSet(held);
  }

  /** Mark a cached span as just used. */
  private readonly touch = (s: Span): void => {
    s.used = ++clock;
    if (this.lru.delete(s)) this.lru.add(s);
  };

  /** Parts of `ranges` in neither the cache nor `extra`; the spans used are added to `held`. */
  private holes(ranges: readonly ByteRange[], held: Span[], extra: readonly Span[] = []): ByteRange[] {
    const gaps: ByteRange[] = [];
    let more: SpanIndex | undefined;
    if (extra.length) {
      more = new SpanIndex();
      for (const sp of extra) more.add(sp);
    }
    for (const r of ranges) {
      let pos = r.offset;
      const end = r.offset + r.length;
      while (pos < end) {
        // the span holding pos that reaches farthest (pinned, cache or extra)
        const pin = this.pinned.size > 0 ? this.pinned.find(pos) : undefined;
        let s = this.spans.find(pos);
        const e = more?.find(pos);
        if (e && (!s || e.start + e.bytes.length > s.start + s.bytes.length)) s = e;
        if (pin && (!s || pin.start + pin.bytes.length >= s.start + s.bytes.length)) s = pin;
        if (s) {
          if (s !== e && s !== pin) this.touch(s);
          held.push(s);
          pos = Math.min(end, s.start + s.bytes.length);
          continue;
        }
        const next = Math.min(end, this.spans.nextStart(pos), more ? more.nextStart(pos) : Infinity, this.pinned.size > 0 ? this.pinned.nextStart(pos) : Infinity);
        gaps.push({ offset: pos, length: next - pos });
        pos = next;
      }
    }
    return gaps;
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }

  private insert(s: Span): void {
    const { stored, removed } = this.spans.add(s);
    for (const r of removed) {
      this.lru.delete(r);
      this.cached -= r.bytes.length;
    }
    if (!stored) return;
    this.lru.add(stored);
    this.cached += stored.bytes.length;
    // evict the least recently used, never the span just stored
    for (const victim of this.lru) {
      if (this.cached <= this.cacheBytes || victim === stored) break;
      this.lru.delete(victim);
      this.spans.remove(victim);
      this.cached -= victim.bytes.length;
    }
  }
}
