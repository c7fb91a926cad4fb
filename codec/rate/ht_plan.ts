// Which HT sets to code per code-block before rate control (HT block coder, ISO/IEC 15444-15).
//
// An HT cleanup pass at bit-plane p codes every magnitude bit down to p, so each candidate HT set
// is a full coding of the block: coding all of them (every bit-plane) would cost numBps times a
// single cleanup. Instead a model picks, per block, the few bit-planes around the one rate control
// is likely to choose, and only those sets (cleanup + SigProp + MagRef) are coded; PCRD
// (rate/pcrd.ts) then chooses among their exact rates and distortions as for any block coder.
//
// The model (our own, from one pass over the quantised block): n_b = number of coefficients whose
// quantised magnitude has bit length b, and E_b = their energy (Σ x², x = |c| in steps). A cleanup
// at bit-plane p then
//   - leaves the coefficients with b <= p at zero: distortion Σ_{b<=p} E_b, and quantises the others
//     with step 2^p: about 4^p / 12 each (uniform error);
//   - costs about Σ_{b>p} n_b · (b − p + 1.5) bits (magnitude bits after the implicit MSB, the sign,
//     and the VLC / MEL / UVLC share of a significant sample), plus a few bytes per block.
// Weighted to the image domain (rate/weights.ts), the per-layer slope lambda_l that meets each
// layer's target (bytes: Σ rate <= budget; squared error: Σ w·distortion <= target) is found by
// bisection on the model; each block then codes the sets from one bit-plane below its finest
// choice up to its coarsest (at least two sets: PCRD has a point on either side of the model's
// choice; a set above the coarsest choice measured no gain and costs a cleanup pass).

import { EncodeJob, layerF64 } from "../encode_job";
import { TileComp, Band } from "../structure/tile";
import { dwtSynthesisNorm } from "../transform/dwt_norms";
import { componentWeight } from "./weights";
import { arenaAlloc } from "../util/arena";

/** Bit lengths tracked per block (quantised magnitudes have at most 30 bits). */
export const HT_PLAN_BINS: i32 = 32;
/** Bytes of one block's statistics: f64 counts[32], f64 energies[32], f64 weight. */
export const HT_PLAN_STAT_BYTES: usize = <usize>(HT_PLAN_BINS * 2 + 1) * 8;

/**
 * Correction of the model's bytes measured on a sample of coded blocks (actual / model; set by
 * the encoder when it has one, else 1).
 */
export let htPlanRateScale: f64 = 1.0;
export function htPlanSetRateScale(v: f64): void {
  htPlanRateScale = v > 0 ? v : 1.0;
}

/** Bits per significant coefficient beyond its magnitude bits below the MSB (sign, VLC share). */
const BITS_PER_SIGNIFICANT: f64 = 4.0;
/** Fixed bytes per block with data (segment lengths, packet header share). */
const BLOCK_OVERHEAD_BYTES: f64 = 3;

/**
 * Statistics of one quantised block into `st` (HT_PLAN_STAT_BYTES): counts and energies per bit
 * length of |c| >> fracBits, and the block's image-domain weight `wgt`.
 */
export function htPlanCollect(coef: usize, stride: i32, w: i32, h: i32, fracBits: i32, wgt: f64, st: usize): void {
  // counts in u32 scratch; the energy of the coefficients below one step exactly (most of them at
  // the steps rate control works at), above it from the counts: x uniform in [2^(b-1), 2^b) has
  // E[x^2] = 7/3 · 4^(b-1)
  memory.fill(COUNTS, 0, <usize>HT_PLAN_BINS << 2);
  let e0: f64 = 0;
  for (let y = 0; y < h; y++) {
    let row = coef + ((<usize>y * <usize>stride) << 2);
    for (let x = 0; x < w; x++) {
      let a = <u32>abs<i32>(load<i32>(row + (<usize>x << 2)));
      let q = a >> <u32>fracBits;
      if (q == 0) {
        let v = <f64>a;
        e0 += v * v;
      }
      let b = 32 - <i32>clz<u32>(q);
      let pc = COUNTS + (<usize>b << 2);
      store<u32>(pc, load<u32>(pc) + 1);
    }
  }
  let scale = 1.0 / <f64>(<i64>1 << (fracBits << 1));
  for (let b = 0; b < HT_PLAN_BINS; b++) {
    let n = <f64>load<u32>(COUNTS + (<usize>b << 2));
    store<f64>(st + (<usize>b << 3), n);
    let e = b == 0 ? e0 * scale : n * (7.0 / 3.0) * Math.pow(4.0, <f64>(b - 1));
    store<f64>(st + (<usize>(HT_PLAN_BINS + b) << 3), e);
  }
  store<f64>(st + (<usize>(2 * HT_PLAN_BINS) << 3), wgt);
}

