// Quality layers for HT code-blocks (ISO/IEC 15444-15): which HT sets each block sends, and how
// much of them each layer carries.
//
// An HT set (a cleanup pass at bit-plane p, then optionally its SigProp and MagRef passes at p - 1)
// is a complete coding of the block: a later set does not refine an earlier one but replaces it
// (the decoder keeps the last). PCRD on the block's whole hull (rate/pcrd.ts) lets every layer pick
// its own set, so a block whose first layer sends a coarse set and whose last layer a finer one
// carries both, and the last layer pays again for what the earlier ones sent: on Kodak, CT and DX
// (bench/ht_layers.mjs) that put the last layer of ratios 40/20/10 1.2 to 9 dB under a single-layer
// encode of the same size.
//
// Here every block takes one option for all layers (our own rule):
//   - nothing;
//   - one set F: each layer carries nothing, F's cleanup, + SigProp or + MagRef, never less than
//     the layer before (nothing is sent twice);
//   - a coarser set E in layers 0 .. t-1, then F from layer t on (E's bytes stay in the stream;
//     Ccap15 bit 13, written only when some block does this: codestream/write_codestream.ts).
// With per-layer slopes lambda_l, a block takes the option that minimises
//   J = Σ_l w_l · (lambda_l · R_l − D_l)
// (R_l: the block's bytes in the stream up to layer l, D_l: its weighted distortion decrease there;
// the points of E and F are those of each set's own hull at lambda_l), with w_l = omega_l / D_l and
// D_l the layer's estimated error, so J weighs relative errors (dB). omega = 1 for the last layer
// and one omega for the earlier ones. Sending E before F costs the later layers E's bytes, so no
// omega serves every layer: omega 0 is one set per block (the last layer as a single-layer encode
// of its size, the first layers 4-15 dB under theirs on Kodak and CT), a large omega the reverse.
// The default balances them (our rule): with each layer's loss against the best it could have
// alone (one set per block at its budget, in the model), omega is bisected on log2 so that the
// largest earlier-layer loss meets LAST_LAYER_FACTOR (2) times the last layer's loss, i.e. the
// largest of these weighted losses is least. bench/ht_layers.mjs at 40/20/10 and 80/40/20/10
// (against single-layer encodes): Kodak earlier layers 0.2-1.9 dB under, last 0.6-1.0 dB; the
// 14-bit CT 2.0-6.2 dB, last 3.1-3.7 dB; DX within 0.11 dB. (With a first version of solve():
// factor 1, Kodak every layer within 1.9 dB, last up to 1.5 dB, CT last 4.6-4.9 dB; factor 3, CT
// last 2.0-3.0 dB, earlier up to 9.9 dB; the 0.2-dB bound on the last layer alone left Kodak's
// first layers 2-5 dB and the CT's 11-22 dB under.)
// For given weights the slopes are found for all layers together (solve(): every round chooses the
// options, measures the layers by a T2 dry run and moves each slope by Rprop steps); then, with the
// options fixed, every layer is formed exactly (bisection on T2 dry runs, the slack filled with
// single steps along each block's path, highest slope first) as pcrd.ts does. Only byte budgets
// come here (rate_control.ts: PSNR lists and a lossless last layer go to PCRD).
// The search grows with the square of the layer count: more than HT_LAYERS_MAX layers go to PCRD on
// the whole hull.

import { EncodeJob, layerF64 } from "../encode_job";
import { CodeBlock } from "../structure/tile";
import { cblkIterNew, cblkIterNext } from "../structure/cblk_iter";
import { passRecord, passesRate } from "../t1/pass_record";
import { maxPasses } from "../t1/segments";
import { bandWeight } from "./weights";
import { measureLayers } from "./measure";
import { Pcrd, sortBySlopeDesc } from "./pcrd";
import { arenaAlloc, arenaAllocZeroed } from "../util/arena";

/** A fixed omega instead of the search (benchmarks, tests); negative: the search (default). */
let fixedOmega: f64 = -1;
export function htLayersSetEarlyWeight(w: f64): void {
  fixedOmega = w;
}

/** f64 fields of one set's chain: the number of hull points, then (passes, R, D, slope) per point. */
const CH_F64: i32 = 13;
const CH_BYTES: usize = <usize>CH_F64 * 8;

/** Chains of every block (rebuilt for every allocation). */
let nBlocks: i32 = 0;
let blocks: usize = 0; // usize[nBlocks]
let chainStart: usize = 0; // i32[nBlocks]
let chainCount: usize = 0; // i32[nBlocks]
let chains: usize = 0; // CH_BYTES each
let options: usize = 0; // i32[nBlocks * 3]: the block's option (E chain or -1, F chain or -1, t)
let pts: usize = 0; // i32[maxChains * L]: each chain's point per layer (evaluate's scratch)
let curves: usize = 0; // [nBlocks * L] of CURVE_BYTES: (passes, stream bytes, decrease) per layer
// chooseOption's scratch: per chain J of E's part up to layer t and E's bytes there (f64[L + 1]
// each), J of F's part from layer t (f64[L]); the suffix sums of w_l lambda_l (f64[L + 1])
let prefJ: usize = 0;
let prefR: usize = 0;
let sufJ: usize = 0;
let lamW: usize = 0;
/** f64 (passes, bytes, distortion decrease) of one block in one layer. */
const CURVE_BYTES: usize = 24;

/** Most layers this allocation takes (its search grows with the square of the layer count). */
export const HT_LAYERS_MAX: i32 = 8;
/**
 * The balance between the layers (our own rule, from bench/ht_layers.mjs): an earlier layer's
 * loss against a single-layer encode of its size (dB, in the model) counts 1, the last layer's
 * LAST_LAYER_FACTOR; omega is set where the largest of these weighted losses is least.
 */
