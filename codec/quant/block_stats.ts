// Per-block statistics of the encoder's code-blocks, read before and after quantisation:
//
//   maxAbsF32(p /*f32*/, stride, w, h): f32   largest |x| of a block of transformed samples (sets how
//                                            many fraction bits the quantiser keeps, encode_block.ts)
//   blockEnergy(coef /*i32*/, stride, w, h, fracBits): f64
//                                            Σ (|c| / 2^fracBits)² of the quantised block: its squared
//                                            error with nothing coded (rate/candidates.ts)
//
// Both are exact reproductions of the plain loops (scalar build): maxAbsF32 ignores NaN like
// `if (v > m) m = v` (f32x4.pmax(m, v) is m < v ? v : m) and the maximum does not depend on the order;
// blockEnergy sums each row left to right in f64 and the row sums top to bottom, and the SIMD twin
// keeps that order by giving each of four rows its own f64 lane (the rows' sums are independent), so
// both builds return the same bits.

/**
 * `m` raised to each lane of `mv` in lane order, as `if (v > m) m = v` (NaN ignored): the end of a
 * SIMD maximum whose lanes ran beside the scalar tail's `m`.
 */
// @ts-ignore: decorator
@inline
export function maxWithLanes(m: f32, mv: v128): f32 {
  let a = f32x4.extract_lane(mv, 0), b = f32x4.extract_lane(mv, 1);
  let c = f32x4.extract_lane(mv, 2), d = f32x4.extract_lane(mv, 3);
  if (a > m) m = a;
  if (b > m) m = b;
  if (c > m) m = c;
  if (d > m) m = d;
  return m;
}

/** Largest |x| of a w × h block of f32 samples (NaN ignored; 0 for an empty block). */
export function maxAbsF32(p: usize, stride: i32, w: i32, h: i32): f32 {
  let m: f32 = 0;
  let rowBytes = <usize>stride << 2;
  if (ASC_FEATURE_SIMD) {
    let mv = f32x4.splat(0);
    let x4 = w & ~3;
    for (let y = 0; y < h; y++) {
      let row = p + <usize>y * rowBytes;
      let x = 0;
      for (; x < x4; x += 4) mv = f32x4.pmax(mv, f32x4.abs(v128.load(row + (<usize>x << 2))));
      for (; x < w; x++) {
        let v = abs<f32>(load<f32>(row + (<usize>x << 2)));
        if (v > m) m = v;
      }
    }
    return maxWithLanes(m, mv);
  }
  for (let y = 0; y < h; y++) {
    let row = p + <usize>y * rowBytes;
    for (let x = 0; x < w; x++) {
      let v = abs<f32>(load<f32>(row + (<usize>x << 2)));
      if (v > m) m = v;
    }
  }
  return m;
}

/**
 * Squared error of a block of i32 coefficients with nothing coded: Σ (|c| / 2^fracBits)², in
 * (quantisation step)² — the starting point the pass records' distortion decreases count down from.
 */
