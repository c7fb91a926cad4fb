// Encoder exports (C-like ABI). The host: jobBegin → encoderCreate → encoderSet* → encoderPlane(c)
// (fill with unpackComponent) → encoderRun → copy encoderOutput()/encoderOutputLength() out.

import { coarseSetOn, coarseBands } from "./rate/coarse";
import { htLayersSetEarlyWeight } from "./rate/ht_layers";
import { pcrdLastThreshold } from "./rate/pcrd";
import { rateRuns } from "./rate/rate_control";
import { capsPredictSaved } from "./rate/caps";
import { encodeTilesBegin, encodeTileInput, encodeTileCode, encodeTileLead, encodeTilesFinish, tileMctKind, encodeTileMctApplied, encodeTileDwtApplied, encodeTileFeedBegin, encodeTileFeed, encodeTileFeedEnd } from "./encoder";
import { Tile, tileComp, resolution, band } from "./structure/tile";
import { EncodeJob, encodeJobNew, encodeJobSetLayers, compWidth, compHeight, layerF64, jobQuant } from "./encode_job";
import { resumedBlocks, htLowRuns, htLowStepped, htRecodes, htRecodesDeferred, encodeRun, encodeReallocate, encodeSetEarlyStop, encodeDeferredCount, encodeDeferredList, encodeDeferredInstall, encodeContinue, encodeResumeState, encodeDeferredDone, encodeDeferredStage, encodeDeferredKeepResume, encodeDeferredResumePack, encodeDeferredResumeStage, encodeDeferredCodeAt } from "./encoder";
import { writeCodestream } from "./codestream/write_codestream";
import { decoderParse, decoderRun } from "./api_decoder";
import { arenaMark, arenaRelease } from "./util/arena";
import { compSiz, PocEntry, pocEntry } from "./codestream/params";
import { arenaAlloc, arenaAllocZeroed, arenaAllocArray } from "./util/arena";
import { fail } from "./util/fail";
import { ERR_ENCODE_OPTIONS } from "./util/error_codes";
import { DEFER_BYTES, DEFER_SRC, DEFER_STRIDE, DEFER_W, DEFER_H, DEFER_STAGE_SAMPLES, CHECK_NO_SAMPLES } from "./api_fields";
import { EncoderParam, EncoderInfo, EncoderTileField, LayerInfo, CHECK_LAYER_TARGET, CHECK_COMPONENT_INDEX, CHECK_LAYERS, CHECK_GUARD_BITS, CHECK_UNKNOWN_PARAM, CHECK_PRECINCT_SIZE, CHECK_LAYER_INDEX } from "./api_fields";

let gJob: usize = 0;

// @ts-ignore: decorator
@inline
function job(): EncodeJob {
  return changetype<EncodeJob>(gJob);
}

export function encoderCreate(numComps: i32, width: i32, height: i32): void {
  gJob = changetype<usize>(encodeJobNew(numComps, width, height));
}

/** Component c: precision 1-24 bits, signedness, sub-sampling XRsiz/YRsiz. */
export function encoderSetComp(c: i32, prec: i32, sgnd: i32, dx: i32, dy: i32): void {
  let s = job().cs.siz;
  if (c < 0 || c >= s.Csiz) fail(ERR_ENCODE_OPTIONS, -1, CHECK_COMPONENT_INDEX, c);
  let k = compSiz(s, c);
  k.prec = prec;
  k.sgnd = sgnd != 0 ? 1 : 0;
  k.dx = dx;
  k.dy = dy;
}

