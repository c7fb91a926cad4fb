// The decoder's output stage straight into the host's sample layout (Annex G: inverse MCT G.2/G.3,
// DC level shift G.1.2, clamp to the component's range), then packing (transform/pixel_pack.ts):
// a strip of rows at a time, in place in the tile-component buffers while the strip is in the
// cache, then packed into the caller's interleaved or planar array in linear memory. No i32 output
// planes: the plain path (decoder.ts writeOutput) writes every sample to a plane and the host packs
// the planes afterwards, two more trips over the image through memory.
//
// The same kernels as writeOutput + packInterleaved / packComponent run on the same samples in the
// same order (only the row ranges of the calls differ), so the bytes are those of the plain path.
//
// Used when the host asks for it (decoderSetPacked) and every component is decoded at full size on
// the same grid (no sub-sampling): component k of output pixel (x, y) of the region is at
// dst + k·compStep + (y·rowStride + x·sampleStep)·bytesPerSample.

import { Tile, TileComp, tileComp, resolution } from "./structure/tile";
import { TileParams } from "./codestream/header";
import {
  rctInverseToOutput, ictInverseToOutput, shiftClampI32, roundShiftClampF32, rctInverseRowPacked, ictInverseRowPacked, shiftClampRowPacked,
} from "./transform/mct";
import { packComponent, packInterleaved } from "./transform/pixel_pack";
import { dwt53InverseLevel, Sweep53, sweep53Bytes, sweep53Init, sweep53Run, sweep53Row } from "./transform/dwt53";
import { dwt97InverseLevel, Sweep97, sweep97RingBytes, sweep97Init, sweep97Row } from "./transform/dwt97";
import { dwtScratchBytes, align16 } from "./transform/dwt_layout";
import { stageEnter, stageLeave, STAGE_DWT, STAGE_MCT_PACK } from "./util/stages";
import { ceilDivPow2 } from "./util/math";
import { arenaAlloc } from "./util/arena";

/** Where decoded samples go in the host's layout (set by decoderSetPacked; dst = 0: off). */
@unmanaged
export class PackedOutput {
  dst: usize;
  /** Bytes of room at dst (checked against the layout before decoding). */
  dstBytes: f64;
  /** Components (output slots: component k is slot k). */
  numComps: i32;
  /** Bytes from one component's sample to the next component's sample of the same pixel. */
  compStep: i32;
  /** Host samples from one pixel to the next in a row (numComps interleaved, 1 planar). */
  sampleStep: i32;
  /** Host samples per output row. */
  rowStride: i32;
  bytesPerSample: i32;
  signed: i32;
  /** Output region origin (the planes' x0, y0 at the reduced resolution). */
  x0: i32;
  y0: i32;
}

/** Bytes of tile-buffer rows (all components) one strip keeps in the cache. */
const STRIP_BYTES: i32 = 128 << 10;

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

/** Byte offset of the output window inside the component buffer. */
function windowOffset(tc: TileComp): usize {
  let res = resolution(tc, tc.topRes);
  return (<usize>(tc.oy0 - res.wy0) * <usize>tc.stride + <usize>(tc.ox0 - res.wx0)) << 2;
}

/** Host address of component `c`'s sample at region-relative output position (x, y). */
// @ts-ignore: decorator
@inline
function hostAt(out: PackedOutput, c: i32, x: i32, y: i32): usize {
  return out.dst + <usize>c * <usize>out.compStep +
    (<usize>(y - out.y0) * <usize>out.rowStride + <usize>(x - out.x0) * <usize>out.sampleStep) * <usize>out.bytesPerSample;
}

/** Bytes of the output row rings of the fused top 5/3 level (three components; stays in L2). */
const FUSED_RING_BYTES: usize = 384 << 10;

/**
 * May component `tc`'s top DWT level wait for writeOutputPacked (`pending`), which then runs it fused
 * with the output stage: at least one level, and either three components with the MCT written
 * pixel-interleaved (5/3 + RCT or 9/7 + ICT), or a single component. `out`: the job's
 * PackedOutput (0: none).
 */
