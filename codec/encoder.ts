// Encoder orchestration (mirror of decoder.ts):
//   input planes (DC-shifted, G.1.2) → forward MCT (G.2/G.3) → forward DWT (F.4) per tile-component
//   → quantisation (E.1) + T1 block coding (C, D) → step sizes / guard bits → rate control (PCRD,
//   codec/rate) → T2 packets in progression order (B.9-B.12) → main header + tile-parts (A).

import { Codestream, TileParams, tileBounds } from "./codestream/header";
import {
  Siz, CompSiz, compSiz, CodingStyle, GlobalStyle, QuantStyle, PocList,
  newCodingStyle, newQuantStyle, QUANT_NONE, QUANT_EXPOUNDED, MAX_LEVELS, MAX_BANDS,
} from "./codestream/params";
import {
  Tile, TileComp, Resolution, Band, PrecinctBand, CodeBlock,
  buildTile, tileComp, resolution, band, precinctBand, codeBlock, bandGainLog2, MAX_BITPLANES,
} from "./structure/tile";
import { T2Context, T2_ENCODE } from "./t2/context";
import { BitWriter } from "./t2/bit_writer";
import { runProgressions } from "./t2/progression";
import { prepareResolutionForT2, pltEntryBytes } from "./t2/packet_encoder";
import { PASS_RECORD_BYTES, passesRate } from "./t1/pass_record";
import { MAX_PASSES, MAX_BLOCK_SAMPLES } from "./util/constants";
import { encodeCodeBlock } from "./t1/block_coder";
import { maxPasses } from "./t1/segments";
import { dwt53ForwardLevel, dwt97ForwardLevel, dwtScratchBytes, rctForward, ictForward, quantizeCopyIrr, dwtSynthesisNorm } from "./transform/exports";
import { stepSizeEncode } from "./quant/step_size";
import { allocateLayers, allPassesIncluded } from "./rate/pcrd";
import { cblkIterNew, cblkIterTile, cblkIterNext } from "./structure/cblk_iter";
import { Writer, writerInit, wrU16, wrU32, wrU8, wrBytes, writerLength, patchU16, patchU32 } from "./io/writer";
import { writeSiz, writeCod, writeQcd, writeQcc, writeCom, writePoc } from "./codestream/write_headers";
import * as M from "./codestream/markers";
import { arenaAlloc, arenaAllocZeroed, arenaAllocArray } from "./util/arena";
import { fail } from "./util/fail";
import * as E from "./util/error_codes";
import {
  CHECK_BITPLANES, CHECK_CODE_BLOCK_SIZE, CHECK_COEFFICIENT_BITS, CHECK_COMPONENTS, CHECK_EXPONENT_RANGE, CHECK_FIRST_TILE, CHECK_GUARD_BITS_NEEDED, CHECK_IMAGE_SIZE, CHECK_LAYERS, CHECK_LEVELS, CHECK_MCT_COMPONENTS, CHECK_MCT_SAMPLING, CHECK_NO_SAMPLES, CHECK_PRECINCT_SIZE, CHECK_PRECISION, CHECK_SUBSAMPLING, CHECK_TILE_ORIGIN, CHECK_TILE_PARTS, CHECK_TILE_SIZE, CHECK_TOO_MANY_TILES,
} from "./api_fields";
import { ceilDiv, floorLog2 } from "./util/math";

/** Fractional bits kept by the irreversible quantiser for distortion estimation. */
const FRAC_BITS: i32 = 6;

@unmanaged
export class EncodeJob {
  cs: Codestream;
  /** usize[Csiz]: i32 input planes on each component's grid (DC level shift already applied). */
  planes: usize;
  /** usize[Csiz]: QuantStyle per component. */
  quants: usize;
  guard: i32;
  layers: i32;
  /** f64[layers]: cumulative byte budget of each layer (0 = no limit). */
  layerBytes: usize;
  /** f64[layers]: target squared-error sum of each layer (0 = none). */
  layerDist: usize;
  /** Scale of the 9/7 quantisation steps (Delta_b = baseStep / ||synthesis basis||). */
  baseStep: f64;
  wantDistortion: i32;
  /** usize[numTiles] Tile */
  tiles: usize;
  /** Tile-parts split: 0 none, 1 by resolution, 2 by layer, 3 by component. */
  tilePartMode: i32;
  tlm: i32;
  plt: i32;
  /** Output codestream. */
  out: usize;
  outLen: i32;
  /** f64[layers]: bytes of the codestream up to the end of each layer (all headers included). */
  layerSizes: usize;
  /** Main header length (fixed once the quantisation is final), or 0 if not measured yet. */
  mainHeaderLen: i32;
  /** Scratch for the packet headers of dry runs. */
  dryBuf: usize;
  dryCap: usize;
  comment: usize;
  commentLen: i32;
  /** u8[33] precinct exponents from the highest resolution down (0 = none given). */
  precinctsFromTop: usize;
  numPrecinctSizes: i32;
  /** 1 if the last layer holds every coding pass of every block (the quantiser limits quality). */
  allPasses: i32;
  /** Scratch for T1. */
  cbScratch: usize;
  cbCoefs: usize;
  cbPasses: usize;
  cbInfo: usize;
}

