// Irreversible 9/7 wavelet transform on f32 samples, one decomposition level
// (ISO/IEC 15444-1 F.3.8.2 / F.4.8.2, lifting parameters of Table F.4).
//
// ABI (pointer-only; strides in samples, pointers in bytes):
//
//   dwt97InverseLevel(buf: usize /*f32*/, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize)
//   dwt97ForwardLevel(buf: usize /*f32*/, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize)
//
// Same layout, parity, scratch and in-place rules as dwt53.ts (see dwt_layout.ts): the inverse turns
// the quadrant layout into interleaved samples, the forward the opposite; `w == 0 || h == 0` is a
// no-op; nothing outside the `w × h` region is touched.
//
// Normalisation is the standard's (not OpenJPEG's internal one): the forward analysis low-pass has
// unit DC gain and the high-pass gain 2 at Nyquist, i.e.
//   forward (F.4.8.2):  Y(2n+1) += α(X(2n) + X(2n+2));   Y(2n) += β(Y(2n−1) + Y(2n+1));
//                       Y(2n+1) += γ(Y(2n) + Y(2n+2));   Y(2n) += δ(Y(2n−1) + Y(2n+1));
//                       Y(2n+1) ×= K;                    Y(2n) ×= 1/K
//   inverse (F.3.8.2):  X(2n) = K·Y(2n);   X(2n+1) = (1/K)·Y(2n+1);
//                       X(2n) −= δ(X(2n−1) + X(2n+1));   X(2n+1) −= γ(X(2n) + X(2n+2));
//                       X(2n) −= β(X(2n−1) + X(2n+1));   X(2n+1) −= α(X(2n) + X(2n+2))
// so sub-band samples are in the units that E.1.1.1's Δb = 2^(Rb−εb)(1 + μb/2^11) dequantises to
// (Rb including the sub-band gain of Table E.1). Symmetric extension by index clamping and the
// single-sample rule (odd: X = Y/2, forward Y = 2X; even: copy) are as in dwt53.ts.
//
// Every lifting step is evaluated as  x + c·(a + b)  in f32 (c = −δ, −γ, … on the inverse side;
// x + (−d)·s is bit-identical to x − d·s). The scalar and SIMD builds perform the same f32 operations
// on each sample in the same order, hence give bit-identical results. The K / 1/K scaling is fused
// into the copies in and out of the scratch buffer. The scalar build runs the steps as four sweeps;
// the SIMD build runs all four in one pipelined sweep over 4 rows (transposed) or 4 columns at a time
// with mirrored guard elements instead of clamps ("SIMD lifting pipeline" below) — the same
// operations on every sample, so the two builds still agree bit for bit.

import {
  DWT_COLS, DWT_PIPE_COLS, DWT_GUARD, DWT_SLACK, lowCount, interleaveRow32, deinterleaveRow32, copyLanes32,
  pseIndex, align16, lineTable, storeTransposed4, forwardLevelStreamed, HeldRows, heldStart, heldPlace, heldDest, FEED_RING,
} from "./dwt_layout";
import { stageEnter, stageLeave, STAGE_DWT } from "../util/stages";

// Table F.4
const ALPHA: f32 = -1.586134342059924;
const BETA: f32 = -0.052980118572961;
const GAMMA: f32 = 0.882911075530934;
const DELTA: f32 = 0.443506852043971;
const K: f32 = 1.230174104914001;
const INV_K: f32 = <f32>(1.0 / 1.230174104914001);

// ---------------------------------------------------------------------------------------------
// Lifting step over element arrays (element n at t + n·lanes·4, `lanes` f32 each):
// T[n] = T[n] + c·(S[n+o] + S[n+o+1]), sources clamped to [0, nS−1].
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline
function lift97(t: usize, nT: i32, s: usize, nS: i32, o: i32, lanes: i32, c: f32): void {
  let lo = -o > 0 ? -o : 0;
  let hi = nS - 1 - o;
  let a = lo < nT ? lo : nT;
  let b = hi < nT ? hi : nT;
  if (b < a) b = a;
  for (let n = 0; n < a; n++) lift97Edge(t, n, s, nS, o, lanes, c);
  let i = a * lanes;
  let end = b * lanes;
  let s0 = s + <usize>((o * lanes) << 2);
  let s1 = s + <usize>(((o + 1) * lanes) << 2);
  if (ASC_FEATURE_SIMD) {
    let cv = f32x4.splat(c);
    for (; i + 8 <= end; i += 8) {
      let off = <usize>i << 2;
      let x0 = v128.load(t + off);
      let x1 = v128.load(t + off, 16);
      let d0 = f32x4.mul(cv, f32x4.add(v128.load(s0 + off), v128.load(s1 + off)));
      let d1 = f32x4.mul(cv, f32x4.add(v128.load(s0 + off, 16), v128.load(s1 + off, 16)));
      v128.store(t + off, f32x4.add(x0, d0));
      v128.store(t + off, f32x4.add(x1, d1), 16);
    }
    for (; i + 4 <= end; i += 4) {
      let off = <usize>i << 2;
      let d = f32x4.mul(cv, f32x4.add(v128.load(s0 + off), v128.load(s1 + off)));
      v128.store(t + off, f32x4.add(v128.load(t + off), d));
    }
  }
  for (; i < end; i++) {
    let off = <usize>i << 2;
    store<f32>(t + off, load<f32>(t + off) + c * (load<f32>(s0 + off) + load<f32>(s1 + off)));
  }
  for (let n = b; n < nT; n++) lift97Edge(t, n, s, nS, o, lanes, c);
}

// @ts-ignore: decorator
@inline
function lift97Edge(t: usize, n: i32, s: usize, nS: i32, o: i32, lanes: i32, c: f32): void {
  let i0 = n + o;
  let i1 = i0 + 1;
  if (i0 < 0) i0 = 0;
  if (i0 > nS - 1) i0 = nS - 1;
  if (i1 < 0) i1 = 0;
  if (i1 > nS - 1) i1 = nS - 1;
  let tp = t + (<usize>(n * lanes) << 2);
  let p0 = s + (<usize>(i0 * lanes) << 2);
  let p1 = s + (<usize>(i1 * lanes) << 2);
  for (let j = 0; j < lanes; j++) {
    let off = <usize>j << 2;
    store<f32>(tp + off, load<f32>(tp + off) + c * (load<f32>(p0 + off) + load<f32>(p1 + off)));
  }
}

/**
 * dst[n] = (T[n] + c·(S[n+o] + S[n+o+1]))·k for n < nT (one lane; sources clamped as in lift97): the
 * last lifting step of a row and its scaling in one sweep (the same two f32 operations per sample
 * as lift97 followed by scaleCopyF32).
 */
function liftScaleTo97(dst: usize, t: usize, nT: i32, s: usize, nS: i32, o: i32, c: f32, k: f32): void {
  let lo = -o > 0 ? -o : 0;
  let hi = nS - 1 - o;
  let a = lo < nT ? lo : nT;
  let b = hi < nT ? hi : nT;
  if (b < a) b = a;
  for (let n = 0; n < a; n++) liftScaleEdge97(dst, t, n, s, nS, o, c, k);
  let i = a;
  let s0 = s + <usize>(o << 2);
  let s1 = s + <usize>((o + 1) << 2);
  if (ASC_FEATURE_SIMD) {
    let cv = f32x4.splat(c);
    let kv = f32x4.splat(k);
    for (; i + 4 <= b; i += 4) {
      let off = <usize>i << 2;
      let d = f32x4.mul(cv, f32x4.add(v128.load(s0 + off), v128.load(s1 + off)));
      v128.store(dst + off, f32x4.mul(f32x4.add(v128.load(t + off), d), kv));
    }
  }
  for (; i < b; i++) {
    let off = <usize>i << 2;
    store<f32>(dst + off, (load<f32>(t + off) + c * (load<f32>(s0 + off) + load<f32>(s1 + off))) * k);
  }
  for (let n = b; n < nT; n++) liftScaleEdge97(dst, t, n, s, nS, o, c, k);
}

