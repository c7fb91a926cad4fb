// Decoder orchestration: one short pass over Annexes B-G per tile.
//   resolveTile (tile-part headers) → buildTile (B) → windows → T2 packets (B.9-B.12)
//   → per band: T1 block decoding (C, D) + dequantisation into the buffer (E)
//   → inverse DWT level by level (F) → inverse MCT + DC shift + clamp (G) → output planes, or
//   straight into the host's layout (decode_output.ts) when the host set one (decoderSetPacked).

import { Codestream, TileParams, resolveTile, tileBounds } from "./codestream/header";
import { compSiz, CBLK_HT } from "./codestream/params";
import {
  Tile, TileComp, Resolution, Band, PrecinctBand, CodeBlock, Piece, HT_PART1,
  buildTile, tileComp, resolution, band, precinctBand, codeBlock, precinctBandShiftX, precinctBandShiftY,
} from "./structure/tile";
import { setWindows, windowBufferWidth, windowBufferHeight } from "./structure/window";
import { T2Context, T2_DECODE } from "./t2/context";
import { BitReader, bitReaderInit } from "./t2/bit_reader";
import { runProgressions } from "./t2/progression";
import { decodeCodeBlock } from "./t1/block_coder";
import { htSetHalf } from "./t1/ht_decoder";
import { suppliedAny, suppliedBlock } from "./supplied_blocks";
import { dequantCopyRev, dequantCopyIrr } from "./quant/dequantize";
import { dwt53InverseLevelTo, dwt97InverseLevel, dwtScratchBytes } from "./transform/exports";
import { rctInverseToOutput, ictInverseToOutput, shiftClampI32, roundShiftClampF32 } from "./transform/exports";
import { arenaAlloc, arenaAllocZeroed, arenaAllocArray, arenaAllocArrayZeroed, arenaMark, arenaRelease } from "./util/arena";
import { fail } from "./util/fail";
import * as E from "./util/error_codes";
import { MAX_BLOCK_SAMPLES } from "./util/constants";
import { ceilDiv, ceilDivPow2 } from "./util/math";
import { PackedOutput, writeOutputPacked, zeroPackedTile, deferTop } from "./decode_output";

export const MAX_SEGS: i32 = 256;

/** An output component plane (i32 samples after DC shift and clamp), at reduced resolution. */
@unmanaged
export class Plane {
  /** Window covered, in the component's reduced coordinates. */
  x0: i32;
  y0: i32;
  x1: i32;
  y1: i32;
  data: usize;
  /** 1 if this component is returned. */
  wanted: i32;
  /** 1 if it must be decoded (wanted, or needed by the inverse MCT). */
  decode: i32;
}

@unmanaged
export class DecodeJob {
  cs: Codestream;
  reduce: i32;
  layers: i32;
  allowPartial: i32;
  /** Region on the reference grid [rx0, rx1) x [ry0, ry1). */
  rx0: i32;
  ry0: i32;
  rx1: i32;
  ry1: i32;
  /** Plane[Csiz] */
  planes: usize;
  partial: i32;
  /** Tiles with no data in a complete codestream (left at 0). */
  missingTiles: i32;
  /** Tiles whose data ended cleanly before their last packets (remaining packets taken as empty). */
  shortTiles: i32;
  /** Scratch shared by all code-blocks. */
  cbData: usize;
  cbDataCap: i32;
  segLens: usize;
  segPasses: usize;
  cbOut: usize;
  maxCblks: i64;
  /** Codeword segments in segLens/segPasses for the block decodeBlock decoded last (codec/transcode.ts reads them). */
  lastSegs: i32;
  /** Output straight into the host's layout (decode_output.ts) instead of planes; 0 = planes. */
  out: usize;
  /**
   * Second window buffer of the tile being decoded for the out-of-place 5/3 levels
   * (dwt53InverseLevelTo), shared by its components, and its size in bytes (0: none yet; reset with
   * the tile's arena).
   */
  dwtSpare: usize;
  dwtSpareBytes: usize;
}

