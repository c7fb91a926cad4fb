// Annex B geometry of one tile: tile-components (B.4, B-12), resolutions (B.5, B-14), sub-bands
// (B.5, B-15), precincts (B.6, B-16) and code-blocks (B.7), shared by the decoder and the encoder.
// All records are @unmanaged and placed in the job arena; one tile is built at a time.

import { Codestream, TileParams, tileStyle, tileQuant, tileRoi } from "../codestream/header";
import { CodingStyle, QuantStyle, compSiz, ppx, ppy, quantExponent, quantMantissa, QUANT_NONE } from "../codestream/params";
import { arenaAllocZeroed, arenaAllocArrayZeroed } from "../util/arena";
import { fail } from "../util/fail";
import { ERR_LIMIT_CODEBLOCKS, ERR_UNSUPPORTED, ERR_BAD_COD } from "../util/error_codes";
import { TagTree, tagTreeNew } from "../t2/tag_tree";
import { ceilDiv, ceilDivPow2, floorDivPow2, exp2i } from "../util/math";

export const ORIENT_LL: i32 = 0;
export const ORIENT_HL: i32 = 1;
export const ORIENT_LH: i32 = 2;
export const ORIENT_HH: i32 = 3;

export { MAX_BITPLANES } from "../util/constants";
import { MAX_BITPLANES } from "../util/constants";

/** A code-block (B.7) with the state T2 and T1 need (decoder and encoder). */
@unmanaged
export class CodeBlock {
  /** Bounds in sub-band coordinates. */
  x0: i32;
  y0: i32;
  x1: i32;
  y1: i32;
  // --- decoder state (B.10) ---
  /** 1 once the code-block has been included in a packet. */
  included: i32;
  /** Zero bit-planes (B.10.5) once known. */
  zbp: i32;
  /** Lblock (B.10.7.1). */
  lblock: i32;
  /** Coding passes received so far. */
  numPasses: i32;
  /** Codeword segment being filled: index, passes in it, capacity. */
  curSeg: i32;
  curSegPasses: i32;
  curSegMax: i32;
  /** 1 if the block influences the decoded window (else its data is skipped). */
  needed: i32;
  /**
   * HT code-blocks (ISO/IEC 15444-15 B.x): HT_PLACEHOLDER until the first HT cleanup segment with
   * data arrives, then HT_CODED; HT_PART1 when a mixed-mode (style 0xC0) block turned out to be a
   * Part 1 block. Unused for Part 1 styles.
   */
  htMode: i32;
  /** Linked list of Piece records (codeword bytes as they arrive, packet by packet). */
  pieceHead: usize;
  pieceTail: usize;
  dataLen: i32;
  // --- encoder state ---
  /** Codeword bytes and PassRecord[] from the block coder. */
  encData: usize;
  encPasses: usize;
  encNumPasses: i32;
  encNumBps: i32;
  /** i32[layers]: cumulative passes included up to each layer. */
  encLayerPasses: usize;
  /** Passes already sent in earlier packets. */
  encSentPasses: i32;
  /**
   * HT blocks: the HT set of the block's first contribution. T2 writes zero bit-planes + this
   * (each skipped set raises the missing-MSB count) so that the set's cleanup is the first pass.
   */
  encHtBase: i32;
  /** Squared error of the block with no pass coded, in (quantisation step)² (rate control only). */
  encDist0: f64;
  /** Rate-distortion convex hull (codec/rate/hull.ts): points, pass counts (u8[]), slopes (f64[]), distortion decreases (f64[]). */
  encHullN: i32;
  encHullPasses: usize;
  encHullSlopes: usize;
  encHullDist: usize;
  /**
   * The band weight (codec/rate/weights.ts) the hull was built with when the encoder built it as it
   * installed the block (codec/encoder.ts installBlock); 0 when it did not (rate control builds it).
   */
  encHullWeight: f64;
  /** Early-stopped coding for rate control (codec/rate/caps.ts CAP_*): 0 = every pass coded. */
  encCapped: i32;
  /** A block stopped early on this thread: its resume record (codec/t1/ebcot_encoder.ts ebcotSetResume), else 0. */
  encResume: usize;
  /** Set by codec/rate/caps.ts capsCheck when the block must go on: the slope (band units) of its hull point after the final truncation. */
  encResumeSlope: f64;
}

export const HT_PLACEHOLDER: i32 = 0;
export const HT_CODED: i32 = 1;
export const HT_PART1: i32 = 2;