// @ts-ignore: decorator
@inline
export function jobTile(job: EncodeJob, t: i32): Tile {
  return changetype<Tile>(load<usize>(job.tiles + (<usize>t << alignof<usize>())));
}

// @ts-ignore: decorator
@inline
function jobQuant(job: EncodeJob, c: i32): QuantStyle {
  return changetype<QuantStyle>(load<usize>(job.quants + (<usize>c << alignof<usize>())));
}

/** New job with the defaults of EncodeOptions (src/types.ts). */
export function encodeJobNew(C: i32, width: i32, height: i32): EncodeJob {
  if (C < 1 || C > 16384) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_COMPONENTS, C);
  if (width < 1 || height < 1) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_IMAGE_SIZE, width);
  let job = changetype<EncodeJob>(arenaAllocZeroed(offsetof<EncodeJob>()));
  let cs = changetype<Codestream>(arenaAllocZeroed(offsetof<Codestream>()));
  job.cs = cs;
  let siz = changetype<Siz>(arenaAllocZeroed(offsetof<Siz>()));
  cs.siz = siz;
  siz.Rsiz = 0;
  siz.Xsiz = width;
  siz.Ysiz = height;
  siz.XTsiz = width;
  siz.YTsiz = height;
  siz.Csiz = C;
  siz.comps = arenaAllocZeroed(<usize>C * offsetof<CompSiz>());
  for (let c = 0; c < C; c++) {
    let k = compSiz(siz, c);
    k.prec = 8;
    k.dx = 1;
    k.dy = 1;
  }
  cs.gcod = changetype<GlobalStyle>(arenaAllocZeroed(offsetof<GlobalStyle>()));
  cs.gcod.layers = 1;
  cs.gcod.progression = 0;
  cs.gcod.mct = C >= 3 ? 1 : 0;
  cs.cod = newCodingStyle();
  cs.cod.levels = 5;
  cs.cod.xcb = 6;
  cs.cod.ycb = 6;
  cs.cod.reversible = 1;
  for (let r = 0; r <= MAX_LEVELS; r++) store<u8>(cs.cod.pp + <usize>r, 0xff);
  cs.qcd = newQuantStyle();
  cs.poc = changetype<PocList>(arenaAllocZeroed(offsetof<PocList>()));
  cs.coc = arenaAllocZeroed(<usize>C * sizeof<usize>());
  cs.qcc = arenaAllocZeroed(<usize>C * sizeof<usize>());
  cs.rgn = arenaAllocZeroed(<usize>C * 4);
  job.planes = arenaAllocZeroed(<usize>C * sizeof<usize>());
  job.guard = 2;
  job.layers = 1;
  job.baseStep = 1.0;
  return job;
}

/** Size of component c's sample grid (B-1). */
export function compWidth(siz: Siz, c: i32): i32 {
  let k = compSiz(siz, c);
  return ceilDiv(siz.Xsiz, k.dx) - ceilDiv(siz.XOsiz, k.dx);
}
export function compHeight(siz: Siz, c: i32): i32 {
  let k = compSiz(siz, c);
  return ceilDiv(siz.Ysiz, k.dy) - ceilDiv(siz.YOsiz, k.dy);
}

