// Moving samples between host arrays (pixel-interleaved or planar) and i32 / f32 component planes.
//
// ABI (pointer-only). `bytesPerSample` is 1, 2 or 4 (u8/i8, u16/i16, i32); host strides (`…Step`,
// `…Stride`) are in host samples, plane strides in plane samples (i32/f32), pointers in bytes. The
// caller points `dst`/`src` at the first sample of the component (interleaved: base + c·bytes).
//
//   packComponent(src /*i32*/, srcStride, w, h, dst, dstStep, dstStride, bytesPerSample, signed)
//   packInterleaved(planes /*u32[numComps] plane pointers*/, numComps, srcStride, w, h,
//                   dst, dstStride, bytesPerSample, signed)
//   packComponentUpsampled(src /*i32*/, srcStride, cx0, cy0, cw, ch, dx, dy, gx0, gy0, w, h,
//                          dst, dstStep, dstStride, bytesPerSample, signed)
//   unpackComponent(src, srcStep, srcStride, bytesPerSample, signed, w, h, dst /*i32*/, dstStride, dcShift)
//   unpackComponentF32(src, srcStep, srcStride, bytesPerSample, signed, w, h, dst /*f32*/, dstStride, dcShift)
//
// Packing saturates every value to the destination type (u8 [0,255], i8 [−128,127], u16 [0,65535],
// i16 [−32768,32767]; 4 bytes: stored as is). The decoder's output stage (mct.ts) already clamps to
// the component's range, so saturation never changes a value there; it makes the scalar and SIMD
// builds agree for any input. Unpacking reads u8/i8/u16/i16/i32 (`signed` selects sign extension)
// and subtracts the DC level shift (G.1.2: 2^(precision−1) for unsigned components, 0 for signed).
//
// Sub-sampled components (XRsiz/YRsiz > 1, B.2): component sample (xc, yc) sits on reference grid
// point (xc·dx, yc·dy), and the component's samples are xc ∈ [ceil(X0/dx), ceil(X1/dx)). Upsampling
// by sample replication gives grid point x the component sample xc = floor(x / dx) — the one at or
// to the left of it, so each sample covers the dx grid points [xc·dx, (xc+1)·dx). Grid points left of
// the first sample (X0 ≤ x < ceil(X0/dx)·dx) take the first sample. The same holds vertically.

import { stageEnter, stageLeave, STAGE_MCT_PACK } from "../util/stages";

// ---------------------------------------------------------------------------------------------
// Packing (planes → host)
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline
function satLo(bytesPerSample: i32, signed: i32): i32 {
  return bytesPerSample == 1 ? (signed ? -128 : 0) : bytesPerSample == 2 ? (signed ? -32768 : 0) : i32.MIN_VALUE;
}

// @ts-ignore: decorator
@inline
function satHi(bytesPerSample: i32, signed: i32): i32 {
  return bytesPerSample == 1 ? (signed ? 127 : 255) : bytesPerSample == 2 ? (signed ? 32767 : 65535) : i32.MAX_VALUE;
}

