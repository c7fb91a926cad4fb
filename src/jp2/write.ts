/**
 * Writing JP2 files (ISO/IEC 15444-1 Annex I): signature, File Type, JP2 Header (ihdr, bpcc when
 * the components differ, colr, optional res) and one Contiguous Codestream box.
 * @module
 */

import { J2kError } from "../errors.js";
import { BRAND_JP2, BRAND_JPH, JP2_SIGNATURE, boxCode, u16, u32 } from "./boxes.js";
import { iccColorChannels, validateIcc } from "./icc.js";
import { joinBytes } from "../io/bytes.js";

/** Enumerated colour spaces a JP2 writer may use (Table I.10). */
const ENUM_CS = { sRGB: 16, greyscale: 17, sYCC: 18 } as const;

/** Options of {@link writeJp2}. */
export interface Jp2WriteOptions {
  /** Image width and height (must match the codestream's SIZ: Xsiz - XOsiz, Ysiz - YOsiz). */
  width: number;
  height: number;
  /** Number of components (must match Csiz). */
  components: number;
  /** Bit depth of each component, 1-38 (must match Ssiz). */
  bitDepths: number[];
  /** Signedness of each component (must match Ssiz). */
  signed: boolean[];
  /**
   * Enumerated colour space. Default: sRGB for 3 or more components, greyscale otherwise. With
   * `icc`, an enumerated colr box is written after the ICC one only when this is given.
   */
  colorSpace?: "sRGB" | "greyscale" | "sYCC";
  /**
   * ICC profile written as a restricted ICC colour specification (METH 2, I.5.3.3): it must be a
   * monochrome (GRAY + kTRC) or three-component matrix (RGB + XYZ/TRC tags) profile without
   * structural problems.
   */
  icc?: Uint8Array;
  /** Capture / display resolution as [horizontal, vertical] pixels per metre (I.5.3.7). */
  resolution?: { capture?: [number, number]; display?: [number, number] };
  /**
   * The last component is an opacity (alpha) channel for the whole image: a cdef box (I.5.3.6)
   * declares the colour channels 1..n-1 and the alpha, as Typ 1 (opacity; `true` or `"straight"`)
   * or Typ 2 (premultiplied opacity; `"premultiplied"`), Table I.18.
   */
  alpha?: boolean | "straight" | "premultiplied";
  /**
   * File brand: `"jp2"` (default) or `"jph"`, the JPH file format of ISO/IEC 15444-15 Annex D for
   * HTJ2K codestreams (same boxes, brand and compatibility list 'jph ').
   */
  brand?: "jp2" | "jph";
}

function invalid(message: string): J2kError {
  return new J2kError("INVALID_ARGUMENT", message);
}

/** The SIZ fields writeJp2 checks its options against (A.5.1). */
interface SizSummary {
  width: number;
  height: number;
  depths: Array<{ bitDepth: number; signed: boolean }>;
}

function readSiz(cs: Uint8Array): SizSummary {
  if (cs.length < 4 || cs[0] !== 0xff || cs[1] !== 0x4f || cs[2] !== 0xff || cs[3] !== 0x51) {
    throw invalid("the codestream must start with the SOC and SIZ markers (FF 4F FF 51)");
  }
  // SIZ: Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz, then Ssiz XRsiz YRsiz per component.
  if (cs.length < 42) throw invalid("the codestream ends inside its SIZ marker segment");
  const csiz = u16(cs, 40);
  if (cs.length < 42 + 3 * csiz) throw invalid("the codestream ends inside its SIZ marker segment");
  const depths = [];
  for (let i = 0; i < csiz; i++) {
    const s = cs[42 + 3 * i]!;
    depths.push({ bitDepth: (s & 0x7f) + 1, signed: (s & 0x80) !== 0 });
  }
  return { width: u32(cs, 8) - u32(cs, 16), height: u32(cs, 12) - u32(cs, 20), depths };
}

