/**
 * Readers for the reference image formats of the test data (PGX, PNM, TIFF, headerless RAW) and
 * the comparison metrics (peak |difference|, MSE, PSNR).
 *
 * These are deliberately independent of the library's own src/io readers: a reference comparison
 * must never go through the code under test.
 * @module
 */

/** One component (or channel) as plain integers, row-major, top row first. */
export interface Plane {
  width: number;
  height: number;
  data: Int32Array;
}

/** A reference image: one {@link Plane} per component plus its precision and signedness. */
export interface RefImage {
  width: number;
  height: number;
  components: number;
  /** Bits per sample of each component. */
  bitDepth: number[];
  /** Signedness of each component. */
  signed: boolean[];
  planes: Plane[];
}

/** Thrown for unreadable reference files (a broken test set-up, not a codec failure). */
export class ReferenceFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReferenceFormatError";
  }
}

const fail = (message: string): never => {
  throw new ReferenceFormatError(message);
};

/** A new zeroed plane. */
export function newPlane(width: number, height: number): Plane {
  return { width, height, data: new Int32Array(width * height) };
}

// ---------------------------------------------------------------------------------------------
// PGX (the ISO/IEC 15444-4 reference format): "PG <ML|LM> [+|-] <depth> <width> <height>\n" + samples.
// Spacing varies between files ("PG ML +8", "PG ML + 8", "PG ML  8"), so the header is tokenised.
// ---------------------------------------------------------------------------------------------

/** A parsed PGX file: one component. */
export interface PgxImage extends Plane {
  bitDepth: number;
  signed: boolean;
  bigEndian: boolean;
}