// @ts-ignore: decorator
@inline
function sat(v: i32, lo: i32, hi: i32): i32 {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Saturate 16 i32 samples at p to bytes (unsigned or signed). */
// @ts-ignore: decorator
@inline
function narrow16To8(p: usize, signed: i32): v128 {
  let a = i16x8.narrow_i32x4_s(v128.load(p), v128.load(p, 16));
  let b = i16x8.narrow_i32x4_s(v128.load(p, 32), v128.load(p, 48));
  return signed ? i8x16.narrow_i16x8_s(a, b) : i8x16.narrow_i16x8_u(a, b);
}

/** Saturate 8 i32 samples at p to 16-bit lanes (unsigned or signed). */
// @ts-ignore: decorator
@inline
function narrow8To16(p: usize, signed: i32): v128 {
  return signed ? i16x8.narrow_i32x4_s(v128.load(p), v128.load(p, 16)) : i16x8.narrow_i32x4_u(v128.load(p), v128.load(p, 16));
}

/** Store v (saturated) as one host sample. */
// @ts-ignore: decorator
@inline
function storeSample(d: usize, v: i32, bytesPerSample: i32): void {
  if (bytesPerSample == 1) store<u8>(d, <u8>v);
  else if (bytesPerSample == 2) store<u16>(d, <u16>v);
  else store<i32>(d, v);
}

/**
 * One i32 plane → host samples: dst[y·dstStride + x·dstStep] = sat(src[y·srcStride + x]).
 * `dstStep` = 1 for planar output, = number of components for interleaved output.
 */
export function packComponent(src: usize, srcStride: i32, w: i32, h: i32, dst: usize, dstStep: i32, dstStride: i32, bytesPerSample: i32, signed: i32): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  let bps = bytesPerSample == 1 ? 1 : bytesPerSample == 2 ? 2 : 4;
  let lo = satLo(bps, signed), hi = satHi(bps, signed);
  let srcRow = <usize>srcStride << 2;
  let dstRow = <usize>dstStride * <usize>bps;
  let step = <usize>dstStep * <usize>bps;
  for (let y = 0; y < h; y++) {
    let s = src + <usize>y * srcRow;
    let d = dst + <usize>y * dstRow;
    let x = 0;
    if (dstStep == 1) {
      if (bps == 4) {
        memory.copy(d, s, <usize>w << 2);
        continue;
      }
      if (ASC_FEATURE_SIMD) {
        if (bps == 1) {
          for (; x + 16 <= w; x += 16) v128.store(d + <usize>x, narrow16To8(s + (<usize>x << 2), signed));
        } else {
          for (; x + 8 <= w; x += 8) v128.store(d + (<usize>x << 1), narrow8To16(s + (<usize>x << 2), signed));
        }
      }
    }
    let dp = d + <usize>x * step;
    if (bps == 1) {
      for (; x < w; x++, dp += step) store<u8>(dp, <u8>sat(load<i32>(s + (<usize>x << 2)), lo, hi));
    } else if (bps == 2) {
      for (; x < w; x++, dp += step) store<u16>(dp, <u16>sat(load<i32>(s + (<usize>x << 2)), lo, hi));
    } else {
      for (; x < w; x++, dp += step) store<i32>(dp, load<i32>(s + (<usize>x << 2)));
    }
  }
  stageLeave(STAGE_MCT_PACK);
}

/**
 * Several i32 planes (same size and stride) → pixel-interleaved host samples:
 * dst[y·dstStride + x·numComps + c] = sat(plane_c[y·srcStride + x]). `planes` points at numComps u32
 * plane pointers. 3 and 4 components of 1 or 2 bytes take a fused SIMD path; everything else is done
 * one component at a time with packComponent.
 */
