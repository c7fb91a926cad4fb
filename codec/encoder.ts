// Encoder orchestration (mirror of decoder.ts):
//   parameters (codestream/encode_params.ts) → per tile: input planes (DC-shifted, G.1.2) →
//   forward MCT (G.2/G.3) → forward DWT (F.4), in place in the planes → quantisation (E.1) + block
//   coding (C, D) of every code-block → step sizes / guard bits (quant/encode_steps.ts) → rate
//   control (rate/rate_control.ts), which may ask for a finer 9/7 step: then only the block coding
//   runs again, on the transformed planes → T2 packets and tile-parts (codestream/write_codestream.ts).

import { TileParams, tileBounds } from "./codestream/header";
import { compSiz } from "./codestream/params";
import { EncodeJob, jobPlane, compWidth, layerF64 } from "./encode_job";
import { encodeParamsValidate } from "./codestream/encode_params";
import { encodeStepsSetup, encodeStepsFromBase, encodeStepsBands, encodeStepsFinish } from "./quant/encode_steps";
import { Tile, TileComp, buildTile, tileComp, resolution, band, precinctBand, codeBlock } from "./structure/tile";
import { encodeCodeBlock } from "./t1/block_coder";
import { ebcotSetResume, ebcotResumeRecord, ebcotResumeBytes } from "./t1/ebcot_encoder";
import { encodeBlock } from "./encode_block";
import { CBLK_BYPASS, CBLK_TERMALL, CBLK_HT, maxPasses } from "./t1/segments";
import { t2TileAllocate } from "./t2/tile_encoder";
import { PASS_RECORD_BYTES, passRecord } from "./t1/pass_record";
import { dwt53ForwardLevel, dwt97ForwardLevel, dwtScratchBytes, rctForward, ictForward } from "./transform/exports";
import { dwtFeedBytes, dwtFeedBegin, dwtFeedPixels, dwtFeedFinish, FEED_PLAIN, FEED_53, FEED_97 } from "./transform/dwt_feed";
import { align16 } from "./transform/dwt_layout";
import { quantizeBlockIrr } from "./encode_block";
import { blockEnergy } from "./rate/candidates";
import { htEncodeConfig } from "./t1/ht_encoder";
import { htPlanCollect, htPlanWeight, htPlanSets, HT_PLAN_STAT_BYTES, htHistCollectF32, htStepScale, htStepModel, htPlanSetRateScale, HT_HIST_BYTES, HT_HIST_BINS, HT_STEP_MARGIN } from "./rate/ht_plan";
import { rateControlStart, rateControl, rateReallocate, rateFinestStep, RATE_REFINE, RATE_RECODE, RATE_DONE } from "./rate/rate_control";
import { capsEstimate, capsPredict, CAP_NONE, CAP_STOPPED, CAP_RECODE, CAP_PENDING, PILOT_EVERY } from "./rate/caps";
import { coarseChoose, coarseBand, coarseEnabled } from "./rate/coarse";
import { bandWeightOf } from "./rate/weights";
import { hullBuild } from "./rate/hull";
import { writeCodestream } from "./codestream/write_codestream";
import { measureTakeHeaders } from "./rate/measure";
import { jobQuant } from "./encode_job";
import { stepSizeEncode } from "./quant/step_size";
import { dwtSynthesisNorm } from "./transform/dwt_norms";
import { bandGainLog2 } from "./structure/tile";
import { arenaAlloc, arenaAllocZeroed, arenaAllocArray, arenaMark, arenaRelease, arenaChunkAlloc, arenaFits } from "./util/arena";
import { fail } from "./util/fail";
import { ERR_ENCODE_OPTIONS } from "./util/error_codes";
import { CHECK_NO_SAMPLES } from "./api_fields";
import {
  BLOCK_INFO_BYTES, BLOCK_INFO_NUMBPS, BLOCK_INFO_PASSES, BLOCK_INFO_LENGTH, BLOCK_INFO_EXACT, BLOCK_INFO_ENERGY,
  DEFER_BYTES, DEFER_BLOCK, DEFER_SRC, DEFER_STRIDE, DEFER_W, DEFER_H, DEFER_ORIENT, DEFER_STYLE, DEFER_REV,
  DEFER_INV_STEP, DEFER_WANT_D, DEFER_STOP_SLOPE, DEFER_HT_FLOOR, DEFER_HT_SETS, DEFER_HT_REFINE, DEFER_RESUME, DEFER_STAGE_SAMPLES,
  LAYER_ALL_PASSES,
} from "./api_fields";
import { MAX_PASSES, MAX_BLOCK_SAMPLES } from "./util/constants";
import { CodeBlock } from "./structure/tile";
import { cblkIterNew, cblkIterNext } from "./structure/cblk_iter";
import { ceilDiv } from "./util/math";


/** Run the whole encoder. Returns the codestream pointer (length in job.outLen). */
export function encodeRun(job: EncodeJob): usize {
  job.threaded = 0; // (threaded encoding is tile by tile: encodeTiles*)
  deferSetup(job);
  encodeParamsValidate(job);
  rateControlStart(job);
  htPlanSetRateScale(1.0);
  htUniform = false;
  htLite = false;
  htMerge = false;
  htHistLow = 0;
  htLowPending = false;
  htPathCountsReset();
  htResFilter = HT_RES_ALL;
  encodeStepsSetup(job);
  transformTiles(job);
  let ht = (job.cs.cod.cblkStyle & 0x40) != 0;
  // HT with rate control codes several HT sets per block (codec/rate/ht_plan.ts)
  job.cbScratch = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * (ht ? 40 : 8) + 4096);
  job.cbCoefs = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * 4);
  job.cbPasses = arenaAlloc(<usize>MAX_PASSES * PASS_RECORD_BYTES);
  job.cbInfo = arenaAlloc(16);
  job.capsOn = capsWanted(job, false) ? 1 : 0;
  // Block coding and rate control; everything they allocate lies above `mark`, so a refined
  // step codes the blocks again in the same memory.
  let mark = arenaMark();
  while (true) {
    htPlan = 0;
    htConfig(0, 1, 0);
    if (ht && job.wantDistortion != 0 && job.refinements == 0) htChooseStep(job, 0, job.cs.siz.numTiles, 1.0);
    htCodedBase = job.baseStep;
    if (htUniform) htConfig(0, 2, 1);
    else if (ht && job.wantDistortion != 0) {
      // HT rate control: statistics of every block, then the HT sets each one codes
      let n = 0;
      for (let t = 0; t < job.cs.siz.numTiles; t++) {
        n += <i32>changetype<Tile>(load<usize>(job.tiles + (<usize>t << alignof<usize>()))).numCblks;
      }
      htStats = arenaAlloc(<usize>max(n, 1) * HT_PLAN_STAT_BYTES);
      htIndex = 0;
      for (let t = 0; t < job.cs.siz.numTiles; t++) {
        let tile = changetype<Tile>(load<usize>(job.tiles + (<usize>t << alignof<usize>())));
        for (let c = 0; c < tile.numComps; c++) codeBlocks(job, tileComp(tile, c), true);
      }
      htPlan = arenaAlloc(<usize>max(n, 1) * 8);
      htPlanSets(job, htStats, htIndex, job.cs.cod.reversible != 0, htPlan, 1.0);
      htIndex = 0;
    }
    codeAllBlocks(job);
    encodeStepsFinish(job);
    if (rateControlCoded(job) != RATE_REFINE) break;
    htRefineStep(job, mark);
    arenaRelease(mark);
    rateReset(job);
    encodeStepsFromBase(job);
    encodeStepsBands(job);
  }
  writeCodestream(job, measureTakeHeaders(job));
  return job.out;
}
/** Forget what rate control measured (the blocks or the step changed). */
function rateReset(job: EncodeJob): void {
  job.pcrd = 0;
  job.mainHeaderLen = 0;
  job.dryBuf = 0;
  job.dryCap = 0;
}

// ---------------------------------------------------------------------------------------------
// Early-stopped block coding for rate control (codec/rate/caps.ts): pilots coded in full, an
// estimate of the last layer's slope threshold, every other block coded until its useful passes
// are settled, and the blocks rate control finds stopped too early coded again in full.

/** Block coding modes of codeBlocks(). */
const CODE_ALL: i32 = 0;
const CODE_PILOTS: i32 = 1;
const CODE_PENDING: i32 = 2;
const CODE_RECODE: i32 = 3;
/**
 * The blocks stop below this fraction of the estimated slope threshold (room for the estimate's
 * error). With pilots on the lattice of isPilot the estimate lands within 0.5-1.2x of the final
 * threshold on the benchcorpus at 20:1 and 40/20/10; 1.1 codes the fewest passes in all (blocks
 * stopped too early resume, codec/t1/ebcot_encoder.ts; 0.4 with the band's first block as pilot:
 * kodim07 at 20:1 stopped 1 block of 309, now ~100; 1.1 against 0.9: dx 40/20/10 1.095x, kodim08
 * 40/20/10 1.06x, the rest within ±1 %; bench/early_stop.mjs). With the block coder's exact stop
 * test (ebcot_encoder.ts stopReady), 1.1 against 0.9: kodim08 1.04-1.11x, kodim07 40/20/10 0.93x
 * (11 blocks sent back), the rest within ±2 %; 0.5-0.7: 1-24 % more CPU at 20:1.
 */
const STOP_SLOPE_FRACTION: f64 = 1.1;
/**
 * Early stops only when the pilots, replaying the stop test (rate/caps.ts capsPredict), would have
 * skipped at least this share of their codeword bytes. On the benchcorpus the predictions fall in two
 * groups: 0.25-0.65 (Kodak, CT and DX at 20:1, kodim08 and DX at 40/20/10: stops 1.07-1.96x
 * faster) and 0-0.02 (saw at 20:1, the rest of 40/20/10: stops 0.93-1.02x).
 */
const STOP_WORTH: f64 = 0.05;
/** A resumed block stops again below this fraction of the slope capsCheck found it needs (CodeBlock.encResumeSlope). */
const RESUME_SLOPE_FRACTION: f64 = 1.0;

/**
 * Is the code-block at (gx, gy) of its band's code-block grid (cols × rows) a pilot? The pilots form
 * a lattice of one block in PILOT_EVERY, (x + 3y) mod PILOT_EVERY = 0 around the centre block of the
 * band, which is always one: the band's first block (its top-left corner, often flat sky or
 * background in photographs) made the estimate 0.45x (kodim07) to 3.8x (kodim03) the final
 * threshold where a band has only a few blocks; the centre and a lattice spread over the rows
 * give 0.52-1.16x.
 */
function isPilot(gx: i32, gy: i32, cols: i32, rows: i32): bool {
  let k = (gx - (cols >> 1)) + 3 * (gy - (rows >> 1));
  return k % PILOT_EVERY == 0;
}

let earlyStop: i32 = 1;
/** Blocks of the current encode that continued from a resume record instead of being coded again from the top. */
export let resumedBlocks: i32 = 0;
/**
 * Turn early-stopped block coding off (0) or on (1, the default); for tests and benchmarks that
 * compare the two. n > 1 stops n times too early (tests: most stops must then be caught by
 * rate/caps.ts capsCheck and the blocks coded again, with the same output).
 */
export function encodeSetEarlyStop(on: i32): void {
  earlyStop = on;
}

/**
 * Early stops need a target on every layer (a layer without one takes every pass), EBCOT with one
 * codeword segment per block (no bypass, no termination of every pass), and the transformed
 * samples kept until rate control is done (encodeRun; one tile when tile by tile).
 */