/** Parse a PGX file (tolerant header, big- or little-endian, signed or unsigned, 1-32 bits). */
export function readPgx(bytes: Uint8Array): PgxImage {
  const nl = bytes.indexOf(0x0a);
  if (nl < 0 || nl > 200) fail("PGX: no header line");
  const header = new TextDecoder("latin1").decode(bytes.subarray(0, nl));
  const m = /^PG\s*(ML|LM)\s*([+-]?)\s*(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(header);
  if (!m) return fail(`PGX: cannot parse header ${JSON.stringify(header)}`);
  const bigEndian = m[1] === "ML";
  const signed = m[2] === "-";
  const bitDepth = Number(m[3]);
  const width = Number(m[4]);
  const height = Number(m[5]);
  if (bitDepth < 1 || bitDepth > 32) fail(`PGX: bit depth ${bitDepth}`);
  const bps = bitDepth <= 8 ? 1 : bitDepth <= 16 ? 2 : 4;
  const start = nl + 1;
  const n = width * height;
  if (bytes.length < start + n * bps) fail(`PGX: ${bytes.length - start} data bytes, need ${n * bps}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, n * bps);
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    if (bps === 1) v = signed ? view.getInt8(i) : view.getUint8(i);
    else if (bps === 2) v = signed ? view.getInt16(2 * i, !bigEndian) : view.getUint16(2 * i, !bigEndian);
    else v = signed ? view.getInt32(4 * i, !bigEndian) : view.getUint32(4 * i, !bigEndian);
    // Samples narrower than their container may carry a sign in the container's top bits or not:
    // re-interpret the low `bitDepth` bits so both conventions read the same.
    if (bitDepth < bps * 8 && bitDepth < 32) {
      const mask = 2 ** bitDepth;
      v = ((v % mask) + mask) % mask;
      if (signed && v >= mask / 2) v -= mask;
    }
    data[i] = v;
  }
  return { width, height, data, bitDepth, signed, bigEndian };
}

// ---------------------------------------------------------------------------------------------
// PNM: P2 (ASCII grey), P3 (ASCII RGB), P5 (binary grey), P6 (binary RGB); maxval up to 65535
// (two bytes per sample, most significant first, when maxval > 255).
// ---------------------------------------------------------------------------------------------

/** Parse a PNM file (P2/P3/P5/P6, 8- or 16-bit). `bitDepth` is derived from maxval. */
export function readPnm(bytes: Uint8Array): RefImage {
  let pos = 0;
  const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
  const token = (): string => {
    for (;;) {
      while (pos < bytes.length && isSpace(bytes[pos]!)) pos++;
      if (bytes[pos] === 0x23) {
        while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
        continue;
      }
      break;
    }
    const s = pos;
    while (pos < bytes.length && !isSpace(bytes[pos]!) && bytes[pos] !== 0x23) pos++;
    if (s === pos) fail("PNM: unexpected end of header");
    return String.fromCharCode(...bytes.subarray(s, pos));
  };
  const magic = token();
  const components = magic === "P2" || magic === "P5" ? 1 : magic === "P3" || magic === "P6" ? 3 : fail(`PNM: magic ${magic}`);
  const width = Number(token());
  const height = Number(token());
  const maxval = Number(token());
  if (!(width > 0 && height > 0 && maxval > 0 && maxval < 65536)) fail("PNM: bad header numbers");
  const bitDepth = Math.ceil(Math.log2(maxval + 1));
  const planes = Array.from({ length: components }, () => newPlane(width, height));
  const n = width * height;
  if (magic === "P5" || magic === "P6") {
    pos++; // exactly one whitespace byte ends the header
    const bps = maxval > 255 ? 2 : 1;
    if (bytes.length < pos + n * components * bps) fail("PNM: truncated raster");
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < components; c++) {
        const k = pos + (i * components + c) * bps;
        planes[c]!.data[i] = bps === 1 ? bytes[k]! : (bytes[k]! << 8) | bytes[k + 1]!;
      }
    }
  } else {
    for (let i = 0; i < n; i++) for (let c = 0; c < components; c++) planes[c]!.data[i] = Number(token());
  }
  return {
    width,
    height,
    components,
    bitDepth: Array(components).fill(bitDepth),
    signed: Array(components).fill(false),
    planes,
  };
}

// ---------------------------------------------------------------------------------------------
// TIFF 6.0 baseline subset: strips, 8-bit samples, chunky (PlanarConfiguration 1), no compression
// or LZW (section 13) with optional horizontal differencing (Predictor 2, section 14).
// ---------------------------------------------------------------------------------------------

/** Decode TIFF LZW (TIFF 6.0 section 13: MSB-first codes, 256 = Clear, 257 = EOI, early change). */
export function lzwDecodeTiff(src: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let outPos = 0;
  // Dictionary as (prefix code, last byte, length); strings are written by walking prefixes.
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Int32Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    length[i] = 1;
  }
  let next = 258;
  let width = 9;
  let bitBuf = 0;
  let bitCount = 0;
  let srcPos = 0;
  let prev = -1;
  const emit = (code: number): number => {
    const len = length[code]!;
    let p = outPos + len - 1;
    let c = code;
    let first = 0;
    while (c >= 0) {
      if (p < expected) out[p] = suffix[c]!;
      first = suffix[c]!;
      p--;
      c = prefix[c]!;
    }
    outPos += len;
    return first;
  };
  while (outPos < expected) {
    while (bitCount < width) {
      if (srcPos >= src.length) return out; // ran out of data: what was decoded stays
      bitBuf = ((bitBuf << 8) | src[srcPos++]!) >>> 0;
      bitCount += 8;
    }
    const code = (bitBuf >>> (bitCount - width)) & ((1 << width) - 1);
    bitCount -= width;
    bitBuf &= (1 << bitCount) - 1;
    if (code === 257) break;
    if (code === 256) {
      next = 258;
      width = 9;
      prev = -1;
      continue;
    }
    if (prev < 0) {
      if (code > 255) fail("TIFF LZW: first code after Clear is not a literal");
      emit(code);
      prev = code;
      continue;
    }
    let first: number;
    if (code < next) {
      first = emit(code);
      if (next < 4096) {
        prefix[next] = prev;
        suffix[next] = first;
        length[next] = length[prev]! + 1;
        next++;
      }
    } else if (code === next) {
      // KwKwK case: the new string is prev + first byte of prev.
      let c = prev;
      while (prefix[c]! >= 0) c = prefix[c]!;
      first = suffix[c]!;
      prefix[next] = prev;
      suffix[next] = first;
      length[next] = length[prev]! + 1;
      next++;
      emit(code);
    } else {
      return fail(`TIFF LZW: code ${code} beyond table (${next})`);
    }
    prev = code;
    // Early change: the code width grows one code before the table fills the current width.
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return out;
}

/** Parse an 8-bit TIFF (grey or RGB, uncompressed or LZW, predictor 1 or 2). */
export function readTiff(bytes: Uint8Array): RefImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = String.fromCharCode(bytes[0]!, bytes[1]!);
  const le = order === "II" ? true : order === "MM" ? false : fail("TIFF: byte order mark");
  if (view.getUint16(2, le) !== 42) fail("TIFF: magic 42 missing");
  const ifd = view.getUint32(4, le);
  const count = view.getUint16(ifd, le);
  const typeSize: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };
  const tags = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + 12 * i;
    const tag = view.getUint16(e, le);
    const type = view.getUint16(e + 2, le);
    const n = view.getUint32(e + 4, le);
    const size = (typeSize[type] ?? 1) * n;
    const at = size <= 4 ? e + 8 : view.getUint32(e + 8, le);
    const values: number[] = [];
    for (let k = 0; k < n && (type === 3 || type === 4 || type === 1); k++) {
      values.push(type === 3 ? view.getUint16(at + 2 * k, le) : type === 4 ? view.getUint32(at + 4 * k, le) : view.getUint8(at + k));
    }
    tags.set(tag, values);
  }
  const one = (tag: number, dflt?: number): number => {
    const v = tags.get(tag)?.[0] ?? dflt;
    return v === undefined ? fail(`TIFF: required tag ${tag} missing`) : v;
  };
  const width = one(256);
  const height = one(257);
  const spp = one(277, 1);
  const bits = tags.get(258) ?? [1];
  if (bits.some((b) => b !== 8)) fail(`TIFF: only 8-bit samples supported, got ${bits.join(",")}`);
  const compression = one(259, 1);
  if (compression !== 1 && compression !== 5) fail(`TIFF: compression ${compression} not supported`);
  if (one(284, 1) !== 1) fail("TIFF: planar configuration 2 not supported");
  const predictor = one(317, 1);
  const rowsPerStrip = Math.min(one(278, height), height);
  const offsets = tags.get(273) ?? fail("TIFF: no StripOffsets");
  const counts = tags.get(279) ?? fail("TIFF: no StripByteCounts");
  const rowBytes = width * spp;
  const raster = new Uint8Array(rowBytes * height);
  for (let s = 0; s < offsets.length; s++) {
    const firstRow = s * rowsPerStrip;
    if (firstRow >= height) break;
    const rows = Math.min(rowsPerStrip, height - firstRow);
    const strip = bytes.subarray(offsets[s], offsets[s]! + counts[s]!);
    const want = rows * rowBytes;
    const decoded = compression === 5 ? lzwDecodeTiff(strip, want) : strip.subarray(0, want);
    raster.set(decoded.subarray(0, want), firstRow * rowBytes);
  }
  if (predictor === 2) {
    // Horizontal differencing (section 14): each sample is stored as the difference to the sample
    // of the same component one pixel to the left, modulo 256.
    for (let y = 0; y < height; y++) {
      const row = y * rowBytes;
      for (let x = spp; x < rowBytes; x++) raster[row + x] = (raster[row + x]! + raster[row + x - spp]!) & 0xff;
    }
  } else if (predictor !== 1) {
    fail(`TIFF: predictor ${predictor} not supported`);
  }
  const planes = Array.from({ length: spp }, () => newPlane(width, height));
  for (let i = 0; i < width * height; i++) for (let c = 0; c < spp; c++) planes[c]!.data[i] = raster[i * spp + c]!;
  return { width, height, components: spp, bitDepth: Array(spp).fill(8), signed: Array(spp).fill(false), planes };
}

// ---------------------------------------------------------------------------------------------
// Headerless raw samples (medical_raw/*.RAW: little-endian, pixel-interleaved, 1 or 2 bytes).
// ---------------------------------------------------------------------------------------------

/** Layout of a headerless raw file. */
export interface RawLayout {
  width: number;
  height: number;
  components: number;
  /** 1, 2 or 4 bytes per sample. */
  bytesPerSample: 1 | 2 | 4;
  signed: boolean;
  /** Default true (little-endian). */
  littleEndian?: boolean;
  /** Default false: samples are pixel-interleaved. True: component planes one after another. */
  planar?: boolean;
  /** Precision to report (defaults to 8 * bytesPerSample). */
  bitDepth?: number;
}

/** Parse headerless raw samples. */
export function readRaw(bytes: Uint8Array, layout: RawLayout): RefImage {
  const { width, height, components, bytesPerSample: bps, signed } = layout;
  const le = layout.littleEndian ?? true;
  const n = width * height;
  if (bytes.length !== n * components * bps) fail(`RAW: ${bytes.length} bytes, layout needs ${n * components * bps}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const planes = Array.from({ length: components }, () => newPlane(width, height));
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < components; c++) {
      const k = (layout.planar ? c * n + i : i * components + c) * bps;
      planes[c]!.data[i] =
        bps === 1
          ? signed ? view.getInt8(k) : view.getUint8(k)
          : bps === 2
            ? signed ? view.getInt16(k, le) : view.getUint16(k, le)
            : signed ? view.getInt32(k, le) : view.getUint32(k, le);
    }
  }
  const depth = layout.bitDepth ?? bps * 8;
  return { width, height, components, bitDepth: Array(components).fill(depth), signed: Array(components).fill(signed), planes };
}

