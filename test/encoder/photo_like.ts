/**
 * Small deterministic "photo-like" test images for the encoder and partial-decoding suites: smooth
 * structure (so lossy coding has something to keep and PSNR is meaningful) plus a little noise (so
 * every bit-plane and coding pass is exercised).
 * @module
 */
import type { J2kImage } from "../../src/types.js";

/** A `width`×`height` image of `components` components at `bitDepth` bits, pixel-interleaved. */
export function photoLike(width: number, height: number, components: number, bitDepth: number, signed = false, seed = 1): J2kImage {
  const n = width * height * components;
  const data = bitDepth > 16 ? new Int32Array(n) : signed ? new Int16Array(n) : bitDepth <= 8 ? new Uint8Array(n) : new Uint16Array(n);
  const span = 2 ** bitDepth - 1;
  const lo = signed ? -(2 ** (bitDepth - 1)) : 0;
  let s = seed >>> 0 || 1;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < components; c++, i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const noise = (s / 4294967296 - 0.5) * 0.05;
        const v = 0.5 + 0.22 * Math.sin(x / 7 + 1.3 * c) + 0.18 * Math.cos(y / 5 - x / 11 + c) + 0.05 * Math.sin((x * y) / 97) + noise;
        data[i] = lo + Math.max(0, Math.min(span, Math.round(v * span)));
      }
    }
  }
  return { width, height, components, bitDepth, signed, data };
}

/** Component planes of an interleaved image (for `planar: true` input and per-component comparisons). */
export function planesOf(image: J2kImage): Int32Array[] {
  const n = image.width * image.height;
  const C = image.components;
  return Array.from({ length: C }, (_, c) => {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = image.data[i * C + c]!;
    return p;
  });
}

/** PSNR (dB) over all samples, peak 2^bitDepth − 1: the suite's one test-side PSNR. */
export { psnr as psnrOf } from "../helpers/psnr.mjs";

/** Largest |a − b| over two equally long arrays (Infinity when the lengths differ). */
export function peakDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Index and values of the first differing sample, or undefined when equal. */
export function firstMismatch(want: ArrayLike<number>, got: ArrayLike<number>): string | undefined {
  if (want.length !== got.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) if (want[i] !== got[i]) return `sample ${i}: got ${got[i]}, expected ${want[i]}`;
  return undefined;
}
