// Integer helpers used throughout Annex B geometry (one definition each).

/**
 * ceil(a / b) for a >= 0, b > 0, in the type of the arguments (i32 or i64; write `ceilDiv<i64>(…)`
 * when they differ). Never overflows: no `a + b - 1` intermediate.
 */
// @ts-ignore: decorator
@inline
export function ceilDiv<T>(a: T, b: T): T {
  return a / b + <T>(a % b != 0);
}

/** ceil(a / 2^e) with 64-bit intermediates (a may be negative; any e >= 0). */
// @ts-ignore: decorator
@inline
export function ceilDivPow2(a: i64, e: i32): i64 {
  if (e >= 62) return a > 0 ? 1 : 0;
  return (a + (<i64>1 << e) - 1) >> e;
}

/** floor(a / 2^e) with 64-bit intermediates (a may be negative; any e >= 0). */
// @ts-ignore: decorator
@inline
export function floorDivPow2(a: i64, e: i32): i64 {
  if (e >= 62) return a < 0 ? -1 : 0;
  return a >> e;
}

/** floor(log2(x)) for x > 0 */
// @ts-ignore: decorator
@inline
export function floorLog2(x: u32): i32 {
  return 31 - <i32>clz(x);
}

/**
 * 2^e as an f64, exactly (the value Math.pow(2, e) gives), built from the exponent bits;
 * e must lie in the normal range -1022..1023.
 */
// @ts-ignore: decorator
@inline
export function exp2i(e: i32): f64 {
  return reinterpret<f64>(<i64>(1023 + e) << 52);
}
