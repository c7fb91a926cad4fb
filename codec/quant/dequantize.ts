// Dequantisation fused into the copy of one decoded code-block into the tile-component buffer
// (ISO/IEC 15444-1 E.1.1, with the ROI max-shift of H.1 undone on the way).
//
// ABI (pointer-only; strides in samples):
//
//   dequantCopyRev(src /*i32*/, w, h, srcStride, dst /*i32*/, dstStride, roiShift)
//   dequantCopyIrr(src /*i32*/, w, h, srcStride, dst /*f32*/, dstStride, halfStep: f32, roiShift)
//
// Input: the block decoder's output values (docs/ARCHITECTURE.md, Seam 1, "Output value"): 0, or ±v
// with v = 2·K + 2^p, twice the mid-point reconstruction of the magnitude (K = magnitude bits decoded
// so far, in units of bit-plane 0, a multiple of 2^p; p = lowest bit-plane decoded for the
// coefficient). A fully decoded coefficient has v = 2q + 1.
//
// ROI max-shift (H.1, roiShift = SPrgn = s > 0): the decoder treats a coefficient as ROI when its
// decoded magnitude K is ≥ 2^s and shifts it down by s bit-planes; smaller ones are background and
// are kept as they are. Because K is a multiple of 2^p and K ≥ 2^p:
//     K ≥ 2^s   ⇔   v ≥ 2^(s+1)
// and the shifted ROI value, again as "twice the mid-point", is
//     v' = (v >> s) | 1   if p ≤ s  (i.e. v & (2^(s+1) − 1) ≠ 0: planes below s carry no ROI
//                                     information, the magnitude is exact to bit-plane s, so the
//                                     mid-point of the shifted value is added),
//     v' = v >> s         if p > s  (the marker bit 2^(p−s) is still there).
// Background values pass unchanged. With s ≥ 30, 2^(s+1) exceeds every representable |v| (< 2^31),
// so nothing is ROI and the values pass unchanged; s ≤ 0 means no ROI.
// Note: OpenJPEG compares the doubled value with 2^s (not 2^(s+1)), i.e. it also shifts background
// coefficients whose most significant bit is at plane s − 1; this kernel follows H.1 instead.
//
// Reversible output: sign · (v' >> 1)   (= the integer q for v' = 2q + 1; OpenJPEG's `v / 2`).
// Irreversible output: f32(sign · v') · halfStep, halfStep = Δb / 2 with
// Δb = 2^(Rb − εb) · (1 + μb / 2^11) (E.1.1.1; see step_size.ts), i.e. (q + 1/2)·Δb when fully decoded.
//
// SIMD twins use the same integer operations and the same single f32 multiply per sample, so both
// builds give bit-identical results.

// @ts-ignore: decorator
@inline
function roiActive(roiShift: i32): bool {
  return roiShift > 0 && roiShift < 30;
}

/** Reversible: dst = sign(v)·(|v'| >> 1), v' the ROI-adjusted value (file header). */
export function dequantCopyRev(src: usize, w: i32, h: i32, srcStride: i32, dst: usize, dstStride: i32, roiShift: i32): void {
  if (w <= 0 || h <= 0) return;
  let srcRow = <usize>srcStride << 2;
  let dstRow = <usize>dstStride << 2;
  let roi = roiActive(roiShift);
  let thr = roi ? 1 << (roiShift + 1) : 0;
  let sh = roi ? roiShift + 1 : 1;
  for (let y = 0; y < h; y++) {
    let s = src + <usize>y * srcRow;
    let d = dst + <usize>y * dstRow;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      if (!roi) {
        for (; x + 8 <= w; x += 8) {
          let o = <usize>x << 2;
          let a = v128.load(s + o), b = v128.load(s + o, 16);
          // trunc(v / 2) = (v + (v >>> 31)) >> 1
          v128.store(d + o, i32x4.shr_s(i32x4.add(a, i32x4.shr_u(a, 31)), 1));
          v128.store(d + o, i32x4.shr_s(i32x4.add(b, i32x4.shr_u(b, 31)), 1), 16);
        }
      } else {
        let vt = i32x4.splat(thr);
        for (; x + 4 <= w; x += 4) {
          let o = <usize>x << 2;
          let v = v128.load(s + o);
          let sg = i32x4.shr_s(v, 31);
          let mag = i32x4.abs(v);
          let isRoi = i32x4.ge_s(mag, vt);
          let m = v128.bitselect(i32x4.shr_u(mag, sh), i32x4.shr_u(mag, 1), isRoi);
          v128.store(d + o, i32x4.sub(v128.xor(m, sg), sg));
        }
      }
    }
    for (; x < w; x++) {
      let o = <usize>x << 2;
      let v = load<i32>(s + o);
      let mag = v < 0 ? -v : v;
      mag = mag >= thr && roi ? mag >>> sh : mag >>> 1;
      store<i32>(d + o, v < 0 ? -mag : mag);
    }
  }
}

/** Irreversible: dst = f32(sign(v)·v')·halfStep, v' the ROI-adjusted value (file header). */
export function dequantCopyIrr(src: usize, w: i32, h: i32, srcStride: i32, dst: usize, dstStride: i32, halfStep: f32, roiShift: i32): void {
  if (w <= 0 || h <= 0) return;
  let srcRow = <usize>srcStride << 2;
  let dstRow = <usize>dstStride << 2;
  let roi = roiActive(roiShift);
  let s0 = roi ? roiShift : 0;
  let thr = roi ? 1 << (roiShift + 1) : 0;
  let low = thr - 1; // bits below plane s+1 of the doubled value
  for (let y = 0; y < h; y++) {
    let s = src + <usize>y * srcRow;
    let d = dst + <usize>y * dstRow;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      let hs = f32x4.splat(halfStep);
      if (!roi) {
        for (; x + 8 <= w; x += 8) {
          let o = <usize>x << 2;
          v128.store(d + o, f32x4.mul(f32x4.convert_i32x4_s(v128.load(s + o)), hs));
          v128.store(d + o, f32x4.mul(f32x4.convert_i32x4_s(v128.load(s + o, 16)), hs), 16);
        }
      } else {
        let vt = i32x4.splat(thr);
        let vlow = i32x4.splat(low);
        let one = i32x4.splat(1);
        let zero = i32x4.splat(0);
        for (; x + 4 <= w; x += 4) {
          let o = <usize>x << 2;
          let v = v128.load(s + o);
          let sg = i32x4.shr_s(v, 31);
          let mag = i32x4.abs(v);
          let isRoi = i32x4.ge_s(mag, vt);
          let mid = v128.and(i32x4.ne(v128.and(mag, vlow), zero), one);
          let m = v128.bitselect(v128.or(i32x4.shr_u(mag, s0), mid), mag, isRoi);
          let sv = i32x4.sub(v128.xor(m, sg), sg);
          v128.store(d + o, f32x4.mul(f32x4.convert_i32x4_s(sv), hs));
        }
      }
    }
    for (; x < w; x++) {
      let o = <usize>x << 2;
      let v = load<i32>(s + o);
      if (roi) {
        let mag = v < 0 ? -v : v;
        if (mag >= thr) {
          mag = (mag >>> s0) | ((mag & low) != 0 ? 1 : 0);
          v = v < 0 ? -mag : mag;
        }
      }
      store<f32>(d + o, <f32>v * halfStep);
    }
  }
}
