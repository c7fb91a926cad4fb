// The forward DWT's first level fed from the source pixels (issue 14: the component planes written once).
//
// An encoder unpacks the caller's samples into component planes (DC level shift, G.1.2; the forward
// MCT, G.2 / G.3) and the first decomposition level then reads every plane again and writes it again.
// A feed instead gives the level its input rows one at a time, as they are unpacked: each row goes into
// a small ring (FEED_RING rows, in the cache), the level's row-streamed form (dwt97.ts / dwt53.ts,
// "Fed level") makes every output row as soon as the rows it needs are in the ring, and writes it once
// to its place in the plane's quadrant layout. The plane is then written once, and as input and output
// are different buffers, nothing waits in a hold buffer.
//
// ABI (pointer-only; strides in samples, pointers in bytes):
//
//   dwtFeedBytes(w) → bytes of one feed's state for levels up to w samples wide
//   dwtFeedBegin(state, buf, stride, w, h, xOdd, yOdd, kind, rev) → 1: the level is fed (applied when
//     every row is in), 0: the rows go straight to the plane (kind 0, or h < 2: the caller runs the level)
//   dwtFeedRow(state) → where the next input row goes (w samples: i32 if rev, else f32), 0 once h rows are in
//   dwtFeedPixels(states, n, mct, src, srcStep, srcStride, bytesPerSample, signed, w, rows, dc, scratch):
//     `rows` rows of pixel-interleaved samples (`n` ≤ 4 components, states[c] a feed or 0: not wanted)
//     unpacked as src/encode.ts unpacks them (unpackIctForward for mct 2; unpackComponent ×3 and
//     rctForward for mct 1; unpackComponent / unpackComponentF32 for the others, one row at a time)
//     into the feeds' rows
//
// Every sample gets the operations of the unpack functions and then those of dwt97ForwardLevel /
// dwt53ForwardLevel in their order, so the planes are bit-identical to unpacking whole planes and then
// running the level, in the scalar and the SIMD build alike.

import { FEED_RING, align16 } from "./dwt_layout";
import { fwd97FedBytes, fwd97FedInit, fwd97FedRows } from "./dwt97";
import { fwd53FedBytes, fwd53FedInit, fwd53FedRows } from "./dwt53";
import { unpackComponent, unpackComponentF32 } from "./pixel_pack";
import { unpackIctForward, unpackIctRowSome, rctForward } from "./mct";
import { stageEnter, stageLeave, STAGE_DWT } from "../util/stages";

/** No level: the rows go straight to the plane. */
export const FEED_PLAIN: i32 = 0;
/** The reversible 5/3 level (F.4.8.1), i32 samples. */
export const FEED_53: i32 = 1;
/** The irreversible 9/7 level (F.4.8.2), f32 samples. */
export const FEED_97: i32 = 2;

@unmanaged
class Feed {
  kind: i32;
  rev: i32;
  buf: usize;
  rowBytes: usize;
  w: i32;
  h: i32;
  /** Input rows given out (dwtFeedRow) and output rows made. */
  fed: i32;
  out: i32;
  /** Rows an output row reaches below it (4 for the 9/7, 2 for the 5/3). */
  reach: i32;
  span: usize;
  /** The input rows' ring (FEED_RING rows of span bytes). */
  ring: usize;
  /** The level's state (dwt97.ts / dwt53.ts); 0: rows straight to the plane. */
  level: usize;
}

/** Bytes of one feed's state for levels up to w samples wide. */
export function dwtFeedBytes(w: i32): usize {
  let span = align16(<usize>max(w, 1) << 2);
  let lv = max(fwd97FedBytes(max(w, 1)), fwd53FedBytes(max(w, 1)));
  return offsetof<Feed>() + 32 + <usize>FEED_RING * span + lv;
}

/**
 * Start feeding the w × h level of the plane `buf` (row stride `stride`) whose first sample has
 * parities xOdd, yOdd (B-14), with kind FEED_97, FEED_53 or FEED_PLAIN; `rev`: i32 samples (else
 * f32). `state`: dwtFeedBytes(w) bytes. Returns 1 when the level is applied by the feed, 0 when the
 * rows go straight to the plane (FEED_PLAIN, or h < 2: the caller runs the level on the plane).
 */
export function dwtFeedBegin(state: usize, buf: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, kind: i32, rev: i32): i32 {
  let f = changetype<Feed>(state);
  let span = align16(<usize>max(w, 1) << 2);
  f.kind = kind;
  f.rev = rev != 0 ? 1 : 0;
  f.buf = buf;
  f.rowBytes = <usize>stride << 2;
  f.w = w;
  f.h = max(h, 0);
  f.fed = 0;
  f.out = 0;
  f.span = span;
  f.ring = align16(state + offsetof<Feed>());
  f.level = 0;
  f.reach = kind == FEED_97 ? 4 : 2;
  if (w < 1 || h < 2 || (kind != FEED_97 && kind != FEED_53)) return 0;
  let lv = f.ring + <usize>FEED_RING * span;
  f.level = kind == FEED_97 ? fwd97FedInit(buf, stride, w, h, xOdd & 1, yOdd & 1, lv, f.ring) : fwd53FedInit(buf, stride, w, h, xOdd & 1, yOdd & 1, lv, f.ring);
  return 1;
}

