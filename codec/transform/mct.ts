// Multiple component transforms and DC level shifting (ISO/IEC 15444-1 Annex G), fused with the
// clamp to each component's range as the decoder's output stage.
//
// ABI (pointer-only; every plane is `w × h` samples with the given row stride in samples):
//
//   rctForward(p0, p1, p2 /*i32*/, stride, w, h)                        in place, G.2
//   rctInverse(p0, p1, p2 /*i32*/, stride, w, h)                        in place, G.2
//   ictForward(p0, p1, p2 /*f32*/, stride, w, h)                        in place, G.3
//   ictInverse(p0, p1, p2 /*f32*/, stride, w, h)                        in place, G.3
//   rctInverseToOutput(p0, p1, p2 /*i32*/, stride, w, h,
//                      shift0, shift1, shift2, min0, min1, min2, max0, max1, max2)   in place
//   ictInverseToOutput(f0, f1, f2 /*f32*/, srcStride, d0, d1, d2 /*i32*/, dstStride, w, h,
//                      shift0, shift1, shift2, min0, min1, min2, max0, max1, max2)
//   shiftClampI32(p /*i32*/, stride, w, h, shift, min, max)              in place
//   roundShiftClampF32(src /*f32*/, srcStride, dst /*i32*/, dstStride, w, h, shift, min, max)
//
// DC level shift (G.1.2): the decoder adds 2^(Ssiz_i) — i.e. 2^(precision − 1) — to the samples of
// unsigned components and nothing to signed ones; the caller passes that as `shift` (0 for signed),
// and the component's range as [min, max] ([0, 2^p − 1] unsigned, [−2^(p−1), 2^(p−1) − 1] signed).
// The encoder subtracts the shift while unpacking (pixel_pack.ts).
//
// Output rounding of the irreversible path: each f32 sample is rounded to the nearest integer with
// ties to even (f32.nearest — the same as C's lrintf under the default rounding mode, which OpenJPEG
// uses), converted with saturation (NaN → 0), then the integer shift is added and the result clamped.
// Clamping is done as clamp(v, min − shift, max − shift) + shift so that no step can overflow.
// `ictInverseToOutput` / `roundShiftClampF32` may run in place (dst == src, same stride): f32 and i32
// samples have the same size and each sample is read before it is written.
//
// SIMD twins use the same integer operations and the same f32 operations in the same order
// (no fused multiply-add), so both builds give bit-identical results.

import { stageEnter, stageLeave, STAGE_MCT_PACK } from "../util/stages";
import { unpackComponentF32, store3x8, store3x16, narrowTo8, narrowTo16, hostLo, hostHi } from "./pixel_pack";

// ICT coefficients (G.3)
const ICT_Y_R: f32 = 0.299;
const ICT_Y_G: f32 = 0.587;
const ICT_Y_B: f32 = 0.114;
const ICT_CB_R: f32 = -0.16875;
const ICT_CB_G: f32 = -0.33126;
const ICT_CB_B: f32 = 0.5;
const ICT_CR_R: f32 = 0.5;
const ICT_CR_G: f32 = -0.41869;
const ICT_CR_B: f32 = -0.08131;
const ICT_R_CR: f32 = 1.402;
const ICT_G_CB: f32 = -0.34413;
const ICT_G_CR: f32 = -0.71414;
const ICT_B_CB: f32 = 1.772;

// ---------------------------------------------------------------------------------------------
// Reversible component transform (G.2)
// ---------------------------------------------------------------------------------------------

/** Forward RCT in place (G.2): Y0 = ⌊(I0 + 2·I1 + I2) / 4⌋, Y1 = I2 − I1, Y2 = I0 − I1. */
export function rctForward(p0: usize, p1: usize, p2: usize, stride: i32, w: i32, h: i32): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  let rowBytes = <usize>stride << 2;
  for (let y = 0; y < h; y++) {
    let off = <usize>y * rowBytes;
    let a = p0 + off, b = p1 + off, c = p2 + off;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      for (; x + 4 <= w; x += 4) {
        let o = <usize>x << 2;
        let i0 = v128.load(a + o), i1 = v128.load(b + o), i2 = v128.load(c + o);
        v128.store(a + o, i32x4.shr_s(i32x4.add(i32x4.add(i0, i32x4.shl(i1, 1)), i2), 2));
        v128.store(b + o, i32x4.sub(i2, i1));
        v128.store(c + o, i32x4.sub(i0, i1));
      }
    }
    for (; x < w; x++) {
      let o = <usize>x << 2;
      let i0 = load<i32>(a + o), i1 = load<i32>(b + o), i2 = load<i32>(c + o);
      store<i32>(a + o, (i0 + (i1 << 1) + i2) >> 2);
      store<i32>(b + o, i2 - i1);
      store<i32>(c + o, i0 - i1);
    }
  }
  stageLeave(STAGE_MCT_PACK);
}

/** Inverse RCT in place (G.2): I1 = Y0 − ⌊(Y2 + Y1) / 4⌋, I0 = Y2 + I1, I2 = Y1 + I1. */
export function rctInverse(p0: usize, p1: usize, p2: usize, stride: i32, w: i32, h: i32): void {
  stageEnter(STAGE_MCT_PACK);
  rctInverseToOutput(p0, p1, p2, stride, w, h, 0, 0, 0, i32.MIN_VALUE, i32.MIN_VALUE, i32.MIN_VALUE, i32.MAX_VALUE, i32.MAX_VALUE, i32.MAX_VALUE);
  stageLeave(STAGE_MCT_PACK);
}

/**
 * Inverse RCT + DC level shift + clamp, in place on three i32 planes (the decoder's output stage for
 * reversible multi-component images). Component k becomes clamp(I_k + shift_k, min_k, max_k).
 */