// @ts-ignore: decorator
@inline
function liftScaleEdge97(dst: usize, t: usize, n: i32, s: usize, nS: i32, o: i32, c: f32, k: f32): void {
  let i0 = n + o;
  let i1 = i0 + 1;
  if (i0 < 0) i0 = 0;
  if (i0 > nS - 1) i0 = nS - 1;
  if (i1 < 0) i1 = 0;
  if (i1 > nS - 1) i1 = nS - 1;
  let off = <usize>n << 2;
  store<f32>(dst + off, (load<f32>(t + off) + c * (load<f32>(s + (<usize>i0 << 2)) + load<f32>(s + (<usize>i1 << 2)))) * k);
}

/** dst[i] = src[i] · k for i < n. */
function scaleCopyF32(dst: usize, src: usize, n: i32, k: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let kv = f32x4.splat(k);
    for (; i + 4 <= n; i += 4) {
      let off = <usize>i << 2;
      v128.store(dst + off, f32x4.mul(v128.load(src + off), kv));
    }
  }
  for (; i < n; i++) {
    let off = <usize>i << 2;
    store<f32>(dst + off, load<f32>(src + off) * k);
  }
}

// @ts-ignore: decorator
@inline
function copyLanesScaledF32(dst: usize, src: usize, cols: i32, k: f32): void {
  if (ASC_FEATURE_SIMD) {
    if (cols == DWT_COLS) {
      let kv = f32x4.splat(k);
      for (let j = 0; j < DWT_COLS; j += 4) {
        let o = <usize>j << 2;
        v128.store(dst + o, f32x4.mul(v128.load(src + o), kv));
      }
      return;
    }
  }
  for (let c = 0; c < cols; c++) {
    let off = <usize>c << 2;
    store<f32>(dst + off, load<f32>(src + off) * k);
  }
}

/** The four inverse lifting steps (after scaling), on element arrays L (nL) and H (nH). */
// @ts-ignore: decorator
@inline
function inverseLifts(lp: usize, nL: i32, hp: usize, nH: i32, odd: i32, lanes: i32): void {
  lift97(lp, nL, hp, nH, odd - 1, lanes, -DELTA);
  lift97(hp, nH, lp, nL, -odd, lanes, -GAMMA);
  lift97(lp, nL, hp, nH, odd - 1, lanes, -BETA);
  lift97(hp, nH, lp, nL, -odd, lanes, -ALPHA);
}

/** The four forward lifting steps (before scaling). */
// @ts-ignore: decorator
@inline
function forwardLifts(lp: usize, nL: i32, hp: usize, nH: i32, odd: i32, lanes: i32): void {
  lift97(hp, nH, lp, nL, -odd, lanes, ALPHA);
  lift97(lp, nL, hp, nH, odd - 1, lanes, BETA);
  lift97(hp, nH, lp, nL, -odd, lanes, GAMMA);
  lift97(lp, nL, hp, nH, odd - 1, lanes, DELTA);
}

// ---------------------------------------------------------------------------------------------
// Horizontal (rows)
// ---------------------------------------------------------------------------------------------

function rowInverse97(row: usize, w: i32, odd: i32, tmp: usize): void {
  if (w == 1) {
    if (odd) store<f32>(row, load<f32>(row) * 0.5);
    return;
  }
  let nL = lowCount(w, odd);
  let nH = w - nL;
  let lp = tmp;
  let hp = tmp + (<usize>nL << 2);
  scaleCopyF32(lp, row, nL, K);
  scaleCopyF32(hp, row + (<usize>nL << 2), nH, INV_K);
  inverseLifts(lp, nL, hp, nH, odd, 1);
  if (odd) interleaveRow32(row, hp, nH, lp, nL);
  else interleaveRow32(row, lp, nL, hp, nH);
}

function rowForward97(row: usize, w: i32, odd: i32, tmp: usize): void {
  rowForward97To(row, row, w, odd, tmp);
}

/** HOR_SD of the row at `src` (w samples), the result at `dst` (may be `src`). */
function rowForward97To(src: usize, dst: usize, w: i32, odd: i32, tmp: usize): void {
  if (w == 1) {
    if (odd) store<f32>(dst, load<f32>(src) * 2.0);
    else store<f32>(dst, load<f32>(src));
    return;
  }
  let nL = lowCount(w, odd);
  let nH = w - nL;
  let lp = tmp;
  let hp = tmp + (<usize>nL << 2);
  if (odd) deinterleaveRow32(src, hp, nH, lp, nL);
  else deinterleaveRow32(src, lp, nL, hp, nH);
  rowLifts97To(dst, lp, nL, hp, nH, odd);
}

/** HOR_SD after the deinterleave (bands at lp, hp): forwardLifts, the last step fused with the low band's scaling; result at dst. */
// @ts-ignore: decorator
@inline
function rowLifts97To(dst: usize, lp: usize, nL: i32, hp: usize, nH: i32, odd: i32): void {
  lift97(hp, nH, lp, nL, -odd, 1, ALPHA);
  lift97(lp, nL, hp, nH, odd - 1, 1, BETA);
  lift97(hp, nH, lp, nL, -odd, 1, GAMMA);
  liftScaleTo97(dst, lp, nL, hp, nH, odd - 1, DELTA, INV_K);
  scaleCopyF32(dst + (<usize>nL << 2), hp, nH, K);
}

// ---------------------------------------------------------------------------------------------
// Vertical (groups of DWT_COLS columns)
//
// Full groups fuse the scaling and the first lifting step into the gather and the last lifting step
// (and, forward, the scaling) into the scatter; every sample still sees the same f32 operations in
// the same order as in the unfused form used for a partial last group.
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline
function clampIndex(i: i32, n: i32): i32 {
  return i < 0 ? 0 : i > n - 1 ? n - 1 : i;
}

/** One element of DWT_COLS lanes: dst = x·k + c·(a + b). */
// @ts-ignore: decorator
@inline
function scaleLiftElem(dst: usize, x: usize, k: f32, a: usize, b: usize, c: f32): void {
  if (ASC_FEATURE_SIMD) {
    let kv = f32x4.splat(k);
    let cv = f32x4.splat(c);
    for (let j: usize = 0; j < (<usize>DWT_COLS << 2); j += 16) {
      let d = f32x4.mul(cv, f32x4.add(v128.load(a + j), v128.load(b + j)));
      v128.store(dst + j, f32x4.add(f32x4.mul(v128.load(x + j), kv), d));
    }
  } else {
    for (let j: usize = 0; j < (<usize>DWT_COLS << 2); j += 4) {
      store<f32>(dst + j, load<f32>(x + j) * k + c * (load<f32>(a + j) + load<f32>(b + j)));
    }
  }
}

/** One element of DWT_COLS lanes: dst = (x + c·(a + b))·k. */
// @ts-ignore: decorator
@inline
function liftScaleElem(dst: usize, x: usize, a: usize, b: usize, c: f32, k: f32): void {
  if (ASC_FEATURE_SIMD) {
    let kv = f32x4.splat(k);
    let cv = f32x4.splat(c);
    for (let j: usize = 0; j < (<usize>DWT_COLS << 2); j += 16) {
      let d = f32x4.mul(cv, f32x4.add(v128.load(a + j), v128.load(b + j)));
      v128.store(dst + j, f32x4.mul(f32x4.add(v128.load(x + j), d), kv));
    }
  } else {
    for (let j: usize = 0; j < (<usize>DWT_COLS << 2); j += 4) {
      store<f32>(dst + j, (load<f32>(x + j) + c * (load<f32>(a + j) + load<f32>(b + j))) * k);
    }
  }
}

