// Progression orders, ISO/IEC 15444-1 B.12 (Table A.16) and POC (A.6.6): the order in which the
// packets of a tile are visited. Shared by the decoder and the encoder so both agree exactly.

import { T2Context, T2_DECODE } from "./context";
import { Tile, TileComp, Resolution, tileComp, resolution } from "../structure/tile";
import { PocList, PocEntry, pocEntry, PROG_LRCP, PROG_RLCP, PROG_RPCL, PROG_PCRL, PROG_CPRL } from "../codestream/params";
import { ceilDiv } from "../util/math";
import { decodePacket } from "./packet_decoder";
import { encodePacket } from "./packet_encoder";
import { fail } from "../util/fail";
import { ERR_LIMIT_CODEBLOCKS } from "../util/error_codes";

/** Bound on loop iterations over (layer, resolution, component) and positions per progression. */
const MAX_LOOP: i64 = 1 << 28;

/** Visit packet (l, r, c, p) unless it was already visited (POC may repeat ranges). */
function visit(ctx: T2Context, tc: TileComp, res: Resolution, p: i32, l: i32): void {
  if (ctx.stopped != 0) return;
  let done = res.layersDone + (<usize>p << 2);
  let d = load<i32>(done);
  if (l != d) return; // already visited, or an earlier layer is still missing (skip; B.12)
  store<i32>(done, d + 1);
  if (ctx.mode == T2_DECODE) decodePacket(ctx, tc, res, p, l);
  else encodePacket(ctx, tc, res, p, l);
}

/**
 * Run all progressions of the tile (the POC list if any, else the COD progression). `resCap`: a
 * decoder that uses no resolution at or above it may pass it; in a resolution-major order (RLCP,
 * RPCL) without POC every packet of those resolutions comes after all the others (B.12.1.2,
 * B.12.1.3), so the walk stops before them instead of visiting every remaining position.
 */
export function runProgressions(ctx: T2Context, tile: Tile, poc: PocList, order: i32, numLayers: i32, resCap: i32 = 0x7fffffff): void {
  let C = tile.numComps;
  let maxRes = 0;
  for (let c = 0; c < C; c++) maxRes = max(maxRes, tileComp(tile, c).numRes);
  if (poc.count == 0) {
    if (order == PROG_RLCP || order == PROG_RPCL) maxRes = min(maxRes, resCap);
    runOne(ctx, tile, order, 0, numLayers, 0, maxRes, 0, C);
    return;
  }
  for (let i = 0; i < poc.count && ctx.stopped == 0; i++) {
    let e = pocEntry(poc, i);
    runOne(ctx, tile, e.Ppoc, 0, min(e.LYEpoc, numLayers), e.RSpoc, min(e.REpoc, maxRes), e.CSpoc, min(e.CEpoc, C));
  }
  // Packets not covered by the POC list are absent (B.12.2); nothing more to visit.
}

function runOne(ctx: T2Context, tile: Tile, order: i32, l0: i32, l1: i32, r0: i32, r1: i32, c0: i32, c1: i32): void {
  if (l1 <= l0 || r1 <= r0 || c1 <= c0) return;
  if (<i64>(l1 - l0) * <i64>(r1 - r0) * <i64>(c1 - c0) > MAX_LOOP) fail(ERR_LIMIT_CODEBLOCKS, -1, l1, c1);
  if (order == PROG_LRCP) {
    for (let l = l0; l < l1; l++)
      for (let r = r0; r < r1; r++)
        for (let c = c0; c < c1; c++) if (!allPrecincts(ctx, tile, l, r, c)) return;
  } else if (order == PROG_RLCP) {
    for (let r = r0; r < r1; r++)
      for (let l = l0; l < l1; l++)
        for (let c = c0; c < c1; c++) if (!allPrecincts(ctx, tile, l, r, c)) return;
  } else {
    runPositional(ctx, tile, order, l0, l1, r0, r1, c0, c1);
  }
}

/** Visit the packets of layer l of every precinct of (c, r) in order (B.12.1.1-B.12.1.2); false once stopped. */
function allPrecincts(ctx: T2Context, tile: Tile, l: i32, r: i32, c: i32): bool {
  let tc = tileComp(tile, c);
  if (r >= tc.numRes) return true;
  let res = resolution(tc, r);
  let np = res.pw * res.ph;
  for (let p = 0; p < np; p++) visit(ctx, tc, res, p, l);
  return ctx.stopped == 0;
}

/**
 * RPCL, PCRL and CPRL (B.12.1.3-B.12.1.5): iterate positions (x, y) on the reference grid of the
 * tile; a precinct is visited at the position of its upper-left corner.
 */