export function deferTop(out: usize, tile: Tile, tc: TileComp): bool {
  if (out == 0 || tc.topRes <= 0) return false;
  let o = changetype<PackedOutput>(out);
  if (tile.params.g.mct != 0 && tile.numComps == 3 && o.numComps == 3 && o.sampleStep == 3 && o.compStep == o.bytesPerSample) return true;
  return tile.numComps == 1 && o.numComps == 1;
}

/**
 * The top level of component `tc` left pending (deferTop): its sub-bands are in tc.buf in quadrant
 * layout; run it in place (5/3: dwt53InverseLevel, the same output as dwt53InverseLevelTo).
 */
function finishTop(tc: TileComp): void {
  let res = resolution(tc, tc.topRes);
  let w = res.wx1 - res.wx0, h = res.wy1 - res.wy0;
  let tmp = arenaAlloc(dwtScratchBytes(max(max(w, h), 1)));
  if (tc.style.reversible != 0) dwt53InverseLevel(tc.buf, tc.stride, w, h, res.wx0 & 1, res.wy0 & 1, tmp);
  else dwt97InverseLevel(tc.buf, tc.stride, w, h, res.wx0 & 1, res.wy0 & 1, tmp);
}

/**
 * The fused top level of a tile's one or three components (writeFused53 / writeFused97) as a state
 * that can stop after any batch of output rows and go on later (fusedStep): the strip decoder hands
 * the rows written so far to the host while they are in the cache (codec/strip_decoder.ts stripPull).
 */
@unmanaged
export class FusedTop {
  out: PackedOutput;
  /** Components (1 or 3) and whether the level is the 5/3 (else the 9/7). */
  numComps: i32;
  rev: i32;
  /** Sweep records of the components: component c's at sweeps + c·sweepStep. */
  sweeps: usize;
  sweepStep: usize;
  /** Window rows [y0, y1) of the level's output; output row r is host row oy0 + r − y0. */
  y0: i32;
  y1: i32;
  oy0: i32;
  ox0: i32;
  ow: i32;
  xOff: usize;
  /** 5/3: output rows finished so far, low rows run so far, low rows per run. 9/7: the next output row (done). */
  done: i32;
  n: i32;
  k: i32;
  s0: i32;
  s1: i32;
  s2: i32;
  l0: i32;
  l1: i32;
  l2: i32;
  h0: i32;
  h1: i32;
  h2: i32;
}

/** Most output rows one fusedStep batch writes (a 5/3 run of k low rows finishes at most 2·k + 3). */
export function fusedBatchRows(f: FusedTop): i32 {
  return f.rev != 0 ? 2 * f.k + 4 : 1;
}

/** Has the fused level written every output row of its window. */
// @ts-ignore: decorator
@inline
export function fusedDone(f: FusedTop): bool {
  return f.done >= f.y1;
}

/** 5/3: low rows of the level (sweep53 nL). */
export function fusedLowRows(f: FusedTop): i32 {
  return changetype<Sweep53>(f.sweeps).nL;
}

/** 5/3: the sweep of component c (0 .. numComps − 1), e.g. for sweep53SetRing before the first step. */
export function fusedSweep53(f: FusedTop, c: i32): Sweep53 {
  return changetype<Sweep53>(f.sweeps + <usize>c * f.sweepStep);
}

/** Host row of the next output row fusedStep writes. */
export function fusedNextRow(f: FusedTop): i32 {
  return f.oy0 + max(f.done, f.y0) - f.y0;
}

/**
 * Start the fused top level of components 0-2 (C = 3: 5/3 + RCT or 9/7 + ICT, written
 * pixel-interleaved) or of a single component (C = 1), pending in tc.buf (deferTop); fusedStep runs it.
 */