const LAST_LAYER_FACTOR: f64 = 2;
/** Bisection steps on log2 omega (in [OMEGA_LO, OMEGA_HI]). */
const OMEGA_STEPS: i32 = 5;
const OMEGA_LO: f64 = -6;
const OMEGA_HI: f64 = 2;

/**
 * Form the layers of HT blocks (file header). Same contract as pcrdAllocate: targets
 * job.layerBytes / job.layerDist (continuous-error part in `errTargets`), estimated error of each
 * layer into `est`. Replaces every block's hull (CodeBlock.encHull*) by the hull of its path, so
 * hull readers (pcrdLayerComplete) see what the layers can hold.
 */
export function htLayersAllocate(job: EncodeJob, st: Pcrd, errTargets: usize, est: usize): void {
  let L = job.layers;
  buildChains(job);
  forceSwitch = true;
  lambdas = arenaAlloc(<usize>L << 3);
  rates = arenaAllocZeroed(<usize>L << 3);
  gains = arenaAllocZeroed(<usize>L << 3);
  headers = arenaAllocZeroed(<usize>L << 3);
  weights = arenaAlloc(<usize>L << 3);
  dPrev = arenaAlloc(<usize>L << 3);
  steps = arenaAlloc(<usize>L << 3);
  turns = arenaAlloc(<usize>L << 3);
  bestLambdas = arenaAlloc(<usize>L << 3);
  bestWeights = arenaAlloc(<usize>L << 3);
  overLambdas = arenaAlloc(<usize>L << 3);
  overWeights = arenaAlloc(<usize>L << 3);
  if (slopeMin == Infinity) slopeMin = slopeMax = 1;
  // first slopes: each layer's alone (one set per block, no header bytes)
  for (let l = 0; l < L; l++) {
    layerBest(job, st, l);
    store<f64>(lambdas + (<usize>l << 3), bestSlope);
  }
  dKnown = false;
  // each layer's best (one set per block: a single-layer encode of its size), the last one's by
  // the solve with omega 0; then omega by bisection on the sign of
  // LAST_LAYER_FACTOR * loss(last layer) - max loss(earlier layers), which grows with omega;
  // every solve starts from the slopes, header bytes and layer errors of the one before
  solve(job, st, 0);
  let refs = arenaAlloc(<usize>L << 3);
  for (let l = 0; l < L - 1; l++) store<f64>(refs + (<usize>l << 3), layerBest(job, st, l));
  store<f64>(refs + (<usize>(L - 1) << 3), max(st.energy - layerF64(gains, L - 1), 1e-300));
  let best: f64 = -Infinity;
  let bestScore: f64 = Infinity;
  let lo = OMEGA_LO, hi = OMEGA_HI;
  if (fixedOmega >= 0) {
    best = fixedOmega > 0 ? Math.log2(fixedOmega) : -Infinity;
    lo = hi;
  }
  let last: f64 = -Infinity; // omega of the state left by the last solve
  for (let it = 0; it < OMEGA_STEPS && lo < hi; it++) {
    let mid = 0.5 * (lo + hi);
    solve(job, st, Math.pow(2.0, mid));
    last = mid;
    let lastLoss = LAST_LAYER_FACTOR * layerLoss(job, st, refs, L - 1);
    let early: f64 = 0;
    for (let l = 0; l < L - 1; l++) early = max(early, layerLoss(job, st, refs, l));
    let score = max(lastLoss, early);
    if (score < bestScore) {
      bestScore = score;
      best = mid;
    }
    if (lastLoss > early) hi = mid;
    else lo = mid;
  }
  if (best != last) solve(job, st, best == -Infinity ? 0 : Math.pow(2.0, best));
  exactLayers(job, st, errTargets, est);
  // each block's path (E's points up to where it stops, then F's) as its hull, for the readers of
  // hulls (pcrdLayerComplete: is every useful pass in?)
  for (let b = 0; b < nBlocks; b++) pathHull(b, L);
}

/**
 * The layers exactly, with every block's option fixed: layer by layer, its slope bisected on the
 * measured codestream (T2 dry runs) and the slack filled with single path steps, best slope first;
 * later layers never send fewer passes. Estimated errors into `est`.
 */
function exactLayers(job: EncodeJob, st: Pcrd, errTargets: usize, est: usize): void {
  let L = job.layers;
  let sizes = st.sizes;
  fixedN = arenaAllocZeroed(<usize>max(nBlocks, 1) * <usize>L << 2);
  forceSwitch = false;
  for (let l = 0; l < L; l++) {
    let budget = layerF64(job.layerBytes, l);
    let slot = lambdas + (<usize>l << 3);
    if (budget > 0) {
      let m = min(max(Math.log2(max(load<f64>(slot), 1e-300)), -1000.0), 1000.0);
      let lo = m - 2, hi = m + 2;
      // widen until hi fits (and lo does not)
      for (let k = 0; k < 12; k++) {
        if (measureAt(job, L, l, Math.pow(2.0, hi), sizes) <= budget) break;
        lo = hi;
        hi += <f64>(4 << k);
      }
      for (let k = 0; k < 12; k++) {
        if (measureAt(job, L, l, Math.pow(2.0, lo), sizes) > budget) break;
        hi = lo;
        lo -= <f64>(4 << k);
      }
      for (let it = 0; it < 14; it++) {
        let mid = 0.5 * (lo + hi);
        if (measureAt(job, L, l, Math.pow(2.0, mid), sizes) <= budget) hi = mid;
        else lo = mid;
      }
      measureAt(job, L, l, Math.pow(2.0, hi), sizes);
      fillLayer(job, L, l, budget, sizes);
    } else {
      // an error target (the model's error is the estimate: no dry run needed) or none (every pass)
      evaluate(L, false);
      assign(L, l);
    }
    for (let b = 0; b < nBlocks; b++) {
      let cb = changetype<CodeBlock>(load<usize>(blocks + (<usize>b << alignof<usize>())));
      store<i32>(fixedN + (<usize>(b * L + l) << 2), load<i32>(cb.encLayerPasses + (<usize>l << 2)));
    }
  }
  for (let l = 0; l < L; l++) {
    let g: f64 = 0;
    for (let b = 0; b < nBlocks; b++) g += blockGain(b, load<i32>(fixedN + (<usize>(b * L + l) << 2)));
    store<f64>(est + (<usize>l << 3), st.energy - g);
  }
}

