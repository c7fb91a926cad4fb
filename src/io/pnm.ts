/**
 * Netpbm grey and colour images: PGM (`P5`, plain `P2`) and PPM (`P6`, plain `P3`).
 *
 * Rules follow the Netpbm format pages (netpbm.sourceforge.net/doc/pgm.html, ppm.html):
 * - header = magic, width, height, maxval, each separated by whitespace (blank, TAB, CR, LF, VT, FF);
 * - a comment runs from `#` to the next CR or LF and counts as whitespace (as libnetpbm reads it);
 * - exactly one whitespace character separates maxval from a binary raster (if that character is a
 *   comment, the comment's line end is the separator);
 * - 1 <= maxval <= 65535; samples take 1 byte when maxval < 256, else 2 bytes, most significant first;
 * - plain (`P2`/`P3`) rasters are decimal numbers separated by whitespace.
 *
 * No Node built-ins here: this module runs in browsers too.
 * @module
 */
import { J2kError } from "../errors.js";
import { sampleArrayFor } from "../samples.js";
import type { J2kImage, SampleArray } from "../types.js";
import { asciiBytes, checkGeometry, sampleOutOfRange } from "./sample_checks.js";

/** Options for {@link readPnm}. */
export interface ReadPnmOptions {
  /**
   * The file holds signed samples stored with an offset of 2^(bits−1) (what {@link writePnm} and
   * OpenJPEG write for signed images): subtract it and return a signed image.
   */
  signed?: boolean;
}

/**
 * Parse a PGM or PPM file (binary `P5`/`P6` or plain `P2`/`P3`).
 *
 * Returns 1 component for PGM, 3 interleaved components for PPM, with
 * `bitDepth = ceil(log2(maxval + 1))`; samples are kept as stored (a maxval of 1000 gives a 10-bit
 * image whose samples never exceed 1000). Bytes after the raster (a second image) are ignored.
 *
 * @throws J2kError `INPUT_FORMAT` when the bytes are not a valid PGM/PPM file.
 */
export function readPnm(bytes: Uint8Array, options: ReadPnmOptions = {}): J2kImage {
  if (bytes.length < 2 || bytes[0] !== 0x50 /* P */) {
    throw new J2kError("INPUT_FORMAT", "not a PGM/PPM file: it does not start with P2, P3, P5 or P6");
  }
  const kind = bytes[1]!;
  let components: number;
  let plain: boolean;
  switch (kind) {
    case 0x32: components = 1; plain = true; break; // P2
    case 0x33: components = 3; plain = true; break; // P3
    case 0x35: components = 1; plain = false; break; // P5
    case 0x36: components = 3; plain = false; break; // P6
    default:
      throw new J2kError(
        "INPUT_FORMAT",
        `unsupported Netpbm type P${String.fromCharCode(kind)}: only PGM (P2/P5) and PPM (P3/P6) can be read`,
      );
  }
  const scan = new HeaderScanner(bytes, 2);
  const width = scan.number("width");
  const height = scan.number("height");
  const maxval = scan.number("maxval");
  if (width < 1 || height < 1) throw new J2kError("INPUT_FORMAT", `PNM image size ${width}x${height} is empty`);
  if (maxval < 1 || maxval > 65535) {
    throw new J2kError("INPUT_FORMAT", `PNM maxval ${maxval} is outside 1..65535`);
  }
  const bitDepth = Math.ceil(Math.log2(maxval + 1));
  const count = width * height * components;

  let raw: SampleArray;
  if (plain) {
    // Every plain sample needs at least one byte: refuse a lying header before allocating.
    if (count > bytes.length - scan.pos) {
      throw new J2kError("INPUT_FORMAT", `PNM file is truncated: ${count} samples declared, fewer bytes present`);
    }
    raw = sampleArrayFor(bitDepth, false, count);
    for (let i = 0; i < count; i++) {
      const v = scan.number("sample");
      if (v > maxval) throw sampleTooLarge(v, maxval, i);
      raw[i] = v;
    }
  } else {
    scan.rasterSeparator();
    const bps = maxval < 256 ? 1 : 2;
    const need = count * bps;
    const at = scan.pos;
    if (bytes.length - at < need) {
      throw new J2kError(
        "INPUT_FORMAT",
        `PNM file is truncated: the raster needs ${need} bytes, only ${bytes.length - at} are present`,
      );
    }
    raw = sampleArrayFor(bitDepth, false, count);
    if (bps === 1) {
      for (let i = 0; i < count; i++) {
        const v = bytes[at + i]!;
        if (v > maxval) throw sampleTooLarge(v, maxval, i);
        raw[i] = v;
      }
    } else {
      for (let i = 0, p = at; i < count; i++, p += 2) {
        const v = (bytes[p]! << 8) | bytes[p + 1]!;
        if (v > maxval) throw sampleTooLarge(v, maxval, i);
        raw[i] = v;
      }
    }
  }

  if (!options.signed) return { width, height, components, bitDepth, signed: false, data: raw };
  const offset = 1 << (bitDepth - 1);
  const data = sampleArrayFor(bitDepth, true, count);
  for (let i = 0; i < count; i++) data[i] = raw[i]! - offset;
  return { width, height, components, bitDepth, signed: true, data };
}