export function fusedInit(out: PackedOutput, tile: Tile, C: i32): FusedTop {
  let a = tileComp(tile, 0);
  let res = resolution(a, a.topRes);
  let w = res.wx1 - res.wx0, h = res.wy1 - res.wy0;
  let xo = res.wx0 & 1, yo = res.wy0 & 1;
  let f = changetype<FusedTop>(arenaAlloc(offsetof<FusedTop>()));
  f.out = out;
  f.numComps = C;
  f.rev = a.style.reversible != 0 ? 1 : 0;
  f.ow = a.ox1 - a.ox0;
  f.y0 = a.oy0 - res.wy0; // window rows of the level's output
  f.y1 = a.oy1 - res.wy0;
  f.oy0 = a.oy0;
  f.ox0 = a.ox0;
  f.xOff = <usize>(a.ox0 - res.wx0) << 2;
  f.done = 0;
  f.n = 0;
  f.k = 0;
  let b = C == 3 ? tileComp(tile, 1) : a, d = C == 3 ? tileComp(tile, 2) : a;
  f.s0 = dcShift(a);
  f.s1 = dcShift(b);
  f.s2 = dcShift(d);
  f.l0 = lo(a);
  f.l1 = lo(b);
  f.l2 = lo(d);
  f.h0 = hi(a);
  f.h1 = hi(b);
  f.h2 = hi(d);
  if (f.rev != 0) {
    let span = align16(<usize>w << 2);
    // k low rows per run; a ring of 2k + 4 rows holds every row a run writes or reads (sweep53)
    let k = <i32>max<usize>(1, (FUSED_RING_BYTES / (<usize>C * span) - 4) / 2);
    let ringRows = 2 * k + 4;
    let sb = align16(sweep53Bytes(w));
    let ringBytes = <usize>ringRows * span;
    let mem = align16(arenaAlloc(<usize>C * (sb + ringBytes) + 16));
    let rings = mem + <usize>C * sb;
    // each component's scratch (sweep53Bytes) ends with its Sweep53 record
    let rec = sweep53Bytes(w) - offsetof<Sweep53>();
    for (let c = 0; c < C; c++) {
      let tc = tileComp(tile, c);
      sweep53Init(changetype<Sweep53>(mem + <usize>c * sb + rec), tc.buf, tc.stride, w, h, xo, yo, mem + <usize>c * sb, rings + <usize>c * ringBytes, <i32>(span >> 2), ringRows);
    }
    f.k = k;
    f.sweeps = mem + rec;
    f.sweepStep = sb;
  } else {
    let tmp = arenaAlloc(dwtScratchBytes(max(w, 1))); // horizontal passes (one at a time)
    let rb = align16(sweep97RingBytes(w)) + align16(offsetof<Sweep97>());
    let mem = align16(arenaAlloc(<usize>C * rb + 16));
    for (let c = 0; c < C; c++) {
      let tc = tileComp(tile, c);
      let base = mem + <usize>c * rb;
      sweep97Init(changetype<Sweep97>(base + align16(sweep97RingBytes(w))), tc.buf, tc.stride, w, h, xo, yo, tmp, base);
    }
    f.sweeps = mem + align16(sweep97RingBytes(w));
    f.sweepStep = rb;
  }
  return f;
}

/**
 * Run the fused level on: batches of output rows until every row of the window is written, or until
 * `maxRows` would be passed by the next batch (at least one batch runs), or (5/3) until the low
 * rows [0, lowCap) are run (the rows the caller has filled: a low row n needs the high rows up to
 * n + yOdd, whose sub-band rows must be in place too). Output rows of the window
 * go to hostAt(out, ...) at host row oy0 + r − y0 (the caller may move out.dst / out.y0 between
 * calls). Returns the rows written.
 *
 * 5/3 (F.3.8.1) with the inverse RCT (G.2), or 9/7 (F.3.8.2) with the inverse ICT (G.3), then DC
 * shift, clamp and packing, each finished output row of the window while it is in the cache; rows
 * below the window are not computed and the level output never goes to memory as a whole. Every
 * sample sees the same operations as in dwt53InverseLevelTo / dwt97InverseLevel + rctInverseToOutput
 * / ictInverseToOutput / shiftClampI32 / roundShiftClampF32 + packing; the order of the batches
 * does not change them.
 */