/**
 * While options are chosen, a block with E and F sends F's cleanup from layer t on (J is computed
 * so); when the layers are formed exactly, F's points come at their slopes like any other.
 */
let forceSwitch = true;

/** Pass counts per block and layer of the layers already formed (exactLayers). */
let fixedN: usize = 0;

/** Layer l at slope lambda (options fixed): assigned, and the codestream up to it measured. */
function measureAt(job: EncodeJob, L: i32, l: i32, lambda: f64, sizes: usize): f64 {
  store<f64>(lambdas + (<usize>l << 3), lambda);
  evaluate(L, false);
  assign(L, l);
  return measureLayers(job, l, sizes);
}

/**
 * CodeBlock.encLayerPasses: layers below `upto` as formed (fixedN), the others from the curves,
 * never fewer passes than the layer before.
 */
function assign(L: i32, upto: i32): void {
  for (let b = 0; b < nBlocks; b++) {
    let cb = changetype<CodeBlock>(load<usize>(blocks + (<usize>b << alignof<usize>())));
    let cur = curves + (<usize>b * <usize>L * CURVE_BYTES);
    let prev = 0;
    for (let l = 0; l < L; l++) {
      let n = l < upto ? load<i32>(fixedN + (<usize>(b * L + l) << 2)) : max(<i32>load<f64>(cur + <usize>l * CURVE_BYTES), prev);
      store<i32>(cb.encLayerPasses + (<usize>l << 2), n);
      prev = n;
    }
  }
}

/** The chain (absolute index) block b's layer l draws from under its option: E before t, else F. */
// @ts-ignore: decorator
@inline
function layerChain(b: i32, l: i32): i32 {
  let opt = options + (<usize>b * 3 << 2);
  let e = load<i32>(opt);
  return e >= 0 && l < load<i32>(opt, 8) ? e : load<i32>(opt, 4);
}

/** Index of the point of chain ci with `passes` passes (-1: none). */
function pointOf(ci: i32, passes: i32): i32 {
  let ch = chains + <usize>ci * CH_BYTES;
  let np = <i32>load<f64>(ch);
  for (let i = 0; i < np; i++) if (<i32>load<f64>(ch + (<usize>(1 + 4 * i) << 3)) == passes) return i;
  return -1;
}

/** Weighted distortion decrease of block b sending `passes` passes (at a point of one of its chains). */
function blockGain(b: i32, passes: i32): f64 {
  if (passes <= 0) return 0;
  let c0 = load<i32>(chainStart + (<usize>b << 2));
  let nc = load<i32>(chainCount + (<usize>b << 2));
  for (let c = c0; c < c0 + nc; c++) {
    let i = pointOf(c, passes);
    if (i >= 0) return load<f64>(chains + <usize>c * CH_BYTES + (<usize>(1 + 4 * i) << 3), 16);
  }
  return 0;
}

/**
 * Fill layer l's slack (as rate/pcrd.ts fillToBudget): every block's next point on its chain for
 * the layer, highest slope first; candidates whose bytes (+2 for the header) exceed the slack are
 * skipped; the longest prefix of the rest that fits, by bisection on exact measurements.
 */
function fillLayer(job: EncodeJob, L: i32, l: i32, budget: f64, sizes: usize): void {
  let cand = arenaAlloc(<usize>max(nBlocks, 1) << 2); // block index
  let next = arenaAlloc(<usize>max(nBlocks, 1) << 2); // passes after the step
  let slope = arenaAlloc(<usize>max(nBlocks, 1) << 3);
  let cost = arenaAlloc(<usize>max(nBlocks, 1) << 3);
  let order = arenaAlloc(<usize>max(nBlocks, 1) << 2);
  let m = 0;
  for (let b = 0; b < nBlocks; b++) {
    let cb = changetype<CodeBlock>(load<usize>(blocks + (<usize>b << alignof<usize>())));
    let ci = layerChain(b, l);
    if (ci < 0) continue;
    let n = load<i32>(cb.encLayerPasses + (<usize>l << 2));
    let ch = chains + <usize>ci * CH_BYTES;
    let np = <i32>load<f64>(ch);
    let R0: f64 = 0, D0: f64 = 0;
    let i = n > 0 ? pointOf(ci, n) : -1;
    if (n > 0 && i < 0) continue; // (not on this chain: leave it)
    if (i >= 0) {
      R0 = load<f64>(ch + (<usize>(1 + 4 * i) << 3), 8);
      D0 = load<f64>(ch + (<usize>(1 + 4 * i) << 3), 16);
    }
    if (i + 1 >= np) continue;
    let q = ch + (<usize>(1 + 4 * (i + 1)) << 3);
    let dR = load<f64>(q, 8) - R0;
    store<i32>(cand + (<usize>m << 2), b);
    store<i32>(next + (<usize>m << 2), <i32>load<f64>(q));
    store<f64>(slope + (<usize>m << 3), (load<f64>(q, 16) - D0) / max(dR, 1e-9));
    store<f64>(cost + (<usize>m << 3), dR + 2);
    store<i32>(order + (<usize>m << 2), m);
    m++;
  }
  if (m == 0) return;
  sortBySlopeDesc(order, slope, m);
  let slack = budget - measureLayers(job, l, sizes);
  let chosen = 0;
  for (let i = 0; i < m; i++) {
    let idx = load<i32>(order + (<usize>i << 2));
    let c = load<f64>(cost + (<usize>idx << 3));
    if (c <= slack) {
      slack -= c;
      store<i32>(order + (<usize>chosen << 2), idx);
      chosen++;
    }
  }
  if (chosen == 0) return;
  let saved = arenaAlloc(<usize>chosen << 2);
  for (let i = 0; i < chosen; i++) {
    let b = load<i32>(cand + (<usize>load<i32>(order + (<usize>i << 2)) << 2));
    let cb = changetype<CodeBlock>(load<usize>(blocks + (<usize>b << alignof<usize>())));
    store<i32>(saved + (<usize>i << 2), load<i32>(cb.encLayerPasses + (<usize>l << 2)));
  }
  let lo = 0, hi = chosen;
  while (lo < hi) {
    let k = (lo + hi + 1) >> 1;
    applyFill(cand, next, order, saved, chosen, k, l, L);
    if (measureLayers(job, l, sizes) <= budget) lo = k;
    else hi = k - 1;
  }
  applyFill(cand, next, order, saved, chosen, lo, l, L);
}

