/**
 * What a decode request asks of the core, checked before anything is allocated: where the codestream
 * is, the default limits, the plan (reduce, layers, region, components) and the output sample type.
 * Shared by the whole-image decoder (decode.ts), the header reader and the strip decoder, so none of
 * them imports another.
 * @module
 */
import { J2kError } from "./errors.js";
import type { DecodeOptions, Limits } from "./types.js";
import type { CoreHeader } from "./core_header.js";
import { sniffFormat } from "./jp2/boxes.js";
import { readJp2, codestreamOf } from "./jp2/read.js";
import type { Jp2File } from "./jp2/types.js";
/** Default limits (see {@link Limits}). */
export const DEFAULT_LIMITS: Required<Limits> = {
  maxPixels: 2 ** 28,
  maxMemory: 3 * 2 ** 30,
  maxTiles: 65535,
  maxComponents: 16384,
  maxTileComponents: 2 ** 20,
};

/** Most code-blocks one tile may declare (each costs ~100 bytes of bookkeeping). */
export const MAX_CODEBLOCKS_PER_TILE = 2 ** 23;

/** The codestream inside `bytes` (raw, or the jp2c box of a JP2/JPX file) and the file info. */
export function locateCodestream(input: ArrayBufferView | ArrayBuffer): { codestream: Uint8Array; jp2?: Jp2File; format: "j2k" | "jp2" | "jpx" } {
  const bytes = asBytes(input);
  const fmt = sniffFormat(bytes);
  if (fmt === "jp2" || fmt === "jpx") {
    const jp2 = readJp2(bytes);
    return { codestream: codestreamOf(bytes, jp2), jp2, format: jp2.format };
  }
  if (fmt === "j2k") return { codestream: bytes, format: "j2k" };
  if (bytes.length === 0) throw new J2kError("NOT_A_CODESTREAM", "the input is empty: no JPEG 2000 data", { offset: 0 });
  throw new J2kError("NOT_A_CODESTREAM", "not a JPEG 2000 codestream (FF4F FF51) or JP2/JPX file (signature box)", { offset: 0 });
}

/** A Uint8Array view of encoded input given as Uint8Array, another ArrayBufferView or ArrayBuffer. */
export function asBytes(input: unknown): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new J2kError("INVALID_ARGUMENT", "expected the encoded image as a Uint8Array, a Node Buffer or an ArrayBuffer");
}

/** Region, resolution and components of a decode, resolved against the header. */
export interface Plan {
  reduce: number;
  layers: number;
  /** Region on the reference grid. */
  rx0: number;
  ry0: number;
  rx1: number;
  ry1: number;
  /** Output image grid (reduced) [gx0, gx0+width) x [gy0, gy0+height). */
  gx0: number;
  gy0: number;
  width: number;
  height: number;
  comps: number[];
}

function checkInt(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) {
    throw new J2kError("INVALID_ARGUMENT", `${name} must be an integer in ${lo}..${hi} (got ${String(v)})`);
  }
  return v;
}

/** Resolve the options of a decode against the header (limits checked). */
export function plan(h: CoreHeader, o: DecodeOptions, limits: Required<Limits>): Plan {
  const C = h.components.length;
  if (C > limits.maxComponents) {
    throw new J2kError("LIMIT_COMPONENTS", `codestream declares ${C} components, above limits.maxComponents (${limits.maxComponents})`);
  }
  const tiles = h.tilesX * h.tilesY;
  if (tiles > limits.maxTiles) throw new J2kError("LIMIT_TILES", `codestream declares ${tiles} tiles, above limits.maxTiles (${limits.maxTiles})`);
  const reduce = o.reduce === undefined ? 0 : checkInt("reduce", o.reduce, 0, 32);
  if (reduce > h.minLevels) {
    throw new J2kError(
      "INVALID_ARGUMENT",
      `reduce ${reduce} is more than the ${h.minLevels} decomposition level(s) of this codestream; use reduce <= ${h.minLevels}`,
    );
  }
  const layers = o.layers === undefined ? 0 : checkInt("layers", o.layers, 1, 65535);
  let rx0 = h.XOsiz, ry0 = h.YOsiz, rx1 = h.Xsiz, ry1 = h.Ysiz;
  if (o.region) {
    const r = o.region;
    const W = h.Xsiz - h.XOsiz, H = h.Ysiz - h.YOsiz;
    checkInt("region.x", r.x, 0, W - 1);
    checkInt("region.y", r.y, 0, H - 1);
    checkInt("region.width", r.width, 1, 2 ** 32);
    checkInt("region.height", r.height, 1, 2 ** 32);
    rx0 = h.XOsiz + r.x;
    ry0 = h.YOsiz + r.y;
    rx1 = Math.min(h.Xsiz, rx0 + r.width);
    ry1 = Math.min(h.Ysiz, ry0 + r.height);
  }
  checkTileComponents(h, limits, rx0, ry0, rx1, ry1);
  let comps: number[];
  if (o.components) {
    if (!Array.isArray(o.components) || o.components.length === 0) {
      throw new J2kError("INVALID_ARGUMENT", "components must be a non-empty array of component indices");
    }
    const seen = new Set<number>();
    for (const c of o.components) {
      checkInt("components[]", c, 0, C - 1);
      if (seen.has(c)) throw new J2kError("INVALID_ARGUMENT", `component ${c} is listed twice in components`);
      seen.add(c);
    }
    comps = [...o.components];
  } else {
    comps = h.components.map((_, i) => i);
  }
  const s = 2 ** reduce;
  const gx0 = Math.ceil(rx0 / s), gy0 = Math.ceil(ry0 / s);
  const width = Math.ceil(rx1 / s) - gx0, height = Math.ceil(ry1 / s) - gy0;
  if (width < 1 || height < 1) {
    // B-14: a small (or offset) image can have no samples at a low resolution
    let keep = reduce;
    while (keep > 0 && (Math.ceil(rx1 / 2 ** keep) - Math.ceil(rx0 / 2 ** keep) < 1 || Math.ceil(ry1 / 2 ** keep) - Math.ceil(ry0 / 2 ** keep) < 1)) keep--;
    throw new J2kError(
      "INVALID_ARGUMENT",
      `at reduce ${reduce} the ${o.region ? "region" : "image"} (${rx1 - rx0} x ${ry1 - ry0} at ${rx0},${ry0} on the reference grid) has no samples (${width} x ${height}); use reduce <= ${keep}`,
    );
  }
  if (width * height > limits.maxPixels) {
    throw new J2kError(
      "LIMIT_PIXELS",
      `the decoded image would have ${(width * height / 1e6).toFixed(1)} megapixels, above limits.maxPixels (${(limits.maxPixels / 1e6).toFixed(1)}); raise the limit if the file is trusted, or decode a region or a reduced resolution`,
    );
  }
  return { reduce, layers, rx0, ry0, rx1, ry1, gx0, gy0, width, height, comps };
}