function capsWanted(job: EncodeJob, tileByTile: bool): bool {
  // (the pilots also choose the bands coded at a doubled step, rate/coarse.ts, with the stops off too)
  if ((earlyStop == 0 && !coarseEnabled()) || job.wantDistortion == 0) return false;
  for (let l = 0; l < job.layers; l++) {
    if (layerF64(job.layerBytes, l) <= 0 && layerF64(job.layerDist, l) <= 0) return false;
  }
  if ((job.cs.cod.cblkStyle & (CBLK_BYPASS | CBLK_TERMALL | CBLK_HT)) != 0) return false;
  return !tileByTile || job.cs.siz.numTiles == 1;
}

function forEachTileComp(job: EncodeJob, mode: i32): void {
  for (let t = 0; t < job.cs.siz.numTiles; t++) {
    let tile = changetype<Tile>(load<usize>(job.tiles + (<usize>t << alignof<usize>())));
    for (let c = 0; c < tile.numComps; c++) codeBlocks(job, tileComp(tile, c), false, mode);
  }
}

/** Code every block of every tile (pilots, estimate, the rest with a stop when early stops are on). */
function codeAllBlocks(job: EncodeJob): void {
  job.capped = 0;
  job.recoded = 0;
  resumedBlocks = 0;
  if (job.capsOn == 0) {
    forEachTileComp(job, CODE_ALL);
    return;
  }
  forEachTileComp(job, CODE_PILOTS);
  if (deferCount > 0) {
    resumeCaps = true; // threaded: the estimate waits for the pilots
    return;
  }
  codeCapsPending(job);
}

/** After the pilots: the stop slope, then every other block with a stop. */
function codeCapsPending(job: EncodeJob): void {
  let estimate = capsEstimate(job);
  job.capSlope = earlyStop == 0 ? 0 : estimate * STOP_SLOPE_FRACTION * <f64>earlyStop;
  // where stops would skip little, they cost more than they save: each block stopped too early is
  // coded further and rate control runs again (saw at 20:1 0.93x, kodim07 at 40/20/10 0.93x)
  if (job.capSlope > 0 && earlyStop == 1 && capsPredict(job, job.capSlope) < STOP_WORTH) job.capSlope = 0;
  // bands whose pilots never reach their lowest bit-plane: a doubled step (rate/coarse.ts; the pilots are cut to it)
  if (coarseChoose(job, estimate) > 0) encodeStepsBands(job);
  forEachTileComp(job, CODE_PENDING);
}

/**
 * Rate control on coded blocks; blocks stopped too early are coded again in full (their transformed
 * samples are still there) until rate control accepts. Returns rateControl's verdict.
 */
function rateControlCoded(job: EncodeJob): i32 {
  job.rateMark = arenaMark();
  let rc = rateControl(job);
  while (rc == RATE_RECODE) {
    arenaRelease(job.rateMark);
    rateReset(job);
    forEachTileComp(job, CODE_RECODE);
    job.rateMark = arenaMark();
    rc = rateControl(job);
  }
  return rc;
}

/**
 * Form the layers again from the current targets (encoderReallocate: PSNR targets tightened by
 * the host's decode check), coding stopped blocks again in full where the new layers need it, and
 * write the codestream again. Returns its pointer (0: blocks deferred, threaded encoding).
 */
export function encodeReallocate(job: EncodeJob): usize {
  return reallocFrom(job, rateReallocate(job));
}

/** encodeReallocate from rate control's verdict `rc`: the codestream pointer (0: blocks deferred). */
function reallocFrom(job: EncodeJob, rc: i32): usize {
  while (rc == RATE_RECODE) {
    arenaRelease(job.rateMark);
    rateReset(job);
    forEachTileComp(job, CODE_RECODE);
    if (deferCount > 0) {
      resumeAt = RESUME_REALLOC;
      return 0;
    }
    job.rateMark = arenaMark();
    rc = rateReallocate(job);
  }
  writeCodestream(job, measureTakeHeaders(job));
  return job.out;
}

/** Tile parameters of an encoder tile (no tile-part headers: everything from the main header). */
export function encoderTileParams(job: EncodeJob, t: i32): TileParams {
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

/**
 * Build every tile and run its forward MCT and DWT in place: each tile-component's buffer is its
 * rectangle of the input plane (row stride = the plane's width).
 */
function transformTiles(job: EncodeJob): void {
  let cs = job.cs;
  let siz = cs.siz;
  let T = siz.numTiles;
  let C = siz.Csiz;
  job.tiles = arenaAlloc(<usize>T * sizeof<usize>());
  let maxDim = 0;
  let probe = changetype<TileParams>(arenaAllocZeroed(offsetof<TileParams>()));
  for (let t = 0; t < T; t++) {
    tileBounds(cs, t, probe);
    maxDim = max(maxDim, max(probe.tx1 - probe.tx0, probe.ty1 - probe.ty0));
  }
  let tmp = arenaAlloc(dwtScratchBytes(maxDim + 2));
  for (let c = 0; c < C; c++) if (jobPlane(job, c) == 0) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, c);
  for (let t = 0; t < T; t++) {
    let tile = buildTile(cs, encoderTileParams(job, t), <i64>0x7fffffff);
    store<usize>(job.tiles + (<usize>t << alignof<usize>()), changetype<usize>(tile));
    t2TileAllocate(tile);
    for (let c = 0; c < C; c++) planeRegion(job, tileComp(tile, c));
    forwardMct(job, tile);
    for (let c = 0; c < C; c++) forwardDwt(tileComp(tile, c), tmp, tileComp(tile, c).numRes - 1);
  }
}

/** Point the tile-component at its rectangle of the input plane; f32 samples for the 9/7 path. */
function planeRegion(job: EncodeJob, tc: TileComp): void {
  let siz = job.cs.siz;
  let k = compSiz(siz, tc.c);
  let pw = compWidth(siz, tc.c);
  let px0 = ceilDiv(siz.XOsiz, k.dx), py0 = ceilDiv(siz.YOsiz, k.dy);
  tc.stride = max(pw, 1);
  tc.buf = jobPlane(job, tc.c) + ((<usize>(tc.y0 - py0) * <usize>pw + <usize>(tc.x0 - px0)) << 2);
  if (tc.style.reversible != 0) return;
  let w = tc.x1 - tc.x0, h = tc.y1 - tc.y0;
  for (let y = 0; y < h; y++) {
    let row = tc.buf + ((<usize>y * <usize>tc.stride) << 2);
    for (let x = 0; x < w; x++) {
      let p = row + (<usize>x << 2);
      store<f32>(p, <f32>load<i32>(p));
    }
  }
}

/** The forward MCT that forwardMct applies to `tile`: 0 none, 1 the RCT, 2 the ICT (G.2, G.3). */
export function tileMctKind(job: EncodeJob, tile: Tile): i32 {
  if (job.cs.gcod.mct == 0 || tile.numComps < 3) return 0;
  return tileComp(tile, 0).style.reversible != 0 ? 1 : 2;
}

/** Set by the host (encoderTileMctApplied) when it filled the current tile with the MCT applied. */
let hostMct: bool = false;

/** The host applied the forward MCT while filling the tile of the last encodeTileInput. */
export function encodeTileMctApplied(): void {
  hostMct = true;
}

/**
 * Components (bit c) of the tile of the last encodeTileInput whose buffers the host filled with the
 * forward DWT already applied (threaded encoding, src/encode_threads.ts: a worker transformed
 * them with the same kernels while this instance transformed the others). Cleared by encodeTileInput.
 */
let hostDwt: u64 = 0;

/** The host put component c's forward DWT (forwardDwt's result) in its tile buffer: encodeTileCode skips it. */
export function encodeTileDwtApplied(c: i32): void {
  if (c >= 0 && c < 64) hostDwt |= <u64>1 << <u64>c;
}

/** Forward DWT of component c of `tile` unless the host applied it (encodeTileDwtApplied); after a fed first level, the others. */
function tileCompDwt(tile: Tile, c: i32, tmp: usize): void {
  if (c < 64 && ((hostDwt >> <u64>c) & 1) != 0) return;
  let tc = tileComp(tile, c);
  forwardDwt(tc, tmp, c < 64 && ((hostFed >> <u64>c) & 1) != 0 ? tc.numRes - 2 : tc.numRes - 1);
}

// ---------------------------------------------------------------------------------------------
// The tile's first decomposition level fed from the host's samples (codec/transform/dwt_feed.ts):
// instead of unpacking whole planes (and the MCT) into the tile buffers for forwardMct and
// forwardDwt to read and write again, the host gives the tile's rows in steps (encodeTileFeed);
// each row is unpacked (and the MCT applied) into the feeds' rings and the first level's output rows
// are written once to the tile buffers. encodeTileCode then runs the other levels (hostFed).
// ---------------------------------------------------------------------------------------------

/** Components (bit c) of the tile of the last encodeTileInput whose first DWT level was fed (cleared by encodeTileInput). */
let hostFed: u64 = 0;
/** The running feed: its states' table (usize[4]), 0 when none; the arena mark it was taken at. */
let feedTable: usize = 0;
let feedMark: usize = 0;
let feedTile: usize = 0;
let feedLevels: u64 = 0;
let feedMct: i32 = 0;
let feedScratch: usize = 0;
let feedBps: i32 = 1;
let feedSigned: i32 = 0;
let feedDc: i32 = 0;

/** Most components a feed takes. */
const FEED_COMPS: i32 = 4;

/**
 * Least bytes of the tile's planes (all components, 4 bytes a sample) for a feed: below it they
 * stay in the caches between the unpack and the level anyway, and the feed's row-at-a-time steps
 * measured slower (kodim03, 4.5 MiB: 0.98 CPU; saw, 69 MiB: 1.015–1.033, DX, 16 MiB: 1.004–1.02).
 */
const FEED_MIN_BYTES: u64 = 8 << 20;

/**
 * Start feeding the tile of the last encodeTileInput (`tile`): components in `fed` (bit c) get their
 * first level from the feed (where they have one: else their rows go straight to the buffer),
 * components in `skip` are not wanted (threaded: a worker makes them; the MCT's output for them is
 * dropped), the others' rows go to their buffers as the host's unpack puts them. `interleaved`: the
 * host gives pixel-interleaved rows of every component (then the tile's MCT is applied, G.2 / G.3);
 * else one component's rows at a time (no MCT: 0 is returned for a tile with one). bytesPerSample,
 * signed, dc: the samples' format and DC level shift (G.1.2). Returns 0, nothing started, when no
 * feed applies (more than FEED_COMPS components, components of different sizes when interleaved,
 * planes smaller than FEED_MIN_BYTES, or the feed's memory would pass the limit): the host unpacks as
 * before.
 */
