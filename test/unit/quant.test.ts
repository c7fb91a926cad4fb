/**
 * Quantisation kernels (codec/quant): dequantisation fused into the code-block copy, with the ROI
 * max-shift of H.1 described through the magnitude bits K and the lowest decoded bit-plane p
 * (rather than through the kernel's bit tricks); the deadzone quantiser of E.1; step-size
 * exponent/mantissa coding (E.1.1.1, A.6.4); and the synthesis-basis L2 norms, measured here by running
 * the core's own inverse DWT on unit impulses.
 */
import { afterAll, describe, expect, it } from "vitest";
import { callCore, useFlavor, type CoreExports } from "../../src/wasm/load.js";
import { Prng } from "../helpers/prng.js";

type Level = (buf: number, stride: number, w: number, h: number, xOdd: number, yOdd: number, tmp: number) => void;
interface QuantKernels {
  dequantCopyRev(src: number, w: number, h: number, srcStride: number, dst: number, dstStride: number, roiShift: number): void;
  dequantCopyIrr(src: number, w: number, h: number, srcStride: number, dst: number, dstStride: number, halfStep: number, roiShift: number): void;
  quantizeCopyIrr(src: number, srcStride: number, w: number, h: number, dst: number, dstStride: number, invStep: number, fracBits: number): void;
  copyRev(src: number, srcStride: number, w: number, h: number, dst: number, dstStride: number): void;
  maxAbsF32(p: number, stride: number, w: number, h: number): number;
  quantizeCopyIrrMax(src: number, srcStride: number, w: number, h: number, dst: number, dstStride: number, invStep: number, fracBits: number): number;
  blockEnergy(coef: number, stride: number, w: number, h: number, fracBits: number): number;
  blockEnergySmall(coef: number, stride: number, w: number, h: number, fracBits: number): number;
  stepSizeEncode(step: number, rb: number): number;
  stepSizeDecode(eps: number, mu: number, rb: number): number;
  stepSizeDerivedExponent(eps0: number, numLevels: number, nb: number): number;
  subbandGainLog2(orient: number): number;
  bandMagnitudeBits(guard: number, eps: number): number;
  dwtSynthesisNorm(reversible: number, level: number, orient: number): number;
  dwtScratchBytes(maxDim: number): number;
  dwt53InverseLevel: Level;
  dwt97InverseLevel: Level;
}
const k = (c: CoreExports): QuantKernels & CoreExports => c as unknown as QuantKernels & CoreExports;
const f = Math.fround;

/**
 * A decoded value per the block coder's contract: magnitude bits K (a multiple of 2^p, ≥ 2^p) known
 * down to bit-plane p, doubled mid-point v = 2K + 2^p; or 0.
 */
interface Coef {
  sign: number;
  K: number;
  p: number;
  v: number; // signed value handed to the kernel
}

function randomCoef(rng: Prng, maxBits: number): Coef {
  if (rng.chance(0.1)) return { sign: 1, K: 0, p: 0, v: 0 };
  const bits = rng.range(1, maxBits);
  const p = rng.range(0, bits - 1);
  // K has its top bit at bits-1 and nothing below p
  let K = 2 ** (bits - 1);
  for (let b = p; b < bits - 1; b++) if (rng.chance(0.5)) K += 2 ** b;
  if (K % 2 ** p !== 0) K += 2 ** p - (K % 2 ** p);
  if (K < 2 ** p) K = 2 ** p;
  const sign = rng.chance(0.5) ? -1 : 1;
  return { sign, K, p, v: sign * (2 * K + 2 ** p) };
}

/** H.1: ROI if K ≥ 2^s; the shifted value is K >> s known down to plane max(p − s, 0). Returns the doubled mid-point. */
function roiAdjusted(c: Coef, s: number): number {
  if (c.v === 0) return 0;
  if (s <= 0 || s >= 30 || c.K < 2 ** s) return 2 * c.K + 2 ** c.p;
  return 2 * Math.floor(c.K / 2 ** s) + 2 ** Math.max(c.p - s, 0);
}

afterAll(() => useFlavor(null));

