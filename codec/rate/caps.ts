// Rate control that does not code what it discards (issue 14, item 1), with output identical to
// coding every pass.
//
// With a target for every layer, a few "pilot" blocks per band are coded in full first;
// capsEstimate() forms the last layer from them alone (scaled up to their band's size) and gives the
// slope threshold it lands on. Every other block is then coded with an early stop
// (codec/t1/ebcot_encoder.ts ebcotSetStop) below a fraction of that slope, and keeps only the passes
// whose records a full encode gives too (the block coder knows which: their truncation lengths read
// no byte the early termination changed).
//
// Why the layers come out the same: let P be the passes a stopped block kept, R_P their rate and
// Dmax the block's weighted energy (encDist0·w: no pass can remove more). A later pass q of the full
// encode has R_q >= R_P and D_q <= Dmax, so a hull point h_i (rate.ts hull, slopes s_i) stays on the
// full hull whenever (Dmax − D_{i−1}) < s_i·(R_P − R_{i−1}): no such q can lie above the line
// through h_{i−1} and h_i (and if h_i stays, every earlier point does). Call those points certain.
// After rate control, capsCheck() asks of every stopped block that the hull point after its final
// truncation (last layer, after the budget fill) be certain. Then every later hull slope of the
// block, in either encode, is below that point's slope, which is below every layer's threshold
// (PCRD, pcrd.ts, only ever picks a threshold from the sorted slopes, and the next one down for a
// byte budget): the thresholds' searches see the same slopes above them and the same sizes and
// errors at every slope that decides, the fill sees the same next points, and the statuses are the
// same. Blocks that fail are coded again in full (CAP_RECODE) and rate control runs again.

import { EncodeJob, layerF64 } from "../encode_job";
import { CodeBlock } from "../structure/tile";
import { cblkIterNew, cblkIterNext } from "../structure/cblk_iter";
import { hullBuild, hullTruncation, hullGain, blockBytes } from "./hull";
import { bandWeight } from "./weights";
import { passRecord } from "../t1/pass_record";
import { maxPasses } from "../t1/segments";
import { stopHullPush } from "../t1/ebcot_encoder";
import { arenaAlloc } from "../util/arena";
import { MAX_PASSES } from "../util/constants";

/** CodeBlock.encCapped: every pass coded. */
export const CAP_NONE: i32 = 0;
/** Coded with an early stop: encNumPasses are the passes a full encode gives identically. */
export const CAP_STOPPED: i32 = 1;
/** Stopped too early for the layers rate control formed: to be coded again in full. */
export const CAP_RECODE: i32 = 2;
/** Not coded yet (waits for the pilots' estimate). */
export const CAP_PENDING: i32 = 3;

/** One block in this many per band is a pilot (the centre block of every band always is: encoder.ts isPilot). */
export const PILOT_EVERY: i32 = 8;
/** Width in log(lambda) at which capsEstimate's bisection stops. */
const ESTIMATE_PRECISION: f64 = 1e-4;
/** Relative margin on a block's energy (the pass distortions are exact in f64 up to rounding). */
const ENERGY_MARGIN: f64 = 1e-9;

/**
 * Slope threshold (weighted squared error per byte) at which the pilots, each standing for its
 * band's share of blocks, reach the last layer's target; 0 if they cannot tell (then the other
 * blocks are coded in full).
 */