/** Check the parameters (A.5.1, A.6.1) and derive the tile grid. */
function validate(job: EncodeJob): void {
  let cs = job.cs;
  let siz = cs.siz;
  let s = cs.cod;
  if (siz.XTsiz < 1 || siz.YTsiz < 1) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_TILE_SIZE, siz.XTsiz);
  if (siz.XTOsiz > siz.XOsiz || siz.YTOsiz > siz.YOsiz) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_TILE_ORIGIN, siz.XTOsiz);
  if (<i64>siz.XTOsiz + <i64>siz.XTsiz <= <i64>siz.XOsiz || <i64>siz.YTOsiz + <i64>siz.YTsiz <= <i64>siz.YOsiz) {
    fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_FIRST_TILE, siz.XTsiz);
  }
  let tx = <i64>ceilDiv(siz.Xsiz - siz.XTOsiz, siz.XTsiz);
  let ty = <i64>ceilDiv(siz.Ysiz - siz.YTOsiz, siz.YTsiz);
  if (tx * ty > 65535) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_TOO_MANY_TILES, <i32>min(tx * ty, <i64>0x7fffffff));
  siz.tilesX = <i32>tx;
  siz.tilesY = <i32>ty;
  siz.numTiles = <i32>(tx * ty);
  if (s.xcb < 2 || s.ycb < 2 || s.xcb > 10 || s.ycb > 10 || s.xcb + s.ycb > 12) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_CODE_BLOCK_SIZE, s.xcb);
  if (s.levels < 0 || s.levels > MAX_LEVELS) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_LEVELS, s.levels);
  if (cs.gcod.layers < 1 || cs.gcod.layers > 65535) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_LAYERS, cs.gcod.layers);
  // Clamp the decomposition levels to the image: more levels than log2(size) only add empty
  // resolutions (EncodeOptions.levels: "clamped for small images").
  let minDim = 0x7fffffff;
  for (let c = 0; c < siz.Csiz; c++) {
    minDim = min(minDim, min(compWidth(siz, c), compHeight(siz, c)));
    let k = compSiz(siz, c);
    minDim = min(minDim, min(ceilDiv(siz.XTsiz, k.dx), ceilDiv(siz.YTsiz, k.dy)));
  }
  let maxLevels = floorLog2(<u32>max(minDim, 1));
  if (s.levels > maxLevels) s.levels = maxLevels;
  for (let c = 0; c < siz.Csiz; c++) {
    let k = compSiz(siz, c);
    if (k.prec < 1 || k.prec > 24) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_PRECISION, k.prec);
    if (k.dx < 1 || k.dx > 255 || k.dy < 1 || k.dy > 255) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_SUBSAMPLING, k.dx);
  }
  if (cs.gcod.mct != 0) {
    if (siz.Csiz < 3) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_MCT_COMPONENTS, siz.Csiz);
    let a = compSiz(siz, 0), b = compSiz(siz, 1), d = compSiz(siz, 2);
    // G.2/G.3: the transform needs identically sampled first three components
    if (a.dx != b.dx || a.dx != d.dx || a.dy != b.dy || a.dy != d.dy) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_MCT_SAMPLING, 0);
  }
  // Precincts given from the highest resolution down; below the last one given, each lower
  // resolution halves it (as opj_compress -c), never below 2x2.
  if (job.numPrecinctSizes > 0) {
    s.userPrecincts = 1;
    let n = job.numPrecinctSizes;
    for (let r = 0; r <= s.levels; r++) {
      let i = s.levels - r;
      let v = <i32>load<u8>(job.precinctsFromTop + <usize>min(i, n - 1));
      if (i >= n) {
        let k = i - (n - 1);
        let px = max((v & 15) - k, min(v & 15, 1));
        let py = max((v >> 4) - k, min(v >> 4, 1));
        v = px | (py << 4);
      }
      store<u8>(s.pp + <usize>r, <u8>v);
    }
  }
  // Precincts: PPx, PPy >= 1 above resolution 0 (B.6)
  if (s.userPrecincts != 0) {
    for (let r = 1; r <= s.levels; r++) {
      let v = <i32>load<u8>(s.pp + <usize>r);
      if ((v & 15) == 0 || (v >> 4) == 0) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_PRECINCT_SIZE, r);
    }
  }
}

/** Per-component quantisation: exponents/mantissas of every sub-band (A.6.4, E.1). */
function setupQuant(job: EncodeJob): void {
  let cs = job.cs;
  let siz = cs.siz;
  let s = cs.cod;
  let NL = s.levels;
  job.quants = arenaAlloc(<usize>siz.Csiz * sizeof<usize>());
  for (let c = 0; c < siz.Csiz; c++) {
    let q = newQuantStyle();
    q.guard = job.guard;
    q.count = 3 * NL + 1;
    let prec = compSiz(siz, c).prec;
    for (let b = 0; b < q.count; b++) {
      let orient = b == 0 ? 0 : ((b - 1) % 3) + 1;
      let lev = b == 0 ? NL : NL - (b - 1) / 3; // decomposition level of the band
      let Rb = prec + bandGainLog2(orient);
      if (s.reversible != 0) {
        q.style = QUANT_NONE;
        store<u16>(q.steps + (<usize>b << 1), <u16>(Rb << 11));
      } else {
        q.style = QUANT_EXPOUNDED;
        // Delta_b = baseStep / ||synthesis basis of the band||, in units of the sample range
        let norm = dwtSynthesisNorm(0, lev, orient);
        let step = job.baseStep / norm;
        store<u16>(q.steps + (<usize>b << 1), <u16>stepSizeEncode(step, Rb));
      }
    }
    store<usize>(job.quants + (<usize>c << alignof<usize>()), changetype<usize>(q));
  }
  cs.qcd = jobQuant(job, 0);
}

/** Tile parameters of an encoder tile (no tile-part headers: everything from the main header). */
function encoderTileParams(job: EncodeJob, t: i32): TileParams {
  let cs = job.cs;
  let C = cs.siz.Csiz;
  let tp = changetype<TileParams>(arenaAllocZeroed(offsetof<TileParams>()));
  tp.index = t;
  tileBounds(cs, t, tp);
  tp.g = cs.gcod;
  tp.styles = arenaAlloc(<usize>C * sizeof<usize>());
  tp.quants = job.quants;
  tp.roi = cs.rgn;
  tp.poc = cs.poc;
  for (let c = 0; c < C; c++) store<usize>(tp.styles + (<usize>c << alignof<usize>()), changetype<usize>(cs.cod));
  return tp;
}

