// Reversible 5/3 wavelet transform, one decomposition level (ISO/IEC 15444-1 F.3.8.1 / F.4.8.1).
//
// ABI (pointer-only; strides in samples, pointers in bytes):
//
//   dwt53InverseLevel(buf: usize /*i32*/, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize)
//   dwt53InverseLevelTo(src: usize, dst: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize)
//   dwt53ForwardLevel(buf: usize /*i32*/, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize)
//
// * `buf` holds the top-left `w × h` samples of a level, row stride `stride` (≥ w). The inverse turns
//   the quadrant layout of codec/transform/dwt_layout.ts into interleaved samples, the forward does
//   the opposite; both work in place. Nothing outside the `w × h` region is read or written.
// * `xOdd = u0 & 1`, `yOdd = v0 & 1` (origin parity of this resolution, B.5): when odd, the first
//   sample of a row (column) is a high-pass sample.
// * `tmp`: at least dwtScratchBytes(max(w, h)) bytes (dwt_layout.ts), any alignment, contents ignored.
// * `w == 0` or `h == 0` is a no-op.
//
// Arithmetic is exactly the standard's integer lifting with floor division (arithmetic shifts):
//   inverse (F.3.8.1): X(2n)   = Y(2n)   − ⌊(Y(2n−1) + Y(2n+1) + 2) / 4⌋
//                   X(2n+1) = Y(2n+1) + ⌊(X(2n) + X(2n+2)) / 2⌋
//   forward (F.4.8.1): Y(2n+1) = X(2n+1) − ⌊(X(2n) + X(2n+2)) / 2⌋
//                   Y(2n)   = X(2n)   + ⌊(Y(2n−1) + Y(2n+1) + 2) / 4⌋
// The periodic symmetric extension (F.3.7) mirrors about the first and last sample
// without repeating them, and lifting with symmetric filters keeps every intermediate signal
// symmetric; so each out-of-range neighbour of a step equals the nearest in-range sample of the same
// band — the kernels clamp band indices instead of materialising the extension.
// Single-sample signals (i0 = i1 − 1, F.3.7/F.4.7): an even sample is copied; an odd one is
// X = Y / 2 on the inverse side (integer division truncating toward zero, as OpenJPEG does; the
// value is even for any codestream a forward transform produced) and Y = 2·X on the forward side.
//
// Order (F.3.2 / F.4.2): the inverse runs HOR_SR on every row, then VER_SR on every column; the
// forward runs VER_SD, then HOR_SD. The vertical pass works on DWT_COLS columns at a time.
// SIMD twin: `if (ASC_FEATURE_SIMD)` branches use v128 integer ops with the same arithmetic, so both
// builds give bit-identical results.

import {
  DWT_COLS, lowCount, interleaveRow32, deinterleaveRow32, copyLanes32, align16, forwardLevelStreamed, HeldRows, heldStart,
  heldPlace, heldDest, FEED_RING,
} from "./dwt_layout";
import { stageEnter, stageLeave, STAGE_DWT } from "../util/stages";

// ---------------------------------------------------------------------------------------------
// Lifting steps over "element" arrays: element n of T is at t + n·lanes·4 and holds `lanes` i32.
// Sources S[n+o] and S[n+o+1] are clamped to [0, nS−1] (symmetric extension, see header).
// ---------------------------------------------------------------------------------------------

/** T[n] = X[n] ∓ ⌊(S[n+o] + S[n+o+1] + 2) / 4⌋ — the low-pass (update) step (X = T: in place); `sub` for the inverse. */
// @ts-ignore: decorator
@inline
function update53(t: usize, x0: usize, nT: i32, s: usize, nS: i32, o: i32, lanes: i32, sub: bool): void {
  let lo = -o > 0 ? -o : 0; // first n with n + o >= 0
  let hi = nS - 1 - o; // first n with n + o + 1 > nS - 1
  let a = lo < nT ? lo : nT;
  let b = hi < nT ? hi : nT;
  if (b < a) b = a;
  for (let n = 0; n < a; n++) update53Edge(t, x0, n, s, nS, o, lanes, sub);
  // interior: a flat loop over a·lanes .. b·lanes, no clamping needed
  let i = a * lanes;
  let end = b * lanes;
  let s0 = s + <usize>((o * lanes) << 2);
  let s1 = s + <usize>(((o + 1) * lanes) << 2);
  if (ASC_FEATURE_SIMD) {
    let two = i32x4.splat(2);
    for (; i + 4 <= end; i += 4) {
      let off = <usize>i << 2;
      let d = i32x4.shr_s(i32x4.add(i32x4.add(v128.load(s0 + off), v128.load(s1 + off)), two), 2);
      let x = v128.load(x0 + off);
      v128.store(t + off, sub ? i32x4.sub(x, d) : i32x4.add(x, d));
    }
  }
  for (; i < end; i++) {
    let off = <usize>i << 2;
    let d = (load<i32>(s0 + off) + load<i32>(s1 + off) + 2) >> 2;
    let x = load<i32>(x0 + off);
    store<i32>(t + off, sub ? x - d : x + d);
  }
  for (let n = b; n < nT; n++) update53Edge(t, x0, n, s, nS, o, lanes, sub);
}

// @ts-ignore: decorator
@inline
function update53Edge(t: usize, x0: usize, n: i32, s: usize, nS: i32, o: i32, lanes: i32, sub: bool): void {
  let i0 = n + o;
  let i1 = i0 + 1;
  if (i0 < 0) i0 = 0;
  if (i0 > nS - 1) i0 = nS - 1;
  if (i1 < 0) i1 = 0;
  if (i1 > nS - 1) i1 = nS - 1;
  let tp = t + (<usize>(n * lanes) << 2);
  let xp = x0 + (<usize>(n * lanes) << 2);
  let p0 = s + (<usize>(i0 * lanes) << 2);
  let p1 = s + (<usize>(i1 * lanes) << 2);
  for (let c = 0; c < lanes; c++) {
    let off = <usize>c << 2;
    let d = (load<i32>(p0 + off) + load<i32>(p1 + off) + 2) >> 2;
    let x = load<i32>(xp + off);
    store<i32>(tp + off, sub ? x - d : x + d);
  }
}

/** T[n] ±= ⌊(S[n+o] + S[n+o+1]) / 2⌋ — the high-pass (predict) step; `add` for the inverse. */
// @ts-ignore: decorator
@inline
function predict53(t: usize, nT: i32, s: usize, nS: i32, o: i32, lanes: i32, add: bool): void {
  let lo = -o > 0 ? -o : 0;
  let hi = nS - 1 - o;
  let a = lo < nT ? lo : nT;
  let b = hi < nT ? hi : nT;
  if (b < a) b = a;
  for (let n = 0; n < a; n++) predict53Edge(t, n, s, nS, o, lanes, add);
  let i = a * lanes;
  let end = b * lanes;
  let s0 = s + <usize>((o * lanes) << 2);
  let s1 = s + <usize>(((o + 1) * lanes) << 2);
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= end; i += 4) {
      let off = <usize>i << 2;
      let d = i32x4.shr_s(i32x4.add(v128.load(s0 + off), v128.load(s1 + off)), 1);
      let x = v128.load(t + off);
      v128.store(t + off, add ? i32x4.add(x, d) : i32x4.sub(x, d));
    }
  }
  for (; i < end; i++) {
    let off = <usize>i << 2;
    let d = (load<i32>(s0 + off) + load<i32>(s1 + off)) >> 1;
    let x = load<i32>(t + off);
    store<i32>(t + off, add ? x + d : x - d);
  }
  for (let n = b; n < nT; n++) predict53Edge(t, n, s, nS, o, lanes, add);
}

