// Packet encoding, ISO/IEC 15444-1 B.9-B.10 (mirror of packet_decoder.ts): for every code-block of
// the precinct, the passes of layer `l` are CodeBlock.encLayerPasses[l] - encSentPasses.

import { T2Context, KeptHeaders, HeaderStore } from "./context";
import { BitWriter, bitWrite, bitWriteN, bitWriterInit, bitWriterFlush } from "./bit_writer";
import { tagTreeEncodeWalk, tagTreeWalksReset, tagTreeSetLeaf, tagTreeFinish } from "./tag_tree";
import { TileComp, Resolution, Band, PrecinctBand, CodeBlock, band, precinctBand, codeBlock } from "../structure/tile";
import { passesInSegment, CBLK_HT, CBLK_TERMALL, CBLK_BYPASS } from "../t1/segments";
import { passRecord } from "../t1/pass_record";
import { fail } from "../util/fail";
import { ERR_ENCODE_OVERFLOW, ERR_INTERNAL } from "../util/error_codes";
import { floorLog2 } from "../util/math";

// @ts-ignore: decorator
@inline
export function passRate(cb: CodeBlock, k: i32): i32 {
  return k < 0 ? 0 : <i32>passRecord(cb.encPasses, k).rate;
}

// @ts-ignore: decorator
@inline
function layerPasses(cb: CodeBlock, l: i32): i32 {
  return load<i32>(cb.encLayerPasses + (<usize>l << 2));
}

/** Set up the tag trees of every precinct-band of a resolution before its packets are written. */
export function prepareResolutionForT2(res: Resolution, numLayers: i32, ht: bool): void {
  let np = res.pw * res.ph;
  for (let b = 0; b < res.numBands; b++) {
    let bd = band(res, b);
    for (let p = 0; p < np; p++) {
      let pb = precinctBand(bd, p);
      let n = pb.cw * pb.ch;
      if (n == 0) continue;
      for (let i = 0; i < n; i++) {
        let cb = codeBlock(pb, i);
        // first layer with a contribution (inclusion tree) and zero bit-planes (B.10.4, B.10.5)
        let first = numLayers + 1000;
        for (let l = 0; l < numLayers; l++) {
          if (layerPasses(cb, l) > 0) {
            first = l;
            break;
          }
        }
        tagTreeSetLeaf(pb.incl, i % pb.cw, i / pb.cw, first);
        // HT: the first contribution's set becomes set 0 (ISO/IEC 15444-15: every skipped HT set
        // raises the missing-MSB count), so no placeholder passes are sent
        cb.encHtBase = (ht && first < numLayers) ? (layerPasses(cb, first) - 1) / 3 : 0;
        tagTreeSetLeaf(pb.imsb, i % pb.cw, i / pb.cw, cb.zbp + cb.encHtBase);
        cb.included = 0;
        cb.encSentPasses = 0;
        cb.htMode = 0;
        cb.lblock = 3;
      }
      tagTreeFinish(pb.incl);
      tagTreeFinish(pb.imsb);
    }
  }
}

/** Table B.4 codeword for the number of passes. */
function writeNumPasses(bw: BitWriter, n: i32): void {
  if (n == 1) bitWrite(bw, 0);
  else if (n == 2) bitWriteN(bw, 0b10, 2);
  else if (n <= 5) bitWriteN(bw, 0b1100 | <u32>(n - 3), 4);
  else if (n <= 36) bitWriteN(bw, (0b1111 << 5) | <u32>(n - 6), 9);
  else bitWriteN(bw, (0b111111111 << 7) | <u32>(n - 37), 16);
}

// @ts-ignore: decorator
@inline
function bitsFor(v: i32): i32 {
  return v == 0 ? 0 : 32 - <i32>clz(<u32>v);
}