/** One element of DWT_COLS lanes: dst = x + c·(a + b). */
// @ts-ignore: decorator
@inline
function liftElem(dst: usize, x: usize, a: usize, b: usize, c: f32): void {
  if (ASC_FEATURE_SIMD) {
    let cv = f32x4.splat(c);
    for (let j: usize = 0; j < (<usize>DWT_COLS << 2); j += 16) {
      let d = f32x4.mul(cv, f32x4.add(v128.load(a + j), v128.load(b + j)));
      v128.store(dst + j, f32x4.add(v128.load(x + j), d));
    }
  } else {
    for (let j: usize = 0; j < (<usize>DWT_COLS << 2); j += 4) {
      store<f32>(dst + j, load<f32>(x + j) + c * (load<f32>(a + j) + load<f32>(b + j)));
    }
  }
}

/** VER_SR on one full group of DWT_COLS columns starting at `col`. */
function groupInverse97(col: usize, rowBytes: usize, nL: i32, nH: i32, odd: i32, tmp: usize): void {
  let eb = <usize>DWT_COLS << 2;
  let lp = tmp;
  let hp = tmp + <usize>nL * eb;
  // X(2n+1) = (1/K)·Y(2n+1)
  for (let n = 0; n < nH; n++) copyLanesScaledF32(hp + <usize>n * eb, col + <usize>(nL + n) * rowBytes, DWT_COLS, INV_K);
  // X(2n) = K·Y(2n), then X(2n) −= δ(X(2n−1) + X(2n+1))
  for (let n = 0; n < nL; n++) {
    let a = clampIndex(n + odd - 1, nH), b = clampIndex(n + odd, nH);
    scaleLiftElem(lp + <usize>n * eb, col + <usize>n * rowBytes, K, hp + <usize>a * eb, hp + <usize>b * eb, -DELTA);
  }
  lift97(hp, nH, lp, nL, -odd, DWT_COLS, -GAMMA);
  lift97(lp, nL, hp, nH, odd - 1, DWT_COLS, -BETA);
  // X(2n+1) −= α(X(2n) + X(2n+2)), fused with the scatter; rows in output order
  let m = nL > nH ? nL : nH;
  for (let n = 0; n < m; n++) {
    if (n < nL) copyLanes32(col + <usize>(2 * n + odd) * rowBytes, lp + <usize>n * eb, DWT_COLS);
    if (n < nH) {
      let a = clampIndex(n - odd, nL), b = clampIndex(n - odd + 1, nL);
      liftElem(col + <usize>(2 * n + 1 - odd) * rowBytes, hp + <usize>n * eb, lp + <usize>a * eb, lp + <usize>b * eb, -ALPHA);
    }
  }
}

/** VER_SD on one full group of DWT_COLS columns starting at `col`. */
function groupForward97(col: usize, rowBytes: usize, nL: i32, nH: i32, odd: i32, tmp: usize): void {
  let eb = <usize>DWT_COLS << 2;
  let lp = tmp;
  let hp = tmp + <usize>nL * eb;
  for (let n = 0; n < nL; n++) copyLanes32(lp + <usize>n * eb, col + <usize>(2 * n + odd) * rowBytes, DWT_COLS);
  // Y(2n+1) = X(2n+1) + α(X(2n) + X(2n+2)), fused with the gather
  for (let n = 0; n < nH; n++) {
    let a = clampIndex(n - odd, nL), b = clampIndex(n - odd + 1, nL);
    liftElem(hp + <usize>n * eb, col + <usize>(2 * n + 1 - odd) * rowBytes, lp + <usize>a * eb, lp + <usize>b * eb, ALPHA);
  }
  lift97(lp, nL, hp, nH, odd - 1, DWT_COLS, BETA);
  lift97(hp, nH, lp, nL, -odd, DWT_COLS, GAMMA);
  // Y(2n) += δ(Y(2n−1) + Y(2n+1)), then ×1/K; highs ×K — fused with the scatter
  for (let n = 0; n < nL; n++) {
    let a = clampIndex(n + odd - 1, nH), b = clampIndex(n + odd, nH);
    liftScaleElem(col + <usize>n * rowBytes, lp + <usize>n * eb, hp + <usize>a * eb, hp + <usize>b * eb, DELTA, INV_K);
  }
  for (let n = 0; n < nH; n++) copyLanesScaledF32(col + <usize>(nL + n) * rowBytes, hp + <usize>n * eb, DWT_COLS, K);
}

function colsInverse97(buf: usize, stride: i32, w: i32, h: i32, odd: i32, tmp: usize): void {
  let rowBytes = <usize>stride << 2;
  if (h == 1) {
    if (odd) scaleCopyF32(buf, buf, w, 0.5);
    return;
  }
  let nL = lowCount(h, odd);
  let nH = h - nL;
  let lanes = DWT_COLS;
  let eb = <usize>lanes << 2;
  let lp = tmp;
  let hp = tmp + <usize>nL * eb;
  let x = 0;
  if (ASC_FEATURE_SIMD) {
    x = w & ~3;
    colsPipe97(buf, rowBytes, x, h, odd, tmp, false);
  } else {
    for (; x + lanes <= w; x += lanes) groupInverse97(buf + (<usize>x << 2), rowBytes, nL, nH, odd, tmp);
  }
  if (x < w) {
    let cols = w - x;
    let col = buf + (<usize>x << 2);
    memory.fill(tmp, 0, <usize>h * eb);
    for (let n = 0; n < nL; n++) copyLanesScaledF32(lp + <usize>n * eb, col + <usize>n * rowBytes, cols, K);
    for (let n = 0; n < nH; n++) copyLanesScaledF32(hp + <usize>n * eb, col + <usize>(nL + n) * rowBytes, cols, INV_K);
    inverseLifts(lp, nL, hp, nH, odd, lanes);
    for (let n = 0; n < nL; n++) copyLanes32(col + <usize>(2 * n + odd) * rowBytes, lp + <usize>n * eb, cols);
    for (let n = 0; n < nH; n++) copyLanes32(col + <usize>(2 * n + 1 - odd) * rowBytes, hp + <usize>n * eb, cols);
  }
}

function colsForward97(buf: usize, stride: i32, w: i32, h: i32, odd: i32, tmp: usize): void {
  let rowBytes = <usize>stride << 2;
  if (h == 1) {
    if (odd) scaleCopyF32(buf, buf, w, 2.0);
    return;
  }
  let nL = lowCount(h, odd);
  let nH = h - nL;
  let lanes = DWT_COLS;
  let eb = <usize>lanes << 2;
  let lp = tmp;
  let hp = tmp + <usize>nL * eb;
  let x = 0;
  if (ASC_FEATURE_SIMD) {
    x = w & ~3;
    colsPipe97(buf, rowBytes, x, h, odd, tmp, true);
  } else {
    for (; x + lanes <= w; x += lanes) groupForward97(buf + (<usize>x << 2), rowBytes, nL, nH, odd, tmp);
  }
  if (x < w) {
    let cols = w - x;
    let col = buf + (<usize>x << 2);
    memory.fill(tmp, 0, <usize>h * eb);
    for (let n = 0; n < nL; n++) copyLanes32(lp + <usize>n * eb, col + <usize>(2 * n + odd) * rowBytes, cols);
    for (let n = 0; n < nH; n++) copyLanes32(hp + <usize>n * eb, col + <usize>(2 * n + 1 - odd) * rowBytes, cols);
    forwardLifts(lp, nL, hp, nH, odd, lanes);
    for (let n = 0; n < nL; n++) copyLanesScaledF32(col + <usize>n * rowBytes, lp + <usize>n * eb, cols, INV_K);
    for (let n = 0; n < nH; n++) copyLanesScaledF32(col + <usize>(nL + n) * rowBytes, hp + <usize>n * eb, cols, K);
  }
}

