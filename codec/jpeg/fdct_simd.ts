// SIMD twin of fdct.ts (same arithmetic, four lines per vector, identical results): the block is
// transposed so that lanes hold four rows, the row pass runs, the result is transposed back so
// lanes hold four columns, and the column pass runs. Used by the SIMD build only.

const CONST_BITS = 13;
const PASS1_BITS = 2;

/** Eight vectors in, eight out (slot k at offset 16 k). */
const IN: usize = memory.data(8 * 16, 16);
const OUT: usize = memory.data(8 * 16, 16);
/** Row-pass result, coefficient-major: T[k][r] at (k * 8 + r) * 4. */
const T: usize = memory.data(64 * 4, 16);

// @ts-ignore: decorator
@inline
function k(v: i32): v128 {
  return i32x4.splat(v);
}

// @ts-ignore: decorator
@inline
function descale(x: v128, n: i32): v128 {
  return i32x4.shr_s(i32x4.add(x, i32x4.splat(1 << (n - 1))), n);
}

/** The 1-D islow butterfly on IN[0..7] into OUT[0..7] (see fdct.ts `pass`). */
// @ts-ignore: decorator
@inline
function pass(first: bool): void {
  let sh = first ? CONST_BITS - PASS1_BITS : CONST_BITS + PASS1_BITS;
  let d0 = v128.load(IN, 0);
  let d1 = v128.load(IN, 16);
  let d2 = v128.load(IN, 32);
  let d3 = v128.load(IN, 48);
  let d4 = v128.load(IN, 64);
  let d5 = v128.load(IN, 80);
  let d6 = v128.load(IN, 96);
  let d7 = v128.load(IN, 112);
  let tmp0 = i32x4.add(d0, d7);
  let tmp7 = i32x4.sub(d0, d7);
  let tmp1 = i32x4.add(d1, d6);
  let tmp6 = i32x4.sub(d1, d6);
  let tmp2 = i32x4.add(d2, d5);
  let tmp5 = i32x4.sub(d2, d5);
  let tmp3 = i32x4.add(d3, d4);
  let tmp4 = i32x4.sub(d3, d4);

  let tmp10 = i32x4.add(tmp0, tmp3);
  let tmp13 = i32x4.sub(tmp0, tmp3);
  let tmp11 = i32x4.add(tmp1, tmp2);
  let tmp12 = i32x4.sub(tmp1, tmp2);
  if (first) {
    v128.store(OUT, i32x4.shl(i32x4.add(tmp10, tmp11), PASS1_BITS), 0);
    v128.store(OUT, i32x4.shl(i32x4.sub(tmp10, tmp11), PASS1_BITS), 64);
  } else {
    v128.store(OUT, descale(i32x4.add(tmp10, tmp11), PASS1_BITS), 0);
    v128.store(OUT, descale(i32x4.sub(tmp10, tmp11), PASS1_BITS), 64);
  }
  let z1 = i32x4.mul(i32x4.add(tmp12, tmp13), k(4433));
  v128.store(OUT, descale(i32x4.add(z1, i32x4.mul(tmp13, k(6270))), sh), 32);
  v128.store(OUT, descale(i32x4.sub(z1, i32x4.mul(tmp12, k(15137))), sh), 96);

  let y1 = i32x4.add(tmp4, tmp7);
  let y2 = i32x4.add(tmp5, tmp6);
  let y3 = i32x4.add(tmp4, tmp6);
  let y4 = i32x4.add(tmp5, tmp7);
  let z5 = i32x4.mul(i32x4.add(y3, y4), k(9633));
  let t4 = i32x4.mul(tmp4, k(2446));
  let t5 = i32x4.mul(tmp5, k(16819));
  let t6 = i32x4.mul(tmp6, k(25172));
  let t7 = i32x4.mul(tmp7, k(12299));
  y1 = i32x4.mul(y1, k(-7373));
  y2 = i32x4.mul(y2, k(-20995));
  y3 = i32x4.add(i32x4.mul(y3, k(-16069)), z5);
  y4 = i32x4.add(i32x4.mul(y4, k(-3196)), z5);
  v128.store(OUT, descale(i32x4.add(i32x4.add(t4, y1), y3), sh), 112);
  v128.store(OUT, descale(i32x4.add(i32x4.add(t5, y2), y4), sh), 80);
  v128.store(OUT, descale(i32x4.add(i32x4.add(t6, y2), y3), sh), 48);
  v128.store(OUT, descale(i32x4.add(i32x4.add(t7, y1), y4), sh), 16);
}

/** Transpose the 4x4 i32 tile of a, b, c, d (rows) and store its columns at dst + 16 i (i = 0..3). */
// @ts-ignore: decorator
@inline
function transpose4(a: v128, b: v128, c: v128, d: v128, dst: usize): void {
  let t0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
  let t1 = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
  let t2 = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
  let t3 = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i32>(t0, t2, 0, 1, 4, 5), 0);
  v128.store(dst, v128.shuffle<i32>(t0, t2, 2, 3, 6, 7), 16);
  v128.store(dst, v128.shuffle<i32>(t1, t3, 0, 1, 4, 5), 32);
  v128.store(dst, v128.shuffle<i32>(t1, t3, 2, 3, 6, 7), 48);
}

/** In-place forward DCT of an 8x8 block (i32, natural order), bit-identical to fdctIslow. */
export function fdctIslowSimd(block: usize): void {
  // Row pass, four rows (h = 0: rows 0-3, h = 1: rows 4-7) per vector.
  for (let h: usize = 0; h < 2; h++) {
    let r = block + h * 128;
    transpose4(v128.load(r, 0), v128.load(r, 32), v128.load(r, 64), v128.load(r, 96), IN);
    transpose4(v128.load(r, 16), v128.load(r, 48), v128.load(r, 80), v128.load(r, 112), IN + 64);
    pass(true);
    for (let c: usize = 0; c < 8; c++) v128.store(T + c * 32 + h * 16, v128.load(OUT + c * 16));
  }
  // Column pass, four columns (h = 0: 0-3, h = 1: 4-7) per vector.
  for (let h: usize = 0; h < 2; h++) {
    let t = T + h * 128;
    transpose4(v128.load(t, 0), v128.load(t, 32), v128.load(t, 64), v128.load(t, 96), IN);
    transpose4(v128.load(t, 16), v128.load(t, 48), v128.load(t, 80), v128.load(t, 112), IN + 64);
    pass(false);
    for (let u: usize = 0; u < 8; u++) v128.store(block + u * 32 + h * 16, v128.load(OUT + u * 16));
  }
}
