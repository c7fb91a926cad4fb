// Packet decoding, ISO/IEC 15444-1 B.9-B.10: packet header (inclusion, zero bit-planes, number of
// coding passes, Lblock, codeword segment lengths) and the assignment of body bytes to code-blocks.

import { T2Context } from "./context";
import { BitReader, bitRead, bitReadN, bitReaderInit, bitReaderAlign } from "./bit_reader";
import { tagTreeDecode, tagTreeDecodeValue } from "./tag_tree";
import {
  TileComp, Resolution, Band, PrecinctBand, CodeBlock, Piece,
  band, precinctBand, codeBlock, precinctBuild, HT_PLACEHOLDER, HT_CODED, HT_PART1,
} from "../structure/tile";
import { passesInSegment, CBLK_HT } from "../t1/segments";
import { arenaAlloc } from "../util/arena";
import { fail } from "../util/fail";
import { ERR_PACKET_CORRUPT, ERR_PACKET_TRUNCATED } from "../util/error_codes";
import { floorLog2 } from "../util/math";

/** Pending body assignment: code-block, segment, passes, length (16 bytes + pointer). */
const PEND_SIZE: usize = 24;

/** Code-block style bit 7 with bit 6: mixed HT / Part 1 code-blocks (ISO/IEC 15444-15 Table A.3). */
const CBLK_HT_MIXED: i32 = 0x80;

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
    // a lazily built tile (codec/structure/tile.ts) gets the precinct's code-blocks now
    if (precinctBand(band(res, 0), p).built == 0) precinctBuild(res, p, true);
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
        if ((style & CBLK_HT) != 0 && cb.htMode != HT_PART1) {
          npend = readHtLengths(ctx, br, cb, np, style, npend);
          if (npend < 0) return false;
          continue;
        }
        npend = readPart1Lengths(ctx, br, cb, np, style & 0x3f, npend);
        if (npend < 0) return false;
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

/** B.10.7.2: one length per codeword segment touched by the new passes (Part 1 segments, Table D.9). */
function readPart1Lengths(ctx: T2Context, br: BitReader, cb: CodeBlock, np: i32, style: i32, npend: i32): i32 {
  let left = np;
  while (left > 0) {
    if (cb.curSeg < 0 || cb.curSegPasses >= cb.curSegMax) {
      cb.curSeg++;
      cb.curSegPasses = 0;
      cb.curSegMax = passesInSegment(style, cb.numPasses);
    }
    let take = min(left, cb.curSegMax - cb.curSegPasses);
    let bits = cb.lblock + floorLog2(<u32>take);
    if (bits > 32) return corruptN(ctx);
    let len = bitReadN(br, bits);
    if (br.overrun != 0) return truncatedN(ctx);
    if (len > 0x7fffffff) return corruptN(ctx);
    npend = pushPend(ctx, npend, cb, cb.curSeg, take, <i32>len);
    cb.curSegPasses += take;
    cb.numPasses += take;
    left -= take;
  }
  return npend;
}

/**
 * Codeword segment lengths of an HT code-block (ISO/IEC 15444-15 Annex B, packet headers).
 * Passes keep the Part 1 numbering; set s = passes 3s (HT cleanup, its own segment) and 3s+1,
 * 3s+2 (SigProp and MagRef, one refinement segment). Before the first cleanup segment with data,
 * the leading passes are placeholders: their length field has as many bits as for a Part 1 block
 * with all new passes in one segment and must be 0; the contribution that brings the first cleanup
 * signals one length for the placeholders + cleanup (Lblock + floor(log2(passes up to the
 * cleanup)) bits), then one for its refinement passes. In mixed mode (style 0xC0) a non-zero first
 * length marks an HT block only if Lblock > 3, the length is > 1 and its most significant bit is 0;
 * otherwise the block is a Part 1 block and the length field extends to the Part 1 size.
 * Pieces go to segment 2s (cleanup) and 2s + 1 (refinement); see codec/t1/ht_decoder.ts.
 */