export function rctInverseToOutput(
  p0: usize, p1: usize, p2: usize, stride: i32, w: i32, h: i32,
  shift0: i32, shift1: i32, shift2: i32,
  min0: i32, min1: i32, min2: i32,
  max0: i32, max1: i32, max2: i32,
): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  // clamp(v + s, lo, hi) == clamp(v, lo − s, hi − s) + s, computed without overflow in i64
  let lo0 = clampToI32(<i64>min0 - shift0), hi0 = clampToI32(<i64>max0 - shift0);
  let lo1 = clampToI32(<i64>min1 - shift1), hi1 = clampToI32(<i64>max1 - shift1);
  let lo2 = clampToI32(<i64>min2 - shift2), hi2 = clampToI32(<i64>max2 - shift2);
  let rowBytes = <usize>stride << 2;
  for (let y = 0; y < h; y++) {
    let off = <usize>y * rowBytes;
    let a = p0 + off, b = p1 + off, c = p2 + off;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      let vs0 = i32x4.splat(shift0), vs1 = i32x4.splat(shift1), vs2 = i32x4.splat(shift2);
      let vl0 = i32x4.splat(lo0), vl1 = i32x4.splat(lo1), vl2 = i32x4.splat(lo2);
      let vh0 = i32x4.splat(hi0), vh1 = i32x4.splat(hi1), vh2 = i32x4.splat(hi2);
      for (; x + 4 <= w; x += 4) {
        let o = <usize>x << 2;
        let y0 = v128.load(a + o), y1 = v128.load(b + o), y2 = v128.load(c + o);
        let i1 = i32x4.sub(y0, i32x4.shr_s(i32x4.add(y2, y1), 2));
        let i0 = i32x4.add(y2, i1);
        let i2 = i32x4.add(y1, i1);
        v128.store(a + o, i32x4.add(i32x4.min_s(i32x4.max_s(i0, vl0), vh0), vs0));
        v128.store(b + o, i32x4.add(i32x4.min_s(i32x4.max_s(i1, vl1), vh1), vs1));
        v128.store(c + o, i32x4.add(i32x4.min_s(i32x4.max_s(i2, vl2), vh2), vs2));
      }
    }
    for (; x < w; x++) {
      let o = <usize>x << 2;
      let y0 = load<i32>(a + o), y1 = load<i32>(b + o), y2 = load<i32>(c + o);
      let i1 = y0 - ((y2 + y1) >> 2);
      let i0 = y2 + i1;
      let i2 = y1 + i1;
      store<i32>(a + o, clampI32(i0, lo0, hi0) + shift0);
      store<i32>(b + o, clampI32(i1, lo1, hi1) + shift1);
      store<i32>(c + o, clampI32(i2, lo2, hi2) + shift2);
    }
  }
  stageLeave(STAGE_MCT_PACK);
}

/**
 * rctInverseToOutput of one row of `w` samples (rows p0, p1, p2) packed straight into `w`
 * pixel-interleaved host samples of three components at `dst` (`bytesPerSample` 1, 2 or 4, `signed`),
 * saturated as packInterleaved of pixel_pack.ts does: the same integer operations on the same values
 * as rctInverseToOutput followed by packInterleaved, without writing the i32 rows back. The rows are
 * not written.
 */
export function rctInverseRowPacked(
  p0: usize, p1: usize, p2: usize, w: i32, dst: usize, bytesPerSample: i32, signed: i32,
  shift0: i32, shift1: i32, shift2: i32,
  min0: i32, min1: i32, min2: i32,
  max0: i32, max1: i32, max2: i32,
): void {
  if (w <= 0) return;
  let bps = bytesPerSample == 1 ? 1 : bytesPerSample == 2 ? 2 : 4;
  let lo0 = clampToI32(<i64>min0 - shift0), hi0 = clampToI32(<i64>max0 - shift0);
  let lo1 = clampToI32(<i64>min1 - shift1), hi1 = clampToI32(<i64>max1 - shift1);
  let lo2 = clampToI32(<i64>min2 - shift2), hi2 = clampToI32(<i64>max2 - shift2);
  let x = 0;
  if (ASC_FEATURE_SIMD) {
    let vs0 = i32x4.splat(shift0), vs1 = i32x4.splat(shift1), vs2 = i32x4.splat(shift2);
    let vl0 = i32x4.splat(lo0), vl1 = i32x4.splat(lo1), vl2 = i32x4.splat(lo2);
    let vh0 = i32x4.splat(hi0), vh1 = i32x4.splat(hi1), vh2 = i32x4.splat(hi2);
    if (bps == 1 && byteRange(min0, max0, shift0, signed) && byteRange(min1, max1, shift1, signed) && byteRange(min2, max2, shift2, signed)) {
      let s0 = i16x8.splat(<i16>shift0), s1 = i16x8.splat(<i16>shift1), s2 = i16x8.splat(<i16>shift2);
      for (; x + 16 <= w; x += 16) {
        let o = <usize>x << 2;
        let y00 = v128.load(p0 + o, 0), y10 = v128.load(p1 + o, 0), y20 = v128.load(p2 + o, 0);
        let i10 = i32x4.sub(y00, i32x4.shr_s(i32x4.add(y20, y10), 2));
        let y01 = v128.load(p0 + o, 16), y11 = v128.load(p1 + o, 16), y21 = v128.load(p2 + o, 16);
        let i11 = i32x4.sub(y01, i32x4.shr_s(i32x4.add(y21, y11), 2));
        let y02 = v128.load(p0 + o, 32), y12 = v128.load(p1 + o, 32), y22 = v128.load(p2 + o, 32);
        let i12 = i32x4.sub(y02, i32x4.shr_s(i32x4.add(y22, y12), 2));
        let y03 = v128.load(p0 + o, 48), y13 = v128.load(p1 + o, 48), y23 = v128.load(p2 + o, 48);
        let i13 = i32x4.sub(y03, i32x4.shr_s(i32x4.add(y23, y13), 2));
        store3x8(
          dst + <usize>x * 3,
          shiftNarrowTo8(i32x4.add(y20, i10), i32x4.add(y21, i11), i32x4.add(y22, i12), i32x4.add(y23, i13), s0, signed),
          shiftNarrowTo8(i10, i11, i12, i13, s1, signed),
          shiftNarrowTo8(i32x4.add(y10, i10), i32x4.add(y11, i11), i32x4.add(y12, i12), i32x4.add(y13, i13), s2, signed),
        );
      }
    } else if (bps == 1) {
      for (; x + 16 <= w; x += 16) {
        let o = <usize>x << 2;
        let y00 = v128.load(p0 + o, 0), y10 = v128.load(p1 + o, 0), y20 = v128.load(p2 + o, 0);
        let i10 = i32x4.sub(y00, i32x4.shr_s(i32x4.add(y20, y10), 2));
        let r0 = clampShift4(i32x4.add(y20, i10), vl0, vh0, vs0);
        let g0 = clampShift4(i10, vl1, vh1, vs1);
        let b0 = clampShift4(i32x4.add(y10, i10), vl2, vh2, vs2);
        let y01 = v128.load(p0 + o, 16), y11 = v128.load(p1 + o, 16), y21 = v128.load(p2 + o, 16);
        let i11 = i32x4.sub(y01, i32x4.shr_s(i32x4.add(y21, y11), 2));
        let r1 = clampShift4(i32x4.add(y21, i11), vl0, vh0, vs0);
        let g1 = clampShift4(i11, vl1, vh1, vs1);
        let b1 = clampShift4(i32x4.add(y11, i11), vl2, vh2, vs2);
        let y02 = v128.load(p0 + o, 32), y12 = v128.load(p1 + o, 32), y22 = v128.load(p2 + o, 32);
        let i12 = i32x4.sub(y02, i32x4.shr_s(i32x4.add(y22, y12), 2));
        let r2 = clampShift4(i32x4.add(y22, i12), vl0, vh0, vs0);
        let g2 = clampShift4(i12, vl1, vh1, vs1);
        let b2 = clampShift4(i32x4.add(y12, i12), vl2, vh2, vs2);
        let y03 = v128.load(p0 + o, 48), y13 = v128.load(p1 + o, 48), y23 = v128.load(p2 + o, 48);
        let i13 = i32x4.sub(y03, i32x4.shr_s(i32x4.add(y23, y13), 2));
        let r3 = clampShift4(i32x4.add(y23, i13), vl0, vh0, vs0);
        let g3 = clampShift4(i13, vl1, vh1, vs1);
        let b3 = clampShift4(i32x4.add(y13, i13), vl2, vh2, vs2);
        store3x8(dst + <usize>x * 3, narrowTo8(r0, r1, r2, r3, signed), narrowTo8(g0, g1, g2, g3, signed), narrowTo8(b0, b1, b2, b3, signed));
      }
    } else if (bps == 2) {
      for (; x + 8 <= w; x += 8) {
        let o = <usize>x << 2;
        let y00 = v128.load(p0 + o, 0), y10 = v128.load(p1 + o, 0), y20 = v128.load(p2 + o, 0);
        let i10 = i32x4.sub(y00, i32x4.shr_s(i32x4.add(y20, y10), 2));
        let r0 = clampShift4(i32x4.add(y20, i10), vl0, vh0, vs0);
        let g0 = clampShift4(i10, vl1, vh1, vs1);
        let b0 = clampShift4(i32x4.add(y10, i10), vl2, vh2, vs2);
        let y01 = v128.load(p0 + o, 16), y11 = v128.load(p1 + o, 16), y21 = v128.load(p2 + o, 16);
        let i11 = i32x4.sub(y01, i32x4.shr_s(i32x4.add(y21, y11), 2));
        let r1 = clampShift4(i32x4.add(y21, i11), vl0, vh0, vs0);
        let g1 = clampShift4(i11, vl1, vh1, vs1);
        let b1 = clampShift4(i32x4.add(y11, i11), vl2, vh2, vs2);
        store3x16(dst + <usize>x * 6, narrowTo16(r0, r1, signed), narrowTo16(g0, g1, signed), narrowTo16(b0, b1, signed));
      }
    }
  }
  let sLo = hostLo(bps, signed), sHi = hostHi(bps, signed);
  for (; x < w; x++) {
    let o = <usize>x << 2;
    let y0 = load<i32>(p0 + o), y1 = load<i32>(p1 + o), y2 = load<i32>(p2 + o);
    let i1 = y0 - ((y2 + y1) >> 2);
    let i0 = y2 + i1;
    let i2 = y1 + i1;
    let v0 = clampI32(i0, lo0, hi0) + shift0;
    let v1 = clampI32(i1, lo1, hi1) + shift1;
    let v2 = clampI32(i2, lo2, hi2) + shift2;
    storePixel3(dst + <usize>x * <usize>(3 * bps), bps, v0, v1, v2, sLo, sHi);
  }
}

