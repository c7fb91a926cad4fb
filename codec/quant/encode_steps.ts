// The encoder's quantisation parameters (E.1, A.6.4): one step per sub-band from the base step
// (9/7) or none (5/3), then, once every block is coded, exponents / guard bits that cover the
// coded magnitudes (E-2) and each block's zero bit-planes (B.10.5).

import { EncodeJob, jobQuant } from "../encode_job";
import { newQuantStyle, compSiz, QUANT_NONE, QUANT_EXPOUNDED, MAX_BANDS } from "../codestream/params";
import { bandGainLog2, MAX_BITPLANES } from "../structure/tile";
import { cblkIterNew, cblkIterNext } from "../structure/cblk_iter";
import { dwtSynthesisNorm } from "../transform/dwt_norms";
import { stepSizeEncode, stepSizeDecode } from "./step_size";
import { coarseReset } from "../rate/coarse";
import { arenaAlloc, arenaAllocZeroed } from "../util/arena";
import { fail } from "../util/fail";
import { ERR_ENCODE_OPTIONS, ERR_INTERNAL } from "../util/error_codes";
import { CHECK_EXPONENT_RANGE, CHECK_GUARD_BITS_NEEDED, CHECK_BITPLANES } from "../api_fields";

/** Per-component quantisation styles (allocated once; steps from job.baseStep). */
export function encodeStepsSetup(job: EncodeJob): void {
  let siz = job.cs.siz;
  job.quants = arenaAlloc(<usize>siz.Csiz * sizeof<usize>());
  for (let c = 0; c < siz.Csiz; c++) store<usize>(job.quants + (<usize>c << alignof<usize>()), changetype<usize>(newQuantStyle()));
  encodeStepsFromBase(job);
  job.cs.qcd = jobQuant(job, 0);
}

/**
 * Exponents/mantissas of every sub-band of every component from job.baseStep (irreversible:
 * Delta_b = baseStep / ||synthesis basis of b||, in units of the sample range) or the band's
 * nominal range (reversible), with job.guard guard bits. Called again when rate control refines
 * the step; encodeStepsBands() then updates the tiles.
 */
export function encodeStepsFromBase(job: EncodeJob): void {
  coarseReset(); // (no band at a doubled step: rate/coarse.ts chooses them again once the pilots are coded)
  let cs = job.cs;
  let siz = cs.siz;
  let s = cs.cod;
  let NL = s.levels;
  for (let c = 0; c < siz.Csiz; c++) {
    let q = jobQuant(job, c);
    q.guard = job.guard;
    q.count = 3 * NL + 1;
    let prec = compSiz(siz, c).prec;
    for (let b = 0; b < q.count; b++) {
      let orient = b == 0 ? 0 : ((b - 1) % 3) + 1;
      let lev = b == 0 ? NL : NL - (b - 1) / 3; // decomposition level of the band
      let Rb = prec + bandGainLog2(orient);
      if (s.reversible != 0) {
        q.style = QUANT_NONE;
        store<u16>(q.steps + (<usize>b << 1), <u16>(Rb << 11));
      } else {
        q.style = QUANT_EXPOUNDED;
        let step = job.baseStep / dwtSynthesisNorm(0, lev, orient);
        store<u16>(q.steps + (<usize>b << 1), <u16>stepSizeEncode(step, Rb));
      }
    }
  }
}

/** Set Band.step of every band of every tile from the current quantisation styles (E-3). */
export function encodeStepsBands(job: EncodeJob): void {
  let it = cblkIterNew(job.tiles, job.cs.siz.numTiles);
  let lastBand: usize = 0;
  while (cblkIterNext(it)) {
    let bd = it.bd;
    if (changetype<usize>(bd) == lastBand) continue;
    lastBand = changetype<usize>(bd);
    let q = jobQuant(job, it.c);
    if (q.style == QUANT_NONE) {
      bd.step = 1.0;
    } else {
      let v = <i32>load<u16>(q.steps + (<usize>bd.index << 1));
      bd.step = <f32>stepSizeDecode(v >> 11, v & 0x7ff, it.tc.prec + bandGainLog2(bd.orient));
    }
  }
}

/**
 * Choose exponents / guard bits so that Mb = G + epsilon_b - 1 covers every code-block (E-2), then
 * set each block's zero bit-planes. For the reversible path (no quantisation) epsilon_b is free;
 * for the irreversible path the guard bits grow instead (up to 7).
 */
export function encodeStepsFinish(job: EncodeJob): void {
  let cs = job.cs;
  let C = cs.siz.Csiz;
  let NL = cs.cod.levels;
  // Largest numBps per (component, band) over all tiles.
  let need = arenaAllocZeroed(<usize>C * MAX_BANDS * 4);
  let it = cblkIterNew(job.tiles, cs.siz.numTiles);
  while (cblkIterNext(it)) {
    let p = need + ((<usize>it.c * MAX_BANDS + <usize>it.bd.index) << 2);
    store<i32>(p, max(load<i32>(p), it.cb.encNumBps));
  }
  for (let c = 0; c < C; c++) {
    let q = jobQuant(job, c);
    let nb = 3 * NL + 1;
    for (let b = 0; b < nb; b++) {
      let e = <i32>(load<u16>(q.steps + (<usize>b << 1)) >> 11);
      let bps = load<i32>(need + ((<usize>c * MAX_BANDS + <usize>b) << 2));
      if (q.style == QUANT_NONE) {
        // no quantisation: epsilon_b is free, raise it to cover the band
        e = max(e, bps - q.guard + 1);
        if (e > 31) fail(ERR_ENCODE_OPTIONS, -1, CHECK_EXPONENT_RANGE, e);
        store<u16>(q.steps + (<usize>b << 1), <u16>(e << 11));
      } else {
        // the step is fixed: more guard bits instead
        q.guard = max(q.guard, bps - e + 1);
      }
    }
    if (q.guard > 7) fail(ERR_ENCODE_OPTIONS, -1, CHECK_GUARD_BITS_NEEDED, q.guard);
  }
  // Mb per band (E-2) and zero bit-planes per block (B.10.5)
  it = cblkIterNew(job.tiles, cs.siz.numTiles);
  let lastBand: usize = 0;
  while (cblkIterNext(it)) {
    let bd = it.bd;
    if (changetype<usize>(bd) != lastBand) {
      lastBand = changetype<usize>(bd);
      let q = jobQuant(job, it.c);
      bd.Mb = q.guard + (<i32>(load<u16>(q.steps + (<usize>bd.index << 1)) >> 11)) - 1;
      if (bd.Mb > MAX_BITPLANES) fail(ERR_ENCODE_OPTIONS, -1, CHECK_BITPLANES, bd.Mb);
    }
    it.cb.zbp = bd.Mb - it.cb.encNumBps;
    if (it.cb.zbp < 0) fail(ERR_INTERNAL, -1, 43, it.cb.zbp);
  }
}