export function encodeTileFeedBegin(job: EncodeJob, tile: Tile, fed: i32, skip: i32, interleaved: i32, bytesPerSample: i32, signed: i32, dc: i32): i32 {
  feedTable = 0;
  let C = tile.numComps;
  if (C > FEED_COMPS) return 0;
  let mct = tileMctKind(job, tile);
  if (interleaved == 0 && mct != 0) return 0;
  let t0 = tileComp(tile, 0);
  let maxW = 1;
  let planes: u64 = 0;
  for (let c = 0; c < C; c++) {
    let tc = tileComp(tile, c);
    if (tc.buf == 0) return 0;
    if (interleaved != 0 && (tc.x1 - tc.x0 != t0.x1 - t0.x0 || tc.y1 - tc.y0 != t0.y1 - t0.y0)) return 0;
    maxW = max(maxW, tc.x1 - tc.x0);
    planes += <u64>(tc.x1 - tc.x0) * <u64>(tc.y1 - tc.y0) * 4;
  }
  if (planes < FEED_MIN_BYTES) return 0;
  let per = align16(dwtFeedBytes(maxW));
  let span = align16(<usize>maxW << 2);
  let bytes = <u64>64 + <u64>C * <u64>per + <u64>3 * <u64>span + 16;
  if (!arenaFits(bytes)) return 0;
  feedMark = arenaMark();
  let table = align16(arenaAlloc(<usize>bytes));
  let at = table + 64;
  feedLevels = 0;
  for (let c = 0; c < C; c++, at += per) {
    let slot = table + (<usize>c << alignof<usize>());
    let bit = <i32>1 << c;
    if ((skip & bit) != 0) {
      store<usize>(slot, 0);
      continue;
    }
    let tc = tileComp(tile, c);
    let rev = tc.style.reversible != 0;
    let res = resolution(tc, tc.numRes - 1);
    let kind = (fed & bit) != 0 && tc.numRes >= 2 ? (rev ? FEED_53 : FEED_97) : FEED_PLAIN;
    if (dwtFeedBegin(at, tc.buf, tc.stride, res.x1 - res.x0, res.y1 - res.y0, res.x0 & 1, res.y0 & 1, kind, rev ? 1 : 0) != 0) feedLevels |= <u64>1 << <u64>c;
    store<usize>(slot, at);
  }
  feedScratch = at;
  feedTable = table;
  feedTile = changetype<usize>(tile);
  feedMct = mct;
  feedBps = bytesPerSample;
  feedSigned = signed;
  feedDc = dc;
  return 1;
}

/**
 * The next `rows` rows of the running feed (encodeTileFeedBegin) at `src`, packed: interleaved
 * (comp < 0) every component's samples of a pixel together, else component `comp`'s rows alone.
 */
export function encodeTileFeed(comp: i32, src: usize, rows: i32): void {
  if (feedTable == 0) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, comp);
  let tile = changetype<Tile>(feedTile);
  let C = tile.numComps;
  if (comp < 0) {
    let w = tileComp(tile, 0).x1 - tileComp(tile, 0).x0;
    dwtFeedPixels(feedTable, C, feedMct, src, C, w * C, feedBps, feedSigned, w, rows, feedDc, feedScratch);
  } else if (comp < C) {
    let w = tileComp(tile, comp).x1 - tileComp(tile, comp).x0;
    dwtFeedPixels(feedTable + (<usize>comp << alignof<usize>()), 1, 0, src, 1, w, feedBps, feedSigned, w, rows, feedDc, feedScratch);
  }
}

/**
 * Every row of the tile given: the feeds' levels finished (hostFed: encodeTileCode runs the other
 * levels), the MCT marked applied, the feed's memory given back.
 */
export function encodeTileFeedEnd(): void {
  if (feedTable == 0) return;
  let C = changetype<Tile>(feedTile).numComps;
  for (let c = 0; c < C; c++) {
    let p = load<usize>(feedTable + (<usize>c << alignof<usize>()));
    if (p != 0) dwtFeedFinish(p);
  }
  hostFed |= feedLevels;
  if (feedMct != 0) hostMct = true;
  feedTable = 0;
  arenaRelease(feedMark);
}

function forwardMct(job: EncodeJob, tile: Tile): void {
  if (job.cs.gcod.mct == 0 || tile.numComps < 3) return;
  let a = tileComp(tile, 0), b = tileComp(tile, 1), d = tileComp(tile, 2);
  let w = a.x1 - a.x0, h = a.y1 - a.y0;
  if (a.style.reversible != 0) rctForward(a.buf, b.buf, d.buf, a.stride, w, h);
  else ictForward(a.buf, b.buf, d.buf, a.stride, w, h);
}

/** Forward DWT, highest resolution first (from resolution `top`, numRes − 1 for every level); leaves the sub-bands in the quadrant layout. */
function forwardDwt(tc: TileComp, tmp: usize, top: i32): void {
  let rev = tc.style.reversible != 0;
  for (let r = top; r >= 1; r--) {
    let res = resolution(tc, r);
    let w = res.x1 - res.x0, h = res.y1 - res.y0;
    if (rev) dwt53ForwardLevel(tc.buf, tc.stride, w, h, res.x0 & 1, res.y0 & 1, tmp);
    else dwt97ForwardLevel(tc.buf, tc.stride, w, h, res.x0 & 1, res.y0 & 1, tmp);
  }
}

/** Position of a band of resolution r in the quadrant layout. */
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

/**
 * HT with byte budgets on the 9/7 path: the step at which coding every block in full takes a little
 * more than the largest budget (codec/rate/ht_plan.ts, "the 9/7 step for byte budgets"); PCRD
 * trims from there. Not with squared-error targets or layers without a target (their step rule
 * is rate_control.ts's). The histogram covers tiles [t0, t1), which get `share` of the budgets
 * (the whole image; tile-by-tile encoding of several tiles chooses the step in a first pass over
 * every tile instead: htPrepassTile).
 */
function htChooseStep(job: EncodeJob, t0: i32, t1: i32, share: f64): void {
  let most = htStepTarget(job);
  if (most <= 0) return;
  htHist = arenaAllocZeroed(HT_HIST_BYTES);
  htHistLow = arenaAllocZeroed(HT_HIST_BYTES);
  htMode = CODE_HIST;
  for (let t = t0; t < t1; t++) {
    let tile = changetype<Tile>(load<usize>(job.tiles + (<usize>t << alignof<usize>())));
    for (let c = 0; c < tile.numComps; c++) codeBlocks(job, tileComp(tile, c), true);
  }
  // (whole counts: the sums are exact, the same as collecting every block into htHist)
  for (let i = 0; i <= HT_HIST_BINS; i++) {
    let p = htHist + (<usize>i << 3);
    store<f64>(p, load<f64>(p) + load<f64>(htHistLow + (<usize>i << 3)));
  }
  // the model's step, then its bytes checked on a sample of blocks coded at that step: the
  // model scaled by actual / model over the sample gives the final step
  let base0 = job.baseStep;
  htHistBase = base0;
  let minScale = rateFinestStep(job) / base0;
  let target = most * share * HT_STEP_MARGIN;
  let s = htStepScale(htHist, target, minScale);
  htSetStep(job, base0 * s);
  htCalHist = arenaAlloc(HT_HIST_BYTES);
  let ratio: f64 = 1;
  htCalActual = 0;
  htCalModel = 0;
  for (let round = 0; round < HT_CAL_ROUNDS; round++) {
    htMode = CODE_CAL;
    htCalRound = round; // a different sample of blocks each round
    htCalLowActual = 0;
    htCalLowModel = 0;
    for (let t = t0; t < t1; t++) {
      let tile = changetype<Tile>(load<usize>(job.tiles + (<usize>t << alignof<usize>())));
      for (let c = 0; c < tile.numComps; c++) codeBlocks(job, tileComp(tile, c), true);
    }
    if (htCalModel <= 0 || htCalActual <= 0) break;
    // actual / model of the samples so far, applied to the whole histogram
    ratio = htCalActual / htCalModel;
    s = htStepScale(htHist, target / ratio, minScale);
    htSetStep(job, base0 * s);
  }
  htMode = CODE_PLAN;
  htPlanSetRateScale(ratio);
  // one layer: at this step the budget is met near the full coding, so every block codes the full
  // set and the one a bit-plane up (with SigProp / MagRef) and PCRD trims; no per-block plan
  htUniform = job.layers == 1;
}

/**
 * Rate control asks for a finer step because coding every block in full left the budget short
 * (HT with byte budgets): the whole image coded at the current step is then the calibration, so
 * the model (scaled by measured / model bytes at the current step) gives the step instead of the
 * generic correction rate_control.ts made. Called before the arena is released from `released`
 * on (the histogram too when it lies there: it is then forgotten, and a second refinement is
 * rate_control.ts's).
 */
function htRefineStep(job: EncodeJob, released: usize): void {
  let most = htStepTarget(job);
  let L = job.layers;
  let hist = htHist;
  if (hist >= released) htHist = 0;
  if (most <= 0 || hist == 0 || htHistBase <= 0 || L < 1) return;
  if (load<i32>(job.layerStatus + (<usize>(L - 1) << 2)) != LAYER_ALL_PASSES) return;
  let size = layerF64(job.layerSizes, L - 1);
  let cur = htCodedBase;
  let model = htStepModel(hist, cur / htHistBase);
  if (size <= 0 || model <= 0 || cur <= 0) return;
  let minScale = rateFinestStep(job) / htHistBase;
  let s = htStepScale(hist, most * HT_STEP_MARGIN * model / size, minScale);
  // finer than the step that fell short (and not wildly finer than the generic correction)
  job.baseStep = max(max(min(htHistBase * s, cur * 0.995), job.baseStep * 0.5), rateFinestStep(job));
}

/**
 * The largest layer budget when the HT step is chosen for byte budgets (HT, 9/7, a byte budget on
 * every layer), else 0 (the step rule is rate_control.ts's).
 */
function htStepTarget(job: EncodeJob): f64 {
  if ((job.cs.cod.cblkStyle & CBLK_HT) == 0 || job.wantDistortion == 0 || job.cs.cod.reversible != 0) return 0;
  let most: f64 = 0;
  for (let l = 0; l < job.layers; l++) {
    let b = layerF64(job.layerBytes, l);
    if (b <= 0) return 0;
    most = max(most, b);
  }
  return most;
}

function htSetStep(job: EncodeJob, step: f64): void {
  if (step == job.baseStep) return;
  job.baseStep = step;
  encodeStepsFromBase(job);
  encodeStepsBands(job);
}

/** What codeBlocks(plan = true) collects: per-block planning statistics, or the step histogram. */
const CODE_PLAN: i32 = 0;
const CODE_HIST: i32 = 1;
/**
 * Calibration of the step model: a sample of the blocks coded (one cleanup), model vs actual bytes;
 * in the top two resolutions one block in HT_CAL_EVERY.
 */
const CODE_CAL: i32 = 2;
const HT_CAL_EVERY: i32 = 4;
/** Calibration rounds (each codes a different quarter of the blocks at the step of the previous one). */
const HT_CAL_ROUNDS: i32 = 2;
/** Bytes per coded block besides its codewords (its share of the packet headers). */
const HT_CAL_BLOCK_BYTES: f64 = 3;
let htMode: i32 = CODE_PLAN;
/** The step was chosen for a single layer: every block codes sets (0, 2, refine), no plan. */
let htUniform: bool = false;
/** One tile, one layer: blocks coded with the full set only until rate control asks for more (htLiteCheck). */
let htLite: bool = false;
/** htLiteCheck's second coding is running: installBlock joins the two (htMergeInstall). */
let htMerge: bool = false;
/** Tile-by-tile HT with byte budgets over several tiles: the first pass (statistics only) is running. */
let htPrepass: bool = false;
/** The first pass chose the step: the tiles' coding pass keeps it. */
let htStepChosen: bool = false;
/** The 9/7 base step the first pass collects its histogram at. */
let htPrepassBase: f64 = 0;
/** Share (by area) of the budgets of the tiles the first pass has seen. */
let htPrepassShare: f64 = 0;
let htHist: usize = 0;
/** The 9/7 base step htHist was collected at, and the one the blocks were last coded at. */
let htHistBase: f64 = 0;
let htCodedBase: f64 = 0;
let htCalHist: usize = 0;
let htCalActual: f64 = 0;
/** Calibration round (which quarter of the top resolutions' blocks is coded). */
let htCalRound: i32 = 0;
let htCalModel: f64 = 0;