function runPositional(ctx: T2Context, tile: Tile, order: i32, l0: i32, l1: i32, r0: i32, r1: i32, c0: i32, c1: i32): void {
  let tp = tile.params;
  let tx0 = <i64>tp.tx0, ty0 = <i64>tp.ty0, tx1 = <i64>tp.tx1, ty1 = <i64>tp.ty1;
  // Smallest precinct step on the reference grid over the components / resolutions involved.
  let stepX: i64 = 0x7fffffffffffffff, stepY: i64 = 0x7fffffffffffffff;
  for (let c = c0; c < c1; c++) {
    let tc = tileComp(tile, c);
    for (let r = r0; r < min(r1, tc.numRes); r++) {
      let res = resolution(tc, r);
      let lev = tc.numRes - 1 - r;
      let sx = shl(<i64>tc.dx, res.ppx + lev);
      let sy = shl(<i64>tc.dy, res.ppy + lev);
      if (sx < stepX) stepX = sx;
      if (sy < stepY) stepY = sy;
    }
  }
  if (stepX == 0x7fffffffffffffff) return;
  let positions = ((tx1 - tx0) / stepX + 2) * ((ty1 - ty0) / stepY + 2);
  if (positions * <i64>(c1 - c0) > MAX_LOOP) fail(ERR_LIMIT_CODEBLOCKS, -1, <i32>min(positions, <i64>0x7fffffff), 0);

  if (order == PROG_RPCL) {
    for (let r = r0; r < r1; r++)
      for (let y = ty0; y < ty1; y += stepY - (y % stepY))
        for (let x = tx0; x < tx1; x += stepX - (x % stepX))
          for (let c = c0; c < c1; c++) {
            atPosition(ctx, tile, c, r, x, y, l0, l1);
            if (ctx.stopped != 0) return;
          }
  } else if (order == PROG_PCRL) {
    for (let y = ty0; y < ty1; y += stepY - (y % stepY))
      for (let x = tx0; x < tx1; x += stepX - (x % stepX))
        for (let c = c0; c < c1; c++)
          for (let r = r0; r < r1; r++) {
            atPosition(ctx, tile, c, r, x, y, l0, l1);
            if (ctx.stopped != 0) return;
          }
  } else {
    // CPRL
    for (let c = c0; c < c1; c++)
      for (let y = ty0; y < ty1; y += stepY - (y % stepY))
        for (let x = tx0; x < tx1; x += stepX - (x % stepX))
          for (let r = r0; r < r1; r++) {
            atPosition(ctx, tile, c, r, x, y, l0, l1);
            if (ctx.stopped != 0) return;
          }
  }
}

// @ts-ignore: decorator
@inline
function shl(v: i64, s: i32): i64 {
  return s >= 40 ? (<i64>1 << 55) : v << s;
}

/** If (x, y) is the upper-left corner of a precinct of (c, r), visit its packets for layers [l0, l1). */
function atPosition(ctx: T2Context, tile: Tile, c: i32, r: i32, x: i64, y: i64, l0: i32, l1: i32): void {
  let tc = tileComp(tile, c);
  if (r >= tc.numRes) return;
  let res = resolution(tc, r);
  if (res.pw == 0 || res.ph == 0) return;
  let lev = tc.numRes - 1 - r;
  let tp = tile.params;
  let rpx = res.ppx + lev, rpy = res.ppy + lev;
  // B.12.1.3: y divisible by YRsiz 2^(PPy + NL - r), or the first row of a precinct that starts
  // before the tile; same for x.
  let my = shl(<i64>tc.dy, rpy);
  if (!(y % my == 0 || (y == <i64>tp.ty0 && shl(<i64>res.y0, lev) % shl(1, rpy) != 0))) return;
  let mx = shl(<i64>tc.dx, rpx);
  if (!(x % mx == 0 || (x == <i64>tp.tx0 && shl(<i64>res.x0, lev) % shl(1, rpx) != 0))) return;
  // precinct index from the position
  let cx = ceilDiv<i64>(x, shl(<i64>tc.dx, lev));
  let cy = ceilDiv<i64>(y, shl(<i64>tc.dy, lev));
  let px = (cx >> res.ppx) - (<i64>res.x0 >> res.ppx);
  let py = (cy >> res.ppy) - (<i64>res.y0 >> res.ppy);
  if (px < 0 || py < 0 || px >= <i64>res.pw || py >= <i64>res.ph) return;
  let p = <i32>(px + py * <i64>res.pw);
  for (let l = l0; l < l1; l++) visit(ctx, tc, res, p, l);
}
