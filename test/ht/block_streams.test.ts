/**
 * The HT cleanup pass reads its MagSgn and VLC streams from copies without their stuffed bits, kept
 * in static scratch of the core between blocks (codec/t1/ht_decoder.ts: msUnstuff, vlcUnstuff):
 * - blocks whose streams are dense in stuffed bits (magnitudes of all-1 bits make 0xFF MagSgn
 *   bytes) decode to exactly ±(2|c| + 1) in both builds;
 * - a block decodes the same whatever the instance decoded before it: two instances decode the same
 *   blocks (random segments that read past their streams' ends, and long dense blocks) in opposite
 *   orders and must agree on every block.
 */
import { describe, expect, test } from "vitest";
import { isJ2kError } from "../../src/index.js";
import type { CoreExports } from "../../src/core_interface.js";
import { createCoreInstance, useFlavor } from "../../src/wasm/load.js";
import { Prng } from "../helpers/prng.js";

const HT = 0x40;

interface Coded {
  w: number;
  h: number;
  numBps: number;
  lens: number[];
  passes: number[];
  data: Uint8Array;
}

/** A core instance of the given build with scratch for one block. */
function instance(flavor: "scalar" | "simd"): { c: CoreExports; buf: number; lens: number; passes: number; out: number; info: number } {
  useFlavor(flavor);
  try {
    const c = createCoreInstance();
    c.jobBegin();
    return { c, buf: c.alloc(70000), lens: c.alloc(1024), passes: c.alloc(1024), out: c.alloc(4 * 4096), info: c.alloc(16) };
  } finally {
    useFlavor(null);
  }
}

/** HT-code a w x h block (one cleanup pass at bit-plane 0) with the core's own encoder. */
function encodeBlock(x: ReturnType<typeof instance>, coef: Int32Array, w: number, h: number): Coded | null {
  const { c } = x;
  new Int32Array(c.memory.buffer, x.out, w * h).set(coef);
  const passRecords = c.alloc(16 * 128);
  c.encodeCodeBlock(x.out, w, w, h, 0, HT, 0, x.buf, 70000, passRecords, 128, 0, x.info);
  const [numBps, numPasses] = new Int32Array(c.memory.buffer, x.info, 2);
  if (!numBps || !numPasses) return null;
  const dv = new DataView(c.memory.buffer);
  const s = numBps - 1; // the coded set (cleanup at bit-plane 0)
  const off = dv.getUint32(x.buf + 4 * s, true);
  const lcup = dv.getUint32(passRecords + 16 * 3 * s + 8, true); // PassRecord.rate
  const lens = new Array<number>(2 * s + 1).fill(0);
  const passes = new Array<number>(2 * s + 1).fill(0);
  lens[2 * s] = lcup;
  passes[2 * s] = 1;
  return { w, h, numBps, lens, passes, data: new Uint8Array(c.memory.buffer, x.buf + off, lcup).slice() };
}

/** Decode one block: its samples, or the error code. */
function decodeBlock(x: ReturnType<typeof instance>, b: Coded): Int32Array | string {
  const { c } = x;
  new Uint8Array(c.memory.buffer).set(b.data, x.buf);
  new Uint32Array(c.memory.buffer, x.lens, b.lens.length).set(b.lens);
  new Uint32Array(c.memory.buffer, x.passes, b.passes.length).set(b.passes);
  try {
    c.decodeCodeBlock(x.buf, x.lens, x.passes, b.lens.length, b.w, b.h, 0, b.numBps, HT, x.out, b.w);
  } catch (e) {
    if (!isJ2kError(e)) throw e;
    return e.code;
  }
  return new Int32Array(c.memory.buffer, x.out, b.w * b.h).slice();
}

/** Coefficients whose magnitudes are mostly all-1 bit patterns (2^k - 1), some zero. */
function denseCoefficients(rng: Prng, n: number, maxBits: number): Int32Array {
  const c = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.1)) continue;
    const k = 1 + rng.int(maxBits);
    const m = rng.chance(0.8) ? 2 ** k - 1 : 1 + rng.int(2 ** k - 1);
    c[i] = rng.chance(0.5) ? -m : m;
  }
  return c;
}

