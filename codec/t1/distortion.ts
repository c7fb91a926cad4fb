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
