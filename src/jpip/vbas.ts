/**
 * Variable-length byte-aligned segments (VBAS, ISO/IEC 15444-9 A.2.1): an unsigned integer in
 * big-endian groups of 7 bits, one group per byte; bit 7 of a byte is 1 when another byte follows.
 * Values are JavaScript numbers up to 2^53 − 1 (eight bytes and more), which covers every
 * offset, length and identifier JPIP carries in practice.
 * @module
 */
import { J2kError } from "../errors.js";

/** Largest value a VBAS may carry here (Number.MAX_SAFE_INTEGER). */
export const VBAS_MAX = Number.MAX_SAFE_INTEGER;
/** Most bytes of one VBAS (8 × 7 = 56 bits ≥ 53). */
const VBAS_MAX_BYTES = 8;

/** Bytes the VBAS of `value` takes. */
export function vbasLength(value: number): number {
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Append the VBAS of `value` (a non-negative safe integer) to `out`. */
export function writeVbas(out: number[], value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0)) throw new J2kError("INVALID_ARGUMENT", `a VBAS holds a non-negative integer up to 2^53-1 (got ${value})`);
  const n = vbasLength(value);
  const start = out.length;
  for (let i = 0; i < n; i++) out.push(0);
  for (let i = n - 1; i >= 0; i--) {
    out[start + i] = (value % 128) | (i === n - 1 ? 0 : 0x80);
    value = Math.floor(value / 128);
  }
}

/** The VBAS of `value` as bytes. */
export function encodeVbas(value: number): Uint8Array {
  const out: number[] = [];
  writeVbas(out, value);
  return Uint8Array.from(out);
}

/**
 * Read a VBAS at `pos`. Returns the value and the position after it, or `undefined` when the bytes
 * end before the VBAS does (more data may still arrive). A VBAS longer than 8 bytes is invalid here.
 */
export function readVbas(bytes: Uint8Array, pos: number, end = bytes.length): { value: number; next: number } | undefined {
  let v = 0;
  for (let i = 0; ; i++) {
    if (pos + i >= end) return undefined;
    if (i >= VBAS_MAX_BYTES) throw new J2kError("JPIP_STREAM_INVALID", `a VBAS runs over ${VBAS_MAX_BYTES} bytes`, { offset: pos });
    const b = bytes[pos + i]!;
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (v > VBAS_MAX) throw new J2kError("JPIP_STREAM_INVALID", "a VBAS value exceeds 2^53-1", { offset: pos });
      return { value: v, next: pos + i + 1 };
    }
  }
}
