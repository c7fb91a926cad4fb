/**
 * PNG (ISO/IEC 15948, W3C PNG 2nd/3rd edition) writer and reader for the CLI.
 *
 * Uses `node:zlib` for deflate/inflate, so this module is for Node only (the library itself never
 * imports it). CRC-32 is computed here (PNG §5.5, ISO 3309 polynomial 0xEDB88320, reflected).
 * @module
 */
import { deflateSync, inflateSync } from "node:zlib";
import { J2kError } from "../errors.js";
import { sampleArrayFor } from "../samples.js";
import type { J2kImage, SampleArray } from "../types.js";
import { checkGeometry, sampleOutOfRange } from "./sample_checks.js";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** PNG colour types (§11.2.2, Table 11.1) by number of components: grey, grey+alpha, RGB, RGBA. */
const COLOUR_TYPE_FOR_COMPONENTS = [0, 0, 4, 2, 6] as const;

let crcTable: Uint32Array | null = null;

/** CRC-32 of `bytes[start, end)` as PNG computes it over chunk type and data (§5.5). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let table = crcTable;
  if (table === null) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    crcTable = table;
  }
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Options for {@link writePng}. */
export interface WritePngOptions {
  /** zlib compression level 0-9 (default 6). */
  compressionLevel?: number;
}

/**
 * Encode an interleaved image as PNG: 1 component → greyscale, 2 → grey + alpha, 3 → RGB,
 * 4 → RGBA. Samples of up to 8 bits are stored in 8-bit PNG samples, 9-16 bits in 16-bit samples.
 *
 * A precision that PNG cannot store directly (e.g. 12 bits) is scaled up to the PNG sample depth by
 * left bit replication and recorded in an `sBIT` chunk, as PNG §12.5 prescribes; the original value is
 * the top `bitDepth` bits (`readPng` undoes this). Signed images are written with an offset of
 * 2^(bitDepth−1) added to every sample (as OpenJPEG does for PNM).
 *
 * @throws J2kError `INVALID_ARGUMENT` for 0 or more than 4 components, a bit depth outside 1..16,
 *   too few samples, or a sample outside its bit depth.
 */
export function writePng(image: J2kImage, options: WritePngOptions = {}): Uint8Array {
  const { width, height, components, bitDepth, signed, data } = image;
  if (!Number.isInteger(components) || components < 1 || components > 4) {
    throw new J2kError("INVALID_ARGUMENT", `PNG holds 1 to 4 components; this image has ${components} (write PGX instead)`);
  }
  checkGeometry(width, height);
  if (!Number.isInteger(bitDepth) || bitDepth < 1 || bitDepth > 16) {
    throw new J2kError("INVALID_ARGUMENT", `PNG holds 1- to 16-bit samples; this image has ${bitDepth} bits (write PGX instead)`);
  }
  const count = width * height * components;
  if (data.length < count) {
    throw new J2kError("INVALID_ARGUMENT", `image data holds ${data.length} samples, ${count} expected`);
  }
  if (width > 0x7fffffff || height > 0x7fffffff) throw new J2kError("INVALID_ARGUMENT", "PNG dimensions are limited to 2^31-1");

  const depth = bitDepth <= 8 ? 8 : 16;
  const bytesPerSample = depth / 8;
  const bpp = components * bytesPerSample; // filter unit (§9.2 "bpp")
  const rowBytes = width * bpp;
  const offset = signed ? 2 ** (bitDepth - 1) : 0;
  const maxIn = 2 ** bitDepth - 1;
  const scale = bitDepth === depth ? null : replicationTable(bitDepth, depth);

  // Raw scanlines (unfiltered), then one filter byte + filtered row each (§9).
  const raw = new Uint8Array(rowBytes);
  const prev = new Uint8Array(rowBytes);
  const filtered = new Uint8Array(height * (rowBytes + 1));
  let s = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0, p = 0; x < width * components; x++) {
      const v = data[s]! + offset;
      if (!(v >= 0 && v <= maxIn)) throw sampleOutOfRange(data[s]!, bitDepth, signed, s);
      s++;
      const w = scale === null ? v : scale[v]!;
      if (bytesPerSample === 2) raw[p++] = w >>> 8;
      raw[p++] = w & 0xff;
    }
    filterRow(raw, y === 0 ? null : prev, bpp, filtered, y * (rowBytes + 1));
    prev.set(raw);
  }

  const chunks: Uint8Array[] = [];
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = depth;
  ihdr[9] = COLOUR_TYPE_FOR_COMPONENTS[components]!;
  ihdr[10] = 0; // compression method 0: deflate
  ihdr[11] = 0; // filter method 0: adaptive, five types
  ihdr[12] = 0; // no interlace
  chunks.push(chunk("IHDR", ihdr));
  if (scale !== null) chunks.push(chunk("sBIT", new Uint8Array(components).fill(bitDepth)));
  const level = options.compressionLevel ?? 6;
  const z = deflateSync(filtered, { level });
  const zdata = new Uint8Array(z.buffer, z.byteOffset, z.byteLength);
  const IDAT_MAX = 1 << 20;
  for (let o = 0; o < zdata.length || o === 0; o += IDAT_MAX) {
    chunks.push(chunk("IDAT", zdata.subarray(o, Math.min(zdata.length, o + IDAT_MAX))));
    if (zdata.length === 0) break;
  }
  chunks.push(chunk("IEND", new Uint8Array(0)));

  let total = SIGNATURE.length;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  out.set(SIGNATURE, 0);
  let o = SIGNATURE.length;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Value v of `from` bits → `to` bits by left bit replication (PNG §12.5). */
