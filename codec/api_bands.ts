// Work-balanced row bands for threaded decoding (src/worker/threads.ts). Each worker decodes a band
// of rows as a region; with equal-height bands the busier half of an image (texture, noise) keeps
// one worker running long after the other is done. This entry point estimates where the decoding
// work lies: T2 (Annex B.9-B.10) of every tile with the whole image as window, then each
// code-block's cost — its codeword bytes (T1 decodes one MQ symbol per few bits) and its samples
// (dequantisation, inverse DWT, output) — spread over the reference-grid rows the block covers
// (a block of a sub-band of decomposition level nb covers about 2^nb component rows, B.5).
// Every worker computes the same cuts from the same codestream, so the bands tile the image.
//   jobBegin → alloc+copy the codestream → decoderParse → decoderBandCuts

import { Codestream, TileParams, resolveTile } from "./codestream/header";
import { Siz } from "./codestream/params";
import { Tile, TileComp, Band, CodeBlock, buildTile, tileComp, resolution, band, precinctBand, codeBlock } from "./structure/tile";
import { setWindows, computeWindows } from "./structure/window";
import { DecodeJob, MAX_SEGS, decodeBlock, readTilePackets, tileToDecode } from "./decoder";
import { SUPPLY_RECORD_BYTES, suppliedEpoch, suppliedIndexRanges } from "./supplied_blocks";
import { ceilDiv } from "./util/math";
import { parsedCodestream } from "./parsed_codestream";
import { arenaAlloc, arenaAllocArray, arenaAllocArrayZeroed, arenaAllocZeroed, arenaFits, arenaMark, arenaRelease } from "./util/arena";
import { fail } from "./util/fail";
import { ERR_INVALID_ARGUMENT } from "./util/error_codes";

/**
 * Cut the image of the codestream parsed last into `n` bands of rows of about equal decoding work
 * (all `layers`, 0 = all, full resolution), every band at least `minRows` rows; a code-block's
 * work is `byteWeight` per codeword byte plus one per sample. Writes the n + 1
 * band boundaries (i32, image rows: 0 first, the image height last) at `out`. Returns n, or 0 when
 * the image cannot be cut that way (too few rows); the arena is left as it was.
 *
 * Cuts fall in the middle of a row of the finest level's code-blocks (reference rows 2^ycb' mod
 * 2^(ycb'+1), B.7): a cut on a block boundary makes both bands decode the block rows on either side
 * of it (the DWT margin reaches across), a cut mid-block only the one row it falls in — and so at
 * every coarser level too (the cut is an odd multiple of 2^ycb', never a multiple of a coarser
 * level's block height).
 */
export function decoderBandCuts(layers: i32, allowPartial: i32, maxCblks: f64, n: i32, minRows: i32, byteWeight: f64, out: usize): i32 {
  let csp = parsedCodestream();
  if (csp == 0 || n < 1 || n > 64 || minRows < 1) fail(ERR_INVALID_ARGUMENT, -1, n, minRows);
  let cs = changetype<Codestream>(csp);
  let siz = cs.siz;
  let H = siz.Ysiz - siz.YOsiz;
  if (<i64>n * <i64>minRows > <i64>H) return 0;
  let mark = arenaMark();
  let bins = arenaAllocArrayZeroed(<u64>H + 1, 8); // cost per row, then prefix sums
  let job = changetype<DecodeJob>(arenaAllocZeroed(offsetof<DecodeJob>()));
  job.cs = cs;
  job.layers = layers;
  job.allowPartial = allowPartial;
  job.rx0 = siz.XOsiz;
  job.ry0 = siz.YOsiz;
  job.rx1 = siz.Xsiz;
  job.ry1 = siz.Ysiz;
  job.maxCblks = <i64>maxCblks;
  let period: i64 = 0; // 2^(ycb'+1) reference rows: code-block rows of the finest level
  let probe = changetype<TileParams>(arenaAllocZeroed(offsetof<TileParams>()));
  for (let t = 0; t < siz.numTiles; t++) {
    if (!tileToDecode(job, t, probe)) continue;
    let tmark = arenaMark();
    let tile = wholeTilePackets(job, cs, t);
    if (period == 0) period = finestBlockRowPeriod(tile);
    for (let c = 0; c < tile.numComps; c++) {
      let tc = tileComp(tile, c);
      let R = tc.numRes - 1;
      let dy = <f64>tc.dy;
      for (let r = 0; r <= R; r++) {
        let res = resolution(tc, r);
        let level = r == 0 ? R : R - r + 1; // decomposition level nb of the resolution's bands
        let scale = <f64>(<i64>1 << level) * dy;
        let np = res.pw * res.ph;
        for (let b = 0; b < res.numBands; b++) {
          let bd = band(res, b);
          for (let p = 0; p < np; p++) {
            let pb = precinctBand(bd, p);
            let m = pb.cw * pb.ch;
            for (let i = 0; i < m; i++) {
              let cb = codeBlock(pb, i);
              let cost = byteWeight * <f64>cb.dataLen + <f64>(cb.x1 - cb.x0) * <f64>(cb.y1 - cb.y0);
              spread(bins, H, <f64>cb.y0 * scale - <f64>siz.YOsiz, <f64>cb.y1 * scale - <f64>siz.YOsiz, cost);
            }
          }
        }
      }
    }
    arenaRelease(tmark);
  }
  if (period < 2) period = 2;
  prefixSums(bins, H);
  if (!chooseCuts(bins, H, n, minRows, period, <i64>siz.YOsiz, out)) {
    arenaRelease(mark);
    return 0;
  }
  arenaRelease(mark);
  return n;
}

