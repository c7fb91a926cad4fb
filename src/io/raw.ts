/**
 * Headerless ("raw") sample files: component planes one after another, each row-major, top row
 * first, every sample in 1 byte (<= 8 bits), 2 bytes (<= 16 bits) or 4 bytes (above), little- or
 * big-endian, two's complement when signed. The geometry has to come from elsewhere (the command
 * line). No Node built-ins here.
 * @module
 */
import { J2kError } from "../errors.js";
import { sampleArrayFor } from "../samples.js";
import type { J2kImage } from "../types.js";
import { checkGeometry, sampleOutOfRange } from "./sample_checks.js";

/** Layout of a raw file. */
export interface RawLayout {
  width: number;
  height: number;
  /** Number of component planes (default 1). */
  components?: number;
  /** Precision of every sample, 1..32 (the container size follows from it). */
  bitDepth: number;
  signed: boolean;
  /** Byte order of multi-byte samples (default false = big-endian). */
  littleEndian?: boolean;
}

/** Bytes per raw sample of `bitDepth` bits. */
export function rawBytesPerSample(bitDepth: number): 1 | 2 | 4 {
  return bitDepth <= 8 ? 1 : bitDepth <= 16 ? 2 : 4;
}

/**
 * Read a raw planar file into a pixel-interleaved image. The file size must be exactly
 * `width * height * components * bytesPerSample`; samples must fit `bitDepth` (for signed data the
 * container is read as two's complement and must then lie in the signed `bitDepth` range).
 *
 * @throws J2kError `INVALID_ARGUMENT` for a bad layout, `INPUT_FORMAT` when the size does not match
 *   or a sample is out of range.
 */
export function readRaw(bytes: Uint8Array, layout: RawLayout): J2kImage {
  const { width, height, bitDepth, signed } = layout;
  const components = layout.components ?? 1;
  const le = layout.littleEndian === true;
  checkGeometry(width, height);
  if (!Number.isInteger(components) || components < 1) {
    throw new J2kError("INVALID_ARGUMENT", `raw component count ${components} must be a positive integer`);
  }
  if (!Number.isInteger(bitDepth) || bitDepth < 1 || bitDepth > (signed ? 32 : 31)) {
    throw new J2kError("INVALID_ARGUMENT", `raw ${signed ? "signed" : "unsigned"} bit depth ${bitDepth} is not supported`);
  }
  const bps = rawBytesPerSample(bitDepth);
  const pixels = width * height;
  const need = pixels * components * bps;
  if (bytes.length !== need) {
    throw new J2kError(
      "INPUT_FORMAT",
      `raw file has ${bytes.length} bytes but ${width}x${height}x${components} samples of ${bps} byte(s) need ${need}`,
    );
  }
  const lo = signed ? -(2 ** (bitDepth - 1)) : 0;
  const hi = signed ? 2 ** (bitDepth - 1) - 1 : 2 ** bitDepth - 1;
  const data = sampleArrayFor(bitDepth, signed, pixels * components);
  for (let c = 0; c < components; c++) {
    for (let i = 0, p = c * pixels * bps; i < pixels; i++, p += bps) {
      let v: number;
      if (bps === 1) {
        v = signed ? (bytes[p]! << 24) >> 24 : bytes[p]!;
      } else if (bps === 2) {
        v = le ? bytes[p]! | (bytes[p + 1]! << 8) : (bytes[p]! << 8) | bytes[p + 1]!;
        if (signed) v = (v << 16) >> 16;
      } else {
        v = le
          ? bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24)
          : (bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!;
        if (!signed) v >>>= 0;
      }
      if (v < lo || v > hi) {
        throw new J2kError(
          "INPUT_FORMAT",
          `raw sample ${i} of component ${c} is ${v}, outside the ${signed ? "signed" : "unsigned"} ${bitDepth}-bit range ${lo}..${hi}`,
          { offset: p },
        );
      }
      data[i * components + c] = v;
    }
  }
  return { width, height, components, bitDepth, signed, data };
}

/** One plane for {@link writeRaw}. */
export interface RawPlane {
  width: number;
  height: number;
  bitDepth: number;
  signed: boolean;
  data: ArrayLike<number>;
}

/**
 * Write planes one after another, each at its own size and precision (container per plane by its
 * `bitDepth`), in the given byte order.
 *
 * @throws J2kError `INVALID_ARGUMENT` for a bad plane or an out-of-range sample.
 */
export function writeRaw(planes: RawPlane[], littleEndian: boolean): Uint8Array {
  let total = 0;
  for (const plane of planes) {
    checkGeometry(plane.width, plane.height);
    if (!Number.isInteger(plane.bitDepth) || plane.bitDepth < 1 || plane.bitDepth > 32) {
      throw new J2kError("INVALID_ARGUMENT", `raw bit depth ${plane.bitDepth} is not supported`);
    }
    if (plane.data.length < plane.width * plane.height) {
      throw new J2kError("INVALID_ARGUMENT", `plane data holds ${plane.data.length} samples, ${plane.width * plane.height} expected`);
    }
    total += plane.width * plane.height * rawBytesPerSample(plane.bitDepth);
  }
  const out = new Uint8Array(total);
  let p = 0;
  for (const { width, height, bitDepth, signed, data } of planes) {
    const bps = rawBytesPerSample(bitDepth);
    const lo = signed ? -(2 ** (bitDepth - 1)) : 0;
    const hi = signed ? 2 ** (bitDepth - 1) - 1 : 2 ** bitDepth - 1;
    for (let i = 0, n = width * height; i < n; i++) {
      const v = data[i]!;
      if (!(v >= lo && v <= hi)) throw sampleOutOfRange(v, bitDepth, signed, i);
      for (let k = 0; k < bps; k++) {
        const shift = 8 * (littleEndian ? k : bps - 1 - k);
        out[p++] = (v >>> shift) & 0xff;
      }
    }
  }
  return out;
}
