/**
 * PGX: the one-component image format of the JPEG 2000 conformance suite (ISO/IEC 15444-4 uses it
 * for every reference decode).
 *
 * A file is an ASCII header line `PG <ML|LM> [+|-]<depth> <width> <height>\n` followed by the raw
 * samples: `ML` = most significant byte first (big-endian), `LM` = little-endian; `+` or no sign =
 * unsigned, `-` = signed (two's complement); 1 byte per sample when depth <= 8, 2 bytes when depth
 * <= 16, 4 bytes above; row-major, top row first. Spacing varies between real files
 * (`PG ML +8 128 128`, `PG ML + 8 ...`, `PG ML  8 ...`), so blanks and TABs between fields are
 * optional wherever the fields stay unambiguous.
 *
 * A multi-component image is a set of files `<base>_0.pgx`, `<base>_1.pgx`, ... each at its
 * component's own resolution; {@link pgxComponentsToImage} joins them. No Node built-ins here.
 * @module
 */
import { J2kError } from "../errors.js";
import { sampleArrayFor } from "../samples.js";
import type { J2kImage, SampleArray } from "../types.js";
import { asciiBytes, checkGeometry, sampleOutOfRange } from "./sample_checks.js";

/** One PGX file: a single component. */
export interface PgxComponent {
  width: number;
  height: number;
  /** Precision in bits, 1..32 (unsigned 1..31). */
  bitDepth: number;
  signed: boolean;
  /** Samples row-major, typed array chosen by `sampleArrayFor(bitDepth, signed)`. */
  data: SampleArray;
}

/** Result of {@link pgxComponentsToImage}. */
export interface PgxImage {
  /**
   * The components as one image. When all components have the same size, `data` is
   * pixel-interleaved; otherwise (`planar: true`) it holds the component planes one after another,
   * each at its own size, and `image.width`/`height` is the largest component size.
   */
  image: J2kImage;
  planar: boolean;
  /** Sub-sampling factors (XRsiz, YRsiz) per component, present when the sizes differ. */
  subsampling?: Array<[number, number]>;
}

/** Bytes one PGX sample of `bitDepth` bits occupies. */
export function pgxBytesPerSample(bitDepth: number): 1 | 2 | 4 {
  return bitDepth <= 8 ? 1 : bitDepth <= 16 ? 2 : 4;
}

/**
 * Parse one PGX file. Samples must lie inside the declared precision (two's complement range
 * when signed). Bytes after the samples are ignored.
 *
 * @throws J2kError `INPUT_FORMAT` for a malformed header, a truncated raster or an out-of-range sample.
 */
export function readPgx(bytes: Uint8Array): PgxComponent {
  const h = parseHeader(bytes);
  const { width, height, bitDepth, signed, littleEndian } = h;
  const bps = pgxBytesPerSample(bitDepth);
  const count = width * height;
  const at = h.length;
  if (bytes.length - at < count * bps) {
    throw new J2kError(
      "INPUT_FORMAT",
      `PGX file is truncated: ${width}x${height} samples of ${bps} byte(s) need ${count * bps} bytes, ${bytes.length - at} are present`,
    );
  }
  const data = sampleArrayFor(bitDepth, signed, count);
  const lo = signed ? -(2 ** (bitDepth - 1)) : 0;
  const hi = signed ? 2 ** (bitDepth - 1) - 1 : 2 ** bitDepth - 1;
  for (let i = 0, p = at; i < count; i++, p += bps) {
    let v: number;
    if (bps === 1) {
      v = bytes[p]!;
      if (signed) v = (v << 24) >> 24;
    } else if (bps === 2) {
      v = littleEndian ? bytes[p]! | (bytes[p + 1]! << 8) : (bytes[p]! << 8) | bytes[p + 1]!;
      if (signed) v = (v << 16) >> 16;
    } else {
      v = littleEndian
        ? bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24)
        : (bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!;
      if (!signed) v >>>= 0;
    }
    if (v < lo || v > hi) {
      throw new J2kError(
        "INPUT_FORMAT",
        `PGX sample ${i} is ${v}, outside the ${signed ? "signed" : "unsigned"} ${bitDepth}-bit range ${lo}..${hi} of its header`,
        { offset: p },
      );
    }
    data[i] = v;
  }
  return { width, height, bitDepth, signed, data };
}