// ---------------------------------------------------------------------------------------------
// SIMD lifting pipeline (both directions, rows and columns; SIMD build only)
//
// The four lifting steps run in one sweep over an extended line (dwt_layout.ts: elements of one
// v128, DWT_GUARD mirrored elements on each side, so no step needs a clamp). Positions of parity p1
// take steps 1 and 3, the others steps 2 and 4. The iteration at position j (parity p1) computes
//   a = step 1 at j,   b = step 2 at j − 1,   d = step 3 at j − 2 (final),   f = step 4 at j − 3 (final)
// from the inputs at j − 1, j, j + 1 and the a, b, d of the previous iteration, each as
// x + c·(l + r) in f32: the same operations on each sample as the four separate sweeps, hence the same
// bits (the guard argument of dwt_layout.ts covers the ends). The first iterations use zeros for the
// not-yet-computed a, b, d of positions before the line; that only spoils guard positions
// (< DWT_GUARD), and the first two stores land in the DWT_SLACK elements in front of the line.
//
// Inverse (F.3.8.2): p1 = low positions, inputs scaled on load (low ×K, high ×1/K), steps −δ, −γ, −β, −α.
// Forward (F.4.8.2): p1 = high positions, steps α, β, γ, δ, outputs scaled (high ×K, low ×1/K).
// Element j of the line (j = 0 is the first guard) is at `line + j·step`; results replace the
// inputs (each element is read before it is written).
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline
function pipe97(line: usize, step: usize, m: i32, p1: i32, forward: bool): void {
  if (ASC_FEATURE_SIMD) {
    let c1 = f32x4.splat(forward ? ALPHA : -DELTA);
    let c2 = f32x4.splat(forward ? BETA : -GAMMA);
    let c3 = f32x4.splat(forward ? GAMMA : -BETA);
    let c4 = f32x4.splat(forward ? DELTA : -ALPHA);
    // inverse: load scales (p1 = low: ×K; others: ×1/K); forward: store scales (p1 = high: ×K, others ×1/K)
    let kA = f32x4.splat(K);
    let kB = f32x4.splat(INV_K);
    let j = p1 != 0 ? 1 : 2;
    let prev = v128.load(line + <usize>(j - 1) * step);
    if (!forward) prev = f32x4.mul(prev, kB);
    let x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
    for (; j + 1 < m; j += 2) {
      let in0 = v128.load(line + <usize>j * step);
      let in1 = v128.load(line + <usize>(j + 1) * step);
      if (!forward) {
        in0 = f32x4.mul(in0, kA);
        in1 = f32x4.mul(in1, kB);
      }
      let a = f32x4.add(in0, f32x4.mul(c1, f32x4.add(prev, in1)));
      let b = f32x4.add(prev, f32x4.mul(c2, f32x4.add(x1, a)));
      let d = f32x4.add(x1, f32x4.mul(c3, f32x4.add(x2, b)));
      let f = f32x4.add(x2, f32x4.mul(c4, f32x4.add(x3, d)));
      let o = line + <usize>(j - 3) * step; // j − 3 ≥ −2: lands in the slack
      if (forward) {
        v128.store(o, f32x4.mul(f, kB));
        v128.store(o + step, f32x4.mul(d, kA));
      } else {
        v128.store(o, f);
        v128.store(o + step, d);
      }
      x1 = a;
      x2 = b;
      x3 = d;
      prev = in1;
    }
  }
}

/** Fill the DWT_GUARD mirrored elements on each side of a contiguous line of n ≥ 2 elements at e. */
function mirrorGuards(e: usize, n: i32): void {
  if (ASC_FEATURE_SIMD) {
    for (let i = 1; i <= DWT_GUARD; i++) {
      v128.store(e - (<usize>i << 4), v128.load(e + (<usize>pseIndex(-i, n) << 4)));
      v128.store(e + (<usize>(n - 1 + i) << 4), v128.load(e + (<usize>pseIndex(n - 1 + i, n) << 4)));
    }
  }
}

/** Start of the extended line (its element −DWT_GUARD) inside the scratch at `p`. */
// @ts-ignore: decorator
@inline
function lineStart(p: usize, elemBytes: usize): usize {
  return align16(p) + <usize>DWT_SLACK * elemBytes;
}

/**
 * HOR_SR on 4 rows at once (SIMD): transpose the rows' bands into an extended line of interleaved
 * elements, run the pipeline, transpose back. w ≥ 2.
 */
function rowsInverse97x4(row: usize, rowBytes: usize, w: i32, odd: i32, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    let nL = lowCount(w, odd);
    let nF = odd ? w - nL : nL; // band of the first sample ...
    let nS = w - nF;
    let fOff = odd ? nL : 0; // ... and where each band starts in the row
    let sOff = odd ? 0 : nL;
    let ext = lineStart(tmp, 16);
    let e = ext + (<usize>DWT_GUARD << 4);
    let r0 = row, r1 = row + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
    let m = 0;
    for (; m + 4 <= nS; m += 4) {
      let fo = <usize>(fOff + m) << 2;
      let so = <usize>(sOff + m) << 2;
      let d = e + (<usize>m << 5);
      storeTransposed4(d, d + 32, d + 64, d + 96, v128.load(r0 + fo), v128.load(r1 + fo), v128.load(r2 + fo), v128.load(r3 + fo));
      storeTransposed4(d + 16, d + 48, d + 80, d + 112, v128.load(r0 + so), v128.load(r1 + so), v128.load(r2 + so), v128.load(r3 + so));
    }
    for (; m < nF; m++) {
      gather4(e + (<usize>m << 5), r0, r1, r2, r3, <usize>(fOff + m) << 2);
      if (m < nS) gather4(e + (<usize>m << 5) + 16, r0, r1, r2, r3, <usize>(sOff + m) << 2);
    }
    mirrorGuards(e, w);
    pipe97(ext, 16, w + 2 * DWT_GUARD, odd, false);
    let k = 0;
    for (; k + 4 <= w; k += 4) {
      let s = e + (<usize>k << 4);
      let o = <usize>k << 2;
      storeTransposed4(r0 + o, r1 + o, r2 + o, r3 + o, v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48));
    }
    for (; k < w; k++) scatter4(e + (<usize>k << 4), r0, r1, r2, r3, <usize>k << 2);
  }
}

