/**
 * Rendering of decoded JP2 images to 8-bit sRGB for the ISO/IEC 15444-4 JP2 tests (Table G.1: the
 * references `jp2_N.tif` are 8-bit RGB renderings), in the test helpers so that the comparison
 * does not depend on colour handling in the library:
 *
 * - greyscale (enumerated 17, or 1-2 channels without colr): channel 0 replicated to R, G, B;
 * - sRGB (enumerated 16): the first three channels;
 * - sYCC (enumerated 18): IEC 61966-2-1 Amendment 1 inverse matrix to non-linear sRGB;
 * - restricted ICC (METH 2) matrix/TRC profiles (RGB or GRAY input, XYZ PCS, ICC.1 clause 8.3):
 *   device → linear via the TRC curves (curv gamma/table, para), → PCS XYZ (D50) via the colorant
 *   tags, → linear sRGB via the inverse of the D50-adapted sRGB colorant matrix, → sRGB transfer
 *   function;
 * - precision: more than 8 bits → shifted down (what `opj_decompress -p 8S` does), fewer →
 *   scaled up to 0..255.
 * @module
 */
import { newPlane, type Plane } from "./images.js";
import type { ColourSpec } from "./jp2_boxes.js";

/** Decoded channels at full image resolution (already upsampled and palette-expanded). */
export interface RenderInput {
  planes: Plane[];
  bitDepth: number[];
  signed: boolean[];
}

/** Result of {@link renderToRgb8}: three 8-bit planes and how they were made. */
export interface Rendered {
  planes: [Plane, Plane, Plane];
  method: string;
}

/** Thrown when a colour specification cannot be rendered by these helpers. */
export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RenderError";
  }
}

/** Unsigned value of a sample (signed samples are offset by 2^(p-1), as PNM writers do). */
function unsignedOf(v: number, bits: number, signed: boolean): number {
  return signed ? v + 2 ** (bits - 1) : v;
}