/** u32 scratch of the collectors (HT_HIST_BINS counts). */
const COUNTS: usize = memory.data(4 * 8 * 40, 16);

/** Image-domain weight of a band's coefficient errors (as rate/weights.ts bandWeight). */
export function htPlanWeight(tc: TileComp, r: i32, bd: Band, levels: i32, mct: i32): f64 {
  let rev = tc.style.reversible;
  let lev = r == 0 ? levels : levels - r + 1;
  let norm = dwtSynthesisNorm(rev, lev, bd.orient);
  let step = <f64>bd.step;
  return step * step * norm * norm * componentWeight(tc.c, mct, rev);
}

/** numBps of a block from its statistics (highest bit length with a count). */
function statBps(st: usize): i32 {
  for (let b = HT_PLAN_BINS - 1; b >= 1; b--) if (load<f64>(st + (<usize>b << 3)) > 0) return b;
  return 0;
}

// Scratch of one block's model: rate (bytes) and weighted distortion per cleanup bit-plane.
const MR: usize = memory.data(8 * 33, 16);
const MD: usize = memory.data(8 * 33, 16);

/** Model rate / distortion of cleanups at p = 0 .. nb - 1, and "nothing" at p = nb. Returns nb. */
function blockModel(st: usize, exactAtZero: bool): i32 {
  let nb = statBps(st);
  let wgt = load<f64>(st + (<usize>(2 * HT_PLAN_BINS) << 3));
  for (let p = 0; p <= nb; p++) {
    let bits: f64 = 0;
    let d: f64 = 0;
    let nsig: f64 = 0;
    let q = <f64>(<i64>1 << (p << 1)) / 12.0;
    for (let b = 0; b <= nb; b++) {
      let n = load<f64>(st + (<usize>b << 3));
      if (b > p) {
        bits += n * (<f64>(b - p) + BITS_PER_SIGNIFICANT);
        nsig += n;
      } else {
        d += load<f64>(st + (<usize>(HT_PLAN_BINS + b) << 3));
      }
    }
    if (!(exactAtZero && p == 0)) d += nsig * q;
    store<f64>(MR + (<usize>p << 3), nsig > 0 ? bits / 8 + BLOCK_OVERHEAD_BYTES : 0);
    store<f64>(MD + (<usize>p << 3), d * wgt);
  }
  return nb;
}

/** Model choice of a block at slope lambda: the p minimising D + lambda·R (nb = nothing). */
function blockChoice(nb: i32, lambda: f64): i32 {
  let best = nb;
  let bestCost = load<f64>(MD + (<usize>nb << 3));
  for (let p = nb - 1; p >= 0; p--) {
    let cost = load<f64>(MD + (<usize>p << 3)) + lambda * load<f64>(MR + (<usize>p << 3));
    if (cost < bestCost) {
      bestCost = cost;
      best = p;
    }
  }
  return best;
}

/** Model totals (rate in bytes into RATE_OUT, distortion returned) of every block at lambda. */
let rateOut: f64 = 0;
function totals(stats: usize, n: i32, lambda: f64, exact: bool): f64 {
  let r: f64 = 0, d: f64 = 0;
  for (let i = 0; i < n; i++) {
    let st = stats + <usize>i * HT_PLAN_STAT_BYTES;
    let nb = blockModel(st, exact);
    let p = blockChoice(nb, lambda);
    r += load<f64>(MR + (<usize>p << 3));
    d += load<f64>(MD + (<usize>p << 3));
  }
  rateOut = r;
  return d;
}

/**
 * The HT sets each block codes: i32 pairs (floor bit-plane, number of sets) per block at `out`.
 * `stats` holds n blocks' statistics (htPlanCollect) in coding order; `exact`: reversible path
 * (a cleanup at bit-plane 0 is lossless); `share`: the fraction of each layer target these blocks get
 * (1 for the whole image; a tile's area fraction when tiles are coded one by one).
 */
