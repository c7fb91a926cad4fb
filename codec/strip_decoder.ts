// Strip decoding: the rows of a region a band ("strip") at a time, with memory that follows the
// strip height instead of the image.
//
// A session covers the tiles of one row of tiles (or the rows a caller asks for) of a region:
//   stripSessionOpen: resolveTile + buildTile + windows for the whole session region + T2 for every
//                     tile of the session (code-block pieces recorded once), then the cache plan;
//   stripSessionRun:  the next strip: per tile-component, the windows of the strip (the region
//                     machinery of codec/structure/window.ts: each inverse DWT level needs its input
//                     on the window grown by the filter margin), code-blocks → dequantised
//                     coefficients, inverse DWT over the window only, MCT/DC shift/clamp into strip
//                     planes (writeOutput of codec/decoder.ts).
//
// Nothing is decoded twice: a code-block row (all blocks of one band whose rows lie in
// [j·2^cbh, (j+1)·2^cbh)) that the next strip's window also covers is decoded once into a ring of
// per-band slots (BandCache) and copied from there while windows move down; rows no later strip
// needs are decoded straight into the DWT buffer. Windows only move down (they are monotone in the
// strip's rows), so a row needed by strips s and s+2 is needed by s+1 too, and the rows kept at any
// time lie in the current window: K slots, K = the most code-block rows one window spans, never
// collide (row j uses slot j mod K). The inverse DWT of the overlap between consecutive windows (the
// filter margins, a few rows per level) is recomputed; that is cheap next to block decoding.
//
// Memory: persistent = codestream + tile structures + code-block pieces + caches; per strip =
// planes + one tile's window buffers (released after each tile). Sub-sampled components (B.2) get
// `up` extra reference rows above each strip so that the host can upsample by replication.

import { Codestream, TileParams, resolveTile, tileBounds } from "./codestream/header";
import { compSiz, CBLK_HT } from "./codestream/params";
import {
  Tile, TileComp, Resolution, Band, PrecinctBand, CodeBlock, buildTile, tileComp, resolution, band, precinctBand, codeBlock,
  HT_PART1,
} from "./structure/tile";
import { setWindows, computeWindows, markNoneNeeded, windowBufferWidth, windowBufferHeight } from "./structure/window";
import { dequantCopyRev, dequantCopyIrr } from "./quant/dequantize";
import { dwt53InverseLevelTo, dwt97InverseLevel, dwtScratchBytes } from "./transform/exports";
import { sweep53SetRing } from "./transform/dwt53";
import {
  DecodeJob, Plane, plane, decodeBlock, readTilePackets, tileToDecode, zeroRect, moveToOrigin, writeOutput, mctApplies, MAX_SEGS,
  dwtSpareFor, dwtSpareKeep, touchRect,
} from "./decoder";
import { PackedOutput, writeOutputPacked, deferTop, fusedComps, fusedInit, fusedStep, fusedLowRows, fusedSweep53 } from "./decode_output";
import { arenaAlloc, arenaAllocZeroed, arenaAllocArray, arenaAllocArrayZeroed, arenaMark, arenaRelease } from "./util/arena";
import { fail } from "./util/fail";
import * as E from "./util/error_codes";
import { MAX_BLOCK_SAMPLES } from "./util/constants";
import { ceilDiv, ceilDivPow2 } from "./util/math";
import { suppliedAny, suppliedBlock } from "./supplied_blocks";

const NONE: i32 = 0x7fffffff;

/** Decoded code-block rows of one band kept for later strips. */
@unmanaged
export class BandCache {
  /** K slots of (1 << cbh) rows x width samples (i32 or f32 bits, as the DWT buffer). */
  slots: usize;
  k: i32;
  /** Band columns kept: [x0, x0 + width) (the band window's columns, fixed for a session). */
  x0: i32;
  width: i32;
  /** Cached code-block rows [lo, hi). */
  lo: i32;
  hi: i32;
  /** First band row the next strip needs (NONE: no later strip needs this band). */
  nextWy0: i32;
}

/** One tile of a session. */
@unmanaged
export class StripTile {
  tile: Tile;
  /** i32[C]: resolution decoded per component (-1: not decoded in this session). */
  topRes: usize;
  /** usize[C]: BandCache[numRes * 3] per component (index r*3 + k; r = 0 uses k = 0). */
  caches: usize;
  /** i32[C]: output window columns [ox0, ox1) at topRes (fixed for the session). */
  ox0: usize;
  ox1: usize;
}

@unmanaged
export class StripSession {
  job: DecodeJob;
  /** usize[numTiles] StripTile */
  tiles: usize;
  numTiles: i32;
  /** Reduced-grid rows per strip (the first strip: `first`), and the session's rows on the reduced grid [g0, g1). */
  rows: i32;
  first: i32;
  g0: i32;
  g1: i32;
  /** Output region rows on the reference grid [y0, y1) (the job's region may start `up` rows above). */
  y0: i32;
  y1: i32;
  up: i32;
  next: i32;
  count: i32;
  /** Arena position after the open: strips allocate above it. */
  mark: usize;
  /** Rows of the strip just decoded: reduced grid [gy0, gy1), decoded reference rows [ry0, ry1). */
  gy0: i32;
  gy1: i32;
  ry0: i32;
  ry1: i32;
  /** Bytes of the caches (for the host's accounting). */
  cacheBytes: f64;
  /** Code-blocks decoded by the strips so far (each block at most once: tests check it). */
  blocksDecoded: f64;
  /** PackedOutput of the strips when the host asked for packed samples (stripPacked), else 0. */
  out: usize;
  /** Packed samples of the strip decoded last (out != 0). */
  packed: usize;
  /** Some tile meeting the region has no data (its area stays 0). */
  gaps: i32;
}