/**
 * ictInverseToOutput of one row of `w` samples (f32 rows f0, f1, f2) packed straight into `w`
 * pixel-interleaved host samples of three components at `dst`, saturated as packInterleaved does
 * (see rctInverseRowPacked): the same operations on the same values, without the i32 rows.
 */
export function ictInverseRowPacked(
  f0: usize, f1: usize, f2: usize, w: i32, dst: usize, bytesPerSample: i32, signed: i32,
  shift0: i32, shift1: i32, shift2: i32,
  min0: i32, min1: i32, min2: i32,
  max0: i32, max1: i32, max2: i32,
): void {
  if (w <= 0) return;
  let bps = bytesPerSample == 1 ? 1 : bytesPerSample == 2 ? 2 : 4;
  let lo0 = clampToI32(<i64>min0 - shift0), hi0 = clampToI32(<i64>max0 - shift0);
  let lo1 = clampToI32(<i64>min1 - shift1), hi1 = clampToI32(<i64>max1 - shift1);
  let lo2 = clampToI32(<i64>min2 - shift2), hi2 = clampToI32(<i64>max2 - shift2);
  let x = 0;
  if (ASC_FEATURE_SIMD) {
    let rcr = f32x4.splat(ICT_R_CR), gcb = f32x4.splat(ICT_G_CB), gcr = f32x4.splat(ICT_G_CR), bcb = f32x4.splat(ICT_B_CB);
    let vs0 = i32x4.splat(shift0), vs1 = i32x4.splat(shift1), vs2 = i32x4.splat(shift2);
    let vl0 = i32x4.splat(lo0), vl1 = i32x4.splat(lo1), vl2 = i32x4.splat(lo2);
    let vh0 = i32x4.splat(hi0), vh1 = i32x4.splat(hi1), vh2 = i32x4.splat(hi2);
    if (bps == 1 && byteRange(min0, max0, shift0, signed) && byteRange(min1, max1, shift1, signed) && byteRange(min2, max2, shift2, signed)) {
      let s0 = i16x8.splat(<i16>shift0), s1 = i16x8.splat(<i16>shift1), s2 = i16x8.splat(<i16>shift2);
      for (; x + 16 <= w; x += 16) {
        let o = <usize>x << 2;
        let y00 = v128.load(f0 + o, 0), y10 = v128.load(f1 + o, 0), y20 = v128.load(f2 + o, 0);
        let r0 = roundF32x4(f32x4.add(y00, f32x4.mul(rcr, y20)));
        let g0 = roundF32x4(f32x4.add(f32x4.add(y00, f32x4.mul(gcb, y10)), f32x4.mul(gcr, y20)));
        let b0 = roundF32x4(f32x4.add(y00, f32x4.mul(bcb, y10)));
        let y01 = v128.load(f0 + o, 16), y11 = v128.load(f1 + o, 16), y21 = v128.load(f2 + o, 16);
        let r1 = roundF32x4(f32x4.add(y01, f32x4.mul(rcr, y21)));
        let g1 = roundF32x4(f32x4.add(f32x4.add(y01, f32x4.mul(gcb, y11)), f32x4.mul(gcr, y21)));
        let b1 = roundF32x4(f32x4.add(y01, f32x4.mul(bcb, y11)));
        let y02 = v128.load(f0 + o, 32), y12 = v128.load(f1 + o, 32), y22 = v128.load(f2 + o, 32);
        let r2 = roundF32x4(f32x4.add(y02, f32x4.mul(rcr, y22)));
        let g2 = roundF32x4(f32x4.add(f32x4.add(y02, f32x4.mul(gcb, y12)), f32x4.mul(gcr, y22)));
        let b2 = roundF32x4(f32x4.add(y02, f32x4.mul(bcb, y12)));
        let y03 = v128.load(f0 + o, 48), y13 = v128.load(f1 + o, 48), y23 = v128.load(f2 + o, 48);
        let r3 = roundF32x4(f32x4.add(y03, f32x4.mul(rcr, y23)));
        let g3 = roundF32x4(f32x4.add(f32x4.add(y03, f32x4.mul(gcb, y13)), f32x4.mul(gcr, y23)));
        let b3 = roundF32x4(f32x4.add(y03, f32x4.mul(bcb, y13)));
        store3x8(dst + <usize>x * 3, shiftNarrowTo8(r0, r1, r2, r3, s0, signed), shiftNarrowTo8(g0, g1, g2, g3, s1, signed), shiftNarrowTo8(b0, b1, b2, b3, s2, signed));
      }
    } else if (bps == 1) {
      for (; x + 16 <= w; x += 16) {
        let o = <usize>x << 2;
        let y00 = v128.load(f0 + o, 0), y10 = v128.load(f1 + o, 0), y20 = v128.load(f2 + o, 0);
        let r0 = clampShift4(roundF32x4(f32x4.add(y00, f32x4.mul(rcr, y20))), vl0, vh0, vs0);
        let g0 = clampShift4(roundF32x4(f32x4.add(f32x4.add(y00, f32x4.mul(gcb, y10)), f32x4.mul(gcr, y20))), vl1, vh1, vs1);
        let b0 = clampShift4(roundF32x4(f32x4.add(y00, f32x4.mul(bcb, y10))), vl2, vh2, vs2);
        let y01 = v128.load(f0 + o, 16), y11 = v128.load(f1 + o, 16), y21 = v128.load(f2 + o, 16);
        let r1 = clampShift4(roundF32x4(f32x4.add(y01, f32x4.mul(rcr, y21))), vl0, vh0, vs0);
        let g1 = clampShift4(roundF32x4(f32x4.add(f32x4.add(y01, f32x4.mul(gcb, y11)), f32x4.mul(gcr, y21))), vl1, vh1, vs1);
        let b1 = clampShift4(roundF32x4(f32x4.add(y01, f32x4.mul(bcb, y11))), vl2, vh2, vs2);
        let y02 = v128.load(f0 + o, 32), y12 = v128.load(f1 + o, 32), y22 = v128.load(f2 + o, 32);
        let r2 = clampShift4(roundF32x4(f32x4.add(y02, f32x4.mul(rcr, y22))), vl0, vh0, vs0);
        let g2 = clampShift4(roundF32x4(f32x4.add(f32x4.add(y02, f32x4.mul(gcb, y12)), f32x4.mul(gcr, y22))), vl1, vh1, vs1);
        let b2 = clampShift4(roundF32x4(f32x4.add(y02, f32x4.mul(bcb, y12))), vl2, vh2, vs2);
        let y03 = v128.load(f0 + o, 48), y13 = v128.load(f1 + o, 48), y23 = v128.load(f2 + o, 48);
        let r3 = clampShift4(roundF32x4(f32x4.add(y03, f32x4.mul(rcr, y23))), vl0, vh0, vs0);
        let g3 = clampShift4(roundF32x4(f32x4.add(f32x4.add(y03, f32x4.mul(gcb, y13)), f32x4.mul(gcr, y23))), vl1, vh1, vs1);
        let b3 = clampShift4(roundF32x4(f32x4.add(y03, f32x4.mul(bcb, y13))), vl2, vh2, vs2);
        store3x8(dst + <usize>x * 3, narrowTo8(r0, r1, r2, r3, signed), narrowTo8(g0, g1, g2, g3, signed), narrowTo8(b0, b1, b2, b3, signed));
      }
    } else if (bps == 2) {
      for (; x + 8 <= w; x += 8) {
        let o = <usize>x << 2;
        let y00 = v128.load(f0 + o, 0), y10 = v128.load(f1 + o, 0), y20 = v128.load(f2 + o, 0);
        let r0 = clampShift4(roundF32x4(f32x4.add(y00, f32x4.mul(rcr, y20))), vl0, vh0, vs0);
        let g0 = clampShift4(roundF32x4(f32x4.add(f32x4.add(y00, f32x4.mul(gcb, y10)), f32x4.mul(gcr, y20))), vl1, vh1, vs1);
        let b0 = clampShift4(roundF32x4(f32x4.add(y00, f32x4.mul(bcb, y10))), vl2, vh2, vs2);
        let y01 = v128.load(f0 + o, 16), y11 = v128.load(f1 + o, 16), y21 = v128.load(f2 + o, 16);
        let r1 = clampShift4(roundF32x4(f32x4.add(y01, f32x4.mul(rcr, y21))), vl0, vh0, vs0);
        let g1 = clampShift4(roundF32x4(f32x4.add(f32x4.add(y01, f32x4.mul(gcb, y11)), f32x4.mul(gcr, y21))), vl1, vh1, vs1);
        let b1 = clampShift4(roundF32x4(f32x4.add(y01, f32x4.mul(bcb, y11))), vl2, vh2, vs2);
        store3x16(dst + <usize>x * 6, narrowTo16(r0, r1, signed), narrowTo16(g0, g1, signed), narrowTo16(b0, b1, signed));
      }
    }
  }
  let sLo = hostLo(bps, signed), sHi = hostHi(bps, signed);
  for (; x < w; x++) {
    let o = <usize>x << 2;
    let y0 = load<f32>(f0 + o), y1 = load<f32>(f1 + o), y2 = load<f32>(f2 + o);
    let r = y0 + ICT_R_CR * y2;
    let g = y0 + ICT_G_CB * y1 + ICT_G_CR * y2;
    let bl = y0 + ICT_B_CB * y1;
    let v0 = clampI32(roundF32(r), lo0, hi0) + shift0;
    let v1 = clampI32(roundF32(g), lo1, hi1) + shift1;
    let v2 = clampI32(roundF32(bl), lo2, hi2) + shift2;
    storePixel3(dst + <usize>x * <usize>(3 * bps), bps, v0, v1, v2, sLo, sHi);
  }
}