for (const flavor of ["scalar", "simd"] as const) {
  describe(`quantisation kernels (${flavor} build)`, () => {
    it("dequantCopyRev/Irr match the reference, with and without ROI max-shift", () => {
      useFlavor(flavor);
      const rng = new Prng(0x8001);
      for (let t = 0; t < 80; t++) {
        const w = rng.range(1, 64);
        const h = rng.range(1, 20);
        const s = t < 10 ? 0 : rng.pick([0, 1, 2, 3, 5, 8, 12, 20, 29, 30, 31, 37]);
        const maxBits = Math.min(29, rng.range(2, 14) + (s > 0 && s < 30 ? s : 0));
        const coefs: Coef[] = [];
        for (let i = 0; i < w * h; i++) coefs.push(randomCoef(rng, maxBits));
        const srcStride = w + rng.int(3);
        const dstStride = w + rng.int(5);
        const halfStep = f(rng.pick([0.5, 0.1234, 3.75, 1e-3, 17]));
        const got = callCore((c0) => {
          const c = k(c0);
          const src = c.alloc(srcStride * h * 4);
          const dst = c.alloc(dstStride * h * 4);
          const sv = new Int32Array(c.memory.buffer, src, srcStride * h);
          sv.fill(0x7777);
          for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) sv[y * srcStride + x] = coefs[y * w + x]!.v;
          new Int32Array(c.memory.buffer, dst, dstStride * h).fill(-99);
          c.dequantCopyRev(src, w, h, srcStride, dst, dstStride, s);
          const rev = Array.from(new Int32Array(c.memory.buffer, dst, dstStride * h));
          new Int32Array(c.memory.buffer, dst, dstStride * h).fill(-99);
          c.dequantCopyIrr(src, w, h, srcStride, dst, dstStride, halfStep, s);
          const irr = Array.from(new Float32Array(c.memory.buffer, dst, dstStride * h));
          const irrPad = Array.from(new Int32Array(c.memory.buffer, dst, dstStride * h));
          return { rev, irr, irrPad };
        });
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < dstStride; x++) {
            const i = y * dstStride + x;
            if (x >= w) {
              expect(got.rev[i]).toBe(-99);
              expect(got.irrPad[i]).toBe(-99);
              continue;
            }
            const cf = coefs[y * w + x]!;
            const vp = roiAdjusted(cf, s);
            const tag = `s=${s} K=${cf.K} p=${cf.p} v=${cf.v}`;
            expect(got.rev[i], tag).toBe(cf.sign * Math.floor(vp / 2) + 0);
            expect(got.irr[i], tag).toBe(f(f(cf.sign * vp) * halfStep));
          }
        }
      }
    });

    it("fully decoded ROI coefficients come back exactly (encoder scaled them by 2^s)", () => {
      useFlavor(flavor);
      const rng = new Prng(0x8002);
      for (const s of [1, 4, 7, 13]) {
        const q: number[] = [];
        const v: number[] = [];
        for (let i = 0; i < 64; i++) {
          const roi = rng.chance(0.5);
          // background magnitudes < 2^s, ROI magnitudes arbitrary, scaled up by 2^s (H.2)
          const mag = roi ? rng.range(1, 3000) : rng.range(0, 2 ** s - 1);
          const sign = rng.chance(0.5) ? -1 : 1;
          q.push(sign * mag);
          const coded = roi ? mag * 2 ** s : mag;
          v.push(coded === 0 ? 0 : sign * (2 * coded + 1));
        }
        const rev = callCore((c0) => {
          const c = k(c0);
          const src = c.alloc(256);
          const dst = c.alloc(256);
          new Int32Array(c.memory.buffer, src, 64).set(v);
          c.dequantCopyRev(src, 8, 8, 8, dst, 8, s);
          return Array.from(new Int32Array(c.memory.buffer, dst, 64));
        });
        expect(rev.map((x) => x + 0)).toEqual(q.map((x) => x + 0));
      }
    });

    it("quantizeCopyIrr is the deadzone quantiser with fracBits fractional bits; copyRev copies", () => {
      useFlavor(flavor);
      const rng = new Prng(0x8003);
      const specials = [0, -0, 0.49, -0.49, 1, -1, 2.9999, NaN, Infinity, -Infinity, 1e12, -1e12];
      for (let t = 0; t < 40; t++) {
        const w = rng.range(1, 40);
        const h = rng.range(1, 9);
        const fb = rng.pick([0, 1, 5, 10, 29]);
        const invStep = f(1 / rng.pick([0.25, 1, 3.3, 17.5, 1000]));
        const x: number[] = [];
        for (let i = 0; i < w * h; i++) x.push(rng.chance(0.1) ? f(specials[i % specials.length]!) : f((rng.next() / 4294967296 - 0.5) * 5000));
        const srcStride = w + rng.int(3);
        const got = callCore((c0) => {
          const c = k(c0);
          const src = c.alloc(srcStride * h * 4);
          const dst = c.alloc(w * h * 4);
          const sv = new Float32Array(c.memory.buffer, src, srcStride * h);
          for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) sv[y * srcStride + xx] = x[y * w + xx]!;
          c.quantizeCopyIrr(src, srcStride, w, h, dst, w, invStep, fb);
          return Array.from(new Int32Array(c.memory.buffer, dst, w * h));
        });
        const scale = f(invStep * 2 ** fb);
        const want = x.map((v) => {
          const m = f(Math.abs(v) * scale);
          const mag = Number.isNaN(m) ? 0 : Math.min(Math.trunc(Math.min(m, 2 ** 31)), 2 ** 30 - 1);
          return (Object.is(v, -0) || v < 0 ? -mag : mag) + 0;
        });
        expect(got.map((v) => v + 0), `fb=${fb} invStep=${invStep}`).toEqual(want);
        // the integer part is floor(|x| / Δ) (E.1) up to f32 rounding of the product
        for (let i = 0; i < x.length; i++) {
          const v = x[i]!;
          if (!Number.isFinite(v) || Math.abs(v) * invStep * 2 ** fb >= 2 ** 30 - 1) continue; // saturated
          const qi = Math.floor(Math.abs(got[i]!) / 2 ** fb);
          expect(Math.abs(qi - Math.floor(Math.abs(v) * invStep))).toBeLessThanOrEqual(Math.abs(v * invStep) % 1 < 1e-4 || Math.abs(v * invStep) % 1 > 1 - 1e-4 ? 1 : 0);
        }
      }
      const copied = callCore((c0) => {
        const c = k(c0);
        const src = c.alloc(4 * 30);
        const dst = c.alloc(4 * 30);
        new Int32Array(c.memory.buffer, src, 30).set(Array.from({ length: 30 }, (_, i) => i * 37 - 500));
        new Int32Array(c.memory.buffer, dst, 30).fill(1);
        c.copyRev(src, 6, 4, 5, dst, 6);
        return Array.from(new Int32Array(c.memory.buffer, dst, 30));
      });
      expect(copied).toEqual(Array.from({ length: 30 }, (_, i) => (i % 6 < 4 ? i * 37 - 500 : 1)));
    });

    it("maxAbsF32 and blockEnergy give exactly what the plain loops give (NaN ignored; row sums in order)", () => {
      useFlavor(flavor);
      const rng = new Prng(0x8004);
      const specials = [NaN, -0, Infinity, -Infinity, 3e38, -7.5];
      for (let t = 0; t < 60; t++) {
        const w = rng.range(1, 70);
        const h = rng.range(1, 70);
        const stride = w + rng.int(5);
        const fb = rng.pick([0, 3, 6, 12]);
        const xs = new Float32Array(stride * h);
        const cs = new Int32Array(stride * h);
        const big = rng.chance(0.5);
        for (let i = 0; i < xs.length; i++) {
          xs[i] = t % 5 === 0 && rng.chance(0.05) ? specials[rng.int(specials.length)]! : (rng.next() / 4294967296 - 0.5) * 1e4;
          // up to ±(2^30 − 1): squares beyond 2^53 round, so the order of the additions shows
          cs[i] = big ? rng.range(-(2 ** 30) + 1, 2 ** 30 - 1) : rng.range(-5000, 5000);
        }
        const [gotMax, gotEnergy] = callCore((c0) => {
          const c = k(c0);
          const px = c.alloc(xs.length * 4);
          const pc = c.alloc(cs.length * 4);
          new Float32Array(c.memory.buffer, px, xs.length).set(xs);
          new Int32Array(c.memory.buffer, pc, cs.length).set(cs);
          return [c.maxAbsF32(px, stride, w, h), c.blockEnergy(pc, stride, w, h, fb)];
        });
        let m = 0;
        let sum = 0;
        for (let y = 0; y < h; y++) {
          let s = 0;
          for (let x = 0; x < w; x++) {
            const v = Math.abs(xs[y * stride + x]!);
            if (v > m) m = v;
            const c = cs[y * stride + x]!;
            s += c * c;
          }
          sum += s;
        }
        expect(gotMax, `${w}x${h} stride ${stride}`).toBe(m);
        expect(gotEnergy, `${w}x${h} stride ${stride} fb ${fb}`).toBe(sum * (1 / 2 ** (2 * fb)));
        // quantizeCopyIrrMax = quantizeCopyIrr + maxAbsF32 in one pass
        const invStep = f(1 / rng.pick([0.25, 3.3, 1000]));
        const { fusedMax, fused, plain } = callCore((c0) => {
          const c = k(c0);
          const px = c.alloc(xs.length * 4);
          const d1 = c.alloc(w * h * 4);
          const d2 = c.alloc(w * h * 4);
          new Float32Array(c.memory.buffer, px, xs.length).set(xs);
          const mx = c.quantizeCopyIrrMax(px, stride, w, h, d1, w, invStep, fb);
          c.quantizeCopyIrr(px, stride, w, h, d2, w, invStep, fb);
          return { fusedMax: mx, fused: Array.from(new Int32Array(c.memory.buffer, d1, w * h)), plain: Array.from(new Int32Array(c.memory.buffer, d2, w * h)) };
        });
        expect(fusedMax, `${w}x${h} fused max`).toBe(m);
        expect(fused, `${w}x${h} fused quantisation`).toEqual(plain);
      }
    });

    it("blockEnergySmall gives blockEnergy's bits for coefficients below 2^15 (the encoder's exact shortcut)", () => {
      useFlavor(flavor);
      const rng = new Prng(0x8015);
      for (let t = 0; t < 80; t++) {
        // every width 1..70 (8-sample SIMD steps and scalar tails), extreme magnitudes ±32767 too
        const w = t < 70 ? t + 1 : rng.range(1, 70);
        const h = t === 0 ? 64 : rng.range(1, 70);
        const stride = w + rng.int(5);
        const fb = rng.pick([0, 3, 6, 7, 12]);
        const top = rng.pick([3, 300, 32767]);
        const cs = new Int32Array(stride * h);
        for (let i = 0; i < cs.length; i++) cs[i] = rng.chance(0.1) ? rng.pick([top, -top]) : rng.range(-top, top);
        const [small, full] = callCore((c0) => {
          const c = k(c0);
          const pc = c.alloc(cs.length * 4);
          new Int32Array(c.memory.buffer, pc, cs.length).set(cs);
          return [c.blockEnergySmall(pc, stride, w, h, fb), c.blockEnergy(pc, stride, w, h, fb)];
        });
        let sum = 0;
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) sum += cs[y * stride + x]! ** 2;
        expect(small, `${w}x${h} stride ${stride} fb ${fb} top ${top}`).toBe(full);
        expect(small).toBe(sum * (1 / 2 ** (2 * fb)));
      }
    });
  });
}