/**
 * htLite: the blocks of the top HT_RECODE_TOP resolutions are coded first, the lower ones when
 * encodeTilesFinish has their sizes (htLowCode); which resolutions codeBlocks codes (HT_RES_*).
 */
let htLowPending: bool = false;
let htResFilter: i32 = 0;
const HT_RES_ALL: i32 = 0;
const HT_RES_TOP: i32 = 1;
const HT_RES_LOW: i32 = 2;
/** Step histogram of the resolutions below the top HT_RECODE_TOP (at htHistBase), and their bytes / model bytes in the last calibration round. */
let htHistLow: usize = 0;
let htCalLowActual: f64 = 0;
let htCalLowModel: f64 = 0;

/** HT rate control: per-block statistics, the planned (floor, sets) per block, the running block index. */
let htStats: usize = 0;
let htPlan: usize = 0;
let htIndex: i32 = 0;

/**
 * Quantisation and block coding of every code-block of the tile-component (with `plan`: only
 * quantisation and the HT planning statistics, codec/rate/ht_plan.ts). Codewords, pass
 * records and (with rate control) the block's initial distortion go to the code-block.
 */
function codeBlocks(job: EncodeJob, tc: TileComp, plan: bool, mode: i32 = CODE_ALL): void {
  let rev = tc.style.reversible != 0;
  let style = tc.style.cblkStyle;
  let NL = job.cs.cod.levels;
  for (let r = 0; r < tc.numRes; r++) {
    if (!plan && htResFilter != HT_RES_ALL && (r < tc.numRes - HT_RECODE_TOP) != (htResFilter == HT_RES_LOW)) continue;
    let res = resolution(tc, r);
    let np = res.pw * res.ph;
    for (let k = 0; k < res.numBands; k++) {
      let bd = band(res, k);
      let qx = bandOriginX(tc, r, bd.orient), qy = bandOriginY(tc, r, bd.orient);
      let invStep: f32 = <f32>(1.0 / <f64>bd.step);
      // 9/7 bands at a doubled step (rate/coarse.ts) keep one more fraction bit: encode_block.ts rev 2
      let revArg = rev ? 1 : coarseBand(tc.c, bd.index) ? 2 : 0;
      let wgt = plan ? htPlanWeight(tc, r, bd, job.cs.cod.levels, job.cs.gcod.mct) : 0;
      // early stop: the estimated threshold in this band's units (squared steps per byte)
      let stopSlope: f64 = 0;
      if (mode == CODE_PENDING && job.capSlope > 0) stopSlope = job.capSlope / bandWeightOf(tc, r, bd, NL, job.cs.gcod.mct);
      // the band weight rate control builds the blocks' hulls with (rate/pcrd.ts pcrdPrepare):
      // Part 1 blocks with distortions get their hull as they are installed (installBlock)
      let hullWgt: f64 = !plan && job.wantDistortion != 0 && (style & CBLK_HT) == 0 ? bandWeightOf(tc, r, bd, NL, job.cs.gcod.mct) : 0;
      // the band's code-block grid (pilots: isPilot)
      let bx0 = bd.x0 >> bd.cbw, by0 = bd.y0 >> bd.cbh;
      let cols = bd.x1 > bd.x0 ? ((bd.x1 - 1) >> bd.cbw) - bx0 + 1 : 0;
      let rows = bd.y1 > bd.y0 ? ((bd.y1 - 1) >> bd.cbh) - by0 + 1 : 0;
      for (let p = 0; p < np; p++) {
        let pb = precinctBand(bd, p);
        let n = pb.cw * pb.ch;
        for (let i = 0; i < n; i++) {
          let cb = codeBlock(pb, i);
          if (mode == CODE_PILOTS && !isPilot((cb.x0 >> bd.cbw) - bx0, (cb.y0 >> bd.cbh) - by0, cols, rows)) {
            cb.encCapped = CAP_PENDING;
            continue;
          }
          if (mode == CODE_PENDING && cb.encCapped != CAP_PENDING) continue;
          if (mode == CODE_RECODE) {
            if (cb.encCapped != CAP_RECODE) continue;
            job.capped--;
            job.recoded++;
          }
          let w = cb.x1 - cb.x0, h = cb.y1 - cb.y0;
          let src = tc.buf + ((<usize>(qy + cb.y0 - bd.y0) * <usize>tc.stride + <usize>(qx + cb.x0 - bd.x0)) << 2);
          if (plan && htMode == CODE_HIST) {
            // the step histogram straight from the transformed samples (no quantised copy)
            // (the lower resolutions into their own histogram, added to the image's after the pass)
            htHistCollectF32(src, tc.stride, w, h, invStep, htHistLow != 0 && r < tc.numRes - HT_RECODE_TOP ? htHistLow : htHist);
            continue;
          }
          // calibration sample: every block of the lower resolutions (few samples, many bytes),
          // a diagonal quarter of the blocks of the top two (weighted 4), another one each round
          let calWeight: u32 = 1;
          if (plan && htMode == CODE_CAL && r >= tc.numRes - 2) {
            if ((i % pb.cw + i / pb.cw + htCalRound) % HT_CAL_EVERY != 0) continue;
            calWeight = <u32>HT_CAL_EVERY;
          }
          if (!plan) {
            if (htPlan != 0) {
              let e = htPlan + (<usize>htIndex << 3);
              htConfig(load<i32>(e), load<i32>(e, 4), 1);
              htIndex++;
            }
            // a block sent back by capsCheck resumes where it stopped (here, or threaded in a worker) and may stop again
            let blockStop = mode == CODE_RECODE && cb.encResume != 0 ? cb.encResumeSlope * RESUME_SLOPE_FRACTION : stopSlope;
            codeBlockOrDefer(job, cb, src, tc.stride, w, h, bd.orient, style, revArg, invStep, blockStop, hullWgt, rev);
            continue;
          }
          let coef: usize, stride: i32, frac: i32;
          if (rev) {
            coef = src;
            stride = tc.stride;
            frac = 0;
          } else {
            frac = quantizeBlockIrr(src, tc.stride, w, h, job.cbCoefs, invStep);
            coef = job.cbCoefs;
            stride = w;
          }
          if (plan && htMode == CODE_CAL) {
            {
              memory.fill(htCalHist, 0, HT_HIST_BYTES);
              htHistCollectF32(src, tc.stride, w, h, invStep, htCalHist, calWeight);
              let model = htStepModel(htCalHist, 1.0);
              htCalModel += model;
              htConfig(0, 1, 0);
              encodeCodeBlock(coef, stride, w, h, bd.orient, style, frac, job.cbScratch, w * h * 8 + 4096, job.cbPasses, MAX_PASSES, 0, job.cbInfo);
              let actual = (<f64>(load<i32>(job.cbInfo, 8) - (load<i32>(job.cbInfo) << 2)) + HT_CAL_BLOCK_BYTES) * <f64>calWeight;
              htCalActual += actual;
              if (r < tc.numRes - HT_RECODE_TOP) {
                htCalLowModel += model;
                htCalLowActual += actual;
              }
            }
            continue;
          }
          if (plan) {
            htPlanCollect(coef, stride, w, h, frac, wgt, htStats + <usize>htIndex * HT_PLAN_STAT_BYTES);
            htIndex++;
            continue;
          }
        }
      }
    }
  }
}

/** HT sets the next blocks code (htEncodeConfig), kept so that deferred blocks carry them. */
let htCfgFloor: i32 = 0;
let htCfgSets: i32 = 1;
let htCfgRefine: i32 = 0;
function htConfig(floor: i32, sets: i32, refine: i32): void {
  htCfgFloor = floor;
  htCfgSets = sets;
  htCfgRefine = refine;
  htEncodeConfig(floor, sets, refine);
}

/**
 * htLiteCheck's second coding: the block was coded with its cleanup at bit-plane 0 only and now
 * with the set one bit-plane up (cleanup, SigProp, MagRef) only; the two make the block exactly as
 * coding both sets at once would (codec/t1/ht_encoder.ts: directory, the upper set's bytes, then
 * the lower one's; the lower cleanup's distortion decrease counted from the upper set's end).
 * Returns false (install as coded) when the new coding is not that set (a single bit-plane).
 */
function htMergeInstall(job: EncodeJob, cb: CodeBlock, info: usize): bool {
  let nb = load<i32>(info, BLOCK_INFO_NUMBPS);
  let npass = load<i32>(info, BLOCK_INFO_PASSES);
  let len = load<i32>(info, BLOCK_INFO_LENGTH);
  let last = 3 * nb - 3; // the cleanup at bit-plane 0
  if (nb < 2 || npass != last || cb.encNumBps != nb || cb.encNumPasses != last + 1) return false;
  let old0 = passRecord(cb.encPasses, last);
  let l0 = <i32>old0.rate;
  let o0 = load<u32>(cb.encData + (<usize>(nb - 1) << 2));
  let data = arenaAlloc(<usize>(len + l0));
  memory.copy(data, job.cbScratch, <usize>len);
  memory.copy(data + <usize>len, cb.encData + <usize>o0, <usize>l0);
  store<u32>(data + (<usize>(nb - 1) << 2), <u32>len);
  let passes = arenaAlloc(<usize>(last + 1) * PASS_RECORD_BYTES);
  memory.copy(passes, job.cbPasses, <usize>npass * PASS_RECORD_BYTES);
  let upper = passRecord(passes, last - 3).distDecrease + passRecord(passes, last - 2).distDecrease + passRecord(passes, last - 1).distDecrease;
  let rec = passRecord(passes, last);
  rec.rate = <u32>l0;
  rec.flags = old0.flags;
  rec.distDecrease = old0.distDecrease - upper;
  cb.encCapped = CAP_NONE;
  cb.encNumPasses = last + 1;
  cb.encData = data;
  cb.encPasses = passes;
  cb.encLayerPasses = arenaAllocZeroed(<usize>job.layers * 4);
  cb.encDist0 = load<f64>(info, BLOCK_INFO_ENERGY);
  return true;
}

/** Per-call block record encodeBlock fills. */
const BLOCK_INFO: usize = memory.data(BLOCK_INFO_BYTES, 16);

/**
 * Code one block now (encode_block.ts) and keep its result in the code-block, or (threaded
 * encoding) add it to the deferred blocks for the host's workers.
 */
