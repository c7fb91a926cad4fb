// L2 norms of the 2-D synthesis basis functions of the 5/3 and 9/7 wavelets, per decomposition
// level and sub-band orientation (used by rate control to weight distortion, and for step sizes
// that are "derived" from a base step, E.1.1.2 / A.6.4).
//
// ABI:  dwtSynthesisNorm(reversible: i32, level: i32, orient: i32): f64
//   reversible: 1 = 5/3 (F.3.8.1, without its rounding), 0 = 9/7 (F.3.8.2, Table F.4)
//   level: number of decompositions between the full-resolution tile-component and the sub-band
//          (1 = the finest HL/LH/HH bands); orient: 0 LL, 1 HL, 2 LH, 3 HH.
//   LL at level 0 is the image itself (norm 1); HL/LH/HH at level 0 do not exist (returns 0).
//
// The norm is that of the infinite-signal synthesis basis function, i.e. the energy that a unit
// coefficient of the band contributes to the reconstructed image away from the boundaries. It is
// separable: ‖φ_b‖ = ‖φ_x‖·‖φ_y‖, with the 1-D function of a band at level n being
//   φ_1 = g (synthesis low-pass ℓ or high-pass h),  φ_n = ℓ * up2(φ_{n−1}).
// Energies are computed through autocorrelations, which obey R_{φn} = R_ℓ * up2(R_{φ(n−1)}):
//   R_n[m] = Σ_k R_{n−1}[k] · R_ℓ[m − 2k],  E_n = R_n[0].
// Only |m| ≤ M is ever needed (|m − 2k| ≤ support of R_ℓ keeps |k| ≤ M), so each level costs a fixed
// amount of work and the result is exact up to f64 rounding for any number of levels.
// The synthesis filters themselves are obtained by running the standard's inverse lifting steps
// (in f64, 5/3 without the floor/rounding offsets) on unit impulses, so they carry the standard's
// normalisation (low-pass DC gain 1 at analysis, K / 1/K scaling for the 9/7).

const M: i32 = 24; // autocorrelation lags kept: [−M, M]
const N: i32 = 2 * M + 1;
const SIG: i32 = 64; // length of the impulse-response signal
const SIG_MID: i32 = 32; // impulse position (even: low-pass sample, odd: high-pass sample)

// f64 scratch: signal, filter taps, two autocorrelation vectors, filter autocorrelation
const SCRATCH: usize = memory.data(8 * (SIG + 4 * N), 16);
const SIGNAL: usize = SCRATCH;
const RA: usize = SCRATCH + 8 * <usize>SIG;
const RB: usize = RA + 8 * <usize>N;
const RL: usize = RB + 8 * <usize>N;
const RT: usize = RL + 8 * <usize>N;

// Table F.4
const ALPHA: f64 = -1.586134342059924;
const BETA: f64 = -0.052980118572961;
const GAMMA: f64 = 0.882911075530934;
const DELTA: f64 = 0.443506852043971;
const KAPPA: f64 = 1.230174104914001;

// @ts-ignore: decorator
@inline
function sig(i: i32): f64 {
  return i >= 0 && i < SIG ? load<f64>(SIGNAL + (<usize>i << 3)) : 0.0;
}

// @ts-ignore: decorator
@inline
function setSig(i: i32, v: f64): void {
  store<f64>(SIGNAL + (<usize>i << 3), v);
}

/** One real-valued lifting step over positions of `parity`: x[i] += c·(x[i−1] + x[i+1]). */
function liftAll(parity: i32, c: f64): void {
  for (let i = parity; i < SIG; i += 2) setSig(i, sig(i) + c * (sig(i - 1) + sig(i + 1)));
}

/** Impulse response of the inverse transform for a unit sample at SIG_MID + band (0 low, 1 high). */
function synthesisResponse(reversible: i32, band: i32): void {
  memory.fill(SIGNAL, 0, 8 * <usize>SIG);
  setSig(SIG_MID + band, 1.0);
  if (reversible) {
    liftAll(0, -0.25); // X(2n) = Y(2n) − (Y(2n−1) + Y(2n+1))/4
    liftAll(1, 0.5); // X(2n+1) = Y(2n+1) + (X(2n) + X(2n+2))/2
  } else {
    for (let i = 0; i < SIG; i++) setSig(i, sig(i) * ((i & 1) == 0 ? KAPPA : 1.0 / KAPPA));
    liftAll(0, -DELTA);
    liftAll(1, -GAMMA);
    liftAll(0, -BETA);
    liftAll(1, -ALPHA);
  }
}

/** Autocorrelation of the current signal, lags [−M, M], into `r`. */
function autocorrelate(r: usize): void {
  for (let m = -M; m <= M; m++) {
    let acc = 0.0;
    for (let i = 0; i < SIG; i++) acc += sig(i) * sig(i + m);
    store<f64>(r + (<usize>(m + M) << 3), acc);
  }
}

// @ts-ignore: decorator
@inline
function at(r: usize, m: i32): f64 {
  return m >= -M && m <= M ? load<f64>(r + (<usize>(m + M) << 3)) : 0.0;
}

/** Energy of the 1-D synthesis function of a band at `level` (≥ 1), high-pass or low-pass. */
function energy1d(reversible: i32, level: i32, high: i32): f64 {
  synthesisResponse(reversible, 0);
  autocorrelate(RL);
  synthesisResponse(reversible, high);
  autocorrelate(RA);
  let cur = RA, nxt = RB;
  for (let n = 2; n <= level; n++) {
    for (let m = -M; m <= M; m++) {
      let acc = 0.0;
      // R_ℓ[m − 2k] non-zero only for |m − 2k| ≤ M
      for (let k = -M; k <= M; k++) {
        let j = m - 2 * k;
        if (j < -M || j > M) continue;
        acc += at(cur, k) * at(RL, j);
      }
      store<f64>(nxt + (<usize>(m + M) << 3), acc);
    }
    let t = cur;
    cur = nxt;
    nxt = t;
  }
  return at(cur, 0);
}

/**
 * L2 norm of the 2-D synthesis basis function of sub-band `orient` (0 LL, 1 HL, 2 LH, 3 HH) at
 * decomposition `level` of the 5/3 (`reversible` = 1) or 9/7 (0) wavelet. See the file header.
 */
export function dwtSynthesisNorm(reversible: i32, level: i32, orient: i32): f64 {
  if (level <= 0) return orient == 0 ? 1.0 : 0.0;
  if (orient < 0 || orient > 3) return 0.0;
  let hx = orient & 1; // HL, HH: high-pass horizontally
  let hy = orient >> 1; // LH, HH: high-pass vertically
  let ex = cachedEnergy1d(reversible, level, hx);
  let ey = hx == hy ? ex : cachedEnergy1d(reversible, level, hy);
  return Math.sqrt(ex * ey);
}

// Energies depend only on (wavelet, level, low/high): computed once per instance (an encode asks
// for every band of every tile-component; recomputing cost 1–2 ms per encode).
const CACHE_LEVELS: i32 = 64;
const ENERGY_CACHE: usize = memory.data(8 * 2 * CACHE_LEVELS * 2, 16); // f64, 0 = not computed yet

function cachedEnergy1d(reversible: i32, level: i32, high: i32): f64 {
  if (level >= CACHE_LEVELS) return energy1d(reversible, level, high);
  let slot = ENERGY_CACHE + (<usize>(((reversible != 0 ? 1 : 0) * CACHE_LEVELS + level) * 2 + high) << 3);
  let e = load<f64>(slot);
  if (e == 0.0) {
    e = energy1d(reversible, level, high);
    store<f64>(slot, e);
  }
  return e;
}
