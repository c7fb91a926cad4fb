// The encoder's marker parameters checked and completed before anything is coded (A.5.1 SIZ,
// A.6.1 COD): tile grid, code-block size, levels (clamped to the image), precinct sizes.

import { EncodeJob, compWidth, compHeight } from "../encode_job";
import { compSiz, MAX_LEVELS } from "./params";
import { fail } from "../util/fail";
import { ERR_ENCODE_OPTIONS } from "../util/error_codes";
import {
  CHECK_TILE_SIZE, CHECK_TILE_ORIGIN, CHECK_FIRST_TILE, CHECK_TOO_MANY_TILES, CHECK_CODE_BLOCK_SIZE,
  CHECK_LEVELS, CHECK_LAYERS, CHECK_PRECISION, CHECK_SUBSAMPLING, CHECK_MCT_COMPONENTS, CHECK_MCT_SAMPLING,
  CHECK_PRECINCT_SIZE,
} from "../api_fields";
import { ceilDiv, floorLog2 } from "../util/math";

/** Check the parameters (A.5.1, A.6.1) and derive the tile grid. */
export function encodeParamsValidate(job: EncodeJob): void {
  let cs = job.cs;
  let siz = cs.siz;
  let s = cs.cod;
  if (siz.XTsiz < 1 || siz.YTsiz < 1) fail(ERR_ENCODE_OPTIONS, -1, CHECK_TILE_SIZE, siz.XTsiz);
  if (siz.XTOsiz > siz.XOsiz || siz.YTOsiz > siz.YOsiz) fail(ERR_ENCODE_OPTIONS, -1, CHECK_TILE_ORIGIN, siz.XTOsiz);
  if (<i64>siz.XTOsiz + <i64>siz.XTsiz <= <i64>siz.XOsiz || <i64>siz.YTOsiz + <i64>siz.YTsiz <= <i64>siz.YOsiz) {
    fail(ERR_ENCODE_OPTIONS, -1, CHECK_FIRST_TILE, siz.XTsiz);
  }
  let tx = <i64>ceilDiv(siz.Xsiz - siz.XTOsiz, siz.XTsiz);
  let ty = <i64>ceilDiv(siz.Ysiz - siz.YTOsiz, siz.YTsiz);
  if (tx * ty > 65535) fail(ERR_ENCODE_OPTIONS, -1, CHECK_TOO_MANY_TILES, <i32>min(tx * ty, <i64>0x7fffffff));
  siz.tilesX = <i32>tx;
  siz.tilesY = <i32>ty;
  siz.numTiles = <i32>(tx * ty);
  if (s.xcb < 2 || s.ycb < 2 || s.xcb > 10 || s.ycb > 10 || s.xcb + s.ycb > 12) fail(ERR_ENCODE_OPTIONS, -1, CHECK_CODE_BLOCK_SIZE, s.xcb);
  if (s.levels < 0 || s.levels > MAX_LEVELS) fail(ERR_ENCODE_OPTIONS, -1, CHECK_LEVELS, s.levels);
  if (cs.gcod.layers < 1 || cs.gcod.layers > 65535) fail(ERR_ENCODE_OPTIONS, -1, CHECK_LAYERS, cs.gcod.layers);
  // Clamp the decomposition levels to the image: more levels than log2(size) only add empty
  // resolutions (the host reports the clamp: EncoderInfo.levels vs levelsAsked).
  job.levelsAsked = s.levels;
  let minDim = 0x7fffffff;
  for (let c = 0; c < siz.Csiz; c++) {
    minDim = min(minDim, min(compWidth(siz, c), compHeight(siz, c)));
    let k = compSiz(siz, c);
    minDim = min(minDim, min(ceilDiv(siz.XTsiz, k.dx), ceilDiv(siz.YTsiz, k.dy)));
  }
  let maxLevels = floorLog2(<u32>max(minDim, 1));
  if (s.levels > maxLevels) s.levels = maxLevels;
  job.numSamples = 0;
  for (let c = 0; c < siz.Csiz; c++) {
    let k = compSiz(siz, c);
    if (k.prec < 1 || k.prec > 24) fail(ERR_ENCODE_OPTIONS, -1, CHECK_PRECISION, k.prec);
    if (k.dx < 1 || k.dx > 255 || k.dy < 1 || k.dy > 255) fail(ERR_ENCODE_OPTIONS, -1, CHECK_SUBSAMPLING, k.dx);
    job.numSamples += <f64>compWidth(siz, c) * <f64>compHeight(siz, c);
  }
  if (cs.gcod.mct != 0) {
    if (siz.Csiz < 3) fail(ERR_ENCODE_OPTIONS, -1, CHECK_MCT_COMPONENTS, siz.Csiz);
    let a = compSiz(siz, 0), b = compSiz(siz, 1), d = compSiz(siz, 2);
    // G.2/G.3: the transform needs identically sampled first three components
    if (a.dx != b.dx || a.dx != d.dx || a.dy != b.dy || a.dy != d.dy) fail(ERR_ENCODE_OPTIONS, -1, CHECK_MCT_SAMPLING, 0);
  }
  // Precincts given from the highest resolution down; below the last one given, each lower
  // resolution halves it (as opj_compress -c), never below 2x2.
  if (job.numPrecinctSizes > 0) {
    s.userPrecincts = 1;
    let n = job.numPrecinctSizes;
    for (let r = 0; r <= s.levels; r++) {
      let i = s.levels - r;
      let v = <i32>load<u8>(job.precinctsFromTop + <usize>min(i, n - 1));
      if (i >= n) {
        let k = i - (n - 1);
        let px = max((v & 15) - k, min(v & 15, 1));
        let py = max((v >> 4) - k, min(v >> 4, 1));
        v = px | (py << 4);
      }
      store<u8>(s.pp + <usize>r, <u8>v);
    }
  }
  // Precincts: PPx, PPy >= 1 above resolution 0 (B.6)
  if (s.userPrecincts != 0) {
    for (let r = 1; r <= s.levels; r++) {
      let v = <i32>load<u8>(s.pp + <usize>r);
      if ((v & 15) == 0 || (v >> 4) == 0) fail(ERR_ENCODE_OPTIONS, -1, CHECK_PRECINCT_SIZE, r);
    }
  }
}
