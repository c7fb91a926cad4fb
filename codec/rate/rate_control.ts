// Rate control, all of it (docs/ARCHITECTURE.md, "Rate control"): from the host's per-layer
// targets (byte budgets, or squared-error targets from PSNR) to the number of passes every block
// sends in every layer, plus the one decision that needs the block coder again — a finer 9/7
// quantisation step when the targets ask for more than every pass at the current step gives.
//
//   rateControlStart(job)   before anything is coded: whether T1 must record distortions, the
//                           starting 9/7 step for squared-error targets, the finest step allowed
//   rateControl(job)        after T1: layers formed (rate/pcrd.ts), sizes measured
//                           (rate/measure.ts), per-layer estimates and LAYER_* statuses; returns
//                           RATE_REFINE (with job.baseStep lowered) when the blocks must be coded
//                           again at a finer step, else RATE_DONE.
//
// Squared-error targets are met from the distortions T1 records per pass, weighted to the image
// (rate/weights.ts): the estimate of a layer is Σ_blocks w_b · (encDist0 − included decrease),
// plus the output rounding noise (1/12 per sample, the error of rounding to integers). No decode.

import { EncodeJob, layerF64 } from "../encode_job";
import { compSiz } from "../codestream/params";
import { Pcrd, pcrdPrepare, pcrdAllocate, pcrdAssignAll, pcrdLayerComplete } from "./pcrd";
import { measureLayers, measureForget, measureSeal, measureUnseal } from "./measure";
import { htLayersAllocate, HT_LAYERS_MAX } from "./ht_layers";
import { capsCheck } from "./caps";
import { arenaAlloc, arenaAllocZeroed } from "../util/arena";
import { stageEnter, stageLeave, STAGE_RATE } from "../util/stages";
import {
  LAYER_NO_TARGET, LAYER_MET, LAYER_HEADERS_OVER_BUDGET, LAYER_ALL_PASSES, LAYER_ERROR_NOT_REACHED,
} from "../api_fields";

export const RATE_DONE: i32 = 0;
export const RATE_REFINE: i32 = 1;
/** Blocks coded with an early stop ended too soon for these layers (rate/caps.ts): code the CAP_RECODE ones again, then rate control again. */
export const RATE_RECODE: i32 = 2;

/** Most times the blocks are coded again at a finer step. */
const MAX_REFINEMENTS: i32 = 3;
/** A byte budget counts as filled at this fraction (below it, with every pass in, the step is refined). */
const BUDGET_FILLED: f64 = 0.99;
/**
 * HT block coder (cblkStyle bit 6): its step is chosen for the budget before coding (rate/ht_plan.ts),
 * so a fill of 97 % counts, and a refinement lowers the step by the missing share only
 * (rate ~ -log2 step: the step times (size / budget)^2) instead of a factor of 4.
 */
const HT_BUDGET_FILLED: f64 = 0.97;
/** Output rounding noise per sample: the variance of rounding to integers, 1/12. */
const ROUNDING_NOISE: f64 = 1.0 / 12.0;


/** Is there any byte or squared-error target? */
function anyTarget(job: EncodeJob): bool {
  for (let l = 0; l < job.layers; l++) {
    if (layerF64(job.layerBytes, l) > 0 || layerF64(job.layerDist, l) > 0) return true;
  }
  return false;
}

/**
 * Finest 9/7 base step the 32-bit path allows: quantised magnitudes need at most 29 integer bits
 * and a sub-band at most 30 bit-planes. The low-pass band of L levels grows by about one bit per
 * level relative to the step, so with up to 6 levels steps below 2^(bits - 22) could overflow.
 */
export function rateFinestStep(job: EncodeJob): f64 {
  let prec = 1;
  let siz = job.cs.siz;
  for (let c = 0; c < siz.Csiz; c++) prec = max(prec, compSiz(siz, c).prec);
  return Math.pow(2.0, <f64>max(prec - 22, -30));
}