function replicationTable(from: number, to: number): Uint16Array {
  const n = 1 << from;
  const t = new Uint16Array(n);
  for (let v = 0; v < n; v++) {
    let out = 0;
    let shift = to - from;
    while (shift > -from) {
      out |= shift >= 0 ? v << shift : v >>> -shift;
      shift -= from;
    }
    t[v] = out;
  }
  return t;
}

/**
 * Filter one scanline with the type that minimises the sum of absolute filtered bytes taken as
 * signed (the heuristic PNG §12.8 suggests), writing the type byte and the row at `out[at]`.
 * On the first row (`prev` null) Up/Average/Paeth reduce to None/Sub-like predictors, so only
 * None and Sub are tried.
 */
function filterRow(raw: Uint8Array, prev: Uint8Array | null, bpp: number, out: Uint8Array, at: number): void {
  const n = raw.length;
  const cost = (f: number): number => (f < 128 ? f : 256 - f);
  let best = 0;
  let bestCost = 0;
  for (let i = 0; i < n; i++) bestCost += cost(raw[i]!);
  let c1 = 0;
  for (let i = 0; i < n; i++) c1 += cost((raw[i]! - (i >= bpp ? raw[i - bpp]! : 0)) & 0xff);
  if (c1 < bestCost) { best = 1; bestCost = c1; }
  if (prev !== null) {
    let c2 = 0;
    for (let i = 0; i < n; i++) c2 += cost((raw[i]! - prev[i]!) & 0xff);
    if (c2 < bestCost) { best = 2; bestCost = c2; }
    let c3 = 0;
    for (let i = 0; i < n; i++) c3 += cost((raw[i]! - (((i >= bpp ? raw[i - bpp]! : 0) + prev[i]!) >>> 1)) & 0xff);
    if (c3 < bestCost) { best = 3; bestCost = c3; }
    let c4 = 0;
    for (let i = 0; i < n; i++) {
      const a = i >= bpp ? raw[i - bpp]! : 0;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      c4 += cost((raw[i]! - paeth(a, prev[i]!, c)) & 0xff);
    }
    if (c4 < bestCost) best = 4;
  }
  out[at] = best;
  const o = at + 1;
  for (let i = 0; i < n; i++) {
    const a = i >= bpp ? raw[i - bpp]! : 0;
    const b = prev === null ? 0 : prev[i]!;
    const c = prev !== null && i >= bpp ? prev[i - bpp]! : 0;
    out[o + i] = (raw[i]! - predictor(best, a, b, c)) & 0xff;
  }
}

/** Paeth predictor (§9.4). */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = p > a ? p - a : a - p;
  const pb = p > b ? p - b : b - p;
  const pc = p > c ? p - c : c - p;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Filter predictors (§9.2, Table 9.1). */
function predictor(type: number, a: number, b: number, c: number): number {
  switch (type) {
    case 0: return 0;
    case 1: return a;
    case 2: return b;
    case 3: return (a + b) >>> 1;
    default: return paeth(a, b, c);
  }
}

/**
 * Premultiplied alpha (JP2 cdef Typ 2) → straight alpha, which is what PNG stores (PNG 3rd ed.
 * §3.1 "alpha": colour samples are not premultiplied). The last of 2 or 4 interleaved unsigned
 * components is the alpha; each colour sample becomes `round(c · max / a)` clamped to `max`, and 0
 * where `a` is 0 (no colour survives full transparency). Returns a new image.
 */