export function capsEstimate(job: EncodeJob): f64 {
  let NL = job.cs.cod.levels;
  let mct = job.cs.gcod.mct;
  let n = 0;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) n++;
  if (n == 0) return 0;
  let blocks = arenaAlloc(<usize>n * sizeof<usize>());
  let factors = arenaAlloc(<usize>n << 3);
  let energies = arenaAlloc(<usize>n << 3);
  let m = 0;
  let bandStart = 0;
  let bandAll: f64 = 0, bandPilot: f64 = 0;
  let lastBand: usize = 0;
  let wgt: f64 = 0;
  let lo: f64 = Infinity, hi: f64 = 0;
  it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (true) {
    let more = cblkIterNext(it);
    if (!more || changetype<usize>(it.bd) != lastBand) {
      // close the previous band: its pilots stand for all of its samples
      let f = bandPilot > 0 ? bandAll / bandPilot : 0;
      for (let i = bandStart; i < m; i++) store<f64>(factors + (<usize>i << 3), f);
      if (!more) break;
      lastBand = changetype<usize>(it.bd);
      wgt = bandWeight(it, NL, mct);
      bandStart = m;
      bandAll = 0;
      bandPilot = 0;
    }
    let cb = it.cb;
    let samples = <f64>(cb.x1 - cb.x0) * <f64>(cb.y1 - cb.y0);
    bandAll += samples;
    if (cb.encCapped != CAP_NONE) continue;
    bandPilot += samples;
    // (built as the block was installed, with this weight: encoder.ts installBlock)
    if (!(wgt > 0 && cb.encHullWeight == wgt)) hullBuild(cb, wgt, it.tc.style.reversible != 0 && cb.encNumPasses == maxPasses(cb.encNumBps));
    for (let h = 0; h < cb.encHullN; h++) {
      let s = load<f64>(cb.encHullSlopes + (<usize>h << 3));
      if (s < Infinity) {
        lo = min(lo, s);
        hi = max(hi, s);
      }
    }
    store<usize>(blocks + (<usize>m << alignof<usize>()), changetype<usize>(cb));
    store<f64>(energies + (<usize>m << 3), cb.encDist0 * wgt);
    m++;
  }
  if (m == 0 || !(lo < hi)) return 0;
  let L = job.layers;
  let budget = layerF64(job.layerBytes, L - 1);
  let dist = layerF64(job.layerDist, L - 1) - job.numSamples / 12.0;
  if (budget <= 0 && dist <= 0) return 0;
  // bisection on log(lambda): bytes fall and the error rises as lambda grows; to 1e-4 relative
  // (the stops aim at a multiple of it anyway: 48 steps took 0.6 % of a kodim03 40/20/10 encode)
  let a = Math.log(lo), b = Math.log(hi);
  let ok = false;
  for (let iter = 0; iter < 64 && b - a > ESTIMATE_PRECISION; iter++) {
    let mid = 0.5 * (a + b);
    let lambda = Math.exp(mid);
    let bytes: f64 = 0, err: f64 = 0;
    for (let i = 0; i < m; i++) {
      let cb = changetype<CodeBlock>(load<usize>(blocks + (<usize>i << alignof<usize>())));
      let f = load<f64>(factors + (<usize>i << 3));
      let k = hullTruncation(cb, lambda);
      bytes += f * <f64>blockBytes(cb, k);
      err += f * (load<f64>(energies + (<usize>i << 3)) - hullGain(cb, k));
    }
    let fits = budget > 0 ? bytes <= budget : err <= dist;
    if (fits) {
      ok = true;
      if (budget > 0) b = mid; // a smaller lambda may still fit
      else a = mid; // a larger lambda may still reach the error
    } else {
      if (budget > 0) a = mid;
      else b = mid;
    }
  }
  if (!ok) return 0;
  return Math.exp(budget > 0 ? b : a);
}

/**
 * After the layers are formed: mark every stopped block whose hull point after its final
 * truncation is not certain (see the file header) CAP_RECODE. Returns true if any was marked.
 */
export function capsCheck(job: EncodeJob): bool {
  if (job.capped == 0) return false;
  let NL = job.cs.cod.levels;
  let mct = job.cs.gcod.mct;
  let L = job.layers;
  let bad = 0;
  let lastBand: usize = 0;
  let wgt: f64 = 0;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    if (changetype<usize>(it.bd) != lastBand) {
      lastBand = changetype<usize>(it.bd);
      wgt = bandWeight(it, NL, mct);
    }
    if (cb.encCapped != CAP_STOPPED) continue;
    let P = cb.encNumPasses;
    let dP: f64 = 0;
    for (let k = 0; k < P; k++) dP += passRecord(cb.encPasses, k).distDecrease * wgt;
    let dMax = max(cb.encDist0 * wgt, dP) * (1.0 + ENERGY_MARGIN);
    let rP = <f64>blockBytes(cb, P);
    let T = load<i32>(cb.encLayerPasses + (<usize>(L - 1) << 2));
    let j = 0; // hull points within the final truncation
    while (j < cb.encHullN && <i32>load<u8>(cb.encHullPasses + <usize>j) <= T) j++;
    let c = 0; // certain hull points
    while (c < cb.encHullN) {
      let rp: f64 = 0, dp: f64 = 0;
      if (c > 0) {
        rp = <f64>blockBytes(cb, <i32>load<u8>(cb.encHullPasses + <usize>(c - 1)));
        dp = load<f64>(cb.encHullDist + (<usize>(c - 1) << 3));
      }
      let s = load<f64>(cb.encHullSlopes + (<usize>c << 3));
      if (!((dMax - dp) < s * (rP - rp))) break;
      c++;
    }
    if (c <= j) {
      cb.encCapped = CAP_RECODE;
      // where a resumed block may stop again: past the hull point after its final truncation (or,
      // if it has none yet, below its last one)
      let n = cb.encHullN;
      cb.encResumeSlope = n == 0 ? 0 : j < n ? load<f64>(cb.encHullSlopes + (<usize>j << 3)) / wgt : load<f64>(cb.encHullSlopes + (<usize>(n - 1) << 3)) * 0.25 / wgt;
      bad++;
    }
  }
  return bad > 0;
}

