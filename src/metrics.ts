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
