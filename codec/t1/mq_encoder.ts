// MQ arithmetic encoder (ISO/IEC 15444-1 Annex C.2) with FLUSH (C.2.9) and the predictable
// termination ERTERM (D.4.2) used with the PTERM code-block style.
//
// Registers A and C and the counter CT live in the globals below between coding passes; the pass
// loops (ebcot_encoder_passes.ts, generated) keep them in locals and inline ENCODE, calling
// mqByteOut() once per output byte. The byte B last output (it can still receive a carry) is kept
// in mqeB and is also stored at mqeBp as soon as it is created; mqeBp = start - 1 before the first
// byte (the "byte before the segment" of INITENC is a virtual 0 that is never written).

import { fail } from "../util/fail";
import { ERR_ENCODE_OVERFLOW } from "../util/error_codes";
import { MQ_CONTEXTS, MQ_TABLE, NUM_CONTEXTS, CX_RL, CX_UNI, mqTablesInit } from "./mq_states";

// The encoder keeps its context states in a form of its own (the decoder's: mq_states.ts): a
// context word holds Qe in bits 0..15 and K = 2·I + MPS in bits 16..23 (so MPS is bit 16, as in
// the decoder's form), and the word after a renormalisation is MQE_NEXT[2K + lps] (lps = 1 after
// an LPS): one shift, mask and or form that index from the word and the decision.

/** Encoder context words after a renormalisation: index 2K + lps (K = 2·I + MPS, Table C.2). */
const MQE_NEXT: usize = memory.data(94 * 2 * 4, 16);
let mqeTableReady = false;

/** The encoder's context word of table entry K (MQ_TABLE index 2·I + MPS). */
// @ts-ignore: decorator
@inline
function mqeEntry(k: u32): u32 {
  return (load<u32>(MQ_TABLE + (<usize>k << 2)) & 0xffff) | (k << 16);
}

/** Fill MQE_NEXT from MQ_TABLE (once per instance). */
export function mqeTablesInit(): void {
  if (mqeTableReady) return;
  mqTablesInit();
  for (let k: u32 = 0; k < 94; k++) {
    const e = load<u32>(MQ_TABLE + (<usize>k << 2));
    store<u32>(MQE_NEXT + (<usize>k << 3), mqeEntry((e >>> 17) & 0x7f)); // NMPS
    store<u32>(MQE_NEXT + (<usize>k << 3), mqeEntry(e >>> 24), 4); // NLPS (MPS switched where SWITCH = 1)
  }
  mqeTableReady = true;
}

/**
 * Reset all contexts to their initial states (Table D.7), in the encoder's form: all I = 0,
 * MPS = 0 except UNIFORM (I = 46), run-length (I = 3) and the all-zero-neighbourhood significance
 * context 0 (I = 4).
 */
export function mqeResetContexts(): void {
  const zero = mqeEntry(0);
  for (let i = 1; i < NUM_CONTEXTS; i++) store<u32>(MQ_CONTEXTS + (<usize>i << 2), zero);
  store<u32>(MQ_CONTEXTS + (<usize>CX_UNI << 2), mqeEntry(46 << 1));
  store<u32>(MQ_CONTEXTS + (<usize>CX_RL << 2), mqeEntry(3 << 1));
  store<u32>(MQ_CONTEXTS, mqeEntry(4 << 1));
}

/** Put context `cx` into state I = `state` with the given MPS, in the encoder's form. */
export function mqeSetContext(cx: i32, state: i32, mps: i32): void {
  store<u32>(MQ_CONTEXTS + (<usize>cx << 2), mqeEntry(<u32>((state << 1) | (mps & 1))));
}

/** The encoder's context word that follows `e` after a renormalisation: NLPS if `lps`, else NMPS. */
// @ts-ignore: decorator
@inline
export function mqeNextEntry(e: u32, lps: u32): u32 {
  return load<u32>(MQE_NEXT + (<usize>(((e >>> 15) & 0x1fe) | lps) << 2));
}

export let mqeA: u32 = 0;
export let mqeC: u32 = 0;
export let mqeCt: u32 = 0;
/** Address of the byte B (the last byte output, still open for a carry). */
export let mqeBp: usize = 0;
/** Value of B. */
export let mqeB: u32 = 0;
/** One past the last writable byte of the destination. */
let mqeLimit: usize = 0;
/** First byte of the segment (mqEncodeInit). */
let mqeStart: usize = 0;