/** A.8.1: SOP marker segment, Nsop = packet sequence number mod 2^16 (when the tile asks for it); the sequence number moves on. */
// @ts-ignore: decorator
@inline
function writeSop(ctx: T2Context, bw: BitWriter): void {
  if (ctx.sop != 0) {
    if (bw.pos + 6 > bw.end) fail(ERR_ENCODE_OVERFLOW);
    store<u8>(bw.pos, 0xff);
    store<u8>(bw.pos + 1, 0x91);
    store<u8>(bw.pos + 2, 0);
    store<u8>(bw.pos + 3, 4);
    store<u8>(bw.pos + 4, <u8>(ctx.packetSeq >> 8));
    store<u8>(bw.pos + 5, <u8>ctx.packetSeq);
    bw.pos += 6;
  }
  ctx.packetSeq++;
}

/** A.8.2: EPH marker after the packet header (when the tile asks for it). */
// @ts-ignore: decorator
@inline
function writeEph(ctx: T2Context, bw: BitWriter): void {
  if (ctx.eph != 0) {
    if (bw.pos + 2 > bw.end) fail(ERR_ENCODE_OVERFLOW);
    store<u8>(bw.pos, 0xff);
    store<u8>(bw.pos + 1, 0x92);
    bw.pos += 2;
  }
}

