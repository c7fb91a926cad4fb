// Integer helpers used throughout Annex B geometry.

// @ts-ignore: decorator
@inline
export function ceilDiv(a: i32, b: i32): i32 {
  // a >= 0, b > 0 (all geometry in the standard is non-negative)
  return <i32>((<i64>a + <i64>b - 1) / <i64>b);
}

// @ts-ignore: decorator
@inline
export function ceilDivPow2(a: i32, e: i32): i32 {
  return <i32>((<i64>a + ((<i64>1 << e) - 1)) >> e);
}

// @ts-ignore: decorator
@inline
export function floorDivPow2(a: i32, e: i32): i32 {
  return a >> e;
}

// @ts-ignore: decorator
@inline
export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

// @ts-ignore: decorator
@inline
export function imax(a: i32, b: i32): i32 {
  return a > b ? a : b;
}

/** floor(log2(x)) for x > 0 */
// @ts-ignore: decorator
@inline
export function floorLog2(x: u32): i32 {
  return 31 - <i32>clz(x);
}
