// Encoder-side quantisation fused into the copy of one code-block out of the tile-component buffer
// (ISO/IEC 15444-1 E.1: deadzone scalar quantiser q = sign(x)·⌊|x| / Δb⌋).
//
// ABI (pointer-only; strides in samples):
//
//   quantizeCopyIrr(src /*f32*/, srcStride, w, h, dst /*i32*/, dstStride, invStep: f32, fracBits)
//   copyRev(src /*i32*/, srcStride, w, h, dst /*i32*/, dstStride)
//
// quantizeCopyIrr produces two's complement fixed-point magnitudes with `fracBits` fractional bits:
//     dst = sign(x) · min(⌊|x| · (invStep · 2^fracBits)⌋, 2^30 − 1)
// where invStep = 1/Δb. The integer part (|dst| >> fracBits) is exactly the quantisation index of E.1
// (up to the f32 rounding of |x|·invStep), and the fractional bits let the block coder estimate the
// distortion of each coding pass (Seam 1: `fracBits` of ebcotEncodeBlock; |c| < 2^30). fracBits is
// 0..29; invStep · 2^fracBits is formed in f32 (exact: a power-of-two scaling). NaN becomes 0, ±∞
// and huge values saturate to ±(2^30 − 1); −0 becomes 0.
//
// copyRev is the reversible (5/3, no quantisation) counterpart: a plain copy (fracBits = 0).
//
// SIMD twins perform the same f32 multiply and saturating conversion per sample: bit-identical.

import { maxWithLanes } from "./block_stats";

const MAX_MAG: i32 = (1 << 30) - 1;

/** Deadzone quantisation of one block with `fracBits` fractional bits kept (file header). */
export function quantizeCopyIrr(src: usize, srcStride: i32, w: i32, h: i32, dst: usize, dstStride: i32, invStep: f32, fracBits: i32): void {
  if (w <= 0 || h <= 0) return;
  let fb = fracBits < 0 ? 0 : fracBits > 29 ? 29 : fracBits;
  let scale: f32 = invStep * <f32>(<i32>1 << fb);
  let srcRow = <usize>srcStride << 2;
  let dstRow = <usize>dstStride << 2;
  for (let y = 0; y < h; y++) {
    let s = src + <usize>y * srcRow;
    let d = dst + <usize>y * dstRow;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      let sc = f32x4.splat(scale);
      let mx = i32x4.splat(MAX_MAG);
      for (; x + 4 <= w; x += 4) {
        let o = <usize>x << 2;
        let v = v128.load(s + o);
        let sg = i32x4.shr_s(v, 31); // sign bit of the f32
        let mag = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.mul(f32x4.abs(v), sc)), mx);
        v128.store(d + o, i32x4.sub(v128.xor(mag, sg), sg));
      }
    }
    for (; x < w; x++) {
      let o = <usize>x << 2;
      let v = load<f32>(s + o);
      let mag = <i32>(abs<f32>(v) * scale); // i32.trunc_sat_f32_s
      if (mag > MAX_MAG) mag = MAX_MAG;
      store<i32>(d + o, (reinterpret<i32>(v) < 0) ? -mag : mag);
    }
  }
}

/**
 * quantizeCopyIrr that also returns the block's largest |x| (exactly maxAbsF32 of the block: NaN
 * ignored, 0 for none), so the encoder reads the transformed samples once when the fraction bits it
 * guessed turn out right (encode_block.ts).
 */
