/**
 * Encoding: samples to a JPEG 2000 codestream or JP2 file.
 * @module
 */
import { J2kError } from "./errors.js";
import type { CodeBlockStyleFlag, EncodeOptions, J2kImage, ProgressionOrder } from "./types.js";
import { callCore } from "./wasm/load.js";
import { EncoderInfo, EncoderParam as F } from "./core_interface.js";
import { PROGRESSIONS, CBLK_FLAGS } from "./core_header.js";
import { writeJp2 } from "./jp2/write.js";
import { decode } from "./decode.js";
import { runInWorker } from "./worker/pool.js";

function bad(message: string): J2kError {
  return new J2kError("ENCODE_INVALID_OPTIONS", message);
}

function isPow2(v: number): boolean {
  return Number.isInteger(v) && v > 0 && (v & (v - 1)) === 0;
}

function log2i(v: number): number {
  return Math.round(Math.log2(v));
}

/** Options after presets and defaults, validated. */
interface Settings {
  format: "j2k" | "jp2";
  lossless: boolean;
  levels: number;
  cbw: number;
  cbh: number;
  mct: boolean;
  progression: number;
  layers: number;
  ratios?: number[];
  psnr?: number[];
  baseStep: number;
  tile?: { width: number; height: number; x0: number; y0: number };
  origin: { x: number; y: number };
  precincts?: Array<[number, number]>;
  cblkStyle: number;
  sop: boolean;
  eph: boolean;
  tlm: boolean;
  plt: boolean;
  tileParts: number;
  guardBits: number;
  subsampling?: Array<[number, number]>;
  poc?: Array<[number, number, number, number, number, number]>;
}