// @ts-ignore: decorator
@inline
export function plane(job: DecodeJob, c: i32): Plane {
  return changetype<Plane>(job.planes + <usize>c * offsetof<Plane>());
}


/** Allocate the output planes. `wantMask` = u8 per component (0 = all components). */
export function decodeSetup(job: DecodeJob, wantMask: usize, mctNeeds: bool): void {
  let cs = job.cs;
  let siz = cs.siz;
  let C = siz.Csiz;
  job.planes = arenaAllocZeroed(<usize>C * offsetof<Plane>());
  for (let c = 0; c < C; c++) {
    let pl = plane(job, c);
    pl.wanted = wantMask == 0 ? 1 : <i32>load<u8>(wantMask + <usize>c);
    pl.decode = pl.wanted;
  }
  if (mctNeeds && C >= 3) {
    let any = plane(job, 0).wanted | plane(job, 1).wanted | plane(job, 2).wanted;
    if (any != 0) {
      plane(job, 0).decode = 1;
      plane(job, 1).decode = 1;
      plane(job, 2).decode = 1;
    }
  }
  for (let c = 0; c < C; c++) {
    let pl = plane(job, c);
    let cz = compSiz(siz, c);
    // component bounds of the region (B-1), then reduced resolution (B-14 with NL - r = reduce)
    pl.x0 = <i32>ceilDivPow2(ceilDiv<i64>(job.rx0, cz.dx), job.reduce);
    pl.y0 = <i32>ceilDivPow2(ceilDiv<i64>(job.ry0, cz.dy), job.reduce);
    pl.x1 = <i32>ceilDivPow2(ceilDiv<i64>(job.rx1, cz.dx), job.reduce);
    pl.y1 = <i32>ceilDivPow2(ceilDiv<i64>(job.ry1, cz.dy), job.reduce);
    if (pl.decode != 0 && job.out == 0) {
      let n = <u64>max(pl.x1 - pl.x0, 0) * <u64>max(pl.y1 - pl.y0, 0);
      pl.data = arenaAllocArrayZeroed(max(n, 1), 4); // 64-bit size check: never wraps at 2^32
    }
  }
  job.segLens = arenaAlloc(<usize>MAX_SEGS * 4);
  job.segPasses = arenaAlloc(<usize>MAX_SEGS * 4);
  job.cbOut = arenaAlloc(<usize>MAX_BLOCK_SAMPLES * 4);
  job.cbDataCap = 0;
}

/**
 * Whether tile `t` meets the region and has tile-parts to decode (`probe` receives its bounds). A
 * tile without tile-parts: tiles whose components are all empty (sub-sampling) carry no packets at
 * all; otherwise the area stays 0: an error for a truncated codestream (unless allowPartial), a
 * warning for a complete one (encoders may omit tiles; OpenJPEG does the same).
 */
export function tileToDecode(job: DecodeJob, t: i32, probe: TileParams): bool {
  let cs = job.cs;
  tileBounds(cs, t, probe);
  if (probe.tx1 <= job.rx0 || probe.tx0 >= job.rx1 || probe.ty1 <= job.ry0 || probe.ty0 >= job.ry1) return false;
  if (load<i32>(cs.partCount + (<usize>t << 2)) != 0) return true;
  if (!tileHasSamples(cs, probe)) return false;
  if (cs.truncated != 0) {
    job.partial = 1;
    if (job.allowPartial == 0) fail(E.ERR_PACKET_TRUNCATED, cs.len, t);
  } else {
    job.missingTiles++;
  }
  return false;
}

