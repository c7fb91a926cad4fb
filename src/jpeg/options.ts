/**
 * Options of the JPEG encoder and their validation.
 * @module
 */
import { J2kError } from "../errors.js";

/** Chroma subsampling: `"auto"` = 4:4:4 at quality ≥ 90, else 4:2:0 (as vips and ImageMagick). */
export type JpegSubsampling = "auto" | "444" | "422" | "420";

/** Pixel density written in the JFIF APP0 segment. */
export interface JpegDensity {
  /** `"none"`: x/y give the pixel aspect ratio only; `"dpi"`: dots per inch; `"dpcm"`: dots per centimetre. */
  unit: "none" | "dpi" | "dpcm";
  /** Horizontal and vertical density, 1..65535. */
  x: number;
  y: number;
}

/** Options shared by {@link encodeJpeg} and {@link createJpegWriter}. */
export interface JpegOptions {
  /** IJG quality 1..100 (libjpeg's scaling of the ISO/IEC 10918-1 Annex K tables, as `cjpeg -quality`). Default 75. */
  quality?: number;
  /** Chroma subsampling of 3-component images (ignored for greyscale). Default `"auto"`. */
  subsampling?: JpegSubsampling;
  /** Restart interval in MCUs (DRI; 0 = none). Default 0. */
  restartInterval?: number;
  /** ICC profile, written as APP2 `ICC_PROFILE` segments of at most 65519 bytes each (at most 255 of them). */
  icc?: Uint8Array;
  /** XMP packet, written as one APP1 segment (`http://ns.adobe.com/xap/1.0/`); at most 65502 bytes of UTF-8. */
  xmp?: string | Uint8Array;
  /** Comments, each written as COM segment(s) (UTF-8). */
  comments?: string[];
  /** JFIF density. Default: aspect ratio 1:1, no unit (as cjpeg). */
  density?: JpegDensity;
}

/** Options of {@link encodeJpeg}. */
export interface JpegEncodeOptions extends JpegOptions {
  /**
   * Optimised Huffman tables (ISO/IEC 10918-1 K.2; as `cjpeg -optimize`): a statistics pass over
   * the whole image before coding, typically 5-10 % smaller files. Default false.
   */
  optimizeHuffman?: boolean;
}

/** Validated settings handed to the core. */
export interface JpegSettings {
  quality: number;
  /** Luminance sampling factors (chrominance is 1x1). */
  hY: number;
  vY: number;
  restartInterval: number;
  icc?: Uint8Array;
  xmp?: Uint8Array;
  comments: Uint8Array[];
  densityUnit: number;
  xDensity: number;
  yDensity: number;
}

/** ICC data per APP2 segment and the most segments (the sequence number is one byte). */
export const ICC_CHUNK_BYTES = 65519;
export const XMP_MAX_BYTES = 65502;

function bad(message: string): J2kError {
  return new J2kError("ENCODE_INVALID_OPTIONS", message);
}

function intIn(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) {
    throw bad(`invalid JPEG option: ${name} must be an integer from ${lo} to ${hi} (got ${String(v)})`);
  }
  return v;
}

/** The luminance sampling factors a subsampling choice gives at `quality`. */
export function samplingFor(subsampling: JpegSubsampling, quality: number): [number, number] {
  const s = subsampling === "auto" ? (quality >= 90 ? "444" : "420") : subsampling;
  return s === "444" ? [1, 1] : s === "422" ? [2, 1] : [2, 2];
}

/** Validate options; `components` is the number of coded components (1 or 3). */
export function jpegSettings(o: JpegOptions, components: number): JpegSettings {
  if (o === null || typeof o !== "object") throw bad("JPEG options must be an object");
  const quality = o.quality === undefined ? 75 : intIn("quality", o.quality, 1, 100);
  const sub = o.subsampling ?? "auto";
  if (!["auto", "444", "422", "420"].includes(sub)) {
    throw bad(`invalid JPEG option: subsampling must be "auto", "444", "422" or "420" (got ${JSON.stringify(sub)})`);
  }
  const [hY, vY] = components === 1 ? [1, 1] : samplingFor(sub, quality);
  const restartInterval = o.restartInterval === undefined ? 0 : intIn("restartInterval", o.restartInterval, 0, 65535);
  let icc: Uint8Array | undefined;
  if (o.icc !== undefined) {
    if (!(o.icc instanceof Uint8Array)) throw bad("invalid JPEG option: icc must be a Uint8Array holding an ICC profile");
    if (o.icc.length > 255 * ICC_CHUNK_BYTES) {
      throw bad(`invalid JPEG option: the ICC profile has ${o.icc.length} bytes; at most ${255 * ICC_CHUNK_BYTES} fit in 255 APP2 segments`);
    }
    if (o.icc.length > 0) icc = o.icc;
  }
  let xmp: Uint8Array | undefined;
  if (o.xmp !== undefined) {
    if (typeof o.xmp === "string") xmp = new TextEncoder().encode(o.xmp);
    else if (o.xmp instanceof Uint8Array) xmp = o.xmp;
    else throw bad("invalid JPEG option: xmp must be a string or a Uint8Array");
    if (xmp.length > XMP_MAX_BYTES) {
      throw bad(`invalid JPEG option: the XMP packet has ${xmp.length} bytes; one APP1 segment holds at most ${XMP_MAX_BYTES} (extended XMP is not written)`);
    }
    if (xmp.length === 0) xmp = undefined;
  }
  const comments: Uint8Array[] = [];
  if (o.comments !== undefined) {
    if (!Array.isArray(o.comments) || o.comments.some((s) => typeof s !== "string")) throw bad("invalid JPEG option: comments must be an array of strings");
    for (const s of o.comments) comments.push(new TextEncoder().encode(s));
  }
  let densityUnit = 0;
  let xDensity = 1;
  let yDensity = 1;
  if (o.density !== undefined) {
    const d = o.density;
    const units = { none: 0, dpi: 1, dpcm: 2 } as const;
    if (d === null || typeof d !== "object" || !(d.unit in units)) throw bad('invalid JPEG option: density.unit must be "none", "dpi" or "dpcm"');
    densityUnit = units[d.unit];
    xDensity = intIn("density.x", d.x, 1, 65535);
    yDensity = intIn("density.y", d.y, 1, 65535);
  }
  return { quality, hY, vY, restartInterval, icc, xmp, comments, densityUnit, xDensity, yDensity };
}