/** A run of codeword bytes for one codeword segment, received in one packet. */
@unmanaged
export class Piece {
  next: usize;
  ptr: usize;
  len: i32;
  seg: i32;
  passes: i32;
}

/** One sub-band's share of a precinct: its code-blocks and tag trees (B.10.2). */
@unmanaged
export class PrecinctBand {
  /** First code-block index (in the band's code-block grid) and counts. */
  cbx0: i32;
  cby0: i32;
  cw: i32;
  ch: i32;
  /** CodeBlock[cw*ch], raster order. */
  cblks: usize;
  incl: TagTree;
  imsb: TagTree;
  /**
   * 1 once the code-blocks and tag trees exist. A tile built lazily (the decoder) builds a precinct
   * when its first non-empty packet arrives (precinctBuild); until then cw = ch = 0, which is what
   * a precinct without data means to every reader (no code-block contributes).
   */
  built: i32;
}

/** A sub-band (B.5). */
@unmanaged
export class Band {
  orient: i32;
  /** Index b in QCD order: 0 LL, then 3(r-1)+orient for r >= 1. */
  index: i32;
  x0: i32;
  y0: i32;
  x1: i32;
  y1: i32;
  /** Code-block size exponents for this resolution (xcb', ycb' of B.7). */
  cbw: i32;
  cbh: i32;
  /** Mb = G + epsilon_b - 1 (E-2). */
  Mb: i32;
  /** Quantization step Delta_b (E-3); 1 for reversible. */
  step: f32;
  /** PrecinctBand[pw*ph] (same precinct grid as the resolution). */
  precincts: usize;
  /** Window of band samples the decoder needs [wx0, wx1) x [wy0, wy1). */
  wx0: i32;
  wy0: i32;
  wx1: i32;
  wy1: i32;
}

/** A resolution level (B.5). */
@unmanaged
export class Resolution {
  r: i32;
  x0: i32;
  y0: i32;
  x1: i32;
  y1: i32;
  /** Precinct exponents PPx, PPy and counts across/down (B-16). */
  ppx: i32;
  ppy: i32;
  pw: i32;
  ph: i32;
  numBands: i32;
  /** Band[numBands]: LL for r = 0; HL, LH, HH otherwise. */
  bands: usize;
  /** i32[pw*ph]: layers already visited per precinct (POC may revisit a packet). */
  layersDone: usize;
  /** Decoder window at this resolution (with filter margin) [wx0, wx1) x [wy0, wy1). */
  wx0: i32;
  wy0: i32;
  wx1: i32;
  wy1: i32;
}

/** A tile-component (B.4). */
@unmanaged
export class TileComp {
  c: i32;
  x0: i32;
  y0: i32;
  x1: i32;
  y1: i32;
  dx: i32;
  dy: i32;
  prec: i32;
  sgnd: i32;
  numRes: i32;
  style: CodingStyle;
  quant: QuantStyle;
  roi: i32;
  /** Resolution[numRes] */
  res: usize;
  /** Sample buffer (i32 for 5/3, f32 for 9/7) and its row stride. */
  buf: usize;
  stride: i32;
  /** Resolution decoded (numRes - 1 - reduce), or -1 if the component is not decoded. */
  topRes: i32;
  /** Output window at topRes [ox0, ox1) x [oy0, oy1) (resolution coordinates). */
  ox0: i32;
  oy0: i32;
  ox1: i32;
  oy1: i32;
}

/** A tile being coded. */
@unmanaged
export class Tile {
  params: TileParams;
  numComps: i32;
  /** TileComp[numComps] */
  comps: usize;
  numCblks: i64;
}

// @ts-ignore: decorator
@inline
export function tileComp(t: Tile, c: i32): TileComp {
  return changetype<TileComp>(t.comps + <usize>c * offsetof<TileComp>());
}
// @ts-ignore: decorator
@inline
export function resolution(tc: TileComp, r: i32): Resolution {
  return changetype<Resolution>(tc.res + <usize>r * offsetof<Resolution>());
}
// @ts-ignore: decorator
@inline
export function band(res: Resolution, b: i32): Band {
  return changetype<Band>(res.bands + <usize>b * offsetof<Band>());
}
// @ts-ignore: decorator
@inline
export function precinctBand(bd: Band, p: i32): PrecinctBand {
  return changetype<PrecinctBand>(bd.precincts + <usize>p * offsetof<PrecinctBand>());
}
// @ts-ignore: decorator
@inline
export function codeBlock(pb: PrecinctBand, i: i32): CodeBlock {
  return changetype<CodeBlock>(pb.cblks + <usize>i * offsetof<CodeBlock>());
}

