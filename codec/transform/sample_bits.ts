// The OR of the host's input samples, for the host's range check of lossless input (src/encode.ts
// checks that every sample fits bitDepth before coding; the core reads the samples once they are in
// linear memory, while they are still in the cache, instead of the host making its own pass).

/**
 * OR of the little-endian 32-bit words of the `bytes` bytes at `src`; a tail of fewer than four
 * bytes counts as a word padded with zero bytes. For unsigned samples of 1, 2 or 4 bytes packed from
 * `src`, folding the result's bytes (1) or halves (2) gives the OR of every sample.
 */
export function orWords(src: usize, bytes: i32): u32 {
  let n = <usize>max(bytes, 0);
  let m: u32 = 0;
  let i: usize = 0;
  if (ASC_FEATURE_SIMD) {
    let a = i32x4.splat(0), b = i32x4.splat(0);
    for (; i + 32 <= n; i += 32) {
      a = v128.or(a, v128.load(src + i));
      b = v128.or(b, v128.load(src + i, 16));
    }
    for (; i + 16 <= n; i += 16) a = v128.or(a, v128.load(src + i));
    a = v128.or(a, b);
    m = <u32>(i32x4.extract_lane(a, 0) | i32x4.extract_lane(a, 1) | i32x4.extract_lane(a, 2) | i32x4.extract_lane(a, 3));
  }
  let m1: u32 = 0;
  for (; i + 8 <= n; i += 8) {
    m |= load<u32>(src + i);
    m1 |= load<u32>(src + i, 4);
  }
  m |= m1;
  for (; i + 4 <= n; i += 4) m |= load<u32>(src + i);
  for (let k: u32 = 0; i < n; i++, k += 8) m |= <u32>load<u8>(src + i) << k;
  return m;
}