// @ts-ignore: decorator
@inline
function stripTile(s: StripSession, i: i32): StripTile {
  return changetype<StripTile>(load<usize>(s.tiles + (<usize>i << alignof<usize>())));
}

// @ts-ignore: decorator
@inline
function bandCache(st: StripTile, c: i32, r: i32, k: i32): BandCache {
  let arr = load<usize>(st.caches + (<usize>c << alignof<usize>()));
  return changetype<BandCache>(arr + <usize>(r * 3 + k) * offsetof<BandCache>());
}

/** Reference rows [ry0, ry1) the strip `i` decodes (before the `up` extension) and its grid rows. */
function stripRows(s: StripSession, i: i32, out: usize): void {
  let sc = s.job.reduce;
  let a = i == 0 ? s.g0 : s.g0 + s.first + (i - 1) * s.rows;
  let b = min(s.g1, i == 0 ? a + s.first : a + s.rows);
  // reduced grid row g holds reference rows y with ceil(y / 2^reduce) = g, i.e. ((g-1)2^r, g 2^r]
  let ya = i == 0 ? s.y0 : (<i32>(<i64>(a - 1) << sc) + 1);
  let yb = b == s.g1 ? s.y1 : (<i32>(<i64>(b - 1) << sc) + 1);
  store<i32>(out, a);
  store<i32>(out, b, 4);
  store<i32>(out, max(s.job.ry0, ya - s.up), 8);
  store<i32>(out, yb, 12);
}

/** Plane rows of component c for reference rows [ya, yb) (B-1, then B-14 at the reduced resolution). */
// @ts-ignore: decorator
@inline
function planeRow(y: i32, dy: i32, reduce: i32): i32 {
  return <i32>ceilDivPow2(ceilDiv<i64>(y, dy), reduce);
}

/**
 * Open a session decoding the region [rx0, rx1) x [ry0, ry1) of the reference grid at `reduce`, in
 * strips of `rows` reduced-grid rows (the first one `first` rows), each extended `up` reference rows
 * upwards (sub-sampled components). The codestream is the one parsed last (decoderParse).
 * `wantMask`: u8 per component.
 */
export function stripOpen(
  cs: Codestream, reduce: i32, layers: i32, rx0: i32, ry0: i32, rx1: i32, ry1: i32,
  allowPartial: i32, wantMask: usize, maxCblks: i64, rows: i32, first: i32, up: i32,
): StripSession {
  if (rows < 1 || first < 1 || up < 0 || rx1 <= rx0 || ry1 <= ry0) fail(E.ERR_INVALID_ARGUMENT, -1, rows, up);
  let siz = cs.siz;
  let C = siz.Csiz;
  let s = changetype<StripSession>(arenaAllocZeroed(offsetof<StripSession>()));
  let job = changetype<DecodeJob>(arenaAllocZeroed(offsetof<DecodeJob>()));
  s.job = job;
  job.cs = cs;
  job.reduce = reduce;
  job.layers = layers;
  job.allowPartial = allowPartial;
  job.rx0 = rx0;
  job.rx1 = rx1;
  job.ry0 = max(<i32>siz.YOsiz, ry0 - up);
  job.ry1 = ry1;
  job.maxCblks = maxCblks;
  s.y0 = ry0;
  s.y1 = ry1;
  s.up = up;
  s.rows = rows;
  s.first = first;
  s.g0 = <i32>ceilDivPow2(<i64>ry0, reduce);
  s.g1 = <i32>ceilDivPow2(<i64>ry1, reduce);
  s.count = 1 + (max(s.g1 - s.g0 - first, 0) + rows - 1) / rows;
  // planes: which components, and their columns (rows are set per strip)
  job.planes = arenaAllocZeroed(<usize>C * offsetof<Plane>());
  for (let c = 0; c < C; c++) {
    let pl = plane(job, c);
    pl.wanted = wantMask == 0 ? 1 : <i32>load<u8>(wantMask + <usize>c);
    pl.decode = pl.wanted;
  }
  if (cs.gcod.mct != 0 && C >= 3 && (plane(job, 0).wanted | plane(job, 1).wanted | plane(job, 2).wanted) != 0) {
    plane(job, 0).decode = 1;
    plane(job, 1).decode = 1;
    plane(job, 2).decode = 1;
  }
  for (let c = 0; c < C; c++) {
    let pl = plane(job, c);
    let cz = compSiz(siz, c);
    pl.x0 = <i32>ceilDivPow2(ceilDiv<i64>(job.rx0, cz.dx), reduce);
    pl.x1 = <i32>ceilDivPow2(ceilDiv<i64>(job.rx1, cz.dx), reduce);
    pl.y0 = <i32>ceilDivPow2(ceilDiv<i64>(job.ry0, cz.dy), reduce);
    pl.y1 = <i32>ceilDivPow2(ceilDiv<i64>(job.ry1, cz.dy), reduce);
  }
  job.segLens = arenaAlloc(<usize>MAX_SEGS * 4);
  job.segPasses = arenaAlloc(<usize>MAX_SEGS * 4);
  job.cbOut = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * 4);
  job.cbDataCap = 0;

  // tiles of the region
  let probe = changetype<TileParams>(arenaAllocZeroed(offsetof<TileParams>()));
  // only the cells of the tile grid (B.3) that can meet the region: a session per row of tiles must
  // not visit every tile of the image (a tall image of many tiles was quadratic: 13,798 tile rows took
  // 2.7 s in strips against 0.1 s in one piece)
  let pa = gridFirst(job.rx0, siz.XTOsiz, siz.XTsiz, siz.tilesX), pb = gridEnd(job.rx1, siz.XTOsiz, siz.XTsiz, siz.tilesX);
  let qa = gridFirst(job.ry0, siz.YTOsiz, siz.YTsiz, siz.tilesY), qb = gridEnd(job.ry1, siz.YTOsiz, siz.YTsiz, siz.tilesY);
  let n = 0;
  for (let q = qa; q < qb; q++) {
    for (let p = pa; p < pb; p++) {
      let t = q * siz.tilesX + p;
      tileBounds(cs, t, probe);
      if (probe.tx1 <= job.rx0 || probe.tx0 >= job.rx1 || probe.ty1 <= job.ry0 || probe.ty0 >= job.ry1) continue;
      n++;
    }
  }
  s.tiles = arenaAllocZeroed(<usize>max(n, 1) * sizeof<usize>());
  for (let t = 0; t < siz.numTiles; t++) {
    let q = t / siz.tilesX, p = t % siz.tilesX;
    if (q < qa) {
      t = qa * siz.tilesX - 1;
      continue;
    }
    if (q >= qb) break;
    if (p < pa || p >= pb) continue;
    if (!tileToDecode(job, t, probe)) continue;
    let st = openTile(job, t);
    store<usize>(s.tiles + (<usize>s.numTiles << alignof<usize>()), changetype<usize>(st));
    s.numTiles++;
  }
  s.gaps = s.numTiles != n ? 1 : 0;
  planCaches(s);
  s.mark = arenaMark();
  return s;
}