function readHtLengths(ctx: T2Context, br: BitReader, cb: CodeBlock, np: i32, style: i32, npend: i32): i32 {
  let mixed = (style & CBLK_HT_MIXED) != 0;
  if (cb.htMode == HT_PLACEHOLDER) {
    let href = (cb.numPasses + np - 1) % 3;
    let segP = np - href;
    let full = cb.lblock + floorLog2(<u32>np);
    if (full > 32) return corruptN(ctx);
    let len: u32;
    if (segP < 1) {
      len = bitReadN(br, full);
      if (br.overrun != 0) return truncatedN(ctx);
    } else {
      let bits = cb.lblock + floorLog2(<u32>segP);
      len = bitReadN(br, bits);
      if (br.overrun != 0) return truncatedN(ctx);
      if (len != 0 && (!mixed || (cb.lblock > 3 && len > 1 && (len >> <u32>(bits - 1)) == 0))) {
        if (len < 2 || len > 0x7fffffff) return corruptN(ctx);
        let c = cb.numPasses + segP - 1; // the HT cleanup pass
        let set = c / 3;
        npend = pushPend(ctx, npend, cb, 2 * set, 1, <i32>len);
        cb.numPasses += segP;
        cb.htMode = HT_CODED;
        if (href > 0) {
          let rb = cb.lblock + floorLog2(<u32>href);
          let rlen = bitReadN(br, rb);
          if (br.overrun != 0) return truncatedN(ctx);
          if (rlen > 0x7fffffff) return corruptN(ctx);
          npend = pushPend(ctx, npend, cb, 2 * set + 1, href, <i32>rlen);
          cb.numPasses += href;
        }
        return npend;
      }
      // placeholder passes (or a Part 1 block): the length field has the Part 1 size
      for (let b = bits; b < full; b++) len = (len << 1) | bitRead(br);
      if (br.overrun != 0) return truncatedN(ctx);
    }
    if (len == 0) {
      cb.numPasses += np;
      return npend;
    }
    if (!mixed || len > 0x7fffffff) return corruptN(ctx);
    // mixed mode: a Part 1 block; its earlier (empty) passes and these form its first segment
    let p1 = style & 0x3f;
    cb.htMode = HT_PART1;
    cb.curSeg = 0;
    cb.curSegMax = passesInSegment(p1, 0);
    if (cb.numPasses + np > cb.curSegMax) return corruptN(ctx);
    npend = pushPend(ctx, npend, cb, 0, cb.numPasses + np, <i32>len);
    cb.numPasses += np;
    cb.curSegPasses = cb.numPasses;
    return npend;
  }
  // HT_CODED: cleanup passes alone, SigProp + MagRef together
  let left = np;
  while (left > 0) {
    let pos = cb.numPasses % 3;
    let take = pos == 0 ? 1 : min(left, 3 - pos);
    let seg = 2 * (cb.numPasses / 3) + (pos == 0 ? 0 : 1);
    let bits = cb.lblock + floorLog2(<u32>take);
    if (bits > 32) return corruptN(ctx);
    let len = bitReadN(br, bits);
    if (br.overrun != 0) return truncatedN(ctx);
    if (len > 0x7fffffff) return corruptN(ctx);
    npend = pushPend(ctx, npend, cb, seg, take, <i32>len);
    cb.numPasses += take;
    left -= take;
  }
  return npend;
}

function pushPend(ctx: T2Context, npend: i32, cb: CodeBlock, seg: i32, passes: i32, len: i32): i32 {
  if (npend == ctx.pendCap) growPend(ctx);
  let pe = ctx.pend + <usize>npend * PEND_SIZE;
  store<usize>(pe, changetype<usize>(cb));
  store<i32>(pe, seg, 8);
  store<i32>(pe, passes, 12);
  store<i32>(pe, len, 16);
  return npend + 1;
}

function corruptN(ctx: T2Context): i32 {
  corrupt(ctx);
  return -1;
}

function truncatedN(ctx: T2Context): i32 {
  stopTruncated(ctx);
  return -1;
}

function growPend(ctx: T2Context): void {
  let cap = max(ctx.pendCap * 2, 256);
  let p = arenaAlloc(<usize>cap * PEND_SIZE);
  if (ctx.pendCap > 0) memory.copy(p, ctx.pend, <usize>ctx.pendCap * PEND_SIZE);
  ctx.pend = p;
  ctx.pendCap = cap;
}
