/**
 * Encoding: samples to a JPEG 2000 codestream or JP2 file.
 * @module
 */
import { J2kError } from "./errors.js";
import { psnrFromMse } from "./metrics.js";
import type { EncodeOptions, J2kImage, SampleArray } from "./types.js";
import { callCore } from "./wasm/load.js";
import { EncoderInfo, EncoderParam as F, EncoderTileField, LayerInfo, LayerStatus, PlaneField, type CoreExports } from "./core_interface.js";
import { bad, log2i, settingsOf, type Settings } from "./encode_settings.js";
import { writeJp2 } from "./jp2/write.js";
import { runInWorker } from "./worker/pool.js";
import { checkThreads } from "./worker/threads.js";
import { encodeThreadCount, encodeThreaded, type BlockWait, type EncodeHooks } from "./encode_threads.js";
import { offerSplitRows, splitRowsTaken } from "./worker/encode_split.js";
import { interleaveTileParts } from "./codestream/interleave.js";

function typeInfo(data: unknown): { bps: 1 | 2 | 4; signed: boolean } {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return { bps: 1, signed: false };
  if (data instanceof Int8Array) return { bps: 1, signed: true };
  if (data instanceof Uint16Array) return { bps: 2, signed: false };
  if (data instanceof Int16Array) return { bps: 2, signed: true };
  if (data instanceof Int32Array) return { bps: 4, signed: true };
  if (data instanceof Uint32Array) return { bps: 4, signed: false };
  throw new J2kError("INVALID_ARGUMENT", "image.data must be a Uint8Array, Int8Array, Uint16Array, Int16Array, Int32Array or Uint32Array");
}

/**
 * The OR of every sample's bits, as an unsigned number: with `signed`, of v for v >= 0 and of -v - 1
 * for v < 0; without, a negative sample sets bit 31. A sample lies in 0..2^k - 1 (unsigned) or
 * -2^k..2^k - 1 (signed) exactly when the result is at most 2^k - 1. Unsigned arrays are read 32
 * bits at a time (one loop for every array type, several samples per word).
 */
function rangeBits(d: SampleArray, signed: boolean): number {
  const n = d.length;
  let m = 0;
  if (!(d instanceof Int8Array || d instanceof Int16Array || d instanceof Int32Array)) {
    const bytes = d.BYTES_PER_ELEMENT;
    let from = 0;
    if (d.byteOffset % 4 === 0) {
      // four accumulators: the ORs are independent (about 1.6x faster than one chain)
      const words = new Int32Array(d.buffer, d.byteOffset, d.byteLength >>> 2);
      const end = words.length & ~3;
      let m1 = 0, m2 = 0, m3 = 0, i = 0;
      for (; i < end; i += 4) {
        m |= words[i]!;
        m1 |= words[i + 1]!;
        m2 |= words[i + 2]!;
        m3 |= words[i + 3]!;
      }
      for (; i < words.length; i++) m |= words[i]!;
      m |= m1 | m2 | m3;
      m = bytes === 1 ? (m | (m >>> 8) | (m >>> 16) | (m >>> 24)) & 0xff : bytes === 2 ? (m | (m >>> 16)) & 0xffff : m;
      from = (words.length * 4) / bytes;
    }
    for (let i = from; i < n; i++) m |= d[i]!;
    return m >>> 0;
  }
  if (signed) for (let i = 0; i < n; i++) m |= d[i]! ^ (d[i]! >> 31);
  else for (let i = 0; i < n; i++) m |= d[i]!;
  return m >>> 0;
}

/**
 * Check image fields and that every sample fits bitDepth/signed (lossless needs it). With `defer`,
 * samples of an unsigned array type are not scanned here: the return value is then the bound every
 * sample must not exceed (2^bitDepth - 1), for {@link encodeTiles} to check with the core's
 * `orWords` as the samples are copied in; -1 when nothing is left to check.
 */