/** Make the output rows [f.out, to). */
// @ts-ignore: decorator
@inline
function feedMake(f: Feed, to: i32): void {
  if (to <= f.out) return;
  stageEnter(STAGE_DWT);
  if (f.kind == FEED_97) fwd97FedRows(f.level, f.out, to);
  else fwd53FedRows(f.level, f.out, to);
  stageLeave(STAGE_DWT);
  f.out = to;
}

/**
 * Where the next input row goes (w samples), 0 once h rows were given out. First makes every output
 * row whose input rows are all in (output row r needs rows up to r + reach, none below r − 2), so the
 * ring slot the row takes is free. Once the last row is given out, the rest of the level is made by
 * the next dwtFeedRow or dwtFeedFinish.
 */
export function dwtFeedRow(state: usize): usize {
  let f = changetype<Feed>(state);
  let r = f.fed;
  if (r >= f.h) {
    dwtFeedFinish(state);
    return 0;
  }
  f.fed = r + 1;
  if (f.level == 0) return f.buf + <usize>r * f.rowBytes;
  feedMake(f, min(r - f.reach, f.h));
  return f.ring + <usize>(r & (FEED_RING - 1)) * f.span;
}

/** After the last input row is in: the level's remaining output rows (nothing before that). */
export function dwtFeedFinish(state: usize): void {
  let f = changetype<Feed>(state);
  if (f.level != 0 && f.fed >= f.h) feedMake(f, f.h);
}

/**
 * `rows` rows of pixel-interleaved samples (`srcStep` samples per pixel, rows `srcStride` samples
 * apart, component c at sample c of a pixel) into the feeds states[0 .. n) (a usize each; 0: the
 * component is not wanted), one row at a time as src/encode.ts unpacks them: mct 2 (n ≥ 3) the DC
 * level shift and the ICT of components 0–2 (unpackIctForward, G.1.2, G.3; unpackIctRowSome when
 * some of them are not wanted), mct 1 the RCT
 * (unpackComponent ×3, rctForward, G.2), then the other components with unpackComponent (rev) or
 * unpackComponentF32. `scratch`: 3 rows of align16(4w) bytes, where the MCT's unwanted outputs go.
 * Each feed's level is finished once its last row is in.
 */
export function dwtFeedPixels(
  states: usize, n: i32, mct: i32, src: usize, srcStep: i32, srcStride: i32, bytesPerSample: i32, signed: i32, w: i32, rows: i32,
  dc: i32, scratch: usize,
): void {
  if (w <= 0 || rows <= 0) return;
  if (n > 4) n = 4;
  if (n < 3) mct = 0;
  let bps = bytesPerSample == 1 ? 1 : bytesPerSample == 2 ? 2 : 4;
  let span = align16(<usize>w << 2);
  let srcRow = <usize>srcStride * <usize>bps;
  let first = mct != 0 ? 3 : 0;
  for (let y = 0; y < rows; y++) {
    let s = src + <usize>y * srcRow;
    if (mct != 0) {
      let d0 = feedDest(states, 0), d1 = feedDest(states, 1), d2 = feedDest(states, 2);
      if (mct == 2) {
        // (outputs not wanted are not computed where the row kernel allows: the same values for the others)
        if (d0 == 0 || d1 == 0 || d2 == 0) unpackIctRowSome(s, srcStep, bps, signed, w, d0, d1, d2, dc, scratch, span);
        else unpackIctForward(s, srcStep, srcStride, bps, signed, w, 1, d0, d1, d2, w, dc, dc, dc);
      } else {
        if (d0 == 0) d0 = scratch;
        if (d1 == 0) d1 = scratch + span;
        if (d2 == 0) d2 = scratch + 2 * span;
        unpackComponent(s, srcStep, srcStride, bps, signed, w, 1, d0, w, dc);
        unpackComponent(s + <usize>bps, srcStep, srcStride, bps, signed, w, 1, d1, w, dc);
        unpackComponent(s + <usize>(2 * bps), srcStep, srcStride, bps, signed, w, 1, d2, w, dc);
        rctForward(d0, d1, d2, w, w, 1);
      }
    }
    for (let c = first; c < n; c++) {
      let d = feedDest(states, c);
      if (d == 0) continue;
      let sc = s + <usize>(c * bps);
      if (changetype<Feed>(load<usize>(states + (<usize>c << alignof<usize>()))).rev != 0) unpackComponent(sc, srcStep, srcStride, bps, signed, w, 1, d, w, dc);
      else unpackComponentF32(sc, srcStep, srcStride, bps, signed, w, 1, d, w, dc);
    }
  }
  for (let c = 0; c < n; c++) {
    let p = load<usize>(states + (<usize>c << alignof<usize>()));
    if (p != 0) dwtFeedFinish(p);
  }
}

/** The next input row of feed states[c], 0 when that component is not wanted or all its rows are in. */
// @ts-ignore: decorator
@inline
function feedDest(states: usize, c: i32): usize {
  let p = load<usize>(states + (<usize>c << alignof<usize>()));
  return p != 0 ? dwtFeedRow(p) : 0;
}