export function encodePacket(ctx: T2Context, tc: TileComp, res: Resolution, p: i32, l: i32): void {
  if (ctx.kept != 0) {
    encodeKeptPacket(ctx, tc, res, p, l);
    return;
  }
  let bw = ctx.out;
  let style = tc.style.cblkStyle;
  let startPos = bw.pos;
  writeSop(ctx, bw);
  bitWriterInit(bw, bw.pos, bw.end);
  tagTreeWalksReset();
  // any contribution?
  let any = false;
  for (let b = 0; b < res.numBands && !any; b++) {
    let pb = precinctBand(band(res, b), p);
    let n = pb.cw * pb.ch;
    for (let i = 0; i < n; i++) {
      let cb = codeBlock(pb, i);
      if (layerPasses(cb, l) > cb.encSentPasses) {
        any = true;
        break;
      }
    }
  }
  // (dry runs: the body bytes are counted with the headers and the blocks' sent passes moved on
  // there; a block's header never depends on another block's sent passes)
  let bodyLen: usize = 0;
  let dryBodies = ctx.dry != 0 && (style & CBLK_HT) == 0;
  // one codeword segment per block (no TERMALL, no BYPASS): one length per contribution (B.10.7)
  let oneSegment = (style & (CBLK_TERMALL | CBLK_BYPASS | CBLK_HT)) == 0;
  if (!any) {
    bitWrite(bw, 0);
  } else {
    bitWrite(bw, 1);
    for (let b = 0; b < res.numBands; b++) {
      let pb = precinctBand(band(res, b), p);
      let cw = pb.cw, ch = pb.ch;
      let i = 0;
      for (let iy = 0; iy < ch; iy++) {
        for (let ix = 0; ix < cw; ix++, i++) {
          let cb = codeBlock(pb, i);
          let lp = layerPasses(cb, l);
          let sent = cb.encSentPasses;
          let newPasses = lp - sent;
          if (cb.included == 0) {
            tagTreeEncodeWalk(pb.incl, bw, ix, iy, l + 1, 0);
          } else {
            bitWrite(bw, newPasses > 0 ? 1 : 0);
          }
          if (newPasses <= 0) continue;
          if (cb.included == 0) {
            tagTreeEncodeWalk(pb.imsb, bw, ix, iy, 999, 1);
            cb.included = 1;
          }
          if ((style & CBLK_HT) != 0) {
            let from = max(sent, 3 * cb.encHtBase);
            writeNumPasses(bw, lp - from);
            writeHtLengths(bw, cb, htContribution(cb, from, lp));
            continue;
          }
          if (oneSegment) {
            let len = passRate(cb, lp - 1) - passRate(cb, sent - 1);
            cb.lblock = writeOneSegment(bw, newPasses, len, cb.lblock);
            if (dryBodies) {
              if (len < 0) fail(ERR_INTERNAL, -1, passRate(cb, sent - 1), passRate(cb, lp - 1));
              bodyLen += <usize>len;
              cb.encSentPasses = lp;
            }
            continue;
          }
          writeNumPasses(bw, newPasses);
          // Segment pieces of this contribution and the Lblock they need (B.10.7)
          let first = sent;
          let last = first + newPasses; // exclusive
          let need = cb.lblock;
          let k = first;
          while (k < last) {
            let segStart = segmentStart(style, k);
            let segEnd = segStart + passesInSegment(style, segStart);
            let upto = min(segEnd, last);
            let len = passRate(cb, upto - 1) - passRate(cb, k - 1);
            let bits = bitsFor(len) - floorLog2(<u32>(upto - k));
            if (bits > need) need = bits;
            k = upto;
          }
          for (let j = cb.lblock; j < need; j++) bitWrite(bw, 1);
          bitWrite(bw, 0);
          cb.lblock = need;
          k = first;
          while (k < last) {
            let segStart = segmentStart(style, k);
            let segEnd = segStart + passesInSegment(style, segStart);
            let upto = min(segEnd, last);
            let len = passRate(cb, upto - 1) - passRate(cb, k - 1);
            bitWriteN(bw, <u32>len, cb.lblock + floorLog2(<u32>(upto - k)));
            k = upto;
          }
          if (dryBodies) {
            let from = passRate(cb, sent - 1);
            let to = passRate(cb, lp - 1);
            if (to < from) fail(ERR_INTERNAL, -1, from, to);
            bodyLen += <usize>(to - from);
            cb.encSentPasses = lp;
          }
        }
      }
    }
  }
  bitWriterFlush(bw);
  writeEph(ctx, bw);
  // bodies
  if (any && !dryBodies) {
    for (let b = 0; b < res.numBands; b++) {
      let pb = precinctBand(band(res, b), p);
      let n = pb.cw * pb.ch;
      for (let i = 0; i < n; i++) {
        let cb = codeBlock(pb, i);
        let lp = layerPasses(cb, l);
        if (lp <= cb.encSentPasses) continue;
        if ((style & CBLK_HT) != 0) {
          let ns = htContribution(cb, max(cb.encSentPasses, 3 * cb.encHtBase), lp);
          for (let j = 0; j < ns; j++) {
            let seg = HT_SEG + <usize>j * 12;
            let len = <usize>load<i32>(seg, 4);
            if (ctx.dry == 0) {
              if (bw.pos + len > bw.end) fail(ERR_ENCODE_OVERFLOW);
              memory.copy(bw.pos, cb.encData + <usize>load<u32>(seg, 8), len);
              bw.pos += len;
            } else {
              bodyLen += len;
            }
          }
          cb.encSentPasses = lp;
          cb.htMode = 1;
          continue;
        }
        let from = passRate(cb, cb.encSentPasses - 1);
        let to = passRate(cb, lp - 1);
        if (to < from) fail(ERR_INTERNAL, -1, from, to);
        let len = <usize>(to - from);
        if (ctx.dry == 0) {
          if (bw.pos + len > bw.end) fail(ERR_ENCODE_OVERFLOW);
          memory.copy(bw.pos, cb.encData + <usize>from, len);
          bw.pos += len;
        } else {
          bodyLen += len;
        }
        cb.encSentPasses = lp;
      }
    }
  }
  packetDone(ctx, tc, res, l, startPos, bodyLen);
}

/** The packet of layer l that started at `startPos` is written (dry runs: `bodyLen` more bytes counted): its length and tile-part. */
// @ts-ignore: decorator
@inline
function packetDone(ctx: T2Context, tc: TileComp, res: Resolution, l: i32, startPos: usize, bodyLen: usize): void {
  let bw = ctx.out;
  let total = <usize>(bw.pos - startPos) + bodyLen;
  let key = ctx.tilePartMode == 1 ? res.r : ctx.tilePartMode == 2 ? l : ctx.tilePartMode == 3 ? tc.c : 0;
  if (ctx.packets == 0) {
    ctx.tileParts = 1;
  } else if (key != ctx.lastKey) {
    ctx.tileParts++;
  }
  ctx.lastKey = key;
  if (ctx.dry != 0) {
    let lb = ctx.layerBytes + (<usize>l << 3);
    let extra = ctx.plt != 0 ? pltEntryBytes(<u32>total) : 0;
    store<f64>(lb, load<f64>(lb) + <f64>total + <f64>extra);
    bw.pos = startPos;
  } else if (ctx.packetLens != 0) {
    if (ctx.packets >= ctx.packetLensCap) fail(ERR_INTERNAL, -1, ctx.packets, ctx.packetLensCap);
    store<u32>(ctx.packetLens + (<usize>ctx.packets << 2), <u32>total);
    store<i32>(ctx.packetKeys + (<usize>ctx.packets << 2), key);
  }
  ctx.packets++;
}