/** Where the stuffed bits are: 0xFF bytes in MagSgn, VLC bytes that carry 7 bits (T.814 7.3.4, 7.3.8). */
function stuffing(cup: Uint8Array): { magsgn: number; vlc: number } {
  const lcup = cup.length;
  const scup = (cup[lcup - 1]! << 4) | (cup[lcup - 2]! & 15);
  const pcup = lcup - scup;
  let magsgn = 0;
  for (let i = 0; i + 1 < pcup; i++) if (cup[i] === 0xff) magsgn++;
  let vlc = 0;
  for (let i = lcup - 3; i > pcup; i--) if (cup[i]! > 0x8f && (cup[i - 1]! & 0x7f) === 0x7f) vlc++;
  return { magsgn, vlc };
}

/** A random cleanup segment with a plausible Scup (its streams mostly run past their ends). */
function randomBlock(rng: Prng): Coded {
  const lcup = 2 + rng.int(300);
  const data = new Uint8Array(lcup).map(() => rng.int(256));
  const scup = 2 + rng.int(Math.min(lcup, 4079) - 1);
  data[lcup - 1] = scup >> 4;
  data[lcup - 2] = (data[lcup - 2]! & 0xf0) | (scup & 15);
  const sizes: Array<[number, number]> = [[64, 64], [16, 16], [33, 7], [1024, 4]];
  const [w, h] = sizes[rng.int(sizes.length)]!;
  return { w, h, numBps: 1 + rng.int(16), lens: [lcup], passes: [1], data };
}

describe("HT cleanup streams with stuffed bits", () => {
  test("blocks dense in stuffed MagSgn and VLC bits decode exactly, scalar and SIMD", () => {
    const rng = new Prng(0x53545546);
    const enc = instance("simd");
    const decs = [instance("scalar"), instance("simd")];
    const sizes: Array<[number, number]> = [[64, 64], [32, 32], [13, 9], [64, 8], [1, 64]];
    let ms = 0, vl = 0;
    for (let i = 0; i < 120; i++) {
      const [w, h] = sizes[i % sizes.length]!;
      const coef = denseCoefficients(rng, w * h, 1 + (i % 15));
      const b = encodeBlock(enc, coef, w, h);
      if (!b) continue;
      const st = stuffing(b.data);
      ms += st.magsgn;
      vl += st.vlc;
      for (const d of decs) {
        const out = decodeBlock(d, b);
        expect(typeof out, `block ${i}: ${String(out)}`).not.toBe("string");
        const o = out as Int32Array;
        for (let k = 0; k < w * h; k++) {
          const c = coef[k]!;
          const want = c === 0 ? 0 : Math.sign(c) * (2 * Math.abs(c) + 1);
          if (o[k] !== want) expect(o[k], `block ${i} (${w}x${h}) sample ${k}`).toBe(want);
        }
      }
    }
    // the blocks must hold stuffed bits in both streams, or this tests nothing
    expect(ms).toBeGreaterThan(2000);
    expect(vl).toBeGreaterThan(20);
  });

  test("a block decodes the same whatever block came before it in the instance", () => {
    const rng = new Prng(0x4f524452);
    const enc = instance("simd");
    const blocks: Coded[] = [];
    for (let i = 0; i < 240; i++) {
      if (i % 6 === 0) {
        const coef = denseCoefficients(rng, 4096, 15);
        const b = encodeBlock(enc, coef, 64, 64);
        if (b) blocks.push(b);
      } else {
        blocks.push(randomBlock(rng));
      }
    }
    for (const flavor of ["scalar", "simd"] as const) {
      const a = instance(flavor), b = instance(flavor);
      const fwd = blocks.map((blk) => decodeBlock(a, blk));
      const rev = [...blocks].reverse().map((blk) => decodeBlock(b, blk)).reverse();
      let decoded = 0;
      for (let i = 0; i < blocks.length; i++) {
        const x = fwd[i]!, y = rev[i]!;
        if (typeof x === "string" || typeof y === "string") {
          expect(y, `${flavor} block ${i}`).toBe(x);
          continue;
        }
        decoded++;
        expect(Buffer.from(y.buffer).equals(Buffer.from(x.buffer)), `${flavor} block ${i}: depends on the block before it`).toBe(true);
      }
      expect(decoded).toBeGreaterThan(100);
    }
  });
});