export function htPlanSets(job: EncodeJob, stats: usize, n: i32, exact: bool, out: usize, share: f64): void {
  let L = job.layers;
  // one lambda per layer with a target; 0 (every pass) for layers without one
  let lambdas = arenaAlloc(<usize>max(L, 1) << 3);
  for (let l = 0; l < L; l++) {
    let budget = layerF64(job.layerBytes, l) * share;
    let dist = layerF64(job.layerDist, l) * share;
    let lam: f64 = 0;
    if (budget > 0) {
      // bisection on log2 lambda: the smallest lambda (largest rate) within the budget
      let lo: f64 = -60, hi: f64 = 60;
      for (let it = 0; it < 48; it++) {
        let mid = 0.5 * (lo + hi);
        totals(stats, n, Math.pow(2.0, mid), exact);
        if (rateOut * htPlanRateScale <= budget) hi = mid;
        else lo = mid;
      }
      lam = Math.pow(2.0, hi);
    } else if (dist > 0) {
      // the largest lambda (smallest rate) whose distortion is within the target
      let lo: f64 = -60, hi: f64 = 60;
      for (let it = 0; it < 48; it++) {
        let mid = 0.5 * (lo + hi);
        if (totals(stats, n, Math.pow(2.0, mid), exact) <= dist) lo = mid;
        else hi = mid;
      }
      lam = Math.pow(2.0, lo);
    }
    store<f64>(lambdas + (<usize>l << 3), lam);
  }
  for (let i = 0; i < n; i++) {
    let st = stats + <usize>i * HT_PLAN_STAT_BYTES;
    let nb = blockModel(st, exact);
    let pMin = nb, pMax = 0;
    for (let l = 0; l < L; l++) {
      let lam = load<f64>(lambdas + (<usize>l << 3));
      let p = lam <= 0 ? 0 : blockChoice(nb, lam);
      pMin = min(pMin, p);
      pMax = max(pMax, p);
    }
    let floor = max(pMin - 1, 0);
    // (several layers: three sets above the coarsest choice too, the coarse sets earlier layers may
    // send before a finer one: rate/ht_layers.ts; on the 14-bit CT at 40/20/10 the first layer
    // gained 1.3 dB from +1 to +3)
    let top = min(max(L > 1 ? pMax + 3 : pMax, floor + 1), max(nb - 1, 0));
    store<i32>(out + (<usize>i << 3), floor);
    store<i32>(out + (<usize>i << 3), max(top - floor + 1, 1), 4);
  }
}

// ---- the 9/7 step for byte budgets ------------------------------------------------------------
//
// A fixed step coded in full (one cleanup at bit-plane 0 per block) is what a step-only encoder
// such as OpenJPH's -qstep does. Truncation by PCRD only helps from there: so with byte budgets the
// step is chosen first, so that coding every block at bit-plane 0 would take about the largest
// budget (HT_STEP_MARGIN), and PCRD then takes away what the model's error leaves over, where it
// costs least distortion (cleanups one or two bit-planes up, or SigProp / MagRef passes), or the
// layer is coded in full a little under its budget. Without this the blocks could only choose among
// steps 2^p · Delta, a factor of 2 apart.
//
// The step comes from a histogram of all quantised magnitudes at the current step (v, in steps),
// by octave (bit length of v) and the 3 bits below the most significant bit: at a step s times
// larger, a coefficient in bin (L, m) of centre v_c has q = floor(v_c / s) and costs, if q >= 1,
// about bitlen(q) + HT_BITS_SIGNIFICANT bits (magnitude bits, sign, its share of the VLC / UVLC
// and of the quad's exponent bound). The histogram is read from the f32 samples before quantisation
// (the f32 exponent and mantissa bits are the bins), and the model treats log2 |v| as uniform within
// a bin, so its bytes change continuously with the step (bisection and calibration agree).

/** Octaves of the step histogram: bit length of |v| minus fraction bits, from -8 up to 31. */
const HIST_OCT_MIN: i32 = -8;
const HIST_OCTAVES: i32 = 40;
/** Bins of the step histogram (f64 counts), plus one f64: the number of blocks. */
export const HT_HIST_BINS: i32 = HIST_OCTAVES * 8;
export const HT_HIST_BYTES: usize = <usize>(HT_HIST_BINS + 1) * 8;
/** Bits per significant coefficient besides the bits of its magnitude (sign, VLC/UVLC, exponent bound). */
const HT_BITS_SIGNIFICANT: f64 = 4.0;
/**
 * Coding at the chosen step is aimed at this multiple of the budget. Measured with bench/ht_rate.mjs
 * (PSNR against OpenJPH at the same size, every benchcorpus image at 8:1, 20:1, 50:1): at 1.02 the
 * 14-bit CT lost up to 0.04 dB (trimming 3-5 % with HT passes costs it more than a coarser step);
 * at 1.0 every case is at or above OpenJPH.
 */
export const HT_STEP_MARGIN: f64 = 1.0;

/**
 * Add one block of 9/7 samples (f32, before quantisation) to the step histogram `hist`: the bins of
 * |x| · invStep (magnitudes in steps) straight from the f32 bits — exponent and the 3 bits below the
 * leading one — so no quantised copy is needed; every 4th row (counted 4 times) when h >= 16.
 * Everything is counted `weight` times (a block that stands for several in a sample).
 */
