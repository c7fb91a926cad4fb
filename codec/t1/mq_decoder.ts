// MQ arithmetic decoder (ISO/IEC 15444-1 Annex C.3).
//
// Registers: A (interval, 16 bits), C (32 bits: Chigh in bits 16..31, Clow below), CT (bits left
// before the next BYTEIN). Between coding passes the registers live in the module globals below;
// the hot pass loops (ebcot_decoder_passes.ts, generated) copy them into locals and inline DECODE
// (as OpenJPEG's mqc_inl.h does), calling mqByteIn() only once every 8 renormalisation shifts.
//
// End of segment (C.3.4): a codeword segment is decoded as if it were followed by 0xFF bytes.
// mqSegmentOpen() writes the 2-byte terminator 0xFF 0xFF right after the segment (saving the two
// bytes that were there; mqSegmentClose() restores them). BYTEIN then sees "0xFF followed by a
// byte > 0x8F", i.e. a marker, and keeps feeding 1-bits without advancing: no length test in the
// hot path and no read beyond segment end + 2.

import { MQ_CONTEXTS, mqNextEntry } from "./mq_states";

/** Interval register A. */
export let mqA: u32 = 0;
/** Code register C. */
export let mqC: u32 = 0;
/** Bit counter CT. */
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
 * BYTEIN (C.3.4, Figure C.19) for the register value `c`; returns the new C and sets mqCt.
 * With the 0xFF 0xFF terminator in place it never moves past the segment end.
 */
export function mqByteIn(c: u32): u32 {
  const bp = mqBp;
  if (load<u8>(bp) == 0xff) {
    const b1 = <u32>load<u8>(bp, 1);
    if (b1 > 0x8f) {
      // marker (or the terminator): feed 1-bits, stay put
      mqCt = 8;
      return c + 0xff00;
    }
    mqBp = bp + 1;
    mqCt = 7;
    return c + (b1 << 9);
  }
  mqBp = bp + 1;
  mqCt = 8;
  return c + (<u32>load<u8>(bp, 1) << 8);
}

/** INITDEC (C.3.5, Figure C.20) for a segment starting at `start` (opened with mqSegmentOpen). */
export function mqDecodeInit(start: usize): void {
  mqBp = start;
  let c = <u32>load<u8>(start) << 16;
  c = mqByteIn(c);
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
  let d: u32;
  a -= q;
  if (c >= q << 16 && (a & 0x8000) != 0) {
    // MPS without renormalisation
    c -= q << 16;
    d = (e >>> 16) & 1;
  } else {
    let lps: u32;
    if (c < q << 16) {
      // LPS sub-interval: LPS_EXCHANGE (Figure C.17)
      lps = a >= q ? 1 : 0;
      a = q;
    } else {
      // MPS sub-interval with A < 0x8000: MPS_EXCHANGE (Figure C.16)
      c -= q << 16;
      lps = a < q ? 1 : 0;
    }
    d = ((e >>> 16) & 1) ^ lps;
    store<u32>(cxp, mqNextEntry(e, lps));
    // RENORMD (Figure C.18), several shifts at once
    let n = clz(a) - 16;
    while (ct < n) {
      a <<= ct;
      c <<= ct;
      n -= ct;
      c = mqByteIn(c);
      ct = mqCt;
    }
    a <<= n;
    c <<= n;
    ct -= n;
  }
  mqA = a;
  mqC = c;
  mqCt = ct;
  return d;
}