function applyFill(cand: usize, next: usize, order: usize, saved: usize, m: i32, k: i32, l: i32, L: i32): void {
  for (let i = 0; i < m; i++) {
    let idx = load<i32>(order + (<usize>i << 2));
    let b = load<i32>(cand + (<usize>idx << 2));
    let cb = changetype<CodeBlock>(load<usize>(blocks + (<usize>b << alignof<usize>())));
    let v = i < k ? load<i32>(next + (<usize>idx << 2)) : load<i32>(saved + (<usize>i << 2));
    for (let j = l; j < L; j++) {
      let p = cb.encLayerPasses + (<usize>j << 2);
      if (j == l) store<i32>(p, v);
      else store<i32>(p, max(load<i32>(p), v));
    }
  }
}

// per-layer state of the search (f64[L] each)
let lambdas: usize = 0;
let rates: usize = 0;
let gains: usize = 0;
let headers: usize = 0;
let weights: usize = 0;

/** Layer l's loss (dB) in the current solve against `refs` (its best error), with what trimming costs. */
function layerLoss(job: EncodeJob, st: Pcrd, refs: usize, l: i32): f64 {
  let d = max(st.energy - layerF64(gains, l), 1e-300);
  let loss = 10 * Math.log10(d / load<f64>(refs + (<usize>l << 3)));
  // a layer over its budget loses what the exact layers trim: about 6 dB per halving
  let budget = layerF64(job.layerBytes, l);
  if (budget > 0 && layerF64(st.sizes, l) > budget) loss += 20 * Math.log10(layerF64(st.sizes, l) / budget);
  return loss;
}

/**
 * Estimated error of layer l alone with one set per block (what a single-layer encode of its
 * budget reaches): every block's best point over all its chains at one slope, the slope bisected
 * so that the modelled bytes plus the layer's header bytes of the last dry run fit its budget.
 */
function layerBest(job: EncodeJob, st: Pcrd, l: i32): f64 {
  let budget = layerF64(job.layerBytes, l);
  if (budget <= 0) {
    bestSlope = 0;
    return max(st.energy - layerF64(gains, l), 1e-300);
  }
  let room = budget - layerF64(headers, l);
  let lo: f64 = -60, hi: f64 = 60;
  let gain: f64 = 0;
  while (hi - lo > SLOPE_TOL) {
    let mid = 0.5 * (lo + hi);
    if (bestAt(Math.pow(2.0, mid)) <= room) hi = mid;
    else lo = mid;
  }
  bestSlope = Math.pow(2.0, hi);
  bestAt(bestSlope);
  gain = bestGain;
  return max(st.energy - gain, 1e-300);
}

let bestGain: f64 = 0;
/** The slope layerBest found. */
let bestSlope: f64 = 0;
/** Bytes of every block's best point (largest D - lambda R over its chains) at slope lambda; the decrease into bestGain. */
function bestAt(lambda: f64): f64 {
  let R: f64 = 0, G: f64 = 0;
  for (let b = 0; b < nBlocks; b++) {
    let c0 = load<i32>(chainStart + (<usize>b << 2));
    let nc = load<i32>(chainCount + (<usize>b << 2));
    let bv: f64 = 0, br: f64 = 0, bg: f64 = 0;
    for (let c = c0; c < c0 + nc; c++) {
      let ch = chains + <usize>c * CH_BYTES;
      let np = <i32>load<f64>(ch);
      let j = pointAt(ch, np, lambda);
      if (j < 0) continue;
      let q = ch + (<usize>(1 + 4 * j) << 3);
      let v = load<f64>(q, 16) - lambda * load<f64>(q, 8);
      if (v > bv) {
        bv = v;
        br = load<f64>(q, 8);
        bg = load<f64>(q, 16);
      }
    }
    R += br;
    G += bg;
  }
  bestGain = G;
  return R;
}

/** Each layer's estimated error at the end of the last solve (dKnown: there was one). */
let dPrev: usize = 0;
let dKnown = false;
/** Rounds of solve() at most; it stops earlier once every layer is settled. */
const SOLVE_ROUNDS: i32 = 40;
/** A round with a layer over SOLVE_OVER times its budget is not kept (exactLayers trims the rest). */
const SOLVE_OVER: f64 = 1.02;
/** Settled: every layer with a byte budget at 98-100 % of it (T2 dry run). */
const SETTLED_UNDER: f64 = 0.98;
/** Bisection of a layer slope stops at this width of the bracket (log2 lambda). */
const SLOPE_TOL: f64 = 1.0 / 128;