export function fusedStep(f: FusedTop, maxRows: i32, lowCap: i32 = i32.MAX_VALUE): i32 {
  let out = f.out;
  let C = f.numComps;
  let y0 = f.y0, y1 = f.y1, ow = f.ow, xOff = f.xOff;
  let bps = out.bytesPerSample, sg = out.signed;
  let s0 = f.s0, s1 = f.s1, s2 = f.s2, l0 = f.l0, l1 = f.l1, l2 = f.l2, h0 = f.h0, h1 = f.h1, h2 = f.h2;
  let written = 0;
  let batch = fusedBatchRows(f);
  if (f.rev != 0) {
    let swa = changetype<Sweep53>(f.sweeps);
    let swb = changetype<Sweep53>(f.sweeps + f.sweepStep); // (C = 3 only)
    let swd = changetype<Sweep53>(f.sweeps + 2 * f.sweepStep);
    let nL = swa.nL;
    let done = f.done, n = f.n, k = f.k;
    let cap = min(lowCap, nL);
    while (done < y1 && n < cap && (written == 0 || written + batch <= maxRows)) {
      n = min(n + k, cap);
      stageEnter(STAGE_DWT);
      let fin = sweep53Run(swa, n);
      if (C == 3) {
        sweep53Run(swb, n);
        sweep53Run(swd, n);
      }
      stageLeave(STAGE_DWT);
      stageEnter(STAGE_MCT_PACK);
      for (let r = max(done, y0); r < min(fin, y1); r++) {
        let dst = hostAt(out, 0, f.ox0, f.oy0 + r - y0);
        if (C == 3) {
          rctInverseRowPacked(sweep53Row(swa, r) + xOff, sweep53Row(swb, r) + xOff, sweep53Row(swd, r) + xOff, ow,
            dst, bps, sg, s0, s1, s2, l0, l1, l2, h0, h1, h2);
        } else {
          shiftClampRowPacked(sweep53Row(swa, r) + xOff, false, ow, dst, 1, bps, sg, s0, l0, h0);
        }
        written++;
      }
      stageLeave(STAGE_MCT_PACK);
      done = fin;
    }
    f.done = done;
    f.n = n;
    return written;
  }
  let swa = changetype<Sweep97>(f.sweeps);
  let swb = changetype<Sweep97>(f.sweeps + f.sweepStep); // (C = 3 only)
  let swd = changetype<Sweep97>(f.sweeps + 2 * f.sweepStep);
  let r = f.done;
  while (r < y1 && (written == 0 || written + batch <= maxRows)) {
    if (C == 3) {
      stageEnter(STAGE_DWT);
      let pa = sweep97Row(swa, r), pb = sweep97Row(swb, r), pd = sweep97Row(swd, r);
      stageLeave(STAGE_DWT);
      if (r >= y0) {
        stageEnter(STAGE_MCT_PACK);
        ictInverseRowPacked(pa + xOff, pb + xOff, pd + xOff, ow, hostAt(out, 0, f.ox0, f.oy0 + r - y0), bps, sg, s0, s1, s2, l0, l1, l2, h0, h1, h2);
        stageLeave(STAGE_MCT_PACK);
        written++;
      }
    } else {
      stageEnter(STAGE_DWT);
      let pa = sweep97Row(swa, r);
      stageLeave(STAGE_DWT);
      if (r >= y0) {
        stageEnter(STAGE_MCT_PACK);
        shiftClampRowPacked(pa + xOff, true, ow, hostAt(out, 0, f.ox0, f.oy0 + r - y0), 1, bps, sg, s0, l0, h0);
        stageLeave(STAGE_MCT_PACK);
        written++;
      }
    }
    r++;
  }
  f.done = r;
  return written;
}

/** Rows of the top level of a component. */
function levelRows(tc: TileComp): i32 {
  let res = resolution(tc, tc.topRes);
  return res.wy1 - res.wy0;
}

/**
 * Can the three pending top levels run fused with the inverse MCT + pack: the same level window in
 * each component (so one output row of the level is one output row of every component), two rows or
 * more (mctApplies checked the same reversibility and output window).
 */
function fusedTopFits(tile: Tile): bool {
  let a = tileComp(tile, 0), b = tileComp(tile, 1), d = tileComp(tile, 2);
  if (a.topRes != b.topRes || a.topRes != d.topRes) return false;
  let ra = resolution(a, a.topRes), rb = resolution(b, b.topRes), rd = resolution(d, d.topRes);
  return ra.wx0 == rb.wx0 && ra.wx0 == rd.wx0 && ra.wx1 == rb.wx1 && ra.wx1 == rd.wx1 &&
    ra.wy0 == rb.wy0 && ra.wy0 == rd.wy0 && ra.wy1 == rb.wy1 && ra.wy1 == rd.wy1 &&
    ra.wx1 > ra.wx0 && ra.wy1 - ra.wy0 >= 2;
}