function checkOptions(cs: Uint8Array, o: Jp2WriteOptions): void {
  const n = o.components;
  if (!Number.isInteger(n) || n < 1 || n > 16384) throw invalid(`components must be an integer from 1 to 16384, got ${n}`);
  for (const [k, v] of [["width", o.width], ["height", o.height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0xffffffff) throw invalid(`${k} must be an integer from 1 to 2^32 - 1, got ${v}`);
  }
  if (!Array.isArray(o.bitDepths) || o.bitDepths.length !== n) throw invalid(`bitDepths must list ${n} depths`);
  if (!Array.isArray(o.signed) || o.signed.length !== n) throw invalid(`signed must list ${n} flags`);
  o.bitDepths.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1 || d > 38) throw invalid(`bitDepths[${i}] must be an integer from 1 to 38, got ${d}`);
  });
  const siz = readSiz(cs);
  if (siz.width !== o.width || siz.height !== o.height) {
    throw invalid(`width x height ${o.width}x${o.height} differs from the codestream's SIZ (${siz.width}x${siz.height})`);
  }
  if (siz.depths.length !== n) throw invalid(`components = ${n} differs from the codestream's Csiz = ${siz.depths.length}`);
  siz.depths.forEach((d, i) => {
    if (d.bitDepth !== o.bitDepths[i] || d.signed !== Boolean(o.signed[i])) {
      throw invalid(
        `component ${i} is ${o.signed[i] ? "signed" : "unsigned"} ${o.bitDepths[i]}-bit in the options but ${d.signed ? "signed" : "unsigned"} ${d.bitDepth}-bit in the codestream's SIZ`,
      );
    }
  });
  if (o.colorSpace !== undefined) {
    if (!Object.hasOwn(ENUM_CS, o.colorSpace)) throw invalid(`colorSpace must be "sRGB", "greyscale" or "sYCC", got ${String(o.colorSpace)}`);
    if (o.colorSpace !== "greyscale" && n < 3) throw invalid(`colorSpace ${o.colorSpace} needs 3 components, the image has ${n}`);
  }
  if (o.icc) {
    const v = validateIcc(o.icc);
    if (!v.valid) throw invalid(`the ICC profile cannot be embedded: ${v.problems.join("; ")}`);
    if (v.kind === "other") {
      throw invalid("a JP2 file can only carry a monochrome (GRAY, kTRC) or three-component matrix (RGB, XYZ + TRC tags) ICC profile (I.5.3.3)");
    }
    const channels = iccColorChannels(v.header!.colorSpace)!;
    if (channels > n) throw invalid(`the ICC profile describes ${channels} colour channels, the image has ${n} components`);
  }
}

/** LBox + TBox (+ XLBox when the box exceeds 2^32 - 1 bytes) for `contentLength` bytes of contents (I.4). */
function boxHeader(type: string, contentLength: number): Uint8Array {
  const long = contentLength + 8 > 0xffffffff;
  const total = contentLength + (long ? 16 : 8);
  const out = new Uint8Array(long ? 16 : 8);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, long ? 1 : total);
  dv.setUint32(4, boxCode(type));
  if (long) {
    dv.setUint32(8, Math.floor(total / 0x100000000));
    dv.setUint32(12, total >>> 0);
  }
  return out;
}

/** A whole box: header, then the contents. */
function box(type: string, ...parts: Uint8Array[]): Uint8Array {
  return joinBytes([boxHeader(type, parts.reduce((a, p) => a + p.length, 0)), ...parts]);
}

/** Fixed-size big-endian fields. */
function fields(spec: Array<[number, 1 | 2 | 4]>): Uint8Array {
  const out = new Uint8Array(spec.reduce((a, [, w]) => a + w, 0));
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const [v, w] of spec) {
    if (w === 1) dv.setUint8(o, v & 0xff);
    else if (w === 2) dv.setUint16(o, v & 0xffff);
    else dv.setUint32(o, v >>> 0);
    o += w;
  }
  return out;
}

/**
 * Best fraction n/d of x >= 0 with n <= maxN and 1 <= d <= maxD (continued fractions, with the
 * final semiconvergent).
 */
function bestFraction(x: number, maxN: number, maxD: number): [number, number] {
  let [h0, h1, k0, k1] = [0, 1, 1, 0];
  let best: [number, number] = [Math.min(Math.round(x), maxN), 1];
  let v = x;
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(v);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (h2 > maxN || k2 > maxD) {
      const t = Math.min(a, h1 > 0 ? Math.floor((maxN - h0) / h1) : a, k1 > 0 ? Math.floor((maxD - k0) / k1) : a);
      if (t >= 1) {
        const hs = t * h1 + h0;
        const ks = t * k1 + k0;
        if (Math.abs(hs / ks - x) < Math.abs(best[0] / best[1] - x)) best = [hs, ks];
      }
      break;
    }
    best = [h2, k2];
    [h0, h1, k0, k1] = [h1, h2, k1, k2];
    const frac = v - a;
    if (frac <= 1e-12 * Math.max(1, v)) break;
    v = 1 / frac;
  }
  return best;
}

/** A resolution value (pixels per metre) as N / D * 10^E with u16 N, D and i8 E (I.5.3.7.1). */
export function encodeResolution(value: number): { n: number; d: number; e: number } {
  if (!Number.isFinite(value) || value <= 0) throw invalid(`a resolution must be a positive number of pixels per metre, got ${value}`);
  let best = { n: 0, d: 1, e: 0, err: Infinity };
  for (let e = -127; e <= 127; e++) {
    const x = value / 10 ** e;
    if (x > 65535.5 || x < 1 / 65535 / 2) continue;
    const [n, d] = bestFraction(x, 65535, 65535);
    if (n === 0) continue;
    const err = Math.abs((n / d) * 10 ** e - value) / value;
    if (err < best.err - 1e-15 || (Math.abs(err - best.err) <= 1e-15 && Math.abs(e) < Math.abs(best.e))) best = { n, d, e, err };
  }
  if (best.n === 0) throw invalid(`resolution ${value} cannot be written as N/D x 10^E`);
  return { n: best.n, d: best.d, e: best.e };
}

