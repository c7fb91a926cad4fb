// The forward DWT of one tile-component split by rows between two threads (src/worker/encode_split.ts):
// the first K decomposition levels of the rows above a cut on one thread ("top"), of the rows below
// it on another ("bottom"), each with a margin of rows across the cut; both give exactly the samples
// the whole-plane transform (dwt53ForwardLevel / dwt97ForwardLevel for each level, quadrant layout,
// codec/encoder.ts forwardDwt) gives, on its side of the cut.
//
// Why that is exact: a level is separable (F.4.2: VER_SD on every column, then HOR_SD on every row),
// each row of the horizontal pass is transformed on its own, and each output sample y of the
// vertical lifting depends only on the input samples y − a … y + a (F.4.8: the 5/3's two lifting
// steps reach a = 2 samples, the 9/7's four reach a = 4), computed by the same f32 / integer
// operations wherever the sample lies. A part of the level's rows, transformed as a plane of its
// own, has the symmetric extension (F.4.7) at the cut instead of the real neighbours: that spoils
// only its output rows within a of its cut end. Each side therefore transforms E_1 = a·(2^K − 1) rows
// past the cut (E_l = a·(2^(K−l+1) − 1) at level l: the next level needs a rows of the low band
// past its cut, which are 2a rows of this level, plus this level's own a); the rows it keeps are
// exact. The kernels are the whole-plane ones, so the scalar and SIMD builds agree as they do there.
//
// Geometry: the tile-component is [x0, x1) × [y0, y1) (absolute coordinates on the component grid,
// B-12); level l (1 … K) transforms resolution NL − l + 1, whose bounds are ceil(· / 2^(l−1)) of
// these (B-14). `cut` is an absolute row of the tile-component, a multiple of 2^K: at level l the
// cut is row cut / 2^(l−1) of the level's input, so band row cut / 2^l of each of its sub-bands (low
// and high alike, B-15). The caller puts the cut on a code-block row boundary of every split level's
// sub-bands (B.7), so that each code-block lies wholly on one side. The top side owns the level-l
// sub-band rows below cut / 2^l, the bottom side the rest (and of LL_K likewise).
//
// Buffers: `buf` (4-byte samples, i32 for the 5/3, f32 for the 9/7, row stride `stride` samples)
// is laid out as the whole tile-component's buffer: row i holds row y0 + i. `tmp`: at least
// dwtScratchBytes(max(x1 − x0, y1 − y0)) bytes.

import { dwt53ForwardLevel } from "./dwt53";
import { dwt97ForwardLevel } from "./dwt97";
import { lowCount } from "./dwt_layout";
import { ceilDivPow2 } from "../util/math";
import { fail } from "../util/fail";
import { ERR_INVALID_ARGUMENT } from "../util/error_codes";

/** Start (or end) v of the tile-component's extent at the input of level l ≥ 1 (B-14). */
// @ts-ignore: decorator
@inline
function at(v: i32, l: i32): i32 {
  return <i32>ceilDivPow2(<i64>v, l - 1);
}

/** Rows past the cut each side transforms at level 1 (E_1 = a·(2^K − 1), see the file header). */
// @ts-ignore: decorator
@inline
function reach(levels: i32, margin: i32): i32 {
  return margin * ((1 << levels) - 1);
}

/** One forward level on the w × h samples at p (the whole-plane kernels). */
// @ts-ignore: decorator
@inline
function forwardLevel(p: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, rev: i32, tmp: usize): void {
  if (rev != 0) dwt53ForwardLevel(p, stride, w, h, xOdd, yOdd, tmp);
  else dwt97ForwardLevel(p, stride, w, h, xOdd, yOdd, tmp);
}

/**
 * The arguments describe a split every function here can run without leaving the buffer: a
 * non-empty tile-component no wider than the stride, 1 ≤ levels ≤ 16, an even margin ≥ 0, a cut
 * that is a multiple of 2^levels with rows of every split level on both sides of it.
 */
function checkSplit(stride: i32, x0: i32, y0: i32, x1: i32, y1: i32, levels: i32, cut: i32, margin: i32): void {
  let ok = x0 >= 0 && y0 >= 0 && x1 > x0 && y1 > y0 && stride >= x1 - x0 && levels >= 1 && levels <= 16 &&
    margin >= 0 && margin <= 64 && (margin & 1) == 0 && cut > 0 && (cut & ((1 << levels) - 1)) == 0;
  // at the deepest split level, both sides keep at least one low and one high row
  if (ok) ok = (cut >> levels) > at(y0, levels + 1) && (cut >> levels) < at(y1, levels + 1) && at(y1, levels) - (cut >> (levels - 1)) >= 2;
  if (!ok) fail(ERR_INVALID_ARGUMENT, -1, cut, levels);
}

/**
 * Top side, in place: the first `levels` levels of the rows [y0, min(y1, cut + E_1)) (their input
 * samples in `buf`'s rows from 0), each level on the low rows the one before left in place. The
 * high rows stay where the part's own quadrant layout puts them until {@link dwtSplitMove}; the
 * rows of `buf` from cut + E_1 − y0 on are not touched.
 */
