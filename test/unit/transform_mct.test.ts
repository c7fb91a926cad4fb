/**
 * Component transforms and output stages (codec/transform/mct.ts) against ISO/IEC 15444-1 Annex G
 * written out in TypeScript: RCT (G.2) exactly, ICT (G.3) both against the real-valued matrices and
 * bit-exactly against an f32 emulation (Math.fround after every operation), DC level shift (G.1.2),
 * clamping and round-half-even.
 */
import { afterAll, describe, expect, it } from "vitest";
import { callCore, useFlavor, type CoreExports } from "../../src/wasm/load.js";
import { Prng } from "../helpers/prng.js";

interface MctKernels {
  rctForward(p0: number, p1: number, p2: number, stride: number, w: number, h: number): void;
  rctInverse(p0: number, p1: number, p2: number, stride: number, w: number, h: number): void;
  ictForward(p0: number, p1: number, p2: number, stride: number, w: number, h: number): void;
  ictInverse(p0: number, p1: number, p2: number, stride: number, w: number, h: number): void;
  rctInverseToOutput(p0: number, p1: number, p2: number, stride: number, w: number, h: number, ...shiftMinMax: number[]): void;
  ictInverseToOutput(f0: number, f1: number, f2: number, srcStride: number, d0: number, d1: number, d2: number, dstStride: number, w: number, h: number, ...shiftMinMax: number[]): void;
  shiftClampI32(p: number, stride: number, w: number, h: number, shift: number, min: number, max: number): void;
  roundShiftClampF32(src: number, srcStride: number, dst: number, dstStride: number, w: number, h: number, shift: number, min: number, max: number): void;
  unpackComponentF32(src: number, srcStep: number, srcStride: number, bytes: number, signed: number, w: number, h: number, dst: number, dstStride: number, dcShift: number): void;
  unpackIctForward(src: number, srcStep: number, srcStride: number, bytes: number, signed: number, w: number, h: number, d0: number, d1: number, d2: number, dstStride: number, dc0: number, dc1: number, dc2: number): void;
}
const k = (c: CoreExports): MctKernels & CoreExports => c as unknown as MctKernels & CoreExports;
const f = Math.fround;

