// Baseline Huffman decoding (ISO/IEC 10918-1 F.2.2): decoding tables from BITS/HUFFVAL (C.2 and
// F.2.2.3's MAXCODE/VALPTR/MINCODE, plus a 9-bit look-ahead table), the bit reader with 0xFF00
// unstuffing that stops at markers (F.2.2.5), and the decoding of one block's coefficients
// (F.2.2.1 DC difference, F.2.2.2 AC run/size, EXTEND of F.2.2.1). Input is never read past `gEnd`:
// after a marker or the end of the input the reader supplies zeros and counts them, so a caller
// can tell a segment that ends too early.

import {
  JpegDecCtx, DCTX_HUFF, HT_SLOT, HT_LOOK, HT_MAXCODE, HT_VALOFF, HT_VALS, LOOK_BITS,
  DEC_BAD_CODE, DEC_COEF_OVERFLOW, DEC_BAD_SIZE,
} from "./decode_context";
import { ZIGZAG } from "./tables";

// @ts-ignore: decorator
@inline
export function slotPtr(ctx: usize, slot: i32): usize {
  return ctx + DCTX_HUFF + <usize>slot * HT_SLOT;
}

/**
 * Build slot `slot` from 16 BITS counts at `bits` and the values at `vals`. Returns 0, or -1 when
 * the counts do not describe a prefix code (more than 256 values, or codes overflowing a length).
 */
export function huffBuild(ctx: usize, slot: i32, bits: usize, vals: usize): i32 {
  let t = slotPtr(ctx, slot);
  let total = 0;
  for (let l = 0; l < 16; l++) total += <i32>load<u8>(bits + <usize>l);
  if (total > 256) return -1;
  memory.fill(t + HT_LOOK, 0, 1024);
  memory.copy(t + HT_VALS, vals, <usize>total);
  let code: i32 = 0;
  let k: i32 = 0;
  for (let l = 1; l <= 16; l++) {
    let n = <i32>load<u8>(bits + <usize>(l - 1));
    store<i32>(t + HT_VALOFF + (<usize>l << 2), k - code);
    if (n == 0) {
      store<i32>(t + HT_MAXCODE + (<usize>l << 2), -1);
    } else {
      if (code + n > (1 << l)) return -1; // C.2: the codes of this length do not fit
      for (let i = 0; i < n; i++) {
        if (l <= LOOK_BITS) {
          let shift = LOOK_BITS - l;
          let base = (code + i) << shift;
          let entry = <u16>((l << 8) | <i32>load<u8>(vals + <usize>(k + i)));
          for (let s = 0; s < (1 << shift); s++) store<u16>(t + HT_LOOK + (<usize>(base + s) << 1), entry);
        }
      }
      code += n;
      k += n;
      store<i32>(t + HT_MAXCODE + (<usize>l << 2), code - 1);
    }
    code <<= 1;
  }
  store<i32>(t + HT_MAXCODE + (17 << 2), 0x7fffffff); // sentinel
  return 0;
}

// Reader state while an entry point runs (loaded from / saved to the context).
let gBuf: u64 = 0;
let gCnt: i32 = 0;
let gFake: i32 = 0;
let gMarker: i32 = 0;
let gPos: usize = 0;
let gEnd: usize = 0;

export function readerLoad(c: JpegDecCtx, pos: usize, end: usize): void {
  gBuf = c.bitBuf;
  gCnt = c.bitCnt;
  gFake = c.fakeBits;
  gMarker = c.atMarker;
  gPos = pos;
  gEnd = end;
}

export function readerSave(c: JpegDecCtx): usize {
  c.bitBuf = gBuf;
  c.bitCnt = gCnt;
  c.fakeBits = gFake;
  c.atMarker = gMarker;
  return gPos;
}

/** Current input position (bytes before it are in the bit buffer or consumed). */
export function readerPos(): usize {
  return gPos;
}

export function readerSetPos(p: usize): void {
  gPos = p;
}

/** Forget buffered bits (before a marker: they are the 1-bit padding of F.1.2.3). */
export function readerReset(): void {
  gBuf = 0;
  gCnt = 0;
  gFake = 0;
  gMarker = 0;
}

/** True when bits past the real data were consumed (the segment ended inside a block). */
// @ts-ignore: decorator
@inline
export function readerOverrun(): bool {
  return gCnt < gFake;
}