/**
 * The layer slopes with earlier-layer weight `omega`, all layers at once: each round chooses every
 * block's option at the current slopes, measures the layers (T2 dry run) and moves each layer's
 * log2 slope up when the layer is over its budget and down when under, by a step that grows by
 * 1.2 while the direction holds and halves when it turns (Rprop); the weights w_l = omega_l / D_l
 * follow the layers' errors (damped). A slope moved for one layer changes the options, and so the
 * bytes, of the others: bisecting the slopes layer after layer in two rounds (388f637) left the
 * model's first layer 1.6 (kodim03) to 2.5 (CT) times over its budget, the exact layers cut it,
 * and layer 1 stayed 4.5 dB (kodim03) and 15 dB (CT) under a single-layer encode whatever omega.
 * Stops when every layer is at SETTLED_UNDER..1 of its budget, or the steps are below SLOPE_TOL;
 * keeps the round with no layer over SOLVE_OVER and the least Σ omega_l log D_l. Leaves the
 * options, curves, rates, gains and header bytes of the result, and each layer's error in dPrev.
 */
function solve(job: EncodeJob, st: Pcrd, omega: f64): void {
  let L = job.layers;
  let sizes = st.sizes;
  // weights from the errors of the solve before (the first one: the last layer's only)
  memory.fill(weights, 0, <usize>L << 3);
  store<f64>(weights + (<usize>(L - 1) << 3), 1.0);
  if (dKnown) for (let l = 0; l < L; l++) store<f64>(weights + (<usize>l << 3), (l == L - 1 ? 1.0 : omega) / load<f64>(dPrev + (<usize>l << 3)));
  for (let l = 0; l < L; l++) {
    store<f64>(steps + (<usize>l << 3), dKnown ? 0.25 : 0.5);
    store<f64>(turns + (<usize>l << 3), 0);
  }
  let bestScore: f64 = Infinity;
  let leastOver: f64 = Infinity;
  for (let round = 0; round < SOLVE_ROUNDS; round++) {
    evaluate(L, true);
    writeLayerPasses(L);
    measureLayers(job, L - 1, sizes);
    let over = false;
    let worst: f64 = 0;
    let settled = true;
    let short: f64 = 0; // Σ omega_l log2 D_l: the objective in relative errors
    for (let l = 0; l < L; l++) {
      let budget = layerF64(job.layerBytes, l);
      if (budget <= 0) continue;
      let r = layerF64(sizes, l) / budget;
      if (r > SOLVE_OVER) over = true;
      worst = max(worst, r);
      // (under with every pass sent: as settled as it gets)
      if (r > 1 || (r < SETTLED_UNDER && load<f64>(lambdas + (<usize>l << 3)) > slopeMin)) settled = false;
      let d = max(st.energy - layerF64(gains, l), 1e-300);
      short += (l == L - 1 ? 1.0 : omega) * Math.log2(d);
    }
    if (worst < leastOver) {
      leastOver = worst;
      memory.copy(overLambdas, lambdas, <usize>L << 3);
      memory.copy(overWeights, weights, <usize>L << 3);
    }
    if (!over && short < bestScore) {
      bestScore = short;
      memory.copy(bestLambdas, lambdas, <usize>L << 3);
      memory.copy(bestWeights, weights, <usize>L << 3);
    }
    if (settled) break;
    // the weights for the next round, then the slopes
    for (let l = 0; l < L; l++) {
      let d = max(st.energy - layerF64(gains, l), 1e-300);
      store<f64>(dPrev + (<usize>l << 3), d);
      // (damped: the geometric mean of the old and the new weight; undamped, two sets of
      // options fed each other's weights on the CT and the rounds alternated between them)
      let pw = weights + (<usize>l << 3);
      let w = (l == L - 1 ? 1.0 : omega) / d;
      store<f64>(pw, round == 0 && !dKnown ? w : Math.sqrt(w * load<f64>(pw)));
    }
    dKnown = true;
    let moving = false;
    for (let l = 0; l < L; l++) {
      let budget = layerF64(job.layerBytes, l);
      let slot = lambdas + (<usize>l << 3);
      if (budget <= 0) {
        store<f64>(slot, 0);
        continue;
      }
      let sgn: f64 = layerF64(sizes, l) > budget ? 1 : -1;
      let ps = steps + (<usize>l << 3);
      let pt = turns + (<usize>l << 3);
      let prev = load<f64>(pt);
      let step = load<f64>(ps);
      if (prev == sgn) step = min(step * 1.2, 8.0);
      else if (prev != 0) step *= 0.5;
      store<f64>(ps, step);
      store<f64>(pt, sgn);
      // (within the hull slopes: beyond them nothing changes)
      let v = load<f64>(slot) * Math.pow(2.0, sgn * step);
      if (v <= slopeMin * 0.5 || v >= slopeMax * 2) {
        v = min(max(v, slopeMin * 0.5), slopeMax * 2);
        store<f64>(ps, 0.25);
        store<f64>(pt, 0);
      } else if (step >= SLOPE_TOL) moving = true;
      store<f64>(slot, v);
    }
    if (!moving) break; // (blocks flip back and forth between two rounds: the best one is kept)
  }
  // the best round without a layer over; if there is none (blocks flipping between two rounds),
  // the round least over, whose excess the exact layers trim (raising the slopes here flipped
  // other blocks and left layers half empty)
  let keep = bestScore < Infinity;
  memory.copy(lambdas, keep ? bestLambdas : overLambdas, <usize>L << 3);
  memory.copy(weights, keep ? bestWeights : overWeights, <usize>L << 3);
  evaluate(L, true);
  writeLayerPasses(L);
  measureLayers(job, L - 1, sizes);
  for (let l = 0; l < L; l++) {
    let d = max(st.energy - layerF64(gains, l), 1e-300);
    store<f64>(dPrev + (<usize>l << 3), d);
    store<f64>(headers + (<usize>l << 3), layerF64(sizes, l) - layerF64(rates, l));
  }
  dKnown = true;
}