/** Decode every tile that intersects the region. */
export function decodeTiles(job: DecodeJob): void {
  let cs = job.cs;
  let siz = cs.siz;
  let probe = changetype<TileParams>(arenaAllocZeroed(offsetof<TileParams>()));
  for (let t = 0; t < siz.numTiles; t++) {
    if (!tileToDecode(job, t, probe)) {
      // (planes start zeroed; host samples are zeroed here)
      if (job.out != 0) zeroPackedTile(changetype<PackedOutput>(job.out), probe, job.rx0, job.ry0, job.rx1, job.ry1, job.reduce);
      continue;
    }
    let mark = arenaMark();
    job.cbDataCap = 0; // the scratch is released with the tile
    job.dwtSpare = 0; // and so is the spare window buffer
    job.dwtSpareBytes = 0;
    decodeTile(job, t);
    arenaRelease(mark);
  }
}

/** Does any component of the tile have samples (B-12)? */
export function tileHasSamples(cs: Codestream, tp: TileParams): bool {
  let siz = cs.siz;
  for (let c = 0; c < siz.Csiz; c++) {
    let k = compSiz(siz, c);
    if (ceilDiv<i64>(tp.tx1, k.dx) > ceilDiv<i64>(tp.tx0, k.dx) && ceilDiv<i64>(tp.ty1, k.dy) > ceilDiv<i64>(tp.ty0, k.dy)) return true;
  }
  return false;
}

function decodeTile(job: DecodeJob, t: i32): void {
  let cs = job.cs;
  let tp = resolveTile(cs, t);
  let tile = buildTile(cs, tp, job.maxCblks, true); // precincts built as their packets arrive
  let C = tile.numComps;
  // windows
  for (let c = 0; c < C; c++) {
    let tc = tileComp(tile, c);
    let pl = plane(job, c);
    // buildTile zero-fills its records: a component not decoded keeps empty windows (nothing
    // needed) without clearing them again (16384 components × every tile add up).
    if (pl.decode == 0) continue;
    let R = tc.numRes - 1 - job.reduce;
    if (R < 0) fail(E.ERR_INVALID_ARGUMENT, -1, job.reduce, tc.numRes - 1);
    let res = resolution(tc, R);
    let ox0 = max(res.x0, pl.x0), ox1 = min(res.x1, pl.x1);
    let oy0 = max(res.y0, pl.y0), oy1 = min(res.y1, pl.y1);
    if (ox1 <= ox0 || oy1 <= oy0) continue; // empty windows, as above
    tc.topRes = R;
    tc.ox0 = ox0;
    tc.ox1 = ox1;
    tc.oy0 = oy0;
    tc.oy1 = oy1;
    setWindows(tc, R, ox0, oy0, ox1, oy1, false);
  }
  // no packet of a resolution above every component's decoded one is needed (resolution-major
  // orders stop before them: runProgressions)
  let resCap = 0;
  for (let c = 0; c < C; c++) resCap = max(resCap, tileComp(tile, c).topRes + 1);
  readTilePackets(job, tile, t, tp, resCap);
  // T1 + dequantisation + inverse DWT, per component (the top level may be left to the output
  // stage, fused with the inverse MCT / output stage and the packing: decode_output.ts deferTop)
  let pending = 0;
  for (let c = 0; c < C; c++) {
    let tc = tileComp(tile, c);
    if (tc.topRes < 0) continue;
    if (reconstructComponent(job, tc, deferTop(job.out, tile, tc))) pending |= 1 << c;
  }
  if (job.out != 0) writeOutputPacked(changetype<PackedOutput>(job.out), tile, mctApplies(tile), pending);
  else writeOutput(job, tile);
}

/**
 * T2 of one tile (Annex B.9–B.10): read its packets in progression order (POC included) into the
 * code-blocks of the windows set up beforehand; marks the job partial when the data ends early.
 * Shared by the whole-tile decoder and the strip decoder.
 */
