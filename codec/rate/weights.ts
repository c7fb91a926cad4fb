// Distortion weights: a squared error of 1 (quantisation step)² in a coefficient of sub-band b of
// component c becomes (Delta_b · ||synthesis basis_b||)² · w_c squared error in the image samples,
// with w_c the squared gain of the inverse colour transform (G.2, G.3) for that component. Exact
// for orthonormal transforms and uncorrelated errors; close for the 9/7 and 5/3 wavelets.

import { CblkIter } from "../structure/cblk_iter";
import { TileComp, Band } from "../structure/tile";
import { dwtSynthesisNorm } from "../transform/dwt_norms";

/** Squared gains of the inverse colour transforms (G.2, G.3) per component: sum over R,G,B of (dX/dc)^2. */
export function componentWeight(c: i32, mct: i32, reversible: i32): f64 {
  if (mct == 0 || c > 2) return 1.0;
  if (c == 0) return 3.0;
  if (reversible != 0) return 11.0 / 16.0; // RCT: dR,dG,dB/dCb = -1/4, -1/4, 3/4 (and likewise Cr)
  // ICT inverse: R = Y + 1.402 Cr; G = Y - 0.34413 Cb - 0.71414 Cr; B = Y + 1.772 Cb
  return c == 1 ? 0.34413 * 0.34413 + 1.772 * 1.772 : 1.402 * 1.402 + 0.71414 * 0.71414;
}

/** Image-domain weight of the band the iterator is in (see the file header). */
export function bandWeight(it: CblkIter, levels: i32, mct: i32): f64 {
  return bandWeightOf(it.tc, it.r, it.bd, levels, mct);
}

/** Image-domain weight of band `bd` of resolution r of the tile-component (see the file header). */
export function bandWeightOf(tc: TileComp, r: i32, bd: Band, levels: i32, mct: i32): f64 {
  let rev = tc.style.reversible;
  let lev = r == 0 ? levels : levels - r + 1;
  let norm = dwtSynthesisNorm(rev, lev, bd.orient);
  let step = <f64>bd.step;
  return step * step * norm * norm * componentWeight(tc.c, mct, rev);
}
