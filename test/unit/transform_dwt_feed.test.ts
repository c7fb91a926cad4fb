/**
 * The forward DWT's first level fed from the source pixels (codec/transform/dwt_feed.ts: rows
 * unpacked one at a time into a ring, the row-streamed level made from them, its output written once
 * to the plane) against what it replaces: whole planes unpacked (DC level shift, G.1.2; the ICT, G.3,
 * or the RCT, G.2, as src/encode.ts applies them) and then dwt97ForwardLevel / dwt53ForwardLevel
 * (F.4.2, F.4.8.1 / F.4.8.2), bit for bit. Awkward cases: every height up to 40 and tall ones,
 * widths 1–9 and odd, both origin parities (B-15), 1–4 components with and without an MCT, 8-, 12-
 * and 16-bit samples signed and unsigned (1, 2 and 4 bytes a sample), components not wanted
 * (threaded: a worker makes them) or fed without a level, rows given in chunks of any size, row
 * strides wider than the level and rows below it (left untouched).
 */
import { afterAll, describe, expect, it } from "vitest";
import { callCore, useFlavor, type CoreExports } from "../../src/wasm/load.js";
import { Prng } from "../helpers/prng.js";

type Level = (buf: number, stride: number, w: number, h: number, xOdd: number, yOdd: number, tmp: number) => void;
type Unpack = (src: number, step: number, srcStride: number, bps: number, signed: number, w: number, h: number, dst: number, dstStride: number, dc: number) => void;
interface Kernels {
  dwtScratchBytes(maxDim: number): number;
  dwt97ForwardLevel: Level;
  dwt53ForwardLevel: Level;
  unpackComponent: Unpack;
  unpackComponentF32: Unpack;
  unpackIctForward(src: number, step: number, srcStride: number, bps: number, signed: number, w: number, h: number, d0: number, d1: number, d2: number, dstStride: number, dc0: number, dc1: number, dc2: number): void;
  rctForward(p0: number, p1: number, p2: number, stride: number, w: number, h: number): void;
  dwtFeedBytes(w: number): number;
  dwtFeedBegin(state: number, buf: number, stride: number, w: number, h: number, xOdd: number, yOdd: number, kind: number, rev: number): number;
  dwtFeedPixels(states: number, n: number, mct: number, src: number, step: number, srcStride: number, bps: number, signed: number, w: number, rows: number, dc: number, scratch: number): void;
  dwtFeedFinish(state: number): void;
}
const k = (c: CoreExports): Kernels & CoreExports => c as unknown as Kernels & CoreExports;

interface Case {
  w: number;
  h: number;
  xo: number;
  yo: number;
  /** Components, the MCT (0 none, 1 RCT, 2 ICT), the 5/3 path (i32) or the 9/7 (f32). */
  comps: number;
  mct: number;
  rev: boolean;
  bps: 1 | 2 | 4;
  bits: number;
  signed: boolean;
  /** Per component: 0 not wanted, 1 fed with its level, 2 its rows straight to the plane. */
  use: number[];
  /** Row stride of the planes (≥ w) and rows below the level. */
  stride: number;
  below: number;
  /** Rows per dwtFeedPixels call (cycled). */
  chunks: number[];
  pixels: Uint8Array;
  /** What the planes hold before (outside the level it must stay). */
  init: Uint32Array;
}

function makeCase(rng: Prng, w: number, h: number, opts: Partial<Case> = {}): Case {
  const comps = opts.comps ?? rng.range(1, 4);
  const mct = opts.mct ?? (comps >= 3 ? rng.int(3) : 0);
  const rev = opts.rev ?? (mct === 0 ? rng.chance(0.5) : mct === 1);
  const bps = opts.bps ?? ([1, 2, 4] as const)[rng.int(3)]!;
  const bits = opts.bits ?? (bps === 1 ? 8 : bps === 2 ? rng.range(9, 16) : rng.range(12, 20));
  const signed = opts.signed ?? rng.chance(0.3);
  const use = opts.use ?? Array.from({ length: comps }, () => [0, 1, 1, 1, 2][rng.int(5)]!);
  const stride = w + (opts.stride ?? rng.int(3));
  const below = opts.below ?? rng.int(2);
  const chunks = opts.chunks ?? [rng.range(1, 7), rng.range(1, 3), rng.range(1, 50)];
  const pixels = new Uint8Array(w * h * comps * bps);
  const dv = new DataView(pixels.buffer);
  for (let i = 0; i < w * h * comps; i++) {
    const v = rng.int(2 ** bits) - (signed ? 2 ** (bits - 1) : 0);
    if (bps === 1) dv.setUint8(i, v & 0xff);
    else if (bps === 2) dv.setUint16(2 * i, v & 0xffff, true);
    else dv.setInt32(4 * i, v, true);
  }
  const init = new Uint32Array(comps * stride * (h + below));
  for (let i = 0; i < init.length; i++) init[i] = rng.next();
  return { w, h, xo: opts.xo ?? rng.int(2), yo: opts.yo ?? rng.int(2), comps, mct, rev, bps, bits, signed, use, stride, below, chunks, pixels, init };
}

