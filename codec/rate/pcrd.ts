// Layer formation by post-compression rate-distortion optimisation (PCRD-opt; ISO/IEC 15444-1
// Annex J.14 describes the idea). Every block's candidate truncation points (rate/candidates.ts)
// are reduced to their convex hull (rate/hull.ts); each quality layer is one slope threshold
// lambda: a block contributes every hull point whose slope is >= lambda.
//   - byte targets: lambda is searched so that the codestream up to the layer (all headers
//     included, measured exactly by a T2 dry run, rate/measure.ts) is at most the budget, then
//     the slack is filled with single hull steps;
//   - squared-error targets: lambda is searched so that the estimated squared error in the image
//     (rate/weights.ts) is at most the target.
// Works for any block coder: only CodeBlock.enc* fields and PassRecords are read.

import { EncodeJob, layerF64 } from "../encode_job";
import { CodeBlock } from "../structure/tile";
import { cblkIterNew, cblkIterNext } from "../structure/cblk_iter";
import { hullBuild, hullTruncation, hullGain, hullLastPasses, blockBytes } from "./hull";
import { bandWeight } from "./weights";
import { maxPasses, CBLK_HT } from "../t1/segments";
import { measureLayers, measureKeep, measureForget, measureFlat, measureAssignChanged } from "./measure";
import { arenaAlloc, arenaAllocZeroed } from "../util/arena";
import { fail } from "../util/fail";
import { ERR_INTERNAL } from "../util/error_codes";

/** What the threshold searches share: sorted hull slopes and the weighted error totals. */
@unmanaged
export class Pcrd {
  /**
   * f64[n]: every hull slope of every block, largest first — in buckets (see pcrdBuckets): the
   * buckets are in that order, and a bucket's slopes only once pcrdSlope or pcrdBody read it.
   */
  slopes: usize;
  n: i32;
  /** Σ over blocks of weight · encDist0: the image's squared error with nothing coded. */
  energy: f64;
  /** f64[layers] scratch for measureLayers. */
  sizes: usize;
  /**
   * f64[n]: codeword bytes of every block truncated at slopes[k] (Σ of the hull steps of slope >=
   * slopes[k]), the body bytes a threshold search reads its next trial from (pcrdAllocate).
   */
  bodies: usize;
  /** Buckets of slopes and bodies (pcrdBuckets): count, i32[count + 1] first index, f64[count + 1] bodies before, u8[count] sorted. */
  bkN: i32;
  bkStart: usize;
  bkSum: usize;
  bkDone: usize;
  /** usize[nb]: every code-block, in cblkIter order (the walks of the threshold searches). */
  blocks: usize;
  nb: i32;
  /**
   * Every block's hull points back to back in block order (the threshold searches' reads, in one
   * place instead of each block's arrays): i32[nb + 1] first point of block b; per point f64 slope,
   * i32 passes, i32 codeword bytes, f64 weighted distortion decrease (CodeBlock.encHull*).
   */
  hStart: usize;
  hSlope: usize;
  hPass: usize;
  hBytes: usize;
  hDist: usize;
  /**
   * i32[2] per block (cblkIter order): the passes of the layer being formed and their codeword
   * bytes, as assignBlocks and the budget fill set them (measure.ts's flat trials read it).
   */
  assign: usize;
  /** i32[2] per block: `assign` of the layer before the one being formed (zeros for layer 0). */
  prev: usize;
  /** i32 per block: the end of its hull points at the last assignFlat's threshold (where the next one starts looking). */
  hAt: usize;
}