/** Least and largest hull slope of any chain (buildChains). */
let slopeMin: f64 = 0;
let slopeMax: f64 = 0;

/** Rprop state of solve(): each layer's step (log2 slope) and last direction; the best round's slopes and weights. */
let steps: usize = 0;
let turns: usize = 0;
let bestLambdas: usize = 0;
let bestWeights: usize = 0;
let overLambdas: usize = 0;
let overWeights: usize = 0;

/**
 * Hull of block b's path under its option: E's points up to the one it sends in layer t - 1, then
 * F's points with E's bytes added (stream bytes); into CodeBlock.encHull*. Returns the points.
 */
function pathHull(b: i32, L: i32): i32 {
  let cb = changetype<CodeBlock>(load<usize>(blocks + (<usize>b << alignof<usize>())));
  let opt = options + (<usize>b * 3 << 2);
  let e = load<i32>(opt), f = load<i32>(opt, 4), t = load<i32>(opt, 8);
  let passes = arenaAlloc(8);
  let slopes = arenaAlloc(8 << 3);
  let dists = arenaAlloc(8 << 3);
  let rates = arenaAlloc(8 << 3);
  let m = 0;
  let eLast = -1;
  if (e >= 0) {
    let cur = curves + (<usize>b * <usize>L * CURVE_BYTES) + <usize>(t - 1) * CURVE_BYTES;
    let ch = chains + <usize>e * CH_BYTES;
    let np = <i32>load<f64>(ch);
    let kStop = <i32>load<f64>(cur);
    for (let i = 0; i < np; i++) {
      let p = ch + (<usize>(1 + 4 * i) << 3);
      if (<i32>load<f64>(p) > kStop) break;
      m = hullPush(passes, rates, dists, slopes, m, <i32>load<f64>(p), load<f64>(p, 8), load<f64>(p, 16));
      eLast = i;
    }
  }
  if (f >= 0) {
    let base: f64 = 0;
    if (eLast >= 0) base = load<f64>(chains + <usize>e * CH_BYTES + (<usize>(1 + 4 * eLast) << 3), 8);
    let ch = chains + <usize>f * CH_BYTES;
    let np = <i32>load<f64>(ch);
    for (let i = 0; i < np; i++) {
      let p = ch + (<usize>(1 + 4 * i) << 3);
      m = hullPush(passes, rates, dists, slopes, m, <i32>load<f64>(p), base + load<f64>(p, 8), load<f64>(p, 16));
    }
  }
  cb.encHullN = m;
  cb.encHullWeight = 0;
  cb.encHullPasses = passes;
  cb.encHullSlopes = slopes;
  cb.encHullDist = dists;
  return m;
}

/** Add point (k passes, R bytes, D decrease) to an upper convex hull of m points; returns the new m. */
function hullPush(passes: usize, rates: usize, dists: usize, slopes: usize, m: i32, k: i32, R: f64, D: f64): i32 {
  while (true) {
    let Rp: f64 = 0, Dp: f64 = 0, sp: f64 = Infinity;
    if (m > 0) {
      Rp = load<f64>(rates + (<usize>(m - 1) << 3));
      Dp = load<f64>(dists + (<usize>(m - 1) << 3));
      sp = load<f64>(slopes + (<usize>(m - 1) << 3));
    }
    let dR = R - Rp, dD = D - Dp;
    if (dD <= 0 || dR <= 0) return m; // no gain for its bytes: not a truncation point
    let slope = dD / dR;
    if (m > 0 && slope >= sp) {
      m--; // the previous point is under the segment
      continue;
    }
    store<u8>(passes + <usize>m, <u8>k);
    store<f64>(rates + (<usize>m << 3), R);
    store<f64>(dists + (<usize>m << 3), D);
    store<f64>(slopes + (<usize>m << 3), slope);
    return m + 1;
  }
}