/**
 * Deliver the session's strips as interleaved host samples (`bytesPerSample` 1, 2 or 4, `signed`)
 * instead of i32 planes: inverse MCT, DC shift, clamp and packing run per tile on its buffers
 * (writeOutputPacked of codec/decode_output.ts, the same kernels as writeOutput + packInterleaved),
 * so no plane is allocated, zeroed or copied. Only when every component is decoded, none is
 * sub-sampled and no strip is extended upwards; before the first strip.
 */
export function stripPacked(s: StripSession, bytesPerSample: i32, signed: i32): void {
  let job = s.job;
  let siz = job.cs.siz;
  let C = siz.Csiz;
  if (s.next != 0 || s.up != 0 || (bytesPerSample != 1 && bytesPerSample != 2 && bytesPerSample != 4)) fail(E.ERR_INVALID_ARGUMENT, -1, s.next, bytesPerSample);
  for (let c = 0; c < C; c++) {
    let cz = compSiz(siz, c);
    let pl = plane(job, c);
    if (pl.wanted == 0 || pl.decode == 0 || cz.dx != 1 || cz.dy != 1) fail(E.ERR_INVALID_ARGUMENT, -1, c, 0);
  }
  let out = changetype<PackedOutput>(arenaAllocZeroed(offsetof<PackedOutput>()));
  let p0 = plane(job, 0);
  out.numComps = C;
  out.compStep = bytesPerSample;
  out.sampleStep = C;
  out.rowStride = (p0.x1 - p0.x0) * C;
  out.bytesPerSample = bytesPerSample;
  out.signed = signed;
  out.x0 = p0.x0;
  s.out = changetype<usize>(out);
  s.mark = arenaMark();
}

/** First tile index along one axis whose span [off + i·size, off + (i+1)·size) can reach past `lo` (clamped to 0..count). */
function gridFirst(lo: i32, off: i32, size: i32, count: i32): i32 {
  let i = (<i64>lo - <i64>off) / <i64>size;
  return <i32>min(max(i, <i64>0), <i64>count);
}

/** One past the last tile index along one axis whose span starts before `hi` (clamped to 0..count). */
function gridEnd(hi: i32, off: i32, size: i32, count: i32): i32 {
  let d = <i64>hi - 1 - <i64>off;
  let i = d < 0 ? <i64>0 : d / <i64>size + 1;
  return <i32>min(max(i, <i64>0), <i64>count);
}

/** resolveTile + buildTile + windows of the session region + T2 (all packets of the tile, once). */
function openTile(job: DecodeJob, t: i32): StripTile {
  let cs = job.cs;
  let tp = resolveTile(cs, t);
  let tile = buildTile(cs, tp, job.maxCblks);
  let C = tile.numComps;
  let st = changetype<StripTile>(arenaAllocZeroed(offsetof<StripTile>()));
  st.tile = tile;
  st.topRes = arenaAlloc(<usize>C * 4);
  st.ox0 = arenaAlloc(<usize>C * 4);
  st.ox1 = arenaAlloc(<usize>C * 4);
  st.caches = arenaAllocZeroed(<usize>C * sizeof<usize>());
  for (let c = 0; c < C; c++) {
    let tc = tileComp(tile, c);
    let pl = plane(job, c);
    store<i32>(st.topRes + (<usize>c << 2), -1);
    if (pl.decode == 0) {
      markNoneNeeded(tc);
      continue;
    }
    let R = tc.numRes - 1 - job.reduce;
    if (R < 0) fail(E.ERR_INVALID_ARGUMENT, -1, job.reduce, tc.numRes - 1);
    let res = resolution(tc, R);
    let ox0 = max(res.x0, pl.x0), ox1 = min(res.x1, pl.x1);
    let oy0 = max(res.y0, pl.y0), oy1 = min(res.y1, pl.y1);
    if (ox1 <= ox0 || oy1 <= oy0) {
      markNoneNeeded(tc);
      continue;
    }
    store<i32>(st.topRes + (<usize>c << 2), R);
    store<i32>(st.ox0 + (<usize>c << 2), ox0);
    store<i32>(st.ox1 + (<usize>c << 2), ox1);
    setWindows(tc, R, ox0, oy0, ox1, oy1);
    store<usize>(st.caches + (<usize>c << alignof<usize>()), arenaAllocZeroed(<usize>tc.numRes * 3 * offsetof<BandCache>()));
  }
  // T2 over the whole tile, as decodeTile: no packet of a resolution above every component's decoded
  // one is needed, and the resolution-major orders stop before them (runProgressions; B.12.1.2-3) — so
  // a codestream truncated among those packets decodes at a reduced resolution in strips as in one piece
  let resCap = 0;
  for (let c = 0; c < C; c++) resCap = max(resCap, load<i32>(st.topRes + (<usize>c << 2)) + 1);
  readTilePackets(job, tile, t, tp, resCap);
  return st;
}