export function packInterleaved(planes: usize, numComps: i32, srcStride: i32, w: i32, h: i32, dst: usize, dstStride: i32, bytesPerSample: i32, signed: i32): void {
  if (w <= 0 || h <= 0 || numComps <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  let bps = bytesPerSample == 1 ? 1 : bytesPerSample == 2 ? 2 : 4;
  if (ASC_FEATURE_SIMD) {
    if ((numComps == 3 || numComps == 4) && bps < 4) {
      packInterleavedFused(planes, numComps, srcStride, w, h, dst, dstStride, bps, signed);
      stageLeave(STAGE_MCT_PACK);
      return;
    }
  }
  for (let c = 0; c < numComps; c++) {
    packComponent(load<u32>(planes + (<usize>c << 2)), srcStride, w, h, dst + <usize>c * <usize>bps, numComps, dstStride, bps, signed);
  }
  stageLeave(STAGE_MCT_PACK);
}

/** SIMD: 16 pixels of three byte vectors → 48 interleaved bytes at dp (r0 g0 b0 r1 …). */
// @ts-ignore: decorator
@inline
export function store3x8(dp: usize, r: v128, g: v128, b: v128): void {
  // each output vector gathers from r/g first, then inserts b
  let t0 = i8x16.shuffle(r, g, 0, 16, 0, 1, 17, 0, 2, 18, 0, 3, 19, 0, 4, 20, 0, 5);
  v128.store(dp, i8x16.shuffle(t0, b, 0, 1, 16, 3, 4, 17, 6, 7, 18, 9, 10, 19, 12, 13, 20, 15));
  let t1 = i8x16.shuffle(r, g, 21, 0, 6, 22, 0, 7, 23, 0, 8, 24, 0, 9, 25, 0, 10, 26);
  v128.store(dp, i8x16.shuffle(t1, b, 0, 21, 2, 3, 22, 5, 6, 23, 8, 9, 24, 11, 12, 25, 14, 15), 16);
  let t2 = i8x16.shuffle(r, g, 0, 11, 27, 0, 12, 28, 0, 13, 29, 0, 14, 30, 0, 15, 31, 0);
  v128.store(dp, i8x16.shuffle(t2, b, 26, 1, 2, 27, 4, 5, 28, 7, 8, 29, 10, 11, 30, 13, 14, 31), 32);
}

/** SIMD: 8 pixels of three u16-lane vectors → 24 interleaved 16-bit samples (3 vectors) at dp. */
// @ts-ignore: decorator
@inline
export function store3x16(dp: usize, r: v128, g: v128, b: v128): void {
  let t0 = i16x8.shuffle(r, g, 0, 8, 0, 1, 9, 0, 2, 10);
  v128.store(dp, i16x8.shuffle(t0, b, 0, 1, 8, 3, 4, 9, 6, 7));
  let t1 = i16x8.shuffle(r, g, 0, 3, 11, 0, 4, 12, 0, 5);
  v128.store(dp, i16x8.shuffle(t1, b, 10, 1, 2, 11, 4, 5, 12, 7), 16);
  let t2 = i16x8.shuffle(r, g, 13, 0, 6, 14, 0, 7, 15, 0);
  v128.store(dp, i16x8.shuffle(t2, b, 0, 13, 2, 3, 14, 5, 6, 15), 32);
}

/** Saturate 16 i32 lanes (four vectors) to bytes, as narrow16To8. */
// @ts-ignore: decorator
@inline
export function narrowTo8(a: v128, b: v128, c: v128, d: v128, signed: i32): v128 {
  let lo = i16x8.narrow_i32x4_s(a, b), hi = i16x8.narrow_i32x4_s(c, d);
  return signed ? i8x16.narrow_i16x8_s(lo, hi) : i8x16.narrow_i16x8_u(lo, hi);
}

/** Saturate 8 i32 lanes (two vectors) to 16-bit lanes, as narrow8To16. */
// @ts-ignore: decorator
@inline
export function narrowTo16(a: v128, b: v128, signed: i32): v128 {
  return signed ? i16x8.narrow_i32x4_s(a, b) : i16x8.narrow_i32x4_u(a, b);
}

/** Saturation bounds of a host sample type (see the file header). */
// @ts-ignore: decorator
@inline
export function hostLo(bytesPerSample: i32, signed: i32): i32 {
  return satLo(bytesPerSample, signed);
}
// @ts-ignore: decorator
@inline
export function hostHi(bytesPerSample: i32, signed: i32): i32 {
  return satHi(bytesPerSample, signed);
}

/** SIMD-only: 3 or 4 planes of 1- or 2-byte output, vector interleave; the row tail via packComponent. */
function packInterleavedFused(planes: usize, nc: i32, srcStride: i32, w: i32, h: i32, dst: usize, dstStride: i32, bps: i32, signed: i32): void {
  if (ASC_FEATURE_SIMD) {
    let p0 = <usize>load<u32>(planes), p1 = <usize>load<u32>(planes, 4), p2 = <usize>load<u32>(planes, 8);
    let p3 = nc == 4 ? <usize>load<u32>(planes, 12) : p0;
    let srcRow = <usize>srcStride << 2;
    let dstRow = <usize>dstStride * <usize>bps;
    let block = bps == 1 ? 16 : 8; // pixels per vector step
    let main = w - w % block;
    for (let y = 0; y < h; y++) {
      let so = <usize>y * srcRow;
      let d = dst + <usize>y * dstRow;
      for (let x = 0; x < main; x += block) {
        let sx = so + (<usize>x << 2);
        let dp = d + <usize>x * <usize>(nc * bps);
        if (bps == 1) {
          let r = narrow16To8(p0 + sx, signed), g = narrow16To8(p1 + sx, signed), b = narrow16To8(p2 + sx, signed);
          if (nc == 3) {
            store3x8(dp, r, g, b);
          } else {
            let a = narrow16To8(p3 + sx, signed);
            let rgLo = i8x16.shuffle(r, g, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            let rgHi = i8x16.shuffle(r, g, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
            let baLo = i8x16.shuffle(b, a, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            let baHi = i8x16.shuffle(b, a, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
            v128.store(dp, i16x8.shuffle(rgLo, baLo, 0, 8, 1, 9, 2, 10, 3, 11));
            v128.store(dp, i16x8.shuffle(rgLo, baLo, 4, 12, 5, 13, 6, 14, 7, 15), 16);
            v128.store(dp, i16x8.shuffle(rgHi, baHi, 0, 8, 1, 9, 2, 10, 3, 11), 32);
            v128.store(dp, i16x8.shuffle(rgHi, baHi, 4, 12, 5, 13, 6, 14, 7, 15), 48);
          }
        } else {
          let r = narrow8To16(p0 + sx, signed), g = narrow8To16(p1 + sx, signed), b = narrow8To16(p2 + sx, signed);
          if (nc == 3) {
            store3x16(dp, r, g, b);
          } else {
            let a = narrow8To16(p3 + sx, signed);
            let rgLo = i16x8.shuffle(r, g, 0, 8, 1, 9, 2, 10, 3, 11);
            let rgHi = i16x8.shuffle(r, g, 4, 12, 5, 13, 6, 14, 7, 15);
            let baLo = i16x8.shuffle(b, a, 0, 8, 1, 9, 2, 10, 3, 11);
            let baHi = i16x8.shuffle(b, a, 4, 12, 5, 13, 6, 14, 7, 15);
            v128.store(dp, i32x4.shuffle(rgLo, baLo, 0, 4, 1, 5));
            v128.store(dp, i32x4.shuffle(rgLo, baLo, 2, 6, 3, 7), 16);
            v128.store(dp, i32x4.shuffle(rgHi, baHi, 0, 4, 1, 5), 32);
            v128.store(dp, i32x4.shuffle(rgHi, baHi, 2, 6, 3, 7), 48);
          }
        }
      }
    }
    if (main < w) {
      let tailDst = dst + <usize>main * <usize>(nc * bps);
      let tailSrc = <usize>main << 2;
      for (let c = 0; c < nc; c++) {
        packComponent(<usize>load<u32>(planes + (<usize>c << 2)) + tailSrc, srcStride, w - main, h, tailDst + <usize>c * <usize>bps, nc, dstStride, bps, signed);
      }
    }
  }
}

/**
 * A sub-sampled i32 component plane → host samples on the image grid, by sample replication.
 * The plane holds component samples [cx0, cx0+cw) × [cy0, cy0+ch) (row stride srcStride); the output
 * covers grid points [gx0, gx0+w) × [gy0, gy0+h) and grid point (x, y) takes component sample
 * (clamp(floor(x/dx), cx0, cx0+cw−1), clamp(floor(y/dy), cy0, cy0+ch−1)) — see the file header.
 * dst[j·dstStride + i·dstStep] receives grid point (gx0+i, gy0+j), saturated like packComponent.
 */
export function packComponentUpsampled(
  src: usize, srcStride: i32, cx0: i32, cy0: i32, cw: i32, ch: i32, dx: i32, dy: i32,
  gx0: i32, gy0: i32, w: i32, h: i32,
  dst: usize, dstStep: i32, dstStride: i32, bytesPerSample: i32, signed: i32,
): void {
  if (w <= 0 || h <= 0 || cw <= 0 || ch <= 0 || dx <= 0 || dy <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  let bps = bytesPerSample == 1 ? 1 : bytesPerSample == 2 ? 2 : 4;
  let lo = satLo(bps, signed), hi = satHi(bps, signed);
  let srcRow = <usize>srcStride << 2;
  let dstRow = <usize>dstStride * <usize>bps;
  let step = <usize>dstStep * <usize>bps;
  // vertical: q = floor(y / dy), r = y mod dy (gy0 ≥ 0)
  let qy = gy0 / dy, ry = gy0 - qy * dy;
  let qx0 = gx0 / dx, rx0 = gx0 - qx0 * dx;
  for (let j = 0; j < h; j++) {
    let yi = qy - cy0;
    if (yi < 0) yi = 0;
    if (yi > ch - 1) yi = ch - 1;
    let s = src + <usize>yi * srcRow;
    let dp = dst + <usize>j * dstRow;
    let qx = qx0, rx = rx0;
    for (let i = 0; i < w; i++, dp += step) {
      let xi = qx - cx0;
      if (xi < 0) xi = 0;
      if (xi > cw - 1) xi = cw - 1;
      let v = sat(load<i32>(s + (<usize>xi << 2)), lo, hi);
      storeSample(dp, v, bps);
      if (++rx == dx) {
        rx = 0;
        qx++;
      }
    }
    if (++ry == dy) {
      ry = 0;
      qy++;
    }
  }
  stageLeave(STAGE_MCT_PACK);
}

// ---------------------------------------------------------------------------------------------
// Unpacking (host → planes), fused with the forward DC level shift (G.1.2)
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline
function loadSample(p: usize, bps: i32, signed: i32): i32 {
  if (bps == 1) return signed ? <i32>load<i8>(p) : <i32>load<u8>(p);
  if (bps == 2) return signed ? <i32>load<i16>(p) : <i32>load<u16>(p);
  return load<i32>(p);
}

/** Load 4 host samples at p (consecutive) as i32x4 (SIMD only). */
// @ts-ignore: decorator
@inline
function loadSamples4(p: usize, bps: i32, signed: i32): v128 {
  if (bps == 1) {
    let v = v128.load32_zero(p);
    let e = signed ? i16x8.extend_low_i8x16_s(v) : i16x8.extend_low_i8x16_u(v);
    return signed ? i32x4.extend_low_i16x8_s(e) : i32x4.extend_low_i16x8_u(e);
  }
  if (bps == 2) return signed ? v128.load16x4_s(p) : v128.load16x4_u(p);
  return v128.load(p);
}

/**
 * Unsigned 1- or 2-byte samples of one component of pixel-interleaved rows with 3 or 4 components
 * (SIMD only): dst[x] = src[x·srcStep] − dcShift for x from 0 while x + 6 ≤ w (so no load reaches past
 * the row's last pixel), as i32 or (toF32) converted to f32. Returns the first x not done.
 */
// @ts-ignore: decorator
@inline
function unpackInterleavedRow(s: usize, d: usize, w: i32, bps: i32, srcStep: i32, dcShift: i32, toF32: bool): i32 {
  let x = 0;
  if (ASC_FEATURE_SIMD) {
    let vs = i32x4.splat(dcShift);
    let z = i32x4.splat(0);
    let pix = <usize>(bps * srcStep); // bytes per pixel
    if (bps == 1 && srcStep == 3) {
      for (; x + 6 <= w; x += 4) {
        let v = v128.load(s + <usize>x * pix);
        let u = i8x16.shuffle(v, z, 0, 16, 16, 16, 3, 16, 16, 16, 6, 16, 16, 16, 9, 16, 16, 16);
        storeUnpacked(d + (<usize>x << 2), i32x4.sub(u, vs), toF32);
      }
    } else if (bps == 1 && srcStep == 4) {
      for (; x + 6 <= w; x += 4) {
        let v = v128.load(s + <usize>x * pix);
        let u = i8x16.shuffle(v, z, 0, 16, 16, 16, 4, 16, 16, 16, 8, 16, 16, 16, 12, 16, 16, 16);
        storeUnpacked(d + (<usize>x << 2), i32x4.sub(u, vs), toF32);
      }
    } else if (bps == 2 && srcStep == 3) {
      for (; x + 6 <= w; x += 4) {
        let p = s + <usize>x * pix;
        let u = i8x16.shuffle(v128.load(p), v128.load(p, 16), 0, 1, 6, 7, 12, 13, 18, 19, 0, 0, 0, 0, 0, 0, 0, 0);
        storeUnpacked(d + (<usize>x << 2), i32x4.sub(i32x4.extend_low_i16x8_u(u), vs), toF32);
      }
    } else if (bps == 2 && srcStep == 4) {
      for (; x + 6 <= w; x += 4) {
        let p = s + <usize>x * pix;
        let u = i8x16.shuffle(v128.load(p), v128.load(p, 16), 0, 1, 8, 9, 16, 17, 24, 25, 0, 0, 0, 0, 0, 0, 0, 0);
        storeUnpacked(d + (<usize>x << 2), i32x4.sub(i32x4.extend_low_i16x8_u(u), vs), toF32);
      }
    }
  }
  return x;
}

// @ts-ignore: decorator
@inline
function storeUnpacked(d: usize, v: v128, toF32: bool): void {
  v128.store(d, toF32 ? f32x4.convert_i32x4_s(v) : v);
}

/**
 * Host samples → one i32 plane with the DC level shift subtracted:
 * dst[y·dstStride + x] = src[y·srcStride + x·srcStep] − dcShift.
 */
export function unpackComponent(src: usize, srcStep: i32, srcStride: i32, bytesPerSample: i32, signed: i32, w: i32, h: i32, dst: usize, dstStride: i32, dcShift: i32): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  let bps = bytesPerSample == 1 ? 1 : bytesPerSample == 2 ? 2 : 4;
  let srcRow = <usize>srcStride * <usize>bps;
  let step = <usize>srcStep * <usize>bps;
  let dstRow = <usize>dstStride << 2;
  for (let y = 0; y < h; y++) {
    let s = src + <usize>y * srcRow;
    let d = dst + <usize>y * dstRow;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      if (srcStep == 1) {
        let vs = i32x4.splat(dcShift);
        for (; x + 4 <= w; x += 4) {
          v128.store(d + (<usize>x << 2), i32x4.sub(loadSamples4(s + <usize>x * <usize>bps, bps, signed), vs));
        }
      } else if ((srcStep == 3 || srcStep == 4) && bps < 4 && !signed) {
        x = unpackInterleavedRow(s, d, w, bps, srcStep, dcShift, false);
      }
    }
    let sp = s + <usize>x * step;
    for (; x < w; x++, sp += step) store<i32>(d + (<usize>x << 2), loadSample(sp, bps, signed) - dcShift);
  }
  stageLeave(STAGE_MCT_PACK);
}

/**
 * Host samples → one f32 plane with the DC level shift subtracted (input of the 9/7 path):
 * dst = f32(src − dcShift), the subtraction done in i32 first.
 */
export function unpackComponentF32(src: usize, srcStep: i32, srcStride: i32, bytesPerSample: i32, signed: i32, w: i32, h: i32, dst: usize, dstStride: i32, dcShift: i32): void {
  if (w <= 0 || h <= 0) return;
  stageEnter(STAGE_MCT_PACK);
  let bps = bytesPerSample == 1 ? 1 : bytesPerSample == 2 ? 2 : 4;
  let srcRow = <usize>srcStride * <usize>bps;
  let step = <usize>srcStep * <usize>bps;
  let dstRow = <usize>dstStride << 2;
  for (let y = 0; y < h; y++) {
    let s = src + <usize>y * srcRow;
    let d = dst + <usize>y * dstRow;
    let x = 0;
    if (ASC_FEATURE_SIMD) {
      if (srcStep == 1) {
        let vs = i32x4.splat(dcShift);
        for (; x + 4 <= w; x += 4) {
          let v = i32x4.sub(loadSamples4(s + <usize>x * <usize>bps, bps, signed), vs);
          v128.store(d + (<usize>x << 2), f32x4.convert_i32x4_s(v));
        }
      } else if ((srcStep == 3 || srcStep == 4) && bps < 4 && !signed) {
        x = unpackInterleavedRow(s, d, w, bps, srcStep, dcShift, true);
      }
    }
    let sp = s + <usize>x * step;
    for (; x < w; x++, sp += step) store<f32>(d + (<usize>x << 2), <f32>(loadSample(sp, bps, signed) - dcShift));
  }
  stageLeave(STAGE_MCT_PACK);
}