/** log2 of the nominal gain of a sub-band (Table E.1 / E-3): LL 0, HL/LH 1, HH 2. */
// @ts-ignore: decorator
@inline
export function bandGainLog2(orient: i32): i32 {
  return orient == ORIENT_LL ? 0 : orient == ORIENT_HH ? 2 : 1;
}

/**
 * Build the geometry of tile `tp` for all components. `maxCblks` bounds the number of code-blocks
 * (checked before the arrays are allocated). `lazy`: precinct records are allocated but their
 * code-blocks and tag trees are left to precinctBuild (the decoder builds a precinct when its
 * first non-empty packet arrives), so the set-up of a region decode follows the precincts that
 * carry data instead of the whole tile.
 */
export function buildTile(cs: Codestream, tp: TileParams, maxCblks: i64, lazy: bool = false): Tile {
  let siz = cs.siz;
  let C = siz.Csiz;
  let t = changetype<Tile>(arenaAllocZeroed(offsetof<Tile>()));
  t.params = tp;
  t.numComps = C;
  t.comps = arenaAllocZeroed(<usize>C * offsetof<TileComp>());
  // First pass: count code-blocks to refuse absurd declarations before allocating them.
  let total: i64 = 0;
  let scratch = changetype<TileComp>(arenaAllocZeroed(offsetof<TileComp>()));
  for (let c = 0; c < C; c++) total += countCblks(cs, tp, c, scratch);
  if (total > maxCblks) fail(ERR_LIMIT_CODEBLOCKS, -1, <i32>min(total, <i64>0x7fffffff), <i32>maxCblks);
  t.numCblks = total;
  for (let c = 0; c < C; c++) buildTileComp(cs, tp, c, tileComp(t, c), lazy);
  return t;
}

function compBounds(cs: Codestream, tp: TileParams, c: i32, tc: TileComp): void {
  let cz = compSiz(cs.siz, c);
  // B-12: tcx0 = ceil(tx0 / XRsiz)
  tc.x0 = <i32>ceilDiv<i64>(tp.tx0, cz.dx);
  tc.y0 = <i32>ceilDiv<i64>(tp.ty0, cz.dy);
  tc.x1 = <i32>ceilDiv<i64>(tp.tx1, cz.dx);
  tc.y1 = <i32>ceilDiv<i64>(tp.ty1, cz.dy);
  tc.dx = cz.dx;
  tc.dy = cz.dy;
  tc.prec = cz.prec;
  tc.sgnd = cz.sgnd;
}

function countCblks(cs: Codestream, tp: TileParams, c: i32, tc: TileComp): i64 {
  let s = tileStyle(tp, c);
  compBounds(cs, tp, c, tc);
  let NL = s.levels;
  let n: i64 = 0;
  for (let r = 0; r <= NL; r++) {
    let PPx = ppx(s, r), PPy = ppy(s, r);
    let cbw = r == 0 ? min(s.xcb, PPx) : min(s.xcb, PPx - 1);
    let cbh = r == 0 ? min(s.ycb, PPy) : min(s.ycb, PPy - 1);
    let nb = r == 0 ? 1 : 3;
    for (let b = 0; b < nb; b++) {
      let orient = r == 0 ? 0 : b + 1;
      let lev = r == 0 ? NL : NL - r + 1;
      let xo: i64 = orient & 1, yo: i64 = orient >> 1;
      let bx0 = ceilDivPow2(<i64>tc.x0 - (lev > 0 ? (xo << (lev - 1)) : 0), lev);
      let bx1 = ceilDivPow2(<i64>tc.x1 - (lev > 0 ? (xo << (lev - 1)) : 0), lev);
      let by0 = ceilDivPow2(<i64>tc.y0 - (lev > 0 ? (yo << (lev - 1)) : 0), lev);
      let by1 = ceilDivPow2(<i64>tc.y1 - (lev > 0 ? (yo << (lev - 1)) : 0), lev);
      if (bx1 <= bx0 || by1 <= by0) continue;
      n += (ceilDivPow2(bx1, cbw) - floorDivPow2(bx0, cbw)) * (ceilDivPow2(by1, cbh) - floorDivPow2(by0, cbh));
    }
  }
  return n;
}

