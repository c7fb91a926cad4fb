// Packet-header bit writer with bit stuffing (ISO/IEC 15444-1 B.10.1), mirror of bit_reader.ts.

import { fail } from "../util/fail";
import { ERR_ENCODE_OVERFLOW } from "../util/error_codes";

@unmanaged
export class BitWriter {
  start: usize;
  pos: usize;
  end: usize;
  buf: u32;
  /** Bits still free in `buf` (8, or 7 after a 0xFF byte). */
  ct: i32;
  prevFF: i32;
}

export function bitWriterInit(bw: BitWriter, pos: usize, end: usize): void {
  bw.start = pos;
  bw.pos = pos;
  bw.end = end;
  bw.buf = 0;
  bw.ct = 8;
  bw.prevFF = 0;
}

function emit(bw: BitWriter): void {
  if (bw.pos >= bw.end) fail(ERR_ENCODE_OVERFLOW);
  store<u8>(bw.pos, <u8>bw.buf);
  bw.pos++;
  bw.prevFF = bw.buf == 0xff ? 1 : 0;
  bw.buf = 0;
  bw.ct = bw.prevFF != 0 ? 7 : 8;
}

// @ts-ignore: decorator
@inline
export function bitWrite(bw: BitWriter, bit: u32): void {
  let ct = bw.ct - 1;
  bw.buf |= (bit & 1) << <u32>ct;
  bw.ct = ct;
  if (ct == 0) emit(bw);
}

/**
 * The n low bits of v, most significant first: as n calls of bitWrite, but up to a byte's free bits
 * at a time (the same bytes, stuffing included: a byte after 0xFF takes 7 bits either way).
 */
export function bitWriteN(bw: BitWriter, v: u32, n: i32): void {
  if (n > 32) {
    // (shift counts wrap at 32: keep the bit-by-bit values)
    for (let i = n - 1; i >= 0; i--) bitWrite(bw, (v >> <u32>i) & 1);
    return;
  }
  while (n > 0) {
    let ct = bw.ct;
    let k = n < ct ? n : ct;
    n -= k;
    ct -= k;
    bw.buf |= ((v >> <u32>n) & ((<u32>1 << <u32>k) - 1)) << <u32>ct;
    bw.ct = ct;
    if (ct == 0) emit(bw);
  }
}

/** Flush to a byte boundary; after a 0xFF byte a 0x00 byte follows (B.10.1). Returns bytes written. */
export function bitWriterFlush(bw: BitWriter): i32 {
  let full = bw.prevFF != 0 ? 7 : 8;
  if (bw.ct != full) emit(bw);
  if (bw.prevFF != 0) {
    // the reader consumes the byte after a final 0xFF as part of the header
    bw.buf = 0;
    emit(bw);
  }
  return <i32>(bw.pos - bw.start);
}
