// Inverse DCT of an 8x8 block (ISO/IEC 10918-1 A.3.3), the IJG library's accurate integer method
// ("islow": the Loeffler-Ligtenberg-Moschytz factorisation with 13 fraction bits and 2 extra bits
// kept between the passes), so that a block reconstructed here equals what libjpeg-turbo's djpeg
// (default -dct int) makes of it. Used by the encoder to measure what it wrote and by the decoder.
// The all-AC-zero shortcuts give the same values as the full arithmetic (only faster).

const CONST_BITS = 13;
const PASS1_BITS = 2;

const FIX_0_298631336: i32 = 2446;
const FIX_0_390180644: i32 = 3196;
const FIX_0_541196100: i32 = 4433;
const FIX_0_765366865: i32 = 6270;
const FIX_0_899976223: i32 = 7373;
const FIX_1_175875602: i32 = 9633;
const FIX_1_501321110: i32 = 12299;
const FIX_1_847759065: i32 = 15137;
const FIX_1_961570560: i32 = 16069;
const FIX_2_053119869: i32 = 16819;
const FIX_2_562915447: i32 = 20995;
const FIX_3_072711026: i32 = 25172;

/** Work array between the column and row passes (i32 [64]). */
const WS: usize = memory.data(64 * 4, 16);

// @ts-ignore: decorator
@inline
function clamp255(v: i32): u8 {
  return <u8>(v < 0 ? 0 : v > 255 ? 255 : v);
}

/**
 * `coef`: i32 [64] dequantised coefficients, natural order. Writes the 8x8 samples (level shift
 * undone, clamped to 0..255) to `dst`, rows `stride` bytes apart.
 */
export function idctIslow(coef: usize, dst: usize, stride: usize): void {
  // Pass 1: columns, results scaled up by 2^PASS1_BITS.
  for (let col: usize = 0; col < 8; col++) {
    let p = coef + (col << 2);
    let w = WS + (col << 2);
    let d1 = load<i32>(p, 32), d2 = load<i32>(p, 64), d3 = load<i32>(p, 96), d4 = load<i32>(p, 128);
    let d5 = load<i32>(p, 160), d6 = load<i32>(p, 192), d7 = load<i32>(p, 224);
    if ((d1 | d2 | d3 | d4 | d5 | d6 | d7) == 0) {
      let dc = load<i32>(p) << PASS1_BITS;
      for (let r: usize = 0; r < 8; r++) store<i32>(w + (r << 5), dc);
      continue;
    }
    let d0 = load<i32>(p);
    // even part
    let z1 = (d2 + d6) * FIX_0_541196100;
    let tmp2 = z1 - d6 * FIX_1_847759065;
    let tmp3 = z1 + d2 * FIX_0_765366865;
    let tmp0 = (d0 + d4) << CONST_BITS;
    let tmp1 = (d0 - d4) << CONST_BITS;
    let tmp10 = tmp0 + tmp3;
    let tmp13 = tmp0 - tmp3;
    let tmp11 = tmp1 + tmp2;
    let tmp12 = tmp1 - tmp2;
    // odd part
    let o0 = d7, o1 = d5, o2 = d3, o3 = d1;
    let y1 = o0 + o3;
    let y2 = o1 + o2;
    let y3 = o0 + o2;
    let y4 = o1 + o3;
    let y5 = (y3 + y4) * FIX_1_175875602;
    o0 *= FIX_0_298631336;
    o1 *= FIX_2_053119869;
    o2 *= FIX_3_072711026;
    o3 *= FIX_1_501321110;
    y1 *= -FIX_0_899976223;
    y2 *= -FIX_2_562915447;
    y3 = y3 * -FIX_1_961570560 + y5;
    y4 = y4 * -FIX_0_390180644 + y5;
    o0 += y1 + y3;
    o1 += y2 + y4;
    o2 += y2 + y3;
    o3 += y1 + y4;
    const S = CONST_BITS - PASS1_BITS;
    const R = 1 << (S - 1);
    store<i32>(w, (tmp10 + o3 + R) >> S);
    store<i32>(w + 224, (tmp10 - o3 + R) >> S);
    store<i32>(w + 32, (tmp11 + o2 + R) >> S);
    store<i32>(w + 192, (tmp11 - o2 + R) >> S);
    store<i32>(w + 64, (tmp12 + o1 + R) >> S);
    store<i32>(w + 160, (tmp12 - o1 + R) >> S);
    store<i32>(w + 96, (tmp13 + o0 + R) >> S);
    store<i32>(w + 128, (tmp13 - o0 + R) >> S);
  }
  // Pass 2: rows, descaled by 2^(PASS1_BITS + 3) (the 1/8 of the 2-D transform), +128.
  for (let row: usize = 0; row < 8; row++) {
    let w = WS + (row << 5);
    let out = dst + row * stride;
    let d1 = load<i32>(w, 4), d2 = load<i32>(w, 8), d3 = load<i32>(w, 12), d4 = load<i32>(w, 16);
    let d5 = load<i32>(w, 20), d6 = load<i32>(w, 24), d7 = load<i32>(w, 28);
    let d0 = load<i32>(w);
    if ((d1 | d2 | d3 | d4 | d5 | d6 | d7) == 0) {
      let v = clamp255(((d0 + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3)) + 128);
      for (let c: usize = 0; c < 8; c++) store<u8>(out + c, v);
      continue;
    }
    let z1 = (d2 + d6) * FIX_0_541196100;
    let tmp2 = z1 - d6 * FIX_1_847759065;
    let tmp3 = z1 + d2 * FIX_0_765366865;
    let tmp0 = (d0 + d4) << CONST_BITS;
    let tmp1 = (d0 - d4) << CONST_BITS;
    let tmp10 = tmp0 + tmp3;
    let tmp13 = tmp0 - tmp3;
    let tmp11 = tmp1 + tmp2;
    let tmp12 = tmp1 - tmp2;
    let o0 = d7, o1 = d5, o2 = d3, o3 = d1;
    let y1 = o0 + o3;
    let y2 = o1 + o2;
    let y3 = o0 + o2;
    let y4 = o1 + o3;
    let y5 = (y3 + y4) * FIX_1_175875602;
    o0 *= FIX_0_298631336;
    o1 *= FIX_2_053119869;
    o2 *= FIX_3_072711026;
    o3 *= FIX_1_501321110;
    y1 *= -FIX_0_899976223;
    y2 *= -FIX_2_562915447;
    y3 = y3 * -FIX_1_961570560 + y5;
    y4 = y4 * -FIX_0_390180644 + y5;
    o0 += y1 + y3;
    o1 += y2 + y4;
    o2 += y2 + y3;
    o3 += y1 + y4;
    const S = CONST_BITS + PASS1_BITS + 3;
    const R = 1 << (S - 1);
    store<u8>(out, clamp255(((tmp10 + o3 + R) >> S) + 128));
    store<u8>(out + 7, clamp255(((tmp10 - o3 + R) >> S) + 128));
    store<u8>(out + 1, clamp255(((tmp11 + o2 + R) >> S) + 128));
    store<u8>(out + 6, clamp255(((tmp11 - o2 + R) >> S) + 128));
    store<u8>(out + 2, clamp255(((tmp12 + o1 + R) >> S) + 128));
    store<u8>(out + 5, clamp255(((tmp12 - o1 + R) >> S) + 128));
    store<u8>(out + 3, clamp255(((tmp13 + o0 + R) >> S) + 128));
    store<u8>(out + 4, clamp255(((tmp13 - o0 + R) >> S) + 128));
  }
}