/**
 * Can the tile's pending top levels run fused with the output stage (fusedInit with the returned
 * component count): three components with the MCT (pending 7, fusedTopFits), or a single component
 * of two rows or more (pending 1); 0: no.
 */
export function fusedComps(tile: Tile, mct: bool, pending: i32): i32 {
  if (pending == 7 && mct && fusedTopFits(tile)) return 3;
  if (pending == 1 && tile.numComps == 1 && levelRows(tileComp(tile, 0)) >= 2) return 1;
  return 0;
}

/**
 * Inverse MCT + DC shift + clamp + pack of one decoded tile into the host layout. `mct`: apply the
 * inverse MCT to components 0-2 (the caller checked G.2/G.3's conditions, as writeOutput does).
 * `pending`: bit c set when component c's top DWT level is still to run (deferTop).
 */
export function writeOutputPacked(out: PackedOutput, tile: Tile, mct: bool, pending: i32 = 0): void {
  if (pending != 0) {
    let fc = fusedComps(tile, mct, pending);
    if (fc != 0) {
      fusedStep(fusedInit(out, tile, fc), i32.MAX_VALUE);
      return;
    }
    for (let c = 0; c < tile.numComps; c++) {
      if ((pending & (1 << c)) != 0) finishTop(tileComp(tile, c));
    }
  }
  let C = tile.numComps;
  // the window every decoded component shares (same grid: checked by the host)
  let ref: TileComp | null = null;
  for (let c = 0; c < C; c++) {
    let tc = tileComp(tile, c);
    if (tc.topRes >= 0) {
      ref = tc;
      break;
    }
  }
  if (ref == null) return;
  let w = ref.ox1 - ref.ox0, h = ref.oy1 - ref.oy0;
  if (w <= 0 || h <= 0) return;
  // one stride for packInterleaved when every component's buffer has it
  let sameStride = true;
  for (let c = 0; c < C; c++) {
    let tc = tileComp(tile, c);
    if (tc.topRes < 0 || tc.stride != ref.stride) sameStride = false;
  }
  let interleaved = out.sampleStep == out.numComps && out.compStep == out.bytesPerSample && out.numComps == C && sameStride;
  // inverse MCT of components 0-2 written straight into interleaved host samples, row by row
  // (rctInverseRowPacked / ictInverseRowPacked): no i32 planes written back, no packing pass
  let mctRows = mct && interleaved && C == 3;
  // one component per host plane (planar layout, or a single component): its output stage writes
  // the host samples itself (shiftClampRowPacked)
  let oneRows = out.sampleStep == 1;
  let ptrs = interleaved && !mctRows && !oneRows ? arenaAlloc(<usize>C << 2) : 0;
  let rowsPer = max(1, STRIP_BYTES / max(1, w * 4 * C));
  let bps = out.bytesPerSample, sg = out.signed;
  for (let y = 0; y < h; y += rowsPer) {
    let n = min(rowsPer, h - y);
    let first = 0;
    if (mct) {
      let a = tileComp(tile, 0), b = tileComp(tile, 1), d = tileComp(tile, 2);
      let row = <usize>y * <usize>a.stride << 2;
      let pa = a.buf + windowOffset(a) + row, pb = b.buf + windowOffset(b) + row, pd = d.buf + windowOffset(d) + row;
      if (mctRows) {
        stageEnter(STAGE_MCT_PACK);
        let rb = <usize>a.stride << 2;
        for (let i = 0; i < n; i++) {
          let o = <usize>i * rb;
          let dst = hostAt(out, 0, ref.ox0, ref.oy0 + y + i);
          if (a.style.reversible != 0) {
            rctInverseRowPacked(pa + o, pb + o, pd + o, w, dst, bps, sg,
              dcShift(a), dcShift(b), dcShift(d), lo(a), lo(b), lo(d), hi(a), hi(b), hi(d));
          } else {
            ictInverseRowPacked(pa + o, pb + o, pd + o, w, dst, bps, sg,
              dcShift(a), dcShift(b), dcShift(d), lo(a), lo(b), lo(d), hi(a), hi(b), hi(d));
          }
        }
        stageLeave(STAGE_MCT_PACK);
        continue;
      }
      if (a.style.reversible != 0) {
        rctInverseToOutput(pa, pb, pd, a.stride, w, n,
          dcShift(a), dcShift(b), dcShift(d), lo(a), lo(b), lo(d), hi(a), hi(b), hi(d));
      } else {
        ictInverseToOutput(pa, pb, pd, a.stride, pa, pb, pd, a.stride, w, n,
          dcShift(a), dcShift(b), dcShift(d), lo(a), lo(b), lo(d), hi(a), hi(b), hi(d));
      }
      first = 3;
    }
    for (let c = first; c < C; c++) {
      let tc = tileComp(tile, c);
      if (tc.topRes < 0) continue;
      let p = tc.buf + windowOffset(tc) + (<usize>y * <usize>tc.stride << 2);
      if (oneRows && c < out.numComps) {
        stageEnter(STAGE_MCT_PACK);
        let rb = <usize>tc.stride << 2;
        for (let i = 0; i < n; i++) {
          shiftClampRowPacked(p + <usize>i * rb, tc.style.reversible == 0, w, hostAt(out, c, tc.ox0, tc.oy0 + y + i), 1, bps, sg, dcShift(tc), lo(tc), hi(tc));
        }
        stageLeave(STAGE_MCT_PACK);
        continue;
      }
      if (tc.style.reversible != 0) shiftClampI32(p, tc.stride, w, n, dcShift(tc), lo(tc), hi(tc));
      else roundShiftClampF32(p, tc.stride, p, tc.stride, w, n, dcShift(tc), lo(tc), hi(tc));
    }
    if (interleaved && !oneRows) {
      for (let c = 0; c < C; c++) {
        let tc = tileComp(tile, c);
        store<u32>(ptrs + (<usize>c << 2), <u32>(tc.buf + windowOffset(tc) + (<usize>y * <usize>tc.stride << 2)));
      }
      packInterleaved(ptrs, C, ref.stride, w, n, hostAt(out, 0, ref.ox0, ref.oy0 + y), out.rowStride, out.bytesPerSample, out.signed);
    } else {
      for (let c = 0; c < min(C, out.numComps); c++) {
        let tc = tileComp(tile, c);
        if (tc.topRes < 0) continue;
        if (oneRows && c >= first) continue; // (written above)
        let p = tc.buf + windowOffset(tc) + (<usize>y * <usize>tc.stride << 2);
        packComponent(p, tc.stride, w, n, hostAt(out, c, tc.ox0, tc.oy0 + y), out.sampleStep, out.rowStride, out.bytesPerSample, out.signed);
      }
    }
  }
}

