/**
 * Choice of typed array for samples.
 * @module
 */
import type { SampleArray } from "./types.js";

/**
 * The typed array type j2kit uses for samples of `bitDepth` bits: Uint8Array (unsigned ≤ 8),
 * Uint16Array (unsigned ≤ 16), Int16Array (signed ≤ 16), Int32Array (anything wider).
 */
export function sampleArrayFor(bitDepth: number, signed: boolean, length: number): SampleArray {
  if (bitDepth <= 16) {
    if (signed) return new Int16Array(length);
    return bitDepth <= 8 ? new Uint8Array(length) : new Uint16Array(length);
  }
  return new Int32Array(length);
}

/** Bytes per sample of the array {@link sampleArrayFor} picks. */
export function bytesPerSampleFor(bitDepth: number, signed: boolean): 1 | 2 | 4 {
  if (bitDepth <= 16) return !signed && bitDepth <= 8 ? 1 : 2;
  return 4;
}