/**
 * One component's output stage of one row packed straight into host samples (planar, or one
 * component of an interleaved layout with `dstStep` = components): shiftClampI32 (`flt` false, i32
 * row) or roundShiftClampF32 (`flt` true, f32 row) followed by packComponent, without writing the
 * row back; the same operations on the same values.
 */
export function shiftClampRowPacked(
  src: usize, flt: bool, w: i32, dst: usize, dstStep: i32, bytesPerSample: i32, signed: i32, shift: i32, min: i32, max: i32,
): void {
  if (w <= 0) return;
  let bps = bytesPerSample == 1 ? 1 : bytesPerSample == 2 ? 2 : 4;
  let lo = clampToI32(<i64>min - shift), hi = clampToI32(<i64>max - shift);
  let x = 0;
  if (ASC_FEATURE_SIMD) {
    let vs = i32x4.splat(shift), vl = i32x4.splat(lo), vh = i32x4.splat(hi);
    if (dstStep == 1 && bps == 1) {
      if (flt) {
        for (; x + 16 <= w; x += 16) {
          let o = <usize>x << 2;
          let v0 = i32x4.add(i32x4.min_s(i32x4.max_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(v128.load(src + o, 0))), vl), vh), vs);
          let v1 = i32x4.add(i32x4.min_s(i32x4.max_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(v128.load(src + o, 16))), vl), vh), vs);
          let v2 = i32x4.add(i32x4.min_s(i32x4.max_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(v128.load(src + o, 32))), vl), vh), vs);
          let v3 = i32x4.add(i32x4.min_s(i32x4.max_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(v128.load(src + o, 48))), vl), vh), vs);
          v128.store(dst + <usize>x, narrowTo8(v0, v1, v2, v3, signed));
        }
      } else {
        for (; x + 16 <= w; x += 16) {
          let o = <usize>x << 2;
          let v0 = i32x4.add(i32x4.min_s(i32x4.max_s(v128.load(src + o, 0), vl), vh), vs);
          let v1 = i32x4.add(i32x4.min_s(i32x4.max_s(v128.load(src + o, 16), vl), vh), vs);
          let v2 = i32x4.add(i32x4.min_s(i32x4.max_s(v128.load(src + o, 32), vl), vh), vs);
          let v3 = i32x4.add(i32x4.min_s(i32x4.max_s(v128.load(src + o, 48), vl), vh), vs);
          v128.store(dst + <usize>x, narrowTo8(v0, v1, v2, v3, signed));
        }
      }
    } else if (dstStep == 1 && bps == 2) {
      if (flt) {
        for (; x + 8 <= w; x += 8) {
          let o = <usize>x << 2;
          let v0 = i32x4.add(i32x4.min_s(i32x4.max_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(v128.load(src + o, 0))), vl), vh), vs);
          let v1 = i32x4.add(i32x4.min_s(i32x4.max_s(i32x4.trunc_sat_f32x4_s(f32x4.nearest(v128.load(src + o, 16))), vl), vh), vs);
          v128.store(dst + (<usize>x << 1), narrowTo16(v0, v1, signed));
        }
      } else {
        for (; x + 8 <= w; x += 8) {
          let o = <usize>x << 2;
          let v0 = i32x4.add(i32x4.min_s(i32x4.max_s(v128.load(src + o, 0), vl), vh), vs);
          let v1 = i32x4.add(i32x4.min_s(i32x4.max_s(v128.load(src + o, 16), vl), vh), vs);
          v128.store(dst + (<usize>x << 1), narrowTo16(v0, v1, signed));
        }
      }
    }
  }
  let sLo = hostLo(bps, signed), sHi = hostHi(bps, signed);
  let step = <usize>dstStep * <usize>bps;
  let d = dst + <usize>x * step;
  for (; x < w; x++, d += step) {
    let o = <usize>x << 2;
    let v = (flt ? clampI32(roundF32(load<f32>(src + o)), lo, hi) : clampI32(load<i32>(src + o), lo, hi)) + shift;
    if (bps == 1) store<u8>(d, <u8>clampI32(v, sLo, sHi));
    else if (bps == 2) store<u16>(d, <u16>clampI32(v, sLo, sHi));
    else store<i32>(d, v);
  }
}

