// Packet decoding, ISO/IEC 15444-1 B.9-B.10: packet header (inclusion, zero bit-planes, number of
// coding passes, Lblock, codeword segment lengths) and the assignment of body bytes to code-blocks.

import { T2Context } from "./context";
import { BitReader, bitRead, bitReadN, bitReaderInit, bitReaderAlign } from "./bit_reader";
import { tagTreeDecode, tagTreeDecodeValue } from "./tag_tree";
import {
  TileComp, Resolution, Band, PrecinctBand, CodeBlock, Piece,
  band, precinctBand, codeBlock,
} from "../structure/tile";
import { passesInSegment } from "../t1/segments";
import { arenaAlloc } from "../util/arena";
import { fail } from "../util/fail";
import { ERR_PACKET_CORRUPT, ERR_PACKET_TRUNCATED } from "../util/error_codes";
import { floorLog2 } from "../util/math";

/** Pending body assignment: code-block, segment, passes, length (16 bytes + pointer). */
const PEND_SIZE: usize = 24;

// @ts-ignore: decorator
@inline
function peek16(p: usize): u32 {
  return (<u32>load<u8>(p) << 8) | <u32>load<u8>(p + 1);
}

/** Table B.4: number of coding passes. Returns 0 on overrun. */
function readNumPasses(br: BitReader): i32 {
  if (bitRead(br) == 0) return 1;
  if (bitRead(br) == 0) return 2;
  let v = <i32>bitReadN(br, 2);
  if (v != 3) return 3 + v;
  v = <i32>bitReadN(br, 5);
  if (v != 31) return 6 + v;
  return 37 + <i32>bitReadN(br, 7);
}

function stopTruncated(ctx: T2Context): bool {
  ctx.truncated = 1;
  ctx.stopped = 1;
  if (ctx.allowPartial == 0) {
    fail(ERR_PACKET_TRUNCATED, <i32>(ctx.bodyPos - ctx.bodyOrigin) + ctx.bodyOffset, ctx.tileIndex);
  }
  return false;
}

function corrupt(ctx: T2Context): bool {
  ctx.stopped = 1;
  if (ctx.allowPartial == 0) {
    fail(ERR_PACKET_CORRUPT, <i32>(ctx.bodyPos - ctx.bodyOrigin) + ctx.bodyOffset, ctx.tileIndex);
  }
  ctx.truncated = 1;
  return false;
}

/**
 * Read the packet of (tile-component `tc`, resolution `res`, precinct `p`, layer `layer`).
 * Returns false when reading must stop (truncated or corrupt data with allowPartial).
 */
