// EBCOT block coder (ISO/IEC 15444-1 Annex D) through the core's exports: exact inverse for every
// code-block style, truncation at the pass records' rates, distortion records, hostile input,
// and identical results from the scalar and SIMD builds.
import { describe, it, expect, afterAll } from "vitest";
import fc from "fast-check";
import { callCore, useFlavor, type CoreExports } from "../../src/wasm/load.js";
import { J2kError } from "../../src/errors.js";

interface T1Exports {
  ebcotEncodeBlock(
    coef: number, stride: number, w: number, h: number, orient: number, style: number, fracBits: number,
    out: number, outCap: number, passes: number, maxPasses: number, wantDistortion: number, info: number,
  ): void;
  ebcotDecodeBlock(
    data: number, segLens: number, segPasses: number, numSegs: number, w: number, h: number,
    orient: number, numBps: number, style: number, out: number, outStride: number,
  ): void;
  decodeCodeBlock(
    data: number, segLens: number, segPasses: number, numSegs: number, w: number, h: number,
    orient: number, numBps: number, style: number, out: number, outStride: number,
  ): void;
  encodeCodeBlock(
    coef: number, stride: number, w: number, h: number, orient: number, style: number, fracBits: number,
    out: number, outCap: number, passes: number, maxPasses: number, wantDistortion: number, info: number,
  ): void;
  codeBlockMaxBytes(w: number, h: number, numBps: number): number;
  passesInSegment(style: number, firstPass: number): number;
}
const t1 = (c: CoreExports) => c as unknown as CoreExports & T1Exports;

const BYPASS = 0x01, TERMALL = 0x04;

interface PassRecord { dist: number; rate: number; terminated: boolean }
interface Encoded { numBps: number; numPasses: number; total: number; bytes: Uint8Array; passes: PassRecord[] }
interface Block { w: number; h: number; coef: Int32Array }

/** Deterministic PRNG (tests must be reproducible). */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

type Kind = "dense" | "sparse" | "zero" | "ones" | "smooth";

/** A w×h block of coefficients with magnitudes below 2^maxBits. */
function makeBlock(w: number, h: number, kind: Kind, maxBits: number, seed: number): Block {
  const rnd = prng(seed);
  const coef = new Int32Array(w * h);
  for (let i = 0; i < coef.length; i++) {
    let m = 0;
    if (kind === "dense") m = Math.floor(rnd() * 2 ** Math.floor(rnd() * (maxBits + 1)));
    else if (kind === "sparse") m = rnd() < 0.05 ? Math.floor(rnd() * 2 ** maxBits) : 0;
    else if (kind === "ones") m = rnd() < 0.5 ? 1 : 0;
    else if (kind === "smooth") m = Math.floor(Math.abs(Math.sin(i / 37) * 2 ** maxBits * 0.9) * (0.5 + rnd() * 0.5));
    coef[i] = rnd() < 0.5 ? -m : m;
  }
  return { w, h, coef };
}

function encodeWith(c: CoreExports & T1Exports, b: Block, orient: number, style: number, fracBits = 0, maxPasses = 128, wantDistortion = 1, stride = b.w): Encoded {
  const cp = c.alloc(4 * stride * b.h);
  const view = new Int32Array(c.memory.buffer, cp, stride * b.h);
  view.fill(0x7fffffff); // padding beyond w must not be read
  for (let y = 0; y < b.h; y++) view.set(b.coef.subarray(y * b.w, (y + 1) * b.w), y * stride);
  const cap = c.codeBlockMaxBytes(b.w, b.h, 31);
  const op = c.alloc(cap);
  const pp = c.alloc(16 * Math.max(1, maxPasses));
  const ip = c.alloc(12);
  c.ebcotEncodeBlock(cp, stride, b.w, b.h, orient, style, fracBits, op, cap, pp, maxPasses, wantDistortion, ip);
  const [numBps = 0, numPasses = 0, total = 0] = new Int32Array(c.memory.buffer, ip, 3);
  const dv = new DataView(c.memory.buffer);
  const passes: PassRecord[] = [];
  for (let k = 0; k < numPasses; k++) {
    passes.push({
      dist: dv.getFloat64(pp + 16 * k, true),
      rate: dv.getUint32(pp + 16 * k + 8, true),
      terminated: (dv.getUint32(pp + 16 * k + 12, true) & 1) === 1,
    });
  }
  return { numBps, numPasses, total, bytes: new Uint8Array(c.memory.buffer, op, total).slice(), passes };
}