const planeLen = (cs: Case) => cs.stride * (cs.h + cs.below);
const dcOf = (cs: Case) => (cs.signed ? 0 : 2 ** (cs.bits - 1));

/** Set up the planes and the pixels in instance `c`; returns [pixels, planes[]]. */
function load(c: Kernels & CoreExports, cs: Case): { src: number; planes: number[] } {
  const src = c.alloc(cs.pixels.length + 16);
  new Uint8Array(c.memory.buffer, src, cs.pixels.length).set(cs.pixels);
  const n = planeLen(cs);
  const planes = Array.from({ length: cs.comps }, (_, i) => {
    const p = c.alloc(n * 4);
    new Uint32Array(c.memory.buffer, p, n).set(cs.init.subarray(i * n, (i + 1) * n));
    return p;
  });
  return { src, planes };
}

const read = (c: CoreExports, cs: Case, planes: number[]) => planes.map((p) => new Uint32Array(c.memory.buffer, p, planeLen(cs)).slice());

/** The planes as src/encode.ts + the encoder made them: whole planes unpacked (MCT applied), then the level on the components used with 1. */
function reference(cs: Case): Uint32Array[] {
  return callCore((c0) => {
    const c = k(c0);
    const { src, planes } = load(c, cs);
    const step = cs.comps, srcStride = cs.w * cs.comps, sgn = cs.signed ? 1 : 0, dc = dcOf(cs);
    // (the unwanted components' planes: scratch planes, the real ones stay as they were)
    const n = planeLen(cs);
    const into = planes.map((p, i) => (cs.use[i] === 0 ? c.alloc(n * 4) : p));
    let first = 0;
    if (cs.mct === 2) {
      c.unpackIctForward(src, step, srcStride, cs.bps, sgn, cs.w, cs.h, into[0]!, into[1]!, into[2]!, cs.stride, dc, dc, dc);
      first = 3;
    } else if (cs.mct === 1) {
      for (let i = 0; i < 3; i++) c.unpackComponent(src + i * cs.bps, step, srcStride, cs.bps, sgn, cs.w, cs.h, into[i]!, cs.stride, dc);
      c.rctForward(into[0]!, into[1]!, into[2]!, cs.stride, cs.w, cs.h);
      first = 3;
    }
    for (let i = first; i < cs.comps; i++) {
      if (cs.use[i] === 0) continue;
      (cs.rev ? c.unpackComponent : c.unpackComponentF32)(src + i * cs.bps, step, srcStride, cs.bps, sgn, cs.w, cs.h, into[i]!, cs.stride, dc);
    }
    const tmp = c.alloc(c.dwtScratchBytes(Math.max(cs.w, cs.h) + 2));
    for (let i = 0; i < cs.comps; i++) {
      if (cs.use[i] === 1) (cs.rev ? c.dwt53ForwardLevel : c.dwt97ForwardLevel)(planes[i]!, cs.stride, cs.w, cs.h, cs.xo, cs.yo, tmp);
    }
    return read(c, cs, planes);
  });
}

/** The planes made by the feed, rows given in chunks of cs.chunks rows. */
function fed(cs: Case): Uint32Array[] {
  return callCore((c0) => {
    const c = k(c0);
    const { src, planes } = load(c, cs);
    const table = c.alloc(16);
    const span = (4 * cs.w + 15) & ~15;
    const scratch = c.alloc(3 * span);
    const states = planes.map(() => c.alloc(c.dwtFeedBytes(cs.w)));
    const applied = states.map((st, i) => {
      if (cs.use[i] === 0) return 0;
      const kind = cs.use[i] === 1 ? (cs.rev ? 1 : 2) : 0;
      return c.dwtFeedBegin(st, planes[i]!, cs.stride, cs.w, cs.h, cs.xo, cs.yo, kind, cs.rev ? 1 : 0);
    });
    const t = new Uint32Array(c.memory.buffer, table, 4);
    for (let i = 0; i < 4; i++) t[i] = i < cs.comps && cs.use[i] !== 0 ? states[i]! : 0;
    const rowBytes = cs.w * cs.comps * cs.bps;
    for (let r = 0, j = 0; r < cs.h; j++) {
      const rows = Math.min(cs.chunks[j % cs.chunks.length]!, cs.h - r);
      c.dwtFeedPixels(table, cs.comps, cs.mct, src + r * rowBytes, cs.comps, cs.w * cs.comps, cs.bps, cs.signed ? 1 : 0, cs.w, rows, dcOf(cs), scratch);
      r += rows;
    }
    states.forEach((st, i) => cs.use[i] !== 0 && c.dwtFeedFinish(st));
    // (h < 2: the rows went to the plane, the caller runs the level)
    const tmp = c.alloc(c.dwtScratchBytes(Math.max(cs.w, cs.h) + 2));
    for (let i = 0; i < cs.comps; i++) {
      if (cs.use[i] === 1 && applied[i] === 0) (cs.rev ? c.dwt53ForwardLevel : c.dwt97ForwardLevel)(planes[i]!, cs.stride, cs.w, cs.h, cs.xo, cs.yo, tmp);
    }
    return read(c, cs, planes);
  });
}