/** Set scalar parameter `field` (an EncoderParam) to `value`. */
export function encoderSet(field: i32, value: f64): void {
  let j = job();
  let cs = j.cs;
  let s = cs.siz;
  let v = <i32>value;
  switch (field) {
    case EncoderParam.originX: { s.XOsiz = v; s.Xsiz += v; break; }
    case EncoderParam.originY: { s.YOsiz = v; s.Ysiz += v; break; }
    case EncoderParam.tileWidth: { s.XTsiz = v; break; }
    case EncoderParam.tileHeight: { s.YTsiz = v; break; }
    case EncoderParam.tileX0: { s.XTOsiz = v; break; }
    case EncoderParam.tileY0: { s.YTOsiz = v; break; }
    case EncoderParam.levels: { cs.cod.levels = v; break; }
    case EncoderParam.xcb: { cs.cod.xcb = v; break; }
    case EncoderParam.ycb: { cs.cod.ycb = v; break; }
    case EncoderParam.cblkStyle: { cs.cod.cblkStyle = v & 0x7f; break; } // 0x40: HT (ISO/IEC 15444-15)
    case EncoderParam.reversible: { cs.cod.reversible = v != 0 ? 1 : 0; break; }
    case EncoderParam.mct: { cs.gcod.mct = v != 0 ? 1 : 0; break; }
    case EncoderParam.progression: { cs.gcod.progression = v; break; }
    case EncoderParam.layers: {
      if (v < 1 || v > 65535) fail(ERR_ENCODE_OPTIONS, -1, CHECK_LAYERS, v);
      encodeJobSetLayers(j, v);
      break;
    }
    case EncoderParam.sop: { cs.gcod.sop = v != 0 ? 1 : 0; break; }
    case EncoderParam.eph: { cs.gcod.eph = v != 0 ? 1 : 0; break; }
    case EncoderParam.guardBits: {
      if (v < 0 || v > 7) fail(ERR_ENCODE_OPTIONS, -1, CHECK_GUARD_BITS, v);
      j.guard = v;
      break;
    }
    case EncoderParam.tlm: { j.tlm = v; break; }
    case EncoderParam.plt: { j.plt = v; break; }
    case EncoderParam.tileParts: { j.tilePartMode = v; break; }
    case EncoderParam.baseStep: { j.baseStep = value; break; }
    case EncoderParam.Rsiz: { s.Rsiz = v; break; }
    default: fail(ERR_ENCODE_OPTIONS, -1, CHECK_UNKNOWN_PARAM, field);
  }
}

/**
 * Precinct size exponents, `i` counted from the HIGHEST resolution (0 = full resolution), as
 * opj_compress -c takes them; the last one given repeats for the lower resolutions. Mapped onto
 * resolutions once the decomposition levels are final. Switches precincts on (Scod bit 0).
 */
export function encoderSetPrecinct(i: i32, ppx: i32, ppy: i32): void {
  let j = job();
  if (i < 0 || i > 32 || ppx < 0 || ppx > 15 || ppy < 0 || ppy > 15) fail(ERR_ENCODE_OPTIONS, -1, CHECK_PRECINCT_SIZE, i);
  if (j.precinctsFromTop == 0) j.precinctsFromTop = arenaAllocZeroed(33);
  store<u8>(j.precinctsFromTop + <usize>i, <u8>(ppx | (ppy << 4)));
  if (i + 1 > j.numPrecinctSizes) j.numPrecinctSizes = i + 1;
}

/**
 * Target of layer l (cumulative: the image decoded up to that layer): a byte budget for the
 * codestream up to its end (0 = none), or the squared error allowed, summed over all output
 * samples (0 = none). Rate control (codec/rate/) meets them.
 */
export function encoderSetLayer(l: i32, bytes: f64, dist: f64): void {
  let j = job();
  if (l < 0 || l >= j.layers) fail(ERR_ENCODE_OPTIONS, -1, CHECK_LAYER_INDEX, l);
  if (!(bytes >= 0 && bytes < Infinity && dist >= 0 && dist < Infinity)) fail(ERR_ENCODE_OPTIONS, -1, CHECK_LAYER_TARGET, l);
  store<f64>(j.layerBytes + (<usize>l << 3), bytes);
  store<f64>(j.layerDist + (<usize>l << 3), dist);
}

/** Append a progression order change (A.6.6). */
export function encoderAddPoc(rs: i32, cs0: i32, lye: i32, re: i32, ce: i32, order: i32): void {
  let l = job().cs.poc;
  if (l.count == l.cap) {
    let cap = max(4, l.cap * 2);
    let p = arenaAlloc(<usize>cap * offsetof<PocEntry>());
    if (l.count > 0) memory.copy(p, l.entries, <usize>l.count * offsetof<PocEntry>());
    l.entries = p;
    l.cap = cap;
  }
  let e = pocEntry(l, l.count);
  e.RSpoc = rs;
  e.CSpoc = cs0;
  e.LYEpoc = lye;
  e.REpoc = re;
  e.CEpoc = ce;
  e.Ppoc = order;
  l.count++;
}