/** Run the whole encoder. Returns the codestream pointer (length in job.outLen). */
export function encodeRun(job: EncodeJob): usize {
  validate(job);
  setupQuant(job);
  let cs = job.cs;
  let siz = cs.siz;
  let T = siz.numTiles;
  let C = siz.Csiz;
  job.tiles = arenaAlloc(<usize>T * sizeof<usize>());
  // Scratch sized for the largest tile-component, allocated once and reused by every tile.
  let maxTileW = 0, maxTileH = 0;
  let probe = changetype<TileParams>(arenaAllocZeroed(offsetof<TileParams>()));
  for (let t = 0; t < T; t++) {
    tileBounds(cs, t, probe);
    maxTileW = max(maxTileW, probe.tx1 - probe.tx0);
    maxTileH = max(maxTileH, probe.ty1 - probe.ty0);
  }
  let bufSamples = <u64>(maxTileW + 1) * <u64>(maxTileH + 1); // 64-bit: a tile above 2^30 samples must not wrap
  let bufs = arenaAlloc(<usize>C * sizeof<usize>());
  for (let c = 0; c < C; c++) store<usize>(bufs + (<usize>c << alignof<usize>()), arenaAllocArray(bufSamples, 4));
  let tmp = arenaAlloc(dwtScratchBytes(max(maxTileW, maxTileH) + 2));
  job.cbScratch = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * 8 + 4096);
  job.cbCoefs = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * 4);
  job.cbPasses = arenaAlloc(<usize>MAX_PASSES * PASS_RECORD_BYTES);
  job.cbInfo = arenaAlloc(16);
  job.wantDistortion = needsDistortion(job) ? 1 : 0;

  for (let t = 0; t < T; t++) {
    let tp = encoderTileParams(job, t);
    let tile = buildTile(cs, tp, <i64>0x7fffffff);
    store<usize>(job.tiles + (<usize>t << alignof<usize>()), changetype<usize>(tile));
    for (let c = 0; c < C; c++) {
      let tc = tileComp(tile, c);
      tc.buf = load<usize>(bufs + (<usize>c << alignof<usize>()));
      tc.stride = max(tc.x1 - tc.x0, 1);
      loadTileComp(job, tc);
    }
    forwardMct(job, tile);
    for (let c = 0; c < C; c++) {
      let tc = tileComp(tile, c);
      forwardDwt(tc, tmp);
      codeBlocks(job, tc);
    }
  }
  finishQuant(job);
  allocateLayers(job);
  job.allPasses = allPassesIncluded(job) ? 1 : 0;
  job.layerSizes = arenaAllocZeroed(<usize>job.layers << 3);
  measureLayers(job, job.layers - 1, job.layerSizes);
  writeCodestream(job);
  return job.out;
}

function needsDistortion(job: EncodeJob): bool {
  for (let l = 0; l < job.layers; l++) {
    if (load<f64>(job.layerBytes + (<usize>l << 3)) > 0) return true;
    if (load<f64>(job.layerDist + (<usize>l << 3)) > 0) return true;
  }
  return false;
}

/** Copy the tile-component's samples from the input plane; f32 for the irreversible path. */
function loadTileComp(job: EncodeJob, tc: TileComp): void {
  let siz = job.cs.siz;
  let k = compSiz(siz, tc.c);
  let plane = load<usize>(job.planes + (<usize>tc.c << alignof<usize>()));
  if (plane == 0) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, tc.c);
  let pw = compWidth(siz, tc.c);
  let px0 = ceilDiv(siz.XOsiz, k.dx), py0 = ceilDiv(siz.YOsiz, k.dy);
  let w = tc.x1 - tc.x0, h = tc.y1 - tc.y0;
  let rev = tc.style.reversible != 0;
  for (let y = 0; y < h; y++) {
    let src = plane + ((<usize>(tc.y0 - py0 + y) * <usize>pw + <usize>(tc.x0 - px0)) << 2);
    let dst = tc.buf + ((<usize>y * <usize>tc.stride) << 2);
    if (rev) {
      memory.copy(dst, src, <usize>w << 2);
    } else {
      for (let x = 0; x < w; x++) store<f32>(dst + (<usize>x << 2), <f32>load<i32>(src + (<usize>x << 2)));
    }
  }
}

function forwardMct(job: EncodeJob, tile: Tile): void {
  if (job.cs.gcod.mct == 0 || tile.numComps < 3) return;
  let a = tileComp(tile, 0), b = tileComp(tile, 1), d = tileComp(tile, 2);
  let w = a.x1 - a.x0, h = a.y1 - a.y0;
  if (a.style.reversible != 0) rctForward(a.buf, b.buf, d.buf, a.stride, w, h);
  else ictForward(a.buf, b.buf, d.buf, a.stride, w, h);
}

