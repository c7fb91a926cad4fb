// The state of one encode run, shared by the encoder's stages (encoder.ts orchestration, quant/,
// rate/, codestream/ writers). Its own module so that those stages import it without importing
// each other.

import { Codestream } from "./codestream/header";
import { Siz, CompSiz, compSiz, GlobalStyle, QuantStyle, PocList, newCodingStyle, newQuantStyle, MAX_LEVELS } from "./codestream/params";
import { Tile } from "./structure/tile";
import { arenaAllocZeroed } from "./util/arena";
import { fail } from "./util/fail";
import { ERR_ENCODE_OPTIONS } from "./util/error_codes";
import { CHECK_COMPONENTS, CHECK_IMAGE_SIZE } from "./api_fields";
import { ceilDiv } from "./util/math";

@unmanaged
export class EncodeJob {
  cs: Codestream;
  /**
   * usize[Csiz]: i32 input planes on each component's grid (DC level shift already applied). The
   * forward transforms run in place: afterwards the planes hold each tile-component's sub-bands
   * (f32 for the 9/7 path), which T1 can quantise again when rate control refines the step.
   */
  planes: usize;
  /** usize[Csiz]: QuantStyle per component. */
  quants: usize;
  guard: i32;
  layers: i32;
  /** f64[layers]: cumulative byte budget of each layer (0 = no limit). */
  layerBytes: usize;
  /** f64[layers]: allowed squared error of each layer, summed over all output samples (0 = none). */
  layerDist: usize;
  /** Scale of the 9/7 quantisation steps (Delta_b = baseStep / ||synthesis basis||). */
  baseStep: f64;
  /** Decomposition levels asked (cs.cod.levels is what is used, after clamping to the image). */
  levelsAsked: i32;
  wantDistortion: i32;
  /** usize[numTiles] Tile */
  tiles: usize;
  /** Tile-parts split: TILEPARTS_* (api_fields.ts). */
  tilePartMode: i32;
  tlm: i32;
  plt: i32;
  /** Output codestream. */
  out: usize;
  outLen: i32;
  /** f64[layers]: bytes of the codestream up to the end of each layer (all headers included). */
  layerSizes: usize;
  /** f64[layers]: squared error rate control estimates for each layer (sum over all samples). */
  layerEstimate: usize;
  /** i32[layers]: LAYER_* status of each layer (api_fields.ts). */
  layerStatus: usize;
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
  /** Rate control's hulls and sorted slopes (rate/pcrd.ts Pcrd), kept for reallocation; 0 before. */
  pcrd: usize;
  /** Times rate control refined the 9/7 step and coded the blocks again. */
  refinements: i32;
  /** Samples of all components (the denominator of an MSE). */
  numSamples: f64;
  /** Scratch for T1. */
  cbScratch: usize;
  cbCoefs: usize;
  cbPasses: usize;
  cbInfo: usize;
  /** Tile-by-tile encoding (encoder.ts encodeTiles*): usize[Csiz] buffers of one tile, DWT scratch, arena mark before block coding. */
  tileBufs: usize;
  dwtTmp: usize;
  codeMark: usize;
  /** Early-stopped block coding (codec/rate/caps.ts): 1 if on for this encode; blocks coded with a stop. */
  capsOn: i32;
  capped: i32;
  /** Stopped blocks coded again in full (since the blocks were last coded). */
  recoded: i32;
  /** Slope threshold (image-domain squared error per byte) the stops aim below; arena mark before rate control. */
  capSlope: f64;
  rateMark: usize;
  /** 1: tile-by-tile encoding defers block coding to the host's workers (encoder.ts, "Threaded encoding"). */
  threaded: i32;
}

// @ts-ignore: decorator
@inline
export function jobTile(job: EncodeJob, t: i32): Tile {
  return changetype<Tile>(load<usize>(job.tiles + (<usize>t << alignof<usize>())));
}

// @ts-ignore: decorator
@inline
export function jobQuant(job: EncodeJob, c: i32): QuantStyle {
  return changetype<QuantStyle>(load<usize>(job.quants + (<usize>c << alignof<usize>())));
}

// @ts-ignore: decorator
@inline
export function jobPlane(job: EncodeJob, c: i32): usize {
  return load<usize>(job.planes + (<usize>c << alignof<usize>()));
}

/** f64 entry l of a per-layer array. */
// @ts-ignore: decorator
@inline
export function layerF64(arr: usize, l: i32): f64 {
  return load<f64>(arr + (<usize>l << 3));
}

/** New job with the defaults of EncodeOptions (src/types.ts). */
export function encodeJobNew(C: i32, width: i32, height: i32): EncodeJob {
  if (C < 1 || C > 16384) fail(ERR_ENCODE_OPTIONS, -1, CHECK_COMPONENTS, C);
  if (width < 1 || height < 1) fail(ERR_ENCODE_OPTIONS, -1, CHECK_IMAGE_SIZE, width);
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
  encodeJobSetLayers(job, 1);
  job.baseStep = 1.0;
  return job;
}

/** Allocate the per-layer arrays for `L` layers (targets cleared). */
export function encodeJobSetLayers(job: EncodeJob, L: i32): void {
  job.cs.gcod.layers = L;
  job.layers = L;
  job.layerBytes = arenaAllocZeroed(<usize>L << 3);
  job.layerDist = arenaAllocZeroed(<usize>L << 3);
  job.layerSizes = arenaAllocZeroed(<usize>L << 3);
  job.layerEstimate = arenaAllocZeroed(<usize>L << 3);
  job.layerStatus = arenaAllocZeroed(<usize>L << 2);
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