// @ts-ignore: decorator
@inline
function predict53Edge(t: usize, n: i32, s: usize, nS: i32, o: i32, lanes: i32, add: bool): void {
  let i0 = n + o;
  let i1 = i0 + 1;
  if (i0 < 0) i0 = 0;
  if (i0 > nS - 1) i0 = nS - 1;
  if (i1 < 0) i1 = 0;
  if (i1 > nS - 1) i1 = nS - 1;
  let tp = t + (<usize>(n * lanes) << 2);
  let p0 = s + (<usize>(i0 * lanes) << 2);
  let p1 = s + (<usize>(i1 * lanes) << 2);
  for (let c = 0; c < lanes; c++) {
    let off = <usize>c << 2;
    let d = (load<i32>(p0 + off) + load<i32>(p1 + off)) >> 1;
    let x = load<i32>(tp + off);
    store<i32>(tp + off, add ? x + d : x - d);
  }
}

// ---------------------------------------------------------------------------------------------
// Horizontal (rows)
// ---------------------------------------------------------------------------------------------

/** HOR_SR on one row (quadrant → interleaved). */
function rowInverse53(row: usize, w: i32, odd: i32, tmp: usize): void {
  if (w == 1) {
    if (odd) store<i32>(row, load<i32>(row) / 2);
    return;
  }
  let nL = lowCount(w, odd);
  let nH = w - nL;
  memory.copy(tmp, row, <usize>w << 2);
  let lp = tmp;
  let hp = tmp + (<usize>nL << 2);
  update53(lp, lp, nL, hp, nH, odd - 1, 1, true);
  predict53(hp, nH, lp, nL, -odd, 1, true);
  if (odd) interleaveRow32(row, hp, nH, lp, nL);
  else interleaveRow32(row, lp, nL, hp, nH);
}

/** HOR_SD on one row (interleaved → quadrant). */
function rowForward53(row: usize, w: i32, odd: i32, tmp: usize): void {
  rowForward53To(row, row, w, odd, tmp);
}

/** HOR_SD of the row at `src` (w samples), the result at `dst` (may be `src`). */
function rowForward53To(src: usize, dst: usize, w: i32, odd: i32, tmp: usize): void {
  if (w == 1) {
    let v = load<i32>(src);
    store<i32>(dst, odd ? v << 1 : v);
    return;
  }
  let nL = lowCount(w, odd);
  let nH = w - nL;
  let lp = tmp;
  let hp = tmp + (<usize>nL << 2);
  if (odd) deinterleaveRow32(src, hp, nH, lp, nL);
  else deinterleaveRow32(src, lp, nL, hp, nH);
  if (dst == src) {
    predict53(hp, nH, lp, nL, -odd, 1, false);
    update53(lp, lp, nL, hp, nH, odd - 1, 1, false);
    memory.copy(dst, tmp, <usize>w << 2);
  } else {
    rowLifts53To(dst, lp, nL, hp, nH, odd);
  }
}

/** HOR_SD after the deinterleave (bands at lp, hp), out of place: the update step writes the low band straight to dst. */
// @ts-ignore: decorator
@inline
function rowLifts53To(dst: usize, lp: usize, nL: i32, hp: usize, nH: i32, odd: i32): void {
  predict53(hp, nH, lp, nL, -odd, 1, false);
  update53(dst, lp, nL, hp, nH, odd - 1, 1, false);
  memory.copy(dst + (<usize>nL << 2), hp, <usize>nH << 2);
}

// ---------------------------------------------------------------------------------------------
// Vertical (groups of DWT_COLS columns)
//
// A full group is processed with the first lifting step fused into the gather and the last one into
// the scatter, so each row segment of `buf` is read once and written once and the scratch block is
// swept as little as possible. A partial group (w not a multiple of DWT_COLS) is gathered into a
// zero-padded block, lifted with the generic steps and scattered; the arithmetic is the same.
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline
function clampIndex(i: i32, n: i32): i32 {
  return i < 0 ? 0 : i > n - 1 ? n - 1 : i;
}

/** One element of DWT_COLS lanes: dst = x ∓ ⌊(a + b + 2) / 4⌋ (`sub` for the inverse). */
// @ts-ignore: decorator
@inline
function updateElem53(dst: usize, x: usize, a: usize, b: usize, sub: bool): void {
  if (ASC_FEATURE_SIMD) {
    let two = i32x4.splat(2);
    for (let j: usize = 0; j < (<usize>DWT_COLS << 2); j += 16) {
      let d = i32x4.shr_s(i32x4.add(i32x4.add(v128.load(a + j), v128.load(b + j)), two), 2);
      let v = v128.load(x + j);
      v128.store(dst + j, sub ? i32x4.sub(v, d) : i32x4.add(v, d));
    }
  } else {
    for (let j: usize = 0; j < (<usize>DWT_COLS << 2); j += 4) {
      let d = (load<i32>(a + j) + load<i32>(b + j) + 2) >> 2;
      let v = load<i32>(x + j);
      store<i32>(dst + j, sub ? v - d : v + d);
    }
  }
}

/** One element of DWT_COLS lanes: dst = x ± ⌊(a + b) / 2⌋ (`add` for the inverse). */
// @ts-ignore: decorator
@inline
function predictElem53(dst: usize, x: usize, a: usize, b: usize, add: bool): void {
  if (ASC_FEATURE_SIMD) {
    for (let j: usize = 0; j < (<usize>DWT_COLS << 2); j += 16) {
      let d = i32x4.shr_s(i32x4.add(v128.load(a + j), v128.load(b + j)), 1);
      let v = v128.load(x + j);
      v128.store(dst + j, add ? i32x4.add(v, d) : i32x4.sub(v, d));
    }
  } else {
    for (let j: usize = 0; j < (<usize>DWT_COLS << 2); j += 4) {
      let d = (load<i32>(a + j) + load<i32>(b + j)) >> 1;
      let v = load<i32>(x + j);
      store<i32>(dst + j, add ? v + d : v - d);
    }
  }
}