describe("step sizes (E.1.1.1, A.6.4)", () => {
  it("encode(decode(ε, μ)) is the identity and decode follows E.1.1.1", () => {
    callCore((c0) => {
      const c = k(c0);
      for (let eps = 0; eps < 32; eps++) {
        for (const mu of [0, 1, 2, 100, 1023, 1024, 2000, 2047]) {
          for (const rb of [8, 9, 10, 12, 17]) {
            const step = c.stepSizeDecode(eps, mu, rb);
            expect(step).toBe(2 ** (rb - eps) * (1 + mu / 2048));
            expect(c.stepSizeEncode(step, rb), `ε=${eps} μ=${mu} Rb=${rb}`).toBe((eps << 11) | mu);
          }
        }
      }
    });
  });

  it("encode picks the nearest representable step; out-of-range steps saturate", () => {
    callCore((c0) => {
      const c = k(c0);
      const rng = new Prng(0x8004);
      for (let t = 0; t < 500; t++) {
        const rb = rng.range(1, 20);
        const step = 2 ** (rb - rng.range(0, 30)) * (1 + rng.next() / 4294967296);
        const code = c.stepSizeEncode(step, rb);
        const eps = code >> 11;
        const mu = code & 2047;
        const back = c.stepSizeDecode(eps, mu, rb);
        // half a mantissa unit at this exponent
        expect(Math.abs(back - step)).toBeLessThanOrEqual(2 ** (rb - eps) / 4096 + 1e-12 * step);
      }
      expect(c.stepSizeEncode(2 ** 12, 8)).toBe(2047); // > 2^(Rb)·(1 + 2047/2048): ε = 0, μ = 2047
      expect(c.stepSizeEncode(2 ** -40, 8)).toBe(31 << 11);
      expect(c.stepSizeEncode(0, 8)).toBe(31 << 11);
      expect(c.stepSizeEncode(1, 8)).toBe(8 << 11);
    });
  });

  it("derived exponents, sub-band gains and Mb", () => {
    callCore((c0) => {
      const c = k(c0);
      expect([0, 1, 2, 3].map((o) => c.subbandGainLog2(o))).toEqual([0, 1, 1, 2]);
      // E.1.1.1 (scalar derived): εb = ε0 − NL + nb; the NL-level LL band keeps ε0
      expect(c.stepSizeDerivedExponent(13, 5, 5)).toBe(13);
      expect(c.stepSizeDerivedExponent(13, 5, 1)).toBe(9);
      expect(c.bandMagnitudeBits(2, 9)).toBe(10);
    });
  });
});