/** Build every block's hull (weighted to the image domain) and the sorted slope list. */
export function pcrdPrepare(job: EncodeJob): Pcrd {
  let st = changetype<Pcrd>(arenaAlloc(offsetof<Pcrd>()));
  let NL = job.cs.cod.levels;
  let mct = job.cs.gcod.mct;
  let energy: f64 = 0;
  let count = 0;
  let nb = 0;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  let lastBand: usize = 0;
  let wgt: f64 = 0;
  while (cblkIterNext(it)) {
    if (changetype<usize>(it.bd) != lastBand) {
      lastBand = changetype<usize>(it.bd);
      wgt = bandWeight(it, NL, mct);
    }
    let cb = it.cb;
    // (the encoder builds the hulls of Part 1 blocks as it installs them, with the same weight:
    // encoder.ts installBlock; the others here) reversible blocks coded down to bit-plane 0 decode
    // exactly
    if (!(wgt > 0 && cb.encHullWeight == wgt)) hullBuild(cb, wgt, it.tc.style.reversible != 0 && cb.encNumPasses == maxPasses(cb.encNumBps));
    energy += cb.encDist0 * wgt;
    count += cb.encHullN;
    nb++;
  }
  st.energy = energy;
  st.n = count;
  st.slopes = arenaAlloc(<usize>max(count, 1) << 3);
  st.bodies = arenaAlloc(<usize>max(count, 1) << 3);
  let m = 0;
  st.nb = nb;
  st.blocks = arenaAlloc(<usize>max(nb, 1) * sizeof<usize>());
  st.hStart = arenaAlloc(<usize>(nb + 1) << 2);
  let np = <usize>max(count, 1);
  st.hSlope = arenaAlloc(np << 3);
  st.hPass = arenaAlloc(np << 2);
  st.hBytes = arenaAlloc(np << 2);
  st.hDist = arenaAlloc(np << 3);
  st.assign = arenaAllocZeroed(<usize>max(nb, 1) << 3);
  st.prev = arenaAllocZeroed(<usize>max(nb, 1) << 3);
  nb = 0;
  it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    store<usize>(st.blocks + (<usize>nb << alignof<usize>()), changetype<usize>(cb));
    store<i32>(st.hStart + (<usize>nb << 2), m);
    nb++;
    let prev = 0;
    for (let h = 0; h < cb.encHullN; h++) {
      let hp = <i32>load<u8>(cb.encHullPasses + <usize>h);
      let slope = load<f64>(cb.encHullSlopes + (<usize>h << 3));
      let bytes = blockBytes(cb, hp);
      store<f64>(st.slopes + (<usize>m << 3), slope);
      store<f64>(st.bodies + (<usize>m << 3), <f64>(bytes - prev));
      store<f64>(st.hSlope + (<usize>m << 3), slope);
      store<i32>(st.hPass + (<usize>m << 2), hp);
      store<i32>(st.hBytes + (<usize>m << 2), bytes);
      store<f64>(st.hDist + (<usize>m << 3), load<f64>(cb.encHullDist + (<usize>h << 3)));
      prev = bytes;
      m++;
    }
  }
  store<i32>(st.hStart + (<usize>nb << 2), m);
  st.hAt = arenaAlloc(<usize>max(nb, 1) << 2);
  memory.copy(st.hAt, st.hStart, <usize>nb << 2);
  pcrdBuckets(st);
  st.sizes = arenaAlloc(<usize>job.layers << 3);
  return st;
}

/**
 * Set layer `l` (and, provisionally, every later layer) of every block to its truncation at `lambda`
 * (never fewer passes than layer l-1). lambda = 0 takes every pass. Returns the weighted
 * distortion decrease of the included passes.
 */
export function pcrdAssign(job: EncodeJob, l: i32, lambda: f64): f64 {
  measureAssignChanged();
  let L = job.layers;
  let gain: f64 = 0;
  let bytes: f64 = 0;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    let n = lambda <= 0 ? cb.encNumPasses : hullTruncation(cb, lambda);
    let prev = l > 0 ? load<i32>(cb.encLayerPasses + (<usize>(l - 1) << 2)) : 0;
    if (n < prev) n = prev;
    for (let j = l; j < L; j++) store<i32>(cb.encLayerPasses + (<usize>j << 2), n);
    gain += hullGain(cb, n);
    bytes += <f64>blockBytes(cb, n);
  }
  assignedBytes = bytes;
  return gain;
}

/**
 * pcrdAssign over the prepared block list (the same assignment and byte sum); the weighted
 * distortion decrease only with `wantGain` (else 0: the byte searches do not use it).
 */
function assignBlocks(st: Pcrd, L: i32, l: i32, lambda: f64, wantGain: bool): f64 {
  measureAssignChanged();
  let gain: f64 = 0;
  let bytes: f64 = 0;
  let blocks = st.blocks;
  let hStart = st.hStart, hSlope = st.hSlope;
  let h0 = load<i32>(hStart);
  for (let b = 0; b < st.nb; b++) {
    let cb = changetype<CodeBlock>(load<usize>(blocks + (<usize>b << alignof<usize>())));
    let h1 = load<i32>(hStart + (<usize>(b + 1) << 2));
    let n = 0, by = 0;
    let g: f64 = 0;
    if (lambda <= 0) {
      n = cb.encNumPasses;
      by = blockBytes(cb, n);
      if (wantGain) g = hullGain(cb, n);
    } else {
      // hullTruncation: the last hull point whose slope is >= lambda (slopes fall along the hull);
      // hullGain and blockBytes at a hull point are that point's
      let h = h0;
      while (h < h1 && load<f64>(hSlope + (<usize>h << 3)) >= lambda) h++;
      if (h > h0) {
        n = load<i32>(st.hPass + (<usize>(h - 1) << 2));
        by = load<i32>(st.hBytes + (<usize>(h - 1) << 2));
        g = load<f64>(st.hDist + (<usize>(h - 1) << 3));
      }
    }
    h0 = h1;
    let lp = cb.encLayerPasses;
    let prev = l > 0 ? load<i32>(lp + (<usize>(l - 1) << 2)) : 0;
    if (n < prev) {
      n = prev;
      by = blockBytes(cb, n);
      g = wantGain ? hullGain(cb, n) : 0;
    }
    for (let j = l; j < L; j++) store<i32>(lp + (<usize>j << 2), n);
    store<i32>(st.assign + (<usize>b << 3), n);
    store<i32>(st.assign + (<usize>b << 3), by, 4);
    gain += g;
    bytes += <f64>by;
  }
  assignedBytes = bytes;
  return gain;
}