/** Forward DWT, highest resolution first; leaves the sub-bands in the quadrant layout. */
function forwardDwt(tc: TileComp, tmp: usize): void {
  let rev = tc.style.reversible != 0;
  for (let r = tc.numRes - 1; r >= 1; r--) {
    let res = resolution(tc, r);
    let w = res.x1 - res.x0, h = res.y1 - res.y0;
    if (rev) dwt53ForwardLevel(tc.buf, tc.stride, w, h, res.x0 & 1, res.y0 & 1, tmp);
    else dwt97ForwardLevel(tc.buf, tc.stride, w, h, res.x0 & 1, res.y0 & 1, tmp);
  }
}

/** Position of band `bd` of resolution r in the quadrant layout. */
function bandOriginX(tc: TileComp, r: i32, orient: i32): i32 {
  if (r == 0 || (orient & 1) == 0) return 0;
  let prev = resolution(tc, r - 1);
  return prev.x1 - prev.x0;
}
function bandOriginY(tc: TileComp, r: i32, orient: i32): i32 {
  if (r == 0 || (orient & 2) == 0) return 0;
  let prev = resolution(tc, r - 1);
  return prev.y1 - prev.y0;
}

/** T1 for every code-block of the tile-component. Codewords and pass records go to the arena. */
function codeBlocks(job: EncodeJob, tc: TileComp): void {
  let rev = tc.style.reversible != 0;
  let style = tc.style.cblkStyle;
  for (let r = 0; r < tc.numRes; r++) {
    let res = resolution(tc, r);
    let np = res.pw * res.ph;
    for (let k = 0; k < res.numBands; k++) {
      let bd = band(res, k);
      let qx = bandOriginX(tc, r, bd.orient), qy = bandOriginY(tc, r, bd.orient);
      let invStep: f32 = <f32>(1.0 / <f64>bd.step);
      for (let p = 0; p < np; p++) {
        let pb = precinctBand(bd, p);
        let n = pb.cw * pb.ch;
        for (let i = 0; i < n; i++) {
          let cb = codeBlock(pb, i);
          let w = cb.x1 - cb.x0, h = cb.y1 - cb.y0;
          let src = tc.buf + ((<usize>(qy + cb.y0 - bd.y0) * <usize>tc.stride + <usize>(qx + cb.x0 - bd.x0)) << 2);
          let coef: usize, stride: i32, frac: i32;
          if (rev) {
            coef = src;
            stride = tc.stride;
            frac = 0;
          } else {
            // Fraction bits only refine the distortion estimates: use fewer when the block's
            // largest quantised magnitude would not leave room for them below 2^30 (Seam 1).
            let q = <f64>maxAbsF32(src, tc.stride, w, h) * <f64>invStep;
            let intBits = q < 1 ? 0 : <i32>Math.floor(Math.log2(q)) + 1;
            if (intBits > 29) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_COEFFICIENT_BITS, intBits);
            frac = min(FRAC_BITS, 29 - intBits);
            quantizeCopyIrr(src, tc.stride, w, h, job.cbCoefs, w, invStep, frac);
            coef = job.cbCoefs;
            stride = w;
          }
          let cap = w * h * 8 + 4096;
          encodeCodeBlock(coef, stride, w, h, bd.orient, style, frac, job.cbScratch, cap, job.cbPasses, MAX_PASSES, job.wantDistortion, job.cbInfo);
          let numBps = load<i32>(job.cbInfo);
          let npass = load<i32>(job.cbInfo, 4);
          let len = load<i32>(job.cbInfo, 8);
          cb.encNumBps = numBps;
          cb.encNumPasses = npass;
          cb.encData = arenaAlloc(<usize>max(len, 1));
          memory.copy(cb.encData, job.cbScratch, <usize>len);
          cb.encPasses = arenaAlloc(<usize>max(npass, 1) * PASS_RECORD_BYTES);
          memory.copy(cb.encPasses, job.cbPasses, <usize>npass * PASS_RECORD_BYTES);
          cb.encLayerPasses = arenaAllocZeroed(<usize>job.layers * 4);
        }
      }
    }
  }
}

/**
 * Choose exponents / guard bits so that Mb = G + epsilon_b - 1 covers every code-block (E-2), then
 * set each block's zero bit-planes. For the reversible path (no quantisation) epsilon_b is free;
 * for the irreversible path the guard bits grow instead (up to 7).
 */
