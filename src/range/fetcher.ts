/**
 * The caching layer between the codestream index and a reader: ranges asked for together are
 * merged when they touch or lie within `mergeGap` bytes of each other, at most `concurrency`
 * reads run at once, and what was read is kept in an LRU cache of `cacheBytes` bytes (bytes a
 * decode is using stay referenced by that decode even if the cache lets them go).
 * @module
 */
import type { ByteRange, ByteSource } from "../codestream/source.js";
import { mergeRanges } from "../codestream/source.js";
import type { SourceReader } from "./readers.js";

/** Options of {@link RangeFetcher}. */
export interface FetcherOptions {
  /** Reads in flight at most (default 6). */
  concurrency?: number;
  /** Ranges closer than this are read as one (default 32 KiB). */
  mergeGap?: number;
  /** Bytes kept in the cache (default 64 MiB). */
  cacheBytes?: number;
}

interface Span {
  start: number;
  bytes: Uint8Array;
  used: number;
}

/** Bytes of several ranges, held for one use (see {@link RangeFetcher.fetchAll}). */
export class SpanSet {
  constructor(private readonly spans: Span[]) {
    spans.sort((a, b) => a.start - b.start);
  }
  /** Bytes [offset, offset + length) (copied only when they span two pieces). */
  get(offset: number, length: number): Uint8Array {
    return stitch(this.spans, offset, length) ?? missing(offset, length);
  }
}

function missing(offset: number, length: number): never {
  throw new Error(`internal: bytes ${offset}-${offset + length} were not fetched`);
}

/** Bytes [offset, offset + length) from sorted spans, or undefined when not all present. */
function stitch(spans: readonly Span[], offset: number, length: number): Uint8Array | undefined {
  if (length === 0) return new Uint8Array(0);
  const end = offset + length;
  // first span starting at or before offset
  let lo = 0, hi = spans.length - 1, i = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]!.start <= offset) {
      i = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // several spans may start before offset; find one covering it with the farthest reach
  let best: Span | undefined;
  for (let k = i; k >= 0 && k >= i - 8; k--) {
    const s = spans[k]!;
    if (s.start <= offset && s.start + s.bytes.length > offset && (!best || s.start + s.bytes.length > best.start + best.bytes.length)) best = s;
  }
  if (!best) return undefined;
  best.used = ++clock;
  if (best.start + best.bytes.length >= end) return best.bytes.subarray(offset - best.start, end - best.start);
  const out = new Uint8Array(length);
  let pos = offset;
  while (pos < end) {
    let s: Span | undefined;
    for (const c of spans) if (c.start <= pos && c.start + c.bytes.length > pos && (!s || c.start + c.bytes.length > s.start + s.bytes.length)) s = c;
    if (!s) return undefined;
    s.used = ++clock;
    const take = Math.min(end, s.start + s.bytes.length) - pos;
    out.set(s.bytes.subarray(pos - s.start, pos - s.start + take), pos - offset);
    pos += take;
  }
  return out;
}

let clock = 0;

/** Byte access to a reader with merging, a parallel limit and an LRU cache; a {@link ByteSource}. */
export class RangeFetcher implements ByteSource {
  private spans: Span[] = [];
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

  /** Bytes the cache holds. */
  get cachedBytes(): number {
    return this.cached;
  }

  /** Put bytes read elsewhere (the reader's first read) into the cache. */
  seed(offset: number, bytes: Uint8Array): void {
    if (bytes.length) this.insert({ start: offset, bytes, used: ++clock });
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const o = Math.max(0, offset);
    const l = Math.max(0, Math.min(this.size, offset + length) - o);
    const hit = stitch(this.spans, o, l);
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

  /** Parts of `ranges` in neither the cache nor `extra`; the spans used are added to `held`. */
  private holes(ranges: readonly ByteRange[], held: Span[], extra: readonly Span[] = []): ByteRange[] {
    const gaps: ByteRange[] = [];
    const pool = extra.length ? [...this.spans, ...extra] : this.spans;
    for (const r of ranges) {
      let pos = r.offset;
      const end = r.offset + r.length;
      while (pos < end) {
        let s: Span | undefined;
        for (const c of pool) if (c.start <= pos && c.start + c.bytes.length > pos && (!s || c.start + c.bytes.length > s.start + s.bytes.length)) s = c;
        if (s) {
          s.used = ++clock;
          held.push(s);
          pos = Math.min(end, s.start + s.bytes.length);
          continue;
        }
        let next = end;
        for (const c of pool) if (c.start > pos && c.start < next) next = c.start;
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
    this.spans.push(s);
    this.spans.sort((a, b) => a.start - b.start);
    this.cached += s.bytes.length;
    while (this.cached > this.cacheBytes && this.spans.length > 1) {
      let victim = 0;
      for (let i = 1; i < this.spans.length; i++) if (this.spans[i]!.used < this.spans[victim]!.used) victim = i;
      if (this.spans[victim] === s) break;
      this.cached -= this.spans[victim]!.bytes.length;
      this.spans.splice(victim, 1);
    }
  }
}