/** Comment (COM, Latin text) of `len` bytes at `ptr`. */
export function encoderSetComment(ptr: usize, len: i32): void {
  job().comment = ptr;
  job().commentLen = len;
}

/** The i32 input plane of component c (its grid size: encoderPlaneWidth/Height), allocated on first call. */
export function encoderPlane(c: i32): usize {
  let j = job();
  let s = j.cs.siz;
  if (c < 0 || c >= s.Csiz) fail(ERR_ENCODE_OPTIONS, -1, CHECK_COMPONENT_INDEX, c);
  let slot = j.planes + (<usize>c << alignof<usize>());
  let p = load<usize>(slot);
  if (p == 0) {
    // 64-bit size: a plane above 2^30 samples fails with LIMIT_MEMORY instead of wrapping (the
    // plane is also where the encoder's transforms run, in place)
    p = arenaAllocArray(<u64>max(<u64>compWidth(s, c) * <u64>compHeight(s, c), 1), 4);
    store<usize>(slot, p);
  }
  return p;
}

export function encoderPlaneWidth(c: i32): i32 {
  return compWidth(job().cs.siz, c);
}

export function encoderPlaneHeight(c: i32): i32 {
  return compHeight(job().cs.siz, c);
}

/** Encode; returns the codestream pointer. */
export function encoderRun(): usize {
  return encodeRun(job());
}

/**
 * Tile-by-tile encoding (the host keeps the image): after encoderCreate/encoderSet*, prepare every
 * tile and the buffers of one. Returns the number of tiles. Then for each tile t: encoderTileInput(t),
 * fill each component's buffer (encoderTileComp; i32 samples minus the DC level shift, f32 for the
 * 9/7 path, e.g. with unpackComponent / unpackComponentF32), encoderTileCode(t); then
 * encoderTilesFinish().
 */
export function encoderTilesBegin(): i32 {
  return encodeTilesBegin(job());
}

/** Make tile t the one the host fills next. */
export function encoderTileInput(t: i32): void {
  gTile = changetype<usize>(encodeTileInput(job(), t));
}

/**
 * The forward MCT that encoderTileCode applies to the tile given last to encoderTileInput: 0 none,
 * 1 the RCT, 2 the ICT. With 2 the host may fill components 0–2 with unpackIctForward (the ICT
 * applied while unpacking) and then call encoderTileMctApplied.
 */
export function encoderTileMct(): i32 {
  if (gTile == 0) return 0;
  return tileMctKind(job(), changetype<Tile>(gTile));
}

/** The host filled the tile given last to encoderTileInput with the forward MCT applied: encoderTileCode skips it. */
export function encoderTileMctApplied(): void {
  if (gTile != 0) encodeTileMctApplied();
}

/**
 * Fill the tile given last to encoderTileInput through the core (codec/transform/dwt_feed.ts): the
 * host then gives the tile's rows in steps (encoderTileFeed, all of them, top to bottom, then
 * encoderTileFeedEnd) instead of unpacking them into the buffers; each row is unpacked (DC level
 * shift, and the tile's MCT when `interleaved`), and for the components in `fed` (bit c) the first
 * decomposition level is made from the rows as they come, its output written once to the buffer
 * (encoderTileCode runs the other levels). Components in `skip` are not wanted (their MCT output is
 * dropped: a worker makes them). `interleaved`: pixel-interleaved rows of every component (the
 * components the same size), else one component's rows at a time (not with an MCT). Same samples as
 * unpacking and encoderTileCode's transforms, bit for bit. Returns 0 when the core does not take the
 * tile this way (the host unpacks it as before), else 1.
 */
export function encoderTileFeedBegin(fed: i32, skip: i32, interleaved: i32, bytesPerSample: i32, signed: i32, dc: i32): i32 {
  if (gTile == 0) return 0;
  return encodeTileFeedBegin(job(), changetype<Tile>(gTile), fed, skip, interleaved, bytesPerSample, signed, dc);
}

