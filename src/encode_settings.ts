/**
 * Encoder options → validated settings (presets, defaults, option conflicts refused or defined),
 * before anything reaches the core. src/encode.ts runs the core with them.
 * @module
 */
import { J2kError } from "./errors.js";
import type { CodeBlockStyleFlag, EncodeOptions, J2kImage, ProgressionOrder } from "./types.js";
import { PROGRESSIONS, CBLK_FLAGS } from "./core_header.js";

/** An ENCODE_INVALID_OPTIONS error. */
export function bad(message: string): J2kError {
  return new J2kError("ENCODE_INVALID_OPTIONS", message);
}

function isPow2(v: number): boolean {
  return Number.isInteger(v) && v > 0 && (v & (v - 1)) === 0;
}

/** log2 of a power of two. */
export function log2i(v: number): number {
  return Math.round(Math.log2(v));
}

/** Options after presets and defaults, validated. */
export interface Settings {
  format: "j2k" | "jp2" | "jph";
  /** HT block coder (cblkStyle has 0x40). */
  ht: boolean;
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
  /** Tile-parts interleaved across tiles after the core wrote them (src/codestream/interleave.ts). */
  tilePartOrder: "tile" | "interleaved";
  guardBits: number;
  subsampling?: Array<[number, number]>;
  poc?: Array<[number, number, number, number, number, number]>;
  /** What was adjusted while reading the options (reported in EncodeResult.warnings). */
  warnings: string[];
}

/** Validate `o` for `image` and fill in presets and defaults. */
export function settingsOf(image: J2kImage, o: EncodeOptions): Settings {
  const C = image.components;
  const preset = o.preset;
  if (preset !== undefined && preset !== "dicom" && preset !== "iiif") throw bad(`unknown preset "${String(preset)}" (supported: "dicom", "iiif")`);
  if (preset === "iiif") o = { ...iiifDefaults(image, o), ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) };
  if (o.ratios !== undefined && o.psnr !== undefined) throw bad("give either ratios or psnr, not both");
  const lossyAsked = o.ratios !== undefined || o.psnr !== undefined || o.quality !== undefined || o.qstep !== undefined;
  if (o.qstep !== undefined) {
    if (typeof o.qstep !== "number" || !(o.qstep > 0 && o.qstep <= 1)) throw bad(`qstep must be a number in (0, 1] (got ${String(o.qstep)})`);
    if (o.ratios !== undefined || o.psnr !== undefined || o.quality !== undefined) throw bad("qstep is a fixed quantisation step: give it without ratios, psnr or quality");
    if (o.lossless === true) throw bad("qstep asks for lossy coding: remove lossless: true");
  }
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
  const ht = o.ht ?? o.format === "jph";
  if (o.ht !== undefined && typeof o.ht !== "boolean") throw bad(`ht must be true or false (got ${String(o.ht)})`);
  if (o.format === "jph" && !ht) throw bad('format "jph" is the HTJ2K file format: remove ht: false (or write "jp2")');
  if (ht) {
    const part1Only = (o.codeBlockStyle ?? []).filter((f) => f !== "vcausal");
    if (part1Only.length > 0) {
      throw bad(`codeBlockStyle ${part1Only.join(", ")} belongs to the Part 1 block coder; with ht: true only "vcausal" applies`);
    }
    cblkStyle |= 0x40;
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
  const tilePartOrder = o.tilePartOrder ?? "tile";
  if (tilePartOrder !== "tile" && tilePartOrder !== "interleaved") throw bad(`tilePartOrder must be "tile" or "interleaved" (got ${String(o.tilePartOrder)})`);
  const format = o.format ?? "j2k";
  if (format !== "j2k" && format !== "jp2" && format !== "jph") throw bad(`format must be "j2k", "jp2" or "jph" (got ${String(format)})`);
  if (preset === "dicom" && format !== "j2k") throw bad(`preset "dicom" writes a raw codestream: remove format: "${format}"`);
  const alpha = o.alpha;
  if (alpha !== undefined && alpha !== false && alpha !== true && alpha !== "straight" && alpha !== "premultiplied") {
    throw bad(`alpha must be true, "straight" or "premultiplied" (got ${JSON.stringify(alpha)})`);
  }
  if (alpha && format === "j2k") throw bad('alpha is declared in a JP2/JPH cdef box: add format: "jp2" (or "jph")');
  if (alpha && C < 2) throw bad(`alpha needs a colour and an alpha component; the image has ${C}`);
  let layers = 1;
  if (o.ratios) layers = o.ratios.length;
  if (psnr) layers = psnr.length;
  // Base step of the 9/7 quantiser (Delta_b = baseStep / ||synthesis basis of b||, in sample units).
  // `quality` 1..100 sets it relative to the dynamic range; with layer targets it is chosen by
  // targetStep() and refined when a target turns out to need finer steps.
  if (quality !== undefined && o.lossless === undefined && !o.ratios && !psnr) lossless = false;
  if (o.qstep !== undefined) lossless = false;
  if (!lossless && quality === undefined && o.qstep === undefined && !o.ratios && !psnr) quality = 75;
  // (the core's rate control tightens it for PSNR targets and keeps it above the 32-bit path's floor)
  const baseStep = o.qstep !== undefined ? o.qstep * 2 ** image.bitDepth : quality !== undefined ? Math.pow(2, (75 - quality) / 8) * Math.pow(2, image.bitDepth - 8) : targetStep(image.bitDepth);
  return {
    format,
    ht,
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
    tilePartOrder,
    guardBits,
    subsampling: subs,
    poc,
    warnings,
  };
}

/**
 * Preset "iiif" (what image servers read fastest by byte ranges; options given explicitly win):
 * RPCL, enough levels that the lowest resolution is at most 256 samples across (at least 6;
 * the core clamps for small images), 256x256 precincts at every resolution, 1024x1024 tiles for
 * images larger than that (as archives' IIIF profiles tile, e.g. Digital Bodleian 512, Library of
 * Congress NDNP 1024: a viewer's tile then decodes from a small code-block neighbourhood; pass
 * `tile` with the image's size for one tile), one tile-part per resolution interleaved across
 * tiles (resolution-major: a coarse view is one run of bytes), TLM and PLT.
 */
/** Tile size of preset "iiif" for images larger than one tile. */
const IIIF_TILE = 1024;

function iiifDefaults(image: J2kImage, o: EncodeOptions): EncodeOptions {
  const levels = o.levels ?? Math.min(32, Math.max(6, Math.ceil(Math.log2(Math.max(image.width, image.height) / 256))));
  const tiled = Math.max(image.width, image.height) > IIIF_TILE;
  return {
    ...(tiled ? { tile: { width: IIIF_TILE, height: IIIF_TILE } } : {}),
    progression: "RPCL",
    levels,
    precincts: Array.from({ length: levels + 1 }, () => [256, 256] as [number, number]),
    tileParts: "R",
    tilePartOrder: "interleaved",
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