/** Options for {@link writePgx}. */
export interface WritePgxOptions {
  /** Write `PG LM` (little-endian) instead of the usual `PG ML` (big-endian). */
  littleEndian?: boolean;
}

/**
 * Write one component as a PGX file with header `PG ML <+|-><depth> <width> <height>\n` (the
 * spacing of the conformance references, e.g. `PG ML +8 128 128`).
 *
 * @throws J2kError `INVALID_ARGUMENT` for a bad size, a depth outside 1..32 (1..31 unsigned), too few
 *   samples or a sample outside the precision.
 */
export function writePgx(
  component: { width: number; height: number; bitDepth: number; signed: boolean; data: ArrayLike<number> },
  options: WritePgxOptions = {},
): Uint8Array {
  const { width, height, bitDepth, signed, data } = component;
  checkGeometry(width, height);
  if (!Number.isInteger(bitDepth) || bitDepth < 1 || bitDepth > (signed ? 32 : 31)) {
    throw new J2kError("INVALID_ARGUMENT", `PGX cannot hold ${signed ? "signed" : "unsigned"} ${bitDepth}-bit samples`);
  }
  const count = width * height;
  if (data.length < count) {
    throw new J2kError("INVALID_ARGUMENT", `component data holds ${data.length} samples, ${count} expected`);
  }
  const le = options.littleEndian === true;
  const header = asciiBytes(`PG ${le ? "LM" : "ML"} ${signed ? "-" : "+"}${bitDepth} ${width} ${height}\n`);
  const bps = pgxBytesPerSample(bitDepth);
  const out = new Uint8Array(header.length + count * bps);
  out.set(header, 0);
  const lo = signed ? -(2 ** (bitDepth - 1)) : 0;
  const hi = signed ? 2 ** (bitDepth - 1) - 1 : 2 ** bitDepth - 1;
  for (let i = 0, p = header.length; i < count; i++, p += bps) {
    const v = data[i]!;
    if (!(v >= lo && v <= hi)) throw sampleOutOfRange(v, bitDepth, signed, i);
    if (bps === 1) {
      out[p] = v & 0xff;
    } else if (bps === 2) {
      if (le) { out[p] = v & 0xff; out[p + 1] = (v >> 8) & 0xff; }
      else { out[p] = (v >> 8) & 0xff; out[p + 1] = v & 0xff; }
    } else if (le) {
      out[p] = v & 0xff; out[p + 1] = (v >> 8) & 0xff; out[p + 2] = (v >> 16) & 0xff; out[p + 3] = (v >>> 24) & 0xff;
    } else {
      out[p] = (v >>> 24) & 0xff; out[p + 1] = (v >> 16) & 0xff; out[p + 2] = (v >> 8) & 0xff; out[p + 3] = v & 0xff;
    }
  }
  return out;
}

/**
 * Join PGX components into one image.
 *
 * All components must share their signedness (a {@link J2kImage} has one); the image's `bitDepth` is
 * the largest component depth. Components of different sizes are taken as sub-sampled versions of
 * the largest size `W x H`: component c of `w x h` gets the smallest factors `dx, dy` (1..255,
 * the range of XRsiz/YRsiz in A.5.1) with `ceil(W/dx) = w` and `ceil(H/dy) = h`, and the data are
 * returned planar.
 *
 * @throws J2kError `INPUT_FORMAT` when there are no components, the signedness differs, or a size is
 *   not a sub-sampling of the largest one.
 */