/** The next `rows` packed rows at `src` of the feed encoderTileFeedBegin started: every component's (comp < 0, interleaved) or component comp's. */
export function encoderTileFeed(comp: i32, src: usize, rows: i32): void {
  encodeTileFeed(comp, src, rows);
}

/** After the tile's last rows (encoderTileFeed): the fed levels finished, the MCT marked applied. */
export function encoderTileFeedEnd(): void {
  encodeTileFeedEnd();
}

/**
 * Threaded encoding (src/encode_threads.ts): 1 when the host may transform a component of the tile
 * given last to encoderTileInput in a worker (encoderTileDwtApplied) — one tile, block coding
 * deferred, early stops on: the workers then wait for rate control's pilots while this instance
 * transforms the components one after the other — else 0.
 */
export function encoderTileDwtOffload(): i32 {
  let j = job();
  return gTile != 0 && j.threaded != 0 && j.capsOn != 0 && j.cs.siz.numTiles == 1 ? 1 : 0;
}

/**
 * Threaded encoding of one component by rows (src/worker/encode_split.ts, codec/transform/dwt_split.ts):
 * 0 unless the tile given last to encoderTileInput is the image's only tile, has one component and
 * goes through the threaded pipeline (its blocks are all listed, none coded here: not HT with rate
 * control); else the row unit of a split of its first `levels` decomposition levels (clamped to the
 * component's): 2^(l + ycb'_l) for the deepest such level l, so that a cut at a multiple of it (on the
 * component grid) is a code-block row boundary of every split level's sub-bands (B.7, B-15).
 */
export function encoderTileSplitUnit(levels: i32): i32 {
  let j = job();
  if (gTile == 0 || j.threaded == 0 || j.cs.siz.numTiles != 1) return 0;
  if ((j.cs.cod.cblkStyle & 0x40) != 0 && j.wantDistortion != 0) return 0;
  let tile = changetype<Tile>(gTile);
  if (tile.numComps != 1) return 0;
  let tc = tileComp(tile, 0);
  let k = min(levels, tc.numRes - 1);
  let unit = 0;
  for (let l = 1; l <= k; l++) {
    let e = l + band(resolution(tc, tc.numRes - l), 0).cbh;
    if (e > 30) return 0;
    unit = max(unit, 1 << e);
  }
  return unit;
}

/** Decomposition levels of component c of the tile given last to encoderTileInput (-1: none given, or no such component). */
export function encoderTileCompLevels(c: i32): i32 {
  if (gTile == 0) return -1;
  let tile = changetype<Tile>(gTile);
  if (c < 0 || c >= tile.numComps) return -1;
  return tileComp(tile, c).numRes - 1;
}

/**
 * The host filled component c's buffer of the tile given last to encoderTileInput with its forward
 * DWT already applied (the same kernels in the same order as the encoder's: dwt97ForwardLevel or
 * dwt53ForwardLevel for each resolution from the highest down, B-14 bounds, quadrant layout):
 * encoderTileCode skips that component's DWT. Before encoderTileCode, or (threaded) before the
 * encoderContinue that transforms component c.
 */
export function encoderTileDwtApplied(c: i32): void {
  if (c < 0 || c >= job().cs.siz.Csiz) fail(ERR_ENCODE_OPTIONS, -1, CHECK_COMPONENT_INDEX, c);
  encodeTileDwtApplied(c);
}

/** Field `field` (an EncoderTileField) of component c of the tile given last to encoderTileInput; -1 for an unknown field. */
export function encoderTileComp(c: i32, field: i32): f64 {
  if (gTile == 0) return -1;
  let tile = changetype<Tile>(gTile);
  if (c < 0 || c >= tile.numComps) return -1;
  let tc = tileComp(tile, c);
  switch (field) {
    case EncoderTileField.buffer: return <f64>tc.buf;
    case EncoderTileField.stride: return <f64>tc.stride;
    case EncoderTileField.x0: return <f64>tc.x0;
    case EncoderTileField.y0: return <f64>tc.y0;
    case EncoderTileField.width: return <f64>(tc.x1 - tc.x0);
    case EncoderTileField.height: return <f64>(tc.y1 - tc.y0);
    case EncoderTileField.reversible: return <f64>tc.style.reversible;
  }
  return -1;
}