function expectSame(cs: Case, what: string): void {
  const want = reference(cs), got = fed(cs);
  const label = `${what}: ${cs.w}x${cs.h} parity (${cs.xo},${cs.yo}) ${cs.comps} comps mct ${cs.mct} ${cs.rev ? "5/3" : "9/7"} ${cs.bits}-bit${cs.signed ? " signed" : ""} in ${cs.bps} bytes, use ${cs.use.join("")}, chunks ${cs.chunks.join(",")}`;
  for (let i = 0; i < cs.comps; i++) {
    const g = got[i]!, wv = want[i]!;
    for (let j = 0; j < wv.length; j++) {
      if (g[j] !== wv[j]) {
        const r = Math.floor(j / cs.stride), x = j % cs.stride;
        expect(`${label}: component ${i} row ${r} col ${x} ${g[j]}`).toBe(`${label}: component ${i} row ${r} col ${x} ${wv[j]}`);
      }
    }
  }
}

afterAll(() => useFlavor(null));

for (const flavor of ["scalar", "simd"] as const) {
  describe(`forward DWT level fed from pixels (${flavor} build)`, () => {
    it("equals unpack + the level on every height up to 40, widths 1-9 and 37, both parities", () => {
      useFlavor(flavor);
      const rng = new Prng(0xfeed1);
      let n = 0;
      for (let h = 1; h <= 40; h++) {
        for (const w of [1, 2, 3, 4, 5, 6, 7, 8, 9, 37]) {
          expectSame(makeCase(rng, w, h), "level");
          n++;
        }
      }
      expect(n).toBe(400);
    });

    it("equals unpack + the level for 8-bit RGB and RGBx with the ICT and the RCT (the 4-pixel unpack), tall and wide", () => {
      useFlavor(flavor);
      const rng = new Prng(0xfeed2);
      const sizes: Array<[number, number]> = [[64, 65], [131, 129], [257, 34], [6, 300], [17, 203], [1, 99], [2, 77]];
      for (const [w, h] of sizes) {
        for (const comps of [3, 4]) {
          for (const mct of [1, 2]) {
            for (const yo of [0, 1]) {
              expectSame(makeCase(rng, w, h, { comps, mct, bps: 1, bits: 8, signed: false, yo, use: [1, 1, 1, 1].slice(0, comps) }), "rgb");
              // (the ICT's outputs not wanted are not computed: unpackIctRowSome)
              for (const use of [[1, 0, 1, 2], [0, 1, 0, 0], [2, 0, 0, 1]]) {
                expectSame(makeCase(rng, w, h, { comps, mct, bps: 1, bits: 8, signed: false, yo, use: use.slice(0, comps) }), "rgb some");
              }
            }
          }
        }
      }
    });

    it("equals unpack + the level when a component is not wanted or its rows go straight to the plane, rows one at a time or all at once", () => {
      useFlavor(flavor);
      const rng = new Prng(0xfeed3);
      const uses = [[1, 0, 1], [0, 1, 0], [2, 1, 0], [1, 2, 2], [0, 0, 1]];
      for (const use of uses) {
        for (const chunks of [[1], [1000], [3, 5]]) {
          for (const mct of [0, 1, 2]) {
            expectSame(makeCase(rng, rng.range(1, 70), rng.range(2, 90), { comps: 3, mct, use, chunks }), "use");
          }
        }
      }
    });

    it("equals unpack + the level for one 16-bit component, signed and unsigned, 12 bits in 2 bytes", () => {
      useFlavor(flavor);
      const rng = new Prng(0xfeed4);
      for (const signed of [false, true]) {
        for (const bits of [12, 16]) {
          for (const rev of [false, true]) {
            expectSame(makeCase(rng, 200, 151, { comps: 1, mct: 0, rev, bps: 2, bits, signed, use: [1], xo: 1, yo: 1 }), "grey");
          }
        }
      }
    });
  });
}
