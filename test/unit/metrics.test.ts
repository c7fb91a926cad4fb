/**
 * The product's PSNR (src/metrics.ts, behind the encoder's psnr targets and `j2kit encode`'s report)
 * against the suite's independent one (test/helpers/psnr.mjs) and against values worked by hand.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { J2kError, mse, psnr } from "../../src/index.js";
import { psnr as testPsnr } from "../helpers/psnr.mjs";

describe("psnr / mse", () => {
  test("hand-worked values: one 8-bit sample off by 255 in 4 → MSE 16256.25, PSNR 10·log10(4) dB", () => {
    expect(mse([0, 0, 0, 0], [255, 0, 0, 0])).toBe(255 * 255 / 4);
    expect(psnr([0, 0, 0, 0], [255, 0, 0, 0], 8)).toBeCloseTo(10 * Math.log10(4), 12);
    // 12 bits: peak 4095, every sample off by 1 → 20·log10(4095)
    expect(psnr(new Uint16Array(10).fill(7), new Uint16Array(10).fill(8), 12)).toBeCloseTo(20 * Math.log10(4095), 12);
    expect(psnr([1, 2, 3], [1, 2, 3], 8)).toBe(Infinity);
  });

  test("agrees with the test suite's independent implementation", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 200 }), fc.integer(), (bits, n, seed) => {
        let s = seed | 1;
        const next = () => ((s = (s * 1103515245 + 12345) | 0) >>> 8) % 2 ** bits;
        const a = Array.from({ length: n }, next), b = Array.from({ length: n }, next);
        const want = testPsnr(a, b, bits);
        const got = psnr(a, b, bits);
        if (want === Infinity) expect(got).toBe(Infinity);
        else expect(got).toBeCloseTo(want, 9);
      }),
    );
  });

  test("different lengths, empty arrays and a bad bit depth are INVALID_ARGUMENT", () => {
    expect(() => psnr([1, 2], [1], 8)).toThrow(J2kError);
    expect(() => mse([], [])).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => psnr([1], [1], 0)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });
});
