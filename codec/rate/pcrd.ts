// Rate control by post-compression rate-distortion optimisation (PCRD-opt; ISO/IEC 15444-1 Annex J.14
// describes the idea): every code-block's coding passes are candidate truncation points; the ones on
// the convex hull of (bytes, distortion decrease) are kept with their slopes, and each quality layer
// is formed by one slope threshold lambda: a block contributes every hull point whose slope is >= lambda.
//   - byte targets: lambda is searched so that the codestream up to the layer (all headers included,
//     measured exactly by a dry run of T2) is at most the budget, as close to it as the hull allows;
//   - distortion targets: lambda is searched so that the estimated squared error reaches the target.
// Distortions are weighted to the image domain: (Delta_b * ||synthesis basis_b||)^2 per squared
// quantisation step, times the weight of the component in the inverse colour transform.

import { EncodeJob, jobTile, measureLayers } from "../encoder";
import { CodeBlock } from "../structure/tile";
import { cblkIterNew, cblkIterNext } from "../structure/cblk_iter";
import { passRecord, passesRate } from "../t1/pass_record";
import { dwtSynthesisNorm } from "../transform/dwt_norms";
import { arenaAlloc } from "../util/arena";

/** Squared gains of the inverse colour transforms (G.2, G.3) per component: sum over R,G,B of (dX/dc)^2. */
function componentWeight(c: i32, mct: i32, reversible: i32): f64 {
  if (mct == 0 || c > 2) return 1.0;
  if (c == 0) return 3.0;
  if (reversible != 0) return 11.0 / 16.0; // RCT: dR,dG,dB/dCb = -1/4, -1/4, 3/4 (and likewise Cr)
  // ICT inverse: R = Y + 1.402 Cr; G = Y - 0.34413 Cb - 0.71414 Cr; B = Y + 1.772 Cb
  return c == 1 ? 0.34413 * 0.34413 + 1.772 * 1.772 : 1.402 * 1.402 + 0.71414 * 0.71414;
}

/** Build the convex hull of every code-block; stores the smallest and largest slopes at `minMax`. */
function buildHulls(job: EncodeJob, minMax: usize): void {
  let cs = job.cs;
  let NL = cs.cod.levels;
  let mct = cs.gcod.mct;
  let lo = Infinity, hi: f64 = 0;
  let it = cblkIterNew(job.tiles, cs.siz.numTiles);
  let lastBand: usize = 0;
  let wgt: f64 = 0;
  while (cblkIterNext(it)) {
    if (changetype<usize>(it.bd) != lastBand) {
      lastBand = changetype<usize>(it.bd);
      let rev = it.tc.style.reversible;
      let lev = it.r == 0 ? NL : NL - it.r + 1;
      let norm = dwtSynthesisNorm(rev, lev, it.bd.orient);
      wgt = <f64>it.bd.step * <f64>it.bd.step * norm * norm * componentWeight(it.c, mct, rev);
    }
    let cb = it.cb;
    hullOf(cb, wgt);
    if (cb.encHullN > 0) {
      let s0 = load<f64>(cb.encHullSlopes);
      let s1 = load<f64>(cb.encHullSlopes + (<usize>(cb.encHullN - 1) << 3));
      if (s0 > hi) hi = s0;
      if (s1 < lo) lo = s1;
    }
  }
  store<f64>(minMax, lo);
  store<f64>(minMax, hi, 8);
}

/**
 * Upper convex hull of the points (R_k, D_k), k = 0..n (R_0 = D_0 = 0): kept points have strictly
 * decreasing slopes dD/dR. Passes that add bytes but no distortion decrease are never kept.
 */