// ---------------------------------------------------------------------------------------------
// Irreversible component transform (G.3)
// ---------------------------------------------------------------------------------------------

/**
 * Forward ICT in place on three f32 planes (G.3):
 * Y0 = 0.299 I0 + 0.587 I1 + 0.114 I2; Y1 = −0.16875 I0 − 0.33126 I1 + 0.5 I2;
 * Y2 = 0.5 I0 − 0.41869 I1 − 0.08131 I2.
 */
export function ictForward(p0: usize, p1: usize, p2: usize, stride: i32, w: i32, h: i32): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  let rowBytes = <usize>stride << 2;
  for (let y = 0; y < h; y++) {
    let off = <usize>y * rowBytes;
    let a = p0 + off, b = p1 + off, c = p2 + off;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      let yr = f32x4.splat(ICT_Y_R), yg = f32x4.splat(ICT_Y_G), yb = f32x4.splat(ICT_Y_B);
      let ur = f32x4.splat(ICT_CB_R), ug = f32x4.splat(ICT_CB_G), ub = f32x4.splat(ICT_CB_B);
      let vr = f32x4.splat(ICT_CR_R), vg = f32x4.splat(ICT_CR_G), vb = f32x4.splat(ICT_CR_B);
      for (; x + 4 <= w; x += 4) {
        let o = <usize>x << 2;
        let r = v128.load(a + o), g = v128.load(b + o), bl = v128.load(c + o);
        v128.store(a + o, f32x4.add(f32x4.add(f32x4.mul(yr, r), f32x4.mul(yg, g)), f32x4.mul(yb, bl)));
        v128.store(b + o, f32x4.add(f32x4.add(f32x4.mul(ur, r), f32x4.mul(ug, g)), f32x4.mul(ub, bl)));
        v128.store(c + o, f32x4.add(f32x4.add(f32x4.mul(vr, r), f32x4.mul(vg, g)), f32x4.mul(vb, bl)));
      }
    }
    for (; x < w; x++) {
      let o = <usize>x << 2;
      let r = load<f32>(a + o), g = load<f32>(b + o), bl = load<f32>(c + o);
      store<f32>(a + o, ICT_Y_R * r + ICT_Y_G * g + ICT_Y_B * bl);
      store<f32>(b + o, ICT_CB_R * r + ICT_CB_G * g + ICT_CB_B * bl);
      store<f32>(c + o, ICT_CR_R * r + ICT_CR_G * g + ICT_CR_B * bl);
    }
  }
  stageLeave(STAGE_MCT_PACK);
}

/** Inverse ICT in place on three f32 planes (G.3): I0 = Y0 + 1.402 Y2; I1 = Y0 − 0.34413 Y1 − 0.71414 Y2; I2 = Y0 + 1.772 Y1. */
export function ictInverse(p0: usize, p1: usize, p2: usize, stride: i32, w: i32, h: i32): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  let rowBytes = <usize>stride << 2;
  for (let y = 0; y < h; y++) {
    let off = <usize>y * rowBytes;
    let a = p0 + off, b = p1 + off, c = p2 + off;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      let rcr = f32x4.splat(ICT_R_CR), gcb = f32x4.splat(ICT_G_CB), gcr = f32x4.splat(ICT_G_CR), bcb = f32x4.splat(ICT_B_CB);
      for (; x + 4 <= w; x += 4) {
        let o = <usize>x << 2;
        let y0 = v128.load(a + o), y1 = v128.load(b + o), y2 = v128.load(c + o);
        v128.store(a + o, f32x4.add(y0, f32x4.mul(rcr, y2)));
        v128.store(b + o, f32x4.add(f32x4.add(y0, f32x4.mul(gcb, y1)), f32x4.mul(gcr, y2)));
        v128.store(c + o, f32x4.add(y0, f32x4.mul(bcb, y1)));
      }
    }
    for (; x < w; x++) {
      let o = <usize>x << 2;
      let y0 = load<f32>(a + o), y1 = load<f32>(b + o), y2 = load<f32>(c + o);
      store<f32>(a + o, y0 + ICT_R_CR * y2);
      store<f32>(b + o, y0 + ICT_G_CB * y1 + ICT_G_CR * y2);
      store<f32>(c + o, y0 + ICT_B_CB * y1);
    }
  }
  stageLeave(STAGE_MCT_PACK);
}

/**
 * Inverse ICT + rounding + DC level shift + clamp: three f32 planes (row stride `srcStride`) to three
 * i32 planes (row stride `dstStride`); component k becomes clamp(round(I_k) + shift_k, min_k, max_k).
 * May run in place (d_k == f_k, equal strides).
 */