/**
 * assignBlocks for a trial of the byte search while measure.ts's flat trials are in use: the same
 * passes and bytes in `st.assign` (and the same byte sum), with the previous layer's passes from
 * `st.prev`, and no CodeBlock written (the trials read only `st.assign`; the search's final
 * assignBlocks writes the blocks). lambda > 0.
 */
function assignFlat(st: Pcrd, lambda: f64): void {
  measureAssignChanged();
  let bytes: f64 = 0;
  let hStart = st.hStart, hSlope = st.hSlope;
  let h0 = load<i32>(hStart);
  for (let b = 0; b < st.nb; b++) {
    let h1 = load<i32>(hStart + (<usize>(b + 1) << 2));
    let n = 0, by = 0;
    // the block's hull points with slope >= lambda are the first ones (slopes fall strictly along
    // the hull), so their end is found from where the last trial's ended, up or down
    let hp = st.hAt + (<usize>b << 2);
    let h = load<i32>(hp);
    while (h > h0 && load<f64>(hSlope + (<usize>(h - 1) << 3)) < lambda) h--;
    while (h < h1 && load<f64>(hSlope + (<usize>h << 3)) >= lambda) h++;
    store<i32>(hp, h);
    if (h > h0) {
      n = load<i32>(st.hPass + (<usize>(h - 1) << 2));
      by = load<i32>(st.hBytes + (<usize>(h - 1) << 2));
    }
    h0 = h1;
    let pv = st.prev + (<usize>b << 3);
    if (n < load<i32>(pv)) {
      n = load<i32>(pv);
      by = load<i32>(pv, 4);
    }
    store<i32>(st.assign + (<usize>b << 3), n);
    store<i32>(st.assign + (<usize>b << 3), by, 4);
    bytes += <f64>by;
  }
  assignedBytes = bytes;
}

/** Σ over blocks of the codeword bytes of the passes pcrdAssign gave them (its last call). */
let assignedBytes: f64 = 0;

/**
 * A lower bound of measureLayers(job, l) after pcrdAssign(job, l, ·), without a T2 run: the main
 * header plus the bodies of layers 0..l. With the Part 1 block coder the packets of layers 0..l
 * carry exactly the first encLayerPasses[l] passes of every block (every packet is visited: the
 * encoder's POC list ends with a catch-all entry), so their bodies add up to Σ blockBytes; packet
 * headers, tile-part headers, TLM/PLT and EOC only add. (HT blocks send other bytes: no bound.)
 */
function bytesFloor(job: EncodeJob): f64 {
  return (job.cs.cod.cblkStyle & CBLK_HT) != 0 ? 0 : <f64>job.mainHeaderLen + assignedBytes;
}

/**
 * Form every layer from its target (job.layerBytes / job.layerDist, continuous-error part `dist`
 * given in f64 `errTargets`); layers without a target take everything. Stores the estimated
 * squared error of each layer (weighted coefficient error, without output rounding) in `est`.
 * The caller measures the layers (measureLayers) and then calls measureForget.
 */