function finishQuant(job: EncodeJob): void {
  let cs = job.cs;
  let C = cs.siz.Csiz;
  let NL = cs.cod.levels;
  // Largest numBps per (component, band) over all tiles.
  let need = arenaAllocZeroed(<usize>C * MAX_BANDS * 4);
  let it = cblkIterNew(job.tiles, cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let p = need + ((<usize>it.c * MAX_BANDS + <usize>it.bd.index) << 2);
    store<i32>(p, max(load<i32>(p), it.cb.encNumBps));
  }
  for (let c = 0; c < C; c++) {
    let q = jobQuant(job, c);
    let nb = 3 * NL + 1;
    for (let b = 0; b < nb; b++) {
      let e = <i32>(load<u16>(q.steps + (<usize>b << 1)) >> 11);
      let bps = load<i32>(need + ((<usize>c * MAX_BANDS + <usize>b) << 2));
      if (q.style == QUANT_NONE) {
        // no quantisation: epsilon_b is free, raise it to cover the band
        e = max(e, bps - q.guard + 1);
        if (e > 31) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_EXPONENT_RANGE, e);
        store<u16>(q.steps + (<usize>b << 1), <u16>(e << 11));
      } else {
        // the step is fixed: more guard bits instead
        q.guard = max(q.guard, bps - e + 1);
      }
    }
    if (q.guard > 7) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_GUARD_BITS_NEEDED, q.guard);
  }
  // Mb per band (E-2) and zero bit-planes per block (B.10.5)
  it = cblkIterNew(job.tiles, cs.siz.numTiles);
  let lastBand: usize = 0;
  while (cblkIterNext(it)) {
    let bd = it.bd;
    if (changetype<usize>(bd) != lastBand) {
      lastBand = changetype<usize>(bd);
      let q = jobQuant(job, it.c);
      bd.Mb = q.guard + (<i32>(load<u16>(q.steps + (<usize>bd.index << 1)) >> 11)) - 1;
      if (bd.Mb > MAX_BITPLANES) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_BITPLANES, bd.Mb);
    }
    it.cb.zbp = bd.Mb - it.cb.encNumBps;
    if (it.cb.zbp < 0) fail(E.ERR_INTERNAL, -1, 43, it.cb.zbp);
  }
}

/** Largest |x| of a w x h block of f32 samples. */
function maxAbsF32(p: usize, stride: i32, w: i32, h: i32): f32 {
  let m: f32 = 0;
  for (let y = 0; y < h; y++) {
    let row = p + ((<usize>y * <usize>stride) << 2);
    for (let x = 0; x < w; x++) {
      let v = abs<f32>(load<f32>(row + (<usize>x << 2)));
      if (v > m) m = v;
    }
  }
  return m;
}

/** Upper bound of the bytes the T2 of a tile can produce. */
function tileBound(job: EncodeJob, tile: Tile): usize {
  let L = <u64>job.layers;
  let total: u64 = 1024;
  // headers: up to 16 bytes per packet and 8 per block and layer; bodies: every codeword byte
  for (let c = 0; c < tile.numComps; c++) {
    let tc = tileComp(tile, c);
    for (let r = 0; r < tc.numRes; r++) {
      let res = resolution(tc, r);
      total += <u64>(res.pw * res.ph) * L * 16;
    }
  }
  let it = cblkIterTile(tile);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    total += L * 8 + 16 + <u64>cb.encNumPasses * 6;
    total += <u64>passesRate(cb.encPasses, cb.encNumPasses);
  }
  if (total > 0x7fff0000) fail(E.ERR_LIMIT_MEMORY, -1, <i32>(total >> 20), 0);
  return <usize>total;
}

/** Reset the T2 state of a tile (tag trees, visited layers, sent passes) before a run. */
function resetTileT2(job: EncodeJob, tile: Tile): i32 {
  let packets = 0;
  for (let c = 0; c < tile.numComps; c++) {
    let tc = tileComp(tile, c);
    for (let r = 0; r < tc.numRes; r++) {
      let res = resolution(tc, r);
      memory.fill(res.layersDone, 0, <usize>(res.pw * res.ph) * 4);
      prepareResolutionForT2(res, job.layers);
      packets += res.pw * res.ph;
    }
  }
  return packets * job.layers;
}

function newT2Context(job: EncodeJob, tile: Tile, t: i32): T2Context {
  let tp = tile.params;
  let ctx = changetype<T2Context>(arenaAllocZeroed(offsetof<T2Context>()));
  ctx.mode = T2_ENCODE;
  ctx.tile = tile;
  ctx.tileIndex = t;
  ctx.numLayers = job.layers;
  ctx.sop = tp.g.sop;
  ctx.eph = tp.g.eph;
  ctx.tilePartMode = job.tilePartMode;
  ctx.plt = job.plt;
  return ctx;
}

/**
 * Exact size of the codestream up to the end of layer `l` with the current layer assignment:
 * main header, tile-part headers (SOT, PLT, SOD), TLM, the packets of layers 0..l, and EOC.
 * Runs T2 without copying bodies. Also stores the cumulative sizes of layers 0..l in `sizes`.
 */
