/**
 * Small checks and helpers shared by the image-file writers of src/io (no Node built-ins).
 * @module
 */
import { J2kError } from "../errors.js";

/** Error for a sample that does not fit its declared depth. */
export function sampleOutOfRange(v: number, bitDepth: number, signed: boolean, index: number): J2kError {
  const lo = signed ? -(2 ** (bitDepth - 1)) : 0;
  const hi = signed ? 2 ** (bitDepth - 1) - 1 : 2 ** bitDepth - 1;
  return new J2kError(
    "INVALID_ARGUMENT",
    `sample ${index} is ${v}, outside the ${signed ? "signed" : "unsigned"} ${bitDepth}-bit range ${lo}..${hi}`,
  );
}

/** Validate image dimensions. */
export function checkGeometry(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new J2kError("INVALID_ARGUMENT", `image size ${width}x${height} is not a positive integer size`);
  }
}

/** Bytes of an ASCII string. */
export function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}