/** Before coding: distortion bookkeeping on or off, and the starting step for squared-error targets. */
export function rateControlStart(job: EncodeJob): void {
  rateRuns = 0;
  measureUnseal();
  job.wantDistortion = anyTarget(job) ? 1 : 0;
  if (job.cs.cod.reversible != 0) return;
  // A squared-error target sets a step whose quantisation noise stays well under it: half the
  // RMS error allowed by the finest (smallest) target.
  let finest: f64 = Infinity;
  for (let l = 0; l < job.layers; l++) {
    let d = layerF64(job.layerDist, l);
    if (d > 0 && d < finest) finest = d;
  }
  if (finest < Infinity && job.numSamples > 0) {
    job.baseStep = min(job.baseStep, 0.5 * Math.sqrt(finest / job.numSamples));
  }
  job.baseStep = max(job.baseStep, rateFinestStep(job));
}

/** After T1: form the layers; RATE_REFINE asks for the blocks to be coded again at job.baseStep. */
/** Rate control runs since the last encode started (rateControlStart; for benchmarks). */
export let rateRuns: i32 = 0;

export function rateControl(job: EncodeJob): i32 {
  rateRuns++;
  stageEnter(STAGE_RATE);
  let rc = rateControlRun(job);
  stageLeave(STAGE_RATE);
  return rc;
}

function rateControlRun(job: EncodeJob): i32 {
  measureUnseal();
  let L = job.layers;
  if (!anyTarget(job)) {
    pcrdAssignAll(job);
    job.allPasses = pcrdLayerComplete(job, L - 1) ? 1 : 0;
    measureLayers(job, L - 1, job.layerSizes);
    for (let l = 0; l < L; l++) store<i32>(job.layerStatus + (<usize>l << 2), LAYER_NO_TARGET);
    return RATE_DONE;
  }
  job.pcrd = changetype<usize>(pcrdPrepare(job));
  let worst = rateAllocate(job);
  if (capsCheck(job)) return RATE_RECODE;
  // A finer 9/7 step, when it can help: a budget that every pass leaves unfilled (the quantiser,
  // not the rate, limits the layer), or an error target above what every pass reaches.
  let floor = rateFinestStep(job);
  if (job.cs.cod.reversible != 0 || job.refinements >= MAX_REFINEMENTS || job.baseStep <= floor) return RATE_DONE;
  let refineBudget = false;
  let fill: f64 = 1;
  for (let l = 0; l < L; l++) {
    if (load<i32>(job.layerStatus + (<usize>l << 2)) == LAYER_ALL_PASSES) {
      refineBudget = true;
      fill = min(fill, layerF64(job.layerSizes, l) / layerF64(job.layerBytes, l));
    }
  }
  if (refineBudget) {
    let ht = (job.cs.cod.cblkStyle & 0x40) != 0;
    job.baseStep = max(floor, ht ? job.baseStep * min(fill * fill, 0.97) : job.baseStep / 4);
  } else if (worst > 0) {
    // the error at full coding scales with the step squared: aim at a quarter of the target
    let f = worst == Infinity ? 0.25 : Math.sqrt(0.25 / worst);
    job.baseStep = max(floor, job.baseStep * min(max(f, 1.0 / 16.0), 0.5));
  } else {
    return RATE_DONE;
  }
  job.refinements++;
  return RATE_REFINE;
}

/**
 * Form the layers again from the current targets (the host may have tightened squared-error
 * targets after checking a decode), keeping the coded blocks and the step. For rateControl's
 * RATE_DONE state only. Returns RATE_RECODE when blocks coded with an early stop must be coded in
 * full first (then job.pcrd must be reset to 0 and this called again).
 */
export function rateReallocate(job: EncodeJob): i32 {
  measureUnseal();
  if (!anyTarget(job)) {
    rateControl(job);
    return RATE_DONE;
  }
  if (job.pcrd == 0) job.pcrd = changetype<usize>(pcrdPrepare(job)); // (after RATE_RECODE: the hulls again)
  rateAllocate(job);
  return capsCheck(job) ? RATE_RECODE : RATE_DONE;
}