function settingsOf(image: J2kImage, o: EncodeOptions): Settings {
  const C = image.components;
  const preset = o.preset;
  if (preset !== undefined && preset !== "dicom") throw bad(`unknown preset "${String(preset)}" (supported: "dicom")`);
  if (o.ratios !== undefined && o.psnr !== undefined) throw bad("give either ratios or psnr, not both");
  const lossyAsked = o.ratios !== undefined || o.psnr !== undefined || o.quality !== undefined;
  let lossless = o.lossless ?? !lossyAsked;

  if (o.ratios) {
    if (!Array.isArray(o.ratios) || o.ratios.length === 0) throw bad("ratios must be a non-empty array of compression ratios");
    o.ratios.forEach((r, i) => {
      if (typeof r !== "number" || !(r >= 1) || !Number.isFinite(r)) throw bad(`ratios[${i}] must be a number >= 1 (got ${String(r)})`);
      if (i > 0 && !(r < o.ratios![i - 1]!)) throw bad(`ratios must be decreasing (layer ${i}: ${r} after ${o.ratios![i - 1]})`);
    });
    // A final ratio of 1 means "and a lossless last layer" (reversible coding)
    if (o.ratios[o.ratios.length - 1] === 1 && o.lossless !== false) lossless = true;
    else if (o.lossless === undefined) lossless = false;
  }
  if (o.psnr) {
    if (!Array.isArray(o.psnr) || o.psnr.length === 0) throw bad("psnr must be a non-empty array of PSNR targets in dB");
    const last = o.psnr.length - 1;
    o.psnr.forEach((p, i) => {
      const okValue = typeof p === "number" && p > 0 && (Number.isFinite(p) || (i === last && p === Infinity));
      if (!okValue) throw bad(`psnr[${i}] must be a positive number of dB (Infinity allowed last, for a lossless final layer; got ${String(p)})`);
      if (i > 0 && !(p > o.psnr![i - 1]!)) throw bad(`psnr targets must be increasing (layer ${i}: ${p} after ${o.psnr![i - 1]})`);
    });
    // A final target of Infinity means "and a lossless last layer" (reversible coding)
    if (o.psnr[last] === Infinity) {
      if (o.lossless === false) throw bad("psnr ending with Infinity asks for a lossless last layer: remove lossless: false");
      lossless = true;
    } else if (o.lossless === true) {
      throw bad("lossless: true with psnr targets needs a final Infinity target (e.g. psnr: [40, 50, Infinity])");
    } else {
      lossless = false;
    }
  }
  let quality = o.quality;
  if (quality !== undefined && (typeof quality !== "number" || !(quality >= 1 && quality <= 100))) throw bad(`quality must be 1..100 (got ${String(quality)})`);

  let levels = o.levels ?? (preset === "dicom" ? 6 : 5);
  if (!Number.isInteger(levels) || levels < 0 || levels > 32) throw bad(`levels must be an integer 0..32 (got ${String(levels)})`);
  const cb = o.codeBlock ?? [64, 64];
  if (!Array.isArray(cb) || cb.length !== 2) throw bad("codeBlock must be [width, height]");
  const [cbw, cbh] = cb;
  if (!isPow2(cbw) || !isPow2(cbh) || cbw < 4 || cbh < 4 || cbw > 1024 || cbh > 1024 || cbw * cbh > 4096) {
    throw bad(`code-block ${cbw}x${cbh} is not allowed: width and height must be powers of two from 4 to 1024 with width*height <= 4096 (e.g. 64x64, 32x128)`);
  }
  let mct = o.mct ?? C >= 3;
  if (mct && C < 3) {
    if (o.mct === true) throw bad(`the colour transform (mct) needs at least 3 components; this image has ${C}: set mct: false`);
    mct = false;
  }
  const subs = o.subsampling;
  if (subs) {
    if (!Array.isArray(subs) || subs.length !== C) throw bad(`subsampling must list [dx, dy] for each of the ${C} components`);
    subs.forEach(([dx, dy], i) => {
      if (!Number.isInteger(dx) || !Number.isInteger(dy) || dx < 1 || dy < 1 || dx > 255 || dy > 255) throw bad(`subsampling[${i}] must be integers 1..255`);
    });
    if (mct && (subs[0]![0] !== subs[1]![0] || subs[0]![0] !== subs[2]![0] || subs[0]![1] !== subs[1]![1] || subs[0]![1] !== subs[2]![1])) {
      if (o.mct === true) throw bad("the colour transform needs the first three components sampled alike");
      mct = false;
    }
  }
  const order: ProgressionOrder = o.progression ?? "LRCP";
  const progression = PROGRESSIONS.indexOf(order);
  if (progression < 0) throw bad(`progression must be one of ${PROGRESSIONS.join(", ")} (got ${String(order)})`);
  let cblkStyle = 0;
  for (const f of o.codeBlockStyle ?? []) {
    const bit = CBLK_FLAGS.indexOf(f as CodeBlockStyleFlag);
    if (bit < 0) throw bad(`unknown code-block style "${String(f)}" (allowed: ${CBLK_FLAGS.join(", ")})`);
    cblkStyle |= 1 << bit;
  }
  const guardBits = o.guardBits ?? 2;
  if (!Number.isInteger(guardBits) || guardBits < 0 || guardBits > 7) throw bad(`guardBits must be 0..7 (got ${String(guardBits)})`);
  let tile: Settings["tile"];
  if (o.tile) {
    const t = o.tile;
    if (!Number.isInteger(t.width) || !Number.isInteger(t.height) || t.width < 1 || t.height < 1) throw bad("tile width and height must be positive integers");
    tile = { width: t.width, height: t.height, x0: t.x0 ?? 0, y0: t.y0 ?? 0 };
  }
  const origin = { x: o.origin?.x ?? 0, y: o.origin?.y ?? 0 };
  if (!Number.isInteger(origin.x) || !Number.isInteger(origin.y) || origin.x < 0 || origin.y < 0) throw bad("origin must be non-negative integers");
  if (tile && (tile.x0 > origin.x || tile.y0 > origin.y || tile.x0 + tile.width <= origin.x || tile.y0 + tile.height <= origin.y)) {
    throw bad("the tile grid origin must be at or before the image origin, and the first tile must contain it (A.5.1)");
  }
  if (tile) {
    const tiles = Math.ceil((origin.x + image.width - tile.x0) / tile.width) * Math.ceil((origin.y + image.height - tile.y0) / tile.height);
    if (tiles > 65535) throw bad(`${tile.width}x${tile.height} tiles give ${tiles} tiles; at most 65535 are allowed (A.4.2): use larger tiles`);
  }
  let precincts: Settings["precincts"];
  if (o.precincts) {
    if (!Array.isArray(o.precincts) || o.precincts.length === 0) throw bad("precincts must be a list of [width, height]");
    o.precincts.forEach((pp, i) => {
      const [w, h] = Array.isArray(pp) ? pp : [NaN, NaN];
      if (!isPow2(w) || !isPow2(h) || w > 32768 || h > 32768) throw bad(`precincts[${i}] must be powers of two up to 32768 (got ${w}x${h})`);
      // B.6: PPx = PPy = 0 (1x1 precincts) only for the lowest resolution; precincts[i] is resolution levels - i
      if ((w < 2 || h < 2) && i < levels && i < o.precincts!.length - 1) {
        throw bad(`precincts[${i}] is ${w}x${h}: precincts above the lowest resolution must be at least 2x2`);
      }
    });
    if (o.precincts.length <= levels) {
      const [w, h] = o.precincts[o.precincts.length - 1]!;
      if (w < 2 || h < 2) throw bad(`the last precinct size ${w}x${h} repeats for lower resolutions; only the lowest may be 1x1: give one size per resolution`);
    }
    precincts = o.precincts;
  }
  let poc: Settings["poc"];
  if (o.poc !== undefined) {
    if (!Array.isArray(o.poc) || o.poc.length === 0) throw bad("poc must be a non-empty list of progression changes");
    poc = o.poc.map((e, i) => {
      const ord = PROGRESSIONS.indexOf(e.progression);
      if (ord < 0) throw bad(`poc[${i}].progression must be one of ${PROGRESSIONS.join(", ")}`);
      const rs = e.resolutionStart ?? 0, cs = e.componentStart ?? 0;
      const int = (v: unknown) => typeof v === "number" && Number.isInteger(v);
      if (!int(rs) || !int(e.resolutionEnd) || rs < 0 || e.resolutionEnd <= rs || e.resolutionEnd > 33) {
        throw bad(`poc[${i}]: resolutions must satisfy 0 <= resolutionStart < resolutionEnd <= 33`);
      }
      if (!int(cs) || !int(e.componentEnd) || cs < 0 || e.componentEnd <= cs || e.componentEnd > C) {
        throw bad(`poc[${i}]: components must satisfy 0 <= componentStart < componentEnd <= ${C}`);
      }
      if (!int(e.layerEnd) || e.layerEnd < 1 || e.layerEnd > 65535) throw bad(`poc[${i}].layerEnd must be 1..65535`);
      return [rs, cs, e.layerEnd, e.resolutionEnd, e.componentEnd, ord] as [number, number, number, number, number, number];
    });
  }
  const tp = o.tileParts;
  const tileParts = tp === undefined ? 0 : tp === "R" ? 1 : tp === "L" ? 2 : tp === "C" ? 3 : -1;
  if (tileParts < 0) throw bad(`tileParts must be "R", "L" or "C" (got ${String(tp)})`);
  const format = o.format ?? "j2k";
  if (format !== "j2k" && format !== "jp2") throw bad(`format must be "j2k" or "jp2" (got ${String(format)})`);
  if (preset === "dicom" && format === "jp2") throw bad('preset "dicom" writes a raw codestream: remove format: "jp2"');
  let layers = 1;
  if (o.ratios) layers = o.ratios.length;
  if (o.psnr) layers = o.psnr.length;
  // Base step of the 9/7 quantiser (Delta_b = baseStep / ||synthesis basis of b||, in sample units).
  // `quality` 1..100 sets it relative to the dynamic range; with layer targets it is chosen by
  // targetStep() and refined when a target turns out to need finer steps.
  if (quality !== undefined && o.lossless === undefined && !o.ratios && !o.psnr) lossless = false;
  if (!lossless && quality === undefined && !o.ratios && !o.psnr) quality = 75;
  const baseStep =
    quality !== undefined
      ? Math.max(Math.pow(2, (75 - quality) / 8) * Math.pow(2, image.bitDepth - 8), minStep(image.bitDepth))
      : targetStep(image.bitDepth, o.psnr);
  return {
    format,
    lossless,
    levels,
    cbw,
    cbh,
    mct,
    progression,
    layers,
    ratios: o.ratios,
    psnr: o.psnr,
    baseStep,
    tile,
    origin,
    precincts,
    cblkStyle,
    sop: !!o.sop,
    eph: !!o.eph,
    tlm: !!o.tlm,
    plt: !!o.plt,
    tileParts,
    guardBits,
    subsampling: subs,
    poc,
  };
}

