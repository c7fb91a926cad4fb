/**
 * Sample packing (codec/transform/pixel_pack.ts): planes ↔ pixel-interleaved / planar host arrays of
 * 1, 2 and 4 bytes per sample, signed and unsigned, 1–4 (and 5) components, odd sizes; saturation to
 * the host type; the DC level shift on unpacking (G.1.2); sample-replication upsampling of
 * sub-sampled components (B.2 grid), all against TypeScript written from the documented rules.
 */
import { afterAll, describe, expect, it } from "vitest";
import { callCore, useFlavor, type CoreExports } from "../../src/wasm/load.js";
import { Prng } from "../helpers/prng.js";

interface PackKernels {
  packComponent(src: number, srcStride: number, w: number, h: number, dst: number, dstStep: number, dstStride: number, bytes: number, signed: number): void;
  packInterleaved(planes: number, numComps: number, srcStride: number, w: number, h: number, dst: number, dstStride: number, bytes: number, signed: number): void;
  packComponentUpsampled(src: number, srcStride: number, cx0: number, cy0: number, cw: number, ch: number, dx: number, dy: number, gx0: number, gy0: number, w: number, h: number, dst: number, dstStep: number, dstStride: number, bytes: number, signed: number): void;
  unpackComponent(src: number, srcStep: number, srcStride: number, bytes: number, signed: number, w: number, h: number, dst: number, dstStride: number, dcShift: number): void;
  unpackComponentF32(src: number, srcStep: number, srcStride: number, bytes: number, signed: number, w: number, h: number, dst: number, dstStride: number, dcShift: number): void;
}
const k = (c: CoreExports): PackKernels & CoreExports => c as unknown as PackKernels & CoreExports;

type HostArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Int32Array;
function hostType(bytes: number, signed: boolean): { new (b: ArrayBuffer, o: number, n: number): HostArray; new (n: number): HostArray; min: number; max: number } {
  const t = bytes === 1 ? (signed ? Int8Array : Uint8Array) : bytes === 2 ? (signed ? Int16Array : Uint16Array) : Int32Array;
  const min = bytes === 4 ? -2147483648 : signed ? -(2 ** (8 * bytes - 1)) : 0;
  const max = bytes === 4 ? 2147483647 : signed ? 2 ** (8 * bytes - 1) - 1 : 2 ** (8 * bytes) - 1;
  return Object.assign(t as never, { min, max });
}

const sat = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

afterAll(() => useFlavor(null));

const SIZES: Array<[number, number]> = [[1, 1], [2, 3], [5, 1], [1, 6], [7, 5], [15, 2], [16, 3], [17, 4], [33, 3], [41, 7]];