export function pgxComponentsToImage(components: PgxComponent[]): PgxImage {
  const n = components.length;
  if (n === 0) throw new J2kError("INPUT_FORMAT", "no PGX components");
  const signed = components[0]!.signed;
  let bitDepth = 0;
  let width = 0;
  let height = 0;
  let sameSize = true;
  for (let c = 0; c < n; c++) {
    const comp = components[c]!;
    if (comp.signed !== signed) {
      throw new J2kError(
        "INPUT_FORMAT",
        `PGX component ${c} is ${comp.signed ? "signed" : "unsigned"} but component 0 is ${signed ? "signed" : "unsigned"}; all components must agree`,
      );
    }
    bitDepth = Math.max(bitDepth, comp.bitDepth);
    width = Math.max(width, comp.width);
    height = Math.max(height, comp.height);
    if (comp.width !== components[0]!.width || comp.height !== components[0]!.height) sameSize = false;
  }

  if (sameSize) {
    const pixels = width * height;
    const data = sampleArrayFor(bitDepth, signed, pixels * n);
    for (let c = 0; c < n; c++) {
      const src = components[c]!.data;
      for (let i = 0, o = c; i < pixels; i++, o += n) data[o] = src[i]!;
    }
    return { image: { width, height, components: n, bitDepth, signed, data }, planar: false };
  }

  const subsampling: Array<[number, number]> = [];
  let total = 0;
  for (let c = 0; c < n; c++) {
    const comp = components[c]!;
    const dx = subsamplingFactor(width, comp.width);
    const dy = subsamplingFactor(height, comp.height);
    if (dx === 0 || dy === 0) {
      throw new J2kError(
        "INPUT_FORMAT",
        `PGX component ${c} is ${comp.width}x${comp.height}, which is not a sub-sampling (1..255) of the largest component size ${width}x${height}`,
      );
    }
    subsampling.push([dx, dy]);
    total += comp.width * comp.height;
  }
  const data = sampleArrayFor(bitDepth, signed, total);
  let o = 0;
  for (const comp of components) {
    data.set(comp.data.subarray(0, comp.width * comp.height), o);
    o += comp.width * comp.height;
  }
  return { image: { width, height, components: n, bitDepth, signed, data }, planar: true, subsampling };
}

/** Smallest d in 1..255 with ceil(full / d) = size (B.2, origin 0), or 0 if there is none. */
function subsamplingFactor(full: number, size: number): number {
  for (let d = 1; d <= 255; d++) if (Math.ceil(full / d) === size) return d;
  return 0;
}

interface PgxHeader {
  width: number;
  height: number;
  bitDepth: number;
  signed: boolean;
  littleEndian: boolean;
  /** Header length in bytes, including the terminating LF. */
  length: number;
}

function parseHeader(b: Uint8Array): PgxHeader {
  const bad = (why: string, at?: number): J2kError =>
    new J2kError("INPUT_FORMAT", `not a valid PGX header: ${why}`, { offset: at });
  if (b.length < 2 || b[0] !== 0x50 || b[1] !== 0x47) throw bad("the file does not start with PG");
  let p = 2;
  const blanks = (): void => {
    while (p < b.length && (b[p] === 0x20 || b[p] === 0x09)) p++;
  };
  const number = (what: string): number => {
    blanks();
    const start = p;
    let v = 0;
    while (p < b.length && b[p]! >= 0x30 && b[p]! <= 0x39) {
      v = v * 10 + (b[p]! - 0x30);
      p++;
      if (p - start > 10) throw bad(`${what} has too many digits`, start);
    }
    if (p === start) throw bad(`missing ${what}`, start);
    return v;
  };

  blanks();
  const e0 = b[p];
  const e1 = b[p + 1];
  let littleEndian: boolean;
  if (e0 === 0x4d && e1 === 0x4c) littleEndian = false; // ML
  else if (e0 === 0x4c && e1 === 0x4d) littleEndian = true; // LM
  else throw bad("byte order is neither ML nor LM", p);
  p += 2;
  blanks();
  let signed = false;
  if (b[p] === 0x2b /* + */) p++;
  else if (b[p] === 0x2d /* - */) { signed = true; p++; }
  const bitDepth = number("depth");
  const width = number("width");
  const height = number("height");
  while (p < b.length && (b[p] === 0x20 || b[p] === 0x09 || b[p] === 0x0d)) p++;
  if (b[p] !== 0x0a) throw bad("the header line does not end after the height", p);
  p++;
  if (bitDepth < 1 || bitDepth > (signed ? 32 : 31)) throw bad(`depth ${bitDepth} is outside 1..${signed ? 32 : 31}`);
  if (width < 1 || height < 1) throw bad(`image size ${width}x${height} is empty`);
  return { width, height, bitDepth, signed, littleEndian, length: p };
}
