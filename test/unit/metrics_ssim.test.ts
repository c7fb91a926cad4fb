/**
 * SSIM (src/metrics.ts `ssim`, used by the demo's rate–distortion plot) against a direct, unoptimised
 * evaluation written here from the paper's formulas (Wang et al., IEEE TIP 2004: eq. 13 with the
 * 11×11 circular-symmetric Gaussian window of σ = 1.5, K1 = 0.01, K2 = 0.03), window by window with
 * 2-D weights — the product uses a separable filter and a ring of rows instead.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { J2kError, ssim } from "../../src/index.js";

/** Direct SSIM: every valid window position, 2-D weights, mean per component, then over components. */
function directSsim(a: ArrayLike<number>, b: ArrayLike<number>, w: number, h: number, C: number, bits: number): number {
  const nx = Math.min(11, w), ny = Math.min(11, h);
  const weight = (n: number, i: number) => Math.exp(-((i - (n - 1) / 2) ** 2) / (2 * 1.5 * 1.5));
  let norm = 0;
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) norm += weight(nx, i) * weight(ny, j);
  const L = 2 ** bits - 1, c1 = (0.01 * L) ** 2, c2 = (0.03 * L) ** 2;
  let total = 0;
  for (let c = 0; c < C; c++) {
    let sum = 0, count = 0;
    for (let y0 = 0; y0 + ny <= h; y0++) {
      for (let x0 = 0; x0 + nx <= w; x0++) {
        let mx = 0, my = 0;
        for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
          const k = ((y0 + j) * w + x0 + i) * C + c, g = (weight(nx, i) * weight(ny, j)) / norm;
          mx += g * a[k]!;
          my += g * b[k]!;
        }
        let vx = 0, vy = 0, cxy = 0;
        for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
          const k = ((y0 + j) * w + x0 + i) * C + c, g = (weight(nx, i) * weight(ny, j)) / norm;
          vx += g * (a[k]! - mx) ** 2;
          vy += g * (b[k]! - my) ** 2;
          cxy += g * (a[k]! - mx) * (b[k]! - my);
        }
        sum += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        count++;
      }
    }
    total += sum / count;
  }
  return total / C;
}

function randomImage(n: number, bits: number, seed: number): number[] {
  let s = seed | 1;
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) | 0) >>> 8) % 2 ** bits);
}

describe("ssim", () => {
  test("equals the direct window-by-window evaluation (random sizes, components, depths, noise)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 0, max: 64 }),
        fc.integer(),
        (w, h, C, bits, noise, seed) => {
          const a = randomImage(w * h * C, bits, seed);
          const n = randomImage(w * h * C, 7, seed ^ 0x5bd1e995);
          const b = a.map((v, i) => Math.max(0, Math.min(2 ** bits - 1, v + ((n[i]! % (2 * noise + 1)) - noise))));
          expect(ssim(a, b, w, h, C, bits)).toBeCloseTo(directSsim(a, b, w, h, C, bits), 9);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("is 1 for identical images and falls as noise grows", () => {
    const w = 40, h = 30;
    const a = Array.from({ length: w * h }, (_, i) => Math.round(128 + 100 * Math.sin((i % w) / 5) * Math.cos(Math.floor(i / w) / 7)));
    expect(ssim(a, a, w, h, 1, 8)).toBeCloseTo(1, 12);
    const noisy = (amp: number) => a.map((v, i) => Math.max(0, Math.min(255, v + (((i * 7919) % 13) - 6) * amp)));
    const s1 = ssim(a, noisy(1), w, h, 1, 8), s4 = ssim(a, noisy(4), w, h, 1, 8);
    expect(s1).toBeLessThan(1);
    expect(s4).toBeLessThan(s1);
  });

  test("mismatched sizes and bad arguments are INVALID_ARGUMENT", () => {
    expect(() => ssim([1, 2, 3], [1, 2], 3, 1, 1, 8)).toThrow(J2kError);
    expect(() => ssim([1, 2], [1, 2], 1, 1, 1, 8)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => ssim([1], [1], 1, 1, 1, 0)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => ssim([1], [1], 0, 1, 1, 8)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});