/**
 * INITENC (C.2.8, Figure C.10) for a segment whose first byte goes to `start`; `limit` = end of the
 * buffer (ERR_ENCODE_OVERFLOW if no byte fits).
 */
export function mqEncodeInit(start: usize, limit: usize): void {
  if (limit <= start) fail(ERR_ENCODE_OVERFLOW, -1, 0, 0);
  mqeOverflow = 0;
  mqeA = 0x8000;
  mqeC = 0;
  mqeCt = 12;
  mqeBp = start - 1;
  mqeB = 0;
  mqeLimit = limit;
  mqeStart = start;
}

/**
 * 1 once a byte went past the destination's end (mqeLimit): the bytes from there on overwrote the
 * destination's last byte instead, and the coder's output is void. The encoder checks it after
 * every coding pass and termination (mqOverflowCheck), so BYTEOUT itself makes no call.
 */
export let mqeOverflow: u32 = 0;

/** Fail with ERR_ENCODE_OVERFLOW if a byte went past the destination's end since mqEncodeInit. */
export function mqOverflowCheck(): void {
  if (mqeOverflow != 0) fail(ERR_ENCODE_OVERFLOW, -1, 0, 0);
}

/**
 * BYTEOUT (C.2.7, Figure C.8) for register value `c`: returns the new C and sets mqeCt.
 * Bit stuffing: after a 0xFF byte only 7 bits go into the next byte. Inlined into the pass loops
 * (no call there: see mqeOverflow).
 */
// @ts-ignore: decorator
@inline
export function mqByteOut(c: u32): u32 {
  let bp = mqeBp;
  let b = mqeB;
  if (b != 0xff) {
    if (c < 0x800_0000) {
      bp++;
      b = c >>> 19;
      c &= 0x7_ffff;
      mqeCt = 8;
      return byteOutStore(bp, b, c);
    }
    // carry into B
    b++;
    store<u8>(bp, <u8>b);
    if (b != 0xff) {
      bp++;
      b = (c >>> 19) & 0xff;
      c &= 0x7_ffff;
      mqeCt = 8;
      return byteOutStore(bp, b, c);
    }
    c &= 0x7ff_ffff;
  }
  bp++;
  b = c >>> 20;
  c &= 0xf_ffff;
  mqeCt = 7;
  return byteOutStore(bp, b, c);
}

// @ts-ignore: decorator
@inline
function byteOutStore(bp: usize, b: u32, c: u32): u32 {
  if (bp >= mqeLimit) {
    mqeOverflow = 1;
    bp = mqeLimit - 1; // mqEncodeInit: the destination has at least one byte
  }
  store<u8>(bp, <u8>b);
  mqeBp = bp;
  mqeB = b;
  return c;
}

/**
 * ENCODE (C.2.2–C.2.6, Figures C.3–C.7) of decision `d` with context `cx`, registers in the globals.
 * Reference form; ebcot_encoder_passes.ts inlines an equivalent form with the registers in locals.
 */
export function mqEncodeBit(cx: i32, d: u32): void {
  let a = mqeA;
  let c = mqeC;
  let ct = mqeCt;
  const cxp = MQ_CONTEXTS + (<usize>cx << 2);
  const e = load<u32>(cxp);
  const q = e & 0xffff;
  a -= q;
  if (d == ((e >>> 16) & 1)) {
    // CODEMPS
    if ((a & 0x8000) != 0) {
      c += q;
      mqeC = c;
      mqeA = a;
      return;
    }
    if (a < q) a = q;
    else c += q;
    store<u32>(cxp, mqeNextEntry(e, 0));
  } else {
    // CODELPS
    if (a < q) c += q;
    else a = q;
    store<u32>(cxp, mqeNextEntry(e, 1));
  }
  // RENORME (Figure C.9), several shifts at once
  let n = clz(a) - 16;
  while (n >= ct) {
    a <<= ct;
    c <<= ct;
    n -= ct;
    c = mqByteOut(c);
    ct = mqeCt;
  }
  a <<= n;
  c <<= n;
  mqeA = a;
  mqeC = c;
  mqeCt = ct - n;
}

/**
 * FLUSH (C.2.9, Figures C.11–C.12): SETBITS, two byte-outs; a final 0xFF is dropped.
 * Returns the address one past the last byte of the terminated segment.
 */
export function mqFlush(): usize {
  let c = mqeC;
  const tempc = c + mqeA;
  c |= 0xffff;
  if (c >= tempc) c -= 0x8000;
  c <<= mqeCt;
  c = mqByteOut(c);
  c <<= mqeCt;
  c = mqByteOut(c);
  mqeC = c;
  mqOverflowCheck();
  return mqeB == 0xff ? mqeBp : mqeBp + 1;
}