/**
 * Output window rows of tile-component `tc` (component c) for strip `i` at its decoded resolution;
 * false when the strip has no rows of it.
 */
function stripWindow(s: StripSession, st: StripTile, tc: TileComp, i: i32, rows: usize): bool {
  let R = load<i32>(st.topRes + (<usize>tc.c << 2));
  if (R < 0) return false;
  stripRows(s, i, rows);
  let ya = load<i32>(rows, 8), yb = load<i32>(rows, 12);
  let py0 = planeRow(ya, tc.dy, s.job.reduce), py1 = planeRow(yb, tc.dy, s.job.reduce);
  let res = resolution(tc, R);
  let oy0 = max(res.y0, py0), oy1 = min(res.y1, py1);
  if (oy1 <= oy0) return false;
  computeWindows(tc, R, load<i32>(st.ox0 + (<usize>tc.c << 2)), oy0, load<i32>(st.ox1 + (<usize>tc.c << 2)), oy1);
  store<i32>(rows, oy0, 16);
  store<i32>(rows, oy1, 20);
  return true;
}

/** Code-block rows [lo, hi) a band window spans (lo = hi when empty). */
// @ts-ignore: decorator
@inline
function rowLo(bd: Band): i32 {
  return bd.wy0 >> bd.cbh;
}
// @ts-ignore: decorator
@inline
function rowHi(bd: Band): i32 {
  return bd.wy1 > bd.wy0 ? ((bd.wy1 - 1) >> bd.cbh) + 1 : bd.wy0 >> bd.cbh;
}

/** Size the caches: K per band = the most code-block rows a window spans in any strip but the last. */
function planCaches(s: StripSession): void {
  let rows = arenaAlloc(32);
  let total: f64 = 0;
  for (let ti = 0; ti < s.numTiles; ti++) {
    let st = stripTile(s, ti);
    let tile = st.tile;
    for (let c = 0; c < tile.numComps; c++) {
      let tc = tileComp(tile, c);
      let R = load<i32>(st.topRes + (<usize>c << 2));
      if (R < 0) continue;
      for (let i = 0; i + 1 < s.count; i++) {
        if (!stripWindow(s, st, tc, i, rows)) continue;
        for (let r = 0; r <= R; r++) {
          let res = resolution(tc, r);
          for (let k = 0; k < res.numBands; k++) {
            let bd = band(res, k);
            let bc = bandCache(st, c, r, k);
            bc.k = max(bc.k, rowHi(bd) - rowLo(bd));
          }
        }
      }
      for (let r = 0; r <= R; r++) {
        let res = resolution(tc, r);
        for (let k = 0; k < res.numBands; k++) {
          let bd = band(res, k);
          let bc = bandCache(st, c, r, k);
          bc.lo = 0;
          bc.hi = 0;
          bc.nextWy0 = NONE;
          if (bc.k == 0) continue;
          // the band window's columns are the same in every strip (computed in the loop above)
          bc.x0 = bd.wx0;
          bc.width = bd.wx1 - bd.wx0;
          let bytes = <u64>bc.k * (<u64>1 << <u64>bd.cbh) * <u64>max(bc.width, 0);
          bc.slots = arenaAllocArray(max(bytes, 1), 4);
          total += <f64>bytes * 4;
        }
      }
    }
  }
  s.cacheBytes = total;
}

/**
 * Decode the next strip into planes (component rows of the strip's reference rows). Returns 1 when
 * a strip was decoded, 0 when the session is done.
 */