/** VER_SR on one full group of DWT_COLS columns starting at `col`. */
function groupInverse53(col: usize, rowBytes: usize, nL: i32, nH: i32, odd: i32, tmp: usize): void {
  let eb = <usize>DWT_COLS << 2;
  let lp = tmp;
  let hp = tmp + <usize>nL * eb;
  for (let n = 0; n < nH; n++) copyLanes32(hp + <usize>n * eb, col + <usize>(nL + n) * rowBytes, DWT_COLS);
  // lows (fused with the gather): L[n] −= ⌊(H[n+odd−1] + H[n+odd] + 2) / 4⌋
  for (let n = 0; n < nL; n++) {
    let a = clampIndex(n + odd - 1, nH), b = clampIndex(n + odd, nH);
    updateElem53(lp + <usize>n * eb, col + <usize>n * rowBytes, hp + <usize>a * eb, hp + <usize>b * eb, true);
  }
  // highs (fused with the scatter): H[n] += ⌊(L[n−odd] + L[n−odd+1]) / 2⌋; rows in output order
  let m = nL > nH ? nL : nH;
  for (let n = 0; n < m; n++) {
    if (n < nL) copyLanes32(col + <usize>(2 * n + odd) * rowBytes, lp + <usize>n * eb, DWT_COLS);
    if (n < nH) {
      let a = clampIndex(n - odd, nL), b = clampIndex(n - odd + 1, nL);
      predictElem53(col + <usize>(2 * n + 1 - odd) * rowBytes, hp + <usize>n * eb, lp + <usize>a * eb, lp + <usize>b * eb, true);
    }
  }
}

/** VER_SD on one full group of DWT_COLS columns starting at `col`. */
function groupForward53(col: usize, rowBytes: usize, nL: i32, nH: i32, odd: i32, tmp: usize): void {
  let eb = <usize>DWT_COLS << 2;
  let lp = tmp;
  let hp = tmp + <usize>nL * eb;
  for (let n = 0; n < nL; n++) copyLanes32(lp + <usize>n * eb, col + <usize>(2 * n + odd) * rowBytes, DWT_COLS);
  // highs (fused with the gather): H[n] −= ⌊(L[n−odd] + L[n−odd+1]) / 2⌋
  for (let n = 0; n < nH; n++) {
    let a = clampIndex(n - odd, nL), b = clampIndex(n - odd + 1, nL);
    predictElem53(hp + <usize>n * eb, col + <usize>(2 * n + 1 - odd) * rowBytes, lp + <usize>a * eb, lp + <usize>b * eb, false);
  }
  // lows (fused with the scatter): L[n] += ⌊(H[n+odd−1] + H[n+odd] + 2) / 4⌋
  for (let n = 0; n < nL; n++) {
    let a = clampIndex(n + odd - 1, nH), b = clampIndex(n + odd, nH);
    updateElem53(col + <usize>n * rowBytes, lp + <usize>n * eb, hp + <usize>a * eb, hp + <usize>b * eb, false);
  }
  for (let n = 0; n < nH; n++) copyLanes32(col + <usize>(nL + n) * rowBytes, hp + <usize>n * eb, DWT_COLS);
}

/** VER_SR on all columns (quadrant rows → interleaved rows). */
function colsInverse53(buf: usize, stride: i32, w: i32, h: i32, odd: i32, tmp: usize): void {
  let rowBytes = <usize>stride << 2;
  if (h == 1) {
    if (odd) {
      for (let x = 0; x < w; x++) {
        let p = buf + (<usize>x << 2);
        store<i32>(p, load<i32>(p) / 2);
      }
    }
    return;
  }
  let nL = lowCount(h, odd);
  let nH = h - nL;
  let lanes = DWT_COLS;
  let eb = <usize>lanes << 2; // bytes per tmp element
  let lp = tmp;
  let hp = tmp + <usize>nL * eb;
  let x = 0;
  for (; x + lanes <= w; x += lanes) groupInverse53(buf + (<usize>x << 2), rowBytes, nL, nH, odd, tmp);
  if (x < w) {
    let cols = w - x;
    let col = buf + (<usize>x << 2);
    memory.fill(tmp, 0, <usize>h * eb);
    for (let r = 0; r < h; r++) copyLanes32(tmp + <usize>r * eb, col + <usize>r * rowBytes, cols);
    update53(lp, lp, nL, hp, nH, odd - 1, lanes, true);
    predict53(hp, nH, lp, nL, -odd, lanes, true);
    for (let n = 0; n < nL; n++) copyLanes32(col + <usize>(2 * n + odd) * rowBytes, lp + <usize>n * eb, cols);
    for (let n = 0; n < nH; n++) copyLanes32(col + <usize>(2 * n + 1 - odd) * rowBytes, hp + <usize>n * eb, cols);
  }
}

/** VER_SD on all columns (interleaved rows → quadrant rows). */
function colsForward53(buf: usize, stride: i32, w: i32, h: i32, odd: i32, tmp: usize): void {
  let rowBytes = <usize>stride << 2;
  if (h == 1) {
    if (odd) {
      for (let x = 0; x < w; x++) {
        let p = buf + (<usize>x << 2);
        store<i32>(p, load<i32>(p) << 1);
      }
    }
    return;
  }
  let nL = lowCount(h, odd);
  let nH = h - nL;
  let lanes = DWT_COLS;
  let eb = <usize>lanes << 2;
  let lp = tmp;
  let hp = tmp + <usize>nL * eb;
  let x = 0;
  for (; x + lanes <= w; x += lanes) groupForward53(buf + (<usize>x << 2), rowBytes, nL, nH, odd, tmp);
  if (x < w) {
    let cols = w - x;
    let col = buf + (<usize>x << 2);
    memory.fill(tmp, 0, <usize>h * eb);
    for (let n = 0; n < nL; n++) copyLanes32(lp + <usize>n * eb, col + <usize>(2 * n + odd) * rowBytes, cols);
    for (let n = 0; n < nH; n++) copyLanes32(hp + <usize>n * eb, col + <usize>(2 * n + 1 - odd) * rowBytes, cols);
    predict53(hp, nH, lp, nL, -odd, lanes, false);
    update53(lp, lp, nL, hp, nH, odd - 1, lanes, false);
    for (let r = 0; r < h; r++) copyLanes32(col + <usize>r * rowBytes, tmp + <usize>r * eb, cols);
  }
}

// ---------------------------------------------------------------------------------------------
// One-sweep inverse (out of place): dwt53InverseLevelTo
//
// The level is read from `src` (quadrant layout) and written to `dst` (interleaved) top to bottom in
// one pass: for each low row n, the high rows it needs are transformed horizontally into a ring of two
// rows in the scratch, then the low row is transformed and, sample by sample on the way out, finished
// vertically (update with the two ring rows) together with the high output row above it (predict
// from the ring row and the two low output rows around it), all while these rows are in cache; each
// sample of the level is read once from `src` and written once to `dst`. Every sample sees the same
// integer operations as in HOR_SR over all rows followed by VER_SR over all columns (the two passes
// of dwt53InverseLevel), so the output is identical; only the order of independent operations changes.
// ---------------------------------------------------------------------------------------------

/**
 * One output sample of a row transform at byte offset `o`: stored as is (`vert` false), or, for a
 * low output row, finished vertically: low = v − ⌊(ra + rb + 2) / 4⌋ (the update step with the two
 * transformed high rows around it) and, when `hOut` ≠ 0, the high output row above it too:
 * ra + ⌊(prev + low) / 2⌋ (`prev`: the low output row above, which may be `dst` itself — it is
 * read after the store).
 */