export function ictInverseToOutput(
  f0: usize, f1: usize, f2: usize, srcStride: i32,
  d0: usize, d1: usize, d2: usize, dstStride: i32, w: i32, h: i32,
  shift0: i32, shift1: i32, shift2: i32,
  min0: i32, min1: i32, min2: i32,
  max0: i32, max1: i32, max2: i32,
): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  let lo0 = clampToI32(<i64>min0 - shift0), hi0 = clampToI32(<i64>max0 - shift0);
  let lo1 = clampToI32(<i64>min1 - shift1), hi1 = clampToI32(<i64>max1 - shift1);
  let lo2 = clampToI32(<i64>min2 - shift2), hi2 = clampToI32(<i64>max2 - shift2);
  let srcRow = <usize>srcStride << 2;
  let dstRow = <usize>dstStride << 2;
  for (let y = 0; y < h; y++) {
    let so = <usize>y * srcRow, dof = <usize>y * dstRow;
    let a = f0 + so, b = f1 + so, c = f2 + so;
    let da = d0 + dof, db = d1 + dof, dc = d2 + dof;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      let rcr = f32x4.splat(ICT_R_CR), gcb = f32x4.splat(ICT_G_CB), gcr = f32x4.splat(ICT_G_CR), bcb = f32x4.splat(ICT_B_CB);
      let vs0 = i32x4.splat(shift0), vs1 = i32x4.splat(shift1), vs2 = i32x4.splat(shift2);
      let vl0 = i32x4.splat(lo0), vl1 = i32x4.splat(lo1), vl2 = i32x4.splat(lo2);
      let vh0 = i32x4.splat(hi0), vh1 = i32x4.splat(hi1), vh2 = i32x4.splat(hi2);
      for (; x + 4 <= w; x += 4) {
        let o = <usize>x << 2;
        let y0 = v128.load(a + o), y1 = v128.load(b + o), y2 = v128.load(c + o);
        let r = f32x4.add(y0, f32x4.mul(rcr, y2));
        let g = f32x4.add(f32x4.add(y0, f32x4.mul(gcb, y1)), f32x4.mul(gcr, y2));
        let bl = f32x4.add(y0, f32x4.mul(bcb, y1));
        let ir = i32x4.trunc_sat_f32x4_s(f32x4.nearest(r));
        let ig = i32x4.trunc_sat_f32x4_s(f32x4.nearest(g));
        let ib = i32x4.trunc_sat_f32x4_s(f32x4.nearest(bl));
        v128.store(da + o, i32x4.add(i32x4.min_s(i32x4.max_s(ir, vl0), vh0), vs0));
        v128.store(db + o, i32x4.add(i32x4.min_s(i32x4.max_s(ig, vl1), vh1), vs1));
        v128.store(dc + o, i32x4.add(i32x4.min_s(i32x4.max_s(ib, vl2), vh2), vs2));
      }
    }
    for (; x < w; x++) {
      let o = <usize>x << 2;
      let y0 = load<f32>(a + o), y1 = load<f32>(b + o), y2 = load<f32>(c + o);
      let r = y0 + ICT_R_CR * y2;
      let g = y0 + ICT_G_CB * y1 + ICT_G_CR * y2;
      let bl = y0 + ICT_B_CB * y1;
      store<i32>(da + o, clampI32(roundF32(r), lo0, hi0) + shift0);
      store<i32>(db + o, clampI32(roundF32(g), lo1, hi1) + shift1);
      store<i32>(dc + o, clampI32(roundF32(bl), lo2, hi2) + shift2);
    }
  }
  stageLeave(STAGE_MCT_PACK);
}

// ---------------------------------------------------------------------------------------------
// Single-component output stages
// ---------------------------------------------------------------------------------------------

/** DC level shift + clamp in place on one i32 plane: v ← clamp(v + shift, min, max). */
export function shiftClampI32(p: usize, stride: i32, w: i32, h: i32, shift: i32, min: i32, max: i32): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  let lo = clampToI32(<i64>min - shift), hi = clampToI32(<i64>max - shift);
  let rowBytes = <usize>stride << 2;
  for (let y = 0; y < h; y++) {
    let a = p + <usize>y * rowBytes;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      let vs = i32x4.splat(shift), vl = i32x4.splat(lo), vh = i32x4.splat(hi);
      for (; x + 8 <= w; x += 8) {
        let o = <usize>x << 2;
        v128.store(a + o, i32x4.add(i32x4.min_s(i32x4.max_s(v128.load(a + o), vl), vh), vs));
        v128.store(a + o, i32x4.add(i32x4.min_s(i32x4.max_s(v128.load(a + o, 16), vl), vh), vs), 16);
      }
      for (; x + 4 <= w; x += 4) {
        let o = <usize>x << 2;
        v128.store(a + o, i32x4.add(i32x4.min_s(i32x4.max_s(v128.load(a + o), vl), vh), vs));
      }
    }
    for (; x < w; x++) {
      let o = <usize>x << 2;
      store<i32>(a + o, clampI32(load<i32>(a + o), lo, hi) + shift);
    }
  }
  stageLeave(STAGE_MCT_PACK);
}

/**
 * Round (to nearest, ties to even) + DC level shift + clamp, f32 plane → i32 plane:
 * dst = clamp(round(src) + shift, min, max). May run in place (dst == src, equal strides).
 */
export function roundShiftClampF32(src: usize, srcStride: i32, dst: usize, dstStride: i32, w: i32, h: i32, shift: i32, min: i32, max: i32): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  let lo = clampToI32(<i64>min - shift), hi = clampToI32(<i64>max - shift);
  let srcRow = <usize>srcStride << 2;
  let dstRow = <usize>dstStride << 2;
  for (let y = 0; y < h; y++) {
    let a = src + <usize>y * srcRow;
    let d = dst + <usize>y * dstRow;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      let vs = i32x4.splat(shift), vl = i32x4.splat(lo), vh = i32x4.splat(hi);
      for (; x + 4 <= w; x += 4) {
        let o = <usize>x << 2;
        let v = i32x4.trunc_sat_f32x4_s(f32x4.nearest(v128.load(a + o)));
        v128.store(d + o, i32x4.add(i32x4.min_s(i32x4.max_s(v, vl), vh), vs));
      }
    }
    for (; x < w; x++) {
      let o = <usize>x << 2;
      store<i32>(d + o, clampI32(roundF32(load<f32>(a + o)), lo, hi) + shift);
    }
  }
  stageLeave(STAGE_MCT_PACK);
}

// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline
function clampI32(v: i32, lo: i32, hi: i32): i32 {
  // same order as the SIMD path: max first, then min
  let t = v > lo ? v : lo;
  return t < hi ? t : hi;
}

// @ts-ignore: decorator
@inline
function clampToI32(v: i64): i32 {
  return v < <i64>i32.MIN_VALUE ? i32.MIN_VALUE : v > <i64>i32.MAX_VALUE ? i32.MAX_VALUE : <i32>v;
}