export function blockEnergy(coef: usize, stride: i32, w: i32, h: i32, fracBits: i32): f64 {
  let sum: f64 = 0;
  let rowBytes = <usize>stride << 2;
  let y = 0;
  if (ASC_FEATURE_SIMD) {
    let x4 = w & ~3;
    for (; y + 4 <= h; y += 4) {
      let r0 = coef + <usize>y * rowBytes;
      let r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
      let s01 = f64x2.splat(0); // rows y, y+1
      let s23 = f64x2.splat(0); // rows y+2, y+3
      let x = 0;
      for (; x < x4; x += 4) {
        let o = <usize>x << 2;
        let a = v128.load(r0 + o), b = v128.load(r1 + o), c = v128.load(r2 + o), d = v128.load(r3 + o);
        // columns x .. x+3 of the four rows, each as (r0, r1, r2, r3), in order
        let ab0 = v128.shuffle<i32>(a, b, 0, 4, 1, 5); // a0 b0 a1 b1
        let cd0 = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
        let ab1 = v128.shuffle<i32>(a, b, 2, 6, 3, 7); // a2 b2 a3 b3
        let cd1 = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
        let v = f64x2.convert_low_i32x4_s(ab0);
        s01 = f64x2.add(s01, f64x2.mul(v, v));
        v = f64x2.convert_low_i32x4_s(cd0);
        s23 = f64x2.add(s23, f64x2.mul(v, v));
        v = f64x2.convert_low_i32x4_s(v128.shuffle<i64>(ab0, ab0, 1, 1));
        s01 = f64x2.add(s01, f64x2.mul(v, v));
        v = f64x2.convert_low_i32x4_s(v128.shuffle<i64>(cd0, cd0, 1, 1));
        s23 = f64x2.add(s23, f64x2.mul(v, v));
        v = f64x2.convert_low_i32x4_s(ab1);
        s01 = f64x2.add(s01, f64x2.mul(v, v));
        v = f64x2.convert_low_i32x4_s(cd1);
        s23 = f64x2.add(s23, f64x2.mul(v, v));
        v = f64x2.convert_low_i32x4_s(v128.shuffle<i64>(ab1, ab1, 1, 1));
        s01 = f64x2.add(s01, f64x2.mul(v, v));
        v = f64x2.convert_low_i32x4_s(v128.shuffle<i64>(cd1, cd1, 1, 1));
        s23 = f64x2.add(s23, f64x2.mul(v, v));
      }
      let s0 = f64x2.extract_lane(s01, 0), s1 = f64x2.extract_lane(s01, 1);
      let s2 = f64x2.extract_lane(s23, 0), s3 = f64x2.extract_lane(s23, 1);
      for (; x < w; x++) {
        let o = <usize>x << 2;
        let v0 = <f64>load<i32>(r0 + o), v1 = <f64>load<i32>(r1 + o);
        let v2 = <f64>load<i32>(r2 + o), v3 = <f64>load<i32>(r3 + o);
        s0 += v0 * v0;
        s1 += v1 * v1;
        s2 += v2 * v2;
        s3 += v3 * v3;
      }
      sum += s0;
      sum += s1;
      sum += s2;
      sum += s3;
    }
  }
  for (; y < h; y++) {
    let row = coef + <usize>y * rowBytes;
    let s: f64 = 0;
    for (let x = 0; x < w; x++) {
      let v = <f64>load<i32>(row + (<usize>x << 2));
      s += v * v;
    }
    sum += s;
  }
  let scale = 1.0 / <f64>(<i64>1 << (fracBits << 1));
  return sum * scale;
}

/**
 * blockEnergy of a block whose coefficients all have |c| < 2^15, the same bits: the squares are
 * summed exactly in integers (16-bit lanes multiplied pairwise into 32-bit sums, added up in 64-bit
 * lanes), and blockEnergy's f64 sums are exact too (integer terms and partial sums below 2^53:
 * 4096 · 2^30 = 2^42), whatever their order.
 */
export function blockEnergySmall(coef: usize, stride: i32, w: i32, h: i32, fracBits: i32): f64 {
  let sum: i64 = 0;
  let rowBytes = <usize>stride << 2;
  if (ASC_FEATURE_SIMD) {
    let acc = i64x2.splat(0);
    let x8 = w & ~7;
    for (let y = 0; y < h; y++) {
      let row = coef + <usize>y * rowBytes;
      let x = 0;
      for (; x < x8; x += 8) {
        let p = i16x8.narrow_i32x4_s(v128.load(row + (<usize>x << 2)), v128.load(row + (<usize>x << 2), 16));
        let d = i32x4.dot_i16x8_s(p, p); // c0² + c1², ... (each below 2^31)
        acc = i64x2.add(acc, i64x2.add(i64x2.extend_low_i32x4_u(d), i64x2.extend_high_i32x4_u(d)));
      }
      for (; x < w; x++) {
        let v = <i64>load<i32>(row + (<usize>x << 2));
        sum += v * v;
      }
    }
    sum += i64x2.extract_lane(acc, 0) + i64x2.extract_lane(acc, 1);
  } else {
    for (let y = 0; y < h; y++) {
      let row = coef + <usize>y * rowBytes;
      for (let x = 0; x < w; x++) {
        let v = <i64>load<i32>(row + (<usize>x << 2));
        sum += v * v;
      }
    }
  }
  let scale = 1.0 / <f64>(<i64>1 << (fracBits << 1));
  return <f64>sum * scale;
}