/**
 * Finest 9/7 step the 32-bit path allows: quantised magnitudes need at most 29 integer bits and a
 * sub-band at most 30 bit-planes. The low-pass band of L levels grows by about one bit per level
 * relative to the step, so with up to 6 levels steps below 2^(bits - 22) could overflow.
 */
function minStep(bitDepth: number): number {
  return 2 ** Math.max(bitDepth - 22, -30);
}

/**
 * Starting 9/7 step for layer targets. Rate control truncates bit-planes, so the step only bounds
 * the best quality reachable: one sample (as OpenJPEG uses) is fine enough for 8 bits and above at
 * usual rates; below 8 bits it scales with the range; a PSNR target sets a step whose noise stays
 * well under the target error.
 */
function targetStep(bitDepth: number, psnr?: number[]): number {
  let step = bitDepth < 8 ? 2 ** (bitDepth - 8) : 1;
  const finest = psnr?.filter((p) => Number.isFinite(p)).pop();
  if (finest !== undefined) {
    const peak = 2 ** bitDepth - 1;
    step = Math.min(step, 0.5 * Math.sqrt((peak * peak) / 10 ** (finest / 10)));
  }
  return Math.max(step, minStep(bitDepth));
}

function typeInfo(data: unknown): { bps: 1 | 2 | 4; signed: boolean } {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return { bps: 1, signed: false };
  if (data instanceof Int8Array) return { bps: 1, signed: true };
  if (data instanceof Uint16Array) return { bps: 2, signed: false };
  if (data instanceof Int16Array) return { bps: 2, signed: true };
  if (data instanceof Int32Array) return { bps: 4, signed: true };
  if (data instanceof Uint32Array) return { bps: 4, signed: false };
  throw new J2kError("INVALID_ARGUMENT", "image.data must be a Uint8Array, Int8Array, Uint16Array, Int16Array, Int32Array or Uint32Array");
}