export function readTilePackets(job: DecodeJob, tile: Tile, t: i32, tp: TileParams, resCap: i32 = 0x7fffffff): void {
  let ctx = changetype<T2Context>(arenaAllocZeroed(offsetof<T2Context>()));
  ctx.mode = T2_DECODE;
  ctx.tile = tile;
  ctx.tileIndex = t;
  ctx.numLayers = tp.g.layers;
  ctx.sop = tp.g.sop;
  ctx.eph = tp.g.eph;
  ctx.bodyPos = tp.data;
  ctx.bodyEnd = tp.data + <usize>tp.dataLen;
  ctx.bodyOrigin = tp.data;
  ctx.bodyOffset = tp.dataOffset;
  ctx.hdr = changetype<BitReader>(arenaAllocZeroed(offsetof<BitReader>()));
  if (tp.hdr != 0) {
    ctx.packed = 1;
    bitReaderInit(ctx.hdr, tp.hdr, tp.hdr + <usize>tp.hdrLen);
  }
  ctx.keepLayers = job.layers > 0 ? job.layers : 0x7fffffff;
  ctx.allowPartial = job.allowPartial;
  ctx.dataComplete = tp.truncated == 0 ? 1 : 0;
  runProgressions(ctx, tile, tp.poc, tp.g.progression, tp.g.layers, resCap);
  if (ctx.truncated != 0) job.partial = 1;
  if (ctx.ranShort != 0) job.shortTiles++;
}

/**
 * Copy the pieces of a code-block into contiguous scratch and decode it. Returns false if no data.
 * `direct` ≠ 0 (HT blocks only, the caller checks): the block's dequantised reversible samples
 * without ROI go straight to `direct` (row stride `directStride` samples) instead of job.cbOut
 * (ht_decoder.ts htSetHalf).
 */
export function decodeBlock(job: DecodeJob, tc: TileComp, bd: Band, cb: CodeBlock, direct: usize = 0, directStride: i32 = 0): bool {
  if (cb.pieceHead == 0) return false;
  let need = cb.dataLen + 8;
  if (need > job.cbDataCap) {
    job.cbDataCap = max(need, 65536);
    job.cbData = arenaAlloc(<usize>job.cbDataCap);
  }
  let numSegs = 0;
  let pos: usize = 0;
  let totalPasses = 0;
  let pc = changetype<Piece>(cb.pieceHead);
  while (changetype<usize>(pc) != 0) {
    let s = pc.seg;
    if (s >= MAX_SEGS) break;
    while (numSegs <= s) {
      store<u32>(job.segLens + (<usize>numSegs << 2), 0);
      store<u32>(job.segPasses + (<usize>numSegs << 2), 0);
      numSegs++;
    }
    let pl = job.segLens + (<usize>s << 2);
    store<u32>(pl, load<u32>(pl) + <u32>pc.len);
    let pp = job.segPasses + (<usize>s << 2);
    store<u32>(pp, load<u32>(pp) + <u32>pc.passes);
    totalPasses += pc.passes;
    memory.copy(job.cbData + pos, pc.ptr, <usize>pc.len);
    pos += <usize>pc.len;
    pc = changetype<Piece>(pc.next);
  }
  store<u32>(job.cbData + pos, 0xffffffff);
  store<u32>(job.cbData + pos + 4, 0xffffffff);
  let numBps = bd.Mb + tc.roi - cb.zbp;
  let w = cb.x1 - cb.x0, h = cb.y1 - cb.y0;
  let style = tc.style.cblkStyle;
  if ((style & CBLK_HT) != 0 && cb.htMode != HT_PART1) {
    // ISO/IEC 15444-15: the HT decoder picks its HT set from the segments (codec/t1/ht_decoder.ts)
    if (pos == 0) return false;
    job.lastSegs = numSegs;
    if (direct != 0) {
      htSetHalf(true);
      decodeCodeBlock(job.cbData, job.segLens, job.segPasses, numSegs, w, h, bd.orient, numBps, style & 0x7f, direct, directStride);
      return true;
    }
    decodeCodeBlock(job.cbData, job.segLens, job.segPasses, numSegs, w, h, bd.orient, numBps, style & 0x7f, job.cbOut, w);
    return true;
  }
  style &= 0x3f; // a Part 1 block (also in mixed mode)
  if (totalPasses == 0 || numBps <= 0) return false;
  // Passes beyond the last bit-plane carry nothing (D.2); drop them as OpenJPEG's T1 does.
  let limit = 3 * numBps - 2;
  if (totalPasses > limit) {
    let acc = 0;
    for (let s = 0; s < numSegs; s++) {
      let pp = job.segPasses + (<usize>s << 2);
      let n = <i32>load<u32>(pp);
      if (acc + n >= limit) {
        store<u32>(pp, <u32>(limit - acc));
        numSegs = s + 1;
        break;
      }
      acc += n;
    }
  }
  job.lastSegs = numSegs;
  decodeCodeBlock(job.cbData, job.segLens, job.segPasses, numSegs, w, h, bd.orient, numBps, style, job.cbOut, w);
  return true;
}