/** Clamp four lanes to [lo, hi], then add the DC shift: the SIMD lanes of clampI32(v, lo, hi) + shift. */
// @ts-ignore: decorator
@inline
function clampShift4(v: v128, lo: v128, hi: v128, shift: v128): v128 {
  return i32x4.add(i32x4.min_s(i32x4.max_s(v, lo), hi), shift);
}

/**
 * Does a component of range [min, max] with DC shift `shift` go to 1-byte host samples (`signed`)
 * through shiftNarrowTo8: its range is the host type's and |shift| ≤ 2^14.
 */
// @ts-ignore: decorator
@inline
function byteRange(min: i32, max: i32, shift: i32, signed: i32): bool {
  return min == (signed ? -128 : 0) && max == (signed ? 127 : 255) && shift >= -16384 && shift <= 16384;
}

/**
 * narrowTo8 of clampShift4 of 16 lanes (a..d) with the clamp to [min − shift, max − shift] left to the
 * saturating narrows, for a component that byteRange accepts (s16: the shift in 16-bit lanes):
 * t = sat16(sat16(v) + shift), then saturated to bytes. For v in [min − shift, max − shift] (inside
 * i16 as |shift| ≤ 2^14) t = v + shift ∈ [min, max]: the same byte. For v < min − shift, t < min
 * (also when sat16(v) = −32768: −32768 + 2^14 < min), which saturates to min, as the clamp gives;
 * v > max − shift likewise gives max. So both give the same bytes for every i32 v.
 */
// @ts-ignore: decorator
@inline
function shiftNarrowTo8(a: v128, b: v128, c: v128, d: v128, s16: v128, signed: i32): v128 {
  let lo = i16x8.add_sat_s(i16x8.narrow_i32x4_s(a, b), s16);
  let hi = i16x8.add_sat_s(i16x8.narrow_i32x4_s(c, d), s16);
  return signed ? i8x16.narrow_i16x8_s(lo, hi) : i8x16.narrow_i16x8_u(lo, hi);
}

/** roundF32 of four lanes: round to nearest, ties to even, saturating to i32 (NaN → 0). */
// @ts-ignore: decorator
@inline
function roundF32x4(v: v128): v128 {
  return i32x4.trunc_sat_f32x4_s(f32x4.nearest(v));
}

/**
 * One pixel of three components at `d` in host samples of `bps` bytes (1 and 2 saturated to
 * [sLo, sHi], as packInterleaved does; 4 stored as is): the scalar tail of rctInverseRowPacked and
 * ictInverseRowPacked.
 */
// @ts-ignore: decorator
@inline
function storePixel3(d: usize, bps: i32, v0: i32, v1: i32, v2: i32, sLo: i32, sHi: i32): void {
  if (bps == 1) {
    store<u8>(d, <u8>clampI32(v0, sLo, sHi));
    store<u8>(d, <u8>clampI32(v1, sLo, sHi), 1);
    store<u8>(d, <u8>clampI32(v2, sLo, sHi), 2);
  } else if (bps == 2) {
    store<u16>(d, <u16>clampI32(v0, sLo, sHi));
    store<u16>(d, <u16>clampI32(v1, sLo, sHi), 2);
    store<u16>(d, <u16>clampI32(v2, sLo, sHi), 4);
  } else {
    store<i32>(d, v0);
    store<i32>(d, v1, 4);
    store<i32>(d, v2, 8);
  }
}

/** Round to nearest, ties to even, saturating to i32 (NaN → 0) — matches i32x4.trunc_sat(f32x4.nearest). */
// @ts-ignore: decorator
@inline
function roundF32(v: f32): i32 {
  return <i32>nearest<f32>(v); // nontrapping-f2i: i32.trunc_sat_f32_s
}

// ---------------------------------------------------------------------------------------------
// Encoder input: unpacking fused with the forward ICT
// ---------------------------------------------------------------------------------------------

/**
 * Host samples of components 0, 1, 2 of pixel-interleaved rows (`srcStep` ≥ 3 samples per pixel,
 * `src` at component 0) → three f32 planes with the DC level shifts subtracted and the forward ICT
 * applied (G.1.2, G.3): row by row, unpackComponentF32 of each component then ictForward of that row,
 * so a row is still in the cache for the transform instead of three whole planes making a second trip.
 * Exactly the values of unpackComponentF32 ×3 followed by ictForward.
 */
export function unpackIctForward(
  src: usize, srcStep: i32, srcStride: i32, bytesPerSample: i32, signed: i32, w: i32, h: i32,
  d0: usize, d1: usize, d2: usize, dstStride: i32, dc0: i32, dc1: i32, dc2: i32,
): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  let bps = <usize>(bytesPerSample == 1 ? 1 : bytesPerSample == 2 ? 2 : 4);
  let srcRow = <usize>srcStride * bps;
  let dstRow = <usize>dstStride << 2;
  let fused = bps == 1 && (srcStep == 3 || srcStep == 4) && signed == 0;
  for (let y = 0; y < h; y++) {
    let s = src + <usize>y * srcRow;
    let o = <usize>y * dstRow;
    // 8-bit RGB (SIMD): the three planes' samples of 4 pixels from one load, transformed in registers
    let x = fused ? unpackIctRgb8(s, srcStep, d0 + o, d1 + o, d2 + o, w, dc0, dc1, dc2) : 0;
    if (x >= w) continue;
    let sx = s + <usize>x * <usize>srcStep * bps;
    let ox = o + (<usize>x << 2);
    unpackComponentF32(sx, srcStep, srcStride, <i32>bps, signed, w - x, 1, d0 + ox, dstStride, dc0);
    unpackComponentF32(sx + bps, srcStep, srcStride, <i32>bps, signed, w - x, 1, d1 + ox, dstStride, dc1);
    unpackComponentF32(sx + 2 * bps, srcStep, srcStride, <i32>bps, signed, w - x, 1, d2 + ox, dstStride, dc2);
    ictForward(d0 + ox, d1 + ox, d2 + ox, dstStride, w - x, 1);
  }
  stageLeave(STAGE_MCT_PACK);
}

/**
 * unpackIctForward of one row (h = 1) where only some of the ICT's outputs are wanted (d_i = 0: not
 * wanted, e.g. the component a worker makes): each wanted output gets unpackIctForward's value (the
 * three outputs are computed independently of each other), the others are not computed for 8-bit
 * RGB / RGBx pixels in the SIMD build; the rest of the row goes through unpackIctForward with the
 * unwanted outputs in `scratch` (3 rows of w f32, `span` bytes apart).
 */
export function unpackIctRowSome(
  src: usize, srcStep: i32, bytesPerSample: i32, signed: i32, w: i32, d0: usize, d1: usize, d2: usize, dc: i32, scratch: usize, span: usize,
): void {
  if (w <= 0) return;
  let bps = <usize>(bytesPerSample == 1 ? 1 : bytesPerSample == 2 ? 2 : 4);
  let x = 0;
  if (bps == 1 && (srcStep == 3 || srcStep == 4) && signed == 0) {
    stageEnter(STAGE_MCT_PACK);
    x = unpackIctRgb8Some(src, srcStep, d0, d1, d2, w, dc);
    stageLeave(STAGE_MCT_PACK);
  }
  if (x >= w) return;
  let o = <usize>x << 2;
  let e0 = d0 != 0 ? d0 + o : scratch + o, e1 = d1 != 0 ? d1 + o : scratch + span + o, e2 = d2 != 0 ? d2 + o : scratch + 2 * span + o;
  unpackIctForward(src + <usize>x * <usize>srcStep * bps, srcStep, 0, <i32>bps, signed, w - x, 1, e0, e1, e2, 0, dc, dc, dc);
}