describe("synthesis basis L2 norms", () => {
  /** Energy of the reconstruction of a single coefficient of band (level, orient), through the core's inverse DWT. */
  function impulseEnergy(c: QuantKernels & CoreExports, reversible: boolean, level: number, orient: number): number {
    const S = 32 << level; // the basis support (< 10·2^level) stays far from the borders
    const buf = c.alloc(S * S * 4);
    const tmp = c.alloc(c.dwtScratchBytes(S));
    const amp = reversible ? 1 << 20 : 1;
    const view = reversible ? new Int32Array(c.memory.buffer, buf, S * S) : new Float32Array(c.memory.buffer, buf, S * S);
    view.fill(0);
    // band of `level` in the quadrant layout: its size is S >> level, offset by that size for H parts
    const bs = S >> level;
    const x = (orient & 1 ? bs : 0) + (bs >> 1);
    const y = (orient >> 1 ? bs : 0) + (bs >> 1);
    view[y * S + x] = amp;
    const inv = reversible ? c.dwt53InverseLevel : c.dwt97InverseLevel;
    for (let r = level; r >= 1; r--) inv(buf, S, S >> (r - 1), S >> (r - 1), 0, 0, tmp);
    const out = reversible ? new Int32Array(c.memory.buffer, buf, S * S) : new Float32Array(c.memory.buffer, buf, S * S);
    let e = 0;
    for (let i = 0; i < out.length; i++) e += out[i]! * out[i]!;
    return e / (amp * amp);
  }

  for (const reversible of [true, false]) {
    it(`${reversible ? "5/3" : "9/7"}: dwtSynthesisNorm² equals the energy of the inverse DWT of a unit impulse`, () => {
      for (let level = 1; level <= 5; level++) {
        for (let orient = 0; orient < 4; orient++) {
          const { norm, energy } = callCore((c0) => {
            const c = k(c0);
            return { norm: c.dwtSynthesisNorm(reversible ? 1 : 0, level, orient), energy: impulseEnergy(c, reversible, level, orient) };
          });
          expect(Math.abs(norm * norm - energy) / energy, `level ${level} orient ${orient}: ${norm ** 2} vs ${energy}`).toBeLessThan(reversible ? 1e-4 : 1e-5);
        }
      }
    });
  }

  it("level 0 LL is the identity, deep LL levels stay finite and grow by about 4 in energy per level", () => {
    callCore((c0) => {
      const c = k(c0);
      expect(c.dwtSynthesisNorm(1, 0, 0)).toBe(1);
      expect(c.dwtSynthesisNorm(0, 0, 0)).toBe(1);
      for (const rev of [0, 1]) {
        const a = c.dwtSynthesisNorm(rev, 31, 0);
        const b = c.dwtSynthesisNorm(rev, 32, 0);
        expect(Number.isFinite(b)).toBe(true);
        expect((b / a) ** 2).toBeCloseTo(4, 3); // 2 per dimension
      }
    });
  });
});