/** Codeword segments (lengths, pass counts) that carry the first k passes. */
function segmentsFor(e: Encoded, k: number): { lens: number[]; counts: number[] } {
  const lens: number[] = [], counts: number[] = [];
  let start = 0, first = 0;
  for (let i = 0; i < k; i++) {
    const pass = e.passes[i]!;
    if (pass.terminated || i === k - 1) {
      lens.push(pass.rate - start);
      counts.push(i + 1 - first);
      start = pass.rate;
      first = i + 1;
    }
  }
  return { lens, counts };
}

interface Decoded { out: Int32Array; trailerKept: boolean; paddingKept: boolean }

function decodeWith(
  c: CoreExports & T1Exports, bytes: Uint8Array, lens: number[], counts: number[],
  w: number, h: number, orient: number, numBps: number, style: number, outStride = w, viaDispatch = false,
): Decoded {
  const total = lens.reduce((a, b) => a + b, 0);
  const dp = c.alloc(total + 2);
  let mem = new Uint8Array(c.memory.buffer);
  mem.set(bytes.subarray(0, total), dp);
  mem[dp + total] = 0x3c; // the two bytes after the data: readable, never changed
  mem[dp + total + 1] = 0xc3;
  const n = Math.max(1, lens.length);
  const lp = c.alloc(4 * n), np = c.alloc(4 * n);
  new Uint32Array(c.memory.buffer, lp, lens.length).set(lens);
  new Uint32Array(c.memory.buffer, np, counts.length).set(counts);
  const op = c.alloc(4 * outStride * h);
  new Int32Array(c.memory.buffer, op, outStride * h).fill(0x5555);
  const decode = viaDispatch ? c.decodeCodeBlock : c.ebcotDecodeBlock;
  decode(dp, lp, np, lens.length, w, h, orient, numBps, style, op, outStride);
  mem = new Uint8Array(c.memory.buffer);
  const all = new Int32Array(c.memory.buffer, op, outStride * h);
  const out = new Int32Array(w * h);
  let paddingKept = true;
  for (let y = 0; y < h; y++) {
    out.set(all.subarray(y * outStride, y * outStride + w), y * w);
    for (let x = w; x < outStride; x++) if (all[y * outStride + x] !== 0x5555) paddingKept = false;
  }
  return { out, trailerKept: mem[dp + total] === 0x3c && mem[dp + total + 1] === 0xc3, paddingKept };
}

/**
 * Decode the first `k` passes of one codeword segment followed by 0xFF bytes, as the tile decoder
 * feeds a (possibly truncated) segment to the block coder (codec/decoder.ts pads every block).
 */
function decodePadded(c: CoreExports & T1Exports, bytes: Uint8Array, k: number, w: number, h: number, orient: number, numBps: number, style: number): Int32Array {
  const dp = c.alloc(bytes.length + 8);
  const mem = new Uint8Array(c.memory.buffer);
  mem.set(bytes, dp);
  mem.fill(0xff, dp + bytes.length, dp + bytes.length + 8);
  const lp = c.alloc(4), np = c.alloc(4), op = c.alloc(4 * w * h);
  new Uint32Array(c.memory.buffer, lp, 1)[0] = bytes.length;
  new Uint32Array(c.memory.buffer, np, 1)[0] = k;
  c.decodeCodeBlock(dp, lp, np, 1, w, h, orient, numBps, style, op, w);
  return new Int32Array(c.memory.buffer, op, w * h).slice();
}

/** Encode then decode all passes; returns the encoding and the reconstruction. */
function roundTrip(b: Block, orient: number, style: number, fracBits = 0): { enc: Encoded; dec: Decoded } {
  return callCore((core) => {
    const c = t1(core);
    const enc = encodeWith(c, b, orient, style, fracBits);
    const s = segmentsFor(enc, enc.numPasses);
    const dec = decodeWith(c, enc.bytes, s.lens, s.counts, b.w, b.h, orient, enc.numBps, style);
    return { enc, dec };
  });
}

/** Index of the first coefficient whose full reconstruction is not ±(2|c| + 1) (or 0), or -1. */
function firstMismatch(coef: Int32Array, v: Int32Array): number {
  for (let i = 0; i < coef.length; i++) {
    const c = coef[i]!;
    const want = c === 0 ? 0 : c > 0 ? 2 * c + 1 : -(2 * -c + 1);
    if (v[i] !== want) return i;
  }
  return -1;
}

/** Plane of pass k (pass 0 = cleanup of plane numBps − 1). */
const planeOf = (numBps: number, k: number) => (k === 0 ? numBps - 1 : numBps - 2 - Math.floor((k - 1) / 3));