/**
 * Write a binary PGM (`P5`, 1 component) or PPM (`P6`, 3 interleaved components) file with
 * `maxval = 2^bitDepth − 1` (16-bit big-endian samples above 8 bits). The header is
 * `P5\n<width> <height>\n<maxval>\n`.
 *
 * Signed images are written with an offset of 2^(bitDepth−1) added to every sample (as OpenJPEG does),
 * so −2^(bitDepth−1) becomes 0; read them back with `readPnm(bytes, { signed: true })`.
 *
 * @throws J2kError `INVALID_ARGUMENT` when the image has another number of components, a bit depth
 *   outside 1..16, too few samples, or a sample outside its bit depth.
 */
export function writePnm(image: J2kImage): Uint8Array {
  const { width, height, components, bitDepth, signed, data } = image;
  if (components !== 1 && components !== 3) {
    throw new J2kError(
      "INVALID_ARGUMENT",
      `PGM/PPM hold 1 or 3 components; this image has ${components} (write PNG or PGX instead)`,
    );
  }
  checkGeometry(width, height);
  if (!Number.isInteger(bitDepth) || bitDepth < 1 || bitDepth > 16) {
    throw new J2kError("INVALID_ARGUMENT", `PGM/PPM hold 1- to 16-bit samples; this image has ${bitDepth} bits (write PGX instead)`);
  }
  const count = width * height * components;
  if (data.length < count) {
    throw new J2kError("INVALID_ARGUMENT", `image data holds ${data.length} samples, ${count} expected`);
  }
  const maxval = 2 ** bitDepth - 1;
  const offset = signed ? 2 ** (bitDepth - 1) : 0;
  const header = asciiBytes(`P${components === 1 ? 5 : 6}\n${width} ${height}\n${maxval}\n`);
  const bps = maxval < 256 ? 1 : 2;
  const out = new Uint8Array(header.length + count * bps);
  out.set(header, 0);
  let p = header.length;
  for (let i = 0; i < count; i++) {
    const v = data[i]! + offset;
    if (!(v >= 0 && v <= maxval)) throw sampleOutOfRange(data[i]!, bitDepth, signed, i);
    if (bps === 2) out[p++] = v >>> 8;
    out[p++] = v & 0xff;
  }
  return out;
}

function sampleTooLarge(v: number, maxval: number, index: number): J2kError {
  return new J2kError("INPUT_FORMAT", `PNM sample ${index} is ${v}, above the header's maxval ${maxval}`);
}

function isSpace(c: number): boolean {
  // blank, TAB, LF, VT, FF, CR (C isspace(), as libnetpbm uses)
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Reads whitespace-separated decimal numbers of a Netpbm header or plain raster. */
class HeaderScanner {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  /** Skip whitespace and comments, then read an unsigned decimal number. */
  number(what: string): number {
    const b = this.bytes;
    for (;;) {
      if (this.pos >= b.length) throw new J2kError("INPUT_FORMAT", `PNM file ends before its ${what}`);
      const c = b[this.pos]!;
      if (isSpace(c)) this.pos++;
      else if (c === 0x23 /* # */) this.skipComment();
      else break;
    }
    const start = this.pos;
    let v = 0;
    while (this.pos < b.length) {
      const c = b[this.pos]!;
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
      this.pos++;
      if (this.pos - start > 10) throw new J2kError("INPUT_FORMAT", `PNM ${what} has too many digits`, { offset: start });
    }
    if (this.pos === start) {
      throw new J2kError("INPUT_FORMAT", `PNM ${what} is not a decimal number`, { offset: start });
    }
    if (this.pos < b.length) {
      const c = b[this.pos]!;
      if (!isSpace(c) && c !== 0x23) {
        throw new J2kError("INPUT_FORMAT", `PNM ${what} is followed by an unexpected character`, { offset: this.pos });
      }
    }
    return v;
  }

  /** Consume the single whitespace character (or comment) that ends the header of a binary PNM. */
  rasterSeparator(): void {
    const b = this.bytes;
    if (this.pos >= b.length) throw new J2kError("INPUT_FORMAT", "PNM file ends right after its maxval (no raster)");
    const c = b[this.pos]!;
    if (c === 0x23) this.skipComment();
    this.pos++; // the whitespace character itself (or the comment's line end)
  }

  /** Skip from `#` up to (not including) the next CR or LF. */
  private skipComment(): void {
    const b = this.bytes;
    while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
  }
}