function hullOf(cb: CodeBlock, wgt: f64): void {
  let n = cb.encNumPasses;
  cb.encHullN = 0;
  if (n == 0) return;
  let passes = arenaAlloc(<usize>n);
  let slopes = arenaAlloc(<usize>n << 3);
  let dists = arenaAlloc(<usize>n << 3);
  // stack of hull points as pass counts; rates/distortions recomputed from the records
  let m = 0;
  let cumD: f64 = 0;
  let dAt = arenaAlloc(<usize>(n + 1) << 3); // cumulative distortion decrease after k passes
  store<f64>(dAt, 0);
  for (let k = 1; k <= n; k++) {
    cumD += passRecord(cb.encPasses, k - 1).distDecrease * wgt;
    store<f64>(dAt + (<usize>k << 3), cumD);
  }
  for (let k = 1; k <= n; k++) {
    let Rk = <f64>passesRate(cb.encPasses, k);
    let Dk = load<f64>(dAt + (<usize>k << 3));
    while (true) {
      let pk = m == 0 ? 0 : <i32>load<u8>(passes + <usize>(m - 1));
      let Rp = <f64>passesRate(cb.encPasses, pk);
      let Dp = load<f64>(dAt + (<usize>pk << 3));
      let dR = Rk - Rp, dD = Dk - Dp;
      if (dD <= 0) break; // no gain: not a candidate (the point is dropped)
      let slope = dR <= 0 ? Infinity : dD / dR;
      if (m > 0 && slope >= load<f64>(slopes + (<usize>(m - 1) << 3))) {
        m--; // the previous point is under the segment: not convex
        continue;
      }
      store<u8>(passes + <usize>m, <u8>k);
      store<f64>(slopes + (<usize>m << 3), slope);
      store<f64>(dists + (<usize>m << 3), Dk);
      m++;
      break;
    }
  }
  cb.encHullN = m;
  cb.encHullPasses = passes;
  cb.encHullSlopes = slopes;
  cb.encHullDist = dists;
}

/** Passes of the last hull point with slope >= lambda (0 if none). */
// @ts-ignore: decorator
@inline
function truncation(cb: CodeBlock, lambda: f64): i32 {
  let n = 0;
  for (let i = 0; i < cb.encHullN; i++) {
    if (load<f64>(cb.encHullSlopes + (<usize>i << 3)) < lambda) break;
    n = <i32>load<u8>(cb.encHullPasses + <usize>i);
  }
  return n;
}

/**
 * Set layer `l` (and, provisionally, every later layer) of every block to its truncation at `lambda`
 * (never fewer passes than layer l-1). lambda = 0 takes every pass. Returns the estimated distortion
 * decrease of the included passes (weighted), for distortion targets.
 */
function assign(job: EncodeJob, l: i32, lambda: f64): f64 {
  let L = job.layers;
  let gain: f64 = 0;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    let n = lambda <= 0 ? cb.encNumPasses : truncation(cb, lambda);
    let prev = l > 0 ? load<i32>(cb.encLayerPasses + (<usize>(l - 1) << 2)) : 0;
    if (n < prev) n = prev;
    for (let j = l; j < L; j++) store<i32>(cb.encLayerPasses + (<usize>j << 2), n);
    gain += distortionGain(cb, n);
  }
  return gain;
}

/** Weighted distortion decrease of the first `passes` passes (at the last hull point within them). */
function distortionGain(cb: CodeBlock, passes: i32): f64 {
  let g: f64 = 0;
  for (let i = 0; i < cb.encHullN; i++) {
    if (<i32>load<u8>(cb.encHullPasses + <usize>i) > passes) break;
    g = load<f64>(cb.encHullDist + (<usize>i << 3));
  }
  return g;
}

/** Total weighted distortion decrease available (all hull points). */
function totalGain(job: EncodeJob): f64 {
  return assign(job, 0, 0);
}

/**
 * Fill CodeBlock.encLayerPasses (cumulative passes per layer) for every block of every tile.
 * Layers without a target take everything (lossless last layer, or a fixed quantisation).
 */