/**
 * Predictable termination ERTERM (D.4.2): output just enough bits of C for the decoder to reach
 * the end of the pass, so that an error-resilient decoder can check the termination.
 * Returns the address one past the last byte of the terminated segment.
 */
export function mqErterm(): usize {
  let c = mqeC;
  let k = 12 - <i32>mqeCt;
  while (k > 0) {
    c <<= mqeCt;
    c = mqByteOut(c);
    k -= <i32>mqeCt;
  }
  if (mqeB != 0xff) {
    c = mqByteOut(c); // settles a pending carry into B; the new partial byte is not part of the segment
  }
  mqeC = c;
  mqOverflowCheck();
  return mqeBp;
}

/** Bytes of a coder-state snapshot (mqSnapshot / mqTruncationLength / mqRestore). */
export const MQ_SNAPSHOT_BYTES = 16;

/** Record the coder state at the end of a coding pass, for mqTruncationLength() or mqRestore(). */
export function mqSnapshot(dst: usize): void {
  store<u32>(dst, mqeC);
  store<u32>(dst, mqeA, 4);
  store<u32>(dst, mqeCt | (mqeB << 8), 8);
  store<u32>(dst, <u32>mqeBp, 12);
}

/**
 * Continue coding from the state a snapshot recorded, after mqEncodeInit() of the same segment
 * start (which sets the buffer limit). The bytes before B must already be in place; B itself is
 * written again (a carry after the snapshot may have changed the stored copy), unless no byte had
 * been output yet (B is then the virtual byte before the segment).
 */
export function mqRestore(snap: usize): void {
  mqeC = load<u32>(snap);
  mqeA = load<u32>(snap, 4);
  const w = load<u32>(snap, 8);
  mqeCt = w & 0xff;
  mqeB = w >>> 8;
  mqeBp = <usize>load<u32>(snap, 12);
  if (mqeBp + 1 != mqeStart) store<u8>(mqeBp, <u8>mqeB);
}

/**
 * Shortest prefix of the finished codeword segment [segStart, segEnd) that still decodes every
 * decision coded before the snapshot `snap` was taken; returns its end address.
 *
 * At the snapshot the coder's interval is [L, L + A). The decoder reads a prefix P followed by
 * 0xFF bytes, i.e. the value P + (all ones below P's last bit); it decodes every decision so far
 * iff that value lies in [L, L + A). So the prefix may stop at the first byte at which
 * L < P + 2^(weight of its last bit) <= L + A. The lower bound matters: a carry that reaches a
 * 0xFF byte is coded in the top bit of the byte after it (C.2.7, the stuffed bit), so a prefix that
 * stops just before "FF 80" lacks that carry and P + ones can lie below L. Only the byte B (still open at the snapshot) and the bytes after it matter: in the
 * coordinates of the snapshot's C register, B's least significant bit has weight 2^(27 − CT) and
 * each later byte adds 8 bits below (7 after a 0xFF, C.2.7). Once a byte reaches C's bit 0 the test
 * succeeds (L and L + A are integers there) unless the bytes read so far still lack a carry coded
 * after a 0xFF, so only a few bytes past B are examined.
 */
export function mqTruncationLength(snap: usize, segStart: usize, segEnd: usize): usize {
  const c = <i64>load<u32>(snap);
  const a = <i64>load<u32>(snap, 4);
  const ctb = load<u32>(snap, 8);
  const bp = <usize>load<u32>(snap, 12);
  // fixed point: 16 fraction bits below C's bit 0, so byte weights stay positive
  let lo = 43 - <i32>(ctb & 0xff); // exponent of B's least significant bit: 27 - CT + 16
  const lower = (<i64>(ctb >>> 8) << lo) + (c << 16); // L
  const upper = lower + (a << 16); // L + A
  let prev: u32 = 0;
  let v: i64 = 0;
  let n = segStart;
  if (bp >= segStart) {
    // B's final value (a later carry may have incremented it)
    prev = <u32>load<u8>(bp);
    v = <i64>prev << lo;
    n = bp + 1;
  }
  while (n < segEnd) {
    const top = v + (<i64>1 << lo);
    if (top > lower && top <= upper) return n;
    lo -= prev == 0xff ? 7 : 8;
    prev = <u32>load<u8>(n);
    v += <i64>prev << lo;
    n++;
  }
  return segEnd;
}