/** Check image fields and that every sample fits bitDepth/signed (lossless needs it). */
function checkImage(image: J2kImage, comps: Array<{ w: number; h: number }>): void {
  const { width, height, components, bitDepth } = image;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new J2kError("INVALID_ARGUMENT", `image width and height must be positive integers (got ${width}x${height})`);
  }
  if (!Number.isInteger(components) || components < 1 || components > 16384) {
    throw new J2kError("INVALID_ARGUMENT", `image.components must be 1..16384 (got ${String(components)})`);
  }
  if (!Number.isInteger(bitDepth) || bitDepth < 1 || bitDepth > 24) {
    throw new J2kError("INVALID_ARGUMENT", `image.bitDepth must be 1..24 (got ${String(bitDepth)})`);
  }
  const need = comps.reduce((a, c) => a + c.w * c.h, 0);
  if (!image.data || image.data.length !== need) {
    throw new J2kError("INVALID_ARGUMENT", `image.data must hold ${need} samples (${width}x${height}x${components}); it has ${image.data ? image.data.length : 0}`);
  }
  const lo = image.signed ? -(2 ** (bitDepth - 1)) : 0;
  const hi = image.signed ? 2 ** (bitDepth - 1) - 1 : 2 ** bitDepth - 1;
  const d = image.data;
  // nothing to check when the array type cannot hold a value outside the range
  if ((d instanceof Uint8Array && !image.signed && bitDepth === 8) || (d instanceof Uint16Array && !image.signed && bitDepth === 16)) return;
  if ((d instanceof Int8Array && image.signed && bitDepth === 8) || (d instanceof Int16Array && image.signed && bitDepth === 16)) return;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v < lo || v > hi) {
      throw new J2kError(
        "INVALID_ARGUMENT",
        `sample ${i} is ${v}, outside the ${image.signed ? "signed" : "unsigned"} ${bitDepth}-bit range ${lo}..${hi}; fix bitDepth/signed or mask the data`,
      );
    }
  }
}