export function allocateLayers(job: EncodeJob): void {
  let L = job.layers;
  let anyTarget = false;
  for (let l = 0; l < L; l++) {
    if (load<f64>(job.layerBytes + (<usize>l << 3)) > 0 || load<f64>(job.layerDist + (<usize>l << 3)) > 0) anyTarget = true;
  }
  if (!anyTarget) {
    assign(job, 0, 0);
    return;
  }
  let mm = arenaAlloc(16);
  buildHulls(job, mm);
  // Truncations only change when lambda crosses a hull slope: search the sorted slopes.
  let n = countHullPoints(job);
  let slopes = arenaAlloc(<usize>max(n, 1) << 3);
  collectSlopes(job, slopes);
  sortF64Desc(slopes, n);
  let gainAll = totalGain(job);
  let sizes = arenaAlloc(<usize>L << 3);
  let kPrev = -1; // index of the previous layer's threshold (later layers only go further down)
  for (let l = 0; l < L; l++) {
    let budget = load<f64>(job.layerBytes + (<usize>l << 3));
    let dist = load<f64>(job.layerDist + (<usize>l << 3));
    if (budget <= 0 && dist <= 0) {
      assign(job, l, 0);
      kPrev = n - 1;
      continue;
    }
    let k: i32;
    if (budget > 0) {
      // largest k (smallest lambda = slopes[k]) whose codestream fits the budget; kPrev (the
      // previous layer's set) is where the search starts
      let lo = kPrev, hi = n - 1;
      while (lo < hi) {
        let mid = (lo + hi + 1) >> 1;
        assign(job, l, load<f64>(slopes + (<usize>mid << 3)));
        if (measureLayers(job, l, sizes) <= budget) lo = mid;
        else hi = mid - 1;
      }
      k = lo;
    } else {
      // smallest k whose remaining error (all gains - included gains) reaches the target
      let lo = max(kPrev, 0), hi = n - 1;
      while (lo < hi) {
        let mid = (lo + hi) >> 1;
        if (gainAll - assign(job, l, load<f64>(slopes + (<usize>mid << 3))) <= dist) hi = mid;
        else lo = mid + 1;
      }
      k = n > 0 ? lo : -1;
    }
    assign(job, l, k < 0 ? Infinity : load<f64>(slopes + (<usize>k << 3)));
    kPrev = max(kPrev, k);
    // (if the headers alone exceed the budget the layer stays empty; the host reports it)
    if (budget > 0) fillToBudget(job, l, budget, sizes);
  }
}

/** Number of hull points over all blocks. */
function countHullPoints(job: EncodeJob): i32 {
  let n = 0;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) n += it.cb.encHullN;
  return n;
}

function collectSlopes(job: EncodeJob, out: usize): void {
  let m = 0;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    for (let h = 0; h < cb.encHullN; h++) {
      store<f64>(out + (<usize>m << 3), load<f64>(cb.encHullSlopes + (<usize>h << 3)));
      m++;
    }
  }
}

/** Heap sort of n f64 values, largest first. */
function sortF64Desc(p: usize, n: i32): void {
  // build a min-heap, then move the minimum to the end repeatedly
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(p, i, n);
  for (let end = n - 1; end > 0; end--) {
    let a = load<f64>(p), b = load<f64>(p + (<usize>end << 3));
    store<f64>(p, b);
    store<f64>(p + (<usize>end << 3), a);
    siftDown(p, 0, end);
  }
}

function siftDown(p: usize, i: i32, n: i32): void {
  while (true) {
    let l = 2 * i + 1;
    if (l >= n) return;
    let r = l + 1;
    let m = r < n && load<f64>(p + (<usize>r << 3)) < load<f64>(p + (<usize>l << 3)) ? r : l;
    let vi = load<f64>(p + (<usize>i << 3)), vm = load<f64>(p + (<usize>m << 3));
    if (!(vm < vi)) return;
    store<f64>(p + (<usize>i << 3), vm);
    store<f64>(p + (<usize>m << 3), vi);
    i = m;
  }
}

/**
 * Does the last layer hold every useful pass of every block (all of them, or with rate control
 * everything up to the last point of the block's hull — later passes lower no distortion)?
 */
export function allPassesIncluded(job: EncodeJob): bool {
  let last = job.layers - 1;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    let useful = cb.encNumPasses; // no hulls: no rate control, every pass counts
    if (cb.encHullPasses != 0) useful = cb.encHullN > 0 ? <i32>load<u8>(cb.encHullPasses + <usize>(cb.encHullN - 1)) : 0;
    if (load<i32>(cb.encLayerPasses + (<usize>last << 2)) < useful) return false;
  }
  return true;
}

/** Count code-blocks of the whole image. */
function countBlocks(job: EncodeJob): i32 {
  let n = 0;
  let T = job.cs.siz.numTiles;
  for (let t = 0; t < T; t++) n += <i32>jobTile(job, t).numCblks;
  return n;
}

/**
 * After the threshold search, the layer is one hull step short of the budget somewhere. Offer every
 * block's next hull point (highest slope first) and keep the longest prefix of them that still fits,
 * found by bisection on exact measurements.
 */