/**
 * Threaded encoding, tile t of the last encoderTileInput: list the blocks of the components the host
 * transformed (encoderTileDwtApplied) now, before the tile's other components are in (they need no
 * sample); encoderTileCode(t) then goes on with the others. Returns 1 when listed, 0 when not (the
 * blocks are then listed by encoderTileCode as before).
 */
export function encoderTileLead(t: i32): i32 {
  return gTile != 0 ? encodeTileLead(job(), t) : 0;
}

/** Transform and code tile t (its buffers filled). */
export function encoderTileCode(t: i32): void {
  encodeTileCode(job(), t);
  gTile = 0;
}

/** After the last tile: 0 = rate control refined the 9/7 step, give every tile again; else the codestream pointer. */
export function encoderTilesFinish(): usize {
  return encodeTilesFinish(job());
}

let gTile: usize = 0;

/**
 * After encoderRun with squared-error targets: form the layers again from the targets as they are
 * now (the host tightens a layer's target when its check found the decoded layer short) and write
 * the codestream again. The blocks are not coded again (except blocks coded with an early stop that
 * the new layers need in full). Returns the codestream pointer.
 */
export function encoderReallocate(): usize {
  return encodeReallocate(job());
}

let gVerifyMark: usize = 0;

/**
 * Decode the codestream just written, up to layer `layers` (1-based), with the decoder, in memory
 * above the encoder's: the host reads the planes with decoderPlane() and compares them with its
 * samples, then calls encoderVerifyEnd(). Returns the number of components.
 */
export function encoderVerifyBegin(layers: i32): i32 {
  let j = job();
  gVerifyMark = arenaMark();
  let s = j.cs.siz;
  let C = decoderParse(j.out, j.outLen);
  decoderRun(0, layers, s.XOsiz, s.YOsiz, s.Xsiz, s.Ysiz, 0, 0, 1e15);
  return C;
}

/** Give back the memory of encoderVerifyBegin's decode. */
export function encoderVerifyEnd(): void {
  arenaRelease(gVerifyMark);
}

export function encoderOutputLength(): i32 {
  return job().outLen;
}

/** Result `field` (a LayerInfo) of layer l of the finished run; -1 for an unknown field or layer. */
export function encoderLayer(l: i32, field: i32): f64 {
  let j = job();
  if (l < 0 || l >= j.layers) return -1;
  switch (field) {
    case LayerInfo.bytes: return layerF64(j.layerSizes, l);
    case LayerInfo.estimatedError: return layerF64(j.layerEstimate, l);
    case LayerInfo.status: return <f64>load<i32>(j.layerStatus + (<usize>l << 2));
  }
  return -1;
}

/** Fact `field` (an EncoderInfo) of the finished run; -1 for an unknown field. */
export function encoderInfo(field: i32): f64 {
  let j = job();
  switch (field) {
    case EncoderInfo.levels: return <f64>j.cs.cod.levels;
    case EncoderInfo.allPasses: return <f64>j.allPasses;
    case EncoderInfo.levelsAsked: return <f64>j.levelsAsked;
    case EncoderInfo.baseStep: return j.baseStep;
    case EncoderInfo.refinements: return <f64>j.refinements;
    case EncoderInfo.samples: return j.numSamples;
    case EncoderInfo.guardBits: {
      let g = 0;
      for (let c = 0; c < j.cs.siz.Csiz; c++) g = max(g, jobQuant(j, c).guard);
      return <f64>g;
    }
  }
  return -1;
}

/**
 * Early-stopped block coding for rate control (codec/rate/caps.ts) on (1, the default) or off (0);
 * n > 1 stops n times too early (tests: rate control must then code most stopped blocks again).
 * The output is the same in every case; tests and benchmarks compare them.
 */
export function encoderSetEarlyStop(on: i32): void {
  encodeSetEarlyStop(on);
}

/**
 * Doubled 9/7 steps for the sub-bands whose last layer never reaches the lowest bit-plane
 * (codec/rate/coarse.ts) on (1, the default) or off (0: every band at the base step). For tests and
 * benchmarks that compare the two.
 */
export function encoderSetCoarseSteps(on: i32): void {
  coarseSetOn(on);
}

