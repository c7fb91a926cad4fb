// The rate-distortion convex hull of a code-block's candidate truncation points (codec/rate/
// candidates.ts): PCRD-opt (ISO/IEC 15444-1 Annex J.14 describes the idea) only ever stops a block
// at a hull point, and a threshold slope lambda selects, in every block, the last hull point whose
// slope is >= lambda.

import { CodeBlock } from "../structure/tile";
import { passRecord, passesRate } from "../t1/pass_record";
import { arenaChunkAlloc } from "../util/arena";
import { MAX_PASSES } from "../util/constants";

/**
 * Upper convex hull of the points (R_k, D_k), k = 0..n (R_0 = D_0 = 0, D_k the weighted cumulative
 * distortion decrease): kept points have strictly decreasing slopes dD/dR. Passes that add bytes
 * but no distortion decrease are never kept. Fills CodeBlock.encHull*.
 * `exactLast`: the block's last pass reconstructs it exactly (reversible coding down to bit-plane 0,
 * where the dequantiser takes v >> 1 instead of the mid-point the pass records assume), so the
 * decrease after every pass is the whole of encDist0.
 */
export function hullBuild(cb: CodeBlock, wgt: f64, exactLast: bool): void {
  let n = cb.encNumPasses;
  cb.encHullN = 0;
  if (n == 0) return;
  // (one allocation: slopes, distortions, passes; the cumulative decreases in a scratch)
  // (from a chunk: the block's pass records and layer passes lie just before it, encoder.ts installBlock)
  let slopes = arenaChunkAlloc((<usize>(2 * n) << 3) + <usize>n);
  let dists = slopes + (<usize>n << 3);
  let dAt = HULL_SCRATCH; // cumulative distortion decrease after k passes
  let passes = dists + (<usize>n << 3);
  // stack of hull points as pass counts; rates/distortions recomputed from the records
  let m = 0;
  let cumD: f64 = 0;
  store<f64>(dAt, 0);
  for (let k = 1; k <= n; k++) {
    cumD += passRecord(cb.encPasses, k - 1).distDecrease * wgt;
    store<f64>(dAt + (<usize>k << 3), cumD);
  }
  if (exactLast) store<f64>(dAt + (<usize>n << 3), max(cumD, cb.encDist0 * wgt));
  for (let k = 1; k <= n; k++) {
    let Rk = <f64>passesRate(cb.encPasses, k);
    let Dk = load<f64>(dAt + (<usize>k << 3));
    while (true) {
      let pk = m == 0 ? 0 : <i32>load<u8>(passes + <usize>(m - 1));
      let Rp = <f64>passesRate(cb.encPasses, pk);
      let Dp = load<f64>(dAt + (<usize>pk << 3));
      let dR = Rk - Rp, dD = Dk - Dp;
      if (dD <= 0) {
        // no gain. With fewer bytes and the same distortion (an HT set whose cleanup reconstructs
        // what the set above it reaches with its SigProp and MagRef passes, in fewer bytes) the
        // point replaces the previous one; otherwise it is not a candidate (nor is a pass of an HT
        // set that was not coded: rate 0)
        if (m > 0 && dR < 0 && Rk > 0 && dD >= -1e-9 * abs(Dk)) {
          m--;
          continue;
        }
        break;
      }
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

/** f64[MAX_PASSES + 1]: hullBuild's cumulative distortion decreases. */
const HULL_SCRATCH: usize = memory.data(<i32>(MAX_PASSES + 1) << 3, 16);

/** Passes of the last hull point with slope >= lambda (0 if none). */
// @ts-ignore: decorator
@inline
export function hullTruncation(cb: CodeBlock, lambda: f64): i32 {
  let n = 0;
  for (let i = 0; i < cb.encHullN; i++) {
    if (load<f64>(cb.encHullSlopes + (<usize>i << 3)) < lambda) break;
    n = <i32>load<u8>(cb.encHullPasses + <usize>i);
  }
  return n;
}

/** Weighted distortion decrease of the first `passes` passes (at the last hull point within them). */
export function hullGain(cb: CodeBlock, passes: i32): f64 {
  let g: f64 = 0;
  for (let i = 0; i < cb.encHullN; i++) {
    if (<i32>load<u8>(cb.encHullPasses + <usize>i) > passes) break;
    g = load<f64>(cb.encHullDist + (<usize>i << 3));
  }
  return g;
}

/** Passes of the block's last hull point (every pass after it lowers no distortion). */
export function hullLastPasses(cb: CodeBlock): i32 {
  return cb.encHullN > 0 ? <i32>load<u8>(cb.encHullPasses + <usize>(cb.encHullN - 1)) : 0;
}

/** Codeword bytes of the first `passes` passes. */
// @ts-ignore: decorator
@inline
export function blockBytes(cb: CodeBlock, passes: i32): i32 {
  return <i32>passesRate(cb.encPasses, passes);
}