function checkImage(image: J2kImage, comps: Array<{ w: number; h: number }>, defer = false): number {
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
  if ((d instanceof Uint8Array && !image.signed && bitDepth === 8) || (d instanceof Uint16Array && !image.signed && bitDepth === 16)) return -1;
  if ((d instanceof Int8Array && image.signed && bitDepth === 8) || (d instanceof Int16Array && image.signed && bitDepth === 16)) return -1;
  if (defer && (d instanceof Uint8Array || d instanceof Uint8ClampedArray || d instanceof Uint16Array || d instanceof Uint32Array)) return hi;
  // hi is 2^k - 1: every sample is in range when the OR of their magnitude bits is not above it
  if (rangeBits(d, image.signed) <= hi) return -1;
  throwOutOfRange(image, lo, hi);
}

/** Throw for the first sample of `image` outside lo..hi (there is one). */
function throwOutOfRange(image: J2kImage, lo: number, hi: number): never {
  const d = image.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v < lo || v > hi) {
      throw new J2kError(
        "INVALID_ARGUMENT",
        `sample ${i} is ${v}, outside the ${image.signed ? "signed" : "unsigned"} ${image.bitDepth}-bit range ${lo}..${hi}; fix bitDepth/signed or mask the data`,
      );
    }
  }
  throw new J2kError("INTERNAL", "the sample range check found no sample out of range");
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
  /** Bound of the sample range check left to encodeTiles (one tile, unsigned array type), or -1. */
  rangeHi: number;
}

/**
 * {@link encode}, also reporting the size of every quality layer and every adjustment the encoder
 * made to what was asked (`warnings`). Rate control — ratio and PSNR targets, refining the 9/7
 * step when a target needs it — runs in the core in one pass (codec/rate/): PSNR targets are met
 * from the distortion estimates of the block coder, without decoding.
 */
export function encodeDetailed(image: J2kImage, options: EncodeOptions = {}): EncodeResult {
  const { s, geo } = prepareEncode(image, options);
  const run = finishRun(image, options, s, callCore((c) => runSteps(encodeSteps(c, image, options, s, geo, false)), undefined, "encode"));
  return withWarnings(image, options, s, geo, run);
}

/** Settings and geometry of an encode; checks the image against them. */
function prepareEncode(image: J2kImage, options: EncodeOptions): { s: Settings; geo: Geometry } {
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
  // B.2: a component is ceil(Xsiz/dx) - ceil(XOsiz/dx) wide; an image narrower than dx can hold none
  const none = comps.findIndex((k) => k.w < 1 || k.h < 1);
  if (none >= 0) throw bad(`component ${none} has no samples: the image (${W}x${H} at origin ${ox},${oy}) holds no multiple of its sub-sampling ${comps[none]!.dx}x${comps[none]!.dy}`);
  // one tile: every sample is copied into the core before any is coded, so the core can check them
  const rangeHi = checkImage(image, comps, !s.tile);
  const geo: Geometry = {
    rangeHi,
    comps,
    samples: comps.reduce((a, k) => a + k.w * k.h, 0),
    rawBytes: comps.reduce((a, k) => a + (k.w * k.h * image.bitDepth) / 8, 0),
  };
  return { s, geo };
}

/** The EncodeResult of a finished run: its result plus every adjustment in words. */
function withWarnings(image: J2kImage, options: EncodeOptions, s: Settings, geo: Geometry, run: CoreRun): EncodeResult {
  const warnings = [...s.warnings, ...adjustments(image, options, s, geo, run)];
  const { result } = run;
  return { ...result, warnings };
}

/**
 * Run encode steps that never defer block coding (one thread) to the end. A generator that yields
 * here is a bug: only the threaded encoder (src/encode_threads.ts) turns deferral on.
 */
function runSteps<T>(steps: Generator<BlockWait, T>): T {
  const r = steps.next();
  if (!r.done) throw new J2kError("INTERNAL", "the one-thread encoder deferred block coding");
  return r.value;
}