// @ts-ignore: decorator
@inline
function put1(o: usize, v: i32, dst: usize, vert: bool, hOut: usize, ra: usize, rb: usize, prev: usize): void {
  if (!vert) {
    store<i32>(dst + o, v);
    return;
  }
  let h = load<i32>(ra + o);
  let low = v - ((h + load<i32>(rb + o) + 2) >> 2);
  store<i32>(dst + o, low);
  if (hOut != 0) store<i32>(hOut + o, h + ((load<i32>(prev + o) + low) >> 1));
}

/** put1 for 4 samples (SIMD). */
// @ts-ignore: decorator
@inline
function put4(o: usize, v: v128, dst: usize, vert: bool, hOut: usize, ra: usize, rb: usize, prev: usize): void {
  if (!vert) {
    v128.store(dst + o, v);
    return;
  }
  let h = v128.load(ra + o);
  let low = i32x4.sub(v, i32x4.shr_s(i32x4.add(i32x4.add(h, v128.load(rb + o)), i32x4.splat(2)), 2));
  v128.store(dst + o, low);
  if (hOut != 0) v128.store(hOut + o, i32x4.add(h, i32x4.shr_s(i32x4.add(v128.load(prev + o), low), 1)));
}

/**
 * HOR_SR of one row: `src` in quadrant order → `dst` interleaved (src is not written; dst ≠ src),
 * each sample passed through put1/put4. `tmp`: lowCount(w, odd) samples. w ≥ 1. `hsrc`: where the
 * row's high samples are when not right after its lows in `src` (0: there).
 */
// @ts-ignore: decorator
@inline
function rowInverse53To(dst: usize, src: usize, hsrc: usize, w: i32, odd: i32, tmp: usize, vert: bool, hOut: usize, ra: usize, rb: usize, prev: usize): void {
  if (w == 1) {
    let v = load<i32>(src);
    put1(0, odd ? v / 2 : v, dst, vert, hOut, ra, rb, prev);
    return;
  }
  let nL = lowCount(w, odd);
  let nH = w - nL;
  let hp = hsrc != 0 ? hsrc : src + (<usize>nL << 2);
  if (ASC_FEATURE_SIMD) {
    if (odd == 0 && nH >= 8) {
      rowEvenFused53(dst, src, nL, hp, nH, tmp, vert, hOut, ra, rb, prev);
      return;
    }
  }
  // lows: T[n] = L[n] − ⌊(H[n+odd−1] + H[n+odd] + 2) / 4⌋
  update53(tmp, src, nL, hp, nH, odd - 1, 1, true);
  // highs, interleaved with the lows on the way out: H[n] + ⌊(T[n−odd] + T[n−odd+1]) / 2⌋
  if (odd == 0) interleavePredictEven53(dst, tmp, nL, hp, nH, vert, hOut, ra, rb, prev);
  else interleavePredictOdd53(dst, tmp, nL, hp, nH, vert, hOut, ra, rb, prev);
}

/**
 * SIMD, even origin, nH ≥ 8: the lows T and the interleaved output in one loop (T[n+4 .. n+7] is
 * computed one step ahead and T[n+1 .. n+4] taken from it by a shuffle), the same operations per
 * sample as update53 + interleavePredictEven53; the last few samples go through `tmp` as there.
 */
// @ts-ignore: decorator
@inline
function rowEvenFused53(dst: usize, src: usize, nL: i32, hp: usize, nH: i32, tmp: usize, vert: bool, hOut: usize, ra: usize, rb: usize, prev: usize): void {
  if (ASC_FEATURE_SIMD) {
    let two = i32x4.splat(2);
    let hc = v128.load(hp); // H[n .. n+3]
    let hm = v128.shuffle<i32>(hc, hc, 0, 0, 1, 2); // H[−1 .. 2], H[−1] mirrored to H[0]
    let tc = i32x4.sub(v128.load(src), i32x4.shr_s(i32x4.add(i32x4.add(hm, hc), two), 2)); // T[n .. n+3]
    let n = 0;
    for (; n + 8 <= nH; n += 4) {
      let o = <usize>(n + 4) << 2;
      let hn = v128.load(hp + o); // H[n+4 .. n+7]
      let tn = i32x4.sub(v128.load(src + o), i32x4.shr_s(i32x4.add(i32x4.add(v128.load(hp + o - 4), hn), two), 2));
      let t1 = v128.shuffle<i32>(tc, tn, 1, 2, 3, 4); // T[n+1 .. n+4]
      let hv = i32x4.add(hc, i32x4.shr_s(i32x4.add(tc, t1), 1));
      let d = <usize>n << 3;
      put4(d, v128.shuffle<i32>(tc, hv, 0, 4, 1, 5), dst, vert, hOut, ra, rb, prev);
      put4(d + 16, v128.shuffle<i32>(tc, hv, 2, 6, 3, 7), dst, vert, hOut, ra, rb, prev);
      tc = tn;
      hc = hn;
    }
    // the rest: T[n .. n+3] is in tc (n + 4 ≤ nH), the lows after it as in update53
    v128.store(tmp + (<usize>n << 2), tc);
    for (let k = n + 4; k < nL; k++) {
      let a = k - 1 < nH - 1 ? k - 1 : nH - 1;
      let b = k < nH - 1 ? k : nH - 1;
      let x = load<i32>(src + (<usize>k << 2));
      store<i32>(tmp + (<usize>k << 2), x - ((load<i32>(hp + (<usize>a << 2)) + load<i32>(hp + (<usize>b << 2)) + 2) >> 2));
    }
    interleaveTailEven53(n, dst, tmp, nL, hp, nH, vert, hOut, ra, rb, prev);
  }
}

/** Even origin (nL = nH or nH + 1): dst[2n] = T[n], dst[2n+1] = H[n] + ⌊(T[n] + T[min(n+1, nL−1)]) / 2⌋. */
// @ts-ignore: decorator
@inline
function interleavePredictEven53(dst: usize, t: usize, nL: i32, hp: usize, nH: i32, vert: bool, hOut: usize, ra: usize, rb: usize, prev: usize): void {
  let n = 0;
  if (ASC_FEATURE_SIMD) {
    for (; n + 5 <= nL && n + 4 <= nH; n += 4) {
      let o = <usize>n << 2;
      let t0 = v128.load(t + o);
      let hv = i32x4.add(v128.load(hp + o), i32x4.shr_s(i32x4.add(t0, v128.load(t + o + 4)), 1));
      let d = <usize>n << 3;
      put4(d, v128.shuffle<i32>(t0, hv, 0, 4, 1, 5), dst, vert, hOut, ra, rb, prev);
      put4(d + 16, v128.shuffle<i32>(t0, hv, 2, 6, 3, 7), dst, vert, hOut, ra, rb, prev);
    }
  } else {
    let end = nL - 1 < nH ? nL - 1 : nH;
    for (; n < end; n++) {
      let o = <usize>n << 2;
      let t0 = load<i32>(t + o);
      let d = <usize>n << 3;
      put1(d, t0, dst, vert, hOut, ra, rb, prev);
      put1(d + 4, load<i32>(hp + o) + ((t0 + load<i32>(t + o + 4)) >> 1), dst, vert, hOut, ra, rb, prev);
    }
  }
  interleaveTailEven53(n, dst, t, nL, hp, nH, vert, hOut, ra, rb, prev);
}