/**
 * Encode an image to a JPEG 2000 codestream (or a JP2 file with `format: "jp2"`).
 *
 * Defaults: reversible 5/3 lossless, 5 decomposition levels (clamped for small images), 64x64
 * code-blocks, RCT for 3+ components, one tile, one layer, LRCP. Every invalid input or option
 * combination is a {@link J2kError} saying what to change.
 */
export function encode(image: J2kImage, options: EncodeOptions = {}): Uint8Array {
  return encodeDetailed(image, options).data;
}

/** What {@link encodeDetailed} returns. */
export interface EncodeResult {
  /** The codestream (or JP2 file). */
  data: Uint8Array;
  /** Per quality layer: bytes of the codestream up to the end of that layer (headers included). */
  layerBytes: number[];
  /** Decomposition levels used (after clamping to the image size). */
  levels: number;
  /** Targets that could not be met (e.g. a layer budget smaller than the headers alone). */
  warnings: string[];
  /** The last layer holds every coding pass: quality is limited by the quantiser, not the rate. */
  allPasses: boolean;
}

interface Geometry {
  comps: Array<{ dx: number; dy: number; w: number; h: number }>;
  samples: number;
  rawBytes: number;
}

/**
 * {@link encode}, also reporting the size of every quality layer. With `psnr` targets the result is
 * checked by decoding each layer, and re-encoded with tighter targets if a layer fell short.
 */
export function encodeDetailed(image: J2kImage, options: EncodeOptions = {}): EncodeResult {
  if (!image || typeof image !== "object") throw new J2kError("INVALID_ARGUMENT", "encode expects an image object");
  const C = image.components;
  const s = settingsOf(image, options);
  const W = image.width, H = image.height;
  const ox = s.origin.x, oy = s.origin.y;
  const comps = Array.from({ length: C }, (_, i) => {
    const [dx, dy] = s.subsampling?.[i] ?? [1, 1];
    return { dx, dy, w: Math.ceil((ox + W) / dx) - Math.ceil(ox / dx), h: Math.ceil((oy + H) / dy) - Math.ceil(oy / dy) };
  });
  const subsampled = comps.some((c) => c.dx !== 1 || c.dy !== 1);
  if (subsampled && !options.planar) throw bad("sub-sampled components can only be given as planes: set planar: true");
  checkImage(image, comps);
  const geo: Geometry = {
    comps,
    samples: comps.reduce((a, k) => a + k.w * k.h, 0),
    rawBytes: comps.reduce((a, k) => a + (k.w * k.h * image.bitDepth) / 8, 0),
  };
  const floor = minStep(image.bitDepth);
  if (s.ratios) {
    // A layer well under its budget means every pass already fits: the quantiser, not the rate,
    // limits it — refine the step (irreversible coding only) and encode again.
    let result = encodeOnce(image, options, s, geo);
    for (let k = 0; k < 3 && !s.lossless && s.baseStep > floor; k++) {
      // only when every pass fits and still a layer is under its budget does a finer step help
      const saturated = result.allPasses && s.ratios.some((r, l) => result.layerBytes[l]! < 0.99 * (geo.rawBytes / r));
      if (!saturated) break;
      s.baseStep = Math.max(floor, s.baseStep / 4);
      result = encodeOnce(image, options, s, geo);
    }
    s.ratios.forEach((r, l) => {
      const budget = geo.rawBytes / r;
      if (r !== 1 && result.layerBytes[l]! > budget) {
        result.warnings.push(
          `layer ${l + 1}: ratio ${r} allows ${Math.floor(budget)} bytes, less than the headers and empty packets need (${result.layerBytes[l]} bytes); the layer carries no coded data`,
        );
      }
    });
    return result;
  }
  if (!s.psnr) return encodeOnce(image, options, s, geo);
  // Distortion targets: total squared error allowed per layer, less the output rounding noise;
  // checked by decoding; short layers get a tighter target, and the step is refined if that is not
  // enough.
  const peak = 2 ** image.bitDepth - 1;
  const targets = s.psnr;
  const initial = targets.map((db) => (db === Infinity ? 0 : Math.max(1e-9, (geo.samples * peak * peak) / 10 ** (db / 10) - geo.samples / 12)));
  let best: { result: EncodeResult; achieved: number[] } | undefined;
  for (let refine = 0; refine < 3; refine++) {
    let dist = [...initial];
    let result = encodeOnce(image, options, s, geo, dist);
    let achieved: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      achieved = targets.map((db, l) => (db === Infinity ? Infinity : layerPsnr(result.data, image, l + 1, options)));
      const short = achieved.map((a, l) => a < targets[l]!);
      if (!short.some(Boolean)) return result;
      dist = dist.map((d, l) => {
        if (!short[l]) return d;
        const wantMse = (peak * peak) / 10 ** (targets[l]! / 10);
        const gotMse = (peak * peak) / 10 ** (achieved[l]! / 10);
        return Math.max(1e-9, d * (wantMse / gotMse) * 0.97);
      });
      result = encodeOnce(image, options, s, geo, dist);
    }
    best = { result, achieved };
    if (s.lossless || s.baseStep <= floor) break;
    s.baseStep = Math.max(floor, s.baseStep / 4);
  }
  const l = best!.achieved.findIndex((a, k) => a < targets[k]!);
  throw bad(
    `PSNR target ${targets[l]} dB for layer ${l + 1} cannot be reached with irreversible coding at ${image.bitDepth} bits ` +
      `(best ${best!.achieved[l]!.toFixed(2)} dB): lower the target, or end the list with Infinity for a lossless last layer`,
  );
}