export function pcrdAllocate(job: EncodeJob, st: Pcrd, errTargets: usize, est: usize): void {
  let L = job.layers;
  let n = st.n;
  let kPrev = -1; // index of the previous layer's threshold (later layers only go further down)
  let flatKept = -1; // the last layer whose byte search used measure.ts's flat trials
  otherBytes = <f64>job.mainHeaderLen;
  headerRate = HEADER_RATE_FIRST;
  for (let l = 0; l < L; l++) {
    // (every layer ends with its passes in st.assign: assignBlocks, then the budget fill)
    if (l == 0) memory.fill(st.prev, 0, <usize>st.nb << 3);
    else memory.copy(st.prev, st.assign, <usize>st.nb << 3);
    let budget = layerF64(job.layerBytes, l);
    let hasDist = layerF64(job.layerDist, l) > 0;
    let dist = layerF64(errTargets, l);
    if (budget <= 0 && !hasDist) {
      store<f64>(est + (<usize>l << 3), st.energy - assignBlocks(st, L, l, 0, true));
      kPrev = n - 1;
      continue;
    }
    let k: i32;
    let sizeAtK: f64 = -1; // the exact size at k, if a trial measured it
    if (budget > 0) {
      // largest k (smallest lambda = slopes[k]) whose codestream fits the budget; kPrev (the
      // previous layer's set) is where the search starts. Layers 0..l-1 are final: their T2
      // state is kept for the trial runs (measure.ts, measureKeep). The size does not fall as k
      // grows (more passes: more body bytes, no fewer header bits), so any order of trials finds
      // the same k as a bisection: each trial is the largest k whose bodies (Pcrd.bodies) plus an
      // estimate of the other bytes (headers) fit the budget, or the middle of the interval after
      // GUESSES_UNHALVED guesses in a row that did not halve it. The estimate is the other bytes of
      // the last trial until a trial that fits and one that does not have been measured; then it
      // is their line through the nearest of each (the headers grow about evenly with k: saw at
      // 20:1 took 11 trials with the last trial's headers, which overshot one step at a time).
      // (after the previous layer's flat search and fill, st.assign holds that layer as formed)
      measureKeep(job, l, st.assign, flatKept == l - 1);
      if (measureFlat()) flatKept = l;
      let lo = kPrev, hi = n - 1;
      let guess = true;
      let unhalved = 0;
      // the measured trials nearest k: the last that fitted (k0) and the last that did not (k1)
      let k0 = -1, k1 = -1;
      let o0: f64 = 0, o1: f64 = 0;
      while (lo < hi) {
        let width = hi - lo;
        let mid: i32;
        if (!guess) mid = (lo + hi + 1) >> 1;
        else if (k0 >= 0 && k1 > k0 && o1 >= o0) mid = bodiesIndex(st, lo + 1, hi, budget - o0, (o1 - o0) / <f64>(k1 - k0), k0);
        else if (k0 < 0 && k1 < 0) {
          // no trial of this layer measured yet: the headers as a share of the bodies, as the last
          // measured trial had them (the main header apart)
          let F = <f64>job.mainHeaderLen;
          mid = bodiesIndex(st, lo + 1, hi, (budget - F) / (1 + headerRate), 0, 0);
        } else mid = bodiesIndex(st, lo + 1, hi, budget - otherBytes, 0, 0);
        let lambda = pcrdSlope(st, mid);
        if (measureFlat() && lambda > 0) assignFlat(st, lambda);
        else assignBlocks(st, L, l, lambda, false);
        // (when the bodies alone exceed the budget, the exact size does too: no T2 dry run)
        let size: f64 = -1;
        if (bytesFloor(job) <= budget) {
          size = measureLayers(job, l, st.sizes);
          otherBytes = size - pcrdBody(st, mid);
          let bm = pcrdBody(st, mid);
          if (bm > 0) headerRate = max(otherBytes - <f64>job.mainHeaderLen, 0) / bm;
          if (size <= budget) {
            k0 = mid;
            o0 = otherBytes;
          } else {
            k1 = mid;
            o1 = otherBytes;
          }
        }
        if (size >= 0 && size <= budget) {
          lo = mid;
          sizeAtK = size;
        } else {
          hi = mid - 1;
        }
        if (!guess || (hi - lo) * 2 <= width) unhalved = 0;
        else unhalved++;
        guess = unhalved < GUESSES_UNHALVED;
      }
      k = lo;
    } else {
      // smallest k whose remaining error (energy - included gains) reaches the target
      let lo = max(kPrev, 0), hi = n - 1;
      while (lo < hi) {
        let mid = (lo + hi) >> 1;
        if (st.energy - assignBlocks(st, L, l, pcrdSlope(st, mid), true) <= dist) hi = mid;
        else lo = mid + 1;
      }
      k = n > 0 ? lo : -1;
    }
    let kSlope = k < 0 ? Infinity : pcrdSlope(st, k);
    assignBlocks(st, L, l, kSlope, false);
    pcrdLastThreshold = kSlope;
    kPrev = max(kPrev, k);
    // (if the headers alone exceed the budget the layer stays empty; the status says so)
    if (budget > 0) fillToBudget(job, st, l, budget, st.sizes, sizeAtK);
    // (the last layer's kept state stays for the caller's measureLayers of every layer, which
    // then runs that layer only; the caller forgets it)
    if (!(budget > 0 && l == L - 1)) measureForget();
    store<f64>(est + (<usize>l << 3), st.energy - layerGain(st, l));
  }
}

/** Guesses in a row that do not halve the interval before the byte search takes its middle (pcrdAllocate). */
const GUESSES_UNHALVED: i32 = 3;

/** The bytes other than code-block bodies (headers) of the threshold search's last trial (pcrdAllocate). */
let otherBytes: f64 = 0;
/** Header bytes (other bytes less the main header) per body byte at the last measured trial (pcrdAllocate's first guess of a layer). */
let headerRate: f64 = 0;
/** headerRate before any trial (saw 0.6-0.8 %, kodim03 1.1 % at 20:1 and 40/20/10). */
const HEADER_RATE_FIRST: f64 = 0.008;

/**
 * The largest k in [a, b] whose bodies[k] + slope·(k − k0) (non-decreasing: slope >= 0) is at most
 * `target`; a if none. The bucket is found from the buckets' sums (a bucket's last body is the sum
 * before the next one), so only the one that holds the answer is sorted.
 */