/**
 * After decoding passes 0..k−1, every coefficient must lie in the interval its decoded bits imply:
 * v = 2K + 2^p means K <= |q| < K + 2^p (with the right sign); v = 0 means |q| < 2^P, P = plane of
 * the last cleanup pass decoded. Returns the first violating index or -1.
 */
function firstInconsistent(coef: Int32Array, v: Int32Array, numBps: number, k: number, fracBits: number): number {
  let lastCleanup = 0;
  for (let j = 0; j < k; j++) if (j === 0 || (j - 1) % 3 === 2) lastCleanup = j;
  const P = planeOf(numBps, lastCleanup);
  for (let i = 0; i < coef.length; i++) {
    const q = Math.floor(Math.abs(coef[i]!) / 2 ** fracBits);
    const a = Math.abs(v[i]!);
    if (a === 0) {
      if (q >= 2 ** P) return i;
      continue;
    }
    const p = Math.log2(a & -a);
    const K = (a - 2 ** p) / 2;
    if (Math.sign(v[i]!) !== Math.sign(coef[i]!) || q < K || q >= K + 2 ** p) return i;
  }
  return -1;
}

/** Sum of squared errors (in quantisation steps) of the reconstruction v/2. */
function squaredError(coef: Int32Array, v: Int32Array, fracBits: number): number {
  let s = 0;
  for (let i = 0; i < coef.length; i++) {
    const x = Math.abs(coef[i]!) / 2 ** fracBits;
    s += (x - Math.abs(v[i]!) / 2) ** 2;
  }
  return s;
}

/** Rate invariants of the pass records (ARCHITECTURE.md, Seam 1 — Encoder). */
function checkRates(e: Encoded, style: number, passesInSegment: (s: number, p: number) => number): void {
  let prev = 0;
  let segFirst = 0;
  for (let k = 0; k < e.numPasses; k++) {
    const r = e.passes[k]!.rate;
    expect(r).toBeGreaterThanOrEqual(prev);
    expect(r).toBeLessThanOrEqual(e.total);
    if (r > 0) expect(e.bytes[r - 1]).not.toBe(0xff);
    const segEnd = segFirst + passesInSegment(style, segFirst) - 1;
    expect(e.passes[k]!.terminated).toBe(k === segEnd || k === e.numPasses - 1);
    if (e.passes[k]!.terminated) segFirst = k + 1;
    prev = r;
  }
  if (e.numPasses > 0) expect(e.passes[e.numPasses - 1]!.rate).toBe(e.total);
}

const SHAPES: [number, number][] = [[4, 1024], [1024, 4], [1, 1024], [1024, 1], [2, 1024], [1024, 3], [64, 64], [1, 1], [3, 5]];

describe("EBCOT encode → decode is the identity", () => {
  it("for every code-block style and orientation (64 × 4 combinations)", () => {
    for (let style = 0; style < 64; style++) {
      for (let orient = 0; orient < 4; orient++) {
        const seed = style * 4 + orient + 1;
        const kind: Kind = (["dense", "sparse", "smooth", "ones"] as const)[seed % 4]!;
        const b = makeBlock(37, 29, kind, 14, seed);
        const { enc, dec } = roundTrip(b, orient, style);
        expect(firstMismatch(b.coef, dec.out), `style ${style} orient ${orient}`).toBe(-1);
        expect(dec.trailerKept).toBe(true);
        expect(enc.numPasses).toBe(enc.numBps > 0 ? 3 * enc.numBps - 2 : 0);
      }
    }
  });

  it("for random shapes, magnitudes up to 2^20, sparse and all-zero blocks (property)", () => {
    const arb = fc.record({
      shape: fc.oneof(
        fc.tuple(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 })),
        fc.constantFrom(...SHAPES),
      ),
      kind: fc.constantFrom<Kind>("dense", "sparse", "zero", "ones", "smooth"),
      maxBits: fc.integer({ min: 0, max: 20 }),
      orient: fc.integer({ min: 0, max: 3 }),
      style: fc.integer({ min: 0, max: 63 }),
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
    });
    fc.assert(
      fc.property(arb, ({ shape, kind, maxBits, orient, style, seed }) => {
        const b = makeBlock(shape[0], shape[1], kind, maxBits, seed);
        const { enc, dec } = roundTrip(b, orient, style);
        const max = b.coef.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(enc.numBps).toBe(max === 0 ? 0 : Math.floor(Math.log2(max)) + 1);
        expect(firstMismatch(b.coef, dec.out)).toBe(-1);
        expect(dec.trailerKept).toBe(true);
      }),
      { numRuns: 250, seed: 20240611 },
    );
  });

  it("honours the input and output strides", () => {
    const b = makeBlock(21, 10, "dense", 12, 99);
    const r = callCore((core) => {
      const c = t1(core);
      const enc = encodeWith(c, b, 2, 0x3f, 0, 128, 1, 29);
      const s = segmentsFor(enc, enc.numPasses);
      return decodeWith(c, enc.bytes, s.lens, s.counts, b.w, b.h, 2, enc.numBps, 0x3f, 33);
    });
    expect(firstMismatch(b.coef, r.out)).toBe(-1);
    expect(r.paddingKept).toBe(true);
  });

  it("codes the extreme magnitudes 2^30 − 1 and 1", () => {
    const coef = new Int32Array(64);
    coef[0] = 2 ** 30 - 1;
    coef[5] = -(2 ** 30 - 1);
    coef[9] = 1;
    coef[63] = -1;
    for (const style of [0, BYPASS, 0x3f]) {
      const { enc, dec } = roundTrip({ w: 8, h: 8, coef }, 3, style);
      expect(enc.numBps).toBe(30);
      expect(firstMismatch(coef, dec.out)).toBe(-1);
    }
  });
});