function fillToBudget(job: EncodeJob, l: i32, budget: f64, sizes: usize): void {
  let nb = countBlocks(job);
  if (nb == 0) return;
  let blocks = arenaAlloc(<usize>nb * sizeof<usize>());
  let nexts = arenaAlloc(<usize>nb * 4);
  let slopes = arenaAlloc(<usize>nb << 3);
  let order = arenaAlloc(<usize>nb * 4);
  let m = 0;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    let cur = load<i32>(cb.encLayerPasses + (<usize>l << 2));
    for (let h = 0; h < cb.encHullN; h++) {
      let hp = <i32>load<u8>(cb.encHullPasses + <usize>h);
      if (hp > cur) {
        store<usize>(blocks + (<usize>m << alignof<usize>()), changetype<usize>(cb));
        store<i32>(nexts + (<usize>m << 2), hp);
        store<f64>(slopes + (<usize>m << 3), load<f64>(cb.encHullSlopes + (<usize>h << 3)));
        store<i32>(order + (<usize>m << 2), m);
        m++;
        break;
      }
    }
  }
  if (m == 0) return;
  sortBySlopeDesc(order, slopes, m);
  // Greedy by slope with an estimated cost (body bytes + 2 for the header); candidates that do not
  // fit the slack are skipped, smaller ones later may fit. The chosen ones move to the front.
  let slack = budget - measureLayers(job, l, sizes);
  let chosen = 0;
  for (let i = 0; i < m; i++) {
    let idx = load<i32>(order + (<usize>i << 2));
    let cb = changetype<CodeBlock>(load<usize>(blocks + (<usize>idx << alignof<usize>())));
    let cur = load<i32>(cb.encLayerPasses + (<usize>l << 2));
    let cost = <f64>(passBytes(cb, load<i32>(nexts + (<usize>idx << 2))) - passBytes(cb, cur)) + 2;
    if (cost <= slack) {
      slack -= cost;
      // move to position `chosen`, keeping slope order among the chosen
      for (let j = i; j > chosen; j--) store<i32>(order + (<usize>j << 2), load<i32>(order + (<usize>(j - 1) << 2)));
      store<i32>(order + (<usize>chosen << 2), idx);
      chosen++;
    }
  }
  m = chosen;
  if (m == 0) return;
  let L = job.layers;
  let saved = arenaAlloc(<usize>m * 4);
  for (let i = 0; i < m; i++) {
    let cb = changetype<CodeBlock>(load<usize>(blocks + (<usize>load<i32>(order + (<usize>i << 2)) << alignof<usize>())));
    store<i32>(saved + (<usize>i << 2), load<i32>(cb.encLayerPasses + (<usize>l << 2)));
  }
  // apply(k): the first k candidates take their next hull point
  let lo = 0, hi = m; // lo fits (nothing added); find the largest k that fits
  while (lo < hi) {
    let k = (lo + hi + 1) >> 1;
    applyCandidates(blocks, nexts, order, saved, m, k, l, L);
    if (measureLayers(job, l, sizes) <= budget) lo = k;
    else hi = k - 1;
  }
  applyCandidates(blocks, nexts, order, saved, m, lo, l, L);
}

/** Codeword bytes of the first `passes` passes. */
// @ts-ignore: decorator
@inline
function passBytes(cb: CodeBlock, passes: i32): i32 {
  return <i32>passesRate(cb.encPasses, passes);
}

function applyCandidates(blocks: usize, nexts: usize, order: usize, saved: usize, m: i32, k: i32, l: i32, L: i32): void {
  for (let i = 0; i < m; i++) {
    let idx = load<i32>(order + (<usize>i << 2));
    let cb = changetype<CodeBlock>(load<usize>(blocks + (<usize>idx << alignof<usize>())));
    let v = i < k ? load<i32>(nexts + (<usize>idx << 2)) : load<i32>(saved + (<usize>i << 2));
    for (let j = l; j < L; j++) store<i32>(cb.encLayerPasses + (<usize>j << 2), v);
  }
}

/** Shell sort of `order` (indices) by slopes[index], highest first. */
function sortBySlopeDesc(order: usize, slopes: usize, n: i32): void {
  let gap = 1;
  while (gap < n / 3) gap = gap * 3 + 1;
  while (gap >= 1) {
    for (let i = gap; i < n; i++) {
      let v = load<i32>(order + (<usize>i << 2));
      let sv = load<f64>(slopes + (<usize>v << 3));
      let j = i;
      while (j >= gap) {
        let u = load<i32>(order + (<usize>(j - gap) << 2));
        if (load<f64>(slopes + (<usize>u << 3)) >= sv) break;
        store<i32>(order + (<usize>j << 2), u);
        j -= gap;
      }
      store<i32>(order + (<usize>j << 2), v);
    }
    gap = (gap - 1) / 3;
  }
}