export function stripRun(s: StripSession): i32 {
  if (s.next >= s.count) return 0;
  arenaRelease(s.mark);
  let i = s.next++;
  let job = s.job;
  let cs = job.cs;
  let C = cs.siz.Csiz;
  let rows = arenaAlloc(32);
  stripRows(s, i, rows);
  s.gy0 = load<i32>(rows);
  s.gy1 = load<i32>(rows, 4);
  s.ry0 = load<i32>(rows, 8);
  s.ry1 = load<i32>(rows, 12);
  for (let c = 0; c < C; c++) {
    let pl = plane(job, c);
    let cz = compSiz(cs.siz, c);
    pl.y0 = planeRow(s.ry0, cz.dy, job.reduce);
    pl.y1 = planeRow(s.ry1, cz.dy, job.reduce);
    pl.data = 0;
    if (pl.decode != 0 && s.out == 0) {
      let n = <u64>max(pl.x1 - pl.x0, 0) * <u64>max(pl.y1 - pl.y0, 0);
      pl.data = arenaAllocArrayZeroed(max(n, 1), 4);
    }
  }
  if (s.out != 0) {
    // packed: every sample of the strip is written by its tile, unless a tile has no data
    let out = changetype<PackedOutput>(s.out);
    let n = <u64>out.rowStride * <u64>max(s.gy1 - s.gy0, 0);
    s.packed = s.gaps != 0 ? arenaAllocArrayZeroed(max(n, 1), <u64>out.bytesPerSample) : arenaAllocArray(max(n, 1), <u64>out.bytesPerSample);
    out.dst = s.packed;
    out.dstBytes = <f64>n * <f64>out.bytesPerSample;
    out.y0 = s.gy0;
  }
  let last = i + 1 >= s.count;
  for (let ti = 0; ti < s.numTiles; ti++) {
    let st = stripTile(s, ti);
    let tile = st.tile;
    let mark = arenaMark();
    job.cbDataCap = 0; // block scratch is released with the tile
    job.dwtSpare = 0; // released with the tile
    job.dwtSpareBytes = 0;
    // where the next strip starts in every band (what is worth keeping)
    for (let c = 0; c < tile.numComps; c++) {
      let tc = tileComp(tile, c);
      let R = load<i32>(st.topRes + (<usize>c << 2));
      if (R < 0) continue;
      let has = !last && stripWindow(s, st, tc, i + 1, rows);
      for (let r = 0; r <= R; r++) {
        let res = resolution(tc, r);
        for (let k = 0; k < res.numBands; k++) {
          let bd = band(res, k);
          bandCache(st, c, r, k).nextWy0 = has && bd.wy1 > bd.wy0 ? bd.wy0 : NONE;
        }
      }
    }
    let pending = 0;
    for (let c = 0; c < tile.numComps; c++) {
      let tc = tileComp(tile, c);
      if (stripWindow(s, st, tc, i, rows)) {
        tc.topRes = load<i32>(st.topRes + (<usize>c << 2));
        tc.ox0 = load<i32>(st.ox0 + (<usize>c << 2));
        tc.ox1 = load<i32>(st.ox1 + (<usize>c << 2));
        tc.oy0 = load<i32>(rows, 16);
        tc.oy1 = load<i32>(rows, 20);
        // (the top level may be left to the output stage, fused with it: decode_output.ts deferTop;
        // its HL, LH and HH sub-bands are then filled below, with it)
        if (reconstructStrip(s, job, st, tc, deferTop(s.out, tile, tc))) pending |= 1 << c;
      } else {
        tc.topRes = -1;
      }
    }
    if (s.out != 0) {
      let out = changetype<PackedOutput>(s.out);
      let mct = mctApplies(tile);
      if (pending != 0 && !fillTopInterleaved(s, job, st, tile, out, mct, pending)) {
        // (5/3 top levels left pending have their sub-bands still to fill)
        for (let c = 0; c < tile.numComps; c++) {
          let tc = tileComp(tile, c);
          if ((pending & (1 << c)) != 0 && tc.style.reversible != 0) fillTopBands(s, job, st, tc, 0, i32.MAX_VALUE);
        }
        writeOutputPacked(out, tile, mct, pending);
      } else if (pending == 0) {
        writeOutputPacked(out, tile, mct, 0);
      }
    } else {
      writeOutput(job, tile);
    }
    arenaRelease(mark);
  }
  return 1;
}

/**
 * reconstructComponent of codec/decoder.ts over the strip's windows, bands filled through the caches.
 * 5/3 levels run out of place (dwt53InverseLevelTo: one sweep over the level instead of a row pass
 * and a column pass) between tc.buf and the tile's spare buffer of the same size; tc.buf follows the
 * samples, and the buffer left over becomes the spare of the next component. `leaveTop`: the top
 * level is left to the output stage (returns whether it was).
 */
function reconstructStrip(s: StripSession, job: DecodeJob, st: StripTile, tc: TileComp, leaveTop: bool): bool {
  let R = tc.topRes;
  let bw = windowBufferWidth(tc, R);
  let bh = windowBufferHeight(tc, R);
  let rev = tc.style.reversible != 0;
  // SLACK_ROWS more rows per level that starts where the rows it takes from the level below begin
  // (those rows' window starts up to the filter margin lower) instead of moving them up: one level
  // for the 5/3 (out of place: each level writes the other buffer from its first row), all of them
  // for the 9/7 (in place: the starts add up)
  let rows = R > 0 ? bh + SLACK_ROWS * (rev ? 1 : R) : bh;
  tc.stride = max(bw, 1);
  tc.buf = arenaAllocArray(<u64>tc.stride * <u64>max(rows, 1), 4);
  let tmp = arenaAlloc(dwtScratchBytes(max(bw, bh)));
  let other = rev && R > 0 ? dwtSpareFor(job, tc, rows) : 0;
  let cur = tc.buf; // start of the buffer holding the samples ...
  let at = 0; // ... and the row of it where they start (tc.buf)
  let rowBytes = <usize>tc.stride << 2;
  let r0 = resolution(tc, 0);
  fillBandCached(s, job, tc, r0, band(r0, 0), bandCache(st, tc.c, 0, 0), 0, 0, 0, i32.MAX_VALUE);
  for (let r = 1; r <= R; r++) {
    let res = resolution(tc, r);
    let prev = resolution(tc, r - 1);
    let hl = band(res, 0);
    let lh = band(res, 1);
    let lowRows = hl.wy1 - hl.wy0;
    let lowCols = lh.wx1 - lh.wx0;
    let w = res.wx1 - res.wx0, h = res.wy1 - res.wy0;
    // the LL quadrant: the previous level's output from (sx, sy) on (its window has the margin too)
    let sx = lh.wx0 - prev.wx0, sy = hl.wy0 - prev.wy0;
    if (sx == 0 && at + sy + h <= rows) {
      at += sy; // this level's layout starts there (the rows below are free)
    } else {
      moveToOrigin(cur, tc.stride, sx, at + sy, lowCols, lowRows);
      at = 0;
    }
    tc.buf = cur + <usize>at * rowBytes;
    // (a 5/3 top level left to the output stage gets its sub-bands there: stripRun, fillTopBands)
    if (r == R && leaveTop && rev) break;
    fillBandCached(s, job, tc, res, hl, bandCache(st, tc.c, r, 0), lowCols, 0, 0, i32.MAX_VALUE);
    fillBandCached(s, job, tc, res, lh, bandCache(st, tc.c, r, 1), 0, lowRows, 0, i32.MAX_VALUE);
    fillBandCached(s, job, tc, res, band(res, 2), bandCache(st, tc.c, r, 2), lowCols, lowRows, 0, i32.MAX_VALUE);
    if (r == R && leaveTop) break;
    if (rev) {
      // out of place into the other buffer's first rows; the two buffers swap
      dwt53InverseLevelTo(tc.buf, other, tc.stride, w, h, res.wx0 & 1, res.wy0 & 1, tmp);
      let t = cur;
      cur = other;
      other = t;
      at = 0;
      tc.buf = cur;
    } else {
      dwt97InverseLevel(tc.buf, tc.stride, w, h, res.wx0 & 1, res.wy0 & 1, tmp);
    }
  }
  if (other != 0) dwtSpareKeep(job, tc, rows, other);
  return leaveTop && R > 0;
}