/** interleavePredictEven53's last samples, from n on, one at a time (the last high uses T[nL−1] twice). */
// @ts-ignore: decorator
@inline
function interleaveTailEven53(n: i32, dst: usize, t: usize, nL: i32, hp: usize, nH: i32, vert: bool, hOut: usize, ra: usize, rb: usize, prev: usize): void {
  for (; n < nL; n++) {
    let o = <usize>n << 2;
    let t0 = load<i32>(t + o);
    let d = <usize>n << 3;
    put1(d, t0, dst, vert, hOut, ra, rb, prev);
    if (n < nH) {
      let n1 = n + 1 < nL ? n + 1 : nL - 1;
      put1(d + 4, load<i32>(hp + o) + ((t0 + load<i32>(t + (<usize>n1 << 2))) >> 1), dst, vert, hOut, ra, rb, prev);
    }
  }
}

/** Odd origin (nH = nL or nL + 1): dst[2n] = H[n] + ⌊(T[max(n−1, 0)] + T[min(n, nL−1)]) / 2⌋, dst[2n+1] = T[n]. */
// @ts-ignore: decorator
@inline
function interleavePredictOdd53(dst: usize, t: usize, nL: i32, hp: usize, nH: i32, vert: bool, hOut: usize, ra: usize, rb: usize, prev: usize): void {
  // n = 0: both neighbours are T[0]
  let t0 = load<i32>(t);
  put1(0, load<i32>(hp) + ((t0 + t0) >> 1), dst, vert, hOut, ra, rb, prev);
  put1(4, t0, dst, vert, hOut, ra, rb, prev);
  let n = 1;
  if (ASC_FEATURE_SIMD) {
    for (; n + 4 <= nL; n += 4) {
      let o = <usize>n << 2;
      let tn = v128.load(t + o);
      let hv = i32x4.add(v128.load(hp + o), i32x4.shr_s(i32x4.add(v128.load(t + o - 4), tn), 1));
      let d = <usize>n << 3;
      put4(d, v128.shuffle<i32>(hv, tn, 0, 4, 1, 5), dst, vert, hOut, ra, rb, prev);
      put4(d + 16, v128.shuffle<i32>(hv, tn, 2, 6, 3, 7), dst, vert, hOut, ra, rb, prev);
    }
  } else {
    for (; n < nL; n++) {
      let o = <usize>n << 2;
      let tn = load<i32>(t + o);
      let d = <usize>n << 3;
      put1(d, load<i32>(hp + o) + ((load<i32>(t + o - 4) + tn) >> 1), dst, vert, hOut, ra, rb, prev);
      put1(d + 4, tn, dst, vert, hOut, ra, rb, prev);
    }
  }
  let m = nL > nH ? nL : nH;
  for (; n < m; n++) {
    let o = <usize>n << 2;
    let d = <usize>n << 3;
    let na = n - 1 < nL - 1 ? n - 1 : nL - 1;
    let nb = n < nL - 1 ? n : nL - 1;
    if (n < nH) put1(d, load<i32>(hp + o) + ((load<i32>(t + (<usize>na << 2)) + load<i32>(t + (<usize>nb << 2))) >> 1), dst, vert, hOut, ra, rb, prev);
    if (n < nL) put1(d + 4, load<i32>(t + o), dst, vert, hOut, ra, rb, prev);
  }
}

/** HOR_SR of one row into `dst` (a transformed high row kept in the ring). */
function rowToRing53(dst: usize, src: usize, w: i32, odd: i32, tmp: usize): void {
  rowInverse53To(dst, src, 0, w, odd, tmp, false, 0, 0, 0, 0);
}

/**
 * HOR_SR of low row into its output row `dst`, finished vertically in the same pass: the update with
 * the transformed high rows `ra` (above) and `rb` (below), and when `hOut` ≠ 0 the high output row
 * above from `ra` and the low output row `prev` above it (see put1). `hsrc`: the row's high samples
 * when not right after its lows in `src` (0: there).
 */
function rowLowFinish53(dst: usize, src: usize, hsrc: usize, w: i32, odd: i32, tmp: usize, hOut: usize, ra: usize, rb: usize, prev: usize): void {
  rowInverse53To(dst, src, hsrc, w, odd, tmp, true, hOut, ra, rb, prev);
}

/** Vertical predict of one output row: out[i] = h[i] + ⌊(a[i] + b[i]) / 2⌋, i < w. */
function vPredictRow53(out: usize, h: usize, a: usize, b: usize, w: i32): void {
  let end = <usize>w << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) {
    for (; o + 16 <= end; o += 16) {
      v128.store(out + o, i32x4.add(v128.load(h + o), i32x4.shr_s(i32x4.add(v128.load(a + o), v128.load(b + o)), 1)));
    }
  }
  for (; o < end; o += 4) store<i32>(out + o, load<i32>(h + o) + ((load<i32>(a + o) + load<i32>(b + o)) >> 1));
}

// ---------------------------------------------------------------------------------------------
// Public kernels
// ---------------------------------------------------------------------------------------------

/**
 * One level of the inverse reversible 5/3 DWT (2D_SR, F.3.2 with 1D_FILTR_5-3R, F.3.8.1), in place:
 * quadrant layout → interleaved samples. See the file header for the ABI.
 */
export function dwt53InverseLevel(buf: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_DWT);
  let xo = xOdd & 1;
  let rowBytes = <usize>stride << 2;
  for (let r = 0; r < h; r++) rowInverse53(buf + <usize>r * rowBytes, w, xo, tmp);
  colsInverse53(buf, stride, w, h, yOdd & 1, tmp);
  stageLeave(STAGE_DWT);
}

/**
 * One level of the forward reversible 5/3 DWT (2D_SD, F.4.2 with 1D_FILTR_5-3R, F.4.8.1), in place:
 * interleaved samples → quadrant layout. See the file header for the ABI.
 *
 * Row-streamed (Fwd53 below): the level's rows are read once, top to bottom, and each output row is
 * written once to its place after its horizontal pass; the whole-level form
 * (dwt53ForwardLevelWhole: VER_SD over the level, then HOR_SD over every row) crossed the plane
 * twice. Identical results. The high rows wait in a buffer of about h/4 rows taken from the arena
 * and given back before returning (the whole-level form runs instead if it does not fit under the
 * memory limit, and for h = 1).
 */
export function dwt53ForwardLevel(buf: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize): void {
  if (w <= 0 || h <= 0) return;
  if (!forwardLevelStreamed(fwd53Level, buf, stride, w, h, xOdd & 1, yOdd & 1, tmp)) dwt53ForwardLevelWhole(buf, stride, w, h, xOdd, yOdd, tmp);
}

