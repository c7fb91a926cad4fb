// Quantisation (ISO/IEC 10918-1 A.3.4, F.1.1.4) with the Annex K example tables scaled for a
// quality 1-100 the way the IJG library does (jpeg_quality_scaling), so quality N means what it
// means in cjpeg, vips and ImageMagick.

import { STD_LUMA_QUANT, STD_CHROMA_QUANT } from "./tables";
import { CTX_QUANT, CTX_DIV } from "./context";

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
}

/**
 * Quantise the 64 DCT outputs at `block` (natural order, in place) with rounding to nearest and
 * halves away from zero, as F.1.1.4's Sq = round(S / Q) with the IJG library's integer rounding.
 */
export function quantizeBlock(ctx: usize, t: i32, block: usize): void {
  let dv = ctx + CTX_DIV + (<usize>t << 8);
  for (let i: usize = 0; i < 64; i++) {
    let x = load<i32>(block + (i << 2));
    let d = load<i32>(dv + (i << 2));
    let half = d >> 1;
    let r = x < 0 ? -((half - x) / d) : (x + half) / d;
    store<i32>(block + (i << 2), r);
  }
}
