/**
 * Byte spans of a file held in memory, sorted by offset and never overlapping, so that finding
 * the span holding a byte is a binary search (O(log n)) and walking a range visits only the spans
 * it meets. Used by the range fetcher's cache (src/range/fetcher.ts) and for the bytes one decode
 * holds.
 *
 * Adding a span keeps the invariant: spans it covers entirely are replaced by it (one longer span
 * means fewer copies when a read crosses span edges); where it only partly overlaps a span at one
 * of its ends it is trimmed (a view on the same bytes, no copy); nothing is stored when existing
 * spans already hold its bytes as one span or on both sides. Spans are never merged by copying.
 * @module
 */

/** Bytes `[start, start + bytes.length)` of the file; `used` orders them for LRU eviction. */
export interface Span {
  start: number;
  bytes: Uint8Array;
  used: number;
}

const end = (s: Span) => s.start + s.bytes.length;

/** Sorted, non-overlapping spans (see the module description). */
export class SpanIndex {
  private readonly list: Span[] = [];

  /** The spans, sorted by start (do not modify). */
  get spans(): readonly Span[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  /** Index of the last span starting at or before `pos`, or -1. */
  private floor(pos: number): number {
    let lo = 0, hi = this.list.length - 1, i = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.list[mid]!.start <= pos) {
        i = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return i;
  }

  /** The span holding byte `pos`, or undefined. */
  find(pos: number): Span | undefined {
    const i = this.floor(pos);
    const s = i >= 0 ? this.list[i]! : undefined;
    return s && end(s) > pos ? s : undefined;
  }

  /** Start of the first span starting after `pos` (Infinity when none). */
  nextStart(pos: number): number {
    const s = this.list[this.floor(pos) + 1];
    return s ? s.start : Infinity;
  }

  /**
   * Add `s` (see the module description). Returns the span actually stored (`s` itself, or a
   * trimmed view of it) and the spans it replaced; `stored` is undefined when existing spans
   * already held all of its bytes.
   */
  add(s: Span): { stored: Span | undefined; removed: Span[] } {
    let a = s.start;
    let b = end(s);
    if (b <= a) return { stored: undefined, removed: [] };
    // spans meeting [a, b): indices first..last
    let first = this.floor(a);
    if (first < 0 || end(this.list[first]!) <= a) first++;
    let last = this.floor(b - 1);
    if (first <= last) {
      const left = this.list[first]!;
      if (left.start <= a && end(left) >= b) return { stored: undefined, removed: [] }; // already held
      if (left.start < a) {
        a = end(left); // partial overlap on the left: keep the old bytes there
        first++;
      }
      const right = this.list[last]!;
      if (last >= first && end(right) > b) {
        b = right.start; // partial overlap on the right
        last--;
      }
    }
    if (b <= a) return { stored: undefined, removed: [] }; // the new bytes lie in spans on both sides
    if (first === last && this.list[first]!.start === a && end(this.list[first]!) === b) return { stored: undefined, removed: [] };
    const stored = a === s.start && b === end(s) ? s : { start: a, bytes: s.bytes.subarray(a - s.start, b - s.start), used: s.used };
    const removed = first <= last ? this.list.splice(first, last - first + 1, stored) : (this.list.splice(first, 0, stored), []);
    return { stored, removed };
  }

  /** Remove `s` (the very object stored); false when it is not here. */
  remove(s: Span): boolean {
    const i = this.floor(s.start);
    if (i < 0 || this.list[i] !== s) return false;
    this.list.splice(i, 1);
    return true;
  }

  /**
   * Bytes `[offset, offset + length)`: a view when one span holds them all, else a copy stitched
   * from adjacent spans; undefined when some byte is missing. `touch` is called with each span used.
   */
  get(offset: number, length: number, touch?: (s: Span) => void): Uint8Array | undefined {
    if (length <= 0) return new Uint8Array(0);
    const stop = offset + length;
    let i = this.floor(offset);
    const s = i >= 0 ? this.list[i]! : undefined;
    if (!s || end(s) <= offset) return undefined;
    touch?.(s);
    if (end(s) >= stop) return s.bytes.subarray(offset - s.start, stop - s.start);
    // check that adjacent spans cover the rest before copying
    let reach = end(s);
    let j = i + 1;
    while (reach < stop) {
      const n = this.list[j];
      if (!n || n.start !== reach) return undefined;
      reach = end(n);
      j++;
    }
    const out = new Uint8Array(length);
    let pos = offset;
    for (; pos < stop; i++) {
      const c = this.list[i]!;
      if (c !== s) touch?.(c);
      const take = Math.min(stop, end(c)) - pos;
      out.set(c.bytes.subarray(pos - c.start, pos - c.start + take), pos - offset);
      pos += take;
    }
    return out;
  }
}