/** Zero a rectangle of the sample buffer. */
export function zeroRect(buf: usize, stride: i32, x0: i32, y0: i32, w: i32, h: i32): void {
  if (w <= 0 || h <= 0) return;
  for (let y = 0; y < h; y++) memory.fill(buf + ((<usize>(y0 + y) * <usize>stride + <usize>x0) << 2), 0, <usize>w << 2);
}

/** One word a touchRect leaves its reads in (a store, so that the reads are not optimised away). */
const TOUCH_SINK: usize = memory.data(4, 4);

/**
 * Read one word of every 64-byte line of a rectangle of the sample buffer: the lines come into the
 * cache with independent loads before code-block copies write them (a store to a line that is not
 * cached waits for it; the loads overlap). The values are not used.
 */
export function touchRect(buf: usize, stride: i32, x0: i32, y0: i32, w: i32, h: i32): void {
  if (w <= 0 || h <= 0) return;
  let acc = 0;
  let end = <usize>w << 2;
  for (let y = 0; y < h; y++) {
    let p = buf + ((<usize>(y0 + y) * <usize>stride + <usize>x0) << 2);
    for (let o: usize = 0; o < end; o += 64) acc |= load<i32>(p + o);
    acc |= load<i32>(p + end - 4);
  }
  store<i32>(TOUCH_SINK, acc);
}

/**
 * Decode the code-blocks of band `bd` that meet its window and put the dequantised coefficients at
 * (qx, qy) of the buffer (the band's quadrant origin); the window's top-left goes to (qx, qy).
 * Every window sample is written once: a decoded block's by the dequantising copy (the block coders
 * write all w × h outputs, Seam 1), the rest (blocks without data, precincts never built because no
 * packet had data for them) zeroed — the precincts meeting the window cover it (B.6).
 */
