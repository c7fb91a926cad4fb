// Baseline Huffman entropy coding (ISO/IEC 10918-1 F.1.2, F.1.4): DC differences and AC run/size
// symbols of a quantised block, bit packing with 0xFF byte stuffing (F.1.2.3), restart markers
// (F.1.4.4 / B.2.4.4), and the statistics pass for optimised tables (K.2).
// The bit buffer and output cursor live in globals during one entry-point call; entropyLoad and
// entropySave move them to and from the host-owned context blob.

import { JpegCtx, CTX_CODE, CTX_SIZE, CF_DC, compGet, compSet } from "./context";
import { freqPtr } from "./huffman";
import { ZIGZAG } from "./tables";

let gBuf: u64 = 0;
let gCnt: i32 = 0;
/** Output cursor; null output (statistics pass) never writes. */
let gOut: usize = 0;

export function entropyLoad(c: JpegCtx, out: usize): void {
  gBuf = c.bitBuf;
  gCnt = c.bitCnt;
  gOut = out;
}

/** Store the bit buffer back; returns the output cursor. */
export function entropySave(c: JpegCtx): usize {
  c.bitBuf = gBuf;
  c.bitCnt = gCnt;
  return gOut;
}

export function entropyCursor(): usize {
  return gOut;
}

// @ts-ignore: decorator
@inline
function putByte(b: u32): void {
  store<u8>(gOut, <u8>b);
  gOut++;
  if (b == 0xff) {
    store<u8>(gOut, 0); // F.1.2.3: a zero byte follows every 0xFF in entropy-coded data
    gOut++;
  }
}

/** Append the low `size` bits of `code` (size 0..27 with at most 7 bits pending). */
// @ts-ignore: decorator
@inline
function emit(code: u32, size: i32): void {
  gBuf = (gBuf << <u64>size) | <u64>(code & ((<u32>1 << size) - 1));
  gCnt += size;
  if (gCnt >= 32) {
    while (gCnt >= 8) {
      gCnt -= 8;
      putByte(<u32>(gBuf >> <u64>gCnt) & 0xff);
    }
  }
}

/** Flush whole bytes and pad the last one with 1-bits (F.1.2.3), as before a marker. */
export function entropyFlush(): void {
  while (gCnt >= 8) {
    gCnt -= 8;
    putByte(<u32>(gBuf >> <u64>gCnt) & 0xff);
  }
  if (gCnt > 0) {
    emit(0x7f, 8 - gCnt);
    gCnt -= 8;
    putByte(<u32>gBuf & 0xff);
  }
  gBuf = 0;
  gCnt = 0;
}

/** Write a marker (after entropyFlush). */
export function entropyMarker(m: u32): void {
  store<u8>(gOut, 0xff);
  store<u8>(gOut + 1, <u8>m);
  gOut += 2;
}

/** Number of bits of |v| (SSSS, Table F.1/F.2). */
// @ts-ignore: decorator
@inline
function magnitudeBits(a: i32): i32 {
  return 32 - clz(a);
}

/**
 * Code one quantised block (natural order at `zz`; `mask` bit k set when the k-th coefficient in
 * zig-zag order is not zero) of
 * component `ci` with Huffman tables `dcT`/`acT` (F.1.2.1 DC difference, F.1.2.2 AC run-length
 * with ZRL and EOB).
 */
export function encodeBlock(ctx: usize, ci: i32, zz: usize, mask: u64, dcT: i32, acT: i32): void {
  let dcCode = ctx + CTX_CODE + (<usize>dcT << 10);
  let dcSize = ctx + CTX_SIZE + (<usize>dcT << 8);
  let acCode = ctx + CTX_CODE + (<usize>acT << 10);
  let acSize = ctx + CTX_SIZE + (<usize>acT << 8);

  let dc = load<i32>(zz);
  let diff = dc - compGet(ctx, ci, CF_DC);
  compSet(ctx, ci, CF_DC, dc);
  let a = diff < 0 ? -diff : diff;
  let n = magnitudeBits(a);
  emit(load<u32>(dcCode + (<usize>n << 2)), <i32>load<u8>(dcSize + <usize>n));
  if (n != 0) emit(<u32>(diff < 0 ? diff - 1 : diff), n);

  let m = mask & ~(<u64>1);
  let last: i32 = 0;
  while (m != 0) {
    let k = <i32>ctz(m);
    m &= m - 1;
    let run = k - last - 1;
    last = k;
    while (run > 15) {
      emit(load<u32>(acCode + (0xf0 << 2)), <i32>load<u8>(acSize + 0xf0));
      run -= 16;
    }
    let v = load<i32>(zz + (<usize>load<u8>(ZIGZAG + <usize>k) << 2));
    let nb = magnitudeBits(v < 0 ? -v : v);
    let sym = <usize>((run << 4) + nb);
    emit(load<u32>(acCode + (sym << 2)), <i32>load<u8>(acSize + sym));
    emit(<u32>(v < 0 ? v - 1 : v), nb);
  }
  if (last != 63) emit(load<u32>(acCode), <i32>load<u8>(acSize));
}

/** Count the symbols `encodeBlock` would code (statistics pass for K.2 optimal tables). */
export function countBlock(ctx: usize, ci: i32, zz: usize, mask: u64, dcT: i32, acT: i32): void {
  let dcF = freqPtr(ctx, dcT);
  let acF = freqPtr(ctx, acT);
  let dc = load<i32>(zz);
  let diff = dc - compGet(ctx, ci, CF_DC);
  compSet(ctx, ci, CF_DC, dc);
  let n = <usize>magnitudeBits(diff < 0 ? -diff : diff);
  store<u64>(dcF + (n << 3), load<u64>(dcF + (n << 3)) + 1);
  let m = mask & ~(<u64>1);
  let last: i32 = 0;
  while (m != 0) {
    let k = <i32>ctz(m);
    m &= m - 1;
    let run = k - last - 1;
    last = k;
    while (run > 15) {
      store<u64>(acF + (0xf0 << 3), load<u64>(acF + (0xf0 << 3)) + 1);
      run -= 16;
    }
    let v = load<i32>(zz + (<usize>load<u8>(ZIGZAG + <usize>k) << 2));
    let sym = <usize>((run << 4) + magnitudeBits(v < 0 ? -v : v));
    store<u64>(acF + (sym << 3), load<u64>(acF + (sym << 3)) + 1);
  }
  if (last != 63) store<u64>(acF, load<u64>(acF) + 1);
}