/**
 * The whole-level forward 5/3 level: VER_SD (colsForward53) over the whole level, then HOR_SD over
 * every row. Same result as dwt53ForwardLevel (the reference of its tests).
 */
export function dwt53ForwardLevelWhole(buf: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_DWT);
  colsForward53(buf, stride, w, h, yOdd & 1, tmp);
  let xo = xOdd & 1;
  let rowBytes = <usize>stride << 2;
  for (let r = 0; r < h; r++) rowForward53(buf + <usize>r * rowBytes, w, xo, tmp);
  stageLeave(STAGE_DWT);
}

/**
 * One level of the inverse reversible 5/3 DWT like dwt53InverseLevel, out of place and in one sweep:
 * reads the `w × h` quadrant layout at `src`, writes the interleaved samples to `dst` (same stride;
 * `src` is not written, the regions must not overlap). `tmp`: at least dwtScratchBytes(max(w, h))
 * bytes (3 rows of w samples are used). Output identical to dwt53InverseLevel's.
 */
export function dwt53InverseLevelTo(src: usize, dst: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_DWT);
  let xo = xOdd & 1, yo = yOdd & 1;
  if (h == 1) {
    rowToRing53(dst, src, w, xo, align16(tmp));
    if (yo) {
      for (let x = 0; x < w; x++) {
        let p = dst + (<usize>x << 2);
        store<i32>(p, load<i32>(p) / 2);
      }
    }
  } else {
    let sw = changetype<Sweep53>(align16(tmp) + 3 * align16(<usize>w << 2));
    sweep53Init(sw, src, stride, w, h, xo, yo, tmp, dst, stride, 0);
    sweep53Run(sw, sw.nL);
  }
  stageLeave(STAGE_DWT);
}

/**
 * The state of one dwt53InverseLevelTo sweep that can stop after any low row and go on later
 * (sweep53Run), so that the caller can use the output rows finished so far while they are in the
 * cache. Output row r is at out + (r mod outRows)·outRowBytes (outRows = 0: no wrap), so the output
 * can be a ring of rows: when the caller consumes the finished rows after each run, a ring of
 * 2·k + 2 rows holds every row a run of k low rows writes or reads (the last low row before it).
 */
@unmanaged
export class Sweep53 {
  src: usize;
  srcRowBytes: usize;
  out: usize;
  outRowBytes: usize;
  outRows: i32;
  w: i32;
  h: i32;
  xo: i32;
  yo: i32;
  nL: i32;
  nH: i32;
  /** Next low row, next high row to transform into the ring. */
  n: i32;
  hNext: i32;
  rowTmp: usize;
  ring: usize;
  span: usize;
  /**
   * Sub-band rows in rings (sweep53SetRing; srcRing 0: none): the high samples of low row n at
   * hlRing + ((n + lowOff) mod srcRing)·srcRowBytes + nLx·4 (its low samples stay at src), high row m
   * at hiRing + ((m + highOff) mod srcRing)·srcRowBytes.
   */
  hlRing: usize;
  hiRing: usize;
  srcRing: i32;
  lowOff: i32;
  highOff: i32;
}

/**
 * Take the high samples of the low rows and the high rows from rings of `rows` rows (row stride as
 * src) instead of `src` (see Sweep53): the caller fills each ring row before the sweep reads it and
 * reuses it once the sweep is past it (a low row n is read by the run that reaches it, a high row m
 * by the run of low row m − yOdd or m + 1 − yOdd). Before the first run.
 */
export function sweep53SetRing(sw: Sweep53, hlRing: usize, hiRing: usize, rows: i32, lowOff: i32, highOff: i32): void {
  sw.hlRing = hlRing;
  sw.hiRing = hiRing;
  sw.srcRing = rows;
  sw.lowOff = lowOff;
  sw.highOff = highOff;
}

/** Bytes of a Sweep53 and its scratch (3 rows of w samples) for sweep53Init's `tmp`. */
export function sweep53Bytes(w: i32): usize {
  return 16 + 3 * align16(<usize>max(w, 1) << 2) + offsetof<Sweep53>();
}

/**
 * Start a sweep (h ≥ 2) over the `w × h` quadrant layout at `src` (row stride `srcStride` samples)
 * into `out` (`outStride` samples per row, `outRows` rows of ring or 0). `tmp`: sweep53Bytes(w) bytes;
 * `sw` may lie at its end (dwt53InverseLevelTo) or anywhere else.
 */
export function sweep53Init(sw: Sweep53, src: usize, srcStride: i32, w: i32, h: i32, xo: i32, yo: i32, tmp: usize, out: usize, outStride: i32, outRows: i32): void {
  sw.src = src;
  sw.srcRowBytes = <usize>srcStride << 2;
  sw.out = out;
  sw.outRowBytes = <usize>outStride << 2;
  sw.outRows = outRows;
  sw.w = w;
  sw.h = h;
  sw.xo = xo;
  sw.yo = yo;
  sw.nL = lowCount(h, yo);
  sw.nH = h - sw.nL;
  sw.n = 0;
  sw.hNext = 0;
  sw.rowTmp = align16(tmp);
  sw.span = align16(<usize>w << 2);
  sw.ring = sw.rowTmp + sw.span; // transformed high row m at ring + (m & 1)·span
  sw.hlRing = 0;
  sw.hiRing = 0;
  sw.srcRing = 0;
  sw.lowOff = 0;
  sw.highOff = 0;
}

/** Output row r of a sweep. */
// @ts-ignore: decorator
@inline
export function sweep53Row(sw: Sweep53, r: i32): usize {
  return sw.out + <usize>(sw.outRows == 0 ? r : r % sw.outRows) * sw.outRowBytes;
}

/**
 * Run the sweep up to low row `nEnd` (exclusive, at most nL); returns the output rows finished so far
 * ([0, returned) are final): 2·n + yo − 1 after low rows [0, n), h once every low row is done.
 */
