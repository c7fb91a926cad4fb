/**
 * Encoding: samples to a JPEG 2000 codestream or JP2 file.
 * @module
 */
import { J2kError } from "./errors.js";
import type { CodeBlockStyleFlag, EncodeOptions, J2kImage, ProgressionOrder } from "./types.js";
import { callCore } from "./wasm/load.js";
import { EncoderInfo, EncoderParam as F, LayerInfo, LayerStatus, PlaneField, type CoreExports } from "./core_interface.js";
import { PROGRESSIONS, CBLK_FLAGS } from "./core_header.js";
import { writeJp2 } from "./jp2/write.js";
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
  /** Peak of the PSNR targets (psnrPeak). */
  peak: number;
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
  /** What was adjusted while reading the options (reported in EncodeResult.warnings). */
  warnings: string[];
}

function settingsOf(image: J2kImage, o: EncodeOptions): Settings {
  const C = image.components;
  const preset = o.preset;
  if (preset !== undefined && preset !== "dicom" && preset !== "iiif") throw bad(`unknown preset "${String(preset)}" (supported: "dicom", "iiif")`);
  if (preset === "iiif") o = { ...iiifDefaults(image, o), ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  if (o.ratios !== undefined && o.psnr !== undefined) throw bad("give either ratios or psnr, not both");
  const lossyAsked = o.ratios !== undefined || o.psnr !== undefined || o.quality !== undefined;
  let lossless = o.lossless ?? !lossyAsked;

  if (o.ratios) {
    if (!Array.isArray(o.ratios) || o.ratios.length === 0) throw bad("ratios must be a non-empty array of compression ratios");
    o.ratios.forEach((r, i) => {
      if (typeof r !== "number" || !(r >= 1) || !Number.isFinite(r)) throw bad(`ratios[${i}] must be a number >= 1 (got ${String(r)})`);
      if (i > 0 && !(r < o.ratios![i - 1]!)) throw bad(`ratios must be decreasing (layer ${i}: ${r} after ${o.ratios![i - 1]})`);
    });
    // A final ratio of 1 means "and a lossless last layer" (reversible coding); lossless: true
    // without it would truncate a reversible stream: no layer would be lossless
    const endsLossless = o.ratios[o.ratios.length - 1] === 1;
    if (o.lossless === true && !endsLossless) {
      throw bad(
        `lossless: true with ratios needs a final ratio of 1 for the lossless last layer (e.g. ratios: [${[...o.ratios, 1].join(", ")}]); ` +
          "without it every layer is truncated: remove lossless: true for lossy layers",
      );
    }
    if (endsLossless && o.lossless !== false) lossless = true;
    else if (o.lossless === undefined) lossless = false;
  }
  const warnings: string[] = [];
  const psnrPeakMode = o.psnrPeak ?? "bits";
  if (psnrPeakMode !== "bits" && psnrPeakMode !== "range") throw bad(`psnrPeak must be "bits" or "range" (got ${String(o.psnrPeak)})`);
  let peak = 2 ** image.bitDepth - 1;
  let psnr = o.psnr;
  if (psnr) {
    if (!Array.isArray(psnr) || psnr.length === 0) throw bad("psnr must be a non-empty array of PSNR targets in dB");
    psnr.forEach((p, i) => {
      const okValue = typeof p === "number" && p > 0 && (Number.isFinite(p) || (i === psnr!.length - 1 && p === Infinity));
      if (!okValue) throw bad(`psnr[${i}] must be a positive number of dB (Infinity allowed last, for a lossless final layer; got ${String(p)})`);
      if (i > 0 && !(p > psnr![i - 1]!)) throw bad(`psnr targets must be increasing (layer ${i}: ${p} after ${psnr![i - 1]})`);
    });
    if (psnrPeakMode === "range") peak = sampleRange(image);
    // Lossy coding cannot promise an MSE below the output's rounding noise (1/12): a target above
    // 10·log10(12·peak²) is met only by an exact decode, which lossless coding gives smaller.
    const cap = 10 * Math.log10(12 * peak * peak);
    const over = psnr.findIndex((p) => p > cap && p !== Infinity);
    if (over >= 0) {
      if (o.lossless === false) {
        throw bad(
          `psnr[${over}] = ${psnr[over]} dB asks for less error than lossy coding can promise at this peak (${peak}): above ${cap.toFixed(1)} dB ` +
            "the rounding of the output alone costs more; lower the target, or allow lossless coding",
        );
      }
      const dropped = psnr.length - over - 1;
      warnings.push(
        `psnr[${over}] = ${psnr[over]} dB is above ${cap.toFixed(1)} dB, the most lossy coding can promise at peak ${peak} (the rounding of the output alone costs more): ` +
          `layer ${over + 1} is coded losslessly instead` +
          (dropped > 0 ? ` and the ${dropped} later target(s) (${psnr.slice(over + 1).join(", ")} dB) are dropped` : ""),
      );
      psnr = [...psnr.slice(0, over), Infinity];
    }
    const last = psnr.length - 1;
    // A final target of Infinity means "and a lossless last layer" (reversible coding)
    if (psnr[last] === Infinity) {
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
  const alpha = o.alpha;
  if (alpha !== undefined && alpha !== false && alpha !== true && alpha !== "straight" && alpha !== "premultiplied") {
    throw bad(`alpha must be true, "straight" or "premultiplied" (got ${JSON.stringify(alpha)})`);
  }
  if (alpha && format !== "jp2") throw bad('alpha is declared in a JP2 cdef box: add format: "jp2"');
  if (alpha && C < 2) throw bad(`alpha needs a colour and an alpha component; the image has ${C}`);
  let layers = 1;
  if (o.ratios) layers = o.ratios.length;
  if (psnr) layers = psnr.length;
  // Base step of the 9/7 quantiser (Delta_b = baseStep / ||synthesis basis of b||, in sample units).
  // `quality` 1..100 sets it relative to the dynamic range; with layer targets it is chosen by
  // targetStep() and refined when a target turns out to need finer steps.
  if (quality !== undefined && o.lossless === undefined && !o.ratios && !psnr) lossless = false;
  if (!lossless && quality === undefined && !o.ratios && !psnr) quality = 75;
  // (the core's rate control tightens it for PSNR targets and keeps it above the 32-bit path's floor)
  const baseStep = quality !== undefined ? Math.pow(2, (75 - quality) / 8) * Math.pow(2, image.bitDepth - 8) : targetStep(image.bitDepth);
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
    psnr,
    peak,
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
    warnings,
  };
}

/**
 * Preset "iiif" (what image servers read fastest by byte ranges; options given explicitly win):
 * RPCL, enough levels that the lowest resolution is at most 256 samples across (at least 6;
 * the core clamps for small images), 256x256 precincts at every resolution, one tile-part per
 * resolution, TLM and PLT.
 */
function iiifDefaults(image: J2kImage, o: EncodeOptions): EncodeOptions {
  const levels = o.levels ?? Math.min(32, Math.max(6, Math.ceil(Math.log2(Math.max(image.width, image.height) / 256))));
  return {
    progression: "RPCL",
    levels,
    precincts: Array.from({ length: levels + 1 }, () => [256, 256] as [number, number]),
    tileParts: "R",
    tlm: true,
    plt: true,
  };
}

/**
 * Starting 9/7 step for layer targets. Rate control truncates bit-planes, so the step only bounds
 * the best quality reachable: one sample (as OpenJPEG uses) is fine enough for 8 bits and above at
 * usual rates; below 8 bits it scales with the range. The core refines it when a target needs
 * more (codec/rate/rate_control.ts).
 */
function targetStep(bitDepth: number): number {
  return bitDepth < 8 ? 2 ** (bitDepth - 8) : 1;
}

/** max − min over all samples (the `psnrPeak: "range"` peak). */
function sampleRange(image: J2kImage): number {
  const d = image.data;
  if (!d || d.length === 0) return 0;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi - lo;
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
  /**
   * Every adjustment the encoder made to what was asked, and targets that could not be met: levels
   * clamped to the image, a layer budget smaller than the headers alone or larger than every coding
   * pass, a PSNR target coded losslessly, guard bits raised, unused precinct sizes, ...
   */
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
 * {@link encode}, also reporting the size of every quality layer and every adjustment the encoder
 * made to what was asked (`warnings`). Rate control — ratio and PSNR targets, refining the 9/7
 * step when a target needs it — runs in the core in one pass (codec/rate/): PSNR targets are met
 * from the distortion estimates of the block coder, without decoding.
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
  const run = encodeOnce(image, options, s, geo);
  const warnings = [...s.warnings, ...adjustments(image, options, s, geo, run)];
  const { result } = run;
  return { ...result, warnings };
}

/** PSNR in dB of a squared error summed over `samples` samples (Infinity for 0). */
function psnrOf(squaredError: number, samples: number, peak: number): number {
  return squaredError <= 0 ? Infinity : 10 * Math.log10((peak * peak * samples) / squaredError);
}

/** Every adjustment the encoder made to what was asked, in words (EncodeResult.warnings). */
function adjustments(image: J2kImage, options: EncodeOptions, s: Settings, geo: Geometry, run: CoreRun): string[] {
  const out: string[] = [];
  const size = `${image.width}x${image.height}`;
  if (options.levels !== undefined && run.levelsAsked > run.result.levels) {
    out.push(
      `levels ${run.levelsAsked} is more than a ${size} image${s.tile ? ` with ${s.tile.width}x${s.tile.height} tiles` : ""} has room for: ` +
        `${run.result.levels} decomposition level(s) used (the lowest resolution keeps at least one sample)`,
    );
  }
  if (options.precincts && s.precincts && s.precincts.length > run.result.levels + 1) {
    const extra = s.precincts.length - run.result.levels - 1;
    out.push(`precincts: ${s.precincts.length} sizes given for ${run.result.levels + 1} resolutions; the last ${extra} are not used`);
  }
  if (options.guardBits !== undefined && run.guardBits > s.guardBits) {
    out.push(`guardBits ${s.guardBits} is too few for this image at this quantisation step: ${run.guardBits} guard bits written`);
  }
  for (const [rs, cs, lye, re, ce] of s.poc ?? []) {
    if (lye > s.layers) out.push(`poc entry ${rs},${cs},${lye},${re},${ce}: layerEnd ${lye} is more than the ${s.layers} layer(s); ${s.layers} used`);
  }
  run.status.forEach((status, l) => {
    const bytes = run.result.layerBytes[l]!;
    if (s.ratios) {
      const r = s.ratios[l]!;
      const budget = Math.floor(geo.rawBytes / r);
      if (status === LayerStatus.headersOverBudget) {
        out.push(
          `layer ${l + 1}: ratio ${r} allows ${budget} bytes, less than the headers and empty packets need (${bytes} bytes); the layer carries no coded data`,
        );
      } else if (status === LayerStatus.allPasses) {
        out.push(
          `layer ${l + 1}: ratio ${r} allows ${budget} bytes, but every coding pass takes only ${bytes} bytes ` +
            (s.lossless ? "(the layer is already lossless)" : `(even at the finest quantisation step the encoder refines to; ${psnrText(run.errors[l]!, geo.samples, s.peak)} estimated)`),
        );
      }
    } else if (s.psnr && status === LayerStatus.errorNotReached) {
      throw bad(
        `PSNR target ${s.psnr[l]} dB for layer ${l + 1} cannot be reached with irreversible coding at ${image.bitDepth} bits ` +
          `(best ${psnrText(run.errors[l]!, geo.samples, s.peak)} estimated at the finest step): lower the target, or end the list with Infinity for a lossless last layer`,
      );
    }
  });
  return out;
}

function psnrText(squaredError: number, samples: number, peak: number): string {
  const db = psnrOf(squaredError, samples, peak);
  return Number.isFinite(db) ? `${db.toFixed(2)} dB` : "lossless";
}

/** What one core run gives back besides the EncodeResult. */
interface CoreRun {
  result: Omit<EncodeResult, "warnings">;
  status: number[];
  /** Estimated squared error of each layer (sum over all samples). */
  errors: number[];
  levelsAsked: number;
  guardBits: number;
}

function encodeOnce(image: J2kImage, options: EncodeOptions, s: Settings, geo: Geometry): CoreRun {
  const C = image.components;
  const W = image.width, H = image.height;
  const ox = s.origin.x, oy = s.origin.y;
  const comps = geo.comps;
  const ti = typeInfo(image.data);
  const prec = image.bitDepth;

  const { codestream, layerBytes, levels, allPasses, info } = callCore((core) => {
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
      for (const [rs, cs, lye, re, ce, ord] of s.poc) c.encoderAddPoc(rs, cs, Math.min(lye, s.layers), re, ce, ord); // (warned)
      // catch-all so that every packet is written (A.6.6: the last progression covers the rest)
      c.encoderAddPoc(0, 0, s.layers, 33, C, s.progression);
    }
    // precincts are given highest resolution first; the core maps them once levels are final
    s.precincts?.forEach(([pw, ph], i) => c.encoderSetPrecinct(i, log2i(pw), log2i(ph)));
    // layer targets: byte budgets, or the squared error a PSNR allows (summed over all samples)
    if (s.ratios) {
      s.ratios.forEach((r, l) => c.encoderSetLayer(l, r === 1 && s.lossless ? 0 : geo.rawBytes / r, 0));
    } else if (s.psnr) {
      s.psnr.forEach((db, l) => c.encoderSetLayer(l, 0, db === Infinity ? 0 : (geo.samples * s.peak * s.peak) / 10 ** (db / 10)));
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
    let out = c.encoderRun();
    if (s.psnr) out = checkPsnrLayers(c, image, options, s, geo) ?? out;
    const len = c.encoderOutputLength();
    const layerBytes = Array.from({ length: s.layers }, (_, l) => c.encoderLayer(l, LayerInfo.bytes));
    const info = {
      status: Array.from({ length: s.layers }, (_, l) => c.encoderLayer(l, LayerInfo.status)),
      errors: Array.from({ length: s.layers }, (_, l) => c.encoderLayer(l, LayerInfo.estimatedError)),
      levelsAsked: c.encoderInfo(EncoderInfo.levelsAsked),
      guardBits: c.encoderInfo(EncoderInfo.guardBits),
    };
    return { codestream: new Uint8Array(c.memory.buffer, out, len).slice(), layerBytes, levels: c.encoderInfo(EncoderInfo.levels), allPasses: c.encoderInfo(EncoderInfo.allPasses) !== 0, info };
  });
  if (s.format === "jp2") {
    const file = writeJp2(codestream, {
      width: W,
      height: H,
      components: C,
      bitDepths: Array.from({ length: C }, () => prec),
      signed: Array.from({ length: C }, () => image.signed),
      colorSpace: options.colorSpace ?? (C >= 3 ? "sRGB" : "greyscale"),
      ...(options.icc ? { icc: options.icc } : {}),
      ...(options.alpha ? { alpha: options.alpha } : {}),
    });
    const extra = file.length - codestream.length;
    return { result: { data: file, layerBytes: layerBytes.map((b) => b + extra), levels, allPasses }, ...info };
  }
  return { result: { data: codestream, layerBytes, levels, allPasses }, ...info };
}

/** Rounds of the final PSNR check (each: decode every layer, tighten the short ones, re-form the layers). */
const PSNR_CHECK_ROUNDS = 3;

/**
 * The final check of PSNR targets. Rate control formed the layers from the block coder's
 * distortion estimates (codec/rate/); they run 0-16 % optimistic where truncation errors are
 * correlated. Decode each layer in the core (no re-encoding), and where the decoded error is above
 * the target, tighten that layer's target by the measured ratio and let the core form the layers
 * again from the same coded blocks. Returns the new codestream pointer, or undefined if unchanged.
 */
function checkPsnrLayers(c: CoreExports, image: J2kImage, options: EncodeOptions, s: Settings, geo: Geometry): number | undefined {
  const targets = s.psnr!.map((db) => (db === Infinity ? 0 : (geo.samples * s.peak * s.peak) / 10 ** (db / 10)));
  const asked = [...targets];
  // layers to check: every layer with a target first; then only those whose target was tightened
  // (tightening a layer only adds passes to it and to later layers, never to earlier ones)
  let check = targets.map((t) => t > 0);
  let out: number | undefined;
  for (let round = 0; ; round++) {
    const tightened = targets.map(() => false);
    let worst = Infinity;
    targets.forEach((t, l) => {
      if (!check[l] || c.encoderLayer(l, LayerInfo.status) === LayerStatus.errorNotReached) return;
      const se = decodedError(c, image, options, geo, l + 1);
      if (se <= asked[l]!) return;
      tightened[l] = true;
      worst = Math.min(worst, l);
      targets[l] = t * (asked[l]! / se) * 0.97 ** (round + 1);
      c.encoderSetLayer(l, 0, targets[l]!);
    });
    if (!tightened.some(Boolean)) break;
    if (round === PSNR_CHECK_ROUNDS) {
      throw bad(
        `PSNR target ${s.psnr![worst]} dB for layer ${worst + 1} was not reached after ${PSNR_CHECK_ROUNDS} corrections of rate control's estimate; ` +
          "please report this with the image (a lower target, or a final Infinity for a lossless last layer, works around it)",
      );
    }
    out = c.encoderReallocate();
    check = tightened;
  }
  return out;
}

/** Squared error of the codestream in the core decoded up to `layers`, against the input samples. */
function decodedError(c: CoreExports, image: J2kImage, options: EncodeOptions, geo: Geometry, layers: number): number {
  const C = c.encoderVerifyBegin(layers);
  try {
    const d = image.data;
    let se = 0, planeStart = 0;
    for (let k = 0; k < C; k++) {
      const { w, h } = geo.comps[k]!;
      const p = new Int32Array(c.memory.buffer, c.decoderPlane(k, PlaneField.data), w * h);
      if (options.planar) {
        for (let i = 0; i < w * h; i++) {
          const e = d[planeStart + i]! - p[i]!;
          se += e * e;
        }
        planeStart += w * h;
      } else {
        for (let i = 0, j = k; i < w * h; i++, j += C) {
          const e = d[j]! - p[i]!;
          se += e * e;
        }
      }
    }
    return se;
  } finally {
    c.encoderVerifyEnd();
  }
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