function fillBand(job: DecodeJob, tc: TileComp, res: Resolution, bd: Band, qx: i32, qy: i32): void {
  let ww = bd.wx1 - bd.wx0, wh = bd.wy1 - bd.wy0;
  if (ww <= 0 || wh <= 0) return;
  if (res.pw == 0 || res.ph == 0) {
    zeroRect(tc.buf, tc.stride, qx, qy, ww, wh);
    return;
  }
  let rev = tc.style.reversible != 0;
  let halfStep = bd.step * 0.5;
  // only the precincts that meet the window (B.6: precinct px covers band columns [px, px+1) << pbw)
  let pbw = precinctBandShiftX(res), pbh = precinctBandShiftY(res);
  let prx0 = res.x0 >> res.ppx, pry0 = res.y0 >> res.ppy;
  let pxa = max((bd.wx0 >> pbw) - prx0, 0), pxb = min(((bd.wx1 - 1) >> pbw) - prx0, res.pw - 1);
  let pya = max((bd.wy0 >> pbh) - pry0, 0), pyb = min(((bd.wy1 - 1) >> pbh) - pry0, res.ph - 1);
  for (let py = pya; py <= pyb; py++) {
    for (let px = pxa; px <= pxb; px++) {
      let pb = precinctBand(bd, py * res.pw + px);
      let n = pb.cw * pb.ch;
      if (n == 0) {
        // no code-blocks here: the precinct's part of the band (B.6) within the window is zero
        let gx = <i64>(px + prx0), gy = <i64>(py + pry0);
        let x0 = <i32>max(gx << pbw, <i64>bd.wx0), x1 = <i32>min((gx + 1) << pbw, <i64>bd.wx1);
        let y0 = <i32>max(gy << pbh, <i64>bd.wy0), y1 = <i32>min((gy + 1) << pbh, <i64>bd.wy1);
        zeroRect(tc.buf, tc.stride, qx + x0 - bd.wx0, qy + y0 - bd.wy0, x1 - x0, y1 - y0);
        continue;
      }
      for (let i = 0; i < n; i++) {
        let cb = codeBlock(pb, i);
        // intersection of the block with the window
        let x0 = max(cb.x0, bd.wx0), x1 = min(cb.x1, bd.wx1);
        let y0 = max(cb.y0, bd.wy0), y1 = min(cb.y1, bd.wy1);
        // T1 output of the block: decoded by another thread (threaded decoding, supplied_blocks.ts) or here
        let out: usize = 0;
        if (cb.needed != 0) {
          if (suppliedAny()) out = suppliedBlock(tc.c, bd.index, tc.x0, tc.y0, cb.x0, cb.y0, cb.x1 - cb.x0, cb.y1 - cb.y0);
          if (out == 0 && decodeBlock(job, tc, bd, cb)) out = job.cbOut;
        }
        if (out == 0) {
          zeroRect(tc.buf, tc.stride, qx + x0 - bd.wx0, qy + y0 - bd.wy0, x1 - x0, y1 - y0);
          continue;
        }
        if (x1 <= x0 || y1 <= y0) continue;
        let bw = cb.x1 - cb.x0;
        let src = out + ((<usize>(y0 - cb.y0) * <usize>bw + <usize>(x0 - cb.x0)) << 2);
        let dst = tc.buf + ((<usize>(qy + y0 - bd.wy0) * <usize>tc.stride + <usize>(qx + x0 - bd.wx0)) << 2);
        if (rev) dequantCopyRev(src, x1 - x0, y1 - y0, bw, dst, tc.stride, tc.roi);
        else dequantCopyIrr(src, x1 - x0, y1 - y0, bw, dst, tc.stride, halfStep, tc.roi);
      }
    }
  }
}

/** Move the rectangle at (sx, sy) of size w x h to (0, 0) (rows move up/left: safe in place). */
export function moveToOrigin(buf: usize, stride: i32, sx: i32, sy: i32, w: i32, h: i32): void {
  if (sx == 0 && sy == 0) return;
  for (let y = 0; y < h; y++) {
    memory.copy(buf + ((<usize>y * <usize>stride) << 2), buf + ((<usize>(sy + y) * <usize>stride + <usize>sx) << 2), <usize>w << 2);
  }
}

/**
 * T1 + dequantisation + inverse DWT of one tile-component into tc.buf. `leaveTop`: leave the top
 * level (its sub-bands filled in quadrant layout) to the output stage; returns whether it did.
 */