function buildTileComp(cs: Codestream, tp: TileParams, c: i32, tc: TileComp, lazy: bool): void {
  let s = tileStyle(tp, c);
  let q = tileQuant(tp, c);
  tc.c = c;
  compBounds(cs, tp, c, tc);
  tc.style = s;
  tc.quant = q;
  tc.roi = tileRoi(tp, c);
  tc.topRes = -1;
  let NL = s.levels;
  tc.numRes = NL + 1;
  // A.6.4: expounded / none give one step per sub-band; when a writer gave fewer, the missing bands
  // get exponent 0 (quantExponent), i.e. no magnitude bit-planes, as OpenJPEG reads such streams.
  // Samples must fit the 32-bit output: 31 bits signed or unsigned.
  if (tc.prec > 31) fail(ERR_UNSUPPORTED, -1, tc.prec, 31);
  tc.res = arenaAllocZeroed(<usize>(NL + 1) * offsetof<Resolution>());
  for (let r = 0; r <= NL; r++) {
    let res = resolution(tc, r);
    res.r = r;
    let lev = NL - r;
    // B-14
    res.x0 = <i32>ceilDivPow2(<i64>tc.x0, lev);
    res.y0 = <i32>ceilDivPow2(<i64>tc.y0, lev);
    res.x1 = <i32>ceilDivPow2(<i64>tc.x1, lev);
    res.y1 = <i32>ceilDivPow2(<i64>tc.y1, lev);
    res.ppx = ppx(s, r);
    res.ppy = ppy(s, r);
    if (r > 0 && (res.ppx == 0 || res.ppy == 0)) fail(ERR_BAD_COD, -1, r, 0);
    // B-16
    res.pw = res.x1 > res.x0 ? <i32>(ceilDivPow2(<i64>res.x1, res.ppx) - floorDivPow2(<i64>res.x0, res.ppx)) : 0;
    res.ph = res.y1 > res.y0 ? <i32>(ceilDivPow2(<i64>res.y1, res.ppy) - floorDivPow2(<i64>res.y0, res.ppy)) : 0;
    let np = <i64>res.pw * <i64>res.ph;
    if (np > 0x1000000) fail(ERR_LIMIT_CODEBLOCKS, -1, <i32>min(np, <i64>0x7fffffff), 0x1000000);
    res.layersDone = arenaAllocArrayZeroed(<u64>np, 4);
    res.numBands = r == 0 ? 1 : 3;
    res.bands = arenaAllocZeroed(<usize>res.numBands * offsetof<Band>());
    for (let b = 0; b < res.numBands; b++) {
      let bd = band(res, b);
      let orient = r == 0 ? ORIENT_LL : b + 1;
      bd.orient = orient;
      bd.index = r == 0 ? 0 : 3 * (r - 1) + orient;
      let nb = r == 0 ? NL : NL - r + 1;
      let xo: i64 = orient & 1, yo: i64 = orient >> 1;
      // B-15
      let offx: i64 = nb > 0 ? xo << (nb - 1) : 0;
      let offy: i64 = nb > 0 ? yo << (nb - 1) : 0;
      bd.x0 = <i32>ceilDivPow2(<i64>tc.x0 - offx, nb);
      bd.y0 = <i32>ceilDivPow2(<i64>tc.y0 - offy, nb);
      bd.x1 = <i32>ceilDivPow2(<i64>tc.x1 - offx, nb);
      bd.y1 = <i32>ceilDivPow2(<i64>tc.y1 - offy, nb);
      // B.7: code-block size limited by the precinct size (halved for r > 0)
      bd.cbw = r == 0 ? min(s.xcb, res.ppx) : min(s.xcb, res.ppx - 1);
      bd.cbh = r == 0 ? min(s.ycb, res.ppy) : min(s.ycb, res.ppy - 1);
      // E.1: Mb = G + epsilon_b - 1; Delta_b = 2^(Rb - epsilon_b) (1 + mu_b / 2^11)
      let eps = quantExponent(q, bd.index, NL);
      let mu = quantMantissa(q, bd.index);
      bd.Mb = q.guard + eps - 1;
      if (bd.Mb + tc.roi > MAX_BITPLANES) fail(ERR_UNSUPPORTED, -1, bd.Mb + tc.roi, MAX_BITPLANES);
      if (s.reversible != 0 || q.style == QUANT_NONE) {
        bd.step = 1.0;
      } else {
        let Rb = tc.prec + bandGainLog2(orient);
        bd.step = <f32>(exp2i(Rb - eps) * (1.0 + <f64>mu / 2048.0)); // Rb - eps in -31..65
      }
      bd.precincts = arenaAllocArrayZeroed(<u64>max(res.pw * res.ph, 1), offsetof<PrecinctBand>());
    }
    if (!lazy) {
      let np = res.pw * res.ph;
      for (let p = 0; p < np; p++) precinctBuild(res, p, false);
    }
  }
}

