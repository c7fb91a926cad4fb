// SIZ marker segment, ISO/IEC 15444-1 A.5.1 (Tables A.9-A.11), with the geometry checks of B.2-B.3.

import { Reader, rdU8, rdU16, rdU32, readerOffset } from "../io/reader";
import { Siz, CompSiz, compSiz } from "./params";
import { arenaAllocZeroed } from "../util/arena";
import { fail } from "../util/fail";
import { ERR_BAD_SIZ, ERR_LIMIT_COMPONENTS, ERR_LIMIT_PIXELS } from "../util/error_codes";
import { ceilDiv } from "../util/math";

/** Largest coordinate we accept (B.2 allows 2^32 - 1; we keep geometry in 31 bits). */
const MAX_COORD: u32 = 0x7fffffff;

export function readSiz(r: Reader, segLen: i32, siz: Siz): void {
  let at = readerOffset(r) - 4;
  let Rsiz = rdU16(r);
  let Xsiz = rdU32(r);
  let Ysiz = rdU32(r);
  let XOsiz = rdU32(r);
  let YOsiz = rdU32(r);
  let XTsiz = rdU32(r);
  let YTsiz = rdU32(r);
  let XTOsiz = rdU32(r);
  let YTOsiz = rdU32(r);
  let Csiz = <i32>rdU16(r);
  if (Csiz < 1 || Csiz > 16384) fail(ERR_LIMIT_COMPONENTS, at, Csiz, 16384);
  if (segLen != 38 + 3 * Csiz) fail(ERR_BAD_SIZ, at, segLen, Csiz);
  // A tile larger than the image is one tile column/row: clamp it so geometry stays in 31 bits.
  if (XTsiz > MAX_COORD && Xsiz <= MAX_COORD && XTOsiz <= Xsiz) XTsiz = Xsiz - XTOsiz;
  if (YTsiz > MAX_COORD && Ysiz <= MAX_COORD && YTOsiz <= Ysiz) YTsiz = Ysiz - YTOsiz;
  if (Xsiz > MAX_COORD || Ysiz > MAX_COORD || XTsiz > MAX_COORD || YTsiz > MAX_COORD) {
    fail(ERR_LIMIT_PIXELS, at, -1, 0); // coordinates beyond 2^31 - 1
  }
  // A.5.1 constraints
  if (XOsiz >= Xsiz || YOsiz >= Ysiz) fail(ERR_BAD_SIZ, at, <i32>XOsiz, <i32>Xsiz);
  if (XTsiz == 0 || YTsiz == 0) fail(ERR_BAD_SIZ, at, <i32>XTsiz, <i32>YTsiz);
  if (XTOsiz > XOsiz || YTOsiz > YOsiz) fail(ERR_BAD_SIZ, at, <i32>XTOsiz, <i32>YTOsiz);
  if (<u64>XTOsiz + <u64>XTsiz <= <u64>XOsiz || <u64>YTOsiz + <u64>YTsiz <= <u64>YOsiz) {
    fail(ERR_BAD_SIZ, at, <i32>XTsiz, <i32>YTsiz);
  }
  siz.Rsiz = <i32>Rsiz;
  siz.Xsiz = <i32>Xsiz;
  siz.Ysiz = <i32>Ysiz;
  siz.XOsiz = <i32>XOsiz;
  siz.YOsiz = <i32>YOsiz;
  siz.XTsiz = <i32>XTsiz;
  siz.YTsiz = <i32>YTsiz;
  siz.XTOsiz = <i32>XTOsiz;
  siz.YTOsiz = <i32>YTOsiz;
  siz.Csiz = Csiz;
  // B.3: numXtiles = ceil((Xsiz - XTOsiz) / XTsiz)
  let tx = <i64>ceilDiv(<i32>Xsiz - <i32>XTOsiz, <i32>XTsiz);
  let ty = <i64>ceilDiv(<i32>Ysiz - <i32>YTOsiz, <i32>YTsiz);
  // Isot is 16 bits: at most 65535 tiles can be addressed (A.4.2)
  if (tx * ty > 65535) fail(ERR_BAD_SIZ, at, <i32>min(tx * ty, <i64>0x7fffffff), 65535);
  siz.tilesX = <i32>tx;
  siz.tilesY = <i32>ty;
  siz.numTiles = <i32>(tx * ty);
  siz.comps = arenaAllocZeroed(<usize>Csiz * offsetof<CompSiz>());
  for (let c = 0; c < Csiz; c++) {
    let s = rdU8(r);
    let dx = <i32>rdU8(r);
    let dy = <i32>rdU8(r);
    let cs = compSiz(siz, c);
    cs.prec = <i32>(s & 0x7f) + 1;
    cs.sgnd = <i32>(s >> 7);
    if (cs.prec > 38) fail(ERR_BAD_SIZ, at, c, cs.prec);
    if (dx < 1 || dy < 1) fail(ERR_BAD_SIZ, at, dx, dy);
    cs.dx = dx;
    cs.dy = dy;
  }
}

/** Component bounds on its own sample grid (B-1): ceil(X / XRsiz). */
// @ts-ignore: decorator
@inline
export function compX0(siz: Siz, c: i32): i32 {
  return ceilDiv(siz.XOsiz, compSiz(siz, c).dx);
}
// @ts-ignore: decorator
@inline
export function compX1(siz: Siz, c: i32): i32 {
  return ceilDiv(siz.Xsiz, compSiz(siz, c).dx);
}
// @ts-ignore: decorator
@inline
export function compY0(siz: Siz, c: i32): i32 {
  return ceilDiv(siz.YOsiz, compSiz(siz, c).dy);
}
// @ts-ignore: decorator
@inline
export function compY1(siz: Siz, c: i32): i32 {
  return ceilDiv(siz.Ysiz, compSiz(siz, c).dy);
}