/**
 * The HL, LH and HH sub-bands of component tc's top level, left to the output stage
 * (reconstructStrip with leaveTop), code-block rows [ja, jb) of each: into tc.buf, where the level's
 * LL quadrant is.
 */
function fillTopBands(s: StripSession, job: DecodeJob, st: StripTile, tc: TileComp, ja: i32, jb: i32): void {
  let R = tc.topRes;
  let res = resolution(tc, R);
  let hl = band(res, 0);
  let lh = band(res, 1);
  let lowRows = hl.wy1 - hl.wy0;
  let lowCols = lh.wx1 - lh.wx0;
  fillBandCached(s, job, tc, res, hl, bandCache(st, tc.c, R, 0), lowCols, 0, ja, jb);
  fillBandCached(s, job, tc, res, lh, bandCache(st, tc.c, R, 1), 0, lowRows, ja, jb);
  fillBandCached(s, job, tc, res, band(res, 2), bandCache(st, tc.c, R, 2), lowCols, lowRows, ja, jb);
}

/**
 * The fused top 5/3 level of the tile (decode_output.ts fusedComps: RCT of three components, or one
 * component) with its sub-bands filled a code-block row at a time: code-block row j of every
 * component's HL, LH and HH, then the level swept as far as those rows allow. The sub-band rows go to
 * rings of two code-block rows per component (sweep53SetRing) instead of the strip's window buffers:
 * the memory a row is written to was read by the sweep a moment before, so it is in the cache (a
 * strip's window buffers are tens of MB, and every first touch of them went to memory). Each block
 * is still decoded once, and the sweep's operations are those of one run (fusedStep stops between
 * batches). false when it does not apply (nothing done).
 */
function fillTopInterleaved(s: StripSession, job: DecodeJob, st: StripTile, tile: Tile, out: PackedOutput, mct: bool, pending: i32): bool {
  let fc = fusedComps(tile, mct, pending);
  if (fc == 0) return false;
  let a = tileComp(tile, 0);
  if (a.style.reversible == 0) return false;
  let R = a.topRes;
  let res = resolution(a, R);
  let hl = band(res, 0), lh = band(res, 1), hh = band(res, 2);
  // the same code-block height in the three sub-bands of every component (code-block row j holds
  // low rows of HL and high rows of LH and HH); fusedTopFits: the same band windows in each
  let cbh = hl.cbh;
  for (let c = 0; c < fc; c++) {
    let tc = tileComp(tile, c);
    if (tc.topRes != R) return false;
    let r = resolution(tc, R);
    if (band(r, 0).cbh != cbh || band(r, 1).cbh != cbh || band(r, 2).cbh != cbh) return false;
  }
  // the ring holds code-block rows j − 1 and j: the sweep must be past row j − 2's rows once row j
  // is filled, i.e. the window starts of HL and LH/HH differ by much less than a code-block height;
  // rows of both halves (a 1-column level keeps its one sample in the LL part: no ring)
  let lowCols = lh.wx1 - lh.wx0, highCols = hl.wx1 - hl.wx0;
  if (hh.wy0 != lh.wy0 || hh.wy1 != lh.wy1 || abs(hl.wy0 - lh.wy0) > 4 || cbh < 4 || lowCols < 1 || highCols < 1) return false;
  let f = fusedInit(out, tile, fc);
  let yo = res.wy0 & 1;
  let nL = fusedLowRows(f);
  let ringRows = 2 << cbh;
  let rings = arenaAlloc(<usize>fc * 2 * sizeof<usize>());
  for (let c = 0; c < fc; c++) {
    let tc = tileComp(tile, c);
    let bytes = (<usize>ringRows * <usize>tc.stride) << 2;
    let hlRing = arenaAlloc(bytes), hiRing = arenaAlloc(bytes);
    store<usize>(rings + (<usize>(2 * c) << alignof<usize>()), hlRing);
    store<usize>(rings + (<usize>(2 * c + 1) << alignof<usize>()), hiRing);
    // low row n is HL row hl.wy0 + n, high row m is LH/HH row lh.wy0 + m
    sweep53SetRing(fusedSweep53(f, c), hlRing, hiRing, ringRows, hl.wy0 % ringRows, lh.wy0 % ringRows);
  }
  let jlo = min(rowLo(hl), rowLo(lh)), jhi = max(rowHi(hl), rowHi(lh));
  for (let j = jlo; j < jhi; j++) {
    for (let c = 0; c < fc; c++) {
      let tc = tileComp(tile, c);
      let rc = resolution(tc, R);
      let hlRing = load<usize>(rings + (<usize>(2 * c) << alignof<usize>()));
      let hiRing = load<usize>(rings + (<usize>(2 * c + 1) << alignof<usize>()));
      fillBandCached(s, job, tc, rc, band(rc, 0), bandCache(st, c, R, 0), lowCols, 0, j, j + 1, hlRing, ringRows);
      fillBandCached(s, job, tc, rc, band(rc, 1), bandCache(st, c, R, 1), 0, 0, j, j + 1, hiRing, ringRows);
      fillBandCached(s, job, tc, rc, band(rc, 2), bandCache(st, c, R, 2), lowCols, 0, j, j + 1, hiRing, ringRows);
    }
    // low row n needs its HL row hl.wy0 + n and the high rows up to n + yo (LH/HH row lh.wy0 + n + yo)
    let end = (j + 1) << cbh;
    let cap = j + 1 >= jhi ? nL : min(end - hl.wy0, end - lh.wy0 - yo);
    if (cap > 0) fusedStep(f, i32.MAX_VALUE, cap);
  }
  fusedStep(f, i32.MAX_VALUE, nL);
  return true;
}