/** Per-row costs `bins` (f64[H + 1]) into prefix sums: bins[y] = work of rows [0, y). */
function prefixSums(bins: usize, H: i32): void {
  let acc: f64 = 0;
  for (let y = 0; y <= H; y++) {
    let v = load<f64>(bins + (<usize>y << 3));
    store<f64>(bins + (<usize>y << 3), acc);
    acc += v;
  }
}

/**
 * Band boundaries from the prefix sums of per-row costs `bins` (f64[H + 1]): cut k goes to
 * the candidate row (odd multiple of period/2 on the reference grid) whose prefix is nearest k/n of
 * the total, every band at least `minRows` rows. Writes n + 1 boundaries at `out`; false if none fit.
 */
function chooseCuts(bins: usize, H: i32, n: i32, minRows: i32, period: i64, y0: i64, out: usize): bool {
  if (period < 1) period = 1;
  let total = load<f64>(bins + (<usize>H << 3));
  store<i32>(out, 0);
  store<i32>(out + (<usize>n << 2), H);
  let half = period >> 1;
  for (let k = 1; k < n; k++) {
    let lo = <i64>load<i32>(out + (<usize>(k - 1) << 2)) + <i64>minRows;
    let hi = <i64>H - <i64>(n - k) * <i64>minRows;
    // candidates: image rows y with y + YOsiz = half + j·period, within [lo, hi]
    let jlo = ceilDivI64(lo + y0 - half, period), jhi = floorDivI64(hi + y0 - half, period);
    if (jhi < jlo) return false;
    let target = total * <f64>k / <f64>n;
    let best: i64 = -1;
    let bestErr: f64 = Infinity;
    for (let j = jlo; j <= jhi; j++) {
      let y = half + j * period - y0;
      let err = abs(load<f64>(bins + (<usize>y << 3)) - target);
      if (err < bestErr) {
        bestErr = err;
        best = y;
      }
    }
    store<i32>(out + (<usize>k << 2), <i32>best);
  }
  return true;
}