function layerPsnr(data: Uint8Array, image: J2kImage, layers: number, options: EncodeOptions): number {
  const dec = decode(data, { layers, layout: options.planar ? "planar" : "interleaved" });
  const a = image.data, b = dec.data;
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    se += d * d;
  }
  if (se === 0) return Infinity;
  const peak = 2 ** image.bitDepth - 1;
  return 10 * Math.log10((peak * peak * a.length) / se);
}

function encodeOnce(image: J2kImage, options: EncodeOptions, s: Settings, geo: Geometry, dist?: number[]): EncodeResult {
  const C = image.components;
  const W = image.width, H = image.height;
  const ox = s.origin.x, oy = s.origin.y;
  const comps = geo.comps;
  const ti = typeInfo(image.data);
  const prec = image.bitDepth;

  const { codestream, layerBytes, levels, allPasses } = callCore((core) => {
    const c = core;
    c.encoderCreate(C, W, H);
    for (let i = 0; i < C; i++) c.encoderSetComp(i, prec, image.signed ? 1 : 0, comps[i]!.dx, comps[i]!.dy);
    if (ox) c.encoderSet(F.originX, ox);
    if (oy) c.encoderSet(F.originY, oy);
    if (s.tile) {
      c.encoderSet(F.tileWidth, s.tile.width);
      c.encoderSet(F.tileHeight, s.tile.height);
      c.encoderSet(F.tileX0, s.tile.x0);
      c.encoderSet(F.tileY0, s.tile.y0);
    } else {
      c.encoderSet(F.tileWidth, ox + W);
      c.encoderSet(F.tileHeight, oy + H);
    }
    c.encoderSet(F.levels, s.levels);
    c.encoderSet(F.xcb, log2i(s.cbw));
    c.encoderSet(F.ycb, log2i(s.cbh));
    c.encoderSet(F.cblkStyle, s.cblkStyle);
    c.encoderSet(F.reversible, s.lossless ? 1 : 0);
    c.encoderSet(F.mct, s.mct ? 1 : 0);
    c.encoderSet(F.progression, s.progression);
    c.encoderSet(F.layers, s.layers);
    c.encoderSet(F.sop, s.sop ? 1 : 0);
    c.encoderSet(F.eph, s.eph ? 1 : 0);
    c.encoderSet(F.guardBits, s.guardBits);
    c.encoderSet(F.tlm, s.tlm ? 1 : 0);
    c.encoderSet(F.plt, s.plt ? 1 : 0);
    c.encoderSet(F.tileParts, s.tileParts);
    c.encoderSet(F.baseStep, s.baseStep);
    if (s.poc) {
      for (const [rs, cs, lye, re, ce, ord] of s.poc) c.encoderAddPoc(rs, cs, Math.min(lye, s.layers), re, ce, ord);
      // catch-all so that every packet is written (A.6.6: the last progression covers the rest)
      c.encoderAddPoc(0, 0, s.layers, 33, C, s.progression);
    }
    // precincts are given highest resolution first; the core maps them once levels are final
    s.precincts?.forEach(([pw, ph], i) => c.encoderSetPrecinct(i, log2i(pw), log2i(ph)));
    if (s.ratios) {
      s.ratios.forEach((r, l) => c.encoderSetLayer(l, r === 1 && s.lossless ? 0 : geo.rawBytes / r, 0));
    } else if (dist) {
      dist.forEach((d, l) => c.encoderSetLayer(l, 0, d));
    }
    // input samples, DC level shifted (G.1.2)
    const bytes = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    const src = c.alloc(Math.max(1, bytes.length));
    new Uint8Array(c.memory.buffer, src, bytes.length).set(bytes);
    const dc = image.signed ? 0 : 2 ** (prec - 1);
    let planeOffset = 0;
    for (let i = 0; i < C; i++) {
      const k = comps[i]!;
      const dst = c.encoderPlane(i);
      if (options.planar) {
        c.unpackComponent(src + planeOffset * ti.bps, 1, k.w, ti.bps, ti.signed ? 1 : 0, k.w, k.h, dst, k.w, dc);
        planeOffset += k.w * k.h;
      } else {
        c.unpackComponent(src + i * ti.bps, C, W * C, ti.bps, ti.signed ? 1 : 0, W, H, dst, W, dc);
      }
    }
    const out = c.encoderRun();
    const len = c.encoderOutputLength();
    const layerBytes = Array.from({ length: s.layers }, (_, l) => c.encoderLayerSize(l));
    return { codestream: new Uint8Array(c.memory.buffer, out, len).slice(), layerBytes, levels: c.encoderInfo(EncoderInfo.levels), allPasses: c.encoderInfo(EncoderInfo.allPasses) !== 0 };
  }, undefined, "encode");
  if (s.format === "jp2") {
    const file = writeJp2(codestream, {
      width: W,
      height: H,
      components: C,
      bitDepths: Array.from({ length: C }, () => prec),
      signed: Array.from({ length: C }, () => image.signed),
      colorSpace: options.colorSpace ?? (C >= 3 ? "sRGB" : "greyscale"),
      ...(options.icc ? { icc: options.icc } : {}),
      ...(options.alpha ? { alpha: true } : {}),
    });
    const extra = file.length - codestream.length;
    return { data: file, layerBytes: layerBytes.map((b) => b + extra), levels, warnings: [], allPasses };
  }
  return { data: codestream, layerBytes, levels, warnings: [], allPasses };
}

/**
 * Asynchronous {@link encode} (same result): runs in a worker of j2kit's pool where workers are
 * available, otherwise on the calling thread. The image is copied, never transferred.
 */
export async function encodeAsync(image: J2kImage, options: EncodeOptions = {}): Promise<Uint8Array> {
  if (!image || typeof image !== "object" || !ArrayBuffer.isView(image.data)) return encode(image, options);
  const viaWorker = await runInWorker<Uint8Array>({ op: "encode", image, options });
  return viaWorker ?? encode(image, options);
}

/** Asynchronous {@link encodeDetailed} (same result), in the worker pool where available. */
export async function encodeDetailedAsync(image: J2kImage, options: EncodeOptions = {}): Promise<EncodeResult> {
  if (!image || typeof image !== "object" || !ArrayBuffer.isView(image.data)) return encodeDetailed(image, options);
  const viaWorker = await runInWorker<EncodeResult>({ op: "encode", image, options, detailed: true });
  return viaWorker ?? encodeDetailed(image, options);
}