export function straightAlpha(image: J2kImage): J2kImage {
  const { components: n, bitDepth, data } = image;
  if ((n !== 2 && n !== 4) || image.signed) return image;
  const max = 2 ** bitDepth - 1;
  const out = sampleArrayFor(bitDepth, false, data.length);
  for (let i = 0; i + n <= data.length; i += n) {
    const a = data[i + n - 1]!;
    for (let c = 0; c < n - 1; c++) out[i + c] = a === 0 ? 0 : Math.min(max, Math.round((data[i + c]! * max) / a));
    out[i + n - 1] = a;
  }
  return { ...image, data: out };
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/**
 * Decode a PNG file: greyscale, grey + alpha, RGB, RGBA (1/2/4/8/16-bit as the format allows) and
 * palette images (expanded to RGB, or RGBA when a `tRNS` chunk gives palette alpha), interlaced or
 * not. Returns 1-4 interleaved components at the PNG sample depth; when an `sBIT` chunk gives the
 * same smaller precision for every channel, samples are shifted down to it (the inverse of
 * {@link writePng}). A `tRNS` colour key of a grey or RGB image is ignored (no alpha is made up).
 *
 * @throws J2kError `INPUT_FORMAT` for anything that is not a valid PNG (bad signature, CRC, chunk
 *   order, zlib data, sizes).
 */
export function readPng(bytes: Uint8Array): J2kImage {
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== SIGNATURE[i]) throw new J2kError("INPUT_FORMAT", "not a PNG file (bad signature)");
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  let ihdr: { width: number; height: number; depth: number; colourType: number; interlace: number } | null = null;
  let palette: Uint8Array | null = null;
  let paletteAlpha: Uint8Array | null = null;
  let sbit: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (!ended) {
    if (bytes.length - p < 12) throw new J2kError("INPUT_FORMAT", "PNG file is truncated (no IEND chunk)", { offset: p });
    const length = dv.getUint32(p);
    if (length > 0x7fffffff || bytes.length - p - 12 < length) {
      throw new J2kError("INPUT_FORMAT", "PNG chunk length runs past the end of the file", { offset: p });
    }
    const type = String.fromCharCode(bytes[p + 4]!, bytes[p + 5]!, bytes[p + 6]!, bytes[p + 7]!);
    const data = bytes.subarray(p + 8, p + 8 + length);
    if (crc32(bytes, p + 4, p + 8 + length) !== dv.getUint32(p + 8 + length)) {
      throw new J2kError("INPUT_FORMAT", `PNG chunk ${type} has a bad CRC`, { offset: p });
    }
    if (ihdr === null && type !== "IHDR") throw new J2kError("INPUT_FORMAT", "PNG does not start with an IHDR chunk", { offset: p });
    switch (type) {
      case "IHDR": {
        if (ihdr !== null || length !== 13) throw new J2kError("INPUT_FORMAT", "bad PNG IHDR chunk", { offset: p });
        ihdr = {
          width: dv.getUint32(p + 8),
          height: dv.getUint32(p + 12),
          depth: data[8]!,
          colourType: data[9]!,
          interlace: data[12]!,
        };
        if (data[10] !== 0 || data[11] !== 0 || ihdr.interlace > 1) {
          throw new J2kError("INPUT_FORMAT", "PNG uses an unknown compression, filter or interlace method", { offset: p });
        }
        break;
      }
      case "PLTE":
        if (length % 3 !== 0 || length === 0 || length > 768) throw new J2kError("INPUT_FORMAT", "bad PNG PLTE chunk", { offset: p });
        palette = data;
        break;
      case "tRNS":
        if (ihdr?.colourType === 3) paletteAlpha = data;
        break;
      case "sBIT":
        sbit = data;
        break;
      case "IDAT":
        idat.push(data);
        break;
      case "IEND":
        ended = true;
        break;
      default:
        // Unknown critical chunks (upper-case first letter, §5.4) cannot be skipped safely.
        if ((bytes[p + 4]! & 0x20) === 0) {
          throw new J2kError("INPUT_FORMAT", `PNG contains an unknown critical chunk ${type}`, { offset: p });
        }
    }
    p += 12 + length;
  }
  if (ihdr === null) throw new J2kError("INPUT_FORMAT", "PNG has no IHDR chunk");
  const { width, height, depth, colourType, interlace } = ihdr;
  const channelsOf: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
  const allowed: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  const channels = channelsOf[colourType];
  if (channels === undefined || !allowed[colourType]!.includes(depth)) {
    throw new J2kError("INPUT_FORMAT", `PNG colour type ${colourType} with bit depth ${depth} is not valid`);
  }
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new J2kError("INPUT_FORMAT", `PNG size ${width}x${height} is not valid`);
  }
  if (colourType === 3 && palette === null) throw new J2kError("INPUT_FORMAT", "PNG palette image has no PLTE chunk");
  if (idat.length === 0) throw new J2kError("INPUT_FORMAT", "PNG has no image data (IDAT)");

  const passes = interlace === 1 ? ADAM7 : [[0, 0, 1, 1]];
  let expected = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0!) / dx!);
    const ph = Math.ceil((height - y0!) / dy!);
    if (pw > 0 && ph > 0) expected += ph * (1 + Math.ceil((pw * channels * depth) / 8));
  }
  let zlibData: Uint8Array;
  if (idat.length === 1) zlibData = idat[0]!;
  else {
    zlibData = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
    let o = 0;
    for (const d of idat) { zlibData.set(d, o); o += d.length; }
  }
  let inflated: Uint8Array;
  try {
    const buf = inflateSync(zlibData, { maxOutputLength: Math.max(expected, 1) });
    inflated = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new J2kError("INPUT_FORMAT", `PNG image data could not be inflated (${(e as Error).message})`, { cause: e });
  }
  if (inflated.length < expected) {
    throw new J2kError("INPUT_FORMAT", `PNG image data is truncated: ${inflated.length} of ${expected} bytes`);
  }

  const outChannels = colourType === 3 ? (paletteAlpha !== null ? 4 : 3) : channels;
  const outDepth = colourType === 3 ? 8 : depth;
  const samples = sampleArrayFor(outDepth, false, width * height * outChannels);
  const bpp = Math.max(1, (channels * depth) / 8);
  let at = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0!) / dx!);
    const ph = Math.ceil((height - y0!) / dy!);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil((pw * channels * depth) / 8);
    const pass = unfilter(inflated, at, rowBytes, ph, bpp);
    at += ph * (rowBytes + 1);
    for (let y = 0; y < ph; y++) {
      const row = y * rowBytes;
      for (let x = 0; x < pw; x++) {
        const o = (((y0! + y * dy!) * width) + x0! + x * dx!) * outChannels;
        for (let c = 0; c < channels; c++) {
          const v = sampleAt(pass, row, x * channels + c, depth);
          if (colourType === 3) {
            if (v * 3 >= palette!.length) throw new J2kError("INPUT_FORMAT", `PNG palette index ${v} is past the palette`);
            samples[o] = palette![v * 3]!;
            samples[o + 1] = palette![v * 3 + 1]!;
            samples[o + 2] = palette![v * 3 + 2]!;
            if (outChannels === 4) samples[o + 3] = v < paletteAlpha!.length ? paletteAlpha![v]! : 255;
          } else {
            samples[o + c] = v;
          }
        }
      }
    }
  }
  const image: J2kImage = { width, height, components: outChannels, bitDepth: outDepth, signed: false, data: samples };
  return colourType === 3 ? image : applySignificantBits(image, sbit);
}