/**
 * encodePacket for the final write when rate control kept the packet headers (ctx.kept): the
 * header's bytes as its last trials coded them for this assignment (codec/rate/measure.ts: the same
 * bits encodePacket codes, B.10), then the bodies of layer l: each block's passes after those of
 * layer l - 1. Part 1 blocks with one codeword segment per contribution (measure.ts keeps headers
 * for those only); no T2 state is read or moved on.
 */
function encodeKeptPacket(ctx: T2Context, tc: TileComp, res: Resolution, p: i32, l: i32): void {
  let bw = ctx.out;
  let startPos = bw.pos;
  writeSop(ctx, bw);
  let kh = changetype<KeptHeaders>(ctx.kept);
  let k = load<i32>(kh.res + (<usize>(load<i32>(ctx.keptTc + (<usize>tc.c << 2)) + res.r) << 2)) + p;
  let hs = changetype<HeaderStore>(load<usize>(kh.stores + (<usize>l << alignof<usize>())));
  let at = hs.pk + (<usize>k << 3);
  let len = <usize>load<i32>(at, 4);
  if (bw.pos + len > bw.end) fail(ERR_ENCODE_OVERFLOW);
  memory.copy(bw.pos, hs.buf + <usize>load<i32>(at), len);
  bw.pos += len;
  writeEph(ctx, bw);
  for (let b = 0; b < res.numBands; b++) {
    let pb = precinctBand(band(res, b), p);
    let n = pb.cw * pb.ch;
    for (let i = 0; i < n; i++) {
      let cb = codeBlock(pb, i);
      let lp = layerPasses(cb, l);
      let sent = l > 0 ? layerPasses(cb, l - 1) : 0;
      if (lp <= sent) {
        if (lp < sent) fail(ERR_INTERNAL, -1, sent, lp); // (layers only add passes)
        continue;
      }
      let from = passRate(cb, sent - 1);
      let to = passRate(cb, lp - 1);
      if (to < from) fail(ERR_INTERNAL, -1, from, to);
      let bytes = <usize>(to - from);
      if (bw.pos + bytes > bw.end) fail(ERR_ENCODE_OVERFLOW);
      memory.copy(bw.pos, cb.encData + <usize>from, bytes);
      bw.pos += bytes;
    }
  }
  packetDone(ctx, tc, res, l, startPos, 0);
}

/**
 * The rest of an included block's header when its new passes form one codeword segment (no
 * TERMALL, BYPASS or HT): their number (Table B.4), the Lblock increments and the length `len` of
 * the passes in one piece, Lblock grown to fit it (B.10.7.1). Returns the new Lblock.
 */
// @ts-ignore: decorator
@inline
export function writeOneSegment(bw: BitWriter, newPasses: i32, len: i32, lblock: i32): i32 {
  writeNumPasses(bw, newPasses);
  let fl = floorLog2(<u32>newPasses);
  let need = max(lblock, bitsFor(len) - fl);
  let ones = need - lblock;
  if (ones < 32) bitWriteN(bw, ((<u32>1 << <u32>ones) - 1) << 1, ones + 1);
  else {
    for (let j = 0; j < ones; j++) bitWrite(bw, 1);
    bitWrite(bw, 0);
  }
  bitWriteN(bw, <u32>len, need + fl);
  return need;
}

/** Bytes of one Iplt entry (A.7.3: 7 bits per byte, high bit = more bytes follow). */
export function pltEntryBytes(len: u32): i32 {
  let n = 1;
  while (len >= 128) {
    len >>= 7;
    n++;
  }
  return n;
}

