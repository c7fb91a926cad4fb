/**
 * Byte helpers shared by the writers and readers of src/ (codestream re-packing, JPIP data-bins,
 * JP2 boxes, DICOM structure, the JPEG stream decoder).
 * @module
 */

/** The parts joined into one new array (always a copy, even of a single part). */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Write `v` (0 ≤ v < 2^32) big-endian at `b[o..o+3]`. */
export function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 255;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
}