/**
 * Refuse a decode that would set up more than `limits.maxTileComponents` tile-components: the tiles
 * meeting [rx0, rx1) x [ry0, ry1) on the reference grid (B-7) times the number of components (all
 * of them: the packets of components not decoded are read too). Checked before the core builds any
 * tile, so a short header declaring thousands of tiles of 16384 components fails at once instead
 * of running for minutes.
 */
export function checkTileComponents(h: CoreHeader, limits: Required<Limits>, rx0 = h.XOsiz, ry0 = h.YOsiz, rx1 = h.Xsiz, ry1 = h.Ysiz): void {
  const span = (lo: number, hi: number, t0: number, ts: number, n: number): number => {
    const first = Math.max(0, Math.floor((lo - t0) / ts));
    const last = Math.min(n - 1, Math.ceil((hi - t0) / ts) - 1);
    return Math.max(0, last - first + 1);
  };
  const tiles = span(rx0, rx1, h.XTOsiz, h.XTsiz, h.tilesX) * span(ry0, ry1, h.YTOsiz, h.YTsiz, h.tilesY);
  checkTileComponentCount(tiles, h.components.length, limits);
}

/** {@link checkTileComponents} for a count of tiles already known (e.g. every tile, when transcoding). */
export function checkTileComponentCount(tiles: number, components: number, limits: Required<Limits>): void {
  const n = tiles * components;
  if (n > limits.maxTileComponents) {
    throw new J2kError(
      "LIMIT_TILES",
      `the codestream would need ${tiles} tiles x ${components} components = ${n} tile-components set up, above limits.maxTileComponents (${limits.maxTileComponents}); raise the limit if the file is trusted${tiles > 1 ? ", or decode a smaller region" : ""}`,
    );
  }
}

/**
 * Refuse a buffer of `bytes` (computed as a JS number from header fields: never wrapped) above
 * `limits.maxMemory` before it is allocated, inside WebAssembly memory or on the JS heap.
 */
export function checkOutputBytes(bytes: number, limits: Required<Limits>, what: string): void {
  if (!(bytes <= limits.maxMemory)) {
    throw new J2kError(
      "LIMIT_MEMORY",
      `${what} needs ${(bytes / 2 ** 20).toFixed(0)} MiB, above limits.maxMemory (${(limits.maxMemory / 2 ** 20).toFixed(0)} MiB); raise the limit if the file is trusted, or decode fewer components, a region or a reduced resolution`,
    );
  }
}

/** Depth/sign of the output array for these components. */
export function outputType(infos: Array<{ bitDepth: number; signed: boolean }>): { bitDepth: number; signed: boolean } {
  const bitDepth = Math.max(...infos.map((i) => i.bitDepth));
  // SIZ allows 38 bits (A.5.1); decoded samples are at most Int32Array. The core refuses such a
  // component when it builds a tile, but a decode whose tiles carry no data builds none: check here.
  if (bitDepth > 31) throw new J2kError("UNSUPPORTED", `component precision of ${bitDepth} bits; j2kit decodes at most 31 bits per sample`);
  const anySigned = infos.some((i) => i.signed);
  const allSigned = infos.every((i) => i.signed);
  // mixed signedness needs a type wide enough for both ranges
  if (anySigned && !allSigned) return { bitDepth: Math.max(bitDepth + 1, 17), signed: true };
  return { bitDepth, signed: anySigned };
}