/** Every block's HT sets as chains (the hull of origin, cleanup, + SigProp, + MagRef of one set). */
function buildChains(job: EncodeJob): void {
  let NL = job.cs.cod.levels;
  let mct = job.cs.gcod.mct;
  let n = 0;
  let nc = 0;
  let most = 1;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    n++;
    nc += (it.cb.encNumPasses + 2) / 3;
    most = max(most, (it.cb.encNumPasses + 2) / 3);
  }
  nBlocks = n;
  blocks = arenaAlloc(<usize>max(n, 1) << alignof<usize>());
  chainStart = arenaAlloc(<usize>max(n, 1) << 2);
  chainCount = arenaAlloc(<usize>max(n, 1) << 2);
  options = arenaAlloc(<usize>max(n, 1) * 3 << 2);
  curves = arenaAlloc(<usize>max(n, 1) * <usize>job.layers * CURVE_BYTES);
  chains = arenaAlloc(<usize>max(nc, 1) * CH_BYTES);
  pts = arenaAlloc(<usize>most * <usize>job.layers << 2);
  prefJ = arenaAlloc(<usize>most * <usize>(job.layers + 1) << 3);
  prefR = arenaAlloc(<usize>most * <usize>(job.layers + 1) << 3);
  sufJ = arenaAlloc(<usize>most * <usize>job.layers << 3);
  lamW = arenaAlloc(<usize>(job.layers + 1) << 3);
  let dAt = arenaAlloc(<usize>(3 * 32 + 2) << 3);
  slopeMin = Infinity;
  slopeMax = 0;
  let b = 0;
  let c = 0;
  let lastBand: usize = 0;
  let wgt: f64 = 0;
  it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    if (changetype<usize>(it.bd) != lastBand) {
      lastBand = changetype<usize>(it.bd);
      wgt = bandWeight(it, NL, mct);
    }
    let cb = it.cb;
    store<usize>(blocks + (<usize>b << alignof<usize>()), changetype<usize>(cb));
    store<i32>(chainStart + (<usize>b << 2), c);
    let np = cb.encNumPasses;
    // cumulative weighted distortion decrease after k passes (as rate/hull.ts)
    let cumD: f64 = 0;
    store<f64>(dAt, 0);
    for (let k = 1; k <= np; k++) {
      cumD += passRecord(cb.encPasses, k - 1).distDecrease * wgt;
      store<f64>(dAt + (<usize>k << 3), cumD);
    }
    if (np > 0 && it.tc.style.reversible != 0 && np == maxPasses(cb.encNumBps)) {
      store<f64>(dAt + (<usize>np << 3), max(cumD, cb.encDist0 * wgt));
    }
    let sets = (np + 2) / 3;
    let made = 0;
    for (let s = 0; s < sets; s++) {
      if (load<u32>(cb.encData + (<usize>s << 2)) == 0xffffffff) continue; // set not coded
      let ch = chains + <usize>c * CH_BYTES;
      let m = 0; // hull points so far
      let kEnd = min(3 * s + 3, np);
      for (let k = 3 * s + 1; k <= kEnd; k++) {
        let Rk = <f64>passesRate(cb.encPasses, k);
        let Dk = load<f64>(dAt + (<usize>k << 3));
        if (Rk <= 0) continue;
        while (true) {
          let Rp: f64 = 0, Dp: f64 = 0, sp: f64 = Infinity;
          if (m > 0) {
            let q = ch + (<usize>(1 + 4 * (m - 1)) << 3);
            Rp = load<f64>(q, 8);
            Dp = load<f64>(q, 16);
            sp = load<f64>(q, 24);
          }
          let dR = Rk - Rp, dD = Dk - Dp;
          if (dD <= 0 || dR <= 0) break; // no gain (or no bytes: cannot happen within a set)
          let slope = dD / dR;
          if (m > 0 && slope >= sp) {
            m--;
            continue;
          }
          let q = ch + (<usize>(1 + 4 * m) << 3);
          store<f64>(q, <f64>k);
          store<f64>(q, Rk, 8);
          store<f64>(q, Dk, 16);
          store<f64>(q, slope, 24);
          m++;
          break;
        }
      }
      if (m == 0) continue;
      store<f64>(ch, <f64>m);
      slopeMax = max(slopeMax, load<f64>(ch + 8, 24));
      slopeMin = min(slopeMin, load<f64>(ch + (<usize>(1 + 4 * (m - 1)) << 3), 24));
      c++;
      made++;
    }
    store<i32>(chainCount + (<usize>b << 2), made);
    b++;
  }
}

/**
 * At the current slopes (0: every pass): the option of every block (when `choose`; else the
 * current one) and its curve. Model totals per layer: body bytes into `rates`, weighted
 * distortion decrease into `gains`.
 */
function evaluate(L: i32, choose: bool): void {
  memory.fill(rates, 0, <usize>L << 3);
  memory.fill(gains, 0, <usize>L << 3);
  for (let b = 0; b < nBlocks; b++) {
    let c0 = load<i32>(chainStart + (<usize>b << 2));
    let nc = load<i32>(chainCount + (<usize>b << 2));
    // each chain's point at each layer's slope
    for (let c = 0; c < nc; c++) {
      let ch = chains + <usize>(c0 + c) * CH_BYTES;
      let np = <i32>load<f64>(ch);
      for (let l = 0; l < L; l++) store<i32>(pts + (<usize>(c * L + l) << 2), pointAt(ch, np, load<f64>(lambdas + (<usize>l << 3))));
    }
    if (choose) chooseOption(b, c0, nc, L);
    let opt = options + (<usize>b * 3 << 2);
    optionCurve(load<i32>(opt), load<i32>(opt, 4), load<i32>(opt, 8), c0, L, b);
    let cur = curves + (<usize>b * <usize>L * CURVE_BYTES);
    for (let l = 0; l < L; l++) {
      let q = cur + <usize>l * CURVE_BYTES;
      let pr = rates + (<usize>l << 3);
      store<f64>(pr, load<f64>(pr) + load<f64>(q, 8));
      let pg = gains + (<usize>l << 3);
      store<f64>(pg, load<f64>(pg) + load<f64>(q, 16));
    }
  }
}

/**
 * The block's option of least J (file header): nothing; one set F; or a set E in layers 0 .. t-1,
 * then a finer set F from layer t on (E's bytes stay in the stream). J of an option splits into
 * E's part over layers 0 .. t-1 (a prefix sum per chain), F's part over layers t .. L-1 (a suffix
 * sum per chain and t) and E's bytes carried by F's layers (E's bytes at layer t - 1 times
 * Σ_{l >= t} w_l lambda_l), so each is computed once per chain instead of once per option.
 */