describe("pass records", () => {
  it("give usable truncation points and exact distortion decreases (fracBits 0 and 6)", () => {
    for (let style = 0; style < 64; style++) {
      for (const fracBits of [0, 6]) {
        const seed = 1000 + style * 2 + fracBits;
        const b = makeBlock(1 + (seed % 47), 1 + ((seed * 7) % 41), style % 3 === 0 ? "sparse" : "dense", 18, seed);
        const orient = style % 4;
        callCore((core) => {
          const c = t1(core);
          const enc = encodeWith(c, b, orient, style, fracBits);
          checkRates(enc, style, c.passesInSegment);
          const e0 = squaredError(b.coef, new Int32Array(b.coef.length), fracBits);
          const ks = new Set([1, 2, 3, 4, 10, 11, 12, 13, enc.numPasses - 1, enc.numPasses]);
          for (let k = 5; k < enc.numPasses; k += 4) ks.add(k);
          let distSum = 0;
          for (let k = 1; k <= enc.numPasses; k++) {
            distSum += enc.passes[k - 1]!.dist;
            if (!ks.has(k)) continue;
            const s = segmentsFor(enc, k);
            const dec = decodeWith(c, enc.bytes, s.lens, s.counts, b.w, b.h, orient, enc.numBps, style);
            expect(firstInconsistent(b.coef, dec.out, enc.numBps, k, fracBits), `style ${style} fracBits ${fracBits} k ${k}`).toBe(-1);
            // the distortion decreases of passes 0..k-1 add up to the error removed by decoding them
            const ek = squaredError(b.coef, dec.out, fracBits);
            expect(Math.abs(e0 - distSum - ek)).toBeLessThanOrEqual(1e-9 * Math.max(1, e0));
          }
        });
      }
    }
  });

  it("decode, cut at any pass's rate, exactly as the whole codeword decodes those passes (a carry coded after a 0xFF)", () => {
    // mqTruncationLength once stopped a prefix just before "FF 80": the carry that the byte after a
    // 0xFF holds in its top bit (C.2.7) was then missing, and P + ones fell below the interval
    // (6 of 20000 such blocks; found by the coefficient-level transcoder). Magnitudes 2, 6, 10 as
    // that transcoder's truncated blocks have; one codeword segment (no BYPASS/TERMALL).
    const rnd = prng(12345);
    const known: Array<{ block: Block; orient: number; style: number }> = [
      { block: { w: 3, h: 3, coef: Int32Array.from([0, 0, -10, 0, 6, 0, 0, 0, -6]) }, orient: 0, style: 0x02 },
      { block: { w: 2, h: 4, coef: Int32Array.from([10, -2, 6, 0, 0, 6, -2, -10]) }, orient: 3, style: 0 },
    ];
    const cases = [...known];
    for (let i = 0; i < 6000; i++) {
      const w = 1 + Math.floor(rnd() * 4), h = 1 + Math.floor(rnd() * 8);
      const coef = new Int32Array(w * h);
      for (let j = 0; j < w * h; j++) coef[j] = rnd() < 0.5 ? 0 : (rnd() < 0.5 ? -1 : 1) * (4 * Math.floor(rnd() * 2) + 2 + (rnd() < 0.3 ? 4 : 0));
      cases.push({ block: { w, h, coef }, orient: Math.floor(rnd() * 4), style: [0, 0x08, 0x02, 0x10, 0x20][Math.floor(rnd() * 5)]! });
    }
    const bad: string[] = [];
    let cutShort = 0;
    callCore((core) => {
      const c = t1(core);
      for (const { block: b, orient, style } of cases) {
        const enc = encodeWith(c, b, orient, style);
        if (enc.numBps === 0) continue;
        for (let k = 1; k <= enc.numPasses; k++) {
          const rate = enc.passes[k - 1]!.rate;
          if (rate < enc.total) cutShort++;
          const cut = decodePadded(c, enc.bytes.subarray(0, rate), k, b.w, b.h, orient, enc.numBps, style);
          const whole = decodePadded(c, enc.bytes, k, b.w, b.h, orient, enc.numBps, style);
          if (whole.some((x, i) => x !== cut[i])) {
            bad.push(`${b.w}x${b.h} orient ${orient} style ${style} [${Array.from(b.coef).join(",")}] pass ${k}: rate ${rate} of ${enc.total}`);
            break;
          }
        }
      }
    });
    expect(cutShort).toBeGreaterThan(2000);
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it("skip the distortion work, not the coding, when wantDistortion = 0", () => {
    const b = makeBlock(64, 64, "smooth", 12, 5);
    const [a, z] = callCore((core) => {
      const c = t1(core);
      return [encodeWith(c, b, 1, 0), encodeWith(c, b, 1, 0, 0, 128, 0)];
    });
    expect(z.bytes).toEqual(a.bytes);
    expect(z.passes.map((p) => p.rate)).toEqual(a.passes.map((p) => p.rate));
    expect(z.passes.every((p) => p.dist === 0)).toBe(true);
    expect(a.passes.reduce((s, p) => s + p.dist, 0)).toBeGreaterThan(0);
  });

  it("stop at maxPasses (dropping the least significant passes)", () => {
    const b = makeBlock(32, 32, "dense", 10, 11);
    const r = callCore((core) => {
      const c = t1(core);
      const enc = encodeWith(c, b, 0, TERMALL | BYPASS, 0, 7);
      const s = segmentsFor(enc, enc.numPasses);
      return { enc, dec: decodeWith(c, enc.bytes, s.lens, s.counts, b.w, b.h, 0, enc.numBps, TERMALL | BYPASS) };
    });
    expect(r.enc.numPasses).toBe(7);
    expect(r.enc.passes[6]!.rate).toBe(r.enc.total);
    expect(firstInconsistent(b.coef, r.dec.out, r.enc.numBps, 7, 0)).toBe(-1);
  });
});

describe("early stop and resume (codec/t1/ebcot_encoder.ts ebcotSetStop, ebcotSetResume)", () => {
  // A block that stopped early keeps a resume record; continuing from it must give exactly the
  // bytes and pass records of an encode without a stop, for every style with one codeword segment.
  afterAll(() => useFlavor(null));
  const STYLES = [0, 0x02, 0x08, 0x10, 0x20, 0x3a, 0x12, 0x28];

  let stoppedAgain = 0;
  function stopResume(flavor: "scalar" | "simd"): number {
    useFlavor(flavor);
    let stopped = 0;
    fc.assert(
      fc.property(
        fc.record({
          w: fc.integer({ min: 4, max: 64 }),
          h: fc.integer({ min: 4, max: 64 }),
          kind: fc.constantFrom<Kind>("dense", "sparse", "smooth", "ones"),
          bits: fc.integer({ min: 1, max: 20 }),
          seed: fc.integer({ min: 1, max: 1 << 30 }),
          orient: fc.integer({ min: 0, max: 3 }),
          style: fc.constantFrom(...STYLES),
          fracBits: fc.constantFrom(0, 3, 6),
          logSlope: fc.double({ min: -4, max: 2, noNaN: true }),
          energyScale: fc.constantFrom(0, 0.01, 1),
          again: fc.boolean(),
        }),
        (p) => {
          if (p.w * p.h > 4096) return;
          const b = makeBlock(p.w, p.h, p.kind, Math.min(p.bits + p.fracBits, 29), p.seed);
          callCore((core) => {
            const c = t1(core);
            const full = encodeWith(c, b, p.orient, p.style, p.fracBits);
            const e0 = squaredError(b.coef, new Int32Array(b.coef.length), p.fracBits);
            // slope in squared steps per byte, relative to the block's energy per sample
            c.ebcotSetStop((10 ** p.logSlope * Math.max(e0, 1)) / (p.w * p.h), e0 * p.energyScale);
            const early = encodeWith(c, b, p.orient, p.style, p.fracBits);
            const n = c.ebcotResumeBytes();
            if (n === 0) {
              expect(early.bytes).toEqual(full.bytes); // not stopped: the whole encode
              return;
            }
            stopped++;
            expect(early.numPasses).toBeLessThan(full.numPasses);
            const rec = c.alloc(n);
            new Uint8Array(c.memory.buffer, rec, n).set(new Uint8Array(c.memory.buffer, c.ebcotResumeRecord(), n).slice());
            const data = c.alloc(Math.max(1, early.bytes.length));
            new Uint8Array(c.memory.buffer, data, early.bytes.length).set(early.bytes);
            const recs = c.alloc(16 * early.numPasses);
            const dv = new DataView(c.memory.buffer);
            early.passes.forEach((q, k) => {
              dv.setFloat64(recs + 16 * k, q.dist, true);
              dv.setUint32(recs + 16 * k + 8, q.rate, true);
              dv.setUint32(recs + 16 * k + 12, q.terminated ? 1 : 0, true);
            });
            c.ebcotSetResume(rec, data, recs);
            if (p.again) {
              // resumed with a stop at a quarter of the slope: may stop again, after more passes
              c.ebcotSetStop((10 ** p.logSlope * Math.max(e0, 1)) / (4 * p.w * p.h), e0 * p.energyScale);
              const again = encodeWith(c, b, p.orient, p.style, p.fracBits);
              const n2 = c.ebcotResumeBytes();
              if (n2 === 0) {
                expect(again.bytes).toEqual(full.bytes);
                expect(again.passes).toEqual(full.passes);
                return;
              }
              stoppedAgain++;
              expect(again.numPasses).toBeGreaterThan(early.numPasses);
              const rec2 = c.alloc(n2);
              new Uint8Array(c.memory.buffer, rec2, n2).set(new Uint8Array(c.memory.buffer, c.ebcotResumeRecord(), n2).slice());
              const data2 = c.alloc(Math.max(1, again.bytes.length));
              new Uint8Array(c.memory.buffer, data2, again.bytes.length).set(again.bytes);
              const recs2 = c.alloc(16 * again.numPasses);
              const dv2 = new DataView(c.memory.buffer);
              again.passes.forEach((q, k) => {
                dv2.setFloat64(recs2 + 16 * k, q.dist, true);
                dv2.setUint32(recs2 + 16 * k + 8, q.rate, true);
                dv2.setUint32(recs2 + 16 * k + 12, q.terminated ? 1 : 0, true);
              });
              c.ebcotSetResume(rec2, data2, recs2);
            }
            const resumed = encodeWith(c, b, p.orient, p.style, p.fracBits);
            expect(c.ebcotResumeBytes()).toBe(0);
            expect(resumed.numPasses).toBe(full.numPasses);
            expect(resumed.bytes).toEqual(full.bytes);
            expect(resumed.passes).toEqual(full.passes);
          });
        },
      ),
      { numRuns: 150, seed: flavor === "scalar" ? 4242 : 4343 },
    );
    return stopped;
  }

  it.each(["scalar", "simd"] as const)("%s build: resumed blocks equal blocks coded without a stop", (flavor) => {
    // most runs must really stop (and some stop again when resumed), or the comparison proves little
    stoppedAgain = 0;
    expect(stopResume(flavor)).toBeGreaterThan(60);
    expect(stoppedAgain).toBeGreaterThan(10);
  });

  it("a resume record from another block is refused (numBps differs)", () => {
    useFlavor(null);
    callCore((core) => {
      const c = t1(core);
      const b = makeBlock(32, 32, "dense", 12, 5);
      const e0 = squaredError(b.coef, new Int32Array(b.coef.length), 0);
      c.ebcotSetStop(1e3, e0 * 0.01);
      const early = encodeWith(c, b, 0, 0, 0);
      const n = c.ebcotResumeBytes();
      expect(n).toBeGreaterThan(0);
      const rec = c.alloc(n);
      new Uint8Array(c.memory.buffer, rec, n).set(new Uint8Array(c.memory.buffer, c.ebcotResumeRecord(), n).slice());
      const data = c.alloc(early.bytes.length);
      c.ebcotSetResume(rec, data, c.alloc(16 * early.numPasses));
      const other = makeBlock(32, 32, "dense", 6, 6);
      expect(() => encodeWith(c, other, 0, 0, 0)).toThrow(J2kError);
    });
  });
});

describe("hostile input", () => {
  it("random codeword bytes never trap, stay in bounds and leave the trailer alone", () => {
    const rnd = prng(4242);
    for (let iter = 0; iter < 600; iter++) {
      const w = 1 + Math.floor(rnd() * 64);
      const h = 1 + Math.floor(rnd() * Math.min(64, Math.floor(4096 / w)));
      const style = Math.floor(rnd() * 64), orient = Math.floor(rnd() * 4);
      const numBps = Math.floor(rnd() * 33) - 2; // -2..30
      const nseg = Math.floor(rnd() * 6);
      const lens: number[] = [], counts: number[] = [];
      for (let s = 0; s < nseg; s++) {
        lens.push(Math.floor(rnd() * 200));
        counts.push(rnd() < 0.1 ? 0xffffffff : Math.floor(rnd() * 100));
      }
      const total = lens.reduce((a, b) => a + b, 0);
      const bytes = new Uint8Array(total).map(() => (rnd() < 0.15 ? 0xff : Math.floor(rnd() * 256)));
      const dec = callCore((core) => decodeWith(t1(core), bytes, lens, counts, w, h, orient, numBps, style));
      expect(dec.trailerKept).toBe(true);
      const bound = numBps > 0 ? 2 ** (numBps + 1) : 1;
      expect(dec.out.every((v) => Math.abs(v) < bound)).toBe(true);
    }
  });

  it("reports unsupported bit-plane counts and bad block sizes as J2kError", () => {
    const call = (w: number, h: number, numBps: number) =>
      callCore((core) => decodeWith(t1(core), new Uint8Array(4), [4], [1], w, h, 0, numBps, 0));
    expect(() => call(8, 8, 31)).toThrow(J2kError);
    expect(() => call(8, 8, 40)).toThrow(expect.objectContaining({ code: "UNSUPPORTED" }));
    for (const [w, h] of [[0, 4], [4, 0], [2048, 1], [128, 64]] as const) {
      expect(() => call(w, h, 5)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });

  it("fails cleanly when the encoder's destination is too small", () => {
    const b = makeBlock(64, 64, "dense", 16, 3);
    expect(() =>
      callCore((core) => {
        const c = t1(core);
        const cp = c.alloc(4 * 4096), op = c.alloc(100), pp = c.alloc(16 * 64), ip = c.alloc(12);
        new Int32Array(c.memory.buffer, cp, 4096).set(b.coef);
        c.ebcotEncodeBlock(cp, 64, 64, 64, 0, 0, 0, op, 100, pp, 64, 0, ip);
      }),
    ).toThrow(expect.objectContaining({ code: "ENCODE_OVERFLOW" }));
  });

  it("never writes past the encoder's destination, for any style and size (0 to 2000 bytes)", () => {
    const b = makeBlock(64, 64, "dense", 16, 5);
    for (const style of [0, BYPASS, TERMALL, 0x10 /* PTERM */, 0x20 /* SEGSYM */]) {
      for (const cap of [0, 1, 2, 7, 100, 1000, 2000]) {
        let guardOk = false;
        expect(() =>
          callCore((core) => {
            const c = t1(core);
            const cp = c.alloc(4 * 4096), op = c.alloc(cap + 64), pp = c.alloc(16 * 64), ip = c.alloc(16);
            new Int32Array(c.memory.buffer, cp, 4096).set(b.coef);
            new Uint8Array(c.memory.buffer, op + cap, 64).fill(0xa5);
            try {
              c.ebcotEncodeBlock(cp, 64, 64, 64, 0, style, 0, op, cap, pp, 64, 1, ip);
            } finally {
              guardOk = new Uint8Array(c.memory.buffer, op + cap, 64).every((x) => x === 0xa5);
            }
          }),
        ).toThrow(expect.objectContaining({ code: "ENCODE_OVERFLOW" }));
        expect(guardOk, `style ${style} cap ${cap}`).toBe(true);
      }
    }
  });

  it("rejects magnitudes of 2^30 and more", () => {
    expect(() =>
      callCore((core) => {
        const c = t1(core);
        const cp = c.alloc(16), op = c.alloc(1024), pp = c.alloc(16 * 128), ip = c.alloc(12);
        new Int32Array(c.memory.buffer, cp, 4).set([0, 2 ** 30, 0, 0]);
        c.ebcotEncodeBlock(cp, 2, 2, 2, 0, 0, 0, op, 1024, pp, 128, 0, ip);
      }),
    ).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});

describe("block coder dispatch", () => {
  it("routes Part 1 blocks to EBCOT and HT blocks to the HT coder (mixed-mode encoding: unsupported)", () => {
    const b = makeBlock(16, 16, "dense", 8, 8);
    const out = callCore((core) => {
      const c = t1(core);
      const cp = c.alloc(4 * 256), cap = c.codeBlockMaxBytes(16, 16, 8), op = c.alloc(cap), pp = c.alloc(16 * 64), ip = c.alloc(12);
      new Int32Array(c.memory.buffer, cp, 256).set(b.coef);
      c.encodeCodeBlock(cp, 16, 16, 16, 0, 0, 0, op, cap, pp, 64, 0, ip);
      const [numBps = 0, , total = 0] = new Int32Array(c.memory.buffer, ip, 3);
      const lp = c.alloc(4), np = c.alloc(4), dst = c.alloc(4 * 256);
      new Uint32Array(c.memory.buffer, lp, 1)[0] = total;
      new Uint32Array(c.memory.buffer, np, 1)[0] = 3 * numBps - 2;
      c.decodeCodeBlock(op, lp, np, 1, 16, 16, 0, numBps, 0, dst, 16);
      return new Int32Array(c.memory.buffer, dst, 256).slice();
    });
    expect(firstMismatch(b.coef, out)).toBe(-1);
    // four zero bytes: Scup = 0 is outside 2..Lcup, which the HT decoder reports (ISO/IEC 15444-15 7.1)
    expect(() => callCore((core) => decodeWith(t1(core), new Uint8Array(4), [4], [1], 4, 4, 0, 3, 0x40, 4, true))).toThrow(
      expect.objectContaining({ code: "CODEBLOCK_CORRUPT" }),
    );
    // HT encoding: the block's one HT set (cleanup at bit-plane 0) decodes back exactly
    const ht = callCore((core) => {
      const c = t1(core);
      const cp = c.alloc(4 * 256), cap = 65536, op = c.alloc(cap), pp = c.alloc(16 * 96), ip = c.alloc(12);
      new Int32Array(c.memory.buffer, cp, 256).set(b.coef);
      c.encodeCodeBlock(cp, 16, 16, 16, 0, 0x40, 0, op, cap, pp, 96, 0, ip);
      const [numBps = 0] = new Int32Array(c.memory.buffer, ip, 3);
      const s = numBps - 1;
      const off = new Uint32Array(c.memory.buffer, op, numBps)[s]!;
      const lcup = new Uint32Array(c.memory.buffer, pp + 16 * 3 * s + 8, 1)[0]!; // PassRecord.rate of pass 3s
      const lp = c.alloc(4), np = c.alloc(4), dst = c.alloc(4 * 256);
      new Uint32Array(c.memory.buffer, lp, 1)[0] = lcup;
      new Uint32Array(c.memory.buffer, np, 1)[0] = 1;
      c.decodeCodeBlock(op + off, lp, np, 1, 16, 16, 0, 1, 0x40, dst, 16);
      return new Int32Array(c.memory.buffer, dst, 256).slice();
    });
    expect(firstMismatch(b.coef, ht)).toBe(-1);
    expect(() =>
      callCore((core) => {
        const c = t1(core);
        const p = c.alloc(1024);
        c.encodeCodeBlock(p, 4, 4, 4, 0, 0xc0, 0, p, 1024, p, 1, 0, p);
      }),
    ).toThrow(expect.objectContaining({ code: "UNSUPPORTED_HTJ2K" }));
  });
});

describe("scalar and SIMD builds", () => {
  afterAll(() => useFlavor(null));

  function runSet(): { bytes: number[][]; decoded: number[][] } {
    const bytes: number[][] = [], decoded: number[][] = [];
    for (let i = 0; i < 24; i++) {
      const [w, h] = i < SHAPES.length ? SHAPES[i]! : [1 + ((i * 13) % 64), 1 + ((i * 29) % 64)];
      const b = makeBlock(w, h, i % 2 ? "dense" : "smooth", 16, 77 + i);
      const style = (i * 11) % 64;
      const { enc, dec } = roundTrip(b, i % 4, style, i % 3 === 0 ? 4 : 0);
      bytes.push(Array.from(enc.bytes));
      decoded.push(Array.from(dec.out));
    }
    return { bytes, decoded };
  }

  it("give identical codewords and reconstructions", () => {
    useFlavor("scalar");
    const scalar = runSet();
    useFlavor("simd");
    const simd = runSet();
    expect(simd.bytes).toEqual(scalar.bytes);
    expect(simd.decoded).toEqual(scalar.decoded);
  });
});