export function sweep53Run(sw: Sweep53, nEnd: i32): i32 {
  let w = sw.w, xo = sw.xo, yo = sw.yo, nL = sw.nL, nH = sw.nH;
  let rowBytes = sw.srcRowBytes;
  let src = sw.src;
  let ring = sw.ring, span = sw.span, rowTmp = sw.rowTmp;
  let hSrc = src + <usize>nL * rowBytes;
  let hNext = sw.hNext;
  let n = sw.n;
  if (nEnd > nL) nEnd = nL;
  for (; n < nEnd; n++) {
    // high rows n+yo−1 and n+yo (clamped) are needed by this low row
    let need = n + yo < nH - 1 ? n + yo : nH - 1;
    for (; hNext <= need; hNext++) {
      let hRow = sw.srcRing == 0 ? hSrc + <usize>hNext * rowBytes : sw.hiRing + <usize>((hNext + sw.highOff) % sw.srcRing) * rowBytes;
      rowToRing53(ring + <usize>(hNext & 1) * span, hRow, w, xo, rowTmp);
    }
    let ia = clampIndex(n + yo - 1, nH), ib = clampIndex(n + yo, nH);
    let lRow = sweep53Row(sw, 2 * n + yo);
    // and the high row m between the previous low row and this one is complete with it
    let m = n + yo - 1;
    let hOut: usize = 0;
    let prev: usize = 0;
    if (m >= 0 && m < nH) {
      hOut = sweep53Row(sw, 2 * m + 1 - yo); // ring row m is ring row ia
      prev = sweep53Row(sw, 2 * clampIndex(m - yo, nL) + yo);
    }
    let hsrc: usize = sw.srcRing == 0 ? 0 : sw.hlRing + <usize>((n + sw.lowOff) % sw.srcRing) * rowBytes + (<usize>lowCount(w, xo) << 2);
    rowLowFinish53(lRow, src + <usize>n * rowBytes, hsrc, w, xo, rowTmp, hOut, ring + <usize>(ia & 1) * span, ring + <usize>(ib & 1) * span, prev);
  }
  sw.n = n;
  sw.hNext = hNext;
  if (n < nL) return 2 * n + yo - 1;
  if (nEnd == nL && sw.hNext >= 0) {
    // a last high row after the last low row (both neighbours are that low row)
    for (let m = nL + yo - 1; m < nH; m++) {
      if (m < 0) continue;
      let last = sweep53Row(sw, 2 * (nL - 1) + yo);
      vPredictRow53(sweep53Row(sw, 2 * m + 1 - yo), ring + <usize>(m & 1) * span, last, last, w);
    }
    sw.hNext = -1; // done
  }
  return sw.h;
}

/**
 * dwt53InverseLevelTo run the way the fused output stage runs it (codec/decode_output.ts): the sweep
 * advances `k` ≥ 1 low rows at a time into a ring of 2k + 4 output rows at `ring` (rows of
 * align16(4w) bytes; 16-byte aligned), and after each run the rows finished so far are copied to
 * `dst` (row stride `stride`, as `src`). Output identical to dwt53InverseLevelTo's (tests of the
 * resumable sweep and the ring). `tmp`: sweep53Bytes(w) bytes; `ring`: (2k + 4)·align16(4w) bytes.
 */
export function dwt53InverseLevelRing(src: usize, dst: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, k: i32, tmp: usize, ring: usize): void {
  if (w <= 0 || h <= 0) return;
  if (h == 1) {
    dwt53InverseLevelTo(src, dst, stride, w, h, xOdd, yOdd, tmp);
    return;
  }
  if (k < 1) k = 1;
  let rows = 2 * k + 4;
  let span = align16(<usize>w << 2);
  let sw = changetype<Sweep53>(align16(tmp) + 3 * span);
  sweep53Init(sw, src, stride, w, h, xOdd & 1, yOdd & 1, tmp, ring, <i32>(span >> 2), rows);
  let rowBytes = <usize>stride << 2;
  let done = 0, n = 0;
  while (done < h) {
    n = min(n + k, sw.nL);
    let fin = sweep53Run(sw, n);
    for (let r = done; r < fin; r++) memory.copy(dst + <usize>r * rowBytes, sweep53Row(sw, r), <usize>w << 2);
    done = fin;
  }
}

// ---------------------------------------------------------------------------------------------
// Row-streamed forward level (Fwd53): dwt53ForwardLevel.
//
// VER_SD runs on whole rows, top to bottom (n: low index, m: high index, yo the parity of the first
// row, indices clamped to [0, nL) / [0, nH) as in predict53 / update53, X[r] the level's input row r,
// read from the plane):
//   H[m] = X[2m+1−yo] − ⌊(X[2a+yo] + X[2b+yo]) / 2⌋        a, b = m−yo, m−yo+1   (final high row m)
//   L[n] = X[2n+yo] + ⌊(H[n+yo−1] + H[n+yo] + 2) / 4⌋                           (final low row n)
// H is kept in a ring of FWD53_RING rows. These are colsForward53's integer operations, so each row
// equals VER_SD's; HOR_SD (rowForward53To) then runs on each finished row, in natural order, with the
// result stored straight to the row's place in the quadrant layout: low row n to row n, high row m
// to row nL + m (after waiting in the hold buffer until that row has been read: HeldRows,
// dwt_layout.ts). Input row r is read for the last time by H (high rows) or L (low rows).
// ---------------------------------------------------------------------------------------------

const FWD53_RING: i32 = 4;

@unmanaged
class Fwd53 {
  buf: usize;
  rowBytes: usize;
  w: i32;
  h: i32;
  yo: i32;
  nL: i32;
  nH: i32;
  span: usize;
  /** Ring of the high rows H. */
  ring: usize;
  /** Rows of H and L computed so far. */
  cH: i32;
  cL: i32;
  held: HeldRows;
  /** Fed level (dwt_feed.ts): the input rows' ring (FEED_RING rows of span bytes); 0: the rows are read from the plane. */
  inRing: usize;
  xo: i32;
  /** The low row before its horizontal pass, and rowForward53To's scratch (w samples). */
  low: usize;
  rowTmp: usize;
}

// @ts-ignore: decorator
@inline
function fwd53In(f: Fwd53, r: i32): usize {
  if (f.inRing != 0) return f.inRing + <usize>(r & (FEED_RING - 1)) * f.span;
  return f.buf + <usize>r * f.rowBytes;
}

// @ts-ignore: decorator
@inline
function fwd53Ring(f: Fwd53, m: i32): usize {
  return f.ring + <usize>(m & (FWD53_RING - 1)) * f.span;
}

/** The first input row that H or L has still to read (rows below it are free). */
// @ts-ignore: decorator
@inline
function fwd53Unread(f: Fwd53): i32 {
  if (f.inRing != 0) return f.h; // (fed: the input is not the plane, every place is free)
  let lo = f.cL >= f.nL ? f.h : 2 * f.cL + f.yo;
  let hi = f.cH >= f.nH ? f.h : 2 * f.cH + 1 - f.yo;
  return min(lo, hi);
}

function fwd53H(f: Fwd53, i: i32): void {
  while (f.cH <= i) {
    let m = f.cH;
    let a = clampIndex(m - f.yo, f.nL), b = clampIndex(m - f.yo + 1, f.nL);
    let dst = fwd53Ring(f, m), x = fwd53In(f, 2 * m + 1 - f.yo), pa = fwd53In(f, 2 * a + f.yo), pb = fwd53In(f, 2 * b + f.yo);
    let end = <usize>f.w << 2;
    let o: usize = 0;
    if (ASC_FEATURE_SIMD) {
      for (; o + 16 <= end; o += 16) {
        v128.store(dst + o, i32x4.sub(v128.load(x + o), i32x4.shr_s(i32x4.add(v128.load(pa + o), v128.load(pb + o)), 1)));
      }
    }
    for (; o < end; o += 4) store<i32>(dst + o, load<i32>(x + o) - ((load<i32>(pa + o) + load<i32>(pb + o)) >> 1));
    f.cH++;
  }
}