function codeBlockOrDefer(job: EncodeJob, cb: CodeBlock, src: usize, stride: i32, w: i32, h: i32, orient: i32, style: i32, rev: i32, invStep: f32, stopSlope: f64, hullWgt: f64, hullRev: bool): void {
  if (job.threaded != 0) {
    let d = deferList + <usize>deferCount * <usize>DEFER_BYTES;
    let dh = deferHull + (<usize>deferCount << 4);
    store<f64>(dh, hullWgt);
    store<i32>(dh, hullRev ? 1 : 0, 8);
    store<u32>(d, <u32>changetype<usize>(cb), DEFER_BLOCK);
    store<u32>(d, <u32>src, DEFER_SRC);
    store<i32>(d, stride, DEFER_STRIDE);
    store<i32>(d, w, DEFER_W);
    store<i32>(d, h, DEFER_H);
    store<i32>(d, orient, DEFER_ORIENT);
    store<i32>(d, style, DEFER_STYLE);
    store<i32>(d, rev, DEFER_REV);
    store<f32>(d, invStep, DEFER_INV_STEP);
    store<i32>(d, job.wantDistortion, DEFER_WANT_D);
    store<f64>(d, stopSlope, DEFER_STOP_SLOPE);
    store<i32>(d, htCfgFloor, DEFER_HT_FLOOR);
    store<i32>(d, htCfgSets, DEFER_HT_SETS);
    store<i32>(d, htCfgRefine, DEFER_HT_REFINE);
    // a block stopped too early continues where it stopped, in the worker too (encodeDeferredResumePack)
    let resumes = cb.encCapped == CAP_RECODE && cb.encResume != 0;
    store<u32>(d, resumes ? 1 : 0, DEFER_RESUME);
    if (resumes) resumedBlocks++;
    deferCount++;
    return;
  }
  // a block stopped too early continues where it stopped instead of starting again
  if (cb.encCapped == CAP_RECODE && cb.encResume != 0) {
    ebcotSetResume(cb.encResume, cb.encData, cb.encPasses);
    resumedBlocks++;
  }
  encodeBlock(src, stride, w, h, orient, style, rev, invStep, job.wantDistortion, stopSlope, htCfgFloor, htCfgSets, htCfgRefine, job.cbCoefs, job.cbScratch, job.cbPasses, BLOCK_INFO);
  installBlock(job, cb, BLOCK_INFO, hullWgt, hullRev);
  let rb = ebcotResumeBytes();
  if (cb.encCapped == CAP_STOPPED && rb > 0) {
    cb.encResume = arenaAlloc(<usize>rb);
    memory.copy(cb.encResume, ebcotResumeRecord(), <usize>rb);
  }
}

/**
 * Keep a coded block (bytes in job.cbScratch, pass records in job.cbPasses, `info` from encodeBlock)
 * in its code-block. With `hullWgt` > 0 (its band's weight; `hullRev`: a reversible band) the block's
 * rate-distortion hull is built here, as rate control would build it (rate/pcrd.ts pcrdPrepare takes
 * it when CodeBlock.encHullWeight is the band's weight): in threaded encoding that work is done as
 * the workers' blocks are installed, while the block coding goes on, instead of after it.
 */
function installBlock(job: EncodeJob, cb: CodeBlock, info: usize, hullWgt: f64, hullRev: bool): void {
  cb.encResume = 0;
  cb.encHullWeight = 0;
  if (htMerge && htMergeInstall(job, cb, info)) return;
  let npass = load<i32>(info, BLOCK_INFO_PASSES);
  let len = load<i32>(info, BLOCK_INFO_LENGTH);
  let exact = load<i32>(info, BLOCK_INFO_EXACT);
  cb.encCapped = exact < npass ? CAP_STOPPED : CAP_NONE;
  if (exact < npass) job.capped++;
  cb.encNumBps = load<i32>(info, BLOCK_INFO_NUMBPS);
  cb.encNumPasses = exact;
  cb.encData = arenaAlloc(<usize>max(len, 1));
  memory.copy(cb.encData, job.cbScratch, <usize>len);
  // (the small records from a chunk, the hull after them: rate control's and T2's walks over every
  // block read them together)
  cb.encPasses = arenaChunkAlloc(<usize>max(npass, 1) * PASS_RECORD_BYTES);
  memory.copy(cb.encPasses, job.cbPasses, <usize>npass * PASS_RECORD_BYTES);
  cb.encLayerPasses = arenaChunkAlloc(<usize>job.layers * 4);
  memory.fill(cb.encLayerPasses, 0, <usize>job.layers * 4);
  cb.encDist0 = load<f64>(info, BLOCK_INFO_ENERGY);
  if (hullWgt > 0) {
    // (as pcrdPrepare: reversible blocks coded down to bit-plane 0 decode exactly)
    hullBuild(cb, hullWgt, hullRev && exact == maxPasses(cb.encNumBps));
    cb.encHullWeight = hullWgt;
  }
}

// ---------------------------------------------------------------------------------------------
// Threaded encoding (src/encode_threads.ts). With job.threaded set before encodeTilesBegin, the
// block coding of encodeTileCode, encodeTilesFinish and encodeReallocate is deferred: each of them
// returns with the blocks it would have coded listed (encodeDeferred*: DEFER_* records, in the order
// the one-thread encoder codes them). The host codes them with encodeBlock in worker instances,
// copies each result into job.cbScratch / job.cbPasses / the info record and calls
// encodeDeferredInstall(i) in list order, then encodeContinue(), which resumes exactly where the
// one-thread encoder would continue and returns what the interrupted call returns. Nothing else
// differs, so the codestream is the same bytes.
// ---------------------------------------------------------------------------------------------

let deferList: usize = 0;
let deferCount: i32 = 0;
/** Per listed block (16 bytes): f64 band weight and i32 reversible, installBlock's hull arguments. */
let deferHull: usize = 0;
/** Where api_encoder.ts encoderDeferredPackRuns copies listed blocks' samples for the host (DEFER_STAGE_SAMPLES samples). */
let deferStage: usize = 0;
/** The pilots were deferred: estimate the stop slope and code the other blocks first (codeAllBlocks). */
let resumeCaps: bool = false;
/** Where encodeContinue goes on (RESUME_*). */
let resumeAt: i32 = 0;
const RESUME_NONE: i32 = 0;
/** encodeTilesFinish: blocks coded again for rate control; run it again. */
const RESUME_FINISH_RATE: i32 = 1;
/** encodeTilesFinish: every block coded at a refined step; steps, then rate control. */
const RESUME_FINISH_CODED: i32 = 2;
/** encodeReallocate: blocks coded again; form the layers again. */
const RESUME_REALLOC: i32 = 3;
/** encodeTileCode: the next component (tileCompStep); the listed blocks need not be installed. */
const RESUME_TILE_COMP: i32 = 4;
/**
 * Which HT paths the last encode took (tests: api_encoder.ts encoderEarlyStops 7-10): htLowCode ran,
 * htLowCode gave the lower resolutions a coarser step, htLiteCheck sent blocks back to be coded again,
 * and that recode's blocks were listed for the workers (threaded: finishFrom, RESUME_FINISH_RATE).
 */
export let htLowRuns: i32 = 0;
export let htLowStepped: i32 = 0;
export let htRecodes: i32 = 0;
export let htRecodesDeferred: i32 = 0;
function htPathCountsReset(): void {
  htLowRuns = 0;
  htLowStepped = 0;
  htRecodes = 0;
  htRecodesDeferred = 0;
}
let pipeTile: i32 = 0;
let pipeComp: i32 = 0;
/**
 * Threaded: the components tileCompStep takes first (bit c: component c; 0: none, the components
 * in order), those whose DWT the host applied before encodeTileCode (a worker transformed them from
 * the tile's raw rows and keeps them, src/encode_threads.ts): they need no DWT here, so their blocks
 * are listed at once and the worker codes them as soon as its DWT is done, while this instance
 * transforms the others. The blocks and what they code do not depend on the order they are listed in.
 */
let pipeLead: u64 = 0;

/** The component of the tile pipeline's step k (the pipeLead components first, in order, then the others in order). */
function pipeOrder(k: i32): i32 {
  if (pipeLead == 0) return k;
  let leads = <i32>popcnt(pipeLead);
  if (k < leads) {
    // the k-th lead component
    let m = pipeLead;
    for (let i = 0; i < k; i++) m &= m - 1;
    return <i32>ctz(m);
  }
  // the (k - leads)-th component not a lead: past every lead component at or below it
  let c = k - leads;
  let m = pipeLead;
  while (m != 0) {
    let b = <i32>ctz(m);
    if (b > c) break;
    c++;
    m &= m - 1;
  }
  return c;
}

/** Room for every code-block of the image in the deferred list (encodeTilesBegin, before job.codeMark). */
function deferSetup(job: EncodeJob): void {
  deferCount = 0;
  resumeCaps = false;
  resumeAt = RESUME_NONE;
  deferList = 0;
  deferHull = 0;
  deferStage = 0;
  deferResumeStage = 0;
  if (job.threaded == 0) return;
  let n: usize = 0;
  for (let t = 0; t < job.cs.siz.numTiles; t++) n += <usize>changetype<Tile>(load<usize>(job.tiles + (<usize>t << alignof<usize>()))).numCblks;
  deferList = arenaAllocArray(<u64>max(n, 1), <u64>DEFER_BYTES);
  deferHull = arenaAllocArray(<u64>max(n, 1), 16);
  deferStage = arenaAlloc(<usize>DEFER_STAGE_SAMPLES << 2);
  deferResumeStage = arenaAlloc(<usize>RESUME_STAGE_BYTES);
}

// Resumed blocks in threaded encoding. A block that stopped early in a worker comes back with its
// resume record (codec/t1/ebcot_encoder.ts ebcotResumeRecord), which encodeDeferredKeepResume
// keeps behind a RESUME_PREFIX-byte prefix: i32 record bytes, i32 codeword bytes and i32 pass
// records of the stopped coding (what ebcotSetResume needs with the record: cb.encData and
// cb.encPasses). When rate control sends the block back, its deferred record has DEFER_RESUME set
// and encodeDeferredResumePack gives the worker all three, so that it continues where the block
// stopped — as the one-thread encoder does (codeBlockOrDefer) — instead of coding it again from
// the top. Same bytes either way: a resumed block codes what a coding without a stop would.

/** Bytes before a kept resume record (cb.encResume points after them). */
const RESUME_PREFIX: usize = 16;
/** The most bytes a resume record takes (ebcot_encoder.ts RESUME: 124 + 44 per pass); larger ones are not kept. */
const RESUME_RECORD_MAX: i32 = 256 + MAX_PASSES * 64;
/** The resume stage: a prefix, the record, a block's codeword bytes (EBCOT) and its pass records. */
const RESUME_STAGE_BYTES: i32 = <i32>RESUME_PREFIX + RESUME_RECORD_MAX + MAX_BLOCK_SAMPLES * 8 + 4096 + MAX_PASSES * <i32>PASS_RECORD_BYTES;
/** Where the host puts a worker's resume record (encodeDeferredKeepResume) and encodeDeferredResumePack packs one. */
let deferResumeStage: usize = 0;

/** The resume stage (threaded encoding). */
export function encodeDeferredResumeStage(): usize {
  return deferResumeStage;
}

/**
 * After encodeDeferredInstall(i) with `info`: keep the `bytes`-byte resume record the host put in
 * the resume stage (the block stopped early in a worker), for a later resume. Ignored (the block is
 * then coded again from the top if sent back: the same bytes) when the block did not stop or the
 * record is not one the stage can hold.
 */
export function encodeDeferredKeepResume(job: EncodeJob, i: i32, info: usize, bytes: i32): void {
  if (i < 0 || i >= deferCount) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, i);
  let cb = changetype<CodeBlock>(<usize>load<u32>(deferList + <usize>i * <usize>DEFER_BYTES, DEFER_BLOCK));
  if (cb.encCapped != CAP_STOPPED || bytes <= 0 || bytes > RESUME_RECORD_MAX) return;
  let len = load<i32>(info, BLOCK_INFO_LENGTH), npass = load<i32>(info, BLOCK_INFO_PASSES);
  if (len < 0 || len > MAX_BLOCK_SAMPLES * 8 + 4096 || npass < 1 || npass > MAX_PASSES) return;
  let at = arenaAlloc(RESUME_PREFIX + <usize>bytes);
  store<i32>(at, bytes);
  store<i32>(at, len, 4);
  store<i32>(at, npass, 8);
  memory.copy(at + RESUME_PREFIX, deferResumeStage, <usize>bytes);
  cb.encResume = at + RESUME_PREFIX;
}

