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
import { rctInverseToOutput, ictInverseToOutput, shiftClampI32, roundShiftClampF32 } from "./transform/mct";
import { packComponent, packInterleaved } from "./transform/pixel_pack";
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

/**
 * Inverse MCT + DC shift + clamp + pack of one decoded tile into the host layout. `mct`: apply the
 * inverse MCT to components 0-2 (the caller checked G.2/G.3's conditions, as writeOutput does).
 */
export function writeOutputPacked(out: PackedOutput, tile: Tile, mct: bool): void {
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
  let ptrs = interleaved ? arenaAlloc(<usize>C << 2) : 0;
  let rowsPer = max(1, STRIP_BYTES / max(1, w * 4 * C));
  for (let y = 0; y < h; y += rowsPer) {
    let n = min(rowsPer, h - y);
    let first = 0;
    if (mct) {
      let a = tileComp(tile, 0), b = tileComp(tile, 1), d = tileComp(tile, 2);
      let row = <usize>y * <usize>a.stride << 2;
      let pa = a.buf + windowOffset(a) + row, pb = b.buf + windowOffset(b) + row, pd = d.buf + windowOffset(d) + row;
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
      if (tc.style.reversible != 0) shiftClampI32(p, tc.stride, w, n, dcShift(tc), lo(tc), hi(tc));
      else roundShiftClampF32(p, tc.stride, p, tc.stride, w, n, dcShift(tc), lo(tc), hi(tc));
    }
    if (interleaved) {
      for (let c = 0; c < C; c++) {
        let tc = tileComp(tile, c);
        store<u32>(ptrs + (<usize>c << 2), <u32>(tc.buf + windowOffset(tc) + (<usize>y * <usize>tc.stride << 2)));
      }
      packInterleaved(ptrs, C, ref.stride, w, n, hostAt(out, 0, ref.ox0, ref.oy0 + y), out.rowStride, out.bytesPerSample, out.signed);
    } else {
      for (let c = 0; c < min(C, out.numComps); c++) {
        let tc = tileComp(tile, c);
        if (tc.topRes < 0) continue;
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
