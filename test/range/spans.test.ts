/**
 * The range fetcher's span cache (src/range/spans.ts, src/range/fetcher.ts): sorted,
 * non-overlapping spans found by binary search. Edge cases of adding (adjacent, overlapping on
 * either side, contained, containing, bridging), stitching across spans, a property test against a
 * byte-level model, and the fetcher's LRU eviction and reuse of cached bytes (counted reads).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SpanIndex, type Span } from "../../src/range/spans.js";
import { RangeFetcher } from "../../src/range/fetcher.js";
import type { SourceReader } from "../../src/range/readers.js";

/** The "file": byte at offset o is (o * 7 + (o >> 8)) & 255. */
const byteAt = (o: number) => (o * 7 + (o >> 8)) & 255;
function fileBytes(start: number, length: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = byteAt(start + i);
  return b;
}
const span = (start: number, length: number): Span => ({ start, bytes: fileBytes(start, length), used: 0 });
const layout = (ix: SpanIndex) => ix.spans.map((s) => [s.start, s.start + s.bytes.length]);

describe("SpanIndex.add", () => {
  it("keeps adjacent spans apart and stitches reads across them", () => {
    const ix = new SpanIndex();
    ix.add(span(100, 50));
    ix.add(span(150, 50));
    ix.add(span(50, 50));
    expect(layout(ix)).toEqual([[50, 100], [100, 150], [150, 200]]);
    expect(ix.get(60, 120)).toEqual(fileBytes(60, 120));
    expect(ix.get(110, 20)).toEqual(fileBytes(110, 20));
    expect(ix.get(40, 20)).toBeUndefined(); // starts before the first span
    expect(ix.get(190, 11)).toBeUndefined(); // runs past the last
  });

  it("trims a span overlapping an existing one on the left or right (views, old bytes kept)", () => {
    const ix = new SpanIndex();
    const a = span(100, 100);
    ix.add(a);
    const left = ix.add(span(50, 80)); // [50, 130) overlaps [100, 200) on its right end
    expect(left.stored && [left.stored.start, left.stored.start + left.stored.bytes.length]).toEqual([50, 100]);
    const right = ix.add(span(180, 70)); // [180, 250) overlaps on its left end
    expect(right.stored && [right.stored.start, right.stored.start + right.stored.bytes.length]).toEqual([200, 250]);
    expect(layout(ix)).toEqual([[50, 100], [100, 200], [200, 250]]);
    expect(ix.spans[1]).toBe(a);
    expect(ix.get(50, 200)).toEqual(fileBytes(50, 200));
  });

  it("ignores a span inside an existing one and replaces the spans a new one contains", () => {
    const ix = new SpanIndex();
    ix.add(span(100, 100));
    expect(ix.add(span(120, 30)).stored).toBeUndefined();
    expect(ix.add(span(100, 100)).stored).toBeUndefined();
    ix.add(span(300, 10));
    ix.add(span(320, 10));
    const big = span(290, 60);
    const r = ix.add(big);
    expect(r.stored).toBe(big);
    expect(r.removed.map((s) => s.start)).toEqual([300, 320]);
    expect(layout(ix)).toEqual([[100, 200], [290, 350]]);
  });

  it("fills a gap between two spans with what is new only; a span adding nothing is not stored", () => {
    const ix = new SpanIndex();
    ix.add(span(0, 100));
    ix.add(span(200, 100));
    const r = ix.add(span(50, 200)); // [50, 250): new bytes are [100, 200)
    expect(r.stored && [r.stored.start, r.stored.bytes.length]).toEqual([100, 100]);
    expect(r.removed).toEqual([]);
    expect(ix.add(span(50, 200)).stored).toBeUndefined(); // now held entirely by three spans
    expect(layout(ix)).toEqual([[0, 100], [100, 200], [200, 300]]);
    expect(ix.get(0, 300)).toEqual(fileBytes(0, 300));
  });

  it("find, nextStart and remove", () => {
    const ix = new SpanIndex();
    const a = span(10, 10), b = span(40, 10);
    ix.add(a);
    ix.add(b);
    expect(ix.find(9)).toBeUndefined();
    expect(ix.find(10)).toBe(a);
    expect(ix.find(19)).toBe(a);
    expect(ix.find(20)).toBeUndefined();
    expect(ix.nextStart(20)).toBe(40);
    expect(ix.nextStart(0)).toBe(10);
    expect(ix.nextStart(45)).toBe(Infinity);
    expect(ix.remove(span(10, 10))).toBe(false); // another object at the same place
    expect(ix.remove(a)).toBe(true);
    expect(layout(ix)).toEqual([[40, 50]]);
  });

  it("matches a byte-level model for any sequence of adds (sorted, disjoint, every byte held, right bytes)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 80 })), { maxLength: 30 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 480 }), fc.integer({ min: 1, max: 60 })), { maxLength: 20 }), (adds, reads) => {
        const ix = new SpanIndex();
        const held = new Uint8Array(500);
        for (const [o, n] of adds) {
          ix.add(span(o, n));
          held.fill(1, o, o + n);
        }
        let prevEnd = -1;
        let total = 0;
        for (const s of ix.spans) {
          expect(s.bytes.length).toBeGreaterThan(0);
          expect(s.start).toBeGreaterThanOrEqual(prevEnd);
          prevEnd = s.start + s.bytes.length;
          total += s.bytes.length;
          expect(s.bytes).toEqual(fileBytes(s.start, s.bytes.length));
        }
        expect(total).toBe(held.reduce((a, b) => a + b, 0));
        for (const [o, n] of reads) {
          const all = held.subarray(o, o + n).every((v) => v === 1) && o + n <= 500;
          const got = ix.get(o, n);
          if (all) expect(got).toEqual(fileBytes(o, n));
          else expect(got).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** A reader over the model file that counts reads. */
function countingReader(size: number): SourceReader & { log: Array<[number, number]> } {
  const r = {
    size,
    version: "v",
    description: "test",
    warnings: [] as string[],
    requests: 0,
    bytes: 0,
    log: [] as Array<[number, number]>,
    read(offset: number, length: number) {
      r.requests++;
      r.bytes += length;
      r.log.push([offset, length]);
      return Promise.resolve(fileBytes(offset, length));
    },
    close: () => Promise.resolve(),
  };
  return r;
}

describe("RangeFetcher cache", () => {
  it("evicts the least recently used spans past its budget, never the one just read", async () => {
    const reader = countingReader(1 << 20);
    const f = new RangeFetcher(reader, { cacheBytes: 3000, mergeGap: 0 });
    await f.read(0, 1000); // A
    await f.read(10000, 1000); // B
    await f.read(20000, 1000); // C
    expect(reader.requests).toBe(3);
    expect(await f.read(0, 1000)).toEqual(fileBytes(0, 1000)); // touch A: B is now the oldest
    expect(reader.requests).toBe(3);
    await f.read(30000, 1000); // D: evicts B
    expect(f.cachedBytes).toBe(3000);
    await f.read(0, 1000);
    await f.read(20000, 1000);
    await f.read(30000, 1000);
    expect(reader.requests).toBe(4);
    expect(await f.read(10000, 1000)).toEqual(fileBytes(10000, 1000)); // B was evicted: read again
    expect(reader.requests).toBe(5);
    // a span larger than the whole budget is kept alone
    await f.read(100000, 5000);
    expect(f.cachedBytes).toBe(5000);
    expect(await f.read(101000, 10)).toEqual(fileBytes(101000, 10));
    expect(reader.requests).toBe(6);
  });

  it("reads only the holes, merges requests over cached bytes, and serves any range read before from the cache", async () => {
    const reader = countingReader(1 << 20);
    const f = new RangeFetcher(reader, { cacheBytes: 1 << 20, mergeGap: 100 });
    await f.read(1000, 100);
    await f.read(1300, 100);
    // holes [900,1000) [1100,1300) [1400,1500): within 100 bytes of each other -> one request over the cached bytes
    const set = await f.fetchAll([{ offset: 900, length: 600 }]);
    expect(reader.log.slice(2)).toEqual([[900, 600]]);
    expect(set.get(900, 600)).toEqual(fileBytes(900, 600));
    const before = reader.requests;
    for (const [o, n] of [[900, 600], [950, 10], [1090, 20], [1299, 2], [1000, 400]] as const) expect(await f.read(o, n)).toEqual(fileBytes(o, n));
    expect(reader.requests).toBe(before);
    // the cache counts each byte once
    expect(f.cachedBytes).toBe(600);
    // far apart holes are separate requests
    await f.fetchAll([{ offset: 5000, length: 10 }, { offset: 9000, length: 10 }, { offset: 950, length: 100 }]);
    expect(reader.log.slice(3)).toEqual([[5000, 10], [9000, 10]]);
  });

  it("pinned bytes are never evicted, are not counted against the budget, and serve reads across cache edges", async () => {
    const reader = countingReader(1 << 20);
    const f = new RangeFetcher(reader, { cacheBytes: 2000, mergeGap: 0 });
    await f.read(0, 500); // cached, then pinned over: the cached copy is dropped
    await f.pin(0, 4000);
    expect(reader.log).toEqual([[0, 500], [500, 3500]]);
    expect(f.pinnedBytes).toBe(4000);
    expect(f.cachedBytes).toBe(4000);
    for (let i = 0; i < 5; i++) await f.read(10000 + i * 1000, 1000); // fill and churn the LRU
    expect(f.cachedBytes).toBe(4000 + 2000);
    const n = reader.requests;
    expect(await f.read(100, 3800)).toEqual(fileBytes(100, 3800));
    expect(reader.requests).toBe(n);
    // a range half pinned, half not: only the rest is read
    expect(await f.read(3500, 1000)).toEqual(fileBytes(3500, 1000));
    expect(reader.log.slice(n)).toEqual([[4000, 500]]);
  });

  it("many small cached spans: a read across all of them stitches without new requests", async () => {
    const reader = countingReader(1 << 20);
    const f = new RangeFetcher(reader, { cacheBytes: 1 << 20, mergeGap: 0 });
    for (let i = 0; i < 2000; i += 2) await f.read(i * 10, 10); // every other 10-byte piece
    for (let i = 1; i < 2000; i += 2) await f.read(i * 10, 10); // the pieces between
    const n = reader.requests;
    expect(await f.read(5, 19990)).toEqual(fileBytes(5, 19990));
    expect(reader.requests).toBe(n);
  });
});
