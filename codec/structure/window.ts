// Decode windows (region and reduced-resolution decoding).
//
// For a tile-component decoded up to resolution R with output window W_R (resolution-R coordinates),
// each inverse DWT level r needs its input only on a window: W'_r = W_r grown by the filter margin
// (clipped to the resolution), whose low half W_{r-1} = [ceil(a/2), ceil(b/2)) comes from level r-1
// and whose high half [floor(a/2), floor(b/2)) comes from the sub-bands (F.3.1-F.3.2: sample n of
// resolution r is low-pass when n is even). Samples of W'_r within `margin` of a window edge that is
// not the resolution edge may be wrong (symmetric extension is applied at the window edge), which is
// why the window carries the margin: the 5/3 inverse spreads an edge error by 2 samples, the 9/7 by 4.
// Code-blocks outside every window are never decoded, and buffers scale with the window.

import { TileComp, Resolution, Band, PrecinctBand, CodeBlock, resolution, band, precinctBand, codeBlock } from "./tile";

const MARGIN_53: i32 = 2;
const MARGIN_97: i32 = 4;

/**
 * Set windows of all resolutions/bands of `tc` for output window [ox0,ox1)x[oy0,oy1) at resolution R.
 * `mark`: also flag the code-blocks built so far (a lazily built tile has none yet: its precincts
 * take `needed` from the windows when they are built).
 */
export function setWindows(tc: TileComp, R: i32, ox0: i32, oy0: i32, ox1: i32, oy1: i32, mark: bool = true): void {
  computeWindows(tc, R, ox0, oy0, ox1, oy1);
  clearWindows(tc, R + 1); // resolutions above R are not decoded
  if (mark) markNeeded(tc);
}

/**
 * The windows of resolutions 0..R and their bands for output window [ox0,ox1)x[oy0,oy1) at
 * resolution R, without touching the code-blocks' `needed` flags (strip decoding moves the window
 * down a tile many times after T2 has run once for the whole tile).
 */
export function computeWindows(tc: TileComp, R: i32, ox0: i32, oy0: i32, ox1: i32, oy1: i32): void {
  let m = tc.style.reversible != 0 ? MARGIN_53 : MARGIN_97;
  let a = ox0, b = ox1, c = oy0, d = oy1;
  for (let r = R; r >= 0; r--) {
    let res = resolution(tc, r);
    if (r > 0) {
      a = max(a - m, res.x0);
      b = min(b + m, res.x1);
      c = max(c - m, res.y0);
      d = min(d + m, res.y1);
    }
    res.wx0 = a;
    res.wx1 = b;
    res.wy0 = c;
    res.wy1 = d;
    if (r == 0) {
      let bd = band(res, 0);
      bd.wx0 = a;
      bd.wx1 = b;
      bd.wy0 = c;
      bd.wy1 = d;
    } else {
      let lx0 = ceilHalf(a), lx1 = ceilHalf(b), hx0 = a >> 1, hx1 = b >> 1;
      let ly0 = ceilHalf(c), ly1 = ceilHalf(d), hy0 = c >> 1, hy1 = d >> 1;
      for (let k = 0; k < 3; k++) {
        let bd = band(res, k);
        let o = bd.orient; // 1 HL, 2 LH, 3 HH
        bd.wx0 = (o & 1) != 0 ? hx0 : lx0;
        bd.wx1 = (o & 1) != 0 ? hx1 : lx1;
        bd.wy0 = (o & 2) != 0 ? hy0 : ly0;
        bd.wy1 = (o & 2) != 0 ? hy1 : ly1;
      }
      a = lx0;
      b = lx1;
      c = ly0;
      d = ly1;
    }
  }
}

/** Empty windows for resolutions r0 and up (and their bands). */
function clearWindows(tc: TileComp, r0: i32): void {
  for (let r = r0; r < tc.numRes; r++) {
    let res = resolution(tc, r);
    res.wx0 = res.wx1 = res.wy0 = res.wy1 = 0;
    for (let k = 0; k < res.numBands; k++) {
      let bd = band(res, k);
      bd.wx0 = bd.wx1 = bd.wy0 = bd.wy1 = 0;
    }
  }
}

// @ts-ignore: decorator
@inline
function ceilHalf(v: i32): i32 {
  return (v + 1) >> 1;
}

/** Flag the code-blocks that intersect their band's window. */
export function markNeeded(tc: TileComp): void {
  for (let r = 0; r < tc.numRes; r++) {
    let res = resolution(tc, r);
    let np = res.pw * res.ph;
    for (let k = 0; k < res.numBands; k++) {
      let bd = band(res, k);
      for (let p = 0; p < np; p++) {
        let pb = precinctBand(bd, p);
        let n = pb.cw * pb.ch;
        for (let i = 0; i < n; i++) {
          let cb = codeBlock(pb, i);
          cb.needed = cb.x0 < bd.wx1 && cb.x1 > bd.wx0 && cb.y0 < bd.wy1 && cb.y1 > bd.wy0 ? 1 : 0;
        }
      }
    }
  }
}

/** Mark nothing needed (component not decoded); `mark` as in setWindows. */
export function markNoneNeeded(tc: TileComp, mark: bool = true): void {
  clearWindows(tc, 0);
  if (mark) markNeeded(tc);
}

/** Largest window width / height over the resolutions up to R (the buffer size). */
export function windowBufferWidth(tc: TileComp, R: i32): i32 {
  let w = 0;
  for (let r = 0; r <= R; r++) {
    let res = resolution(tc, r);
    w = max(w, res.wx1 - res.wx0);
  }
  return w;
}

export function windowBufferHeight(tc: TileComp, R: i32): i32 {
  let h = 0;
  for (let r = 0; r <= R; r++) {
    let res = resolution(tc, r);
    h = max(h, res.wy1 - res.wy0);
  }
  return h;
}