/** HOR_SD on 4 rows at once (SIMD); w ≥ 2. */
function rowsForward97x4(row: usize, rowBytes: usize, w: i32, odd: i32, tmp: usize): void {
  if (ASC_FEATURE_SIMD) {
    let nL = lowCount(w, odd);
    let nF = odd ? w - nL : nL;
    let nS = w - nF;
    let fOff = odd ? nL : 0;
    let sOff = odd ? 0 : nL;
    let ext = lineStart(tmp, 16);
    let e = ext + (<usize>DWT_GUARD << 4);
    let r0 = row, r1 = row + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
    let k = 0;
    for (; k + 4 <= w; k += 4) {
      let o = <usize>k << 2;
      let d = e + (<usize>k << 4);
      storeTransposed4(d, d + 16, d + 32, d + 48, v128.load(r0 + o), v128.load(r1 + o), v128.load(r2 + o), v128.load(r3 + o));
    }
    for (; k < w; k++) gather4(e + (<usize>k << 4), r0, r1, r2, r3, <usize>k << 2);
    mirrorGuards(e, w);
    pipe97(ext, 16, w + 2 * DWT_GUARD, odd ^ 1, true);
    let m = 0;
    for (; m + 4 <= nS; m += 4) {
      let s = e + (<usize>m << 5);
      let fo = <usize>(fOff + m) << 2;
      let so = <usize>(sOff + m) << 2;
      storeTransposed4(r0 + fo, r1 + fo, r2 + fo, r3 + fo, v128.load(s), v128.load(s, 32), v128.load(s, 64), v128.load(s, 96));
      storeTransposed4(r0 + so, r1 + so, r2 + so, r3 + so, v128.load(s, 16), v128.load(s, 48), v128.load(s, 80), v128.load(s, 112));
    }
    for (; m < nF; m++) {
      scatter4(e + (<usize>m << 5), r0, r1, r2, r3, <usize>(fOff + m) << 2);
      if (m < nS) scatter4(e + (<usize>m << 5) + 16, r0, r1, r2, r3, <usize>(sOff + m) << 2);
    }
  }
}

/** Element at d = (r0[o], r1[o], r2[o], r3[o]) (byte offset o). */
// @ts-ignore: decorator
@inline
function gather4(d: usize, r0: usize, r1: usize, r2: usize, r3: usize, o: usize): void {
  store<f32>(d, load<f32>(r0 + o));
  store<f32>(d, load<f32>(r1 + o), 4);
  store<f32>(d, load<f32>(r2 + o), 8);
  store<f32>(d, load<f32>(r3 + o), 12);
}

/** Inverse of gather4. */
// @ts-ignore: decorator
@inline
function scatter4(s: usize, r0: usize, r1: usize, r2: usize, r3: usize, o: usize): void {
  store<f32>(r0 + o, load<f32>(s));
  store<f32>(r1 + o, load<f32>(s, 4));
  store<f32>(r2 + o, load<f32>(s, 8));
  store<f32>(r3 + o, load<f32>(s, 12));
}

/**
 * VER_SR (inverse) or VER_SD (forward) on the columns [0, cols) of `buf` with cols a multiple of 4
 * (SIMD), in groups of up to DWT_PIPE_COLS columns: the group's rows are copied through the line table
 * into one contiguous extended line per 4 columns in the scratch (row segments read whole and once: a
 * pipeline walking down the buffer itself would meet the same cache sets on every row when the stride
 * is a power of two), each line is lifted in place, and the result is copied to the rows in output
 * order.
 * h ≥ 2.
 */
