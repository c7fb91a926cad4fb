// Forward 8x8 DCT (ISO/IEC 10918-1 A.3.3), integer Loeffler-Ligtenberg-Moschytz factorisation with
// 13-bit constants and 2 extra bits kept between the passes: the same arithmetic as the IJG
// library's default "islow" method, so coefficients (and files) match cjpeg's. Output is the DCT
// scaled by 8; quantisation divides by q << 3.

const CONST_BITS = 13;
const PASS1_BITS = 2;

// FIX(x) = round(x * 2^13)
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

// @ts-ignore: decorator
@inline
function descale(x: i32, n: i32): i32 {
  return (x + (1 << (n - 1))) >> n;
}

/**
 * One 1-D pass over 8 lines of `block` (i32 [64]): lines start `lineStep` bytes apart and their
 * samples `step` bytes apart. `first`: the row pass (keeps PASS1_BITS extra bits); else columns.
 */
// @ts-ignore: decorator
@inline
function pass(block: usize, lineStep: usize, step: usize, first: bool): void {
  let sh = first ? CONST_BITS - PASS1_BITS : CONST_BITS + PASS1_BITS;
  for (let l: usize = 0; l < 8; l++) {
    let p = block + l * lineStep;
    let d0 = load<i32>(p);
    let d1 = load<i32>(p + step);
    let d2 = load<i32>(p + 2 * step);
    let d3 = load<i32>(p + 3 * step);
    let d4 = load<i32>(p + 4 * step);
    let d5 = load<i32>(p + 5 * step);
    let d6 = load<i32>(p + 6 * step);
    let d7 = load<i32>(p + 7 * step);

    let tmp0 = d0 + d7;
    let tmp7 = d0 - d7;
    let tmp1 = d1 + d6;
    let tmp6 = d1 - d6;
    let tmp2 = d2 + d5;
    let tmp5 = d2 - d5;
    let tmp3 = d3 + d4;
    let tmp4 = d3 - d4;

    // Even part.
    let tmp10 = tmp0 + tmp3;
    let tmp13 = tmp0 - tmp3;
    let tmp11 = tmp1 + tmp2;
    let tmp12 = tmp1 - tmp2;
    if (first) {
      store<i32>(p, (tmp10 + tmp11) << PASS1_BITS);
      store<i32>(p + 4 * step, (tmp10 - tmp11) << PASS1_BITS);
    } else {
      store<i32>(p, descale(tmp10 + tmp11, PASS1_BITS));
      store<i32>(p + 4 * step, descale(tmp10 - tmp11, PASS1_BITS));
    }
    let z1 = (tmp12 + tmp13) * FIX_0_541196100;
    store<i32>(p + 2 * step, descale(z1 + tmp13 * FIX_0_765366865, sh));
    store<i32>(p + 6 * step, descale(z1 - tmp12 * FIX_1_847759065, sh));

    // Odd part.
    let y1 = tmp4 + tmp7;
    let y2 = tmp5 + tmp6;
    let y3 = tmp4 + tmp6;
    let y4 = tmp5 + tmp7;
    let z5 = (y3 + y4) * FIX_1_175875602;
    let t4 = tmp4 * FIX_0_298631336;
    let t5 = tmp5 * FIX_2_053119869;
    let t6 = tmp6 * FIX_3_072711026;
    let t7 = tmp7 * FIX_1_501321110;
    y1 = -y1 * FIX_0_899976223;
    y2 = -y2 * FIX_2_562915447;
    y3 = -y3 * FIX_1_961570560 + z5;
    y4 = -y4 * FIX_0_390180644 + z5;
    store<i32>(p + 7 * step, descale(t4 + y1 + y3, sh));
    store<i32>(p + 5 * step, descale(t5 + y2 + y4, sh));
    store<i32>(p + 3 * step, descale(t6 + y2 + y3, sh));
    store<i32>(p + step, descale(t7 + y1 + y4, sh));
  }
}

/** In-place forward DCT of an 8x8 block of level-shifted samples (i32, natural order). */
export function fdctIslow(block: usize): void {
  pass(block, 32, 4, true); // rows
  pass(block, 4, 32, false); // columns
}
