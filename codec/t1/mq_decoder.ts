// MQ arithmetic decoder (ISO/IEC 15444-1 Annex C.3).
//
// Registers: A (interval, 16 bits) and C. C is kept in 64 bits: Chigh (the 16 bits compared with
// Qe) in bits 48..63 and, below it, CT bits of the codeword already read (the standard's Clow holds
// at most 8 of them; up to 48 here). Between coding passes the registers live in the module globals
// below; the hot pass loops (ebcot_decoder_passes.ts, generated) copy them into locals and inline
// DECODE (as OpenJPEG's mqc_inl.h does), calling mqFill() only when CT bits run out: with six
// bytes read at a time, every ~48 renormalisation shifts instead of every 8.
//
// Why reading ahead decodes the same decisions as BYTEIN (C.3.4, Figure C.19) one byte at a time:
// BYTEIN adds each byte into bits of C that are still zero, so adding it earlier changes no Chigh
// comparison. The one exception is a 0xFF followed by a byte 0x80..0x8F (never written by an
// encoder: after a 0xFF it stuffs a 0 bit, and a byte > 0x8F is a marker): BYTEIN adds that byte's
// top bit onto the last bit of the 0xFF, which can carry into Chigh, so mqFill() adds such a byte
// only once every earlier bit has been shifted out (CT = 0), exactly when BYTEIN would.
//
// End of segment (C.3.4): a codeword segment is decoded as if it were followed by 0xFF bytes.
// mqSegmentOpen() writes the 2-byte terminator 0xFF 0xFF right after the segment (saving the two
// bytes that were there; mqSegmentClose() restores them). BYTEIN then sees "0xFF followed by a
// byte > 0x8F", i.e. a marker, and keeps feeding 1-bits without advancing: no length test in the
// hot path and no read beyond segment end + 2.

import { MQ_CONTEXTS, mqNextEntry } from "./mq_states";

/** Interval register A. */
export let mqA: u32 = 0;
/** Code register C (Chigh in bits 48..63). */
export let mqC: u64 = 0;
/** Bits of C below Chigh read but not yet shifted in (the standard's CT; up to 48 here). */
export let mqCt: u32 = 0;
/** Address of the byte B last read (BP of C.3.4). */
export let mqBp: usize = 0;

let sentinelAt: usize = 0;
let saved0: u8 = 0;
let saved1: u8 = 0;

/** Terminate the segment [start, end) with 0xFF 0xFF (restored by mqSegmentClose). */
export function mqSegmentOpen(end: usize): void {
  sentinelAt = end;
  saved0 = load<u8>(end);
  saved1 = load<u8>(end, 1);
  store<u8>(end, 0xff);
  store<u8>(end, 0xff, 1);
}

/** Undo mqSegmentOpen. */
export function mqSegmentClose(): void {
  store<u8>(sentinelAt, saved0);
  store<u8>(sentinelAt, saved1, 1);
}

/**
 * BYTEIN (C.3.4, Figure C.19), repeated until more than 32 bits are buffered, for a register value
 * `c` with no bits buffered (CT = 0: every caller first shifts C by the CT bits it has). Returns the
 * new C and sets mqCt. With the 0xFF 0xFF terminator in place it never reads past segment end + 1.
 */
export function mqFill(c: u64): u64 {
  let bp = mqBp;
  if (bp + 5 < sentinelAt) {
    // No 0xFF among B and the next five bytes, so none of the next six follows a 0xFF: read
    // them at once into bits 0..47 (the test is the exact "has a zero byte" test applied to ~x,
    // on the low six bytes; the load ends at most at segment end + 1, inside the terminator).
    const x = load<u64>(bp); // B in the low byte
    if (((~x - 0x0101_0101_0101) & x & 0x8080_8080_8080) == 0) {
      mqBp = bp + 6;
      mqCt = 48;
      return c + ((bswap<u64>(x) << 8) >> 16); // B+1..B+6 into bits 47..0
    }
  }
  let ct: u32 = 0;
  do {
    if (load<u8>(bp) == 0xff) {
      const b1 = <u64>load<u8>(bp, 1);
      if (b1 > 0x8f) {
        // marker (or the terminator): feed 1-bits, stay put
        c += <u64>0xff << <u64>(40 - ct);
        ct += 8;
        continue;
      }
      if (b1 >= 0x80 && ct != 0) break; // added at CT = 0 only (see the top of this file)
      bp++;
      c += b1 << <u64>(41 - ct);
      ct += 7;
    } else {
      bp++;
      c += <u64>load<u8>(bp) << <u64>(40 - ct);
      ct += 8;
    }
  } while (ct <= 32);
  mqBp = bp;
  mqCt = ct;
  return c;
}

/** INITDEC (C.3.5, Figure C.20) for a segment starting at `start` (opened with mqSegmentOpen). */
export function mqDecodeInit(start: usize): void {
  mqBp = start;
  let c = <u64>load<u8>(start) << 48;
  c = mqFill(c);
  mqC = c << 7;
  mqCt -= 7;
  mqA = 0x8000;
}

/**
 * DECODE (C.3.2, Figures C.15–C.18) of one decision with context `cx`, registers in the globals.
 * This is the reference form; ebcot_decoder_passes.ts inlines an equivalent form (the exchanges
 * done with selects) with the registers in locals.
 */
export function mqDecodeBit(cx: i32): u32 {
  let a = mqA;
  let c = mqC;
  let ct = mqCt;
  const cxp = MQ_CONTEXTS + (<usize>cx << 2);
  const e = load<u32>(cxp);
  const q = e & 0xffff;
  const qh = <u64>q << 48;
  let d: u32;
  a -= q;
  if (c >= qh && (a & 0x8000) != 0) {
    // MPS without renormalisation
    c -= qh;
    d = (e >>> 16) & 1;
  } else {
    let lps: u32;
    if (c < qh) {
      // LPS sub-interval: LPS_EXCHANGE (Figure C.17)
      lps = a >= q ? 1 : 0;
      a = q;
    } else {
      // MPS sub-interval with A < 0x8000: MPS_EXCHANGE (Figure C.16)
      c -= qh;
      lps = a < q ? 1 : 0;
    }
    d = ((e >>> 16) & 1) ^ lps;
    store<u32>(cxp, mqNextEntry(e, lps));
    // RENORMD (Figure C.18), several shifts at once
    let n = clz(a) - 16;
    while (ct < n) {
      a <<= ct;
      c <<= <u64>ct;
      n -= ct;
      c = mqFill(c);
      ct = mqCt;
    }
    a <<= n;
    c <<= <u64>n;
    ct -= n;
  }
  mqA = a;
  mqC = c;
  mqCt = ct;
  return d;
}