for (const flavor of ["scalar", "simd"] as const) {
  describe(`pixel packing (${flavor} build)`, () => {
    it("pack then unpack round-trips for 1/2/4 bytes, signed/unsigned, 1-4 components, with DC shift", () => {
      useFlavor(flavor);
      const rng = new Prng(0x7001);
      for (const [w, h] of SIZES) {
        for (const bytes of [1, 2, 4]) {
          for (const signed of [false, true]) {
            for (const nc of [1, 2, 3, 4]) {
              const T = hostType(bytes, signed);
              const prec = bytes === 4 ? rng.range(17, 31) : rng.range(1, 8 * bytes);
              const shift = signed ? 0 : 2 ** (prec - 1);
              const lo = signed ? -(2 ** (prec - 1)) : 0;
              const hi = signed ? 2 ** (prec - 1) - 1 : 2 ** prec - 1;
              const srcStride = w + rng.int(3);
              const hostStride = w * nc + rng.int(3) * nc;
              // host image
              const host = new T(hostStride * h);
              for (let i = 0; i < host.length; i++) host[i] = rng.range(Math.max(lo, T.min), Math.min(hi, T.max));
              const res = callCore((c0) => {
                const c = k(c0);
                const hp = c.alloc(host.length * bytes + 4);
                const planes = Array.from({ length: nc }, () => c.alloc(srcStride * h * 4));
                const out = c.alloc(host.length * bytes + 4);
                const ptrs = c.alloc(4 * nc);
                new T(c.memory.buffer, hp, host.length).set(host);
                new Uint32Array(c.memory.buffer, ptrs, nc).set(planes);
                for (let ci = 0; ci < nc; ci++) c.unpackComponent(hp + ci * bytes, nc, hostStride, bytes, signed ? 1 : 0, w, h, planes[ci]!, srcStride, shift);
                const planeVals = planes.map((p) => Array.from(new Int32Array(c.memory.buffer, p, srcStride * h)));
                // undo the shift in place, then pack back, once per component and once fused
                for (const p of planes) {
                  const v = new Int32Array(c.memory.buffer, p, srcStride * h);
                  for (let i = 0; i < v.length; i++) v[i] = v[i]! + shift;
                }
                new T(c.memory.buffer, out, host.length).fill(0);
                for (let ci = 0; ci < nc; ci++) c.packComponent(planes[ci]!, srcStride, w, h, out + ci * bytes, nc, hostStride, bytes, signed ? 1 : 0);
                const back1 = Array.from(new T(c.memory.buffer, out, host.length));
                new T(c.memory.buffer, out, host.length).fill(0);
                c.packInterleaved(ptrs, nc, srcStride, w, h, out, hostStride, bytes, signed ? 1 : 0);
                const back2 = Array.from(new T(c.memory.buffer, out, host.length));
                return { planeVals, back1, back2 };
              });
              const tag = `${w}x${h} ${bytes}B ${signed ? "s" : "u"} nc=${nc} prec=${prec}`;
              for (let ci = 0; ci < nc; ci++) {
                for (let y = 0; y < h; y++) {
                  for (let x = 0; x < w; x++) {
                    expect(res.planeVals[ci]![y * srcStride + x], tag).toBe(host[y * hostStride + x * nc + ci]! - shift);
                  }
                }
              }
              const want = Array.from(host).map((v, i) => (i % hostStride < w * nc ? v : 0));
              expect(res.back1, tag).toEqual(want);
              expect(res.back2, tag).toEqual(want);
            }
          }
        }
      }
    });

    it("packing saturates to the host type; packInterleaved handles 5 components", () => {
      useFlavor(flavor);
      const rng = new Prng(0x7002);
      for (const [w, h] of SIZES) {
        for (const bytes of [1, 2, 4]) {
          for (const signed of [false, true]) {
            for (const nc of [1, 3, 4, 5]) {
              const T = hostType(bytes, signed);
              const planes: number[][] = [];
              for (let ci = 0; ci < nc; ci++) {
                const a: number[] = [];
                for (let i = 0; i < w * h; i++) a.push(rng.chance(0.5) ? rng.range(-70000, 70000) : rng.pick([-2147483648, 2147483647, -129, -128, 127, 128, 255, 256, -32769, 32767, 32768, 65535, 65536, -1, 0]));
                planes.push(a);
              }
              const got = callCore((c0) => {
                const c = k(c0);
                const ptrs = c.alloc(4 * nc);
                const pl = planes.map(() => c.alloc(w * h * 4));
                const out = c.alloc(w * h * nc * bytes);
                pl.forEach((p, i) => new Int32Array(c.memory.buffer, p, w * h).set(planes[i]!));
                new Uint32Array(c.memory.buffer, ptrs, nc).set(pl);
                c.packInterleaved(ptrs, nc, w, w, h, out, w * nc, bytes, signed ? 1 : 0);
                return Array.from(new T(c.memory.buffer, out, w * h * nc));
              });
              const want: number[] = [];
              for (let i = 0; i < w * h; i++) for (let ci = 0; ci < nc; ci++) want.push(sat(planes[ci]![i]!, T.min, T.max));
              expect(got, `${w}x${h} ${bytes}B ${signed ? "s" : "u"} nc=${nc}`).toEqual(want);
            }
          }
        }
      }
    });

    it("unpackComponentF32 converts after the shift; planar and interleaved (3, 4 components) unpack from an offset row stride", () => {
      useFlavor(flavor);
      const rng = new Prng(0x7003);
      for (const [w, h] of [...SIZES, [64, 2] as [number, number]]) {
        for (const bytes of [1, 2, 4]) {
          for (const signed of [false, true]) {
            for (const nc of [1, 3, 4]) {
              const T = hostType(bytes, signed);
              const ci = rng.int(nc);
              const stride = w * nc + rng.int(5);
              const host = new T(stride * h);
              for (let i = 0; i < host.length; i++) host[i] = rng.range(Math.max(T.min, -(2 ** 30)), Math.min(T.max, 2 ** 30));
              const shift = signed ? 0 : bytes === 1 ? 128 : bytes === 2 ? 32768 : 1 << 20;
              const got = callCore((c0) => {
                const c = k(c0);
                const hp = c.alloc(host.length * bytes);
                const dst = c.alloc(w * h * 4);
                new T(c.memory.buffer, hp, host.length).set(host);
                c.unpackComponentF32(hp + ci * bytes, nc, stride, bytes, signed ? 1 : 0, w, h, dst, w, shift);
                return Array.from(new Float32Array(c.memory.buffer, dst, w * h));
              });
              const want: number[] = [];
              for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) want.push(Math.fround(host[y * stride + x * nc + ci]! - shift));
              expect(got, `${w}x${h} ${bytes}B ${signed ? "s" : "u"} nc=${nc} component ${ci}`).toEqual(want);
            }
          }
        }
      }
    });

    it("upsampling replicates sample floor(x/dx) clamped to the component's samples", () => {
      useFlavor(flavor);
      const rng = new Prng(0x7004);
      for (let t = 0; t < 60; t++) {
        const dx = rng.range(1, 4);
        const dy = rng.range(1, 4);
        // image area [X0, X1) × [Y0, Y1) on the reference grid
        const X0 = rng.range(0, 9);
        const Y0 = rng.range(0, 9);
        const X1 = X0 + rng.range(1, 23);
        const Y1 = Y0 + rng.range(1, 13);
        const cx0 = Math.ceil(X0 / dx);
        const cy0 = Math.ceil(Y0 / dy);
        const cw = Math.ceil(X1 / dx) - cx0;
        const ch = Math.ceil(Y1 / dy) - cy0;
        const bytes = rng.pick([1, 2, 4]);
        const signed = bytes !== 1 && rng.chance(0.5);
        const T = hostType(bytes, signed);
        const comp: number[] = [];
        for (let i = 0; i < cw * ch; i++) comp.push(rng.range(Math.max(T.min, -1000), Math.min(T.max, 1000)));
        const nc = rng.range(1, 3);
        const w = X1 - X0;
        const h = Y1 - Y0;
        const got = callCore((c0) => {
          const c = k(c0);
          const src = c.alloc(cw * ch * 4);
          const dst = c.alloc(w * h * nc * bytes);
          new Int32Array(c.memory.buffer, src, cw * ch).set(comp);
          new T(c.memory.buffer, dst, w * h * nc).fill(0);
          c.packComponentUpsampled(src, cw, cx0, cy0, cw, ch, dx, dy, X0, Y0, w, h, dst + (nc - 1) * bytes, nc, w * nc, bytes, signed ? 1 : 0);
          return Array.from(new T(c.memory.buffer, dst, w * h * nc));
        });
        const want: number[] = new Array(w * h * nc).fill(0);
        // a component may have no samples at all (B.2); then nothing is written
        if (cw > 0 && ch > 0) for (let y = Y0; y < Y1; y++) {
          for (let x = X0; x < X1; x++) {
            const xi = sat(Math.floor(x / dx) - cx0, 0, cw - 1);
            const yi = sat(Math.floor(y / dy) - cy0, 0, ch - 1);
            want[((y - Y0) * w + (x - X0)) * nc + nc - 1] = comp[yi * cw + xi]!;
          }
        }
        expect(got, `d=(${dx},${dy}) area [${X0},${X1})x[${Y0},${Y1})`).toEqual(want);
      }
    });
  });
}
