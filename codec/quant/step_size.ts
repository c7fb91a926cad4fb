// Quantisation step sizes (ISO/IEC 15444-1 E.1.1.1, A.6.4) and sub-band dynamic-range gains.
//
// ABI (numbers only):
//
//   stepSizeEncode(step: f64, rb: i32): i32        → (εb << 11) | μb  (the 16-bit SPqcd/SPqcc value)
//   stepSizeDecode(eps: i32, mu: i32, rb: i32): f64 → Δb = 2^(Rb − εb) · (1 + μb / 2^11)   (E.1.1.1)
//   stepSizeDerivedExponent(eps0, numLevels, nb): i32 → εb = ε0 − NL + nb   (E.1.1.1, scalar derived)
//   subbandGainLog2(orient: i32): i32               → log2 gain_b of Table E.1: LL 0, HL 1, LH 1, HH 2
//   bandMagnitudeBits(guardBits, eps): i32           → Mb = G + εb − 1   (E.1.1.1)
//
// Rb is the nominal dynamic range of the sub-band in bits: Rb = RI + log2(gain_b), RI the
// component's precision (E.1.1.1). Orientation codes: 0 LL, 1 HL, 2 LH, 3 HH. For scalar derived
// quantisation, nb is the number of decomposition levels between the tile-component and sub-band b
// (NL for the lowest LL band), and μb = μ0.

/**
 * Exponent/mantissa of a step size (A.6.4: 5-bit εb, 11-bit μb) such that
 * 2^(rb − ε)(1 + μ/2^11) is the representable value nearest to `step` (μ rounded to nearest; a
 * mantissa that rounds up to 2^11 moves to the next exponent). Steps too large for ε = 0 give
 * ε = 0, μ = 2047; steps too small for ε = 31 give ε = 31, μ = 0; step ≤ 0 or NaN gives ε = 31, μ = 0.
 * Returns (ε << 11) | μ.
 */
export function stepSizeEncode(step: f64, rb: i32): i32 {
  if (!(step > 0)) return 31 << 11;
  // r = step / 2^rb = 2^(−ε) (1 + μ/2^11)
  let r = step / Math.pow(2.0, <f64>rb);
  if (!isFinite(r)) return 2047;
  let e = <i32>Math.floor(Math.log2(r)); // r ∈ [2^e, 2^(e+1))
  // guard against log2 rounding at exact powers of two
  let m = r / Math.pow(2.0, <f64>e);
  if (m >= 2.0) {
    e++;
    m *= 0.5;
  } else if (m < 1.0) {
    e--;
    m *= 2.0;
  }
  let eps = -e;
  let mu = <i32>Math.round((m - 1.0) * 2048.0);
  if (mu >= 2048) {
    mu = 0;
    eps--;
  }
  if (eps < 0) return 2047; // the largest representable step (ε = 0, μ = 2047)
  if (eps > 31) return 31 << 11;
  return (eps << 11) | mu;
}

/** Δb = 2^(rb − eps) · (1 + mu / 2^11) (E.1.1.1). */
export function stepSizeDecode(eps: i32, mu: i32, rb: i32): f64 {
  return Math.pow(2.0, <f64>(rb - eps)) * (1.0 + <f64>mu / 2048.0);
}

/** Scalar derived quantisation (E.1.1.1, A.6.4): εb = ε0 − NL + nb. */
export function stepSizeDerivedExponent(eps0: i32, numLevels: i32, nb: i32): i32 {
  return eps0 - numLevels + nb;
}

/** log2 of the sub-band gain (Table E.1): LL 0, HL 1, LH 1, HH 2. */
export function subbandGainLog2(orient: i32): i32 {
  return orient == 0 ? 0 : orient == 3 ? 2 : 1;
}

/** Mb = G + εb − 1 (E.1.1.1): magnitude bit-planes of a sub-band with `guardBits` guard bits. */
export function bandMagnitudeBits(guardBits: i32, eps: i32): i32 {
  return guardBits + eps - 1;
}