/** Adam7 passes (§8.2): x0, y0, dx, dy. */
const ADAM7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];

/** Undo the per-row filters (§9.2) of `rows` rows of `rowBytes` starting at `src[at]`. */
function unfilter(src: Uint8Array, at: number, rowBytes: number, rows: number, bpp: number): Uint8Array {
  const out = new Uint8Array(rowBytes * rows);
  for (let y = 0; y < rows; y++) {
    const type = src[at + y * (rowBytes + 1)]!;
    if (type > 4) throw new J2kError("INPUT_FORMAT", `PNG row ${y} has unknown filter type ${type}`);
    const s = at + y * (rowBytes + 1) + 1;
    const o = y * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? out[o + i - bpp]! : 0;
      const b = y > 0 ? out[o - rowBytes + i]! : 0;
      const c = y > 0 && i >= bpp ? out[o - rowBytes + i - bpp]! : 0;
      out[o + i] = (src[s + i]! + predictor(type, a, b, c)) & 0xff;
    }
  }
  return out;
}

/** Sample number `index` of a row of `depth`-bit samples (bits packed MSB first, §7.2). */
function sampleAt(buf: Uint8Array, row: number, index: number, depth: number): number {
  switch (depth) {
    case 16: return (buf[row + 2 * index]! << 8) | buf[row + 2 * index + 1]!;
    case 8: return buf[row + index]!;
    default: {
      const bit = index * depth;
      const byte = buf[row + (bit >>> 3)]!;
      return (byte >>> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
    }
  }
}

/** Shift samples down to the precision an sBIT chunk declares, when it is the same for all channels. */
function applySignificantBits(image: J2kImage, sbit: Uint8Array | null): J2kImage {
  if (sbit === null || sbit.length === 0) return image;
  const bits = sbit[0]!;
  for (let i = 0; i < sbit.length; i++) if (sbit[i] !== bits) return image;
  if (bits < 1 || bits >= image.bitDepth) return image;
  const shift = image.bitDepth - bits;
  const data: SampleArray = sampleArrayFor(bits, false, image.data.length);
  for (let i = 0; i < data.length; i++) data[i] = image.data[i]! >>> shift;
  return { ...image, bitDepth: bits, data };
}