export function htHistCollectF32(src: usize, stride: i32, w: i32, h: i32, invStep: f32, hist: usize, weight: u32 = 1): void {
  memory.fill(COUNTS, 0, <usize>HT_HIST_BINS << 2);
  let rowStep = h >= 16 ? 4 : 1;
  for (let y = 0; y < h; y += rowStep) {
    let row = src + ((<usize>y * <usize>stride) << 2);
    for (let x = 0; x < w; x++) {
      let v = abs<f32>(load<f32>(row + (<usize>x << 2))) * invStep;
      let b = reinterpret<u32>(v);
      if (b == 0) continue;
      // v in [2^e, 2^(e+1)): bit length e + 1 (as the quantised magnitudes' with their fraction bits)
      let oct = min(max(<i32>(b >> 23) - 126 - HIST_OCT_MIN, 0), HIST_OCTAVES - 1);
      let p = COUNTS + ((<usize>(oct * 8) + <usize>((b >> 20) & 7)) << 2);
      store<u32>(p, load<u32>(p) + 1);
    }
  }
  let f = <f64>rowStep * <f64>weight;
  for (let i = 0; i < HT_HIST_BINS; i++) {
    let n = load<u32>(COUNTS + (<usize>i << 2));
    if (n == 0) continue;
    let p = hist + (<usize>i << 3);
    store<f64>(p, load<f64>(p) + <f64>n * f);
  }
  let nb = hist + (<usize>HT_HIST_BINS << 3);
  store<f64>(nb, load<f64>(nb) + <f64>weight);
}

/** log2(1 + m / 8), m = 0 .. 8: the bin edges within an octave. */
const BIN_LOG: usize = memory.data(8 * 9, 16);
let binLogReady = false;

/**
 * Model bytes of coding every block in full at a step `scale` times the current one. Within a bin,
 * log2 of the magnitude is taken as uniform between the bin's edges, so the model is continuous in
 * the step (a bin is not counted all-or-nothing at the significance threshold): a coefficient with
 * lq = log2(v / step) >= 0 costs lq + 1/2 (its bit length on average) + HT_BITS_SIGNIFICANT bits.
 */
function histRate(hist: usize, scale: f64): f64 {
  if (!binLogReady) {
    for (let m = 0; m <= 8; m++) store<f64>(BIN_LOG + (<usize>m << 3), Math.log2(1.0 + <f64>m / 8.0));
    binLogReady = true;
  }
  let bits: f64 = 0;
  let ls = Math.log2(scale);
  const K: f64 = 0.5 + HT_BITS_SIGNIFICANT;
  for (let o = 0; o < HIST_OCTAVES; o++) {
    // bin (o, m): v in [2^(L-1) (1 + m/8), 2^(L-1) (1 + (m+1)/8)), L = o + HIST_OCT_MIN
    let base = <f64>(o + HIST_OCT_MIN - 1) - ls;
    if (base + 1 <= 0) continue;
    for (let m = 0; m < 8; m++) {
      let n = load<f64>(hist + ((<usize>(o * 8) + <usize>m) << 3));
      if (n == 0) continue;
      let a = base + load<f64>(BIN_LOG + (<usize>m << 3));
      let b = base + load<f64>(BIN_LOG + (<usize>(m + 1) << 3));
      if (b <= 0) continue;
      let a1 = max(a, 0.0);
      bits += n / (b - a) * ((b - a1) * K + 0.5 * (b * b - a1 * a1));
    }
  }
  return bits / 8 + BLOCK_OVERHEAD_BYTES * load<f64>(hist + (<usize>HT_HIST_BINS << 3));
}

/**
 * Factor (>= minScale) to apply to the 9/7 step so that coding every block in full takes about
 * `bytes` (the model above, which falls as the step grows; bisection on log2 of the factor).
 */
export function htStepScale(hist: usize, bytes: f64, minScale: f64): f64 {
  let lo = max(Math.log2(max(minScale, 1e-30)), -40.0), hi: f64 = 40;
  if (histRate(hist, Math.pow(2.0, lo)) <= bytes) return Math.pow(2.0, lo);
  for (let it = 0; it < 40; it++) {
    let mid = 0.5 * (lo + hi);
    if (histRate(hist, Math.pow(2.0, mid)) > bytes) lo = mid;
    else hi = mid;
  }
  return Math.pow(2.0, hi);
}

/** Model bytes of coding every block in full at `scale` times the current step. */
export function htStepModel(hist: usize, scale: f64): f64 {
  return histRate(hist, scale);
}
