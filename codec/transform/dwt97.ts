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
// into the copies in and out of the scratch buffer.

import { DWT_COLS, lowCount, interleaveRow32, deinterleaveRow32, copyLanes32 } from "./dwt_layout";
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
  if (w == 1) {
    if (odd) store<f32>(row, load<f32>(row) * 2.0);
    return;
  }
  let nL = lowCount(w, odd);
  let nH = w - nL;
  let lp = tmp;
  let hp = tmp + (<usize>nL << 2);
  if (odd) deinterleaveRow32(row, hp, nH, lp, nL);
  else deinterleaveRow32(row, lp, nL, hp, nH);
  forwardLifts(lp, nL, hp, nH, odd, 1);
  scaleCopyF32(row, lp, nL, INV_K);
  scaleCopyF32(row + (<usize>nL << 2), hp, nH, K);
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
  for (; x + lanes <= w; x += lanes) groupInverse97(buf + (<usize>x << 2), rowBytes, nL, nH, odd, tmp);
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
  for (; x + lanes <= w; x += lanes) groupForward97(buf + (<usize>x << 2), rowBytes, nL, nH, odd, tmp);
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
  for (let r = 0; r < h; r++) rowInverse97(buf + <usize>r * rowBytes, w, xo, tmp);
  colsInverse97(buf, stride, w, h, yOdd & 1, tmp);
  stageLeave(STAGE_DWT);
}

/**
 * One level of the forward irreversible 9/7 DWT (2D_SD, F.4.2 with 1D_FILTD_9-7I, F.4.8.2), in place
 * on f32 samples: interleaved samples → quadrant layout. See the file header for the ABI.
 */
export function dwt97ForwardLevel(buf: usize, stride: i32, w: i32, h: i32, xOdd: i32, yOdd: i32, tmp: usize): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_DWT);
  colsForward97(buf, stride, w, h, yOdd & 1, tmp);
  let xo = xOdd & 1;
  let rowBytes = <usize>stride << 2;
  for (let r = 0; r < h; r++) rowForward97(buf + <usize>r * rowBytes, w, xo, tmp);
  stageLeave(STAGE_DWT);
}