export function measureLayers(job: EncodeJob, l: i32, sizes: usize): f64 {
  let T = job.cs.siz.numTiles;
  let L = job.layers;
  if (job.mainHeaderLen == 0) job.mainHeaderLen = mainHeaderLength(job);
  let layerBytes = arenaAllocZeroed(<usize>L << 3);
  let tileParts = 0;
  let fixed: f64 = <f64>job.mainHeaderLen + 2;
  for (let t = 0; t < T; t++) {
    let tile = jobTile(job, t);
    resetTileT2(job, tile);
    let need = tileHeaderBound(tile);
    if (need > job.dryCap) {
      job.dryCap = need;
      job.dryBuf = arenaAlloc(need);
    }
    let ctx = newT2Context(job, tile, t);
    ctx.dry = 1;
    ctx.layerBytes = layerBytes;
    let bw = changetype<BitWriter>(arenaAllocZeroed(offsetof<BitWriter>()));
    bw.start = job.dryBuf;
    bw.pos = job.dryBuf;
    bw.end = job.dryBuf + job.dryCap;
    ctx.out = bw;
    runProgressions(ctx, tile, tile.params.poc, tile.params.g.progression, L);
    tileParts += ctx.tileParts;
    fixed += <f64>(ctx.tileParts * (14 + (job.plt != 0 ? 5 : 0)));
  }
  if (job.tlm != 0) fixed += <f64>tlmLength(tileParts);
  let acc = fixed;
  for (let j = 0; j <= l; j++) {
    acc += load<f64>(layerBytes + (<usize>j << 3));
    store<f64>(sizes + (<usize>j << 3), acc);
  }
  return acc;
}

/** Bound of the packet-header bytes of one packet of the tile (for the dry-run scratch). */
function tileHeaderBound(tile: Tile): usize {
  return <usize>min(tile.numCblks * 64 + 65536, <i64>0x7fff0000);
}

/** Bytes of the TLM marker segments for `n` tile-parts (A.7.1: Ttlm 16 bits, Ptlm 32 bits). */
function tlmLength(n: i32): i32 {
  let perSeg = (65535 - 4) / 6;
  let segs = (n + perSeg - 1) / perSeg;
  return segs * 6 + n * 6;
}

/** Write the main header (SOC ... up to the first SOT). `tileParts` only matters for TLM. */
function writeMainHeader(w: Writer, job: EncodeJob): void {
  let cs = job.cs;
  let C = cs.siz.Csiz;
  wrU16(w, M.SOC);
  writeSiz(w, cs.siz);
  writeCod(w, cs.gcod, cs.cod);
  let q0 = jobQuant(job, 0);
  writeQcd(w, q0);
  for (let c = 1; c < C; c++) {
    let q = jobQuant(job, c);
    if (!sameQuant(q, q0)) writeQcc(w, c, C, q);
  }
  if (cs.poc.count > 0) writePoc(w, cs.poc, C);
  if (job.commentLen > 0) writeCom(w, job.comment, job.commentLen);
}

function mainHeaderLength(job: EncodeJob): i32 {
  let C = job.cs.siz.Csiz;
  let cap = <usize>4096 + <usize>C * (64 + 2 * MAX_BANDS * 2) + <usize>job.commentLen + <usize>job.cs.poc.count * 16;
  let scratch = arenaAlloc(cap);
  let w = changetype<Writer>(arenaAllocZeroed(offsetof<Writer>()));
  writerInit(w, scratch, cap);
  writeMainHeader(w, job);
  return writerLength(w);
}

/** Packets of one tile, with their lengths and tile-part keys. */
@unmanaged
class TileOutput {
  data: usize;
  len: i32;
  packets: i32;
  lens: usize;
  keys: usize;
  tileParts: i32;
}

/** T2 of one tile into a fresh buffer. */
function tileData(job: EncodeJob, t: i32): TileOutput {
  let tile = jobTile(job, t);
  let numPackets = resetTileT2(job, tile);
  let cap = tileBound(job, tile);
  let out = changetype<TileOutput>(arenaAllocZeroed(offsetof<TileOutput>()));
  out.data = arenaAlloc(cap);
  out.lens = arenaAlloc(<usize>max(numPackets, 1) * 4);
  out.keys = arenaAlloc(<usize>max(numPackets, 1) * 4);
  let ctx = newT2Context(job, tile, t);
  ctx.packetLens = out.lens;
  ctx.packetKeys = out.keys;
  ctx.packetLensCap = numPackets;
  let bw = changetype<BitWriter>(arenaAllocZeroed(offsetof<BitWriter>()));
  bw.start = out.data;
  bw.pos = out.data;
  bw.end = out.data + cap;
  ctx.out = bw;
  runProgressions(ctx, tile, tile.params.poc, tile.params.g.progression, job.layers);
  out.len = <i32>(bw.pos - out.data);
  out.packets = ctx.packets;
  out.tileParts = ctx.packets > 0 ? ctx.tileParts : 1;
  if (out.tileParts > 255) fail(E.ERR_ENCODE_OPTIONS, -1, CHECK_TILE_PARTS, out.tileParts);
  return out;
}