/**
 * Zero the host samples of a tile that meets the region but is not decoded (no tile-parts): the
 * plain path leaves its area at 0 in the zeroed planes.
 */
export function zeroPackedTile(out: PackedOutput, tp: TileParams, rx0: i32, ry0: i32, rx1: i32, ry1: i32, reduce: i32): void {
  // no sub-sampling: component coordinates are reference-grid ones, reduced (B-14)
  let x0 = <i32>ceilDivPow2(<i64>max(tp.tx0, rx0), reduce), x1 = <i32>ceilDivPow2(<i64>min(tp.tx1, rx1), reduce);
  let y0 = <i32>ceilDivPow2(<i64>max(tp.ty0, ry0), reduce), y1 = <i32>ceilDivPow2(<i64>min(tp.ty1, ry1), reduce);
  if (x1 <= x0 || y1 <= y0) return;
  let bps = <usize>out.bytesPerSample;
  if (out.sampleStep == out.numComps && <usize>out.compStep == bps) {
    // interleaved: every component of a row's pixels is one run of bytes
    for (let y = y0; y < y1; y++) memory.fill(hostAt(out, 0, x0, y), 0, <usize>(x1 - x0) * <usize>out.numComps * bps);
    return;
  }
  for (let c = 0; c < out.numComps; c++) {
    for (let y = y0; y < y1; y++) {
      let d = hostAt(out, c, x0, y);
      if (out.sampleStep == 1) {
        memory.fill(d, 0, <usize>(x1 - x0) * bps);
        continue;
      }
      let step = <usize>out.sampleStep * bps;
      for (let x = x0; x < x1; x++, d += step) {
        if (bps == 1) store<u8>(d, 0);
        else if (bps == 2) store<u16>(d, 0);
        else store<i32>(d, 0);
      }
    }
  }
}