function reconstructComponent(job: DecodeJob, tc: TileComp, leaveTop: bool): bool {
  let R = tc.topRes;
  let bw = windowBufferWidth(tc, R);
  let bh = windowBufferHeight(tc, R);
  tc.stride = max(bw, 1);
  tc.buf = arenaAllocArray(<u64>tc.stride * <u64>max(bh, 1), 4); // 64-bit size check
  let tmp = arenaAlloc(dwtScratchBytes(max(bw, bh))); // saturates: fails rather than wraps
  let rev = tc.style.reversible != 0;
  let other = rev && R > 0 ? dwtSpareFor(job, tc, bh) : 0;
  // r = 0: the LL band of the lowest resolution
  let r0 = resolution(tc, 0);
  fillBand(job, tc, r0, band(r0, 0), 0, 0);
  for (let r = 1; r <= R; r++) {
    let res = resolution(tc, r);
    let prev = resolution(tc, r - 1);
    let hl = band(res, 0);
    let lh = band(res, 1);
    // LL quadrant: the low half of this level's window, taken from the previous level's window
    let lowRows = hl.wy1 - hl.wy0; // LL has the low rows (as HL) ...
    let lowCols = lh.wx1 - lh.wx0; // ... and the low columns (as LH)
    moveToOrigin(tc.buf, tc.stride, lh.wx0 - prev.wx0, hl.wy0 - prev.wy0, lowCols, lowRows);
    fillBand(job, tc, res, hl, lowCols, 0);
    fillBand(job, tc, res, lh, 0, lowRows);
    fillBand(job, tc, res, band(res, 2), lowCols, lowRows);
    let w = res.wx1 - res.wx0, h = res.wy1 - res.wy0;
    if (r == R && leaveTop) break;
    if (rev) other = dwt53LevelSwap(tc, other, w, h, res.wx0 & 1, res.wy0 & 1, tmp);
    else dwt97InverseLevel(tc.buf, tc.stride, w, h, res.wx0 & 1, res.wy0 & 1, tmp);
  }
  if (other != 0) dwtSpareKeep(job, tc, bh, other);
  return leaveTop && R > 0;
}

/**
 * A buffer of the size of `tc.buf` (stride × bh samples) for the out-of-place 5/3 levels: the job's
 * spare when it is large enough (the buffer a component of the same tile left over), else a new one.
 */
export function dwtSpareFor(job: DecodeJob, tc: TileComp, bh: i32): usize {
  let bytes = (<usize>tc.stride * <usize>max(bh, 1)) << 2; // tc.buf of this size was allocated (checked)
  if (job.dwtSpareBytes < bytes) {
    job.dwtSpare = arenaAlloc(bytes);
    job.dwtSpareBytes = bytes;
  }
  return job.dwtSpare;
}

/** The buffer not holding tc's samples after its levels becomes the spare of the next component. */
export function dwtSpareKeep(job: DecodeJob, tc: TileComp, bh: i32, other: usize): void {
  job.dwtSpare = other;
  job.dwtSpareBytes = (<usize>tc.stride * <usize>max(bh, 1)) << 2;
}

/**
 * One 5/3 level from tc.buf into `other` (dwt53InverseLevelTo, one sweep); tc.buf then points at the
 * samples and the buffer it held is returned (the `other` of the next level).
 */
export function dwt53LevelSwap(tc: TileComp, other: usize, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize): usize {
  dwt53InverseLevelTo(tc.buf, other, tc.stride, w, h, xOdd, yOdd, tmp);
  let t = tc.buf;
  tc.buf = other;
  return t;
}

/**
 * Does the tile's inverse MCT (G.2/G.3) run here: MCT on, components 0-2 decoded over the same
 * window with the same buffer stride and the same (ir)reversibility.
 */
export function mctApplies(tile: Tile): bool {
  if (tile.params.g.mct == 0 || tile.numComps < 3) return false;
  let a = tileComp(tile, 0), b = tileComp(tile, 1), d = tileComp(tile, 2);
  return a.topRes >= 0 && b.topRes >= 0 && d.topRes >= 0 &&
    a.ox0 == b.ox0 && a.ox0 == d.ox0 && a.ox1 == b.ox1 && a.ox1 == d.ox1 &&
    a.oy0 == b.oy0 && a.oy0 == d.oy0 && a.oy1 == b.oy1 && a.oy1 == d.oy1 &&
    a.stride == b.stride && a.stride == d.stride &&
    a.style.reversible == b.style.reversible && a.style.reversible == d.style.reversible;
}