// @ts-ignore: decorator
@inline
function colsPipe97(buf: usize, rowBytes: usize, cols: i32, h: i32, odd: i32, tmp: usize, forward: bool): void {
  if (ASC_FEATURE_SIMD) {
    let nL = lowCount(h, odd);
    let table = align16(tmp);
    let m = h + 2 * DWT_GUARD;
    // inverse: read quadrant rows, write natural order; forward: the opposite
    let end = lineTable(table, h, odd, forward ? 0 : 1, rowBytes);
    let p1 = forward ? odd ^ 1 : odd;
    let lineBytes = <usize>(m + DWT_SLACK) << 4;
    let lines = align16(end) + (<usize>DWT_SLACK << 4); // element 0 of the first lane's line
    let x = 0;
    while (x < cols) {
      let g = cols - x < DWT_PIPE_COLS ? cols - x : DWT_PIPE_COLS;
      let gb = <usize>g << 2;
      let col = buf + (<usize>x << 2);
      for (let j = 0; j < m; j++) {
        let sp = col + <usize>load<u32>(table + (<usize>j << 2));
        let d = lines + (<usize>j << 4);
        for (let o: usize = 0; o < gb; o += 16, d += lineBytes) v128.store(d, v128.load(sp + o));
      }
      for (let o: usize = 0; o < gb; o += 16) {
        let line = lines + (o >> 4) * lineBytes;
        pipe97(line, 16, m, p1, forward);
      }
      let e = lines + (<usize>DWT_GUARD << 4);
      for (let k = 0; k < h; k++) {
        let row = forward ? (((k + odd) & 1) == 0 ? k >> 1 : nL + (k >> 1)) : k;
        let dp = col + <usize>row * rowBytes;
        let sp = e + (<usize>k << 4);
        for (let o: usize = 0; o < gb; o += 16, sp += lineBytes) v128.store(dp + o, v128.load(sp));
      }
      x += g;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Public kernels
// ---------------------------------------------------------------------------------------------

/**
 * One level of the inverse irreversible 9/7 DWT (2D_SR, F.3.2 with 1D_FILTR_9-7I, F.3.8.2), in place
 * on f32 samples: quadrant layout → interleaved samples. See the file header for the ABI.
 */
export function dwt97InverseLevel(buf: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_DWT);
  let xo = xOdd & 1;
  let rowBytes = <usize>stride << 2;
  let r = 0;
  if (ASC_FEATURE_SIMD) {
    if (w >= 2) for (; r + 4 <= h; r += 4) rowsInverse97x4(buf + <usize>r * rowBytes, rowBytes, w, xo, tmp);
  }
  for (; r < h; r++) rowInverse97(buf + <usize>r * rowBytes, w, xo, tmp);
  colsInverse97(buf, stride, w, h, yOdd & 1, tmp);
  stageLeave(STAGE_DWT);
}

/**
 * One level of the forward irreversible 9/7 DWT (2D_SD, F.4.2 with 1D_FILTD_9-7I, F.4.8.2), in place
 * on f32 samples: interleaved samples → quadrant layout. See the file header for the ABI.
 *
 * Row-streamed (Fwd97 below): the level's rows are read once, top to bottom, and each output row is
 * written once to its place in the quadrant layout after its horizontal pass, while it is in the
 * cache; the whole-level form (dwt97ForwardLevelWhole: VER_SD over the level, then HOR_SD over
 * every row) crossed the plane twice. Bit-identical to it. The high rows wait in a buffer of about
 * h/4 rows taken from the arena and given back before returning (the whole-level form runs instead
 * if it does not fit under the memory limit, and for h = 1).
 */
export function dwt97ForwardLevel(buf: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize): void {
  if (w <= 0 || h <= 0) return;
  if (!forwardLevelStreamed(fwd97Level, buf, stride, w, h, xOdd & 1, yOdd & 1, tmp)) dwt97ForwardLevelWhole(buf, stride, w, h, xOdd, yOdd, tmp);
}

/**
 * The whole-level forward 9/7 level: VER_SD (colsForward97) over the whole level, then HOR_SD over
 * every row. Same result as dwt97ForwardLevel (the reference of its tests).
 */
export function dwt97ForwardLevelWhole(buf: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_DWT);
  colsForward97(buf, stride, w, h, yOdd & 1, tmp);
  let xo = xOdd & 1;
  let rowBytes = <usize>stride << 2;
  let r = 0;
  if (ASC_FEATURE_SIMD) {
    if (w >= 2) for (; r + 4 <= h; r += 4) rowsForward97x4(buf + <usize>r * rowBytes, rowBytes, w, xo, tmp);
  }
  for (; r < h; r++) rowForward97(buf + <usize>r * rowBytes, w, xo, tmp);
  stageLeave(STAGE_DWT);
}

// ---------------------------------------------------------------------------------------------
// Row-streamed inverse (Sweep97): one level whose output rows are finished one at a time, top to
// bottom, so that the caller can use each while it is in the cache (codec/decode_output.ts).
//
// HOR_SR runs on the level's rows in place in `src` when they are first needed (groups of 4 as in
// dwt97InverseLevel, or single rows: the same operations on every row). VER_SR runs on whole rows:
// each lifting stage keeps its last rows in a ring of SWEEP97_RING rows, and a row of a stage is
// computed when a later stage first needs it (n: low index, m: high index, indices clamped as in
// lift97):
//   H1[m] = (1/K)·Y[nL + m]                       L2[n] = K·Y[n] + (−δ)(H1[n+yo−1] + H1[n+yo])
//   H3[m] = H1[m] + (−γ)(L2[m−yo] + L2[m−yo+1])   L4[n] = L2[n] + (−β)(H3[n+yo−1] + H3[n+yo])
//   H5[m] = H3[m] + (−α)(L4[m−yo] + L4[m−yo+1])
// and output row 2n+yo is L4[n], row 2m+1−yo is H5[m]. Every sample sees the operations of
// colsInverse97 in their order (x·k + c·(a + b), then x + c·(a + b) three times), so the output is
// dwt97InverseLevel's bit for bit. A stage row is read at most two rows of that stage behind the
// newest one computed, so four rows per ring suffice.
// ---------------------------------------------------------------------------------------------

const SWEEP97_RING: i32 = 4;

@unmanaged
export class Sweep97 {
  src: usize;
  rowBytes: usize;
  w: i32;
  h: i32;
  xo: i32;
  yo: i32;
  nL: i32;
  nH: i32;
  /** Scratch of the horizontal pass (dwtScratchBytes(w)). */
  tmp: usize;
  span: usize;
  /** Rings of the stages H1, L2, H3, L4, H5 (SWEEP97_RING rows of span bytes each, consecutive). */
  rings: usize;
  /** Rows computed so far: horizontal pass of the low / high rows, then each stage. */
  rowsL: i32;
  rowsH: i32;
  cH1: i32;
  cL2: i32;
  cH3: i32;
  cL4: i32;
  cH5: i32;
}

/** Bytes of the rings of a Sweep97 of width w (16-byte aligned start needed). */
export function sweep97RingBytes(w: i32): usize {
  return 5 * <usize>SWEEP97_RING * align16(<usize>max(w, 1) << 2);
}

/**
 * Start a row-streamed inverse level (h ≥ 2) over the `w × h` quadrant layout at `src` (row stride
 * `stride` samples; its rows are transformed horizontally in place). `tmp`: dwtScratchBytes(w);
 * `rings`: sweep97RingBytes(w) bytes, 16-byte aligned.
 */
export function sweep97Init(sw: Sweep97, src: usize, stride: i32, w: i32, h: i32, xo: i32, yo: i32, tmp: usize, rings: usize): void {
  sw.src = src;
  sw.rowBytes = <usize>stride << 2;
  sw.w = w;
  sw.h = h;
  sw.xo = xo;
  sw.yo = yo;
  sw.nL = lowCount(h, yo);
  sw.nH = h - sw.nL;
  sw.tmp = tmp;
  sw.span = align16(<usize>w << 2);
  sw.rings = rings;
  sw.rowsL = 0;
  sw.rowsH = sw.nL;
  sw.cH1 = 0;
  sw.cL2 = 0;
  sw.cH3 = 0;
  sw.cL4 = 0;
  sw.cH5 = 0;
}

/** Row i of stage s (0 H1, 1 L2, 2 H3, 3 L4, 4 H5). */
// @ts-ignore: decorator
@inline
function stageRow(sw: Sweep97, s: i32, i: i32): usize {
  return sw.rings + (<usize>(s * SWEEP97_RING + (i & (SWEEP97_RING - 1)))) * sw.span;
}

/** HOR_SR of the level's rows [first, end) of one band (absolute row indices) up to row `need`. */
function sweep97Rows(sw: Sweep97, done: i32, end: i32, need: i32): i32 {
  while (done <= need && done < end) {
    let row = sw.src + <usize>done * sw.rowBytes;
    if (ASC_FEATURE_SIMD) {
      if (sw.w >= 2 && done + 4 <= end) {
        rowsInverse97x4(row, sw.rowBytes, sw.w, sw.xo, sw.tmp);
        done += 4;
        continue;
      }
    }
    rowInverse97(row, sw.w, sw.xo, sw.tmp);
    done++;
  }
  return done;
}

/** dst[i] = x[i]·k + c·(a[i] + b[i]) (k = 0: dst[i] = x[i] + c·(a[i] + b[i])), i < w. */
// @ts-ignore: decorator
@inline
function liftRow97(dst: usize, x: usize, a: usize, b: usize, w: i32, k: f32, c: f32, scale: bool): void {
  let end = <usize>w << 2;
  let o: usize = 0;
  if (ASC_FEATURE_SIMD) {
    let kv = f32x4.splat(k), cv = f32x4.splat(c);
    for (; o + 16 <= end; o += 16) {
      let d = f32x4.mul(cv, f32x4.add(v128.load(a + o), v128.load(b + o)));
      let xv = scale ? f32x4.mul(v128.load(x + o), kv) : v128.load(x + o);
      v128.store(dst + o, f32x4.add(xv, d));
    }
  }
  for (; o < end; o += 4) {
    let xs = scale ? load<f32>(x + o) * k : load<f32>(x + o);
    store<f32>(dst + o, xs + c * (load<f32>(a + o) + load<f32>(b + o)));
  }
}

function sweep97H1(sw: Sweep97, i: i32): void {
  while (sw.cH1 <= i) {
    let m = sw.cH1;
    sw.rowsH = sweep97Rows(sw, sw.rowsH, sw.h, sw.nL + m);
    scaleCopyF32(stageRow(sw, 0, m), sw.src + <usize>(sw.nL + m) * sw.rowBytes, sw.w, INV_K);
    sw.cH1++;
  }
}

function sweep97L2(sw: Sweep97, i: i32): void {
  while (sw.cL2 <= i) {
    let n = sw.cL2;
    let a = clampIndex(n + sw.yo - 1, sw.nH), b = clampIndex(n + sw.yo, sw.nH);
    sweep97H1(sw, b);
    sw.rowsL = sweep97Rows(sw, sw.rowsL, sw.nL, n);
    liftRow97(stageRow(sw, 1, n), sw.src + <usize>n * sw.rowBytes, stageRow(sw, 0, a), stageRow(sw, 0, b), sw.w, K, -DELTA, true);
    sw.cL2++;
  }
}

function sweep97H3(sw: Sweep97, i: i32): void {
  while (sw.cH3 <= i) {
    let m = sw.cH3;
    let a = clampIndex(m - sw.yo, sw.nL), b = clampIndex(m - sw.yo + 1, sw.nL);
    sweep97H1(sw, m);
    sweep97L2(sw, b);
    liftRow97(stageRow(sw, 2, m), stageRow(sw, 0, m), stageRow(sw, 1, a), stageRow(sw, 1, b), sw.w, 0, -GAMMA, false);
    sw.cH3++;
  }
}

function sweep97L4(sw: Sweep97, i: i32): void {
  while (sw.cL4 <= i) {
    let n = sw.cL4;
    let a = clampIndex(n + sw.yo - 1, sw.nH), b = clampIndex(n + sw.yo, sw.nH);
    sweep97L2(sw, n);
    sweep97H3(sw, b);
    liftRow97(stageRow(sw, 3, n), stageRow(sw, 1, n), stageRow(sw, 2, a), stageRow(sw, 2, b), sw.w, 0, -BETA, false);
    sw.cL4++;
  }
}

function sweep97H5(sw: Sweep97, i: i32): void {
  while (sw.cH5 <= i) {
    let m = sw.cH5;
    let a = clampIndex(m - sw.yo, sw.nL), b = clampIndex(m - sw.yo + 1, sw.nL);
    sweep97H3(sw, m);
    sweep97L4(sw, b);
    liftRow97(stageRow(sw, 4, m), stageRow(sw, 2, m), stageRow(sw, 3, a), stageRow(sw, 3, b), sw.w, 0, -ALPHA, false);
    sw.cH5++;
  }
}

/**
 * Finish output row r of the level (rows must be asked for in order 0, 1, …, h − 1) and return where
 * it is: a ring row valid until the next call after it.
 */
export function sweep97Row(sw: Sweep97, r: i32): usize {
  if (((r - sw.yo) & 1) == 0) {
    let n = (r - sw.yo) >> 1;
    sweep97L4(sw, n);
    return stageRow(sw, 3, n);
  }
  let m = (r - 1 + sw.yo) >> 1;
  sweep97H5(sw, m);
  return stageRow(sw, 4, m);
}

/**
 * dwt97InverseLevel through the row-streamed sweep (tests): the level at `buf` (h ≥ 2 streamed;
 * h = 1 as dwt97InverseLevel) is transformed and each finished output row copied to `dst` (same
 * stride). `buf`'s rows are transformed horizontally in place. `tmp`: dwtScratchBytes(w) bytes;
 * `rings`: sweep97Bytes(w) bytes.
 */
export function dwt97InverseLevelRows(buf: usize, dst: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize, rings: usize): void {
  if (w <= 0 || h <= 0) return;
  let rowBytes = <usize>stride << 2;
  if (h == 1) {
    dwt97InverseLevel(buf, stride, w, h, xOdd, yOdd, tmp);
    memory.copy(dst, buf, <usize>w << 2);
    return;
  }
  let sw = changetype<Sweep97>(align16(rings) + sweep97RingBytes(w));
  sweep97Init(sw, buf, stride, w, h, xOdd & 1, yOdd & 1, tmp, align16(rings));
  for (let r = 0; r < h; r++) memory.copy(dst + <usize>r * rowBytes, sweep97Row(sw, r), <usize>w << 2);
}

/** Bytes dwt97InverseLevelRows needs at `rings`. */
export function sweep97Bytes(w: i32): usize {
  return sweep97RingBytes(w) + 16 + offsetof<Sweep97>();
}

// ---------------------------------------------------------------------------------------------
// Row-streamed forward level (Fwd97): dwt97ForwardLevel.
//
// VER_SD runs on whole rows, top to bottom; each lifting stage keeps its last rows in a ring of
// FWD97_RING rows, and a row of a stage is computed when a later stage first needs it (n: low index,
// m: high index, yo the parity of the first row, indices clamped to [0, nL) / [0, nH) as in lift97,
// X[r] the level's input row r, read from the plane):
//   H1[m] = X[2m+1−yo] + α(X[2a+yo] + X[2b+yo])  a, b = m−yo, m−yo+1
//   L2[n] = X[2n+yo] + β(H1[n+yo−1] + H1[n+yo])
//   H3[m] = H1[m] + γ(L2[m−yo] + L2[m−yo+1])
//   L4[n] = (L2[n] + δ(H3[n+yo−1] + H3[n+yo]))·(1/K)      (final low row n)
//   H5[m] = H3[m]·K                                         (final high row m)
// Every sample sees the operations of colsForward97 in their order (x + c·(a + b) three times, then
// (x + c·(a + b))·(1/K) or x·K), so each row equals VER_SD's; HOR_SD then runs on each finished row
// (fwd97Out: the last vertical step is fused with the deinterleave, then the lifting steps of the
// scalar build's row kernel rowForward97, whose f32 operations the SIMD build's 4-row pipeline
// rowsForward97x4 repeats; one row at a time measured faster here) with its result stored straight
// to the row's place in the quadrant layout: low row n to row n, high row m to row nL + m. Hence
// bit-identical to dwt97ForwardLevelWhole.
//
// In place: input row r is read for the last time by H1 (high rows) or L2 (low rows), so rows below
// `fwd97Unread` (the first row some stage still has to read) are free. Low row n always lands below
// it (L4[n] needs L2[n], hence rows up to 2n+yo were read). High row m's place nL + m is read only
// much later: the finished high rows wait in the hold buffer (HeldRows, dwt_layout.ts) until their
// place has been read, and are copied there then. The rings and the row scratch take 13 rows of w
// samples of `tmp` (dwtScratchBytes(w) has room for more than 60).
// ---------------------------------------------------------------------------------------------

const FWD97_RING: i32 = 4;

@unmanaged
class Fwd97 {
  buf: usize;
  rowBytes: usize;
  w: i32;
  h: i32;
  xo: i32;
  yo: i32;
  nL: i32;
  nH: i32;
  span: usize;
  /** Rings of the stages H1, L2, H3 (FWD97_RING rows of span bytes each, consecutive). */
  rings: usize;
  /** Scratch of the horizontal pass (w samples). */
  tmp: usize;
  /** Rows computed so far of each stage. */
  cH1: i32;
  cL2: i32;
  cH3: i32;
  /** The high rows waiting for their places. */
  held: HeldRows;
  /** Fed level (dwt_feed.ts): the input rows' ring (FEED_RING rows of span bytes); 0: the rows are read from the plane. */
  inRing: usize;
}

// @ts-ignore: decorator
@inline
function fwdRing(f: Fwd97, s: i32, i: i32): usize {
  return f.rings + (<usize>(s * FWD97_RING + (i & (FWD97_RING - 1)))) * f.span;
}

// @ts-ignore: decorator
@inline
function fwdIn(f: Fwd97, r: i32): usize {
  if (f.inRing != 0) return f.inRing + <usize>(r & (FEED_RING - 1)) * f.span;
  return f.buf + <usize>r * f.rowBytes;
}

/** The first input row that some stage has still to read (rows below it are free). */
// @ts-ignore: decorator
@inline
function fwd97Unread(f: Fwd97): i32 {
  if (f.inRing != 0) return f.h; // (fed: the input is not the plane, every place is free)
  let lo = f.cL2 >= f.nL ? f.h : 2 * f.cL2 + f.yo;
  let hi = f.cH1 >= f.nH ? f.h : 2 * f.cH1 + 1 - f.yo;
  return min(lo, hi);
}

/**
 * The last vertical step of a finished row fused with the deinterleave of its horizontal pass: the
 * row v[j] = (x[j] + c·(a[j] + b[j]))·k (`lift`, the low rows) or v[j] = x[j]·k (the high rows),
 * j < w, goes to F[n] = v[2n], S[n] = v[2n+1] (nF = ceil(w/2) samples at f, nS = w − nF at s), as
 * deinterleaveRow32 would put it; the same f32 operations per sample.
 */
// @ts-ignore: decorator
@inline
function finishDeinterleave97(f: usize, s: usize, w: i32, x: usize, a: usize, b: usize, c: f32, k: f32, lift: bool): void {
  let nS = w >> 1;
  let n = 0;
  if (ASC_FEATURE_SIMD) {
    let kv = f32x4.splat(k), cv = f32x4.splat(c);
    for (; n + 4 <= nS; n += 4) {
      let o = <usize>n << 3;
      let v0 = v128.load(x + o), v1 = v128.load(x + o, 16);
      if (lift) {
        v0 = f32x4.mul(f32x4.add(v0, f32x4.mul(cv, f32x4.add(v128.load(a + o), v128.load(b + o)))), kv);
        v1 = f32x4.mul(f32x4.add(v1, f32x4.mul(cv, f32x4.add(v128.load(a + o, 16), v128.load(b + o, 16)))), kv);
      } else {
        v0 = f32x4.mul(v0, kv);
        v1 = f32x4.mul(v1, kv);
      }
      v128.store(f + (<usize>n << 2), v128.shuffle<f32>(v0, v1, 0, 2, 4, 6));
      v128.store(s + (<usize>n << 2), v128.shuffle<f32>(v0, v1, 1, 3, 5, 7));
    }
  }
  for (let j = n << 1; j < w; j++) {
    let o = <usize>j << 2;
    let v = lift ? (load<f32>(x + o) + c * (load<f32>(a + o) + load<f32>(b + o))) * k : load<f32>(x + o) * k;
    store<f32>((j & 1) == 0 ? f + (<usize>(j >> 1) << 2) : s + (<usize>(j >> 1) << 2), v);
  }
}

/**
 * Finish output row `r` (natural order) of the level vertically (the row of a low or high index, see
 * above: `x`, `a`, `b` the stage rows it comes from) and run HOR_SD on it into `dst`.
 */
function fwd97Out(f: Fwd97, dst: usize, x: usize, a: usize, b: usize, low: bool): void {
  let w = f.w, xo = f.xo;
  if (w == 1) {
    let v = low ? (load<f32>(x) + DELTA * (load<f32>(a) + load<f32>(b))) * INV_K : load<f32>(x) * K;
    store<f32>(dst, xo ? v * 2.0 : v);
    return;
  }
  let nL = lowCount(w, xo);
  let nH = w - nL;
  let lp = f.tmp;
  let hp = f.tmp + (<usize>nL << 2);
  // the first sample's band takes the even columns (deinterleaveRow32's F)
  if (low) {
    if (xo) finishDeinterleave97(hp, lp, w, x, a, b, DELTA, INV_K, true);
    else finishDeinterleave97(lp, hp, w, x, a, b, DELTA, INV_K, true);
  } else {
    if (xo) finishDeinterleave97(hp, lp, w, x, x, x, 0, K, false);
    else finishDeinterleave97(lp, hp, w, x, x, x, 0, K, false);
  }
  rowLifts97To(dst, lp, nL, hp, nH, xo);
}

function fwd97H1(f: Fwd97, i: i32): void {
  while (f.cH1 <= i) {
    let m = f.cH1;
    let a = clampIndex(m - f.yo, f.nL), b = clampIndex(m - f.yo + 1, f.nL);
    liftRow97(fwdRing(f, 0, m), fwdIn(f, 2 * m + 1 - f.yo), fwdIn(f, 2 * a + f.yo), fwdIn(f, 2 * b + f.yo), f.w, 0, ALPHA, false);
    f.cH1++;
  }
}

function fwd97L2(f: Fwd97, i: i32): void {
  while (f.cL2 <= i) {
    let n = f.cL2;
    let a = clampIndex(n + f.yo - 1, f.nH), b = clampIndex(n + f.yo, f.nH);
    fwd97H1(f, b);
    liftRow97(fwdRing(f, 1, n), fwdIn(f, 2 * n + f.yo), fwdRing(f, 0, a), fwdRing(f, 0, b), f.w, 0, BETA, false);
    f.cL2++;
  }
}

function fwd97H3(f: Fwd97, i: i32): void {
  while (f.cH3 <= i) {
    let m = f.cH3;
    let a = clampIndex(m - f.yo, f.nL), b = clampIndex(m - f.yo + 1, f.nL);
    fwd97H1(f, m);
    fwd97L2(f, b);
    liftRow97(fwdRing(f, 2, m), fwdRing(f, 0, m), fwdRing(f, 1, a), fwdRing(f, 1, b), f.w, 0, GAMMA, false);
    f.cH3++;
  }
}

/** Set up the row-streamed level (h ≥ 2) in `tmp` (see above); `inRing`: 0, or the input rows' ring (fed level). */
function fwd97Init(buf: usize, stride: i32, w: i32, h: i32, xo: i32, yo: i32, tmp: usize, hold: usize, holdRows: i32, inRing: usize): Fwd97 {
  let f = changetype<Fwd97>(align16(tmp));
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
  f.rings = align16(changetype<usize>(f) + offsetof<Fwd97>());
  f.tmp = f.rings + <usize>(3 * FWD97_RING) * span;
  f.cH1 = 0;
  f.cL2 = 0;
  f.cH3 = 0;
  f.inRing = inRing;
  f.held = changetype<HeldRows>(f.tmp + span);
  heldStart(f.held, buf, f.rowBytes, w, f.nL, hold, holdRows);
  return f;
}

/** Output row r (natural order) of the level: finished vertically, HOR_SD, stored to its place (or held). */
function fwd97Row(f: Fwd97, r: i32): void {
  let yo = f.yo;
  if (((r - yo) & 1) == 0) {
    let n = (r - yo) >> 1;
    let a = clampIndex(n + yo - 1, f.nH), b = clampIndex(n + yo, f.nH);
    fwd97L2(f, n);
    fwd97H3(f, b);
    heldPlace(f.held, fwd97Unread(f));
    fwd97Out(f, f.buf + <usize>n * f.rowBytes, fwdRing(f, 1, n), fwdRing(f, 2, a), fwdRing(f, 2, b), true);
  } else {
    let m = (r - 1 + yo) >> 1;
    fwd97H3(f, m);
    let unread = fwd97Unread(f);
    heldPlace(f.held, unread);
    let x = fwdRing(f, 2, m);
    fwd97Out(f, heldDest(f.held, unread), x, x, x, false);
  }
}

/** The row-streamed level (h ≥ 2): see above. `hold`: holdRows rows of align16(4w) bytes. */
function fwd97Level(buf: usize, stride: i32, w: i32, h: i32, xo: i32, yo: i32, tmp: usize, hold: usize, holdRows: i32): void {
  let f = fwd97Init(buf, stride, w, h, xo, yo, tmp, hold, holdRows, 0);
  for (let r = 0; r < h; r++) fwd97Row(f, r);
  heldPlace(f.held, h);
}

// ---------------------------------------------------------------------------------------------
// Fed level (dwt_feed.ts): the same level with its input rows written one at a time by the caller
// into a ring of FEED_RING rows (X[r] in slot r % FEED_RING) instead of read from the plane, and its
// output written to the plane (a buffer of its own: nothing is held). Output row r reads input rows
// up to min(h − 1, r + 4) (low row 2n+yo: H1[n+yo+1] reads X[2n+yo+4]; high rows one less) and none
// below r − 2, so a ring of 8 rows holds every row still needed when the rows that make each output
// row are fed just before it is made.
// ---------------------------------------------------------------------------------------------

/** Bytes of `tmp` a fed 9/7 level of width w uses besides its input ring (dwt_feed.ts). */
export function fwd97FedBytes(w: i32): usize {
  return <usize>(3 * FWD97_RING + 2) * align16(<usize>w << 2) + offsetof<Fwd97>() + offsetof<HeldRows>() + 64;
}

/** Start a fed level (h ≥ 2) of the plane `buf` in `tmp` (fwd97FedBytes(w)), input rows in `inRing`. */
export function fwd97FedInit(buf: usize, stride: i32, w: i32, h: i32, xo: i32, yo: i32, tmp: usize, inRing: usize): usize {
  return changetype<usize>(fwd97Init(buf, stride, w, h, xo, yo, tmp, 0, 1, inRing));
}

/** Output rows [from, to) of a fed level (its input rows up to min(h − 1, to + 3) fed). */
export function fwd97FedRows(p: usize, from: i32, to: i32): void {
  let f = changetype<Fwd97>(p);
  for (let r = from; r < to; r++) fwd97Row(f, r);
}
