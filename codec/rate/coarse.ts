// Coarser 9/7 steps where the last layer never reaches the lowest bit-plane (issue 14, item 1).
//
// With byte budgets the encoder quantises at a fine base step and lets rate control truncate. The
// lowest bit-plane then holds a third or more of a block's codeword bytes (and most of the symbols
// the block coder codes), but at 40/20/10 the last layer keeps almost none of it. Where the pilots
// (rate/caps.ts: a few blocks per band coded in full before the others) say their band's last-layer
// truncation stays above that bit-plane with room to spare, the band's step is doubled: its
// exponent εb is lowered by one in the QCD (A.6.4, E.1.1.1: Δb = 2^(Rb − εb)(1 + μb/2^11), so Δb
// doubles exactly), and the band is coded without the bit-plane nobody sends.
//
// Why a doubled band codes the same passes: the deadzone index at 2Δ is ⌊|x|/(2Δ)⌋ = ⌊|x|/Δ⌋ >> 1
// (E.1), so bit-plane p at 2Δ is bit-plane p + 1 at Δ. The band is quantised with one more fraction
// bit (encode_block.ts: the same f32 product x·(1/Δ)·2^6 = x·(1/(2Δ))·2^7, the same i32 magnitudes),
// and the block coder works on the bits at fracBits + p (t1/distortion.ts): every pass above the
// lowest bit-plane codes the same symbols with the same MQ states, so its truncation length is the
// same, and its distortion decrease (a multiple of 2^(p − fb) squared steps) is exactly 1/4 as many
// (2Δ)² — the band weight (rate/weights.ts: Δb²) is 4 times larger, so the weighted slopes are the
// same f64 values. The decoder's mid-point reconstruction of a block truncated at plane p + 1 of
// Δ is that of plane p of 2Δ (E.1.1.2, r = 1/2 of the interval). What differs: the block's last pass
// is now the cleanup of the old plane 1, terminated (its length is the flushed one, not the
// truncation estimate), and the hull has no points past it. So where rate control would not have
// sent a pass of the lowest bit-plane, the layers are the same, apart from the QCD bytes; where it
// would have, a doubled band loses them: the margin below keeps that away (the rule is checked on
// every benchcorpus image and ratio set, test/encoder/coarse_steps.test.ts and the commit message).

import { EncodeJob, jobQuant, layerF64 } from "../encode_job";
import { MAX_BANDS } from "../codestream/params";
import { cblkIterNew, cblkIterNext } from "../structure/cblk_iter";
import { hullTruncation } from "./hull";
import { CAP_NONE } from "./caps";
import { CodeBlock } from "../structure/tile";
import { passRecord } from "../t1/pass_record";
import { arenaAllocZeroed } from "../util/arena";

/**
 * A band is doubled only if, in every pilot, the first hull point in the lowest bit-plane has a
 * slope below this fraction of the estimated last-layer threshold. capsEstimate lands within
 * 0.5-1.2x of the final threshold on the benchcorpus (encoder.ts STOP_SLOPE_FRACTION), and the budget
 * fill may add a hull point below it. Pilot maxima on the benchcorpus (kodim03 40/20/10, kodim08
 * 10/5): bands whose lowest bit-plane some layer keeps 0.69-0.78, those of no loss up to 1.1.
 */
export const COARSE_MARGIN: f64 = 0.75;
/**
 * The same where the pilots are fewer than 1 in COARSE_SAMPLED_SHARE of the band's blocks (the
 * finest bands: 1 in 8): their largest slope underestimates the band's. Alone, kodim03 40/20/10's
 * band 14 (pilots 0.78) costs its last layer 0.0024 dB, kodim08 10/5's bands 13 and 14 (0.70, 0.71)
 * 0.0003 and 0.0005 dB, kodim07 40/20/10's band 14 (0.56) 0.0006 dB (with its band 13, 0.50:
 * +0.0007, and the rest the same to 0.001 dB). 0.6 against 0.5: saw 20:1 15 bands instead of 8
 * (1.18x CPU instead of 1.03x), kodim07 40/20/10 8 instead of 5 (1.12x instead of 1.01x).
 */
export const COARSE_MARGIN_SAMPLED: f64 = 0.6;
export const COARSE_SAMPLED_SHARE: i32 = 4;

let coarseOn: i32 = 1;
/** u8 per (component, band index): 1 where the band's step was doubled (this encode). */
let coarseFlags: usize = 0;
let coarseComps: i32 = 0;
/** Bands doubled in the last encode (for tests and benchmarks: encoderEarlyStops(11)). */
export let coarseBands: i32 = 0;

/** Coarser steps on (1, the default) or off (0: every band at the base step; the exact path tests compare with). */
export function coarseSetOn(on: i32): void {
  coarseOn = on;
}

export function coarseEnabled(): bool {
  return coarseOn != 0;
}

/** Forget the last choice (before the blocks are coded at a new base step). */
export function coarseReset(): void {
  coarseFlags = 0;
  coarseComps = 0;
  coarseBands = 0;
}

/** Was sub-band `b` of component `c` given the doubled step? */
export function coarseBand(c: i32, b: i32): bool {
  if (coarseFlags == 0 || c >= coarseComps) return false;
  return load<u8>(coarseFlags + <usize>c * MAX_BANDS + <usize>b) != 0;
}

/** Passes of a block with numBps magnitude bit-planes that lie above its lowest bit-plane (3·numBps − 5, D.3). */
function passesAbovePlane0(numBps: i32): i32 {
  return numBps >= 2 ? 3 * numBps - 5 : 0;
}