// ---------------------------------------------------------------------------------------------
// Layout helpers
// ---------------------------------------------------------------------------------------------

/** Anything holding integer samples by index. */
export type Samples = ArrayLike<number>;

/** Split pixel-interleaved samples into planes. */
export function deinterleave(data: Samples, width: number, height: number, components: number): Plane[] {
  const n = width * height;
  if (data.length < n * components) throw new ReferenceFormatError(`deinterleave: ${data.length} samples < ${n}x${components}`);
  const planes = Array.from({ length: components }, () => newPlane(width, height));
  for (let i = 0; i < n; i++) for (let c = 0; c < components; c++) planes[c]!.data[i] = data[i * components + c]!;
  return planes;
}

/** Planes of samples stored plane after plane. */
export function splitPlanar(data: Samples, width: number, height: number, components: number): Plane[] {
  const n = width * height;
  return Array.from({ length: components }, (_, c) => {
    const p = newPlane(width, height);
    for (let i = 0; i < n; i++) p.data[i] = data[c * n + i]!;
    return p;
  });
}

/**
 * Upsample a sub-sampled component to the image grid by sample replication, aligned on the
 * reference grid (B.2): image pixel x (absolute x0 ≤ x < x0 + width) takes component sample
 * floor(x / dx) − ceil(x0 / dx); likewise in y. Pixels before the first sample (see
 * {@link uncoveredBorder}) take the first sample.
 */