/** Top up the bit buffer to more than 56 bits. */
function fill(): void {
  while (gCnt <= 56) {
    if (gMarker == 0) {
      if (gPos < gEnd) {
        let b = <u32>load<u8>(gPos);
        if (b != 0xff) {
          gPos++;
          gBuf = (gBuf << 8) | <u64>b;
          gCnt += 8;
          continue;
        }
        if (gPos + 1 < gEnd && load<u8>(gPos + 1) == 0) {
          gPos += 2; // F.1.2.3 stuffed zero byte
          gBuf = (gBuf << 8) | 0xff;
          gCnt += 8;
          continue;
        }
      }
      gMarker = 1; // a marker (or fill bytes before one), or the end of the input: stop here
    }
    gBuf <<= 8;
    gCnt += 8;
    gFake += 8;
  }
}

// @ts-ignore: decorator
@inline
function bits(n: i32): i32 {
  if (gCnt < n) fill();
  gCnt -= n;
  return <i32>((gBuf >> <u64>gCnt) & ((<u64>1 << <u64>n) - 1));
}

/** Decode one Huffman symbol with slot `t`; -1 when no code matches. */
// @ts-ignore: decorator
@inline
function symbol(t: usize): i32 {
  if (gCnt < 16) fill();
  let look = <i32>load<u16>(t + HT_LOOK + (<usize>((gBuf >> <u64>(gCnt - LOOK_BITS)) & ((1 << LOOK_BITS) - 1)) << 1));
  if (look != 0) {
    gCnt -= look >> 8;
    return look & 0xff;
  }
  // F.2.2.3 DECODE for codes longer than the look-ahead
  for (let l = LOOK_BITS + 1; l <= 16; l++) {
    let code = <i32>((gBuf >> <u64>(gCnt - l)) & ((<u64>1 << <u64>l) - 1));
    if (code <= load<i32>(t + HT_MAXCODE + (<usize>l << 2))) {
      gCnt -= l;
      return <i32>load<u8>(t + HT_VALS + <usize>(load<i32>(t + HT_VALOFF + (<usize>l << 2)) + code));
    }
  }
  return -1;
}

// @ts-ignore: decorator
@inline
function extend(v: i32, s: i32): i32 {
  return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v; // F.2.2.1 EXTEND
}

/**
 * Decode one block into `q` (i32 [64], natural order; entries not in the returned mask are left
 * as they were) with DC slot `dc` and AC slot `ac`, given the DC prediction `pred`. Returns the
 * zig-zag non-zero mask; the new DC value is in `lastDc`. On bad data sets `decError`.
 */
export let lastDc: i32 = 0;
export let decError: i32 = 0;

/** Clear (or set) the error flag of decodeBlock; every decodeRows call starts with it cleared. */
export function setDecError(v: i32): void {
  decError = v;
}

export function decodeBlock(dcSlot: usize, acSlot: usize, pred: i32, q: usize): u64 {
  let s = symbol(dcSlot);
  if (s < 0) { decError = DEC_BAD_CODE; return 0; }
  if (s > 11) { decError = DEC_BAD_SIZE; return 0; }
  let diff = s == 0 ? 0 : extend(bits(s), s);
  let dc = pred + diff;
  lastDc = dc;
  store<i32>(q, dc);
  let mask: u64 = <u64>(dc != 0);
  let k = 1;
  while (k < 64) {
    let rs = symbol(acSlot);
    if (rs < 0) { decError = DEC_BAD_CODE; return 0; }
    let r = rs >> 4;
    let sz = rs & 15;
    if (sz == 0) {
      if (r != 15) break; // EOB
      k += 16; // ZRL
      continue;
    }
    if (sz > 10) { decError = DEC_BAD_SIZE; return 0; }
    k += r;
    if (k > 63) { decError = DEC_COEF_OVERFLOW; return 0; }
    let v = extend(bits(sz), sz);
    store<i32>(q + (<usize>load<u8>(ZIGZAG + <usize>k) << 2), v);
    mask |= <u64>1 << <u64>k;
    k++;
  }
  if (k > 64) decError = DEC_COEF_OVERFLOW; // a ZRL past the last coefficient
  return mask;
}