/** resc / resd contents: VRcN VRcD HRcN HRcD (u16) VRcE HRcE (i8). */
function resolutionBox(type: "resc" | "resd", [horizontal, vertical]: [number, number]): Uint8Array {
  const v = encodeResolution(vertical);
  const h = encodeResolution(horizontal);
  return box(type, fields([[v.n, 2], [v.d, 2], [h.n, 2], [h.d, 2], [v.e, 1], [h.e, 1]]));
}

/**
 * Wrap a codestream in a JP2 file (I.5): jP, ftyp (brand 'jp2 ', MinV 0, CL ['jp2 ']), jp2h
 * (ihdr; bpcc when the components differ in depth or sign, with BPC = 255; colr METH 2 with the
 * ICC profile and/or METH 1 enumerated; res with resc/resd when asked) and jp2c.
 * @throws {J2kError} INVALID_ARGUMENT when the options are out of range or disagree with the
 *   codestream's SIZ, or the ICC profile cannot be carried by a JP2 file.
 */
export function writeJp2(codestream: Uint8Array, options: Jp2WriteOptions): Uint8Array {
  if (!(codestream instanceof Uint8Array)) throw invalid("writeJp2 expects the codestream as a Uint8Array");
  checkOptions(codestream, options);
  const n = options.components;
  const bpcOf = (i: number): number => (options.bitDepths[i]! - 1) | (options.signed[i] ? 0x80 : 0);
  const uniform = options.bitDepths.every((_, i) => bpcOf(i) === bpcOf(0));

  // I.5.3.1 ihdr: HEIGHT WIDTH NC BPC C(=7) UnkC(=0, colour space known) IPR(=0).
  const ihdr = box("ihdr", fields([[options.height, 4], [options.width, 4], [n, 2], [uniform ? bpcOf(0) : 255, 1], [7, 1], [0, 1], [0, 1]]));
  const headerBoxes = [ihdr];
  // I.5.3.2 bpcc: one BPC byte per component, only when they differ.
  if (!uniform) headerBoxes.push(box("bpcc", Uint8Array.from({ length: n }, (_, i) => bpcOf(i))));
  // I.5.3.3 colr: METH, PREC (0), APPROX (0), then EnumCS or the profile.
  if (options.icc) headerBoxes.push(box("colr", fields([[2, 1], [0, 1], [0, 1]]), options.icc));
  if (!options.icc || options.colorSpace) {
    const cs = options.colorSpace ?? (n >= 3 ? "sRGB" : "greyscale");
    headerBoxes.push(box("colr", fields([[1, 1], [0, 1], [0, 1], [ENUM_CS[cs], 4]])));
  }
  // I.5.3.6 cdef: N, then Cn (channel), Typ (0 colour, 1 opacity), Asoc (colour index, 0 = image)
  if (options.alpha) {
    if (n < 2) throw invalid("alpha needs at least 2 components (colour + opacity)");
    const opacity = options.alpha === "premultiplied" ? 2 : 1;
    const entries: Array<[number, 1 | 2 | 4]> = [[n, 2]];
    for (let i = 0; i < n; i++) entries.push([i, 2], [i === n - 1 ? opacity : 0, 2], [i === n - 1 ? 0 : i + 1, 2]);
    headerBoxes.push(box("cdef", fields(entries)));
  }
  // I.5.3.7 res: superbox of resc and/or resd.
  const r = options.resolution;
  if (r && (r.capture || r.display)) {
    const inner: Uint8Array[] = [];
    if (r.capture) inner.push(resolutionBox("resc", r.capture));
    if (r.display) inner.push(resolutionBox("resd", r.display));
    headerBoxes.push(box("res ", ...inner));
  }

  const brand = options.brand === "jph" ? BRAND_JPH : BRAND_JP2;
  if (options.brand !== undefined && options.brand !== "jp2" && options.brand !== "jph") throw invalid(`brand must be "jp2" or "jph", got ${String(options.brand)}`);
  const ftyp = box("ftyp", fields([[brand, 4], [0, 4], [brand, 4]]));
  // The codestream is copied once, straight into the output.
  return joinBytes([JP2_SIGNATURE, ftyp, box("jp2h", ...headerBoxes), boxHeader("jp2c", codestream.length), codestream]);
}