function bodiesIndex(st: Pcrd, a: i32, b: i32, target: f64, slope: f64, k0: i32): i32 {
  if (pcrdBody(st, a) + slope * <f64>(a - k0) > target) return a;
  // the first bucket in [ja, jb] whose last body exceeds the target (jb if none): the answer is in it,
  // or it is the last index before it (whose body, the bucket's sum before, is at most the target)
  let j0 = bucketOf(st, a), j1 = bucketOf(st, b);
  while (j0 < j1) {
    let j = (j0 + j1) >> 1;
    let last = load<i32>(st.bkStart + (<usize>(j + 1) << 2)) - 1; // (its body: the sum before bucket j + 1)
    if (load<f64>(st.bkSum + (<usize>(j + 1) << 3)) + slope * <f64>(last - k0) > target) j1 = j;
    else j0 = j + 1;
  }
  bucketSort(st, j0);
  let lo = max(a, load<i32>(st.bkStart + (<usize>j0 << 2)));
  let hi = min(b, load<i32>(st.bkStart + (<usize>(j0 + 1) << 2)) - 1);
  if (load<f64>(st.bodies + (<usize>lo << 3)) + slope * <f64>(lo - k0) > target) return lo - 1; // (lo > a: the bucket's first)
  while (lo < hi) {
    let mid = (lo + hi + 1) >> 1;
    if (load<f64>(st.bodies + (<usize>mid << 3)) + slope * <f64>(mid - k0) <= target) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// The sorted slopes, built as the searches read them. Sorting every hull point (an LSD radix sort of
// the f64 keys, 6-8 passes) took a third of pcrdPrepare, but a search reads a few dozen of them,
// mostly near one threshold. So the points go into buckets by the top 16 bits of their keys
// (positive or +Infinity slopes, whose bit patterns order as the numbers do: sign, exponent and 4
// bits of mantissa, a sixteenth of an octave), the buckets in falling order with their bodies'
// sums, in two passes; a bucket is sorted, and its running sums set, the first time an index in it is
// read. Equal slopes share a bucket, so the running sums (each of a group of equal slopes gets the
// sum up to the last of them, as hullTruncation takes them all at once) are those of a full sort,
// whatever order equal keys end in.

/** Put the st.n points (slopes and bodies in block order) in buckets (Pcrd.bk*). */
function pcrdBuckets(st: Pcrd): void {
  let n = st.n;
  let slopes = st.slopes, bodies = st.bodies;
  // the top bits of the finite keys, and whether any is +Infinity (a bucket of its own, first)
  let tMin: u32 = 0xffff, tMax: u32 = 0;
  let inf = 0;
  for (let i = 0; i < n; i++) {
    let u = load<u64>(slopes + (<usize>i << 3));
    if (u >= INF_BITS) {
      inf = 1;
      continue;
    }
    let t = <u32>(u >> 48);
    tMin = min(tMin, t);
    tMax = max(tMax, t);
  }
  let nb = inf + (tMax >= tMin ? <i32>(tMax - tMin) + 1 : 0);
  st.bkN = nb;
  st.bkStart = arenaAllocZeroed(<usize>(nb + 1) << 2);
  st.bkSum = arenaAllocZeroed(<usize>(nb + 1) << 3);
  st.bkDone = arenaAllocZeroed(<usize>max(nb, 1));
  if (n == 0) return;
  // counts and body sums per bucket (at j + 1), then their running sums
  let starts = st.bkStart, sums = st.bkSum;
  for (let i = 0; i < n; i++) {
    let j = bucketIndex(load<u64>(slopes + (<usize>i << 3)), tMax, inf);
    let c = starts + (<usize>(j + 1) << 2);
    store<i32>(c, load<i32>(c) + 1);
    let s = sums + (<usize>(j + 1) << 3);
    store<f64>(s, load<f64>(s) + load<f64>(bodies + (<usize>i << 3)));
  }
  for (let j = 1; j <= nb; j++) {
    store<i32>(starts + (<usize>j << 2), load<i32>(starts + (<usize>j << 2)) + load<i32>(starts + (<usize>(j - 1) << 2)));
    store<f64>(sums + (<usize>j << 3), load<f64>(sums + (<usize>j << 3)) + load<f64>(sums + (<usize>(j - 1) << 3)));
  }
  // the points into their buckets (a cursor per bucket, from its start)
  let at = arenaAlloc(<usize>nb << 2);
  memory.copy(at, starts, <usize>nb << 2);
  let k2 = arenaAlloc(<usize>n << 3);
  let v2 = arenaAlloc(<usize>n << 3);
  for (let i = 0; i < n; i++) {
    let u = load<u64>(slopes + (<usize>i << 3));
    let c = at + (<usize>bucketIndex(u, tMax, inf) << 2);
    let d = load<i32>(c);
    store<i32>(c, d + 1);
    store<u64>(k2 + (<usize>d << 3), u);
    store<u64>(v2 + (<usize>d << 3), load<u64>(bodies + (<usize>i << 3)));
  }
  st.slopes = k2;
  st.bodies = v2;
}

/** Bit pattern of +Infinity (every larger pattern is a NaN, which no slope is). */
const INF_BITS: u64 = 0x7ff0000000000000;

/** A key's bucket: +Infinity first, then the top 16 bits falling from tMax. */
// @ts-ignore: decorator
@inline
function bucketIndex(u: u64, tMax: u32, inf: i32): i32 {
  return u >= INF_BITS ? 0 : inf + <i32>(tMax - <u32>(u >> 48));
}

/** The bucket that holds index k (0 <= k < st.n; the last bucket whose first index is k or less). */
function bucketOf(st: Pcrd, k: i32): i32 {
  let lo = 0, hi = st.bkN - 1;
  while (lo < hi) {
    let j = (lo + hi + 1) >> 1;
    if (load<i32>(st.bkStart + (<usize>j << 2)) <= k) lo = j;
    else hi = j - 1;
  }
  return lo;
}

/** Sort bucket j (largest slope first) and set its running sums, once. */
function bucketSort(st: Pcrd, j: i32): void {
  if (load<u8>(st.bkDone + <usize>j) != 0) return;
  store<u8>(st.bkDone + <usize>j, 1);
  let s = load<i32>(st.bkStart + (<usize>j << 2)), e = load<i32>(st.bkStart + (<usize>(j + 1) << 2));
  let keys = st.slopes + (<usize>s << 3), vals = st.bodies + (<usize>s << 3);
  let n = e - s;
  if (n <= 32) {
    // insertion sort on the bit patterns (descending)
    for (let i = 1; i < n; i++) {
      let k = load<u64>(keys + (<usize>i << 3)), v = load<u64>(vals + (<usize>i << 3));
      let q = i;
      while (q > 0 && load<u64>(keys + (<usize>(q - 1) << 3)) < k) {
        store<u64>(keys + (<usize>q << 3), load<u64>(keys + (<usize>(q - 1) << 3)));
        store<u64>(vals + (<usize>q << 3), load<u64>(vals + (<usize>(q - 1) << 3)));
        q--;
      }
      store<u64>(keys + (<usize>q << 3), k);
      store<u64>(vals + (<usize>q << 3), v);
    }
  } else {
    sortPairsDesc(keys, vals, n);
  }
  // running sums from the bodies of the buckets before; equal slopes are all taken at once
  // (hullTruncation), so each gets the sum up to the last of them
  let acc = load<f64>(st.bkSum + (<usize>j << 3));
  for (let i = 0; i < n; i++) {
    acc += load<f64>(vals + (<usize>i << 3));
    store<f64>(vals + (<usize>i << 3), acc);
  }
  for (let i = n - 2; i >= 0; i--) {
    if (load<f64>(keys + (<usize>i << 3)) == load<f64>(keys + (<usize>(i + 1) << 3))) {
      store<f64>(vals + (<usize>i << 3), load<f64>(vals + (<usize>(i + 1) << 3)));
    }
  }
}

/** slopes[k] of the sorted order (0 <= k < st.n). */
function pcrdSlope(st: Pcrd, k: i32): f64 {
  bucketSort(st, bucketOf(st, k));
  return load<f64>(st.slopes + (<usize>k << 3));
}

/** bodies[k] of the sorted order: the codeword bytes of every block truncated at slopes[k]. */
function pcrdBody(st: Pcrd, k: i32): f64 {
  bucketSort(st, bucketOf(st, k));
  return load<f64>(st.bodies + (<usize>k << 3));
}

/** The slope threshold of the last layer pcrdAllocate formed (before its budget fill; for benchmarks). */
export let pcrdLastThreshold: f64 = 0;

/** Every pass of every block in every layer (no rate control). */
export function pcrdAssignAll(job: EncodeJob): void {
  pcrdAssign(job, 0, 0);
}

/** Weighted distortion decrease of layer l's current assignment. */
function layerGain(st: Pcrd, l: i32): f64 {
  let g: f64 = 0;
  for (let b = 0; b < st.nb; b++) {
    let cb = changetype<CodeBlock>(load<usize>(st.blocks + (<usize>b << alignof<usize>())));
    g += hullGain(cb, load<i32>(cb.encLayerPasses + (<usize>l << 2)));
  }
  return g;
}

/**
 * Does layer `l` hold every useful pass of every block (all of them, or with rate control
 * everything up to the last point of the block's hull — later passes lower no distortion)?
 */
export function pcrdLayerComplete(job: EncodeJob, l: i32): bool {
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    let useful = cb.encHullPasses != 0 ? hullLastPasses(cb) : cb.encNumPasses; // no hulls: every pass counts
    if (load<i32>(cb.encLayerPasses + (<usize>l << 2)) < useful) return false;
  }
  return true;
}

/**
 * Sort n f64 keys, largest first, moving the f64 values `vals` with them: an LSD radix sort on the
 * keys' bits, 8 bits a pass (the keys are hull slopes: positive or +Infinity, whose bit patterns
 * order as the numbers do), passes where every key has the same digit skipped. Keys that are equal
 * may end up in any order among themselves (pcrdPrepare gives each of them the same running sum).
 */
function sortPairsDesc(keys: usize, vals: usize, n: i32): void {
  if (n < 2) return;
  let counts = arenaAllocZeroed(8 * 256 * 4);
  for (let i = 0; i < n; i++) {
    let k = ~load<u64>(keys + (<usize>i << 3)); // (descending: ascending on the complement)
    for (let d = 0; d < 8; d++) {
      let c = counts + ((<usize>d << 10) | (<usize>((k >> (<u64>d << 3)) & 0xff) << 2));
      store<i32>(c, load<i32>(c) + 1);
    }
  }
  let k2 = arenaAlloc(<usize>n << 3);
  let v2 = arenaAlloc(<usize>n << 3);
  let srcK = keys, srcV = vals, dstK = k2, dstV = v2;
  for (let d = 0; d < 8; d++) {
    let cd = counts + (<usize>d << 10);
    // a digit every key shares orders nothing
    let skip = false;
    for (let j = 0; j < 256; j++) {
      let c = load<i32>(cd + (<usize>j << 2));
      if (c == n) skip = true;
      if (c != 0) break;
    }
    if (skip) continue;
    let acc = 0;
    for (let j = 0; j < 256; j++) {
      let c = load<i32>(cd + (<usize>j << 2));
      store<i32>(cd + (<usize>j << 2), acc);
      acc += c;
    }
    let shift = <u64>d << 3;
    for (let i = 0; i < n; i++) {
      let kb = load<u64>(srcK + (<usize>i << 3));
      let slot = cd + (<usize>((~kb >> shift) & 0xff) << 2);
      let at = load<i32>(slot);
      store<i32>(slot, at + 1);
      store<u64>(dstK + (<usize>at << 3), kb);
      store<u64>(dstV + (<usize>at << 3), load<u64>(srcV + (<usize>i << 3)));
    }
    let tk = srcK, tv = srcV;
    srcK = dstK;
    srcV = dstV;
    dstK = tk;
    dstV = tv;
  }
  if (srcK != keys) {
    memory.copy(keys, srcK, <usize>n << 3);
    memory.copy(vals, srcV, <usize>n << 3);
  }
}

/**
 * After the threshold search, the layer is one hull step short of the budget somewhere. Offer every
 * block's next hull point (highest slope first) and keep the longest prefix of them that still fits,
 * found by bisection on exact measurements.
 */
function fillToBudget(job: EncodeJob, st: Pcrd, l: i32, budget: f64, sizes: usize, size: f64): void {
  let nb = st.nb;
  if (nb == 0) return;
  // per candidate: its block (index in st.blocks), its passes and their bytes now and at its
  // next hull point (i32 each: FILL_BYTES)
  let cands = arenaAlloc(<usize>nb * FILL_BYTES);
  let slopes = arenaAlloc(<usize>nb << 3);
  let order = arenaAlloc(<usize>nb * 4);
  let costs = arenaAlloc(<usize>nb << 3);
  let m = 0;
  // (from the flat hull points and st.assign, which the search's last assignBlocks set to layer l's
  // passes and their bytes: blockBytes at a hull point is its Pcrd.hBytes)
  let h = load<i32>(st.hStart);
  for (let b = 0; b < nb; b++) {
    let h1 = load<i32>(st.hStart + (<usize>(b + 1) << 2));
    let cur = load<i32>(st.assign + (<usize>b << 3));
    for (; h < h1; h++) {
      let hp = load<i32>(st.hPass + (<usize>h << 2));
      if (hp > cur) {
        let c = cands + <usize>m * FILL_BYTES;
        let curBytes = load<i32>(st.assign + (<usize>b << 3), 4), nextBytes = load<i32>(st.hBytes + (<usize>h << 2));
        store<i32>(c, b);
        store<i32>(c, cur, 4);
        store<i32>(c, curBytes, 8);
        store<i32>(c, hp, 12);
        store<i32>(c, nextBytes, 16);
        store<f64>(slopes + (<usize>m << 3), load<f64>(st.hSlope + (<usize>h << 3)));
        store<f64>(costs + (<usize>m << 3), <f64>(nextBytes - curBytes) + 2);
        m++;
        break;
      }
    }
    h = h1;
  }
  if (m == 0) return;
  // Greedy by slope with an estimated cost (body bytes + 2 for the header); candidates that do not
  // fit the slack are skipped, smaller ones later may fit. The chosen ones move to the front.
  let slack = budget - (size >= 0 ? size : measureLayers(job, l, sizes));
  // Only candidates whose cost fits the whole slack can ever be chosen (the slack only shrinks), so
  // only they are sorted. The greedy visits them in the order the sort of all m candidates gives
  // them, which is theirs when their slopes all differ. Where slopes are equal, the order among
  // them is the one the sort of all candidates gives (sortBySlopeDesc is not stable): it decides
  // which of them are chosen when the slack runs out among them, and the order of the chosen ones
  // (the bisection below tries prefixes of it). When every group of equal slopes fits whole (the
  // costs of its members that fit the slack at the group's start add up to at most that slack),
  // each member that fits is chosen in any order and the slack after the group is the same, so the
  // chosen set does not depend on the order; the order then matters only if the first
  // measurement (every chosen candidate) does not fit. Only then, or when a group does not fit
  // whole, the sort of all candidates runs.
  let ms = 0;
  for (let i = 0; i < m; i++) {
    if (load<f64>(costs + (<usize>i << 3)) <= slack) {
      store<i32>(order + (<usize>ms << 2), i);
      ms++;
    }
  }
  if (ms == 0) return;
  sortBySlopeDesc(order, slopes, ms);
  let ties = false;
  for (let i = 1; i < ms; i++) {
    if (load<f64>(slopes + (<usize>load<i32>(order + (<usize>(i - 1) << 2)) << 3)) == load<f64>(slopes + (<usize>load<i32>(order + (<usize>i << 2)) << 3))) {
      ties = true;
      break;
    }
  }
  let chosen = fillGreedy(order, slopes, costs, ms, slack, ties);
  if (chosen < 0) {
    // a group of equal slopes that does not fit whole: the order among its members decides
    chosen = fillGreedyAll(order, slopes, costs, m, slack);
    ties = false;
  }
  let count = m;
  m = chosen;
  if (m == 0) return;
  let L = job.layers;
  // apply(k): the first k candidates take their next hull point
  let lo = 0, hi = m; // lo fits (nothing added); find the largest k that fits
  // (the size grows with k: the greedy's estimates usually hold, so all m are tried first)
  applyCandidates(st, cands, order, m, m, l, L);
  let applied = m;
  if (measureLayers(job, l, sizes) <= budget) lo = m;
  else {
    hi = m - 1;
    if (ties) {
      // the prefixes follow the order the sort of all candidates gives (the same chosen set)
      let again = fillGreedyAll(order, slopes, costs, count, slack);
      if (again != m) fail(ERR_INTERNAL, -1, again, m); // (the same set: every group of equal slopes fits whole)
    }
  }
  while (lo < hi) {
    let k = (lo + hi + 1) >> 1;
    applyCandidates(st, cands, order, m, k, l, L);
    applied = k;
    if (measureLayers(job, l, sizes) <= budget) lo = k;
    else hi = k - 1;
  }
  // (when lo was the last one measured, it stands, and so do its sizes in measure.ts)
  if (lo != applied) applyCandidates(st, cands, order, m, lo, l, L);
}

/**
 * fillToBudget's greedy over the candidates `order[0..n)` (sorted by slope, highest first): each
 * whose cost fits the slack left is chosen and moved to the front, keeping slope order among the
 * chosen. Returns the count chosen; with `groups`, -1 instead when a group of equal slopes does not
 * fit whole (the choice would depend on the order among its members).
 */
function fillGreedy(order: usize, slopes: usize, costs: usize, n: i32, slack: f64, groups: bool): i32 {
  let chosen = 0;
  let groupSlope: f64 = -1, groupSlack: f64 = 0, groupSum: f64 = 0;
  for (let i = 0; i < n; i++) {
    let idx = load<i32>(order + (<usize>i << 2));
    let cost = load<f64>(costs + (<usize>idx << 3));
    if (groups) {
      let s = load<f64>(slopes + (<usize>idx << 3));
      if (i == 0 || s != groupSlope) {
        groupSlope = s;
        groupSlack = slack;
        groupSum = 0;
      }
      if (cost <= groupSlack) {
        groupSum += cost;
        if (groupSum > groupSlack) return -1;
      }
    }
    if (cost <= slack) {
      slack -= cost;
      // move to position `chosen`, keeping slope order among the chosen
      for (let j = i; j > chosen; j--) store<i32>(order + (<usize>j << 2), load<i32>(order + (<usize>(j - 1) << 2)));
      store<i32>(order + (<usize>chosen << 2), idx);
      chosen++;
    }
  }
  return chosen;
}

/** fillGreedy over all `m` candidates in the order sortBySlopeDesc gives them (ties included). */
function fillGreedyAll(order: usize, slopes: usize, costs: usize, m: i32, slack: f64): i32 {
  for (let i = 0; i < m; i++) store<i32>(order + (<usize>i << 2), i);
  sortBySlopeDesc(order, slopes, m);
  return fillGreedy(order, slopes, costs, m, slack, false);
}

/** fillToBudget's candidates: i32 block index, passes now, their bytes, passes at the next hull point, their bytes. */
const FILL_BYTES: usize = 20;

/** The first k of the m chosen candidates (`order`) take their next hull point in layer l (and the later layers), the others their current one. */
function applyCandidates(st: Pcrd, cands: usize, order: usize, m: i32, k: i32, l: i32, L: i32): void {
  measureAssignChanged();
  for (let i = 0; i < m; i++) {
    let c = cands + <usize>load<i32>(order + (<usize>i << 2)) * FILL_BYTES;
    let b = load<i32>(c);
    let cb = changetype<CodeBlock>(load<usize>(st.blocks + (<usize>b << alignof<usize>())));
    let v = i < k ? load<i32>(c, 12) : load<i32>(c, 4);
    for (let j = l; j < L; j++) store<i32>(cb.encLayerPasses + (<usize>j << 2), v);
    store<i32>(st.assign + (<usize>b << 3), v);
    store<i32>(st.assign + (<usize>b << 3), i < k ? load<i32>(c, 16) : load<i32>(c, 8), 4);
  }
}

/** Shell sort of `order` (indices) by slopes[index], highest first. */
export function sortBySlopeDesc(order: usize, slopes: usize, n: i32): void {
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