/**
 * After a core call that may list blocks (threaded encoding): follow encoderResumeState until the
 * call is done; `r` is what the call returned, the result what it returns in the end. Each yield
 * asks the driver (src/encode_threads.ts) to "dispatch" the newly listed blocks (copy their samples
 * out and start coding them) or to "drain" (also wait until every listed block is installed).
 * `more`: this thread goes on with work that may overwrite the listed blocks' samples before the
 * next drain (the next tile), so blocks listed when the call is done are dispatched at once; else
 * the next drain takes them (and copies their samples out only as workers become free).
 * Without deferral (one thread) nothing is listed and nothing is yielded.
 */
function* settle(c: CoreExports, r: number, more = true): Generator<BlockWait, number> {
  for (;;) {
    const state = c.encoderResumeState();
    if (state === 0) {
      if (more && c.encoderDeferredCount() > 0) yield "dispatch";
      return r;
    }
    yield state === 2 ? "drain" : "dispatch";
    r = c.encoderContinue();
  }
}

/** PSNR in dB of a squared error summed over `samples` samples (Infinity for 0). */
function psnrOf(squaredError: number, samples: number, peak: number): number {
  return psnrFromMse(Math.max(0, squaredError) / samples, peak);
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

/** What the core gives back from one encode (before any JP2 wrapping). */
interface CoreOutput {
  codestream: Uint8Array;
  layerBytes: number[];
  levels: number;
  allPasses: boolean;
  info: Omit<CoreRun, "result">;
}

/**
 * The whole encode on core instance `c` (after jobBegin), as a generator: with `threaded` the core
 * defers block coding and every `yield` waits for the deferred blocks (see {@link settle});
 * `hooks` (threaded) lets the driver hand a tile's raw rows to a worker before they are unpacked.
 */
function* encodeSteps(c: CoreExports, image: J2kImage, options: EncodeOptions, s: Settings, geo: Geometry, threaded: boolean, hooks?: EncodeHooks): Generator<BlockWait, CoreOutput> {
  const C = image.components;
  const W = image.width, H = image.height;
  const ox = s.origin.x, oy = s.origin.y;
  const comps = geo.comps;
  const ti = typeInfo(image.data);
  const prec = image.bitDepth;
  {
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
    if (threaded) c.encoderSetThreaded(1);
    // tile by tile from the caller's array: input samples, DC level shifted (G.1.2)
    // (the core transforms and lists a tile's components one at a time unless HT blocks are coded
    // for rate control: codec/encoder.ts encodeTileCode; the raw hand-off relies on it)
    // (the finest layer's compression ratio, 0 without ratios: threaded, what a worker takes, src/encode_threads.ts rawPlanes)
    const ratio = s.ratios ? Math.min(...s.ratios) : 0;
    let out = yield* encodeTiles(c, image, !!options.planar, geo, ox, oy, { ...ti, ratio }, s.ht ? undefined : hooks);
    if (s.psnr) out = (yield* checkPsnrLayers(c, image, options, s, geo)) ?? out;
    const len = c.encoderOutputLength();
    const layerBytes = Array.from({ length: s.layers }, (_, l) => c.encoderLayer(l, LayerInfo.bytes));
    const info = {
      status: Array.from({ length: s.layers }, (_, l) => c.encoderLayer(l, LayerInfo.status)),
      errors: Array.from({ length: s.layers }, (_, l) => c.encoderLayer(l, LayerInfo.estimatedError)),
      levelsAsked: c.encoderInfo(EncoderInfo.levelsAsked),
      guardBits: c.encoderInfo(EncoderInfo.guardBits),
    };
    return { codestream: new Uint8Array(c.memory.buffer, out, len).slice(), layerBytes, levels: c.encoderInfo(EncoderInfo.levels), allPasses: c.encoderInfo(EncoderInfo.allPasses) !== 0, info };
  }
}

/** The run's result from the core's output: the codestream, or the JP2/JPH file around it. */
function finishRun(image: J2kImage, options: EncodeOptions, s: Settings, core: CoreOutput): CoreRun {
  const { layerBytes, levels, allPasses, info } = core;
  // (a permutation of whole tile-parts: the length and every layer's bytes stay the same)
  const codestream = s.tilePartOrder === "interleaved" ? interleaveTileParts(core.codestream) : core.codestream;
  const C = image.components;
  const W = image.width, H = image.height;
  const prec = image.bitDepth;
  if (s.format === "jp2" || s.format === "jph") {
    const file = writeJp2(codestream, {
      brand: s.format,
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

/** Bytes of input copied into WebAssembly memory per step of tile-by-tile encoding. */
const STAGING_BYTES = 4 << 20;

/**
 * Feed the core tile by tile (encoderTilesBegin/TileInput/TileCode/TilesFinish): each tile's rows
 * go from the caller's array through a small staging buffer into the tile buffers, so WebAssembly
 * memory holds one tile's samples rather than the image twice (issue 13: tiled encodes of images
 * larger than WebAssembly memory). Rate control may ask for the tiles again (finer 9/7 step).
 * Returns the codestream pointer. `hooks` (threaded): see {@link EncodeHooks}.
 */
function* encodeTiles(c: CoreExports, image: J2kImage, planar: boolean, geo: Geometry, ox: number, oy: number, ti: { bps: 1 | 2 | 4; signed: boolean; ratio: number }, hooks?: EncodeHooks): Generator<BlockWait, number> {
  const C = image.components;
  const W = image.width;
  const prec = image.bitDepth;
  const dc = image.signed ? 0 : 2 ** (prec - 1);
  const bps = ti.bps;
  const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  // the widest row a step copies: a tile row of every component (interleaved) or of one (planar)
  const widest = planar ? Math.max(...geo.comps.map((k) => k.w)) : W * C;
  const stagingBytes = Math.max(STAGING_BYTES, widest * bps);
  const staging = c.alloc(stagingBytes);
  // threaded, a worker unpacking component 1 (hooks.rawOffload): where this thread's unpack puts the
  // ICT's other outputs of one row (allocated before the tiles: the core's arena above is in use
  // while it waits for its blocks)
  const rowScratch = hooks && !planar && C >= 3 ? c.alloc(8 * W) : 0;
  const T = c.encoderTilesBegin();
  // the sample range check left by checkImage: the OR of the samples as they are copied in
  let rangeHi = geo.rangeHi, bits = 0;
  if (rangeHi >= 0 && T !== 1) {
    if (rangeBits(image.data, false) > rangeHi) throwOutOfRange(image, 0, rangeHi);
    rangeHi = -1;
  }
  const planeStart: number[] = [];
  for (let i = 0, at = 0; i < C; i++) {
    planeStart.push(at);
    at += geo.comps[i]!.w * geo.comps[i]!.h;
  }
  for (;;) {
    for (let t = 0; t < T; t++) {
      c.encoderTileInput(t);
      const tc = (i: number, f: EncoderTileField) => c.encoderTileComp(i, f);
      // components a worker unpacks and transforms from the raw rows (hooks.rawOffload; bit i: component i)
      let handedOff = 0;
      const unpack = (i: number, src: number, step: number, srcStride: number, w: number, rows: number, row: number) => {
        const dst = tc(i, EncoderTileField.buffer) + 4 * row * tc(i, EncoderTileField.stride);
        const stride = tc(i, EncoderTileField.stride);
        if (tc(i, EncoderTileField.reversible)) c.unpackComponent(src, step, srcStride, bps, ti.signed ? 1 : 0, w, rows, dst, stride, dc);
        else c.unpackComponentF32(src, step, srcStride, bps, ti.signed ? 1 : 0, w, rows, dst, stride, dc);
      };
      // one component, threaded: a worker unpacks and transforms the rows below a cut, this thread
      // the rows above (src/worker/encode_split.ts); then they are not unpacked here
      let split = false;
      if (C === 1 && c.encoderTileSplitUnit(1) > 0) {
        const k = geo.comps[0]!;
        const x0 = tc(0, EncoderTileField.x0) - Math.ceil(ox / k.dx), y0 = tc(0, EncoderTileField.y0) - Math.ceil(oy / k.dy);
        offerSplitRows({ data, staging, stagingBytes, bps, signed: ti.signed, dc, rowAt: (r) => (planeStart[0]! + (y0 + r) * k.w + x0) * bps, addBits: (b) => (bits |= b) });
        yield "split";
        split = splitRowsTaken();
      }
      if (planar && !split) {
        // one thread: the core unpacks each component's rows and makes its first DWT level from them
        // as they come (encoderTileFeedBegin; not threaded: a worker may take a whole component's plane)
        const feed = !hooks && c.encoderTileFeedBegin(0xf, 0, 0, bps, ti.signed ? 1 : 0, dc) === 1;
        for (let i = 0; i < C; i++) {
          const k = geo.comps[i]!;
          const w = tc(i, EncoderTileField.width), h = tc(i, EncoderTileField.height);
          const x0 = tc(i, EncoderTileField.x0) - Math.ceil(ox / k.dx), y0 = tc(i, EncoderTileField.y0) - Math.ceil(oy / k.dy);
          const per = Math.max(1, Math.floor(stagingBytes / (w * bps)));
          for (let r = 0; r < h; r += per) {
            const rows = Math.min(per, h - r);
            const view = new Uint8Array(c.memory.buffer, staging, rows * w * bps);
            if (w === k.w) {
              // whole plane rows: one run of the caller's array
              const from = (planeStart[i]! + (y0 + r) * k.w) * bps;
              view.set(data.subarray(from, from + rows * w * bps));
            } else {
              for (let y = 0; y < rows; y++) {
                const from = (planeStart[i]! + (y0 + r + y) * k.w + x0) * bps;
                view.set(data.subarray(from, from + w * bps), y * w * bps);
              }
            }
            if (rangeHi >= 0) bits |= c.orWords(staging, rows * w * bps);
            if (feed) c.encoderTileFeed(i, staging, rows);
            else unpack(i, staging, 1, w, w, rows, r);
          }
        }
        if (feed) c.encoderTileFeedEnd();
      } else if (!split) {
        // no sub-sampling when interleaved: every component has the tile's rectangle
        const w = tc(0, EncoderTileField.width), h = tc(0, EncoderTileField.height);
        const x0 = tc(0, EncoderTileField.x0) - ox, y0 = tc(0, EncoderTileField.y0) - oy;
        const rowBytes = w * C * bps;
        const per = Math.max(1, Math.floor(stagingBytes / rowBytes));
        // 9/7 with the ICT: unpack components 0-2 and apply the ICT in one pass (encoderTileCode skips it)
        const ict = c.encoderTileMct() === 2;
        // rows r..r + rows - 1 of the tile into the staging buffer
        const stage = (r: number, rows: number): void => {
          const view = new Uint8Array(c.memory.buffer, staging, rows * rowBytes);
          if (w === W) {
            // whole image rows: the step's rows are one run of the caller's array
            const from = (y0 + r) * W * C * bps;
            view.set(data.subarray(from, from + rows * rowBytes));
          } else {
            for (let y = 0; y < rows; y++) {
              const from = ((y0 + r + y) * W + x0) * C * bps;
              view.set(data.subarray(from, from + rowBytes), y * rowBytes);
            }
          }
        };
        // threaded, one tile with an MCT: a worker may unpack component 1 (and 2) (the MCT's
        // outputs) from the raw rows and transform them while this thread unpacks the others, both
        // with the functions the one-thread path uses, one row at a time (so the same values);
        // `keep`: the outputs this thread keeps of each row's three (bit i: component i; the others
        // go to rowScratch). The RCT is then applied here row by row too (G.2, the core's
        // rctForward), not by the core.
        // (the buffers are read now: refill runs after encoderTileCode, when the core no longer gives them)
        const sgn = ti.signed ? 1 : 0, stride = tc(0, EncoderTileField.stride);
        const mct = c.encoderTileMct();
        const bufs = [0, 1, 2].map((i) => tc(i, EncoderTileField.buffer));
        const mctRows = (r: number, rows: number, keep: number): void => {
          const at = (i: number) => (keep & (1 << i) ? bufs[i]! + 4 * r * stride : 0);
          const a0 = at(0), a1 = at(1), a2 = at(2);
          // (the outputs not kept: each to a scratch row of its own, the RCT reads all three)
          const s0 = rowScratch, s1 = a0 ? rowScratch : rowScratch + 4 * W, s2 = rowScratch + 4 * W;
          for (let y = 0; y < rows; y++) {
            const o = 4 * y * stride, src = staging + y * rowBytes;
            const d0 = a0 ? a0 + o : s0, d1 = a1 ? a1 + o : s1, d2 = a2 ? a2 + o : s2;
            if (mct === 2) c.unpackIctForward(src, C, w * C, bps, sgn, w, 1, d0, d1, d2, stride, dc, dc, dc);
            else {
              c.unpackComponent(src, C, w * C, bps, sgn, w, 1, d0, stride, dc);
              c.unpackComponent(src + bps, C, w * C, bps, sgn, w, 1, d1, stride, dc);
              c.unpackComponent(src + 2 * bps, C, w * C, bps, sgn, w, 1, d2, stride, dc);
              c.rctForward(d0, d1, d2, stride, w, 1);
            }
          }
        };
        handedOff =
          (mct === 1 || mct === 2) && rowScratch !== 0 && T === 1 && w <= W
            ? hooks!.rawOffload({
              data, first: ((y0 * W) + x0) * C * bps, rowBytes, rowStride: W * C * bps, rows: h, components: C, bps, signed: ti.signed, width: w, dc, mct, tile: t, ratio: ti.ratio,
              // (the worker failed: the components it had unpacked here after all, the others left as they are)
              refill: () => {
                for (let r = 0; r < h; r += per) {
                  const rows = Math.min(per, h - r);
                  stage(r, rows);
                  mctRows(r, rows, handedOff);
                }
              },
            })
            : 0;
        // the core unpacks the rows (and applies the MCT) and makes the components' first DWT level
        // from them as they come (encoderTileFeedBegin); threaded, not component 1: a worker takes it
        // (from the raw rows when handedOff, with component 2 too where it says so, else maybe its
        // unpacked plane: PlaneOffload.start)
        const feed = c.encoderTileFeedBegin(hooks ? 0xd & ~handedOff : 0xf, handedOff, 1, bps, sgn, dc) === 1;
        for (let r = 0; r < h; r += per) {
          const rows = Math.min(per, h - r);
          stage(r, rows);
          if (rangeHi >= 0) bits |= c.orWords(staging, rows * rowBytes);
          if (feed) {
            c.encoderTileFeed(-1, staging, rows);
            continue;
          }
          if (handedOff) mctRows(r, rows, 7 & ~handedOff);
          else if (ict) {
            const at = (i: number) => tc(i, EncoderTileField.buffer) + 4 * r * stride;
            c.unpackIctForward(staging, C, w * C, bps, sgn, w, rows, at(0), at(1), at(2), stride, dc, dc, dc);
          }
          for (let i = ict || handedOff ? 3 : 0; i < C; i++) unpack(i, staging + i * bps, C, w * C, w, rows, r);
        }
        if (feed) c.encoderTileFeedEnd();
        if (ict || handedOff !== 0) c.encoderTileMctApplied();
      }
      if (rangeHi >= 0) {
        // (bps 1 or 2: the bytes or halves of the 32-bit OR are samples)
        const m = bps === 1 ? (bits | (bits >>> 8) | (bits >>> 16) | (bits >>> 24)) & 0xff : bps === 2 ? (bits | (bits >>> 16)) & 0xffff : bits >>> 0;
        if (m > rangeHi) throwOutOfRange(image, 0, rangeHi);
        rangeHi = -1;
      }
      // threaded: the tile's samples are final (no MCT left for the core): a worker may transform
      // a component meanwhile (src/encode_threads.ts)
      // (or the worker has the raw rows already; not after a split: the tile is transformed)
      if (!split && (handedOff !== 0 || (c.encoderTileDwtOffload() && (c.encoderTileMct() === 0 || (!planar && c.encoderTileMct() === 2))))) yield "offload";
      c.encoderTileCode(t);
      yield* settle(c, 0, t + 1 < T); // (after the last tile: the drain below)
    }
    if (c.encoderDeferredCount() > 0) yield "drain"; // rate control needs every block
    const out = yield* settle(c, c.encoderTilesFinish());
    if (out !== 0) return out;
  }
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
function* checkPsnrLayers(c: CoreExports, image: J2kImage, options: EncodeOptions, s: Settings, geo: Geometry): Generator<BlockWait, number | undefined> {
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
    out = yield* settle(c, c.encoderReallocate());
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
 * Asynchronous {@link encode} (same result, byte for byte). `options.threads` codes one image on
 * several threads: this thread transforms the image and runs rate control and T2 while workers
 * of j2kit's pool code the code-blocks (src/encode_threads.ts). Default: every core for images of
 * at least 1 megapixel while no other asynchronous job is pending; otherwise (or with `threads:
 * 1`) the whole encode runs in one worker of the pool, or on the calling thread where workers are
 * unavailable. The image is copied, never transferred.
 */
export async function encodeAsync(image: J2kImage, options: EncodeOptions = {}): Promise<Uint8Array> {
  const { options: rest, threaded } = await encodeOnThreads(image, options);
  if (threaded) return threaded.data;
  if (!image || typeof image !== "object" || !ArrayBuffer.isView(image.data)) return encode(image, rest);
  const viaWorker = await runInWorker<Uint8Array>({ op: "encode", image, options: rest });
  return viaWorker ?? encode(image, rest);
}

/** Asynchronous {@link encodeDetailed} (same result), threaded like {@link encodeAsync}. */
export async function encodeDetailedAsync(image: J2kImage, options: EncodeOptions = {}): Promise<EncodeResult> {
  const { options: rest, threaded } = await encodeOnThreads(image, options);
  if (threaded) return threaded;
  if (!image || typeof image !== "object" || !ArrayBuffer.isView(image.data)) return encodeDetailed(image, rest);
  const viaWorker = await runInWorker<EncodeResult>({ op: "encode", image, options: rest, detailed: true });
  return viaWorker ?? encodeDetailed(image, rest);
}

/**
 * The threaded encode when `options.threads` (or the default) asks for several threads and workers
 * are available; `threaded` is undefined otherwise. `options` comes back without `threads`.
 */
async function encodeOnThreads(image: J2kImage, options: EncodeOptions): Promise<{ options: EncodeOptions; threaded?: EncodeResult }> {
  const threads = checkThreads(options.threads);
  if (options.threads !== undefined) {
    options = { ...options };
    delete options.threads;
  }
  if (threads === 1 || !image || typeof image !== "object" || !ArrayBuffer.isView(image.data)) return { options };
  const n = await encodeThreadCount(image.width * image.height, threads);
  if (n < 2) return { options };
  const { s, geo } = prepareEncode(image, options);
  const opts = options;
  const out = await encodeThreaded((c, hooks) => encodeSteps(c, image, opts, s, geo, true, hooks), n);
  return { options, threaded: withWarnings(image, options, s, geo, finishRun(image, options, s, out)) };
}