export function decodePacket(ctx: T2Context, tc: TileComp, res: Resolution, p: i32, layer: i32): bool {
  // B.10 / A.8.1: optional SOP marker segment in front of the packet (in the bodies)
  if (ctx.sop != 0 && ctx.bodyPos + 6 <= ctx.bodyEnd && peek16(ctx.bodyPos) == 0xff91) {
    ctx.bodyPos += 6;
  }
  let br = ctx.hdr;
  if (ctx.packed == 0) bitReaderInit(br, ctx.bodyPos, ctx.bodyEnd);
  if (br.pos >= br.end && br.ct == 0) {
    // No byte left for this packet's header. In a complete codestream the remaining packets were
    // left out by the encoder (they read as empty, as in OpenJPEG); otherwise the data is cut.
    if (ctx.dataComplete != 0) {
      ctx.ranShort = 1;
      ctx.stopped = 1;
      return false;
    }
    return stopTruncated(ctx);
  }

  let keep = layer < ctx.keepLayers;
  let npend = 0;
  let nonEmpty = bitRead(br);
  if (nonEmpty != 0) {
    let style = tc.style.cblkStyle;
    for (let b = 0; b < res.numBands; b++) {
      let bd = band(res, b);
      let pb = precinctBand(bd, p);
      let n = pb.cw * pb.ch;
      for (let i = 0; i < n; i++) {
        let cb = codeBlock(pb, i);
        let ix = i % pb.cw, iy = i / pb.cw;
        let inc: i32;
        if (cb.included == 0) inc = tagTreeDecode(pb.incl, br, ix, iy, layer + 1);
        else inc = <i32>bitRead(br);
        if (br.overrun != 0) return stopTruncated(ctx);
        if (inc == 0) continue;
        if (cb.included == 0) {
          // B.10.5: zero bit-planes
          let zbp = tagTreeDecodeValue(pb.imsb, br, ix, iy, 74);
          if (zbp < 0) {
            if (br.overrun != 0) return stopTruncated(ctx);
            return corrupt(ctx);
          }
          cb.zbp = zbp;
          cb.included = 1;
        }
        let np = readNumPasses(br);
        // B.10.7.1: Lblock increments
        while (bitRead(br) != 0) {
          cb.lblock++;
          if (cb.lblock > 32 || br.overrun != 0) break;
        }
        if (br.overrun != 0) return stopTruncated(ctx);
        if (cb.lblock > 32) return corrupt(ctx);
        // More passes than bit-planes allow (D.2) are tolerated: T1 ignores the extra ones.
        if (cb.numPasses + np > 3 * 74) return corrupt(ctx);
        // B.10.7.2: one length per codeword segment touched by the new passes
        let left = np;
        while (left > 0) {
          if (cb.curSeg < 0 || cb.curSegPasses >= cb.curSegMax) {
            cb.curSeg++;
            cb.curSegPasses = 0;
            cb.curSegMax = passesInSegment(style, cb.numPasses);
          }
          let take = min(left, cb.curSegMax - cb.curSegPasses);
          let bits = cb.lblock + floorLog2(<u32>take);
          if (bits > 32) return corrupt(ctx);
          let len = bitReadN(br, bits);
          if (br.overrun != 0) return stopTruncated(ctx);
          if (len > 0x7fffffff) return corrupt(ctx);
          if (npend == ctx.pendCap) growPend(ctx);
          let pe = ctx.pend + <usize>npend * PEND_SIZE;
          store<usize>(pe, changetype<usize>(cb));
          store<i32>(pe, cb.curSeg, 8);
          store<i32>(pe, take, 12);
          store<i32>(pe, <i32>len, 16);
          npend++;
          cb.curSegPasses += take;
          cb.numPasses += take;
          left -= take;
        }
      }
    }
  }
  bitReaderAlign(br);
  if (br.overrun != 0) return stopTruncated(ctx);
  // A.8.2: EPH marker after the header
  if (ctx.eph != 0 && br.pos + 2 <= br.end && peek16(br.pos) == 0xff92) br.pos += 2;
  if (ctx.packed == 0) ctx.bodyPos = br.pos;
  // body: codeword bytes in header order (B.9)
  for (let k = 0; k < npend; k++) {
    let pe = ctx.pend + <usize>k * PEND_SIZE;
    let cb = changetype<CodeBlock>(load<usize>(pe));
    let len = load<i32>(pe, 16);
    if (<u64>ctx.bodyPos + <u64>len > <u64>ctx.bodyEnd) {
      // the data ends inside this packet
      return stopTruncated(ctx);
    }
    if (keep && cb.needed != 0) {
      let pc = changetype<Piece>(arenaAlloc(offsetof<Piece>()));
      pc.next = 0;
      pc.ptr = ctx.bodyPos;
      pc.len = len;
      pc.seg = load<i32>(pe, 8);
      pc.passes = load<i32>(pe, 12);
      if (cb.pieceTail != 0) changetype<Piece>(cb.pieceTail).next = changetype<usize>(pc);
      else cb.pieceHead = changetype<usize>(pc);
      cb.pieceTail = changetype<usize>(pc);
      cb.dataLen += len;
    }
    ctx.bodyPos += <usize>len;
  }
  ctx.packets++;
  return true;
}

function growPend(ctx: T2Context): void {
  let cap = max(ctx.pendCap * 2, 256);
  let p = arenaAlloc(<usize>cap * PEND_SIZE);
  if (ctx.pendCap > 0) memory.copy(p, ctx.pend, <usize>ctx.pendCap * PEND_SIZE);
  ctx.pend = p;
  ctx.pendCap = cap;
}