export function dwtSplitTop(buf: usize, stride: i32, x0: i32, y0: i32, x1: i32, y1: i32, levels: i32, cut: i32, margin: i32, rev: i32, tmp: usize): void {
  checkSplit(stride, x0, y0, x1, y1, levels, cut, margin);
  let end = min(y1, cut + reach(levels, margin));
  for (let l = 1; l <= levels; l++) {
    let rx0 = at(x0, l), ry0 = at(y0, l);
    forwardLevel(buf, stride, at(x1, l) - rx0, end - ry0, rx0 & 1, ry0 & 1, rev, tmp);
    end = (end + 1) >> 1; // (the part's low rows: the next level's input)
  }
}

/**
 * Top side, after {@link dwtSplitTop}: each split level's high rows that the top side owns moved
 * from the part's quadrant layout to the whole level's (row nL + i of the level; level 1 first,
 * each level's rows from the last: every move is downwards). Writes rows the bottom side's input
 * occupied: call it once that input is no longer needed here.
 */
export function dwtSplitMove(buf: usize, stride: i32, x0: i32, y0: i32, x1: i32, y1: i32, levels: i32, cut: i32, margin: i32): void {
  checkSplit(stride, x0, y0, x1, y1, levels, cut, margin);
  let rowBytes = <usize>stride << 2;
  let end = min(y1, cut + reach(levels, margin));
  for (let l = 1; l <= levels; l++) {
    let ry0 = at(y0, l), ry1 = at(y1, l);
    let bytes = <usize>(at(x1, l) - at(x0, l)) << 2;
    let nL = lowCount(ry1 - ry0, ry0 & 1);
    let nLc = lowCount(end - ry0, ry0 & 1);
    // high rows n with 2n + 1 in [ry0, cut_l): n in [floor(ry0 / 2), cut_l / 2)
    let count = ((cut >> (l - 1)) >> 1) - (ry0 >> 1);
    for (let i = count - 1; i >= 0; i--) memory.copy(buf + <usize>(nL + i) * rowBytes, buf + <usize>(nLc + i) * rowBytes, bytes);
    end = (end + 1) >> 1;
  }
}

/**
 * Bottom side, in place: the first `levels` levels of the rows [max(y0, cut − E_1), y1), whose input
 * samples lie in `buf` at their own rows (row y − y0). Afterwards every sample the bottom side owns
 * is where the whole-plane transform puts it (each level's low rows are moved up into place before
 * the next level; its high rows are in place already), as is LL_K's rows from cut / 2^K on; the
 * other rows of `buf` hold no meaning.
 */
export function dwtSplitBottom(buf: usize, stride: i32, x0: i32, y0: i32, x1: i32, y1: i32, levels: i32, cut: i32, margin: i32, rev: i32, tmp: usize): void {
  checkSplit(stride, x0, y0, x1, y1, levels, cut, margin);
  let rowBytes = <usize>stride << 2;
  let s = max(y0, cut - reach(levels, margin));
  for (let l = 1; l <= levels; l++) {
    let rx0 = at(x0, l), ry0 = at(y0, l);
    let bytes = <usize>(at(x1, l) - rx0) << 2;
    let part = buf + <usize>(s - ry0) * rowBytes;
    let h = at(y1, l) - s;
    forwardLevel(part, stride, at(x1, l) - rx0, h, rx0 & 1, s & 1, rev, tmp);
    // the part's low rows start at band row ceil(s / 2), whole-level row ceil(s / 2) − ceil(ry0 / 2);
    // its high rows are at their whole-level rows already (nL + floor(s / 2) − floor(ry0 / 2) = s − ry0 + nLs)
    let nLs = lowCount(h, s & 1);
    let to = buf + <usize>(((s + 1) >> 1) - ((ry0 + 1) >> 1)) * rowBytes;
    for (let i = 0; i < nLs; i++) memory.copy(to + <usize>i * rowBytes, part + <usize>i * rowBytes, bytes);
    s = (s + 1) >> 1;
  }
}

/**
 * Copy the samples the bottom side owns (after {@link dwtSplitBottom} in `src`) to `dst` (same
 * layout and stride): each split level's HL rows from cut / 2^l, its LH and HH rows from cut / 2^l,
 * and LL_K's rows from cut / 2^K. The top side's samples in `dst` are not touched.
 */
export function dwtSplitPlace(src: usize, dst: usize, stride: i32, x0: i32, y0: i32, x1: i32, y1: i32, levels: i32, cut: i32, margin: i32): void {
  checkSplit(stride, x0, y0, x1, y1, levels, cut, margin);
  let rowBytes = <usize>stride << 2;
  for (let l = 1; l <= levels; l++) {
    let rx0 = at(x0, l), ry0 = at(y0, l);
    let w = at(x1, l) - rx0, h = at(y1, l) - ry0;
    let nL = lowCount(h, ry0 & 1), wL = lowCount(w, rx0 & 1);
    let c = (cut >> (l - 1)) >> 1;
    let lowFrom = c - ((ry0 + 1) >> 1), highFrom = nL + c - (ry0 >> 1);
    // HL (and LL_K at the last level); then LH and HH
    let left = l == levels ? 0 : wL;
    for (let r = lowFrom; r < nL; r++) {
      let o = <usize>r * rowBytes + (<usize>left << 2);
      memory.copy(dst + o, src + o, <usize>(w - left) << 2);
    }
    for (let r = highFrom; r < h; r++) memory.copy(dst + <usize>r * rowBytes, src + <usize>r * rowBytes, <usize>w << 2);
  }
}
