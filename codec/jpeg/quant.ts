// Quantisation (ISO/IEC 10918-1 A.3.4, F.1.1.4) with the Annex K example tables scaled for a
// quality 1-100 the way the IJG library does (jpeg_quality_scaling), so quality N means what it
// means in cjpeg, vips and ImageMagick.

import { STD_LUMA_QUANT, STD_CHROMA_QUANT, ZIGZAG, ZZ_MASK } from "./tables";
import { CTX_QUANT, CTX_DIV, CTX_RECIP, CTX_HALF, CTX_RECIP_N, CTX_HALF_N } from "./context";

/** IJG quality to percentage scale: q < 50 -> 5000/q, else 200 - 2q. */
export function qualityScale(quality: i32): i32 {
  let q = max(1, min(100, quality));
  return q < 50 ? 5000 / q : 200 - q * 2;
}

/**
 * Fill table `t` (0 luminance from K.1, 1 chrominance from K.2): (basic * scale + 50) / 100,
 * clamped to 1..255 (baseline: 8-bit Pq = 0 tables, B.2.4.1). Divisors are q << 3 because the
 * forward DCT leaves its output scaled by 8.
 */
export function quantTableInit(ctx: usize, t: i32, quality: i32): void {
  let basic = t == 0 ? STD_LUMA_QUANT : STD_CHROMA_QUANT;
  let scale = <i64>qualityScale(quality);
  let qt = ctx + CTX_QUANT + (<usize>t << 7);
  let dv = ctx + CTX_DIV + (<usize>t << 8);
  for (let i: usize = 0; i < 64; i++) {
    let v = (<i64>load<u8>(basic + i) * scale + 50) / 100;
    let q = <i32>max<i64>(1, min<i64>(255, v));
    store<u16>(qt + (i << 1), <u16>q);
    store<i32>(dv + (i << 2), q << 3);
  }
  // Zig-zag ordered reciprocals: floor(2^32 / d) + 1 divides any n < 2^16 exactly by d <= 2040
  // (the error n / 2^32 < 2^-16 never reaches the next integer, whose distance is >= 1/d).
  let rc = ctx + CTX_RECIP + (<usize>t << 8);
  let hf = ctx + CTX_HALF + (<usize>t << 8);
  for (let k: usize = 0; k < 64; k++) {
    let d = <u64>load<i32>(dv + (<usize>load<u8>(ZIGZAG + k) << 2));
    store<u32>(rc + (k << 2), <u32>((<u64>1 << 32) / d + 1));
    store<u32>(hf + (k << 2), <u32>(d >> 1));
  }
  let rn = ctx + CTX_RECIP_N + (<usize>t << 8);
  let hn = ctx + CTX_HALF_N + (<usize>t << 8);
  for (let i: usize = 0; i < 64; i++) {
    let d = <u64>load<i32>(dv + (i << 2));
    store<u32>(rn + (i << 2), <u32>((<u64>1 << 32) / d + 1));
    store<u32>(hn + (i << 2), <u32>(d >> 1));
  }
}

/**
 * SIMD twin of quantizeZigzag: the same arithmetic four coefficients at a time; the zig-zag mask
 * comes from the natural-order lane masks through ZZ_MASK.
 */
export function quantizeZigzagSimd(ctx: usize, t: i32, block: usize, out: usize): u64 {
  let rn = ctx + CTX_RECIP_N + (<usize>t << 8);
  let hn = ctx + CTX_HALF_N + (<usize>t << 8);
  let nat: u64 = 0;
  let zero = i32x4.splat(0);
  for (let o: usize = 0; o < 256; o += 16) {
    let x = v128.load(block + o);
    let s = i32x4.shr_s(x, 31);
    let n = i32x4.add(i32x4.abs(x), v128.load(hn + o));
    let m = v128.load(rn + o);
    let lo = i64x2.extmul_low_i32x4_u(n, m);
    let hi = i64x2.extmul_high_i32x4_u(n, m);
    let q = v128.shuffle<i32>(lo, hi, 1, 3, 5, 7);
    v128.store(out + o, i32x4.sub(v128.xor(q, s), s));
    nat |= <u64>i32x4.bitmask(i32x4.ne(q, zero)) << <u64>(o >> 2);
  }
  let mask: u64 = 0;
  for (let r: usize = 0; r < 8; r++) mask |= load<u64>(ZZ_MASK + ((r * 256 + <usize>((nat >> (r << 3)) & 0xff)) << 3));
  return mask;
}

/**
 * Quantise the DCT outputs at `block` (natural order) into `out` (natural order), rounding to
 * nearest with halves away from zero (F.1.1.4; the IJG library's integer rounding). Returns a mask
 * with bit k set when the k-th coefficient in zig-zag order is not zero.
 */
export function quantizeZigzag(ctx: usize, t: i32, block: usize, out: usize): u64 {
  let rc = ctx + CTX_RECIP + (<usize>t << 8);
  let hf = ctx + CTX_HALF + (<usize>t << 8);
  let mask: u64 = 0;
  for (let k: usize = 0; k < 64; k++) {
    let i = <usize>load<u8>(ZIGZAG + k) << 2;
    let x = load<i32>(block + i);
    let n = <u64>(<u32>(x < 0 ? -x : x) + load<u32>(hf + (k << 2)));
    let q = <i32>((n * <u64>load<u32>(rc + (k << 2))) >> 32);
    store<i32>(out + i, x < 0 ? -q : q);
    mask |= <u64>(q != 0) << k;
  }
  return mask;
}