function chooseOption(b: i32, c0: i32, nc: i32, L: i32): void {
  let L1 = <usize>(L + 1);
  // suffix of w_l lambda_l
  store<f64>(lamW + (<usize>L << 3), 0);
  for (let l = L - 1; l >= 0; l--) {
    let x = load<f64>(weights + (<usize>l << 3)) * load<f64>(lambdas + (<usize>l << 3));
    store<f64>(lamW + (<usize>l << 3), load<f64>(lamW + (<usize>(l + 1) << 3)) + x);
  }
  for (let c = 0; c < nc; c++) {
    let ch = chains + <usize>(c0 + c) * CH_BYTES;
    let pc = pts + (<usize>(c * L) << 2);
    // E's part: layers 0 .. t-1 at the chain's points (never fewer passes than the layer before),
    // and the bytes sent by the end of layer t - 1 (-1: nothing sent)
    let i = -1;
    let acc: f64 = 0;
    let pre = prefJ + <usize>c * L1 * 8;
    let preR = prefR + <usize>c * L1 * 8;
    store<f64>(pre, 0);
    store<f64>(preR, -1);
    for (let l = 0; l < L; l++) {
      i = max(load<i32>(pc + (<usize>l << 2)), i);
      if (i >= 0) {
        let q = ch + (<usize>(1 + 4 * i) << 3);
        acc += load<f64>(weights + (<usize>l << 3)) * (load<f64>(lambdas + (<usize>l << 3)) * load<f64>(q, 8) - load<f64>(q, 16));
        store<f64>(preR + (<usize>(l + 1) << 3), load<f64>(q, 8));
      } else store<f64>(preR + (<usize>(l + 1) << 3), -1);
      store<f64>(pre + (<usize>(l + 1) << 3), acc);
    }
    // F's part from layer t (t = 0: from nothing; t >= 1: at least its cleanup from layer t on)
    let suf = sufJ + <usize>c * <usize>L * 8;
    for (let t = 0; t < L; t++) {
      let j0 = t == 0 ? -1 : 0;
      let sum: f64 = 0;
      for (let l = t; l < L; l++) {
        j0 = max(load<i32>(pc + (<usize>l << 2)), j0);
        if (j0 < 0) continue;
        let q = ch + (<usize>(1 + 4 * j0) << 3);
        sum += load<f64>(weights + (<usize>l << 3)) * (load<f64>(lambdas + (<usize>l << 3)) * load<f64>(q, 8) - load<f64>(q, 16));
      }
      store<f64>(suf + (<usize>t << 3), sum);
    }
  }
  let bestE = -1, bestF = -1, bestT = 0;
  let bestJ: f64 = 0; // nothing sent: J = 0
  for (let f = 0; f < nc; f++) {
    let J = load<f64>(sufJ + <usize>f * <usize>L * 8);
    if (J < bestJ) {
      bestJ = J;
      bestF = c0 + f;
    }
  }
  // (chains are in set order: a lower index is a coarser set)
  for (let e = 0; e < nc; e++) {
    let pre = prefJ + <usize>e * L1 * 8;
    let preR = prefR + <usize>e * L1 * 8;
    for (let f = e + 1; f < nc; f++) {
      let suf = sufJ + <usize>f * <usize>L * 8;
      for (let t = 1; t < L; t++) {
        let base = load<f64>(preR + (<usize>t << 3));
        if (base < 0) continue; // E sends nothing: not this option
        let J = load<f64>(pre + (<usize>t << 3)) + load<f64>(suf + (<usize>t << 3)) + base * load<f64>(lamW + (<usize>t << 3));
        if (J < bestJ) {
          bestJ = J;
          bestE = c0 + e;
          bestF = c0 + f;
          bestT = t;
        }
      }
    }
  }
  let opt = options + (<usize>b * 3 << 2);
  store<i32>(opt, bestE);
  store<i32>(opt, bestF, 4);
  store<i32>(opt, bestT, 8);
}

/** Block b's curve under option (e, f, t) (absolute chain indices): per layer passes, stream bytes, decrease. */
function optionCurve(e: i32, f: i32, t: i32, c0: i32, L: i32, b: i32): void {
  let cur = curves + (<usize>b * <usize>L * CURVE_BYTES);
  memory.fill(cur, 0, <usize>L * CURVE_BYTES);
  if (f < 0) return;
  let i = -1;
  let base: f64 = 0;
  if (e >= 0) {
    let ch = chains + <usize>e * CH_BYTES;
    for (let l = 0; l < t; l++) {
      let j = max(load<i32>(pts + (<usize>((e - c0) * L + l) << 2)), i);
      i = j;
      if (j < 0) continue;
      let p = ch + (<usize>(1 + 4 * j) << 3);
      let q = cur + <usize>l * CURVE_BYTES;
      store<f64>(q, load<f64>(p));
      store<f64>(q, load<f64>(p, 8), 8);
      store<f64>(q, load<f64>(p, 16), 16);
    }
    base = i < 0 ? 0 : load<f64>(ch + (<usize>(1 + 4 * i) << 3), 8);
    i = forceSwitch ? 0 : -1;
  }
  let ch = chains + <usize>f * CH_BYTES;
  for (let l = t; l < L; l++) {
    let j = max(load<i32>(pts + (<usize>((f - c0) * L + l) << 2)), i);
    if (j < 0 && e >= 0 && l > 0) {
      // (exact layers: F not reached yet, the block stays at E's last point)
      let p = cur + <usize>(l - 1) * CURVE_BYTES;
      memory.copy(cur + <usize>l * CURVE_BYTES, p, CURVE_BYTES);
      continue;
    }
    i = j;
    if (j < 0) continue;
    let p = ch + (<usize>(1 + 4 * j) << 3);
    let q = cur + <usize>l * CURVE_BYTES;
    store<f64>(q, load<f64>(p));
    store<f64>(q, base + load<f64>(p, 8), 8);
    store<f64>(q, load<f64>(p, 16), 16);
  }
}

/** Index of the last hull point of a chain with slope >= lambda (-1: none; lambda 0: the last). */
// @ts-ignore: decorator
@inline
function pointAt(ch: usize, np: i32, lambda: f64): i32 {
  let j = -1;
  for (let i = 0; i < np; i++) {
    if (load<f64>(ch + (<usize>(1 + 4 * i) << 3), 24) < lambda) break;
    j = i;
  }
  return j;
}

/** CodeBlock.encLayerPasses from the current curves (for a T2 dry run). */
function writeLayerPasses(L: i32): void {
  for (let b = 0; b < nBlocks; b++) {
    let cb = changetype<CodeBlock>(load<usize>(blocks + (<usize>b << alignof<usize>())));
    let cur = curves + (<usize>b * <usize>L * CURVE_BYTES);
    for (let l = 0; l < L; l++) store<i32>(cb.encLayerPasses + (<usize>l << 2), <i32>load<f64>(cur + <usize>l * CURVE_BYTES));
  }
}