/** Extra rows of a strip's window buffers per level (≥ the window margins of structure/window.ts, 2 and 4). */
const SLACK_ROWS: i32 = 4;

/**
 * fillBand of codec/decoder.ts with reuse: the band window's code-block rows come from the cache
 * when an earlier strip decoded them, else they are decoded — into the cache when the next strip
 * needs them too, straight into the buffer otherwise. The window's top-left goes to (qx, qy).
 * Code-block rows [ja, jb) of the window only (all: 0, i32.MAX_VALUE). With `ringRows` ≠ 0 the rows
 * go to `ring` instead (band row y at ring row y mod ringRows; qy is not used).
 */
function fillBandCached(s: StripSession, job: DecodeJob, tc: TileComp, res: Resolution, bd: Band, bc: BandCache, qx: i32, qy: i32, ja: i32, jb: i32, ring: usize = 0, ringRows: i32 = 0): void {
  let ww = bd.wx1 - bd.wx0, wh = bd.wy1 - bd.wy0;
  if (ww <= 0 || wh <= 0) return;
  let jlo = rowLo(bd), jhi = rowHi(bd);
  // rows above the window are never needed again
  if (bc.lo < jlo) bc.lo = jlo;
  if (bc.hi < bc.lo) bc.hi = bc.lo;
  let cbhs = 1 << bd.cbh;
  // (code-block rows [ja, jb) of the window only: fillTopBands, in increasing j)
  for (let j = max(jlo, ja); j < min(jhi, jb); j++) {
    let ya = max(bd.wy0, j << bd.cbh), yb = min(bd.wy1, (j + 1) << bd.cbh);
    // (into a ring of rows, fillTopInterleaved: band row y at ring row y mod ringRows, a multiple
    // of the code-block height, so the rows of one code-block row are consecutive)
    let dst = ringRows == 0
      ? tc.buf + ((<usize>(qy + ya - bd.wy0) * <usize>tc.stride + <usize>qx) << 2)
      : ring + ((<usize>(ya % ringRows) * <usize>tc.stride + <usize>qx) << 2);
    if (j >= bc.lo && j < bc.hi) {
      copyFromSlot(bc, j, ya, yb, bd.wx0, ww, dst, tc.stride, cbhs);
      continue;
    }
    if (bc.k > 0 && ((j + 1) << bd.cbh) > bc.nextWy0) {
      // keep it: the next strip needs it as well
      if (bc.hi != j) bc.lo = j; // rows before j are not needed by the next strip
      if (j - bc.lo + 1 > bc.k) fail(E.ERR_INTERNAL, -1, 61, j - bc.lo + 1);
      // this strip's rows go straight to the buffer; only the rows a later strip reads (from the
      // next strip's first band row on: windows only move down) are kept in the slot
      let slot = bc.slots + (((<usize>(j % bc.k) * <usize>cbhs) * <usize>bc.width) << 2);
      let rowStart = j << bd.cbh;
      let sa = max(max(bd.y0, rowStart), bc.nextWy0), sb = min(bd.y1, rowStart + cbhs);
      decodeBlockRow(s, job, tc, res, bd, j, dst, tc.stride, bd.wx0, ya, ya, yb, bd.wx0, bd.wx1, slot, bc.width, bc.x0, rowStart, sa, sb);
      bc.hi = j + 1;
    } else {
      decodeBlockRow(s, job, tc, res, bd, j, dst, tc.stride, bd.wx0, ya, ya, yb, bd.wx0, bd.wx1, 0, 0, 0, 0, 0, 0);
    }
  }
}

/** Band rows [ya, yb) x columns [x0, x0+w) of code-block row j from its slot. */
function copyFromSlot(bc: BandCache, j: i32, ya: i32, yb: i32, x0: i32, w: i32, dst: usize, dstStride: i32, cbhs: i32): void {
  let base = bc.slots + (((<usize>(j % bc.k) * <usize>cbhs) * <usize>bc.width) << 2);
  let rowStart = j * cbhs;
  // the destination lines into the cache with independent loads first (as decodeBlockRow does)
  touchRect(dst, dstStride, 0, 0, w, yb - ya);
  for (let y = ya; y < yb; y++) {
    let src = base + ((<usize>(y - rowStart) * <usize>bc.width + <usize>(x0 - bc.x0)) << 2);
    memory.copy(dst + ((<usize>(y - ya) * <usize>dstStride) << 2), src, <usize>w << 2);
  }
}

/**
 * Decode the code-blocks of code-block row j of band `bd` that meet columns [cx0, cx1) and write
 * their dequantised samples within rows [ya, yb) x [cx0, cx1) to `dst`: band sample (x, y) goes to
 * dst + ((y - dy0) * dstStride + (x - dx0)) * 4; samples of blocks without data are 0.
 * When `slot` ≠ 0, rows [sa, sb) x [cx0, cx1) go to `slot` as well (sample (x, y) at
 * slot + ((y - sy0) * slotStride + (x - sx0)) * 4): each block is decoded once.
 */