function floorDivI64(a: i64, b: i64): i64 {
  let q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

function ceilDivI64(a: i64, b: i64): i64 {
  return -floorDivI64(-a, b);
}

/** Add `cost` spread evenly over rows [y0, y1) (clamped to [0, H)) to the per-row `bins`. */
function spread(bins: usize, H: i32, y0: f64, y1: f64, cost: f64): void {
  if (cost <= 0) return;
  let a = max(y0, 0.0), b = min(y1, <f64>H);
  if (b <= a) {
    // a block of no image rows (sub-sampling, image edge): count it where it starts
    let k = <i32>min(max(floor(y0), 0.0), <f64>(H - 1));
    store<f64>(bins + (<usize>k << 3), load<f64>(bins + (<usize>k << 3)) + cost);
    return;
  }
  let per = cost / (b - a);
  let k0 = <i32>floor(a), k1 = <i32>min(ceil(b) - 1, <f64>(H - 1));
  for (let k = k0; k <= k1; k++) {
    let s = max(a, <f64>k), e = min(b, <f64>(k + 1));
    if (e > s) store<f64>(bins + (<usize>k << 3), load<f64>(bins + (<usize>k << 3)) + per * (e - s));
  }
}

// ---------------------------------------------------------------------------------------------
// Code-blocks shared by bands, decoded once (threaded decoding, src/worker/threads.ts)
// ---------------------------------------------------------------------------------------------
// A band decoded as a region needs every code-block its rows depend on, DWT margins included, so
// the blocks near a cut are needed by both bands (a row of the finest level's blocks, and one at
// every coarser level: ~8-15 % of the work for two bands). decoderBandShare cuts the image as
// decoderBandCuts does, finds those shared blocks, splits them between the bands (each shared block
// goes to the band with the least shared work so far) and decodes the share of band k; the host
// sends it to the other bands' jobs (src/worker/split_decode.ts), and each band's decoderRun takes
// the shared blocks that arrived instead of decoding them (below: decoderBandSupplyAll).

/** A code-block of the image, as decoderBandShare weighs and shares it. */
@unmanaged
class BlockRef {
  cb: CodeBlock;
  tc: TileComp;
  bd: Band;
  /** Bit j: the region decode of band j needs the block. */
  mask: u64;
  /** Estimated T1 work. */
  t1: f64;
  /** 1 if this band (k) decodes it for everyone. */
  mine: i32;
}

/**
 * Cut the image of the codestream parsed last into `n` bands as {@link decoderBandCuts} does (a
 * block's work: `byteWeight` per codeword byte + `passWeight` per coding pass and sample + 1 per
 * sample), find the code-blocks that more than one band's region decode needs, share them out and
 * T1-decode the share of band `k` (0 ≤ k < n; -1: none). Two bands: the cut gives band 0 the
 * fraction `first` of the two bands' own work (0.5: equal; the host corrects it from the bands'
 * measured times, src/worker/threads.ts), clamped to [0.25, 0.75]. Writes at `out` (i32): the n + 1 band
 * boundaries, then the address, byte length and block count of band k's decoded blocks (records
 * of codec/supplied_blocks.ts, valid until the next jobBegin). Returns n, or 0 when the image
 * cannot be cut that way (too few rows).
 */
export function decoderBandShare(
  layers: i32, allowPartial: i32, maxCblks: f64, n: i32, minRows: i32,
  byteWeight: f64, passWeight: f64, sampleWeight: f64, k: i32, first: f64, out: usize,
): i32 {
  ownJob = 0; // (a failure below leaves no state for decoderBandOwnStep)
  let csp = parsedCodestream();
  if (csp == 0 || n < 1 || n > 64 || minRows < 1 || k < -1 || k >= n) fail(ERR_INVALID_ARGUMENT, -1, n, k);
  let cs = changetype<Codestream>(csp);
  let siz = cs.siz;
  let H = siz.Ysiz - siz.YOsiz;
  if (<i64>n * <i64>minRows > <i64>H) return 0;
  let job = changetype<DecodeJob>(arenaAllocZeroed(offsetof<DecodeJob>()));
  job.cs = cs;
  job.layers = layers;
  job.allowPartial = allowPartial;
  job.rx0 = siz.XOsiz;
  job.ry0 = siz.YOsiz;
  job.rx1 = siz.Xsiz;
  job.ry1 = siz.Ysiz;
  job.maxCblks = <i64>maxCblks;
  job.segLens = arenaAlloc(<usize>MAX_SEGS * 4);
  job.segPasses = arenaAlloc(<usize>MAX_SEGS * 4);
  job.cbDataCap = 0;
  // T2 of every tile, whole image; the tiles are kept
  let tiles = arenaAllocArrayZeroed(<u64>siz.numTiles, sizeof<usize>());
  let period: i64 = 0;
  let count = 0;
  let probe = changetype<TileParams>(arenaAllocZeroed(offsetof<TileParams>()));
  for (let t = 0; t < siz.numTiles; t++) {
    if (!tileToDecode(job, t, probe)) continue;
    let tile = wholeTilePackets(job, cs, t);
    if (period == 0) period = finestBlockRowPeriod(tile);
    store<usize>(tiles + <usize>t * sizeof<usize>(), changetype<usize>(tile));
    for (let c = 0; c < tile.numComps; c++) count += blockCount(tileComp(tile, c));
  }
  // every block: its work, spread over its rows for the cuts (two bands: the cut is searched below)
  let refs = arenaAllocArrayZeroed(<u64>max(count, 1), offsetof<BlockRef>());
  let bins: usize = n == 2 ? 0 : arenaAllocArrayZeroed(<u64>H + 1, 8);
  let m = 0;
  for (let t = 0; t < siz.numTiles; t++) {
    let tp = load<usize>(tiles + <usize>t * sizeof<usize>());
    if (tp == 0) continue;
    let tile = changetype<Tile>(tp);
    for (let c = 0; c < tile.numComps; c++) {
      let tc = tileComp(tile, c);
      let R = tc.numRes - 1;
      let dy = <f64>tc.dy;
      for (let r = 0; r <= R; r++) {
        let res = resolution(tc, r);
        let level = r == 0 ? R : R - r + 1;
        let scale = <f64>(<i64>1 << level) * dy;
        let np = res.pw * res.ph;
        for (let b = 0; b < res.numBands; b++) {
          let bd = band(res, b);
          for (let p = 0; p < np; p++) {
            let pb = precinctBand(bd, p);
            let nb = pb.cw * pb.ch;
            for (let i = 0; i < nb; i++) {
              let cb = codeBlock(pb, i);
              let ref = changetype<BlockRef>(refs + <usize>m * offsetof<BlockRef>());
              m++;
              ref.cb = cb;
              ref.tc = tc;
              ref.bd = bd;
              let samples = <f64>(cb.x1 - cb.x0) * <f64>(cb.y1 - cb.y0);
              ref.t1 = cb.pieceHead == 0 ? 0.0 : byteWeight * <f64>cb.dataLen + (passWeight * <f64>cb.numPasses + sampleWeight) * samples;
              if (bins != 0) spread(bins, H, <f64>cb.y0 * scale - <f64>siz.YOsiz, <f64>cb.y1 * scale - <f64>siz.YOsiz, ref.t1 + samples);
            }
          }
        }
      }
    }
  }
  if (period == 0) period = 2;
  if (n != 2) {
    prefixSums(bins, H);
    // (any row may take a cut: the candidates mid code-block make fewer blocks shared)
    if (!chooseCuts(bins, H, n, minRows, period, <i64>siz.YOsiz, out) && !chooseCuts(bins, H, n, minRows, 1, <i64>siz.YOsiz, out)) return 0;
  } else {
    store<i32>(out, 0);
    store<i32>(out + 8, H);
  }
  let loads = arenaAllocArrayZeroed(<u64>n, 8);
  if (n == 2) {
    // two bands: the cut where the bands' own work (their blocks no other band needs, T1, plus
    // every sample they reconstruct) balances (band 0 taking the fraction `first` of it); shared
    // blocks are split apart (below). Any row will do: the blocks a cut makes both bands need are
    // decoded once whatever the cut. (first = 0.5: load0 * 0.5 < load1 * 0.5 is load0 < load1.)
    let f = first == first ? min(max(first, 0.25), 0.75) : 0.5;
    let lo = minRows, hi = H - minRows; // the answer lies in [lo, hi]
    while (hi - lo > 1) {
      let mid = lo + ((hi - lo) >> 1);
      store<i32>(out + 4, mid);
      markBands(siz, tiles, refs, m, out, 2, loads);
      if (load<f64>(loads) * (1 - f) < load<f64>(loads, 8) * f) lo = mid;
      else hi = mid;
    }
    store<i32>(out + 4, hi);
  }
  // which bands need which blocks: the windows a region decode of each band sets (decodeTile)
  markBands(siz, tiles, refs, m, out, n, loads);
  // share out the blocks several bands need: each to the band with the least shared work so far
  memory.fill(loads, 0, <usize>n << 3);
  let bytes: u64 = 0;
  for (let i = 0; i < m; i++) {
    let ref = changetype<BlockRef>(refs + <usize>i * offsetof<BlockRef>());
    if (ref.t1 <= 0 || popcnt<u64>(ref.mask) < 2) continue;
    let best = -1;
    let bestLoad: f64 = Infinity;
    for (let j = 0; j < n; j++) {
      if ((ref.mask & (<u64>1 << <u64>j)) == 0) continue;
      let l = load<f64>(loads + (<usize>j << 3));
      if (l < bestLoad) {
        bestLoad = l;
        best = j;
      }
    }
    store<f64>(loads + (<usize>best << 3), bestLoad + ref.t1);
    if (best == k) {
      ref.mine = 1;
      let cb = ref.cb;
      bytes += <u64>SUPPLY_RECORD_BYTES + (<u64>(cb.x1 - cb.x0) * <u64>(cb.y1 - cb.y0) << 2);
    }
  }
  // T1 of band k's share, straight into the records
  let base = arenaAllocArray(max(bytes, 1), 1);
  let at = base;
  let blocks = 0;
  for (let i = 0; i < m; i++) {
    let ref = changetype<BlockRef>(refs + <usize>i * offsetof<BlockRef>());
    if (ref.mine == 0) continue;
    let cb = ref.cb, tc = ref.tc, bd = ref.bd;
    let next = supplyRecord(job, tc, bd, cb, at);
    if (next == at) continue;
    at = next;
    blocks++;
  }
  store<i32>(out + (<usize>(n + 1) << 2), <i32>base);
  store<i32>(out + (<usize>(n + 2) << 2), <i32>(at - base));
  store<i32>(out + (<usize>(n + 3) << 2), blocks);
  // kept for decoderBandOwnStep / decoderBandSupplyAll: the blocks only band k needs
  let own = 0;
  if (k >= 0) {
    let bit = <u64>1 << <u64>k;
    for (let i = 0; i < m; i++) {
      let ref = changetype<BlockRef>(refs + <usize>i * offsetof<BlockRef>());
      if (ref.t1 > 0 && ref.mask == bit) own++;
    }
  }
  ownJob = changetype<usize>(job);
  ownRefs = refs;
  ownCount = m;
  ownK = k;
  ownNext = 0;
  ownEpoch = suppliedEpoch();
  ownRanges = arenaAllocArray(<u64>own + 2, 8);
  store<u32>(ownRanges, <u32>base);
  store<i32>(ownRanges, <i32>(at - base), 4);
  ownChunks = 0;
  return n;
}

// Threaded decoding in one job per band (src/worker/threads.ts decodeSplit). After decoderBandShare
// has T1-decoded band k's share of the blocks several bands need (and the host has sent it to the
// other bands), the host T1-decodes, a few at a time, the blocks only band k needs
// (decoderBandOwnStep) until the other bands' shares arrive, then indexes every table at once
// (decoderBandSupplyAll) for the band's decoderRun: its share, its blocks decoded so far and the
// other bands' shares. Blocks in no table are decoded by decoderRun as usual.

/** State of the last decoderBandShare (0 / -1: none), valid while the same codestream stays parsed. */
let ownJob: usize = 0;
let ownRefs: usize = 0;
let ownCount: i32 = 0;
let ownK: i32 = -1;
/** Next BlockRef to look at. */
let ownNext: i32 = 0;
let ownEpoch: i32 = -1;
/** (address, length) of the share's table, then of each chunk of own blocks decoded so far. */
let ownRanges: usize = 0;
let ownChunks: i32 = 0;

/** The state of decoderBandShare for the codestream parsed now, or a failure. */
/**
 * T1-decode `cb` into a supplied-block record at `at` (codec/supplied_blocks.ts: component, band
 * index, tile-component origin, block origin and size, then the samples); the address after the
 * record, or `at` when the block has nothing to decode.
 */
function supplyRecord(job: DecodeJob, tc: TileComp, bd: Band, cb: CodeBlock, at: usize): usize {
  job.cbOut = at + <usize>SUPPLY_RECORD_BYTES;
  if (!decodeBlock(job, tc, bd, cb)) return at;
  let w = cb.x1 - cb.x0, h = cb.y1 - cb.y0;
  store<i32>(at, tc.c);
  store<i32>(at, bd.index, 4);
  store<i32>(at, tc.x0, 8);
  store<i32>(at, tc.y0, 12);
  store<i32>(at, cb.x0, 16);
  store<i32>(at, cb.y0, 20);
  store<i32>(at, w, 24);
  store<i32>(at, h, 28);
  return at + <usize>SUPPLY_RECORD_BYTES + (<usize>(w * h) << 2);
}

function ownState(): DecodeJob {
  if (ownJob == 0 || ownEpoch != suppliedEpoch() || parsedCodestream() == 0) fail(ERR_INVALID_ARGUMENT, -1, ownK, ownCount);
  return changetype<DecodeJob>(ownJob);
}

/**
 * T1-decode up to `maxBlocks` more of the code-blocks only band k of the last decoderBandShare
 * needs, into a new table of records (codec/supplied_blocks.ts) kept for decoderBandSupplyAll.
 * Returns the number of blocks still to look at (0: all of them decoded). Stops early, returning
 * 0, when the arena could not hold the records and still leave most of it for the band's decode.
 */
export function decoderBandOwnStep(maxBlocks: i32): i32 {
  let job = ownState();
  if (ownK < 0 || maxBlocks < 1) return 0;
  let bit = <u64>1 << <u64>ownK;
  // this step's blocks [ownNext, stop) and the bytes of their records
  let bytes: u64 = 0;
  let picked = 0;
  let stop = ownNext;
  while (stop < ownCount && picked < maxBlocks) {
    let ref = changetype<BlockRef>(ownRefs + <usize>stop * offsetof<BlockRef>());
    stop++;
    if (ref.t1 <= 0 || ref.mask != bit) continue;
    let cb = ref.cb;
    bytes += <u64>SUPPLY_RECORD_BYTES + (<u64>(cb.x1 - cb.x0) * <u64>(cb.y1 - cb.y0) << 2);
    picked++;
  }
  if (picked == 0) {
    ownNext = stop;
    return 0;
  }
  // (the records only save work: never at the price of the decode itself running out of memory)
  if (!arenaFits(bytes << 2)) {
    ownNext = ownCount;
    return 0;
  }
  let base = arenaAllocArray(bytes, 1);
  let at = base;
  for (let i = ownNext; i < stop; i++) {
    let ref = changetype<BlockRef>(ownRefs + <usize>i * offsetof<BlockRef>());
    if (ref.t1 <= 0 || ref.mask != bit) continue;
    let cb = ref.cb, tc = ref.tc, bd = ref.bd;
    at = supplyRecord(job, tc, bd, cb, at);
  }
  ownNext = stop;
  ownChunks++;
  let r = ownRanges + (<usize>ownChunks << 3);
  store<u32>(r, <u32>base);
  store<i32>(r, <i32>(at - base), 4);
  return ownCount - ownNext;
}

/**
 * Blocks for the next decoderRun (its fillBand takes a listed block's T1 output instead of decoding
 * it; decoderParse forgets them): band k's share from the last decoderBandShare, the blocks
 * decoderBandOwnStep decoded, and the records at [ptr, ptr + len) (the other bands' shares, one
 * table after the other). Returns the number of blocks; a malformed
 * table fails with INVALID_ARGUMENT.
 */
export function decoderBandSupplyAll(ptr: usize, len: i32): i32 {
  ownState();
  if (len < 0) fail(ERR_INVALID_ARGUMENT, -1, len, 0);
  let r = ownRanges + (<usize>(ownChunks + 1) << 3);
  store<u32>(r, <u32>ptr);
  store<i32>(r, len, 4);
  return suppliedIndexRanges(ownRanges, ownChunks + 2);
}

/**
 * Set each block's `mask` (bit j: the region decode of band j, rows [cuts[j], cuts[j+1]), needs
 * it, by the windows decodeTile would set) and each band's own work at `loads` (f64[n]): the T1
 * estimate of the blocks only it needs plus the samples of its windows.
 */
function markBands(siz: Siz, tiles: usize, refs: usize, count: i32, cuts: usize, n: i32, loads: usize): void {
  memory.fill(loads, 0, <usize>n << 3);
  for (let i = 0; i < count; i++) changetype<BlockRef>(refs + <usize>i * offsetof<BlockRef>()).mask = 0;
  let m = 0;
  for (let t = 0; t < siz.numTiles; t++) {
    let tp = load<usize>(tiles + <usize>t * sizeof<usize>());
    if (tp == 0) continue;
    let tile = changetype<Tile>(tp);
    for (let c = 0; c < tile.numComps; c++) {
      let tc = tileComp(tile, c);
      let nb = blockCount(tc);
      let R = tc.numRes - 1;
      let top = resolution(tc, R);
      for (let j = 0; j < n; j++) {
        let ry0 = <i64>siz.YOsiz + <i64>load<i32>(cuts + (<usize>j << 2));
        let ry1 = <i64>siz.YOsiz + <i64>load<i32>(cuts + (<usize>(j + 1) << 2));
        let oy0 = max(<i64>top.y0, ceilDiv<i64>(ry0, <i64>tc.dy)), oy1 = min(<i64>top.y1, ceilDiv<i64>(ry1, <i64>tc.dy));
        if (oy1 <= oy0 || top.x1 <= top.x0) continue;
        computeWindows(tc, R, top.x0, <i32>oy0, top.x1, <i32>oy1);
        let own: f64 = 0;
        for (let i = 0; i < nb; i++) {
          let ref = changetype<BlockRef>(refs + <usize>(m + i) * offsetof<BlockRef>());
          let cb = ref.cb, bd = ref.bd;
          if (cb.x0 < bd.wx1 && cb.x1 > bd.wx0 && cb.y0 < bd.wy1 && cb.y1 > bd.wy0) {
            ref.mask |= <u64>1 << <u64>j;
            own += <f64>(min(cb.x1, bd.wx1) - max(cb.x0, bd.wx0)) * <f64>(min(cb.y1, bd.wy1) - max(cb.y0, bd.wy0));
          }
        }
        store<f64>(loads + (<usize>j << 3), load<f64>(loads + (<usize>j << 3)) + own);
      }
      m += nb;
    }
  }
  for (let i = 0; i < count; i++) {
    let ref = changetype<BlockRef>(refs + <usize>i * offsetof<BlockRef>());
    if (popcnt<u64>(ref.mask) != 1) continue;
    let j = <usize>ctz<u64>(ref.mask);
    store<f64>(loads + (j << 3), load<f64>(loads + (j << 3)) + ref.t1);
  }
}

/** Tile `t` built with every resolution's whole window, its packets read (T2 only, no T1). */
function wholeTilePackets(job: DecodeJob, cs: Codestream, t: i32): Tile {
  let tp = resolveTile(cs, t);
  let tile = buildTile(cs, tp, job.maxCblks, true);
  for (let c = 0; c < tile.numComps; c++) {
    let tc = tileComp(tile, c);
    let R = tc.numRes - 1;
    let top = resolution(tc, R);
    tc.topRes = R;
    setWindows(tc, R, top.x0, top.y0, top.x1, top.y1, false);
  }
  readTilePackets(job, tile, t, tp);
  return tile;
}

/**
 * 2^(ycb'+1) reference rows: the height of a code-block row of the finest level, from the first
 * component with a decomposition level (0 when none has one).
 */
function finestBlockRowPeriod(tile: Tile): i64 {
  for (let c = 0; c < tile.numComps; c++) {
    let tc = tileComp(tile, c);
    let R = tc.numRes - 1;
    if (R > 0) return (<i64>1 << (band(resolution(tc, R), 0).cbh + 1)) * <i64>tc.dy;
  }
  return 0;
}

/** Code-blocks of the precincts built so far in a tile-component. */
function blockCount(tc: TileComp): i32 {
  let count = 0;
  for (let r = 0; r < tc.numRes; r++) {
    let res = resolution(tc, r);
    let np = res.pw * res.ph;
    for (let b = 0; b < res.numBands; b++) {
      let bd = band(res, b);
      for (let p = 0; p < np; p++) {
        let pb = precinctBand(bd, p);
        count += pb.cw * pb.ch;
      }
    }
  }
  return count;
}