/**
 * A pilot coded in full at the base step, as a block of the doubled step: its passes above the lowest
 * bit-plane (the same symbols, so the same truncation lengths: its codeword cut at the last of them
 * decodes as that pass's truncation point, D.4.1, which is what the base-step encode sends when a
 * layer stops there), with distortions and energy in (2Δ)² (× 1/4, exact: see the file header), one
 * magnitude bit-plane fewer. The codeword bytes after that pass are never sent (T2 sends rates).
 */
function coarsePilot(cb: CodeBlock): void {
  let nb = cb.encNumBps;
  if (nb <= 0) return;
  let k = passesAbovePlane0(nb);
  for (let i = 0; i < k; i++) {
    let r = passRecord(cb.encPasses, i);
    r.distDecrease *= 0.25;
  }
  if (k > 0) passRecord(cb.encPasses, k - 1).flags = 0; // (cut, not terminated)
  cb.encNumPasses = k;
  cb.encNumBps = nb - 1;
  cb.encDist0 *= 0.25;
  cb.encHullN = 0;
  cb.encHullWeight = 0; // (its hull is built again, at the doubled band's weight)
}

/**
 * After capsEstimate (the pilots' hulls built, `lambda` the estimated last-layer threshold, 0 if
 * none): double the step of every (component, band) whose pilots all truncate above their lowest
 * bit-plane at COARSE_MARGIN·lambda (and at least one of them codes anything), in the QCD/QCC
 * entries (εb − 1) and in every tile's Band.step (the caller's encodeStepsBands), and turn those
 * bands' pilots into blocks of the new step (coarsePilot). Returns the bands doubled.
 */
export function coarseChoose(job: EncodeJob, lambda: f64): i32 {
  coarseReset();
  if (coarseOn == 0 || !(lambda > 0) || job.cs.cod.reversible != 0) return 0;
  // byte budgets only: a squared-error target may be tightened after the host's decode check
  // (encodeReallocate), and a doubled band could not give it the passes it gave up
  for (let l = 0; l < job.layers; l++) {
    if (layerF64(job.layerBytes, l) <= 0 || layerF64(job.layerDist, l) > 0) return 0;
  }
  let C = job.cs.siz.Csiz;
  let n0 = <usize>C * MAX_BANDS;
  // per (c, b): the largest slope of a pilot's first hull point in its lowest bit-plane (/ lambda),
  // its pilots that code anything, its blocks
  let worst = arenaAllocZeroed(n0 << 3);
  let pilots = arenaAllocZeroed(n0 << 2);
  let blocks = arenaAllocZeroed(n0 << 2);
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let cb = it.cb;
    let i = <usize>it.c * MAX_BANDS + <usize>it.bd.index;
    store<i32>(blocks + (i << 2), load<i32>(blocks + (i << 2)) + 1);
    if (cb.encCapped != CAP_NONE || cb.encNumPasses == 0) continue; // (not a pilot, or an empty one: says nothing)
    store<i32>(pilots + (i << 2), load<i32>(pilots + (i << 2)) + 1);
    let a = passesAbovePlane0(cb.encNumBps);
    for (let h = 0; h < cb.encHullN; h++) {
      if (<i32>load<u8>(cb.encHullPasses + <usize>h) > a) {
        let r = load<f64>(cb.encHullSlopes + (<usize>h << 3)) / lambda;
        store<f64>(worst + (i << 3), max(load<f64>(worst + (i << 3)), r));
        break;
      }
    }
  }
  let verdict = arenaAllocZeroed(n0);
  for (let i: usize = 0; i < n0; i++) {
    let p = load<i32>(pilots + (i << 2));
    if (p == 0) continue;
    let margin = p * COARSE_SAMPLED_SHARE >= load<i32>(blocks + (i << 2)) ? COARSE_MARGIN : COARSE_MARGIN_SAMPLED;
    store<u8>(verdict + i, load<f64>(worst + (i << 3)) < margin ? 1 : 2);
  }
  // one verdict per band index for all components: components whose steps differ need a QCC
  // marker each (A.6.5), whose bytes every layer's budget would lose (kodim03 40/20/10 with one
  // band of one component doubled: -0.013 dB in layer 1)
  let n = 0;
  let nb = jobQuant(job, 0).count;
  for (let b = 0; b < nb; b++) {
    let ok = false;
    for (let c = 0; c < C; c++) {
      let v = load<u8>(verdict + <usize>c * MAX_BANDS + <usize>b);
      let q = jobQuant(job, c);
      if (v == 2 || b >= q.count || (<i32>load<u16>(q.steps + (<usize>b << 1)) >> 11) == 0) {
        ok = false;
        break;
      }
      if (v == 1) ok = true;
    }
    for (let c = 0; c < C; c++) store<u8>(verdict + <usize>c * MAX_BANDS + <usize>b, ok ? 1 : 0);
    if (!ok) continue;
    for (let c = 0; c < C; c++) {
      let q = jobQuant(job, c);
      let e = <i32>load<u16>(q.steps + (<usize>b << 1));
      store<u16>(q.steps + (<usize>b << 1), <u16>(e - (1 << 11))); // εb − 1: Δb doubled
    }
    n++;
  }
  if (n == 0) return 0;
  coarseFlags = verdict;
  coarseComps = C;
  coarseBands = n;
  // the pilots of doubled bands become what coding them at the doubled step gives, without coding them again
  it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  while (cblkIterNext(it)) {
    if (it.cb.encCapped == CAP_NONE && coarseBand(it.c, it.bd.index)) coarsePilot(it.cb);
  }
  return n;
}