/** Band coordinates of the precinct grid: log2 of a precinct's width / height in band `bd` of `res` (B.6). */
// @ts-ignore: decorator
@inline
export function precinctBandShiftX(res: Resolution): i32 {
  return res.r == 0 ? res.ppx : res.ppx - 1;
}
// @ts-ignore: decorator
@inline
export function precinctBandShiftY(res: Resolution): i32 {
  return res.r == 0 ? res.ppy : res.ppy - 1;
}

/**
 * Code-blocks and tag trees of precinct `p` of `res` in every band (B.6, B.7); no-op once built.
 * `windowed`: a code-block is `needed` when it meets its band's decoder window (the decoder sets
 * the windows before T2 runs); otherwise every code-block is needed (until markNeeded).
 */
export function precinctBuild(res: Resolution, p: i32, windowed: bool): void {
  for (let b = 0; b < res.numBands; b++) {
    let bd = band(res, b);
    let pb = precinctBand(bd, p);
    if (pb.built != 0) return;
    pb.built = 1;
    buildPrecinctBand(res, bd, pb, p, windowed);
  }
}

/** Code-blocks of one precinct of a band (B.6, B.7). */
function buildPrecinctBand(res: Resolution, bd: Band, pb: PrecinctBand, p: i32, windowed: bool): void {
  if (bd.x1 <= bd.x0 || bd.y1 <= bd.y0) return;
  // precinct size in band coordinates
  let pbw = precinctBandShiftX(res);
  let pbh = precinctBandShiftY(res);
  let px = <i64>(p % res.pw) + floorDivPow2(<i64>res.x0, res.ppx); // precinct grid index
  let py = <i64>(p / res.pw) + floorDivPow2(<i64>res.y0, res.ppy);
  // precinct in band coordinates, clipped to the band
  let x0 = max(px << pbw, <i64>bd.x0);
  let y0 = max(py << pbh, <i64>bd.y0);
  let x1 = min((px + 1) << pbw, <i64>bd.x1);
  let y1 = min((py + 1) << pbh, <i64>bd.y1);
  if (x1 <= x0 || y1 <= y0) return;
  let cbx0 = floorDivPow2(x0, bd.cbw);
  let cby0 = floorDivPow2(y0, bd.cbh);
  let cw = <i32>(ceilDivPow2(x1, bd.cbw) - cbx0);
  let ch = <i32>(ceilDivPow2(y1, bd.cbh) - cby0);
  pb.cbx0 = <i32>cbx0;
  pb.cby0 = <i32>cby0;
  pb.cblks = arenaAllocArrayZeroed(<u64>cw * <u64>ch, offsetof<CodeBlock>());
  let wx0 = bd.wx0, wx1 = bd.wx1, wy0 = bd.wy0, wy1 = bd.wy1;
  for (let j = 0; j < ch; j++) {
    for (let i = 0; i < cw; i++) {
      let cb = codeBlock(pb, j * cw + i);
      let gx = cbx0 + <i64>i, gy = cby0 + <i64>j;
      cb.x0 = <i32>max(gx << bd.cbw, <i64>bd.x0);
      cb.y0 = <i32>max(gy << bd.cbh, <i64>bd.y0);
      cb.x1 = <i32>min((gx + 1) << bd.cbw, <i64>bd.x1);
      cb.y1 = <i32>min((gy + 1) << bd.cbh, <i64>bd.y1);
      cb.lblock = 3;
      cb.curSeg = -1;
      cb.needed = !windowed || (cb.x0 < wx1 && cb.x1 > wx0 && cb.y0 < wy1 && cb.y1 > wy0) ? 1 : 0;
    }
  }
  pb.incl = tagTreeNew(cw, ch);
  pb.imsb = tagTreeNew(cw, ch);
  // set last: readers take cw * ch = 0 as "no code-blocks"
  pb.cw = cw;
  pb.ch = ch;
}