export function quantizeCopyIrrMax(src: usize, srcStride: i32, w: i32, h: i32, dst: usize, dstStride: i32, invStep: f32, fracBits: i32): f32 {
  let m: f32 = 0;
  if (w <= 0 || h <= 0) return m;
  let fb = fracBits < 0 ? 0 : fracBits > 29 ? 29 : fracBits;
  let scale: f32 = invStep * <f32>(<i32>1 << fb);
  let srcRow = <usize>srcStride << 2;
  let dstRow = <usize>dstStride << 2;
  if (ASC_FEATURE_SIMD) {
    let sc = f32x4.splat(scale);
    let mx = i32x4.splat(MAX_MAG);
    let mv = f32x4.splat(0);
    // the rows of a block are far apart in the tile-component buffer (each in its own page) and the
    // block is read here for the first time since the DWT wrote it, mostly from DRAM: every cache
    // line of the block is read first, all of them before any row is worked on, so that their misses
    // overlap (independent loads; the hardware prefetchers do not follow 64 rows in 64 pages), and the
    // quantisation below reads the block from L1 (a 64 × 64 block of f32 is 16 KB; at most 4096
    // samples, B.7). Reading 4 rows ahead instead: saw lossy 20 quantisation 1.8x the time, 12: 1.6x,
    // 24: 1.4x (one-thread saw lossy 20, stage timers around it). The lanes join the maximum, which they are part of anyway
    // (a maximum of the same set of values).
    if (w >= 4) {
      let rowLast = (<usize>w << 2) - 16; // the last whole v128 of a row
      for (let y = 0; y < h; y++) {
        let t = src + <usize>y * srcRow;
        for (let o: usize = 0; o < rowLast; o += 64) mv = f32x4.pmax(mv, f32x4.abs(v128.load(t + o)));
        mv = f32x4.pmax(mv, f32x4.abs(v128.load(t + rowLast)));
      }
    }
    for (let y = 0; y < h; y++) {
      let s = src + <usize>y * srcRow;
      let d = dst + <usize>y * dstRow;
      let x = 0;
      for (; x + 4 <= w; x += 4) {
        let o = <usize>x << 2;
        let v = v128.load(s + o);
        let a = f32x4.abs(v);
        mv = f32x4.pmax(mv, a); // mv < a ? a : mv — NaN ignored, as below
        let sg = i32x4.shr_s(v, 31);
        let mag = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.mul(a, sc)), mx);
        v128.store(d + o, i32x4.sub(v128.xor(mag, sg), sg));
      }
      for (; x < w; x++) {
        let o = <usize>x << 2;
        let v = load<f32>(s + o);
        let a = abs<f32>(v);
        if (a > m) m = a;
        let mag = <i32>(a * scale);
        if (mag > MAX_MAG) mag = MAX_MAG;
        store<i32>(d + o, (reinterpret<i32>(v) < 0) ? -mag : mag);
      }
    }
    return maxWithLanes(m, mv);
  }
  // (the scalar build: every cache line of the block first as well, one sample of each)
  let lastX = <usize>(w - 1) << 2;
  for (let y = 0; y < h; y++) {
    let t = src + <usize>y * srcRow;
    for (let o: usize = 0; o < lastX; o += 64) {
      let a = abs<f32>(load<f32>(t + o));
      if (a > m) m = a;
    }
    let a = abs<f32>(load<f32>(t + lastX));
    if (a > m) m = a;
  }
  for (let y = 0; y < h; y++) {
    let s = src + <usize>y * srcRow;
    let d = dst + <usize>y * dstRow;
    for (let x = 0; x < w; x++) {
      let o = <usize>x << 2;
      let v = load<f32>(s + o);
      let a = abs<f32>(v);
      if (a > m) m = a;
      let mag = <i32>(a * scale);
      if (mag > MAX_MAG) mag = MAX_MAG;
      store<i32>(d + o, (reinterpret<i32>(v) < 0) ? -mag : mag);
    }
  }
  return m;
}

/** Copy one block of i32 coefficients (reversible path). */
export function copyRev(src: usize, srcStride: i32, w: i32, h: i32, dst: usize, dstStride: i32): void {
  if (w <= 0 || h <= 0) return;
  let srcRow = <usize>srcStride << 2;
  let dstRow = <usize>dstStride << 2;
  let n = <usize>w << 2;
  for (let y = 0; y < h; y++) memory.copy(dst + <usize>y * dstRow, src + <usize>y * srcRow, n);
}
