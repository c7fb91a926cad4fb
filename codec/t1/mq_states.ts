// MQ coder probability states (ISO/IEC 15444-1 Annex C, Table C.2) and the 19 EBCOT contexts
// with their initial states (Annex D, Table D.7). Shared by mq_decoder.ts and mq_encoder.ts.
//
// MQ_TABLE has one u32 entry per (state I, MPS) pair, at index 2·I + MPS:
//   bits  0..15  Qe
//   bit      16  MPS
//   bits 17..23  index of the entry after an MPS renormalisation (NMPS, same MPS)
//   bits 24..31  index of the entry after an LPS (NLPS, MPS flipped when SWITCH = 1)
// A context holds a copy of its current entry (not just the index), so a coding step needs a
// single load before it can start; moving to the next state copies another entry.

/** Table C.2 as printed: Qe, NMPS, NLPS, SWITCH for I = 0..46. */
const TABLE_C2 = memory.data<u16>([
  0x5601, 1, 1, 1,
  0x3401, 2, 6, 0,
  0x1801, 3, 9, 0,
  0x0ac1, 4, 12, 0,
  0x0521, 5, 29, 0,
  0x0221, 38, 33, 0,
  0x5601, 7, 6, 1,
  0x5401, 8, 14, 0,
  0x4801, 9, 14, 0,
  0x3801, 10, 14, 0,
  0x3001, 11, 17, 0,
  0x2401, 12, 18, 0,
  0x1c01, 13, 20, 0,
  0x1601, 29, 21, 0,
  0x5601, 15, 14, 1,
  0x5401, 16, 14, 0,
  0x5101, 17, 15, 0,
  0x4801, 18, 16, 0,
  0x3801, 19, 17, 0,
  0x3401, 20, 18, 0,
  0x3001, 21, 19, 0,
  0x2801, 22, 19, 0,
  0x2401, 23, 20, 0,
  0x2201, 24, 21, 0,
  0x1c01, 25, 22, 0,
  0x1801, 26, 23, 0,
  0x1601, 27, 24, 0,
  0x1401, 28, 25, 0,
  0x1201, 29, 26, 0,
  0x1101, 30, 27, 0,
  0x0ac1, 31, 28, 0,
  0x09c1, 32, 29, 0,
  0x08a1, 33, 30, 0,
  0x0521, 34, 31, 0,
  0x0441, 35, 32, 0,
  0x02a1, 36, 33, 0,
  0x0221, 37, 34, 0,
  0x0141, 38, 35, 0,
  0x0111, 39, 36, 0,
  0x0085, 40, 37, 0,
  0x0049, 41, 38, 0,
  0x0025, 42, 39, 0,
  0x0015, 43, 40, 0,
  0x0009, 44, 41, 0,
  0x0005, 45, 42, 0,
  0x0001, 45, 43, 0,
  0x5601, 46, 46, 0,
]);

/** Packed transition table, 94 u32 entries indexed by the context byte (2 * I + MPS). */
export const MQ_TABLE: usize = memory.data(94 * 4, 16);

/** Number of EBCOT contexts (D.3): 9 significance, 5 sign, 3 refinement, run-length, uniform. */
export const NUM_CONTEXTS = 19;
/** First sign-coding context (Table D.3 contexts 9..13). */
export const CX_SIGN = 9;
/** Magnitude refinement contexts (Table D.4): first refinement without / with significant neighbours, later refinements. */
export const CX_MR_FIRST = 14;
export const CX_MR_FIRST_NB = 15;
export const CX_MR_LATER = 16;
/** Run-length context (D.3.4). */
export const CX_RL = 17;
/** Uniform context (D.3.4, segmentation symbol D.5). */
export const CX_UNI = 18;

/** The live context states of the block being coded: one MQ_TABLE entry (u32) per context. */
export const MQ_CONTEXTS: usize = memory.data(NUM_CONTEXTS * 4, 16);

let tableReady = false;

/** Fill MQ_TABLE from Table C.2 (once per instance). */
export function mqTablesInit(): void {
  if (tableReady) return;
  for (let i = 0; i < 47; i++) {
    const row = TABLE_C2 + <usize>(i << 3);
    const qe = <u32>load<u16>(row);
    const nmps = <u32>load<u16>(row, 2);
    const nlps = <u32>load<u16>(row, 4);
    const sw = <u32>load<u16>(row, 6);
    for (let mps: u32 = 0; mps < 2; mps++) {
      const lpsMps = sw != 0 ? mps ^ 1 : mps;
      const entry = qe | (mps << 16) | (((nmps << 1) | mps) << 17) | (((nlps << 1) | lpsMps) << 24);
      store<u32>(MQ_TABLE + (<usize>((i << 1) | mps) << 2), entry);
    }
  }
  tableReady = true;
}

/** Reset all contexts to their initial states (Table D.7): all I = 0, MPS = 0 except
 *  UNIFORM (I = 46), run-length (I = 3) and the all-zero-neighbourhood significance context 0 (I = 4). */
// @ts-ignore: decorator
@inline
export function mqResetContexts(): void {
  const zero = load<u32>(MQ_TABLE);
  for (let i = 1; i < NUM_CONTEXTS; i++) store<u32>(MQ_CONTEXTS + (<usize>i << 2), zero);
  mqSetContext(CX_UNI, 46, 0);
  mqSetContext(CX_RL, 3, 0);
  mqSetContext(0, 4, 0);
}

/** Put context `cx` into state I = `state` with the given MPS. */
// @ts-ignore: decorator
@inline
export function mqSetContext(cx: i32, state: i32, mps: i32): void {
  store<u32>(MQ_CONTEXTS + (<usize>cx << 2), load<u32>(MQ_TABLE + (<usize>((state << 1) | mps) << 2)));
}

/** The entry a context moves to: NLPS if `lps`, else NMPS. */
// @ts-ignore: decorator
@inline
export function mqNextEntry(e: u32, lps: u32): u32 {
  return load<u32>(MQ_TABLE + (<usize>select<u32>(e >>> 24, (e >>> 17) & 0x7f, lps) << 2));
}