/**
 * HT quality layers (codec/rate/ht_layers.ts): a fixed weight omega of the earlier layers against
 * the last instead of the search that balances their losses (negative, the default). For benchmarks that show the trade between the layers.
 */
export function encoderSetHtLayerWeight(w: f64): void {
  htLayersSetEarlyWeight(w);
}

/**
 * After an encode: blocks whose early stop stood (0), blocks coded again to their last pass (1), the stop
 * slope used (2; 0: none), blocks of (1) that continued where they stopped (3), the last layer's
 * final slope threshold (4), rate control runs (5), the share of codeword bytes the pilots predicted
 * stops would skip (6; rate/caps.ts capsPredict); HT (encoder.ts): htLowCode runs (7), of which gave
 * the lower resolutions a coarser step (8), htLiteCheck recodes (9), of which were listed for the workers (10);
 * sub-bands coded at a doubled step (11; rate/coarse.ts).
 */
export function encoderEarlyStops(which: i32): f64 {
  let j = job();
  if (which == 4) return pcrdLastThreshold;
  if (which == 5) return <f64>rateRuns;
  if (which == 6) return capsPredictSaved;
  if (which == 7) return <f64>htLowRuns;
  if (which == 8) return <f64>htLowStepped;
  if (which == 9) return <f64>htRecodes;
  if (which == 10) return <f64>htRecodesDeferred;
  if (which == 11) return <f64>coarseBands;
  return which == 0 ? <f64>j.capped : which == 1 ? <f64>j.recoded : which == 3 ? <f64>resumedBlocks : j.capSlope;
}

// ---------------------------------------------------------------------------------------------
// Threaded encoding (src/encode_threads.ts; codec/encoder.ts "Threaded encoding"): the main instance
// transforms and runs rate control and T2; worker instances code the blocks (api_blocks.ts).
// ---------------------------------------------------------------------------------------------

/**
 * Defer block coding to the host (1) or code blocks here (0, the default). Set after
 * encoderCreate, before encoderTilesBegin. Then encoderTileCode, encoderTilesFinish and
 * encoderReallocate list the blocks they would code (encoderDeferredList) and return; the host codes
 * them with blockCoderRun (any instance), installs each result in list order
 * (encoderDeferredInstall) and follows encoderResumeState / encoderContinue.
 */
export function encoderSetThreaded(on: i32): void {
  job().threaded = on != 0 ? 1 : 0;
}

/** Blocks waiting to be coded by the host (threaded encoding). */
export function encoderDeferredCount(): i32 {
  return encodeDeferredCount();
}

/** Pointer to the deferred-block records (DeferredBlock fields, DeferredBlock.bytes each). */
export function encoderDeferredList(): usize {
  return encodeDeferredList();
}

/**
 * Staging areas: where the host puts a coded block before encoderDeferredInstall (0 its bytes, 1 its
 * pass records, 2 its BlockInfo record), (3) where encoderDeferredPackRuns copies samples, and (4) the
 * resume stage (encoderDeferredKeepResume, encoderDeferredResumePack).
 */
export function encoderDeferredStaging(which: i32): usize {
  let j = job();
  return which == 0 ? j.cbScratch : which == 1 ? j.cbPasses : which == 2 ? gInstallInfo : which == 4 ? encodeDeferredResumeStage() : encodeDeferredStage();
}

/**
 * Right after encoderDeferredInstall(i): the block stopped early in the worker, whose resume record
 * (blockCoderOutput(3), `bytes` bytes) the host put in encoderDeferredStaging(4); kept, so that the
 * block continues from there if rate control sends it back (DeferredBlock.resume).
 */
export function encoderDeferredKeepResume(i: i32, bytes: i32): void {
  encodeDeferredKeepResume(job(), i, gInstallInfo, bytes);
}

/**
 * For listed block i with DeferredBlock.resume set: its resume state packed into
 * encoderDeferredStaging(4) for blockCoderResume in the worker; returns the bytes (0: coded from the top).
 */
export function encoderDeferredResumePack(i: i32): i32 {
  return encodeDeferredResumePack(i);
}