export function upsampleToGrid(p: Plane, dx: number, dy: number, x0: number, y0: number, width: number, height: number): Plane {
  const out = newPlane(width, height);
  const cx0 = Math.ceil(x0 / dx);
  const cy0 = Math.ceil(y0 / dy);
  for (let y = 0; y < height; y++) {
    const sy = Math.max(0, Math.min(p.height - 1, Math.floor((y0 + y) / dy) - cy0));
    for (let x = 0; x < width; x++) {
      const sx = Math.max(0, Math.min(p.width - 1, Math.floor((x0 + x) / dx) - cx0));
      out.data[y * width + x] = p.data[sy * p.width + sx]!;
    }
  }
  return out;
}

/** A plane from any integer array. */
export function planeOf(data: Samples, width: number, height: number): Plane {
  const p = newPlane(width, height);
  for (let i = 0; i < width * height; i++) p.data[i] = data[i]!;
  return p;
}

// ---------------------------------------------------------------------------------------------
// Metrics (as OpenJPEG's compare_images: per component peak |ref - test| and
// MSE = sum((ref - test)^2) / (width * height)).
// ---------------------------------------------------------------------------------------------

/** Peak absolute error and mean squared error of one component. */
export interface ComponentError {
  peak: number;
  mse: number;
}

/** Border excluded from a comparison: the first `left` columns and `top` rows. */
export interface Skip {
  left: number;
  top: number;
}