/**
 * The state listed block i continues from (DEFER_RESUME set), packed into the resume stage:
 * the prefix (record bytes, codeword bytes, pass records), the resume record, the codeword bytes
 * and the pass records of the stopped coding. Returns its size in bytes; 0 when the block is coded
 * from the top.
 */
export function encodeDeferredResumePack(i: i32): i32 {
  if (i < 0 || i >= deferCount) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, i);
  let d = deferList + <usize>i * <usize>DEFER_BYTES;
  if (load<u32>(d, DEFER_RESUME) == 0) return 0;
  let cb = changetype<CodeBlock>(<usize>load<u32>(d, DEFER_BLOCK));
  let head = cb.encResume - RESUME_PREFIX;
  let bytes = load<i32>(head), len = load<i32>(head, 4), npass = load<i32>(head, 8);
  let at = deferResumeStage;
  memory.copy(at, head, RESUME_PREFIX + <usize>bytes);
  at += RESUME_PREFIX + <usize>bytes;
  memory.copy(at, cb.encData, <usize>len);
  at += <usize>len;
  memory.copy(at, cb.encPasses, <usize>npass * PASS_RECORD_BYTES);
  at += <usize>npass * PASS_RECORD_BYTES;
  return <i32>(at - deferResumeStage);
}

/** The stage api_encoder.ts encoderDeferredPackRuns fills. */
export function encodeDeferredStage(): usize {
  return deferStage;
}

/** Blocks waiting for the host (threaded encoding). */
export function encodeDeferredCount(): i32 {
  return deferCount;
}

/** The deferred-block records (DEFER_BYTES each). */
export function encodeDeferredList(): usize {
  return deferList;
}

/** Keep deferred block i's result: its bytes in job.cbScratch, pass records in job.cbPasses, `info` as encodeBlock fills it. */
export function encodeDeferredInstall(job: EncodeJob, i: i32, info: usize): void {
  if (i < 0 || i >= deferCount) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, i);
  let dh = deferHull + (<usize>i << 4);
  installBlock(job, changetype<CodeBlock>(<usize>load<u32>(deferList + <usize>i * <usize>DEFER_BYTES, DEFER_BLOCK)), info, load<f64>(dh), load<i32>(dh, 8) != 0);
}

/**
 * Code listed block i on this instance from samples at `src` with row stride `stride` (the listed
 * record's own samples, or a copy of them) and keep the result, as codeBlockOrDefer does without
 * deferral: the same encodeBlock, resuming where a stopped coding stopped (DEFER_RESUME), then
 * installBlock; a block that stops early keeps its resume record in encodeDeferredKeepResume's
 * layout, so that it may resume here or in a worker. The host calls it for blocks it codes on the
 * calling thread instead of in a worker (src/encode_threads.ts); listed blocks may be installed in
 * any order (each is kept in its own code-block).
 */
export function encodeDeferredCodeAt(job: EncodeJob, i: i32, src: usize, stride: i32): void {
  if (i < 0 || i >= deferCount) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, i);
  let d = deferList + <usize>i * <usize>DEFER_BYTES;
  let cb = changetype<CodeBlock>(<usize>load<u32>(d, DEFER_BLOCK));
  let w = load<i32>(d, DEFER_W), h = load<i32>(d, DEFER_H);
  if (stride < w) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, i);
  if (load<u32>(d, DEFER_RESUME) != 0 && cb.encResume != 0) ebcotSetResume(cb.encResume, cb.encData, cb.encPasses);
  encodeBlock(src, stride, w, h, load<i32>(d, DEFER_ORIENT), load<i32>(d, DEFER_STYLE), load<i32>(d, DEFER_REV), load<f32>(d, DEFER_INV_STEP),
    load<i32>(d, DEFER_WANT_D), load<f64>(d, DEFER_STOP_SLOPE), load<i32>(d, DEFER_HT_FLOOR), load<i32>(d, DEFER_HT_SETS), load<i32>(d, DEFER_HT_REFINE),
    job.cbCoefs, job.cbScratch, job.cbPasses, BLOCK_INFO);
  let dh = deferHull + (<usize>i << 4);
  installBlock(job, cb, BLOCK_INFO, load<f64>(dh), load<i32>(dh, 8) != 0);
  let rb = ebcotResumeBytes();
  if (cb.encCapped != CAP_STOPPED || rb <= 0 || rb > RESUME_RECORD_MAX) return;
  let len = load<i32>(BLOCK_INFO, BLOCK_INFO_LENGTH), npass = load<i32>(BLOCK_INFO, BLOCK_INFO_PASSES);
  let at = arenaAlloc(RESUME_PREFIX + <usize>rb);
  store<i32>(at, rb);
  store<i32>(at, len, 4);
  store<i32>(at, npass, 8);
  memory.copy(at + RESUME_PREFIX, ebcotResumeRecord(), <usize>rb);
  cb.encResume = at + RESUME_PREFIX;
}

/**
 * What the host does next (threaded encoding): 0 the interrupted call is done (blocks it listed may
 * still wait: code them before the tile buffers are given again, install them before
 * encodeTilesFinish); 1 call encodeContinue now (the listed blocks may be coded meanwhile); 2 install
 * every listed block, encodeDeferredDone, then encodeContinue.
 */
export function encodeResumeState(): i32 {
  if (resumeAt == RESUME_TILE_COMP) return 1;
  return resumeCaps || resumeAt != RESUME_NONE ? 2 : 0;
}

/** The host installed every listed block: the list starts again empty. */
export function encodeDeferredDone(): void {
  deferCount = 0;
}

/**
 * Go on with the interrupted call (encodeResumeState). Returns what that call returns
 * (encodeTilesFinish / encodeReallocate: the codestream pointer or 0), or 0 while it is not done.
 */
export function encodeContinue(job: EncodeJob): usize {
  if (resumeAt == RESUME_TILE_COMP) {
    tileCompStep(job);
    return 0;
  }
  if (resumeCaps) {
    resumeCaps = false;
    codeCapsPending(job);
    if (deferCount > 0) return 0;
  }
  let at = resumeAt;
  resumeAt = RESUME_NONE;
  if (at == RESUME_FINISH_CODED) {
    encodeStepsFinish(job);
    job.rateMark = arenaMark();
    return finishFrom(job, rateControlHt(job));
  }
  if (at == RESUME_FINISH_RATE) {
    job.rateMark = arenaMark();
    return finishFrom(job, rateControlHt(job));
  }
  if (at == RESUME_REALLOC) {
    job.rateMark = arenaMark();
    return reallocFrom(job, rateReallocate(job));
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Tile-by-tile encoding: the host fills one tile at a time from its own memory, so WebAssembly
// memory holds the buffers of one tile (plus the coded blocks) instead of int32 planes of the whole
// image. Same output as encodeRun: the same transforms and block coding, tile after tile.
//   encodeTilesBegin → { encodeTileInput(t) → host writes tileComp(t, c).buf → encodeTileCode(t) }
//   for every tile → encodeTilesFinish: 0 when rate control refined the 9/7 step (the host gives
//   every tile again), else the codestream pointer.
// ---------------------------------------------------------------------------------------------

/** Parameters, steps, every tile's structures, buffers for the largest tile, block-coder scratch. */
export function encodeTilesBegin(job: EncodeJob): i32 {
  encodeParamsValidate(job);
  rateControlStart(job);
  encodeStepsSetup(job);
  let cs = job.cs;
  let siz = cs.siz;
  let T = siz.numTiles;
  let C = siz.Csiz;
  job.tiles = arenaAlloc(<usize>T * sizeof<usize>());
  let maxDim = 0;
  let most = arenaAllocZeroed(<usize>C << 3);
  for (let t = 0; t < T; t++) {
    let tile = buildTile(cs, encoderTileParams(job, t), <i64>0x7fffffff);
    store<usize>(job.tiles + (<usize>t << alignof<usize>()), changetype<usize>(tile));
    t2TileAllocate(tile);
    for (let c = 0; c < C; c++) {
      let tc = tileComp(tile, c);
      let w = tc.x1 - tc.x0, h = tc.y1 - tc.y0;
      maxDim = max(maxDim, max(w, h));
      let p = most + (<usize>c << 3);
      store<u64>(p, max(load<u64>(p), <u64>max(w, 1) * <u64>max(h, 1)));
    }
  }
  job.tileBufs = arenaAlloc(<usize>C * sizeof<usize>());
  for (let c = 0; c < C; c++) store<usize>(job.tileBufs + (<usize>c << alignof<usize>()), arenaAllocArray(load<u64>(most + (<usize>c << 3)), 4));
  job.dwtTmp = arenaAlloc(dwtScratchBytes(maxDim + 2));
  job.cbScratch = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * ((job.cs.cod.cblkStyle & 0x40) != 0 ? 40 : 8) + 4096);
  job.cbCoefs = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * 4);
  job.cbPasses = arenaAlloc(<usize>MAX_PASSES * PASS_RECORD_BYTES);
  job.cbInfo = arenaAlloc(16);
  job.capsOn = capsWanted(job, true) ? 1 : 0;
  deferSetup(job);
  htPlanSetRateScale(1.0);
  htUniform = false;
  htLite = false;
  htMerge = false;
  htStepChosen = false;
  htHistLow = 0;
  htLowPending = false;
  htPathCountsReset();
  htResFilter = HT_RES_ALL;
  // HT step for byte budgets over several tiles: from the whole image, so a first pass gives every
  // tile (transforms, the step histogram and a calibration sample; nothing coded is kept), then the
  // host gives the tiles again to be coded at that step (encodeTilesFinish returns 0 once)
  htPrepass = T > 1 && htStepTarget(job) > 0;
  if (htPrepass) {
    htHist = arenaAllocZeroed(HT_HIST_BYTES);
    htCalHist = arenaAlloc(HT_HIST_BYTES);
    htCalActual = 0;
    htCalModel = 0;
    htPrepassBase = job.baseStep;
    htHistBase = job.baseStep;
    htPrepassShare = 0;
  }
  job.codeMark = arenaMark();
  return T;
}

/** Point tile t's components at the tile buffers (row stride = the tile-component width) for the host to fill. */
export function encodeTileInput(job: EncodeJob, t: i32): Tile {
  if (t < 0 || t >= job.cs.siz.numTiles || job.tileBufs == 0) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, t);
  let tile = changetype<Tile>(load<usize>(job.tiles + (<usize>t << alignof<usize>())));
  for (let c = 0; c < tile.numComps; c++) {
    let tc = tileComp(tile, c);
    tc.buf = load<usize>(job.tileBufs + (<usize>c << alignof<usize>()));
    tc.stride = max(tc.x1 - tc.x0, 1);
  }
  hostMct = false;
  hostDwt = 0;
  hostFed = 0;
  feedTable = 0;
  leadTile = -1;
  return tile;
}

