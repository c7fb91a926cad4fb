/**
 * Image quality metrics.
 * @module
 */
import { J2kError } from "./errors.js";

/**
 * Mean squared error between two sample arrays of the same length (any layout, as long as both
 * use the same one).
 * @throws J2kError `INVALID_ARGUMENT` when the lengths differ or the arrays are empty.
 */
export function mse(reference: ArrayLike<number>, test: ArrayLike<number>): number {
  if (reference.length !== test.length || reference.length === 0) {
    throw new J2kError("INVALID_ARGUMENT", `mse/psnr need two non-empty arrays of the same length (got ${reference.length} and ${test.length})`);
  }
  let se = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = reference[i]! - test[i]!;
    se += d * d;
  }
  return se / reference.length;
}

/**
 * Peak signal-to-noise ratio in dB over all samples, with peak `2^bitDepth − 1` (the convention of
 * OpenJPEG's and Kakadu's tools); `Infinity` when the arrays are identical. This is the measure
 * behind the encoder's `psnr` targets.
 * @throws J2kError `INVALID_ARGUMENT` when the lengths differ, the arrays are empty or bitDepth is not 1..32.
 */
export function psnr(reference: ArrayLike<number>, test: ArrayLike<number>, bitDepth: number): number {
  if (!Number.isInteger(bitDepth) || bitDepth < 1 || bitDepth > 32) throw new J2kError("INVALID_ARGUMENT", `bitDepth must be 1..32 (got ${bitDepth})`);
  return psnrFromMse(mse(reference, test), 2 ** bitDepth - 1);
}

/** PSNR in dB for a mean squared error and a peak value (e.g. the image's own range); `Infinity` for MSE 0. */
export function psnrFromMse(mse: number, peak: number): number {
  return mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse);
}

/** Side of the SSIM window and the standard deviation of its Gaussian weights (Wang et al. 2004, §III.C). */
const SSIM_WINDOW = 11;
const SSIM_SIGMA = 1.5;
/** SSIM stabilising constants K1, K2 (Wang et al. 2004, eq. 7 and 9). */
const SSIM_K1 = 0.01;
const SSIM_K2 = 0.03;

/**
 * Normalised 1-D Gaussian weights of `n` taps, σ = 1.5, centred (`n` = 11 normally; fewer for images
 * smaller than the window).
 */
function ssimWeights(n: number): Float64Array {
  const g = new Float64Array(n);
  const c = (n - 1) / 2;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += g[i] = Math.exp(-((i - c) ** 2) / (2 * SSIM_SIGMA * SSIM_SIGMA));
  for (let i = 0; i < n; i++) g[i]! /= sum;
  return g;
}

/**
 * Structural similarity (SSIM) of `test` against `reference`, in −1..1 (1 = identical), as defined by
 * Wang, Bovik, Sheikh and Simoncelli, "Image quality assessment: from error visibility to structural
 * similarity", IEEE TIP 13(4), 2004: an 11×11 Gaussian window with σ = 1.5 (separable, normalised),
 * K1 = 0.01, K2 = 0.03, dynamic range L = 2^bitDepth − 1, evaluated at every position where the
 * window lies wholly inside the image (no padding) and averaged; for several components, the mean
 * of the per-component SSIMs (no colour transform). Images narrower or shorter than 11 use a
 * window as large as the image allows. Samples are interleaved (`components` per pixel, row by row,
 * as {@link J2kImage} data with `layout: "interleaved"`).
 *
 * Memory is a few rows (a ring of 11 filtered rows), so large images are fine; the cost is about
 * 100 multiply-adds per sample.
 * @throws J2kError `INVALID_ARGUMENT` when the sizes do not match the arrays or bitDepth is not 1..32.
 */
export function ssim(
  reference: ArrayLike<number>,
  test: ArrayLike<number>,
  width: number,
  height: number,
  components: number,
  bitDepth: number,
): number {
  if (!Number.isInteger(bitDepth) || bitDepth < 1 || bitDepth > 32) throw new J2kError("INVALID_ARGUMENT", `bitDepth must be 1..32 (got ${bitDepth})`);
  for (const [name, v] of [["width", width], ["height", height], ["components", components]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new J2kError("INVALID_ARGUMENT", `ssim: ${name} must be a positive integer (got ${v})`);
  }
  const total = width * height * components;
  if (reference.length !== total || test.length !== total) {
    throw new J2kError("INVALID_ARGUMENT", `ssim: ${width}×${height}×${components} needs ${total} samples (got ${reference.length} and ${test.length})`);
  }
  const L = 2 ** bitDepth - 1;
  const C1 = (SSIM_K1 * L) ** 2;
  const C2 = (SSIM_K2 * L) ** 2;
  const nx = Math.min(SSIM_WINDOW, width);
  const ny = Math.min(SSIM_WINDOW, height);
  const gx = ssimWeights(nx);
  const gy = ssimWeights(ny);
  const ow = width - nx + 1; // output positions per row
  // Ring of the last ny horizontally filtered rows: x, y, x², y², xy (5 planes of ow).
  const ring = Array.from({ length: ny }, () => new Float64Array(5 * ow));
  let sumAll = 0;
  for (let c = 0; c < components; c++) {
    let sum = 0;
    for (let y = 0; y < height; y++) {
      const r = ring[y % ny]!;
      const base = y * width * components + c;
      for (let x = 0; x < ow; x++) {
        let a = 0, b = 0, aa = 0, bb = 0, ab = 0; // prettier-ignore
        for (let k = 0; k < nx; k++) {
          const i = base + (x + k) * components;
          const p = reference[i]!;
          const q = test[i]!;
          const w = gx[k]!;
          a += w * p;
          b += w * q;
          aa += w * p * p;
          bb += w * q * q;
          ab += w * p * q;
        }
        r[x] = a;
        r[ow + x] = b;
        r[2 * ow + x] = aa;
        r[3 * ow + x] = bb;
        r[4 * ow + x] = ab;
      }
      if (y < ny - 1) continue;
      for (let x = 0; x < ow; x++) {
        let mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0; // prettier-ignore
        for (let k = 0; k < ny; k++) {
          const row = ring[(y - ny + 1 + k) % ny]!;
          const w = gy[k]!;
          mx += w * row[x]!;
          my += w * row[ow + x]!;
          sxx += w * row[2 * ow + x]!;
          syy += w * row[3 * ow + x]!;
          sxy += w * row[4 * ow + x]!;
        }
        const vx = sxx - mx * mx;
        const vy = syy - my * my;
        const cxy = sxy - mx * my;
        sum += ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
      }
    }
    sumAll += sum / (ow * (height - ny + 1));
  }
  return sumAll / components;
}