/** Bring an unsigned `bits`-bit value to 8 bits. */
export function to8Bits(v: number, bits: number): number {
  if (bits === 8) return v;
  if (bits > 8) return Math.floor(v / 2 ** (bits - 8));
  return Math.floor((v * 255) / (2 ** bits - 1));
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** sRGB transfer function (IEC 61966-2-1): linear 0..1 → encoded 0..1. */
function srgbEncode(l: number): number {
  if (l <= 0) return 0;
  if (l >= 1) return 1;
  return l <= 0.0031308 ? 12.92 * l : 1.055 * Math.pow(l, 1 / 2.4) - 0.055;
}

// ----------------------------------------------------------------------------------------------
// ICC (ICC.1:2001-04 / v2.x): header, tag table, XYZType, curveType, parametricCurveType
// ----------------------------------------------------------------------------------------------

type Curve = (x: number) => number;

interface MatrixTrcProfile {
  colourSpace: "RGB " | "GRAY";
  /** Columns rXYZ, gXYZ, bXYZ (RGB) — PCS XYZ, D50. */
  matrix?: number[][];
  trc: Curve[];
}

function s15f16(view: DataView, o: number): number {
  return view.getInt32(o) / 65536;
}

function parseCurve(view: DataView, o: number, size: number): Curve {
  const type = String.fromCharCode(view.getUint8(o), view.getUint8(o + 1), view.getUint8(o + 2), view.getUint8(o + 3));
  if (type === "curv") {
    const n = view.getUint32(o + 8);
    if (n === 0) return (x) => x;
    if (n === 1) {
      const gamma = view.getUint16(o + 12) / 256; // u8Fixed8Number
      return (x) => Math.pow(x, gamma);
    }
    if (12 + 2 * n > size) throw new RenderError("ICC curv table runs past its tag");
    const table = Array.from({ length: n }, (_, i) => view.getUint16(o + 12 + 2 * i) / 65535);
    return (x) => {
      const p = Math.min(Math.max(x, 0), 1) * (n - 1);
      const i = Math.floor(p);
      const f = p - i;
      return i >= n - 1 ? table[n - 1]! : table[i]! * (1 - f) + table[i + 1]! * f;
    };
  }
  if (type === "para") {
    const fn = view.getUint16(o + 8);
    const count = [1, 3, 4, 5, 7][fn];
    if (count === undefined) throw new RenderError(`ICC para function type ${fn}`);
    const [g, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0] = Array.from({ length: count }, (_, i) => s15f16(view, o + 12 + 4 * i));
    return (x) => {
      switch (fn) {
        case 0:
          return Math.pow(x, g!);
        case 1:
          return x >= -b / a ? Math.pow(a * x + b, g!) : 0;
        case 2:
          return x >= -b / a ? Math.pow(a * x + b, g!) + c : c;
        case 3:
          return x >= d ? Math.pow(a * x + b, g!) : c * x;
        default:
          return x >= d ? Math.pow(a * x + b, g!) + e : c * x + f;
      }
    };
  }
  throw new RenderError(`ICC TRC type ${JSON.stringify(type)} not supported`);
}

/** Parse a matrix/TRC ICC profile (RGB or GRAY → XYZ). Throws {@link RenderError} otherwise. */
export function parseMatrixTrcProfile(icc: Uint8Array): MatrixTrcProfile {
  if (icc.length < 132) throw new RenderError(`ICC profile of ${icc.length} bytes is too short`);
  const view = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const str = (o: number) => String.fromCharCode(icc[o]!, icc[o + 1]!, icc[o + 2]!, icc[o + 3]!);
  const colourSpace = str(16);
  if (colourSpace !== "RGB " && colourSpace !== "GRAY") throw new RenderError(`ICC data colour space ${colourSpace}`);
  if (str(20) !== "XYZ ") throw new RenderError(`ICC PCS ${str(20)} (only XYZ)`);
  const count = view.getUint32(128);
  if (count > (icc.length - 132) / 12) throw new RenderError(`ICC tag count ${count} does not fit the profile`);
  const tags = new Map<string, { offset: number; size: number }>();
  for (let i = 0; i < count; i++) {
    const e = 132 + 12 * i;
    const offset = view.getUint32(e + 4);
    const size = view.getUint32(e + 8);
    if (offset + Math.min(size, 12) > icc.length) throw new RenderError(`ICC tag ${str(e)} outside the profile`);
    tags.set(str(e), { offset, size });
  }
  const tag = (sig: string) => tags.get(sig) ?? (() => { throw new RenderError(`ICC tag ${sig} missing`); })();
  if (colourSpace === "GRAY") {
    const k = tag("kTRC");
    return { colourSpace, trc: [parseCurve(view, k.offset, k.size)] };
  }
  const xyz = (sig: string) => {
    const t = tag(sig);
    return [s15f16(view, t.offset + 8), s15f16(view, t.offset + 12), s15f16(view, t.offset + 16)];
  };
  const r = xyz("rXYZ");
  const g = xyz("gXYZ");
  const b = xyz("bXYZ");
  const matrix = [0, 1, 2].map((row) => [r[row]!, g[row]!, b[row]!]);
  const trc = ["rTRC", "gTRC", "bTRC"].map((sig) => {
    const t = tag(sig);
    return parseCurve(view, t.offset, t.size);
  });
  return { colourSpace, matrix, trc };
}

function invert3(m: number[][]): number[][] {
  const [a, b, c] = m[0]!;
  const [d, e, f] = m[1]!;
  const [g, h, i] = m[2]!;
  const A = e! * i! - f! * h!;
  const B = -(d! * i! - f! * g!);
  const C = d! * h! - e! * g!;
  const det = a! * A + b! * B + c! * C;
  return [
    [A / det, -(b! * i! - c! * h!) / det, (b! * f! - c! * e!) / det],
    [B / det, (a! * i! - c! * g!) / det, -(a! * f! - c! * d!) / det],
    [C / det, -(a! * h! - b! * g!) / det, (a! * e! - b! * d!) / det],
  ];
}

/** sRGB colorants adapted to the D50 PCS (Bradford), as in the ICC sRGB profiles; columns R, G, B. */
const SRGB_D50 = [
  [0.4360747, 0.3850649, 0.1430804],
  [0.2225045, 0.7168786, 0.0606169],
  [0.0139322, 0.0971045, 0.7141733],
];
const XYZ_TO_SRGB = invert3(SRGB_D50);
const D50 = [0.9642, 1.0, 0.8249];

// ----------------------------------------------------------------------------------------------

/**
 * Render decoded channels to 8-bit sRGB according to the first colour specification these helpers
 * understand (`specs` in file order; I.5.3.3 lets a reader pick the first it supports).
 */
export function renderToRgb8(input: RenderInput, specs: ColourSpec[]): Rendered {
  const { planes } = input;
  const w = planes[0]!.width;
  const h = planes[0]!.height;
  const n = w * h;
  const out: [Plane, Plane, Plane] = [newPlane(w, h), newPlane(w, h), newPlane(w, h)];
  const value = (c: number, i: number) => unsignedOf(planes[c]!.data[i]!, input.bitDepth[c]!, input.signed[c]!);
  const grey = (method: string): Rendered => {
    for (let i = 0; i < n; i++) {
      const v = clamp8(to8Bits(value(0, i), input.bitDepth[0]!));
      out[0].data[i] = v;
      out[1].data[i] = v;
      out[2].data[i] = v;
    }
    return { planes: out, method };
  };
  const rgb = (method: string): Rendered => {
    if (planes.length < 3) throw new RenderError(`${method} needs 3 channels, decoded ${planes.length}`);
    for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) out[c]!.data[i] = clamp8(to8Bits(value(c, i), input.bitDepth[c]!));
    return { planes: out, method };
  };

  for (const spec of specs) {
    if (spec.meth === 1 && spec.enumCS === 17) return grey("greyscale (enumerated 17)");
    if (spec.meth === 1 && spec.enumCS === 16) return rgb("sRGB (enumerated 16)");
    if (spec.meth === 1 && spec.enumCS === 18) {
      if (planes.length < 3) throw new RenderError(`sYCC needs 3 channels, decoded ${planes.length}`);
      // IEC 61966-2-1 Amd 1: Cb, Cr are offset by 2^(p-1); the result is non-linear sRGB.
      for (let i = 0; i < n; i++) {
        const p = input.bitDepth[0]!;
        const max = 2 ** p - 1;
        const y = value(0, i);
        const cb = value(1, i) - 2 ** (input.bitDepth[1]! - 1);
        const cr = value(2, i) - 2 ** (input.bitDepth[2]! - 1);
        const r = Math.min(max, Math.max(0, Math.round(y + 1.402 * cr)));
        const g = Math.min(max, Math.max(0, Math.round(y - 0.344136 * cb - 0.714136 * cr)));
        const b = Math.min(max, Math.max(0, Math.round(y + 1.772 * cb)));
        out[0].data[i] = to8Bits(r, p);
        out[1].data[i] = to8Bits(g, p);
        out[2].data[i] = to8Bits(b, p);
      }
      return { planes: out, method: "sYCC (enumerated 18)" };
    }
    if (spec.meth === 2 && spec.icc) {
      let profile: MatrixTrcProfile;
      try {
        profile = parseMatrixTrcProfile(spec.icc);
      } catch {
        continue; // not one we understand: try the next colr box
      }
      const channels = profile.colourSpace === "GRAY" ? 1 : 3;
      if (planes.length < channels) throw new RenderError(`ICC ${profile.colourSpace} needs ${channels} channels`);
      // Lookup tables per channel: device code value → linear (the TRC).
      const luts = profile.trc.map((curve, c) => {
        const max = 2 ** input.bitDepth[c]! - 1;
        return Float64Array.from({ length: max + 1 }, (_, v) => curve(v / max));
      });
      const m = profile.matrix;
      for (let i = 0; i < n; i++) {
        let X: number, Y: number, Z: number;
        if (!m) {
          const l = luts[0]![value(0, i)]!;
          X = l * D50[0]!;
          Y = l * D50[1]!;
          Z = l * D50[2]!;
        } else {
          const r = luts[0]![value(0, i)]!;
          const g = luts[1]![value(1, i)]!;
          const b = luts[2]![value(2, i)]!;
          X = m[0]![0]! * r + m[0]![1]! * g + m[0]![2]! * b;
          Y = m[1]![0]! * r + m[1]![1]! * g + m[1]![2]! * b;
          Z = m[2]![0]! * r + m[2]![1]! * g + m[2]![2]! * b;
        }
        for (let c = 0; c < 3; c++) {
          const row = XYZ_TO_SRGB[c]!;
          out[c]!.data[i] = Math.round(255 * srgbEncode(row[0]! * X + row[1]! * Y + row[2]! * Z));
        }
      }
      return { planes: out, method: `ICC ${profile.colourSpace} matrix/TRC → sRGB` };
    }
  }
  // No colour specification we understand: judge by the channel count.
  return planes.length >= 3 ? rgb("RGB (no usable colr)") : grey("greyscale (no usable colr)");
}