/**
 * Low row n (n == f.cL), v[j] = X[j] + ⌊(a[j] + b[j] + 2) / 4⌋, deinterleaved as HOR_SD's first step
 * would (deinterleaveRow32: F[i] = v[2i] at fp, S[i] = v[2i+1] at sp; w ≥ 2).
 */
function fwd53L(f: Fwd53, n: i32, fp: usize, sp: usize): void {
  let a = clampIndex(n + f.yo - 1, f.nH), b = clampIndex(n + f.yo, f.nH);
  fwd53H(f, b);
  let x = fwd53In(f, 2 * n + f.yo), pa = fwd53Ring(f, a), pb = fwd53Ring(f, b);
  let w = f.w;
  let nS = w >> 1;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let two = i32x4.splat(2);
    for (; i + 4 <= nS; i += 4) {
      let o = <usize>i << 3;
      let v0 = i32x4.add(v128.load(x + o), i32x4.shr_s(i32x4.add(i32x4.add(v128.load(pa + o), v128.load(pb + o)), two), 2));
      let v1 = i32x4.add(v128.load(x + o, 16), i32x4.shr_s(i32x4.add(i32x4.add(v128.load(pa + o, 16), v128.load(pb + o, 16)), two), 2));
      v128.store(fp + (<usize>i << 2), v128.shuffle<i32>(v0, v1, 0, 2, 4, 6));
      v128.store(sp + (<usize>i << 2), v128.shuffle<i32>(v0, v1, 1, 3, 5, 7));
    }
  }
  for (let j = i << 1; j < w; j++) {
    let o = <usize>j << 2;
    let v = load<i32>(x + o) + ((load<i32>(pa + o) + load<i32>(pb + o) + 2) >> 2);
    store<i32>((j & 1) == 0 ? fp + (<usize>(j >> 1) << 2) : sp + (<usize>(j >> 1) << 2), v);
  }
  f.cL++;
}

/** Low row n (n == f.cL) of a level one sample wide, into `dst`. */
function fwd53LOne(f: Fwd53, n: i32, dst: usize): void {
  let a = clampIndex(n + f.yo - 1, f.nH), b = clampIndex(n + f.yo, f.nH);
  fwd53H(f, b);
  store<i32>(dst, load<i32>(fwd53In(f, 2 * n + f.yo)) + ((load<i32>(fwd53Ring(f, a)) + load<i32>(fwd53Ring(f, b)) + 2) >> 2));
  f.cL++;
}

/** Set up the row-streamed level (h ≥ 2) in `tmp` (see above); `inRing`: 0, or the input rows' ring (fed level). */
function fwd53Init(buf: usize, stride: i32, w: i32, h: i32, xo: i32, yo: i32, tmp: usize, hold: usize, holdRows: i32, inRing: usize): Fwd53 {
  let f = changetype<Fwd53>(align16(tmp));
  let span = align16(<usize>w << 2);
  f.buf = buf;
  f.rowBytes = <usize>stride << 2;
  f.w = w;
  f.h = h;
  f.xo = xo;
  f.yo = yo;
  f.nL = lowCount(h, yo);
  f.nH = h - f.nL;
  f.span = span;
  f.ring = align16(changetype<usize>(f) + offsetof<Fwd53>());
  f.cH = 0;
  f.cL = 0;
  f.inRing = inRing;
  f.low = f.ring + <usize>FWD53_RING * span;
  f.held = changetype<HeldRows>(f.low + span);
  heldStart(f.held, buf, f.rowBytes, w, f.nL, hold, holdRows);
  f.rowTmp = align16(changetype<usize>(f.held) + offsetof<HeldRows>());
  return f;
}

/** Output row r (natural order) of the level: finished vertically, HOR_SD, stored to its place (or held). */
function fwd53Row(f: Fwd53, r: i32): void {
  let w = f.w, xo = f.xo, yo = f.yo;
  if (((r - yo) & 1) == 0) {
    let n = (r - yo) >> 1;
    let to = f.buf + <usize>n * f.rowBytes;
    if (w == 1) {
      fwd53LOne(f, n, f.low);
      heldPlace(f.held, fwd53Unread(f));
      rowForward53To(f.low, to, w, xo, f.rowTmp);
      return;
    }
    // the low row straight into HOR_SD's bands (the first sample's band takes the even columns)
    let nLx = lowCount(w, xo);
    let lp = f.rowTmp, hp = f.rowTmp + (<usize>nLx << 2);
    if (xo) fwd53L(f, n, hp, lp);
    else fwd53L(f, n, lp, hp);
    heldPlace(f.held, fwd53Unread(f));
    rowLifts53To(to, lp, nLx, hp, w - nLx, xo);
  } else {
    let m = (r - 1 + yo) >> 1;
    fwd53H(f, m);
    let unread = fwd53Unread(f);
    heldPlace(f.held, unread);
    rowForward53To(fwd53Ring(f, m), heldDest(f.held, unread), w, xo, f.rowTmp);
  }
}

/** The row-streamed level (h ≥ 2): see above. `hold`: holdRows rows of align16(4w) bytes. */
function fwd53Level(buf: usize, stride: i32, w: i32, h: i32, xo: i32, yo: i32, tmp: usize, hold: usize, holdRows: i32): void {
  let f = fwd53Init(buf, stride, w, h, xo, yo, tmp, hold, holdRows, 0);
  for (let r = 0; r < h; r++) fwd53Row(f, r);
  heldPlace(f.held, h);
}

// ---------------------------------------------------------------------------------------------
// Fed level (dwt_feed.ts): the same level with its input rows written one at a time by the caller
// into a ring of FEED_RING rows (X[r] in slot r % FEED_RING) instead of read from the plane, and its
// output written to the plane (a buffer of its own: nothing is held). Output row r reads input rows
// up to min(h − 1, r + 2) (low row 2n+yo: H[n+yo] reads X[2n+yo+2]; high rows one less) and none
// below r − 1.
// ---------------------------------------------------------------------------------------------

/** Bytes of `tmp` a fed 5/3 level of width w uses besides its input ring (dwt_feed.ts). */
export function fwd53FedBytes(w: i32): usize {
  return <usize>(FWD53_RING + 3) * align16(<usize>w << 2) + offsetof<Fwd53>() + offsetof<HeldRows>() + 64;
}

/** Start a fed level (h ≥ 2) of the plane `buf` in `tmp` (fwd53FedBytes(w)), input rows in `inRing`. */
export function fwd53FedInit(buf: usize, stride: i32, w: i32, h: i32, xo: i32, yo: i32, tmp: usize, inRing: usize): usize {
  return changetype<usize>(fwd53Init(buf, stride, w, h, xo, yo, tmp, 0, 1, inRing));
}

/** Output rows [from, to) of a fed level (its input rows up to min(h − 1, to + 1) fed). */
export function fwd53FedRows(p: usize, from: i32, to: i32): void {
  let f = changetype<Fwd53>(p);
  for (let r = from; r < to; r++) fwd53Row(f, r);
}