function decodeBlockRow(
  s: StripSession, job: DecodeJob, tc: TileComp, res: Resolution, bd: Band, j: i32,
  dst: usize, dstStride: i32, dx0: i32, dy0: i32, ya: i32, yb: i32, cx0: i32, cx1: i32,
  slot: usize, slotStride: i32, sx0: i32, sy0: i32, sa: i32, sb: i32,
): void {
  if (cx1 <= cx0) return;
  if (slot == 0 || sb <= sa) {
    slot = 0;
    if (yb <= ya) return;
  }
  let np = res.pw * res.ph;
  // The blocks of the row that meet [cx0, cx1) cover it (B.7) unless some precinct was never built
  // (no packet had data for it): then the rectangle is zeroed first, as before. Else only blocks
  // without data are zeroed, and the rectangle's lines are read into the cache first (touchRect: the
  // blocks' copies then write to cached lines; zeroing the rectangle did the same at the cost of a write).
  let covered = 0;
  for (let p = 0; p < np; p++) {
    let pb = precinctBand(bd, p);
    if (j < pb.cby0 || j >= pb.cby0 + pb.ch) continue;
    let iy = j - pb.cby0;
    for (let ix = 0; ix < pb.cw; ix++) {
      let cb = codeBlock(pb, iy * pb.cw + ix);
      covered += max(min(cb.x1, cx1) - max(cb.x0, cx0), 0);
    }
  }
  let gaps = covered != cx1 - cx0;
  if (gaps) {
    zeroRect(dst, dstStride, cx0 - dx0, ya - dy0, cx1 - cx0, yb - ya);
    if (slot != 0) zeroRect(slot, slotStride, cx0 - sx0, sa - sy0, cx1 - cx0, sb - sa);
  } else {
    touchRect(dst, dstStride, cx0 - dx0, ya - dy0, cx1 - cx0, yb - ya);
    if (slot != 0) touchRect(slot, slotStride, cx0 - sx0, sa - sy0, cx1 - cx0, sb - sa);
  }
  let rev = tc.style.reversible != 0;
  let halfStep = bd.step * 0.5;
  // HT blocks of a reversible band without ROI and without a slot copy can be decoded in place
  let direct = rev && tc.roi == 0 && slot == 0 && (tc.style.cblkStyle & CBLK_HT) != 0;
  for (let p = 0; p < np; p++) {
    let pb = precinctBand(bd, p);
    if (j < pb.cby0 || j >= pb.cby0 + pb.ch) continue;
    let iy = j - pb.cby0;
    for (let ix = 0; ix < pb.cw; ix++) {
      let cb = codeBlock(pb, iy * pb.cw + ix);
      if (cb.x1 <= cx0 || cb.x0 >= cx1) continue;
      s.blocksDecoded += 1;
      let x0 = max(cb.x0, cx0), x1 = min(cb.x1, cx1);
      // T1 output decoded by another thread (threaded decoding: a band decoded in strips, codec/supplied_blocks.ts)
      let out: usize = suppliedAny() ? suppliedBlock(tc.c, bd.index, tc.x0, tc.y0, cb.x0, cb.y0, cb.x1 - cb.x0, cb.y1 - cb.y0) : 0;
      if (out == 0 && direct && cb.htMode != HT_PART1 && cb.x0 >= cx0 && cb.x1 <= cx1 && cb.y0 >= ya && cb.y1 <= yb) {
        // an HT block wholly inside the rectangle: decoded straight into dst, dequantised (no copy
        // through job.cbOut)
        let bh = cb.y1 - cb.y0;
        let d = dst + ((<usize>(cb.y0 - dy0) * <usize>dstStride + <usize>(cb.x0 - dx0)) << 2);
        if (!decodeBlock(job, tc, bd, cb, d, dstStride) && !gaps) zeroRect(dst, dstStride, cb.x0 - dx0, cb.y0 - dy0, cb.x1 - cb.x0, bh);
        continue;
      }
      if (out == 0 && decodeBlock(job, tc, bd, cb)) out = job.cbOut;
      if (out == 0) {
        if (!gaps) {
          zeroRect(dst, dstStride, x0 - dx0, max(cb.y0, ya) - dy0, x1 - x0, min(cb.y1, yb) - max(cb.y0, ya));
          if (slot != 0) zeroRect(slot, slotStride, x0 - sx0, max(cb.y0, sa) - sy0, x1 - x0, min(cb.y1, sb) - max(cb.y0, sa));
        }
        continue;
      }
      if (x1 <= x0) continue;
      let bw = cb.x1 - cb.x0;
      let y0 = max(cb.y0, ya), y1 = min(cb.y1, yb);
      if (y1 > y0) {
        let src = out + ((<usize>(y0 - cb.y0) * <usize>bw + <usize>(x0 - cb.x0)) << 2);
        let d = dst + ((<usize>(y0 - dy0) * <usize>dstStride + <usize>(x0 - dx0)) << 2);
        if (rev) dequantCopyRev(src, x1 - x0, y1 - y0, bw, d, dstStride, tc.roi);
        else dequantCopyIrr(src, x1 - x0, y1 - y0, bw, d, dstStride, halfStep, tc.roi);
      }
      if (slot == 0) continue;
      y0 = max(cb.y0, sa);
      y1 = min(cb.y1, sb);
      if (y1 > y0) {
        let src = out + ((<usize>(y0 - cb.y0) * <usize>bw + <usize>(x0 - cb.x0)) << 2);
        let d = slot + ((<usize>(y0 - sy0) * <usize>slotStride + <usize>(x0 - sx0)) << 2);
        if (rev) dequantCopyRev(src, x1 - x0, y1 - y0, bw, d, slotStride, tc.roi);
        else dequantCopyIrr(src, x1 - x0, y1 - y0, bw, d, slotStride, halfStep, tc.roi);
      }
    }
  }
}
