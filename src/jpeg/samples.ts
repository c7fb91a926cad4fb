/**
 * Input samples to the 8-bit pixels the JPEG encoder codes: other bit depths are scaled to
 * 0..255 with rounding, signed samples are first offset by 2^(bits-1), values out of range clamp.
 * @module
 */
import type { SampleArray } from "../types.js";

/** Writes `count` samples of `src` from `start` into `dst` as 8-bit values. */
export type SampleConverter = (src: SampleArray, start: number, count: number, dst: Uint8Array, dstOffset: number) => void;

/** A converter for samples of `bitDepth` bits (1..32), signed or not. */
export function sampleConverter(bitDepth: number, signed: boolean): SampleConverter {
  const offset = signed ? 2 ** (bitDepth - 1) : 0;
  const maxv = 2 ** bitDepth - 1;
  if (bitDepth === 8 && !signed) {
    return (src, start, count, dst, o) => {
      if (src instanceof Uint8Array) dst.set(src.subarray(start, start + count), o);
      else for (let i = 0; i < count; i++) dst[o + i] = Math.min(255, Math.max(0, src[start + i]!));
    };
  }
  // round(v * 255 / maxv), half up, on exact integers.
  const scale = (v: number): number => {
    const u = Math.min(maxv, Math.max(0, v + offset));
    return Math.floor((u * 510 + maxv) / (2 * maxv));
  };
  if (bitDepth <= 16) {
    const lut = new Uint8Array(maxv + 1);
    for (let u = 0; u <= maxv; u++) lut[u] = Math.floor((u * 510 + maxv) / (2 * maxv));
    return (src, start, count, dst, o) => {
      for (let i = 0; i < count; i++) {
        const u = src[start + i]! + offset;
        dst[o + i] = u <= 0 ? 0 : u >= maxv ? 255 : lut[u]!;
      }
    };
  }
  return (src, start, count, dst, o) => {
    for (let i = 0; i < count; i++) dst[o + i] = scale(src[start + i]!);
  };
}