/**
 * Layers from the targets with the prepared hulls (job.pcrd); sizes measured, estimates and
 * statuses stored. Returns the largest estimate/target ratio of a squared-error layer that every
 * pass leaves above its target (0 if none).
 */
function rateAllocate(job: EncodeJob): f64 {
  let L = job.layers;
  let st = changetype<Pcrd>(job.pcrd);
  let sizes = job.layerSizes;
  // continuous-error part of each squared-error target: less the output rounding. (The estimate
  // assumes uncorrelated coefficient errors; truncation errors are correlated, so the image error
  // can be up to ~16 % above it at low rates: the host's check of the decoded layers corrects that,
  // and aiming lower here would cost bytes in every layer the estimate gets right.)
  let rounding = ROUNDING_NOISE * job.numSamples;
  let errTargets = arenaAllocZeroed(<usize>L << 3);
  for (let l = 0; l < L; l++) {
    let d = layerF64(job.layerDist, l);
    if (d > 0) store<f64>(errTargets + (<usize>l << 3), max(d - rounding, 0));
  }
  let est = arenaAlloc(<usize>L << 3);
  // HT blocks in several layers: which HT sets each block sends in which layers (rate/ht_layers.ts;
  // its search grows with the square of the layer count: beyond HT_LAYERS_MAX, PCRD on the blocks'
  // whole hulls, where a later layer may send a finer set in full again). A last layer without a
  // target (ratio 1: lossless) must send every block's full set: PCRD does that, ht_layers does not.
  // PSNR targets stay with PCRD too: ht_layers missed some (kodim03 and kodim08 at psnr 30/36/42
  // failed the host's check of the decoded layers).
  let htLayers = layerF64(job.layerBytes, L - 1) > 0;
  for (let l = 0; l < L; l++) if (layerF64(job.layerDist, l) > 0) htLayers = false;
  if ((job.cs.cod.cblkStyle & 0x40) != 0 && L > 1 && L <= HT_LAYERS_MAX && htLayers) htLayersAllocate(job, st, errTargets, est);
  else pcrdAllocate(job, st, errTargets, est);
  job.allPasses = pcrdLayerComplete(job, L - 1) ? 1 : 0;
  measureLayers(job, L - 1, sizes); // (from pcrdAllocate's kept state of layers 0..L-2 when it kept one)
  measureSeal(job); // (the final write may copy the packet headers the trials coded)
  measureForget();

  // statuses and estimates (sample units, rounding included unless the layer is lossless)
  let lossless = job.cs.cod.reversible != 0;
  let worst: f64 = 0;
  for (let l = 0; l < L; l++) {
    let e = layerF64(est, l);
    let estimate = lossless && pcrdLayerComplete(job, l) ? 0 : e + rounding;
    store<f64>(job.layerEstimate + (<usize>l << 3), estimate);
    let budget = layerF64(job.layerBytes, l);
    let status = LAYER_NO_TARGET;
    if (budget > 0) {
      let size = layerF64(sizes, l);
      if (size > budget) status = LAYER_HEADERS_OVER_BUDGET;
      else if (job.allPasses != 0 && size < ((job.cs.cod.cblkStyle & 0x40) != 0 ? HT_BUDGET_FILLED : BUDGET_FILLED) * budget) status = LAYER_ALL_PASSES;
      else status = LAYER_MET;
    } else if (layerF64(job.layerDist, l) > 0) {
      let target = layerF64(errTargets, l);
      if (e <= target) status = LAYER_MET;
      else {
        status = LAYER_ERROR_NOT_REACHED;
        worst = max(worst, target > 0 ? e / target : Infinity);
      }
    }
    store<i32>(job.layerStatus + (<usize>l << 2), status);
  }
  return worst;
}