/**
 * Copy the samples of listed blocks [first, first + count) to encoderDeferredStaging(3) run by run:
 * blocks that lie side by side in the same rows (the next block's samples start where the run's
 * first row ends, with the same row stride and height: consecutive blocks of a row of code-blocks)
 * form one run, packed row by row (a packed row = the run's blocks' rows one after the other), so
 * that each row of a run is one copy. The host's worker finds the same runs in the same records
 * (src/encode_threads.ts forEachRun). Returns the number of samples (at most DeferredBlock.stageSamples).
 */
export function encoderDeferredPackRuns(first: i32, count: i32): i32 {
  let n = encodeDeferredCount();
  if (first < 0 || count < 0 || first > n - count) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, first);
  let list = encodeDeferredList() + <usize>first * <usize>DEFER_BYTES;
  let stage = encodeDeferredStage();
  let o: usize = 0;
  let i = 0;
  while (i < count) {
    let d = list + <usize>i * <usize>DEFER_BYTES;
    let src = <usize>load<u32>(d, DEFER_SRC);
    let stride = load<i32>(d, DEFER_STRIDE), h = load<i32>(d, DEFER_H);
    let width = <usize>load<i32>(d, DEFER_W);
    let j = i + 1;
    for (; j < count; j++) {
      let e = list + <usize>j * <usize>DEFER_BYTES;
      if (load<i32>(e, DEFER_STRIDE) != stride || load<i32>(e, DEFER_H) != h || <usize>load<u32>(e, DEFER_SRC) != src + (width << 2)) break;
      width += <usize>load<i32>(e, DEFER_W);
    }
    if (<u64>o + <u64>width * <u64>h > <u64>DEFER_STAGE_SAMPLES) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, first + i);
    let rowBytes = width << 2, strideBytes = <usize>stride << 2;
    for (let y = 0; y < h; y++) {
      memory.copy(stage + (o << 2), src, rowBytes);
      src += strideBytes;
      o += width;
    }
    i = j;
  }
  return <i32>o;
}

/**
 * Code listed block i on this instance and keep it (instead of encoderDeferredInstall of a worker's
 * result): its samples at `src` with row stride `stride` — 0, 0: where the listed record says (the
 * tile buffer), else a copy the host made, e.g. in encoderDeferredStaging(3) (samples of a
 * component a worker transformed, which the tile buffer does not hold). Blocks may be coded here
 * and installed from workers in any order.
 */
export function encoderDeferredCodeAt(i: i32, src: usize, stride: i32): void {
  let n = encodeDeferredCount();
  if (i < 0 || i >= n) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, i);
  let d = encodeDeferredList() + <usize>i * <usize>DEFER_BYTES;
  if (src == 0) {
    src = <usize>load<u32>(d, DEFER_SRC);
    stride = load<i32>(d, DEFER_STRIDE);
  } else {
    // a copy in the stage: the block's rows must lie inside it
    let stage = encodeDeferredStage();
    let w = load<i32>(d, DEFER_W), h = load<i32>(d, DEFER_H);
    if (stride < w || src < stage || <u64>(src - stage) + (<u64>(h - 1) * <u64>stride + <u64>w) * 4 > <u64>DEFER_STAGE_SAMPLES * 4) fail(ERR_ENCODE_OPTIONS, -1, CHECK_NO_SAMPLES, i);
  }
  encodeDeferredCodeAt(job(), i, src, stride);
}

/** Keep deferred block i, coded: its bytes, pass records and info record are in encoderDeferredStaging. */
export function encoderDeferredInstall(i: i32): void {
  encodeDeferredInstall(job(), i, gInstallInfo);
}

/**
 * What to do next: 0 the interrupted call is done (listed blocks may still wait: copy their samples
 * before the next encoderTileInput, install them before encoderTilesFinish); 1 call encoderContinue
 * now (the listed blocks may be coded meanwhile); 2 install every listed block, call
 * encoderDeferredDone, then encoderContinue.
 */
export function encoderResumeState(): i32 {
  return encodeResumeState();
}

/** Every listed block is installed: the list starts again empty. */
export function encoderDeferredDone(): void {
  encodeDeferredDone();
}

/** Go on with the interrupted call: returns what it returns (0 while encoderResumeState() is not 0). */
export function encoderContinue(): usize {
  return encodeContinue(job());
}

const gInstallInfo: usize = memory.data(32, 16);