/** PLT marker segments (A.7.3) for packets [p0, p1) of a tile. */
function writePlt(w: Writer, lens: usize, p0: i32, p1: i32): void {
  let z = 0;
  let p = p0;
  while (p < p1) {
    // gather entries up to 65535 - 3 bytes of Iplt per segment
    let q = p, bytes = 0;
    while (q < p1) {
      let b = pltEntryBytes(load<u32>(lens + (<usize>q << 2)));
      if (bytes + b > 65535 - 3) break;
      bytes += b;
      q++;
    }
    wrU16(w, M.PLT);
    wrU16(w, <u32>(3 + bytes));
    wrU8(w, <u32>(z & 0xff));
    for (let k = p; k < q; k++) {
      let v = load<u32>(lens + (<usize>k << 2));
      let n = pltEntryBytes(v);
      for (let i = n - 1; i >= 0; i--) wrU8(w, ((v >> (<u32>i * 7)) & 0x7f) | (i > 0 ? 0x80 : 0));
    }
    z++;
    p = q;
  }
}

/** Main header, tile-parts (split by resolution/layer/component on request), EOC. */
function writeCodestream(job: EncodeJob): void {
  let cs = job.cs;
  let siz = cs.siz;
  let T = siz.numTiles;
  let outs = arenaAlloc(<usize>T * sizeof<usize>());
  let total: u64 = 0;
  let totalParts = 0;
  for (let t = 0; t < T; t++) {
    let o = tileData(job, t);
    store<usize>(outs + (<usize>t << alignof<usize>()), changetype<usize>(o));
    total += <u64>o.len + <u64>o.tileParts * 14 + <u64>o.packets * 5 + <u64>o.tileParts * 16;
    totalParts += o.tileParts;
  }
  let cap = total + <u64>mainHeaderLength(job) + <u64>tlmLength(totalParts) + 64;
  if (cap > 0x7fff0000) fail(E.ERR_LIMIT_MEMORY, -1, <i32>(cap >> 20), 0);
  let buf = arenaAlloc(<usize>cap);
  let w = changetype<Writer>(arenaAllocZeroed(offsetof<Writer>()));
  writerInit(w, buf, <usize>cap);
  writeMainHeader(w, job);
  // TLM (A.7.1): Ztlm, Stlm = ST 2 (16-bit Ttlm) | SP 1 (32-bit Ptlm); Ptlm patched below
  let tlmAt = writerLength(w);
  if (job.tlm != 0) {
    let perSeg = (65535 - 4) / 6;
    let left = totalParts, z = 0;
    while (left > 0) {
      let n = min(left, perSeg);
      wrU16(w, M.TLM);
      wrU16(w, <u32>(4 + 6 * n));
      wrU8(w, <u32>z);
      wrU8(w, 0x60);
      for (let i = 0; i < n; i++) {
        wrU16(w, 0);
        wrU32(w, 0);
      }
      left -= n;
      z++;
    }
  }
  let tlmEntry = 0;
  for (let t = 0; t < T; t++) {
    let o = changetype<TileOutput>(load<usize>(outs + (<usize>t << alignof<usize>())));
    let p = 0;
    let dataPos: usize = 0;
    for (let part = 0; part < o.tileParts; part++) {
      // packets of this tile-part: a run with the same key
      let q = p;
      if (o.packets > 0) {
        let key = load<i32>(o.keys + (<usize>p << 2));
        q = p + 1;
        while (q < o.packets && load<i32>(o.keys + (<usize>q << 2)) == key) q++;
      }
      let bytes: usize = 0;
      for (let k = p; k < q; k++) bytes += <usize>load<u32>(o.lens + (<usize>k << 2));
      if (o.packets == 0) bytes = <usize>o.len;
      let sotAt = writerLength(w);
      // A.4.2 SOT: Lsot, Isot, Psot (whole tile-part, patched), TPsot, TNsot
      wrU16(w, M.SOT);
      wrU16(w, 10);
      wrU16(w, <u32>t);
      wrU32(w, 0);
      wrU8(w, <u32>part);
      wrU8(w, <u32>o.tileParts);
      if (job.plt != 0 && q > p) writePlt(w, o.lens, p, q);
      wrU16(w, M.SOD);
      wrBytes(w, o.data + dataPos, bytes);
      dataPos += bytes;
      let psot = writerLength(w) - sotAt;
      patchU32(w, sotAt + 6, <u32>psot);
      if (job.tlm != 0) {
        // entry tlmEntry lives in segment tlmEntry / perSeg
        let perSeg = (65535 - 4) / 6;
        let seg = tlmEntry / perSeg, idx = tlmEntry % perSeg;
        let at = tlmAt + seg * (6 + 6 * perSeg) + 6 + idx * 6;
        patchU16(w, at, <u32>t);
        patchU32(w, at + 2, <u32>psot);
        tlmEntry++;
      }
      p = q;
    }
  }
  wrU16(w, M.EOC);
  job.out = buf;
  job.outLen = writerLength(w);
}

function sameQuant(a: QuantStyle, b: QuantStyle): bool {
  if (a.style != b.style || a.guard != b.guard || a.count != b.count) return false;
  for (let i = 0; i < a.count; i++) {
    if (load<u16>(a.steps + (<usize>i << 1)) != load<u16>(b.steps + (<usize>i << 1))) return false;
  }
  return true;
}