/** unpackIctRgb8 for the outputs wanted (d_i ≠ 0). */
function unpackIctRgb8Some(s: usize, step: i32, d0: usize, d1: usize, d2: usize, w: i32, dc: i32): i32 {
  let x = 0;
  if (ASC_FEATURE_SIMD) {
    let z = i32x4.splat(0);
    let sv = i32x4.splat(dc);
    let last = step == 3 ? w - 6 : w - 4; // (a 16-byte load stays inside the row)
    for (; x <= last; x += 4) {
      let v = v128.load(s + <usize>x * <usize>step);
      let r: v128, g: v128, b: v128;
      if (step == 3) {
        r = f32x4.convert_i32x4_s(i32x4.sub(i8x16.shuffle(v, z, 0, 16, 16, 16, 3, 16, 16, 16, 6, 16, 16, 16, 9, 16, 16, 16), sv));
        g = f32x4.convert_i32x4_s(i32x4.sub(i8x16.shuffle(v, z, 1, 16, 16, 16, 4, 16, 16, 16, 7, 16, 16, 16, 10, 16, 16, 16), sv));
        b = f32x4.convert_i32x4_s(i32x4.sub(i8x16.shuffle(v, z, 2, 16, 16, 16, 5, 16, 16, 16, 8, 16, 16, 16, 11, 16, 16, 16), sv));
      } else {
        r = f32x4.convert_i32x4_s(i32x4.sub(i8x16.shuffle(v, z, 0, 16, 16, 16, 4, 16, 16, 16, 8, 16, 16, 16, 12, 16, 16, 16), sv));
        g = f32x4.convert_i32x4_s(i32x4.sub(i8x16.shuffle(v, z, 1, 16, 16, 16, 5, 16, 16, 16, 9, 16, 16, 16, 13, 16, 16, 16), sv));
        b = f32x4.convert_i32x4_s(i32x4.sub(i8x16.shuffle(v, z, 2, 16, 16, 16, 6, 16, 16, 16, 10, 16, 16, 16, 14, 16, 16, 16), sv));
      }
      let o = <usize>x << 2;
      if (d0 != 0) v128.store(d0 + o, f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(ICT_Y_R), r), f32x4.mul(f32x4.splat(ICT_Y_G), g)), f32x4.mul(f32x4.splat(ICT_Y_B), b)));
      if (d1 != 0) v128.store(d1 + o, f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(ICT_CB_R), r), f32x4.mul(f32x4.splat(ICT_CB_G), g)), f32x4.mul(f32x4.splat(ICT_CB_B), b)));
      if (d2 != 0) v128.store(d2 + o, f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(ICT_CR_R), r), f32x4.mul(f32x4.splat(ICT_CR_G), g)), f32x4.mul(f32x4.splat(ICT_CR_B), b)));
    }
  }
  return x;
}

/**
 * unpackIctForward of one row of unsigned 8-bit RGB or RGBx pixels (`step` 3 or 4 bytes; SIMD build,
 * 0 in the scalar one), 4 pixels at a time while a 16-byte load stays inside the row: each
 * component's bytes zero-extended by one shuffle, the DC shift subtracted in i32, converted to f32
 * and transformed with the operations of ictForward in its order — the values of
 * unpackComponentF32 ×3 + ictForward. Returns the pixels done.
 */
function unpackIctRgb8(s: usize, step: i32, d0: usize, d1: usize, d2: usize, w: i32, dc0: i32, dc1: i32, dc2: i32): i32 {
  let x = 0;
  if (ASC_FEATURE_SIMD) {
    let z = i32x4.splat(0);
    let s0 = i32x4.splat(dc0), s1 = i32x4.splat(dc1), s2 = i32x4.splat(dc2);
    if (step == 3) {
      for (; x + 6 <= w; x += 4) {
        let v = v128.load(s + <usize>x * 3);
        let r = f32x4.convert_i32x4_s(i32x4.sub(i8x16.shuffle(v, z, 0, 16, 16, 16, 3, 16, 16, 16, 6, 16, 16, 16, 9, 16, 16, 16), s0));
        let g = f32x4.convert_i32x4_s(i32x4.sub(i8x16.shuffle(v, z, 1, 16, 16, 16, 4, 16, 16, 16, 7, 16, 16, 16, 10, 16, 16, 16), s1));
        let b = f32x4.convert_i32x4_s(i32x4.sub(i8x16.shuffle(v, z, 2, 16, 16, 16, 5, 16, 16, 16, 8, 16, 16, 16, 11, 16, 16, 16), s2));
        ictStore4(d0, d1, d2, <usize>x << 2, r, g, b);
      }
    } else {
      for (; x + 4 <= w; x += 4) {
        let v = v128.load(s + (<usize>x << 2));
        let r = f32x4.convert_i32x4_s(i32x4.sub(i8x16.shuffle(v, z, 0, 16, 16, 16, 4, 16, 16, 16, 8, 16, 16, 16, 12, 16, 16, 16), s0));
        let g = f32x4.convert_i32x4_s(i32x4.sub(i8x16.shuffle(v, z, 1, 16, 16, 16, 5, 16, 16, 16, 9, 16, 16, 16, 13, 16, 16, 16), s1));
        let b = f32x4.convert_i32x4_s(i32x4.sub(i8x16.shuffle(v, z, 2, 16, 16, 16, 6, 16, 16, 16, 10, 16, 16, 16, 14, 16, 16, 16), s2));
        ictStore4(d0, d1, d2, <usize>x << 2, r, g, b);
      }
    }
  }
  return x;
}

/** The forward ICT of 4 pixels (ictForward's operations, in its order) stored at byte offset o of the planes. */
// @ts-ignore: decorator
@inline
function ictStore4(d0: usize, d1: usize, d2: usize, o: usize, r: v128, g: v128, b: v128): void {
  if (ASC_FEATURE_SIMD) {
    v128.store(d0 + o, f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(ICT_Y_R), r), f32x4.mul(f32x4.splat(ICT_Y_G), g)), f32x4.mul(f32x4.splat(ICT_Y_B), b)));
    v128.store(d1 + o, f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(ICT_CB_R), r), f32x4.mul(f32x4.splat(ICT_CB_G), g)), f32x4.mul(f32x4.splat(ICT_CB_B), b)));
    v128.store(d2 + o, f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(ICT_CR_R), r), f32x4.mul(f32x4.splat(ICT_CR_G), g)), f32x4.mul(f32x4.splat(ICT_CR_B), b)));
  }
}