/** First pass of the codeword segment containing pass `k` (D.4, via passesInSegment). */
export function segmentStart(style: i32, k: i32): i32 {
  let s = 0;
  while (true) {
    let n = passesInSegment(style, s);
    if (k < s + n) return s;
    s += n;
  }
  return 0;
}

// ---- HT code-blocks (ISO/IEC 15444-15 packet headers; mirror of readHtLengths in packet_decoder.ts)

/** Segments of one HT contribution: (passes, length, byte offset in CodeBlock.encData) each. */
const HT_SEG: usize = memory.data(12 * 256, 16);

/**
 * The codeword segments of an HT block's passes [a, b) (codec/t1/ht_encoder.ts: the block sends the
 * HT set of pass b - 1, earlier sets are placeholder passes without data). Until the block has sent
 * a cleanup segment with data, the contribution is one length for the placeholder passes and the
 * cleanup, then one for the refinement passes that follow it. Afterwards every cleanup pass has
 * its own length and the SigProp and MagRef passes of a set share one; sets other than the one
 * being sent get length 0 (the decoder keeps the last set with a cleanup segment).
 * Returns the number of segments written to HT_SEG.
 */
function htContribution(cb: CodeBlock, a: i32, b: i32): i32 {
  let sF = (b - 1) / 3;
  let jF = (b - 1) % 3;
  let dirOff = load<u32>(cb.encData + (<usize>sF << 2));
  if (dirOff == 0xffffffff) fail(ERR_INTERNAL, -1, 44, b);
  let lcup = passRate(cb, 3 * sF);
  let n = 0;
  if (cb.htMode == 0) {
    n = htSeg(n, 3 * sF + 1 - a, lcup, dirOff);
    if (jF > 0) n = htSeg(n, jF, passRate(cb, b - 1) - lcup, dirOff + <u32>lcup);
    return n;
  }
  let k = a;
  while (k < b) {
    let pos = k % 3;
    let take = pos == 0 ? 1 : min(b - k, 3 - pos);
    if (k / 3 == sF) {
      let from = pos == 0 ? 0 : passRate(cb, k - 1);
      n = htSeg(n, take, passRate(cb, k + take - 1) - from, dirOff + <u32>from);
    } else {
      n = htSeg(n, take, 0, 0);
    }
    k += take;
  }
  return n;
}

function htSeg(n: i32, passes: i32, len: i32, off: u32): i32 {
  if (n >= 256) fail(ERR_INTERNAL, -1, 45, n);
  let seg = HT_SEG + <usize>n * 12;
  store<i32>(seg, passes);
  store<i32>(seg, len, 4);
  store<u32>(seg, off, 8);
  return n + 1;
}

/** Lblock increments and the lengths of the segments in HT_SEG (B.10.7 with the Part 15 grouping). */
function writeHtLengths(bw: BitWriter, cb: CodeBlock, ns: i32): void {
  let need = cb.lblock;
  for (let j = 0; j < ns; j++) {
    let seg = HT_SEG + <usize>j * 12;
    let bits = bitsFor(load<i32>(seg, 4)) - floorLog2(<u32>load<i32>(seg));
    if (bits > need) need = bits;
  }
  for (let j = cb.lblock; j < need; j++) bitWrite(bw, 1);
  bitWrite(bw, 0);
  cb.lblock = need;
  for (let j = 0; j < ns; j++) {
    let seg = HT_SEG + <usize>j * 12;
    bitWriteN(bw, <u32>load<i32>(seg, 4), cb.lblock + floorLog2(<u32>load<i32>(seg)));
  }
}

/** Upper bound of the codeword bytes T2 may send for a block (HT: every coded set). */
export function blockDataBound(cb: CodeBlock, style: i32): u64 {
  if ((style & CBLK_HT) == 0) return <u64>passRate(cb, cb.encNumPasses - 1);
  let t: u64 = 0;
  for (let k = 0; k < cb.encNumPasses; k++) t += <u64>passRate(cb, k);
  return t;
}
