/**
 * The decoder's fused output kernels (codec/decode_output.ts) against the separate passes they
 * replace, sample for sample, in both builds:
 * - rctInverseRowPacked / ictInverseRowPacked = rctInverseToOutput / ictInverseToOutput (G.2 / G.3,
 *   DC level shift G.1.2, clamp) followed by packInterleaved;
 * - shiftClampRowPacked = shiftClampI32 / roundShiftClampF32 followed by packComponent;
 * - dwt53InverseLevelRing (the resumable 5/3 sweep writing a ring of rows a few low rows at a time,
 *   as the fused top level runs) = dwt53InverseLevel (F.3.8.1);
 * - dwt97InverseLevelRows (the row-streamed 9/7 level: horizontal pass as rows are needed, vertical
 *   lifting stages on rings of rows) = dwt97InverseLevel (F.3.8.2), bit for bit.
 * Values span far beyond the output ranges so that clamping and saturation are exercised, and the
 * widths cover the SIMD blocks (16 / 8 pixels) and their scalar tails.
 */
import { afterAll, describe, expect, it } from "vitest";
import { callCore, useFlavor, type CoreExports } from "../../src/wasm/load.js";
import { Prng } from "../helpers/prng.js";

interface Kernels {
  alloc(bytes: number): number;
  rctInverseToOutput(p0: number, p1: number, p2: number, stride: number, w: number, h: number, ...shiftMinMax: number[]): void;
  ictInverseToOutput(f0: number, f1: number, f2: number, srcStride: number, d0: number, d1: number, d2: number, dstStride: number, w: number, h: number, ...shiftMinMax: number[]): void;
  rctInverseRowPacked(p0: number, p1: number, p2: number, w: number, dst: number, bytes: number, signed: number, ...shiftMinMax: number[]): void;
  ictInverseRowPacked(f0: number, f1: number, f2: number, w: number, dst: number, bytes: number, signed: number, ...shiftMinMax: number[]): void;
  shiftClampI32(p: number, stride: number, w: number, h: number, shift: number, min: number, max: number): void;
  roundShiftClampF32(src: number, srcStride: number, dst: number, dstStride: number, w: number, h: number, shift: number, min: number, max: number): void;
  shiftClampRowPacked(src: number, flt: number, w: number, dst: number, dstStep: number, bytes: number, signed: number, shift: number, min: number, max: number): void;
  packInterleaved(planes: number, numComps: number, srcStride: number, w: number, h: number, dst: number, dstStride: number, bytes: number, signed: number): void;
  packComponent(src: number, srcStride: number, w: number, h: number, dst: number, dstStep: number, dstStride: number, bytes: number, signed: number): void;
  dwtScratchBytes(maxDim: number): number;
  dwt53InverseLevel(buf: number, stride: number, w: number, h: number, xOdd: number, yOdd: number, tmp: number): void;
  dwt53InverseLevelRing(src: number, dst: number, stride: number, w: number, h: number, xOdd: number, yOdd: number, k: number, tmp: number, ring: number): void;
  sweep53Bytes(w: number): number;
  dwt97InverseLevel(buf: number, stride: number, w: number, h: number, xOdd: number, yOdd: number, tmp: number): void;
  dwt97InverseLevelRows(buf: number, dst: number, stride: number, w: number, h: number, xOdd: number, yOdd: number, tmp: number, rings: number): void;
  sweep97Bytes(w: number): number;
}
const kern = (c: CoreExports): Kernels & CoreExports => c as unknown as Kernels & CoreExports;
const f = Math.fround;

afterAll(() => useFlavor(null));

const WIDTHS = [1, 3, 7, 8, 15, 16, 17, 31, 33, 48, 50];

/** [shift, min, max] per component for a precision / signedness (G.1.2 and the component's range). */
function rangeOf(prec: number, sgnd: boolean): [number, number, number] {
  return sgnd ? [0, -(2 ** (prec - 1)), 2 ** (prec - 1) - 1] : [2 ** (prec - 1), 0, 2 ** prec - 1];
}

/** Host bytes of `n` samples of `bytes` per sample at `ptr`, as numbers. */
function host(c: Kernels & CoreExports, ptr: number, n: number, bytes: number, signed: number): number[] {
  const b = c.memory.buffer;
  if (bytes === 1) return Array.from(signed ? new Int8Array(b, ptr, n) : new Uint8Array(b, ptr, n));
  if (bytes === 2) return Array.from(signed ? new Int16Array(b, ptr, n) : new Uint16Array(b, ptr, n));
  return Array.from(new Int32Array(b, ptr, n));
}