/** Inverse MCT (G.2/G.3), DC level shift (G.1.2), clamp and copy into the output planes. */
export function writeOutput(job: DecodeJob, tile: Tile): void {
  let C = tile.numComps;
  let mctDone = false;
  if (mctApplies(tile)) {
    let a = tileComp(tile, 0), b = tileComp(tile, 1), d = tileComp(tile, 2);
    let w = a.ox1 - a.ox0, h = a.oy1 - a.oy0;
    let offA = windowOffset(a), offB = windowOffset(b), offD = windowOffset(d);
    if (a.style.reversible != 0) {
      rctInverseToOutput(a.buf + offA, b.buf + offB, d.buf + offD, a.stride, w, h,
        dcShift(a), dcShift(b), dcShift(d), lo(a), lo(b), lo(d), hi(a), hi(b), hi(d));
      copyToPlane(job, a, a.buf + offA, a.stride);
      copyToPlane(job, b, b.buf + offB, b.stride);
      copyToPlane(job, d, d.buf + offD, d.stride);
    } else {
      let pa = plane(job, 0), pb = plane(job, 1), pd = plane(job, 2);
      let pw = pa.x1 - pa.x0;
      ictInverseToOutput(a.buf + offA, b.buf + offB, d.buf + offD, a.stride,
        planeAt(pa, a), planeAt(pb, b), planeAt(pd, d), pw, w, h,
        dcShift(a), dcShift(b), dcShift(d), lo(a), lo(b), lo(d), hi(a), hi(b), hi(d));
    }
    mctDone = true;
  }
  for (let c = mctDone ? 3 : 0; c < C; c++) {
    let tc = tileComp(tile, c);
    if (tc.topRes < 0) continue;
    let pl = plane(job, c);
    let w = tc.ox1 - tc.ox0, h = tc.oy1 - tc.oy0;
    let off = windowOffset(tc);
    if (tc.style.reversible != 0) {
      shiftClampI32(tc.buf + off, tc.stride, w, h, dcShift(tc), lo(tc), hi(tc));
      copyToPlane(job, tc, tc.buf + off, tc.stride);
    } else {
      roundShiftClampF32(tc.buf + off, tc.stride, planeAt(pl, tc), pl.x1 - pl.x0, w, h, dcShift(tc), lo(tc), hi(tc));
    }
  }
}

/** Byte offset of the output window inside the component buffer. */
function windowOffset(tc: TileComp): usize {
  let res = resolution(tc, tc.topRes);
  return (<usize>(tc.oy0 - res.wy0) * <usize>tc.stride + <usize>(tc.ox0 - res.wx0)) << 2;
}

function planeAt(pl: Plane, tc: TileComp): usize {
  return pl.data + ((<usize>(tc.oy0 - pl.y0) * <usize>(pl.x1 - pl.x0) + <usize>(tc.ox0 - pl.x0)) << 2);
}

function copyToPlane(job: DecodeJob, tc: TileComp, src: usize, stride: i32): void {
  let pl = plane(job, tc.c);
  let dst = planeAt(pl, tc);
  let pw = <usize>(pl.x1 - pl.x0);
  let w = <usize>(tc.ox1 - tc.ox0);
  let h = tc.oy1 - tc.oy0;
  for (let y = 0; y < h; y++) memory.copy(dst + ((<usize>y * pw) << 2), src + ((<usize>y * <usize>stride) << 2), w << 2);
}

// @ts-ignore: decorator
@inline
function dcShift(tc: TileComp): i32 {
  return tc.sgnd != 0 ? 0 : 1 << (tc.prec - 1);
}
// @ts-ignore: decorator
@inline
function lo(tc: TileComp): i32 {
  return tc.sgnd != 0 ? -(1 << (tc.prec - 1)) : 0;
}
// @ts-ignore: decorator
@inline
function hi(tc: TileComp): i32 {
  return tc.sgnd != 0 ? (1 << (tc.prec - 1)) - 1 : <i32>((<u32>1 << <u32>tc.prec) - 1);
}