// ---------------------------------------------------------------------------------------------
// Is stopping worth it? The pilots are coded in full, so the block coder's stop test
// (codec/t1/ebcot_encoder.ts stopReady: the hull point after the truncation at the stop slope, and
// one more after a step of fewer than 32 bytes, certain) can be replayed on their pass records:
// after which pass each would have stopped, and how many of its codeword bytes come after that. The
// bytes stand for the block coder's work (the passes a stop skips are the lowest bit-planes, which
// code the most symbols). The real coder settles a pass's length only once later bytes are final
// (about one pass later), so the replay stops one pass after its test first holds: then the share
// of bytes it predicts is within 0.02-0.25 of the share the stops skip on the benchcorpus, and
// never on the other side of 0.05.

/** The block coder's FILL_SMALL (codec/t1/ebcot_encoder.ts). */
const SIM_FILL_SMALL: f64 = 32;
/** Passes the real coder settles after the replay's test holds. */
const SIM_LAG: i32 = 1;
/** Hull of the replay: rates, distortion decreases, slopes (rate/hull.ts order: decreasing slopes). */
const SIM_R: usize = memory.data(MAX_PASSES * 8, 16);
const SIM_D: usize = memory.data(MAX_PASSES * 8, 16);
const SIM_S: usize = memory.data(MAX_PASSES * 8, 16);

/** Would the block coder stop with the replay's hull of m points, rP settled bytes, energy dMax? */
function simReady(m: i32, rP: f64, dMax: f64, slope: f64): bool {
  let j = 0; // hull points of the likely truncation
  while (j < m && load<f64>(SIM_S + (<usize>j << 3)) >= slope) j++;
  let need = j + 1;
  if (j < m && load<f64>(SIM_R + (<usize>j << 3)) - (j == 0 ? 0.0 : load<f64>(SIM_R + (<usize>(j - 1) << 3))) < SIM_FILL_SMALL) need++;
  if (need > m) return false;
  let c = 0; // certain points (capsCheck's test)
  while (c < need) {
    let rp = c == 0 ? 0.0 : load<f64>(SIM_R + (<usize>(c - 1) << 3));
    let dp = c == 0 ? 0.0 : load<f64>(SIM_D + (<usize>(c - 1) << 3));
    if (!((dMax - dp) < load<f64>(SIM_S + (<usize>c << 3)) * (rP - rp))) return false;
    c++;
  }
  return true;
}

/** capsPredict's last result (for benchmarks: encoderEarlyStops(6)). */
export let capsPredictSaved: f64 = 0;

/**
 * After capsEstimate, with the pilots coded in full: the share of the codeword bytes of all blocks
 * (each band's pilots standing for the band) that stops at the image-domain slope `slope` would
 * skip, by the replay above.
 */
export function capsPredict(job: EncodeJob, slope: f64): f64 {
  let NL = job.cs.cod.levels;
  let mct = job.cs.gcod.mct;
  let saved: f64 = 0, total: f64 = 0;
  let lastBand: usize = 0;
  let wgt: f64 = 0;
  let bandAll: f64 = 0, bandPilot: f64 = 0, bandSaved: f64 = 0, bandTotal: f64 = 0;
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (true) {
    let more = cblkIterNext(it);
    if (!more || changetype<usize>(it.bd) != lastBand) {
      if (bandPilot > 0) {
        let f = bandAll / bandPilot;
        saved += f * bandSaved;
        total += f * bandTotal;
      }
      if (!more) break;
      lastBand = changetype<usize>(it.bd);
      wgt = bandWeight(it, NL, mct);
      bandAll = 0;
      bandPilot = 0;
      bandSaved = 0;
      bandTotal = 0;
    }
    let cb = it.cb;
    let samples = <f64>(cb.x1 - cb.x0) * <f64>(cb.y1 - cb.y0);
    bandAll += samples;
    if (cb.encCapped != CAP_NONE) continue;
    bandPilot += samples;
    let n = cb.encNumPasses;
    let all = <f64>blockBytes(cb, n);
    bandTotal += all;
    let dMax = cb.encDist0 * wgt;
    let m = 0;
    let cumD: f64 = 0;
    for (let k = 0; k < n - 1 - SIM_LAG; k++) {
      cumD += passRecord(cb.encPasses, k).distDecrease * wgt;
      let rP = <f64>blockBytes(cb, k + 1);
      m = stopHullPush(SIM_R, SIM_D, SIM_S, m, rP, cumD); // the block coder's hull rule
      if (simReady(m, rP, dMax, slope)) {
        bandSaved += all - <f64>blockBytes(cb, k + 1 + SIM_LAG);
        break;
      }
    }
  }
  capsPredictSaved = total > 0 ? saved / total : 0;
  return capsPredictSaved;
}