/**
 * Compare two planes of equal size. Throws (a set-up error) when the sizes differ. With `skip`,
 * the first `skip.left` columns and `skip.top` rows are left out (see {@link uncoveredBorder}).
 */
export function compareComponent(ref: Plane, test: Plane, skip: Skip = { left: 0, top: 0 }): ComponentError {
  if (ref.width !== test.width || ref.height !== test.height) {
    throw new ReferenceFormatError(`size mismatch: reference ${ref.width}x${ref.height}, decoded ${test.width}x${test.height}`);
  }
  let peak = 0;
  let sum = 0;
  let n = 0;
  for (let y = skip.top; y < ref.height; y++) {
    for (let x = skip.left, i = y * ref.width + skip.left; x < ref.width; x++, i++) {
      const d = ref.data[i]! - test.data[i]!;
      const a = d < 0 ? -d : d;
      if (a > peak) peak = a;
      sum += d * d;
      n++;
    }
  }
  return { peak, mse: n > 0 ? sum / n : 0 };
}

/**
 * Columns/rows at the left/top of the image grid that no sample of a sub-sampled component covers:
 * component samples sit at multiples of XRsiz/YRsiz on the reference grid (B.2), so when the image
 * origin is not such a multiple the first `XRsiz·ceil(XOsiz/XRsiz) − XOsiz` columns have no sample.
 * Their upsampled value is undefined (OpenJPEG's `-upsample` writes 0 there, and so do the
 * kakadu_j2c references made with it); comparisons of upsampled output leave them out.
 */
export function uncoveredBorder(x0: number, y0: number, components: Array<{ dx: number; dy: number }>): Skip {
  let left = 0;
  let top = 0;
  for (const c of components) {
    if (c.dx > 0) left = Math.max(left, c.dx * Math.ceil(x0 / c.dx) - x0);
    if (c.dy > 0) top = Math.max(top, c.dy * Math.ceil(y0 / c.dy) - y0);
  }
  return { left, top };
}

/** PSNR in dB for an MSE and a peak signal value (e.g. 2^bits - 1); Infinity for MSE 0 (test/helpers/psnr.mjs). */
export { psnrFromMse as psnr } from "./psnr.mjs";

/** MSE over all samples of several planes (the PSNR convention of benchcorpus/PEERS.md). */
export function pooledMse(ref: Plane[], test: Plane[]): number {
  let sum = 0;
  let n = 0;
  for (let c = 0; c < ref.length; c++) {
    const e = compareComponent(ref[c]!, test[c]!);
    sum += e.mse * ref[c]!.width * ref[c]!.height;
    n += ref[c]!.width * ref[c]!.height;
  }
  return n > 0 ? sum / n : 0;
}

/** Position and values of the first differing sample (for readable failure messages). */
export function firstDifference(ref: Plane, test: Plane): string {
  const n = Math.min(ref.data.length, test.data.length);
  for (let i = 0; i < n; i++) {
    if (ref.data[i] !== test.data[i]) {
      return `first difference at (x ${i % ref.width}, y ${Math.floor(i / ref.width)}): reference ${ref.data[i]}, decoded ${test.data[i]}`;
    }
  }
  return ref.data.length === test.data.length ? "identical" : `lengths differ (${ref.data.length} vs ${test.data.length})`;
}

/** Pixel-interleaved image (the public API's J2kImage shape) from reference planes. */
export function interleaveImage(ref: RefImage, bitDepth = Math.max(...ref.bitDepth), signed = ref.signed.some(Boolean)) {
  const n = ref.width * ref.height;
  const total = n * ref.components;
  const data =
    bitDepth > 16 ? new Int32Array(total) : signed ? new Int16Array(total) : bitDepth <= 8 ? new Uint8Array(total) : new Uint16Array(total);
  for (let i = 0; i < n; i++) for (let c = 0; c < ref.components; c++) data[i * ref.components + c] = ref.planes[c]!.data[i]!;
  return { width: ref.width, height: ref.height, components: ref.components, bitDepth, signed, data };
}
