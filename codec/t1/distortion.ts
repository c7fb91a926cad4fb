// Distortion bookkeeping of the EBCOT encoder for rate control (PCRD-opt, Annex J.14 guidance).
//
// The decoder's reconstruction is v/2 quantisation steps with v = 2K + 2^p (docs/ARCHITECTURE.md,
// Seam 1). Working in doubled units — x2 = 2·|c|/2^fracBits for the coefficient, v for its
// reconstruction — a coefficient's squared error is (x2 − v)²/4, so the decrease of one coding
// step is exact in f64 and costs a few multiply-adds. The encoder multiplies its sums by 1/4.

/** 2^(1 − fracBits): converts |c| into doubled quantisation-step units. */
export function doubledScale(fracBits: i32): f64 {
  return reinterpret<f64>(<u64>(1024 - fracBits) << 52);
}

/** Decrease x2² − (x2 − v)² when a coefficient (doubled magnitude x2) becomes significant at plane p (v = 3·2^p). */
// @ts-ignore: decorator
@inline
export function sigGain(x2: f64, p: i32): f64 {
  const v = <f64>(<i32>3 << p);
  return v * (2.0 * x2 - v);
}

/**
 * Decrease (x2 − vb)² − (x2 − va)² when magnitude m (fracBits fb) is refined at plane p:
 * va = (2t + 1)·2^p with t = m >> (fb + p), and vb = va − δ with δ = ±2^p (+ for a 1 bit).
 */
// @ts-ignore: decorator
@inline
export function refineGain(x2: f64, m: u32, fb: i32, p: i32): f64 {
  const t = m >>> <u32>(fb + p);
  const va = <f64>(((t << 1) | 1) << <u32>p);
  const delta = (t & 1) != 0 ? <f64>(<i32>1 << p) : -<f64>(<i32>1 << p);
  return delta * (2.0 * (x2 - va) + delta);
}

// Integer forms for the MQ-coded passes (ebcot_encoder_passes.ts): a pass sums one integer term per
// coefficient and converts the sum once. With sp = fb + p, S = 2^sp and |c| < 2^30 (checked by the
// encoder), sigGain(|c|·scale, p) = 3·2^(p−fb)·(4|c| − 3S) and refineGain(|c|·scale, |c|, fb, p) =
// 2^(p−fb)·(4L − S) for a 1 bit, 2^(p−fb)·(3S − 4L) for a 0 bit, L = |c| mod S. Every term and
// partial sum of the f64 forms is a multiple of 2^(p−fb) below 2^47 of them, so those sums are exact
// and equal these integer sums times the unit: the same f64 values.

/** 4|c| − 3·2^sp for a coefficient `m` (|c| with the sign in bit 31) that becomes significant at sp; `s3` = 3·2^sp. */
// @ts-ignore: decorator
@inline
export function sigTerm(m: u32, s3: u32): i64 {
  return <i64>((m << 2) - s3); // m << 2 drops the sign bit (and bit 30, clear); 2^sp <= |c| < 2^(sp+1)
}

/** The refinement term of `m` (|c|, sign in bit 31) with refinement bit `d` at sp; `sOne` = 2^sp. */
// @ts-ignore: decorator
@inline
export function refineTerm(m: u32, d: u32, sOne: u32): i64 {
  const lo4 = <i32>((m & (sOne - 1)) << 2);
  const s = <i32>sOne;
  return <i64>select<i32>(lo4 - s, 3 * s - lo4, d != 0);
}

/** 2^k as f64 for −1022 <= k <= 1023. */
// @ts-ignore: decorator
@inline
function pow2(k: i32): f64 {
  return reinterpret<f64>(<u64>(1023 + k) << 52);
}

/** The sum of sigGain over a pass from the sum of its sigTerm values (plane p, fb fraction bits). */
export function sigGainOf(sum: i64, p: i32, fb: i32): f64 {
  return <f64>sum * (3.0 * pow2(p - fb));
}

/** The sum of refineGain over a pass from the sum of its refineTerm values. */
export function refineGainOf(sum: i64, p: i32, fb: i32): f64 {
  return <f64>sum * pow2(p - fb);
}