for (const flavor of ["scalar", "simd"] as const) {
  describe(`fused output kernels (${flavor} build)`, () => {
    it("rctInverseRowPacked / ictInverseRowPacked = the inverse MCT to output + packInterleaved", () => {
      useFlavor(flavor);
      const rng = new Prng(0xf05e);
      for (const w of WIDTHS) {
        for (const [bytes, signed, prec] of [[1, 0, 8], [1, 1, 8], [2, 0, 12], [2, 1, 16], [1, 0, 5], [4, 1, 20], [4, 0, 24]] as const) {
          for (const irr of [false, true]) {
            const span = 2 ** (prec + 1);
            const vals = [0, 1, 2].map(() => Array.from({ length: w }, () => (irr ? f((rng.next() / 4294967296 - 0.5) * 2 * span) : rng.range(-span, span))));
            const r = rangeOf(prec, signed === 1);
            const smm = [r[0], r[0], r[0], r[1], r[1], r[1], r[2], r[2], r[2]];
            const [want, got] = callCore((c0) => {
              const c = kern(c0);
              const In = irr ? Float32Array : Int32Array;
              const planes = [0, 1, 2].map(() => c.alloc(w * 4 + 16));
              const load = () => planes.forEach((p, i) => new In(c.memory.buffer, p, w).set(vals[i]!));
              const a = c.alloc(3 * w * bytes + 16);
              const b = c.alloc(3 * w * bytes + 16);
              load();
              if (irr) c.ictInverseToOutput(planes[0]!, planes[1]!, planes[2]!, w, planes[0]!, planes[1]!, planes[2]!, w, w, 1, ...smm);
              else c.rctInverseToOutput(planes[0]!, planes[1]!, planes[2]!, w, w, 1, ...smm);
              const ptrs = c.alloc(12);
              new Uint32Array(c.memory.buffer, ptrs, 3).set(planes);
              c.packInterleaved(ptrs, 3, w, w, 1, a, 3 * w, bytes, signed);
              load();
              if (irr) c.ictInverseRowPacked(planes[0]!, planes[1]!, planes[2]!, w, b, bytes, signed, ...smm);
              else c.rctInverseRowPacked(planes[0]!, planes[1]!, planes[2]!, w, b, bytes, signed, ...smm);
              return [host(c, a, 3 * w, bytes, signed), host(c, b, 3 * w, bytes, signed)];
            });
            expect(got, `w ${w} bytes ${bytes} signed ${signed} prec ${prec} ${irr ? "ICT" : "RCT"}`).toEqual(want);
          }
        }
      }
    });

    it("shiftClampRowPacked = shiftClampI32 / roundShiftClampF32 + packComponent (planar and interleaved steps)", () => {
      useFlavor(flavor);
      const rng = new Prng(0x5c1a);
      for (const w of WIDTHS) {
        for (const [bytes, signed, prec] of [[1, 0, 8], [1, 1, 7], [2, 0, 12], [2, 1, 16], [4, 1, 20]] as const) {
          for (const flt of [false, true]) {
            for (const step of [1, 3]) {
              const span = 2 ** (prec + 1);
              const vals = Array.from({ length: w }, () => (flt ? f((rng.next() / 4294967296 - 0.5) * 2 * span) : rng.range(-span, span)));
              const [shift, min, max] = rangeOf(prec, signed === 1);
              const [want, got] = callCore((c0) => {
                const c = kern(c0);
                const In = flt ? Float32Array : Int32Array;
                const p = c.alloc(w * 4 + 16);
                const n = w * step;
                const a = c.alloc(n * bytes + 16);
                const b = c.alloc(n * bytes + 16);
                new Uint8Array(c.memory.buffer, a, n * bytes).fill(0x77);
                new Uint8Array(c.memory.buffer, b, n * bytes).fill(0x77);
                new In(c.memory.buffer, p, w).set(vals);
                if (flt) c.roundShiftClampF32(p, w, p, w, w, 1, shift, min, max);
                else c.shiftClampI32(p, w, w, 1, shift, min, max);
                c.packComponent(p, w, w, 1, a, step, n, bytes, signed);
                new In(c.memory.buffer, p, w).set(vals);
                c.shiftClampRowPacked(p, flt ? 1 : 0, w, b, step, bytes, signed, shift, min, max);
                return [host(c, a, n, bytes, signed), host(c, b, n, bytes, signed)];
              });
              expect(got, `w ${w} bytes ${bytes} signed ${signed} ${flt ? "f32" : "i32"} step ${step}`).toEqual(want);
            }
          }
        }
      }
    });

    it("dwt53InverseLevelRing (the resumable sweep into a ring of rows) = dwt53InverseLevel", () => {
      useFlavor(flavor);
      const rng = new Prng(0x53a1);
      for (const [w, h] of [[1, 1], [1, 2], [2, 2], [5, 3], [9, 4], [17, 11], [40, 23], [33, 64], [8, 1], [70, 9]] as const) {
        for (const xOdd of [0, 1]) {
          for (const yOdd of [0, 1]) {
            for (const kRows of [1, 2, 3, 7]) {
              const stride = w + 3;
              const data = Array.from({ length: stride * h }, () => rng.range(-5000, 5000));
              const [want, got] = callCore((c0) => {
                const c = kern(c0);
                const a = c.alloc(stride * h * 4);
                const src = c.alloc(stride * h * 4);
                const dst = c.alloc(stride * h * 4);
                const tmp = c.alloc(c.dwtScratchBytes(Math.max(w, h)));
                const span = (w * 4 + 15) & ~15;
                const ring = (c.alloc((2 * kRows + 4) * span + 16) + 15) & ~15;
                const tmpRing = c.alloc(c.sweep53Bytes(w));
                new Int32Array(c.memory.buffer, a, stride * h).set(data);
                new Int32Array(c.memory.buffer, src, stride * h).set(data);
                new Int32Array(c.memory.buffer, dst, stride * h).fill(0x1234567);
                c.dwt53InverseLevel(a, stride, w, h, xOdd, yOdd, tmp);
                c.dwt53InverseLevelRing(src, dst, stride, w, h, xOdd, yOdd, kRows, tmpRing, ring);
                const pick = (p: number) => {
                  const v = new Int32Array(c.memory.buffer, p, stride * h);
                  const out: number[] = [];
                  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.push(v[y * stride + x]!);
                  return out;
                };
                expect(Array.from(new Int32Array(c.memory.buffer, src, stride * h)), "source written").toEqual(data);
                return [pick(a), pick(dst)];
              });
              expect(got, `${w}x${h} odd ${xOdd},${yOdd} k ${kRows}`).toEqual(want);
            }
          }
        }
      }
    });
    it("dwt97InverseLevelRows (the row-streamed 9/7 level) = dwt97InverseLevel bit for bit", () => {
      useFlavor(flavor);
      const rng = new Prng(0x97a1);
      for (const [w, h] of [[1, 1], [1, 2], [2, 2], [3, 3], [5, 4], [7, 9], [8, 8], [17, 11], [33, 40], [64, 5], [70, 33], [1, 7], [9, 1], [100, 64]] as const) {
        for (const xOdd of [0, 1]) {
          for (const yOdd of [0, 1]) {
            const stride = w + 3;
            const data = Array.from({ length: stride * h }, () => f((rng.next() / 4294967296 - 0.5) * 2000));
            const [want, got] = callCore((c0) => {
              const c = kern(c0);
              const a = c.alloc(stride * h * 4);
              const src = c.alloc(stride * h * 4);
              const dst = c.alloc(stride * h * 4);
              const tmp = c.alloc(c.dwtScratchBytes(Math.max(w, h)));
              const tmp2 = c.alloc(c.dwtScratchBytes(Math.max(w, h)));
              const rings = c.alloc(c.sweep97Bytes(w));
              new Float32Array(c.memory.buffer, a, stride * h).set(data);
              new Float32Array(c.memory.buffer, src, stride * h).set(data);
              new Float32Array(c.memory.buffer, dst, stride * h).fill(123.5);
              c.dwt97InverseLevel(a, stride, w, h, xOdd, yOdd, tmp);
              c.dwt97InverseLevelRows(src, dst, stride, w, h, xOdd, yOdd, tmp2, rings);
              const pick = (p: number) => {
                const v = new Uint32Array(c.memory.buffer, p, stride * h);
                const out: number[] = [];
                for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.push(v[y * stride + x]!);
                return out;
              };
              return [pick(a), pick(dst)];
            });
            expect(got, `${w}x${h} odd ${xOdd},${yOdd}`).toEqual(want);
          }
        }
      }
    });
  });
}