/** Round half to even (the kernels' documented rounding). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Saturating f32 → i32 conversion of an already integral value (NaN → 0). */
function satI32(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.max(-2147483648, Math.min(2147483647, x));
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

// G.3 inverse in f32 exactly as documented: I0 = Y0 + 1.402·Y2; I1 = (Y0 + (−0.34413)·Y1) + (−0.71414)·Y2; I2 = Y0 + 1.772·Y1
function ictInvF32(y0: number, y1: number, y2: number): [number, number, number] {
  return [
    f(y0 + f(f(1.402) * y2)),
    f(f(y0 + f(f(-0.34413) * y1)) + f(f(-0.71414) * y2)),
    f(y0 + f(f(1.772) * y1)),
  ];
}

interface Planes {
  w: number;
  h: number;
  stride: number;
  data: number[][]; // 3 planes, stride-padded
}

function randomPlanes(rng: Prng, w: number, h: number, lo: number, hi: number, float = false): Planes {
  const stride = w + rng.int(4);
  const data = [0, 1, 2].map(() => {
    const a: number[] = [];
    for (let i = 0; i < stride * h; i++) a.push(float ? f(lo + (hi - lo) * (rng.next() / 4294967296)) : rng.range(lo, hi));
    return a;
  });
  return { w, h, stride, data };
}

/** Run `fn` on three i32 (or f32) planes in the core; returns the planes afterwards. */
function onPlanes(p: Planes, kind: "i32" | "f32", fn: (c: MctKernels, ptrs: number[]) => void, outKind: "i32" | "f32" = kind): number[][] {
  return callCore((c0) => {
    const c = k(c0);
    const n = p.stride * p.h;
    const ptrs = [0, 1, 2].map(() => c.alloc(Math.max(4, n * 4)));
    const In = kind === "i32" ? Int32Array : Float32Array;
    ptrs.forEach((ptr, i) => new In(c.memory.buffer, ptr, n).set(p.data[i]!));
    fn(c, ptrs);
    const Out = outKind === "i32" ? Int32Array : Float32Array;
    return ptrs.map((ptr) => Array.from(new Out(c.memory.buffer, ptr, n)));
  });
}

afterAll(() => useFlavor(null));

const SIZES: Array<[number, number]> = [[1, 1], [3, 1], [1, 5], [4, 4], [7, 3], [17, 9], [64, 2], [33, 31]];

for (const flavor of ["scalar", "simd"] as const) {
  describe(`MCT and output stages (${flavor} build)`, () => {
    it("RCT forward matches G.2 and inverse(forward(x)) == x exactly", () => {
      useFlavor(flavor);
      const rng = new Prng(0x6301);
      for (const [w, h] of SIZES) {
        for (const range of [255, 1 << 15, 1 << 24]) {
          const p = randomPlanes(rng, w, h, -range, range);
          const fwd = onPlanes(p, "i32", (c, [a, b, d]) => c.rctForward(a!, b!, d!, p.stride, w, h));
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < w; x++) {
              const i = y * p.stride + x;
              const [i0, i1, i2] = [p.data[0]![i]!, p.data[1]![i]!, p.data[2]![i]!];
              expect([fwd[0]![i], fwd[1]![i], fwd[2]![i]]).toEqual([Math.floor((i0 + 2 * i1 + i2) / 4), i2 - i1, i0 - i1]);
            }
          }
          // padding untouched
          for (let y = 0; y < h; y++) for (let x = w; x < p.stride; x++) expect(fwd[0]![y * p.stride + x]).toBe(p.data[0]![y * p.stride + x]);
          const back = onPlanes({ ...p, data: fwd }, "i32", (c, [a, b, d]) => c.rctInverse(a!, b!, d!, p.stride, w, h));
          expect(back).toEqual(p.data);
        }
      }
    });

    it("rctInverseToOutput = inverse RCT (G.2) + DC level shift + clamp", () => {
      useFlavor(flavor);
      const rng = new Prng(0x6302);
      for (const [w, h] of SIZES) {
        const p = randomPlanes(rng, w, h, -600, 600);
        const prm = [128, 0, 2048, 0, -128, 0, 255, 127, 4095]; // shifts, mins, maxs
        const out = onPlanes(p, "i32", (c, [a, b, d]) => c.rctInverseToOutput(a!, b!, d!, p.stride, w, h, ...prm));
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const i = y * p.stride + x;
            const [y0, y1, y2] = [p.data[0]![i]!, p.data[1]![i]!, p.data[2]![i]!];
            const i1 = y0 - Math.floor((y2 + y1) / 4);
            const want = [y2 + i1, i1, y1 + i1].map((v, c) => clamp(v + prm[c]!, prm[3 + c]!, prm[6 + c]!));
            expect([out[0]![i], out[1]![i], out[2]![i]]).toEqual(want);
          }
        }
      }
    });

    it("ICT forward/inverse follow the G.3 matrices (f64 within 1e-5) and their f32 evaluation exactly", () => {
      useFlavor(flavor);
      const rng = new Prng(0x6303);
      for (const [w, h] of SIZES) {
        const p = randomPlanes(rng, w, h, -2048, 2048, true);
        const fwd = onPlanes(p, "f32", (c, [a, b, d]) => c.ictForward(a!, b!, d!, p.stride, w, h));
        const inv = onPlanes(p, "f32", (c, [a, b, d]) => c.ictInverse(a!, b!, d!, p.stride, w, h));
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const i = y * p.stride + x;
            const [r, g, b] = [p.data[0]![i]!, p.data[1]![i]!, p.data[2]![i]!];
            const y0 = 0.299 * r + 0.587 * g + 0.114 * b;
            const y1 = -0.16875 * r - 0.33126 * g + 0.5 * b;
            const y2 = 0.5 * r - 0.41869 * g - 0.08131 * b;
            expect(Math.abs(fwd[0]![i]! - y0)).toBeLessThan(1e-3);
            expect(Math.abs(fwd[1]![i]! - y1)).toBeLessThan(1e-3);
            expect(Math.abs(fwd[2]![i]! - y2)).toBeLessThan(1e-3);
            // f32 evaluation order documented in mct.ts: ((c0·I0 + c1·I1) + c2·I2)
            expect(fwd[0]![i]).toBe(f(f(f(f(0.299) * r) + f(f(0.587) * g)) + f(f(0.114) * b)));
            const [e0, e1, e2] = [r + 1.402 * b, r - 0.34413 * g - 0.71414 * b, r + 1.772 * g];
            expect(Math.abs(inv[0]! [i]! - e0)).toBeLessThan(1e-3);
            expect(Math.abs(inv[1]![i]! - e1)).toBeLessThan(1e-3);
            expect(Math.abs(inv[2]![i]! - e2)).toBeLessThan(1e-3);
            expect([inv[0]![i], inv[1]![i], inv[2]![i]]).toEqual(ictInvF32(r, g, b));
          }
        }
        // forward then inverse is close to the identity (the G.3 matrices are inverses to ~1e-5)
        const round = onPlanes({ ...p, data: fwd }, "f32", (c, [a, b, d]) => c.ictInverse(a!, b!, d!, p.stride, w, h));
        for (let i = 0; i < p.stride * h; i++) {
          if (i % p.stride >= w) continue;
          for (let c = 0; c < 3; c++) expect(Math.abs(round[c]![i]! - p.data[c]![i]!)).toBeLessThan(0.1);
        }
      }
    });

    it("ictInverseToOutput rounds half to even, shifts, clamps, and may run in place", () => {
      useFlavor(flavor);
      const rng = new Prng(0x6304);
      for (const [w, h] of SIZES) {
        const p = randomPlanes(rng, w, h, -300, 300, true);
        // sprinkle exact halves and specials
        const specials = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 1e10, -1e10, NaN, Infinity, -Infinity, 0];
        for (let i = 0; i < p.data[0]!.length; i += 3) p.data[0]![i] = specials[i % specials.length]!;
        for (let i = 1; i < p.data[1]!.length; i += 5) p.data[1]![i] = 0;
        for (let i = 1; i < p.data[2]!.length; i += 5) p.data[2]![i] = 0;
        const prm = [128, 128, 128, 0, 0, 0, 255, 255, 255];
        const inPlace = onPlanes(p, "f32", (c, [a, b, d]) => c.ictInverseToOutput(a!, b!, d!, p.stride, a!, b!, d!, p.stride, w, h, ...prm), "i32");
        // separate destination with another stride
        const dstStride = w + 3;
        const sep = callCore((c0) => {
          const c = k(c0);
          const n = p.stride * h;
          const src = [0, 1, 2].map(() => c.alloc(n * 4));
          const dst = [0, 1, 2].map(() => c.alloc(dstStride * h * 4));
          src.forEach((ptr, i) => new Float32Array(c.memory.buffer, ptr, n).set(p.data[i]!));
          c.ictInverseToOutput(src[0]!, src[1]!, src[2]!, p.stride, dst[0]!, dst[1]!, dst[2]!, dstStride, w, h, ...prm);
          return dst.map((ptr) => Array.from(new Int32Array(c.memory.buffer, ptr, dstStride * h)));
        });
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const i = y * p.stride + x;
            const want = ictInvF32(p.data[0]![i]!, p.data[1]![i]!, p.data[2]![i]!).map((v, c) => clamp(satI32(roundHalfEven(v)) + prm[c]!, prm[3 + c]!, prm[6 + c]!));
            expect([inPlace[0]![i], inPlace[1]![i], inPlace[2]![i]], `(${x},${y}) from ${p.data[0]![i]}`).toEqual(want);
            const j = y * dstStride + x;
            expect([sep[0]![j], sep[1]![j], sep[2]![j]]).toEqual(want);
          }
        }
      }
    });

    it("shiftClampI32 and roundShiftClampF32 handle shifts, range edges and extreme values", () => {
      useFlavor(flavor);
      const rng = new Prng(0x6305);
      const extremes = [-2147483648, 2147483647, -1, 0, 1, 4095, 4096, -2049, -2048, 2047, 2048];
      for (const [w, h] of SIZES) {
        const p = randomPlanes(rng, w, h, -5000, 5000);
        for (let i = 0; i < p.data[0]!.length; i += 2) p.data[0]![i] = extremes[i % extremes.length]!;
        for (const [shift, lo, hi] of [[2048, 0, 4095], [0, -2048, 2047], [1 << 30, 0, 2147483647], [-(1 << 30), -2147483648, 0]] as const) {
          const out = onPlanes(p, "i32", (c, [a]) => c.shiftClampI32(a!, p.stride, w, h, shift, lo, hi));
          for (let i = 0; i < p.stride * h; i++) {
            const want = i % p.stride < w ? clamp(p.data[0]![i]! + shift, lo, hi) : p.data[0]![i]!;
            expect(out[0]![i], `v=${p.data[0]![i]} shift=${shift}`).toBe(want);
          }
        }
        const q = randomPlanes(rng, w, h, -5000, 5000, true);
        const sp = [0.5, 1.5, 2.5, -0.5, -2.5, 3.5, 4095.5, NaN, Infinity, -Infinity, 3e9, -3e9, -0];
        for (let i = 0; i < q.data[0]!.length; i += 2) q.data[0]![i] = f(sp[i % sp.length]!);
        const out = onPlanes(q, "f32", (c, [a]) => c.roundShiftClampF32(a!, q.stride, a!, q.stride, w, h, 2048, 0, 4095), "i32");
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const i = y * q.stride + x;
            expect(out[0]![i], `v=${q.data[0]![i]}`).toBe(clamp(satI32(roundHalfEven(q.data[0]![i]!)) + 2048, 0, 4095));
          }
        }
      }
    });

    it("unpackIctForward gives exactly unpackComponentF32 of components 0-2 followed by ictForward", () => {
      useFlavor(flavor);
      const rng = new Prng(0x6c07);
      for (const [w, h] of [...SIZES, [70, 3] as [number, number]]) {
        for (const bytes of [1, 2, 4]) {
          for (const nc of [3, 4]) {
            const signed = rng.chance(0.3);
            const hostStride = w * nc + rng.int(3) * nc;
            const host = new Uint8Array(hostStride * h * bytes).map(() => rng.int(256));
            const dc = signed ? 0 : bytes === 1 ? 128 : bytes === 2 ? 2048 : 1 << 20;
            const dstStride = w + rng.int(3);
            const run = (fused: boolean): number[][] =>
              callCore((c0) => {
                const c = k(c0);
                const hp = c.alloc(host.length);
                new Uint8Array(c.memory.buffer, hp, host.length).set(host);
                const planes = [0, 1, 2].map(() => c.alloc(dstStride * h * 4));
                if (fused) c.unpackIctForward(hp, nc, hostStride, bytes, signed ? 1 : 0, w, h, planes[0]!, planes[1]!, planes[2]!, dstStride, dc, dc, dc);
                else {
                  for (let i = 0; i < 3; i++) c.unpackComponentF32(hp + i * bytes, nc, hostStride, bytes, signed ? 1 : 0, w, h, planes[i]!, dstStride, dc);
                  c.ictForward(planes[0]!, planes[1]!, planes[2]!, dstStride, w, h);
                }
                // bit patterns, row by row (the padding is never written)
                return planes.map((p) => {
                  const v = new Uint32Array(c.memory.buffer, p, dstStride * h);
                  const rows: number[] = [];
                  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rows.push(v[y * dstStride + x]!);
                  return rows;
                });
              });
            const want = run(false);
            const got = run(true);
            expect(got, `${w}x${h} ${bytes}B nc=${nc} ${signed ? "signed" : "unsigned"}`).toEqual(want);
            // and the values are the ICT of the shifted samples (G.3), for a spot check of the wiring
            if (bytes === 1 && !signed) {
              const R = host[0]! - dc, G = host[1]! - dc, B = host[2]! - dc;
              expect(new Float32Array(new Uint32Array([got[0]![0]!]).buffer)[0]).toBe(f(f(f(f(0.299) * R) + f(f(0.587) * G)) + f(f(0.114) * B)));
            }
          }
        }
      }
    });
  });
}