/** Forward MCT, DWT and block coding of tile t, whose buffers the host filled (f32 for the 9/7 path). */
export function encodeTileCode(job: EncodeJob, t: i32): void {
  let tile = changetype<Tile>(load<usize>(job.tiles + (<usize>t << alignof<usize>())));
  if (tileComp(tile, 0).buf == 0) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, t);
  if (!hostMct) forwardMct(job, tile);
  hostMct = false;
  if (job.threaded != 0 && !((job.cs.cod.cblkStyle & CBLK_HT) != 0 && job.wantDistortion != 0)) {
    // threaded: transform and list one component at a time (tileCompStep), so that the host's
    // workers code a component's blocks while the next one is transformed; the blocks and their
    // order are those below (rate control's pilots when early stops are on: codeAllBlocks)
    if (leadTile == t) {
      // (the lead component was listed already, encodeTileLead: the others follow)
      leadTile = -1;
      if (pipeComp < tile.numComps) {
        resumeAt = RESUME_TILE_COMP;
        tileCompStep(job);
      }
      return;
    }
    pipeStart(job, tile, t);
    tileCompStep(job);
    return;
  }
  for (let c = 0; c < tile.numComps; c++) tileCompDwt(tile, c, job.dwtTmp);
  if (htPrepass) {
    htPrepassTile(job, tile);
    for (let c = 0; c < tile.numComps; c++) tileComp(tile, c).buf = 0; // (several tiles: the buffers are the next tile's)
    return;
  }
  htPlan = 0;
  htConfig(0, 1, 0);
  if ((job.cs.cod.cblkStyle & 0x40) != 0 && job.wantDistortion != 0) {
    // HT rate control tile by tile: the tile's share (by area) of every layer target
    let share = tileShare(job, tile);
    if (t == 0 && job.refinements == 0 && !htStepChosen) htChooseStep(job, t, t + 1, share); // (one tile)
  }
  htCodedBase = job.baseStep;
  htLite = false;
  htMerge = false;
  if (htUniform && job.cs.siz.numTiles == 1 && job.capsOn == 0) {
    // one tile: every block codes its cleanup at bit-plane 0 only, as a fixed step would; only if
    // that is over the budget are the blocks coded again with more sets (htLiteCheck); the lower
    // resolutions are coded last, by encodeTilesFinish, with a step of their own if needed (htLowCode)
    htLite = true;
    htConfig(0, 1, 0);
    htLowPending = job.refinements == 0 && htHistLow != 0;
  } else if (htUniform) {
    htConfig(0, 2, 1);
  } else if ((job.cs.cod.cblkStyle & 0x40) != 0 && job.wantDistortion != 0) {
    let n = max(<i32>tile.numCblks, 1);
    let share = tileShare(job, tile);
    htStats = arenaAlloc(<usize>n * HT_PLAN_STAT_BYTES);
    htIndex = 0;
    for (let c = 0; c < tile.numComps; c++) codeBlocks(job, tileComp(tile, c), true);
    let sets = arenaAlloc(<usize>n * 8);
    htPlanSets(job, htStats, htIndex, job.cs.cod.reversible != 0, sets, share);
    // keep the plan, drop the statistics
    let keep = arenaAlloc(<usize>n * 8);
    memory.copy(keep, sets, <usize>n * 8);
    htPlan = keep;
    htIndex = 0;

  }
  if (job.capsOn != 0) {
    codeAllBlocks(job); // (one tile, EBCOT)
    return; // the buffers stay: rate control may code blocks again
  }
  htResFilter = htLowPending ? HT_RES_TOP : HT_RES_ALL;
  for (let c = 0; c < tile.numComps; c++) {
    let tc = tileComp(tile, c);
    codeBlocks(job, tc, false);
    if (job.cs.siz.numTiles > 1) tc.buf = 0; // the buffers belong to the next tile now
  }
  htResFilter = HT_RES_ALL;
}

/** Threaded encodeTileCode's start: the tile pipeline's state for tile t (pipeLead: the components the host transformed). */
function pipeStart(job: EncodeJob, tile: Tile, t: i32): void {
  htPlan = 0;
  htConfig(0, 1, 0);
  job.capped = 0;
  job.recoded = 0;
  resumedBlocks = 0;
  pipeTile = t;
  pipeComp = 0;
  // (components below 64 only: hostDwt's bits; tile.numComps <= 64 keeps every bit a component)
  pipeLead = tile.numComps >= 64 ? hostDwt : hostDwt & ((<u64>1 << <u64>tile.numComps) - 1);
  resumeAt = RESUME_TILE_COMP;
}

/** The tile whose lead components encodeTileLead listed before its encodeTileCode (-1: none). */
let leadTile: i32 = -1;

/**
 * Threaded, tile t after its encodeTileInput, before its other components are in: list the blocks of
 * the components the host transformed (encodeTileDwtApplied; pipeLead, rate control's pilots when
 * early stops are on) now, as encodeTileCode would list them first; encodeTileCode then goes on with
 * the others. A worker transformed those components from the tile's raw rows while this instance
 * unpacks the others (src/encode_threads.ts PlaneOffload.startRaw) and codes their blocks as soon as
 * its transform is done, instead of waiting for this instance's unpack (6-10 ms on saw). Their blocks
 * depend on the tile's geometry, steps and the pilots' lattice only, not on any sample. Returns 1
 * when it listed them (0: not threaded, no such component, or not the pipeline encodeTileCode runs).
 */
export function encodeTileLead(job: EncodeJob, t: i32): i32 {
  if (job.threaded == 0 || ((job.cs.cod.cblkStyle & CBLK_HT) != 0 && job.wantDistortion != 0) || hostDwt == 0 || deferCount != 0) return 0;
  if (t < 0 || t >= job.cs.siz.numTiles) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, t);
  let tile = changetype<Tile>(load<usize>(job.tiles + (<usize>t << alignof<usize>())));
  if (tileComp(tile, 0).buf == 0) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, t);
  pipeStart(job, tile, t);
  let leads = <i32>popcnt(pipeLead);
  for (let k = 0; k < leads && pipeComp < tile.numComps; k++) tileCompStep(job);
  leadTile = t;
  return 1;
}

/** Threaded encodeTileCode: DWT of the tile's next component (pipeOrder of pipeComp) of tile pipeTile, then list its blocks. */
function tileCompStep(job: EncodeJob): void {
  let tile = changetype<Tile>(load<usize>(job.tiles + (<usize>pipeTile << alignof<usize>())));
  let c = pipeOrder(pipeComp);
  let tc = tileComp(tile, c);
  tileCompDwt(tile, c, job.dwtTmp);
  codeBlocks(job, tc, false, job.capsOn != 0 ? CODE_PILOTS : CODE_ALL);
  if (job.capsOn == 0 && job.cs.siz.numTiles > 1) tc.buf = 0; // (listed; the host copies the samples before the next tile)
  pipeComp++;
  if (pipeComp < tile.numComps) return;
  resumeAt = RESUME_NONE;
  if (job.capsOn != 0) resumeCaps = true; // the stop slope waits for every pilot (codeAllBlocks)
}

/** After the last tile: steps, rate control, codestream. Returns 0 when every tile must be given again (finer 9/7 step). */
export function encodeTilesFinish(job: EncodeJob): usize {
  if (htPrepass) {
    htPrepassFinish(job);
    return 0; // every tile again, coded at the chosen step
  }
  if (htLowPending) {
    htLowCode(job);
    if (deferCount > 0) {
      resumeAt = RESUME_FINISH_CODED;
      return 0;
    }
  }
  encodeStepsFinish(job);
  job.rateMark = arenaMark();
  return finishFrom(job, rateControlHt(job));
}

/**
 * htLite, one tile: the blocks of the top HT_RECODE_TOP resolutions are coded (cleanup at bit-plane
 * 0); their exact bytes plus the lower resolutions' bytes at this step (their step histogram scaled
 * by actual / model of the last calibration round, which coded every one of them) estimate the
 * size. When that is over HT_LOW_TRIGGER of the budget and leaving out the top blocks of least
 * worth (lowest distortion decrease per byte, as PCRD would) to fit costs more than HT_DROP_SHARE
 * of the squared error, the lower resolutions get a coarser step of their own (QCD signals one step
 * per sub-band, A.6.4), chosen so that the estimate is HT_LOW_AIM of the budget; then they are
 * coded (or listed, threaded) as the rest. That replaces coding them again with the set one
 * bit-plane up (htLiteCheck) where PCRD then truncated every one of them (the 14-bit CT at 20:1
 * and 50:1). htLiteCheck stays for what the estimate misses.
 */
const HT_LOW_TRIGGER: f64 = 0.997;
const HT_LOW_AIM: f64 = 0.995;
/** The most the lower resolutions' step is made coarser. */
const HT_LOW_MAX_FACTOR: f64 = 4;
function htLowCode(job: EncodeJob): void {
  htLowPending = false;
  htLowRuns++;
  let target = htStepTarget(job);
  if (target > 0 && htCalLowModel > 0 && htCalLowActual > 0 && htHistBase > 0) {
    let top: f64 = 0;
    let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
    while (cblkIterNext(it)) {
      if (it.r < it.tc.numRes - HT_RECODE_TOP) continue;
      let cb = it.cb;
      let bytes = cb.encNumPasses > 0 ? <f64>passRecord(cb.encPasses, cb.encNumPasses - 1).rate : 0;
      top += bytes > 0 ? bytes + HT_CAL_BLOCK_BYTES : 0; // (an empty block costs next to nothing in its packet)
    }
    let ratio = htCalLowActual / htCalLowModel;
    let sc = job.baseStep / htHistBase;
    let aim = target * HT_LOW_AIM;
    let over = top + ratio * htStepModel(htHistLow, sc) - target;
    if (over > target * (HT_LOW_TRIGGER - 1.0) && top < aim && htTopDropLoss(job, max(over, 0.0), htTopError(job)) > HT_DROP_SHARE) {
      // bisection on log2 of the factor: the finest step whose estimate is within the aim
      let lo: f64 = 0, hi = Math.log2(HT_LOW_MAX_FACTOR);
      for (let i = 0; i < 30; i++) {
        let mid = 0.5 * (lo + hi);
        if (top + ratio * htStepModel(htHistLow, sc * Math.pow(2.0, mid)) > aim) lo = mid;
        else hi = mid;
      }
      htSetLowSteps(job, job.baseStep * Math.pow(2.0, hi));
      htLowStepped++;
    }
  }
  htResFilter = HT_RES_LOW;
  for (let t = 0; t < job.cs.siz.numTiles; t++) {
    let tile = changetype<Tile>(load<usize>(job.tiles + (<usize>t << alignof<usize>())));
    for (let c = 0; c < tile.numComps; c++) codeBlocks(job, tileComp(tile, c), false);
  }
  htResFilter = HT_RES_ALL;
}

/** Weighted squared error of the coded top-resolution blocks. */
function htTopError(job: EncodeJob): f64 {
  let dist: f64 = 0;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    if (it.r < it.tc.numRes - HT_RECODE_TOP) continue;
    let cb = it.cb;
    dist += bandWeightOf(it.tc, it.r, it.bd, job.cs.cod.levels, job.cs.gcod.mct) * (cb.encDist0 - htBlockGain(cb));
  }
  return dist;
}

/** Distortion decrease of every coded pass of a block. */
function htBlockGain(cb: CodeBlock): f64 {
  let g: f64 = 0;
  for (let q = 0; q < cb.encNumPasses; q++) g += passRecord(cb.encPasses, q).distDecrease;
  return g;
}

/**
 * Squared error (a share of `dist`) of leaving out the coded top-resolution blocks of least worth
 * (weighted distortion decrease per byte) until `bytes` are left out.
 */
function htTopDropLoss(job: EncodeJob, bytes: f64, dist: f64): f64 {
  if (bytes <= 0) return 0;
  if (dist <= 0) return 1;
  // (log2 worth, bytes, weighted decrease) of every coded top block, then bisection on log2 of the
  // worth threshold: the lowest one that leaves out `bytes`
  let n = 0;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) n++;
  let rec = arenaAlloc(<usize>max(n, 1) * 24);
  let m = 0;
  it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    if (it.r < it.tc.numRes - HT_RECODE_TOP) continue;
    let cb = it.cb;
    if (cb.encNumPasses == 0) continue;
    let b = <f64>passRecord(cb.encPasses, cb.encNumPasses - 1).rate;
    if (b <= 0) continue;
    let g = bandWeightOf(it.tc, it.r, it.bd, job.cs.cod.levels, job.cs.gcod.mct) * htBlockGain(cb);
    let e = rec + <usize>m * 24;
    store<f64>(e, Math.log2(max(g, 1e-300) / b));
    store<f64>(e, b, 8);
    store<f64>(e, g, 16);
    m++;
  }
  let lo: f64 = -200, hi: f64 = 200;
  let lost: f64 = 0;
  for (let i = 0; i < 40; i++) {
    let mid = 0.5 * (lo + hi);
    let out: f64 = 0, loss: f64 = 0;
    for (let k = 0; k < m; k++) {
      let e = rec + <usize>k * 24;
      if (load<f64>(e) < mid) {
        out += load<f64>(e, 8);
        loss += load<f64>(e, 16);
      }
    }
    if (out >= bytes) {
      hi = mid;
      lost = loss;
    } else lo = mid;
  }
  return lost / (dist + lost);
}

/**
 * The sub-bands below the top HT_RECODE_TOP resolutions get the steps of base step `step` (as
 * quant/encode_steps.ts encodeStepsFromBase: Delta_b = step / ||synthesis basis of b||); the others
 * keep theirs.
 */
function htSetLowSteps(job: EncodeJob, step: f64): void {
  let NL = job.cs.cod.levels;
  for (let c = 0; c < job.cs.siz.Csiz; c++) {
    let q = jobQuant(job, c);
    let prec = compSiz(job.cs.siz, c).prec;
    for (let b = 0; b < q.count; b++) {
      let r = b == 0 ? 0 : (b - 1) / 3 + 1;
      if (r >= NL + 1 - HT_RECODE_TOP) continue;
      let orient = b == 0 ? 0 : ((b - 1) % 3) + 1;
      let lev = b == 0 ? NL : NL - (b - 1) / 3;
      store<u16>(q.steps + (<usize>b << 1), <u16>stepSizeEncode(step / dwtSynthesisNorm(0, lev, orient), prec + bandGainLog2(orient)));
    }
  }
  encodeStepsBands(job);
}

/**
 * encodeTilesFinish from rate control's verdict `rc` (rateControlCoded and the refinement loop,
 * written so that a threaded encode can stop where blocks are deferred: then 0 is returned).
 */
function rateControlHt(job: EncodeJob): i32 {
  let rc = rateControl(job);
  if (rc == RATE_DONE && htLite) rc = htLiteCheck(job);
  return rc;
}

/**
 * After rate control on blocks coded with the cleanup at bit-plane 0 only (htLite): when PCRD had
 * to leave blocks out to meet the budget, every block is marked to be coded again with the cleanup
 * one bit-plane up and its SigProp / MagRef passes too, so that PCRD can trim instead (RATE_RECODE);
 * else (everything fits: the step was right or a little coarse) RATE_DONE. Coding only the blocks
 * with the lowest slopes again was tried (bytes 8 or 30 times those left out): on the 14-bit CT at
 * 50:1 it lost 0.19 dB (8x) against coding all of them, as a block's slope over its whole coding
 * says little about the slope of its last bit-plane.
 * The blocks of the top HT_RECODE_TOP resolutions are not coded again: on the benchcorpus PCRD
 * stops the sets one bit-plane up mostly in the lower resolutions (every block of them on the CT
 * and DX at 20:1) and the top resolutions' blocks (15/16 of the samples) at their full cleanup or
 * not at all. Recoding only below the top one kept the CT at 20 and 50:1 +0.024 / +0.028 dB over
 * OpenJPH (bench/ht_rate.mjs) where below the top two keeps +0.020 / +0.023 and is 1.18x (CT) and
 * 1.08x (DX) faster at 20:1 (bench/ht_enc_cpu.mjs --mode ratio); the bar is PSNR >= OpenJPH at
 * equal size. Threshold slopes from the cleanup-only coding (x3 the lowest kept) or the bytes per
 * sample did not pick the top blocks worth recoding.
 */
const HT_RECODE_TOP: i32 = 2;
/**
 * The blocks are not coded again when those left out hold at most this share of the squared error
 * (htDropLoss): then PCRD left out blocks of little worth (noise in flat areas, as on the 12-bit DX,
 * where the recode left the same blocks out), not blocks a coarser set of the low resolutions
 * should pay for. bench/ht_rate.mjs: without the recode DX at 8:1 / 20:1 lost 0.26 % / 0.35 % of
 * its error this way and 0.010 / 0.001 dB against the recode, kodim07 / kodim08 at 8:1 0.04 % /
 * 0.20 % and 0.001 / 0.004 dB, saw at 50:1 0.015 % and 0; the 14-bit CT at 20:1 and 50:1 lost
 * 9.6 % / 29 % (0.28 / 0.92 dB): recoded. DX at 20:1: 1.13x less CPU.
 */
const HT_DROP_SHARE: f64 = 0.005;
function htLiteCheck(job: EncodeJob): i32 {
  htLite = false;
  let out = false;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    if (cb.encHullN > 0 && load<i32>(cb.encLayerPasses + (<usize>(job.layers - 1) << 2)) == 0) {
      out = true;
      break;
    }
  }
  if (!out) return RATE_DONE;
  if (htDropLoss(job) <= HT_DROP_SHARE) return RATE_DONE; // (what it leaves out is worth little)
  it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    if (cb.encNumBps == 0) continue; // nothing to code
    if (it.r >= it.tc.numRes - HT_RECODE_TOP) continue; // (keeps its cleanup at bit-plane 0)
    cb.encCapped = CAP_RECODE;
    job.capped++;
  }
  // only the set one bit-plane up is coded: htMergeInstall joins it to the cleanup at bit-plane 0
  htConfig(1, 1, 1);
  htMerge = true;
  htRecodes++;
  return RATE_RECODE;
}

/**
 * The image-domain squared error of the blocks rate control left out entirely (every pass), as a
 * share of the total squared error of the layers as formed (block weights of rate/weights.ts): at
 * most what leaving them out costs against coding every block (10 log10(1 / (1 - share)) dB).
 */
function htDropLoss(job: EncodeJob): f64 {
  let lost: f64 = 0, total: f64 = 0;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    let w = bandWeightOf(it.tc, it.r, it.bd, job.cs.cod.levels, job.cs.gcod.mct);
    let kept = load<i32>(cb.encLayerPasses + (<usize>(job.layers - 1) << 2));
    let gain: f64 = 0, all: f64 = 0;
    for (let q = 0; q < cb.encNumPasses; q++) {
      let d = passRecord(cb.encPasses, q).distDecrease;
      all += d;
      if (q < kept) gain += d;
    }
    total += w * (cb.encDist0 - gain);
    if (kept == 0 && cb.encHullN > 0) lost += w * all;
  }
  return total > 0 ? lost / total : 1.0;
}

function finishFrom(job: EncodeJob, rc: i32): usize {
  while (true) {
    if (rc == RATE_RECODE) {
      arenaRelease(job.rateMark);
      rateReset(job);
      forEachTileComp(job, CODE_RECODE);
      if (deferCount > 0) {
        if ((job.cs.cod.cblkStyle & CBLK_HT) != 0) htRecodesDeferred++;
        resumeAt = RESUME_FINISH_RATE;
        return 0;
      }
      job.rateMark = arenaMark();
      rc = rateControl(job);
      continue;
    }
    if (rc != RATE_REFINE) break;
    htRefineStep(job, job.codeMark);
    arenaRelease(job.codeMark);
    rateReset(job);
    encodeStepsFromBase(job);
    encodeStepsBands(job);
    // one EBCOT tile: its transformed samples are still in the buffers, so only the blocks are
    // coded again (HT plans its sets per tile in encodeTileCode: the host gives the tile again)
    if (job.cs.siz.numTiles > 1 || (job.cs.cod.cblkStyle & CBLK_HT) != 0) return 0;
    codeAllBlocks(job);
    if (deferCount > 0) {
      resumeAt = RESUME_FINISH_CODED;
      return 0;
    }
    encodeStepsFinish(job);
    job.rateMark = arenaMark();
    rc = rateControl(job);
  }
  writeCodestream(job, measureTakeHeaders(job));
  return job.out;
}

/** The area of tile `tile` (its first component) as a fraction of the image's. */
function tileShare(job: EncodeJob, tile: Tile): f64 {
  let siz = job.cs.siz;
  let tc0 = tileComp(tile, 0);
  let k = compSiz(siz, 0);
  let w = <f64>ceilDiv(siz.Xsiz, k.dx) - <f64>ceilDiv(siz.XOsiz, k.dx);
  let h = <f64>ceilDiv(siz.Ysiz, k.dy) - <f64>ceilDiv(siz.YOsiz, k.dy);
  return min(<f64>(tc0.x1 - tc0.x0) * <f64>(tc0.y1 - tc0.y0) / max(w, 1) / max(h, 1), 1.0);
}

/**
 * First pass of a tiled HT encode with byte budgets, for one transformed tile: its quantised
 * magnitudes (at the pass's base step) join the step histogram of the image; then a sample of its
 * blocks is coded at the step the histogram so far gives its share of the budget, to calibrate the
 * model (actual / model bytes), as htChooseStep does for the whole image. Nothing coded is kept.
 */
function htPrepassTile(job: EncodeJob, tile: Tile): void {
  let mark = arenaMark();
  let image = htHist;
  htHist = arenaAllocZeroed(HT_HIST_BYTES);
  htMode = CODE_HIST;
  for (let c = 0; c < tile.numComps; c++) codeBlocks(job, tileComp(tile, c), true);
  for (let i = 0; i <= HT_HIST_BINS; i++) {
    let p = image + (<usize>i << 3);
    store<f64>(p, load<f64>(p) + load<f64>(htHist + (<usize>i << 3)));
  }
  htHist = image;
  htPrepassShare = min(htPrepassShare + tileShare(job, tile), 1.0);
  // calibration at the step the tiles seen so far give (their share of the largest budget)
  let ratio = htCalModel > 0 && htCalActual > 0 ? htCalActual / htCalModel : 1.0;
  let minScale = rateFinestStep(job) / htPrepassBase;
  let s = htStepScale(htHist, htStepTarget(job) * htPrepassShare * HT_STEP_MARGIN / ratio, minScale);
  htSetStep(job, htPrepassBase * s);
  htMode = CODE_CAL;
  htCalRound = 0;
  for (let c = 0; c < tile.numComps; c++) codeBlocks(job, tileComp(tile, c), true);
  htSetStep(job, htPrepassBase);
  htMode = CODE_PLAN;
  arenaRelease(mark);
}

/** End of the first pass: the step from the image's histogram and calibration. */
function htPrepassFinish(job: EncodeJob): void {
  htPrepass = false;
  htStepChosen = true;
  let ratio = htCalModel > 0 && htCalActual > 0 ? htCalActual / htCalModel : 1.0;
  let minScale = rateFinestStep(job) / htPrepassBase;
  let s = htStepScale(htHist, htStepTarget(job) * HT_STEP_MARGIN / ratio, minScale);
  htSetStep(job, htPrepassBase * s);
  htPlanSetRateScale(ratio);
  // one layer: as htChooseStep, every block codes the full set and the one a bit-plane up, PCRD trims
  htUniform = job.layers == 1;
}
