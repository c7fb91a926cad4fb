// Per-coefficient coding state of a code-block, laid out for fast context formation (Annex D).
//
// The block is scanned in stripes of four rows (D.1). Every column of a stripe owns one u32
// "flag word" that holds, besides the state of its own four coefficients, a copy of the
// significance of all the neighbours those four coefficients look at. Forming a context is then
// one load, one shift and one table look-up; nothing ever needs a bounds check because the flag
// array has a border of one word on every side (columns -1 and w, stripes -1 and nStripes).
//
// Word layout (r = row inside the stripe, 0..3; rows -1 and 4 belong to the stripes above/below):
//   bits  0..17  significance σ of rows -1..4 × columns (west, centre, east):
//                bit 3·(r+1) + 0 = σ of the west neighbour of row r
//                bit 3·(r+1) + 1 = σ of row r itself
//                bit 3·(r+1) + 2 = σ of the east neighbour of row r
//                so `(word >>> 3r) & 0x1FF` is the 3×3 neighbourhood of row r:
//                bit 0 NW, 1 N, 2 NE, 3 W, 4 self, 5 E, 6 SW, 7 S, 8 SE
//   bits 18..23  χ (sign, 1 = negative) of the centre column, rows -1..4: bit 19 + r
//   bits 24..27  π: row r was coded in the significance propagation pass of this bit-plane: bit 24 + r
//   bits 28..31  μ: row r has been refined at least once (Table D.4): bit 28 + r
//
// Vertically causal mode (VCAUSAL, Table A.19 / D.7) is obtained by never copying the
// significance of a stripe's first row into the stripe above: row 3 of every stripe then sees
// the next stripe as insignificant, for every context (significance, sign, refinement, run-length).

/** All significance bits of a word's 6×3 window (rows -1..4). */
export const SIG_WINDOW: u32 = 0x3ffff;
/** Significance of the four centre coefficients (rows 0..3). */
export const SIG_CENTRE: u32 = (1 << 4) | (1 << 7) | (1 << 10) | (1 << 13);
/** π bits of rows 0..3. */
export const PI_ALL: u32 = 0x0f00_0000;

export { MAX_BLOCK_SAMPLES } from "../util/constants";
/** Flag words needed for the largest block: (w + 2) · (ceil(h/4) + 2) < 4096 whenever w·h <= 4096, w <= 1024. */
const MAX_FLAG_WORDS = 4096;
/** Sample slots in stripe layout: w · 4 · ceil(h/4) <= w·(h+3) <= 4096 + 3·1024. */
export const MAX_STRIPE_SAMPLES = 8192;

/** Static flag array (shared by the decoder and the encoder; one block at a time). */
export const FLAGS: usize = memory.data(MAX_FLAG_WORDS * 4, 16);
/**
 * Static sample array in stripe layout: sample (x, 4s + r) lives at index (s·w + x)·4 + r, so the
 * four samples of a stripe column are adjacent. The decoder keeps the magnitudes `v` being
 * reconstructed here; the encoder keeps |c| with the sign in bit 31.
 */
export const SAMPLES: usize = memory.data(MAX_STRIPE_SAMPLES * 4, 16);

/**
 * One byte per stripe, with a border byte before the first and after the last: 1 once a coefficient
 * of the stripe has become significant. A stripe whose own byte and both neighbours' are 0 has
 * nothing to code in a significance propagation pass, and one whose own byte is 0 nothing to refine.
 */
export const STRIPE_SIG: usize = memory.data(256 + 2, 16);

/** Address of the STRIPE_SIG byte of the stripe holding row y. */
// @ts-ignore: decorator
@inline export function stripeSigAt(y: i32): usize { return STRIPE_SIG + 1 + <usize>(y >> 2); }

/** Row stride of FLAGS in bytes for a block of width w. */
// @ts-ignore: decorator
@inline export function flagStrideBytes(w: i32): usize { return <usize>(w + 2) << 2; }

/** Address of the flag word of column 0 of stripe 0. */
// @ts-ignore: decorator
@inline export function flagOrigin(w: i32): usize { return FLAGS + flagStrideBytes(w) + 4; }

/** Clear the flag array (with its border) for a w × h block. */
export function flagsClear(w: i32, h: i32): void {
  const stripes = (h + 3) >> 2;
  memory.fill(FLAGS, 0, flagStrideBytes(w) * <usize>(stripes + 2));
  memory.fill(STRIPE_SIG, 0, <usize>(stripes + 2));
}

/**
 * Record that the coefficient in row r of the column whose flag word is at `fp` became
 * significant (its own word is updated by the caller, which keeps it in a local).
 * Updates the west/east neighbour columns and, for rows 0 and 3, the stripes above/below.
 * `neg` is 1 for a negative coefficient. `causal`: vertically causal mode (no update upwards).
 */
// @ts-ignore: decorator
@inline
export function flagsMarkNeighbours(fp: usize, fstride: usize, r: i32, neg: u32, causal: bool): void {
  const sh = 3 * r;
  store<u32>(fp - 4, load<u32>(fp - 4) | (<u32>1 << (sh + 5)));
  store<u32>(fp + 4, load<u32>(fp + 4) | (<u32>1 << (sh + 3)));
  if (r == 0) {
    if (!causal) {
      const up = fp - fstride;
      store<u32>(up - 4, load<u32>(up - 4) | (<u32>1 << 17));
      store<u32>(up, load<u32>(up) | (<u32>1 << 16) | (neg << 23));
      store<u32>(up + 4, load<u32>(up + 4) | (<u32>1 << 15));
    }
  } else if (r == 3) {
    const dn = fp + fstride;
    store<u32>(dn - 4, load<u32>(dn - 4) | (<u32>1 << 2));
    store<u32>(dn, load<u32>(dn) | (<u32>1 << 1) | (neg << 18));
    store<u32>(dn + 4, load<u32>(dn + 4) | <u32>1);
  }
}

/**
 * flagsMarkNeighbours for a caller that has loaded the west and east words already (`fw` = the
 * word at fp − 4, `fe` = the word at fp + 4, unchanged since): stores them with the new bits.
 */
// @ts-ignore: decorator
@inline
export function flagsMarkNeighboursWE(fp: usize, fstride: usize, r: i32, neg: u32, causal: bool, fw: u32, fe: u32): void {
  const sh = 3 * r;
  store<u32>(fp - 4, fw | (<u32>1 << (sh + 5)));
  store<u32>(fp + 4, fe | (<u32>1 << (sh + 3)));
  if (r == 0) {
    if (!causal) {
      const up = fp - fstride;
      store<u32>(up - 4, load<u32>(up - 4) | (<u32>1 << 17));
      store<u32>(up, load<u32>(up) | (<u32>1 << 16) | (neg << 23));
      store<u32>(up + 4, load<u32>(up + 4) | (<u32>1 << 15));
    }
  } else if (r == 3) {
    const dn = fp + fstride;
    store<u32>(dn - 4, load<u32>(dn - 4) | (<u32>1 << 2));
    store<u32>(dn, load<u32>(dn) | (<u32>1 << 1) | (neg << 18));
    store<u32>(dn + 4, load<u32>(dn + 4) | <u32>1);
  }
}

/**
 * The flag words and STRIPE_SIG as they stand after the cleanup pass of a bit-plane, rebuilt from
 * the encoder's SAMPLES (|c| with the sign in bit 31; `sp` = the bit of |c| coded at that plane):
 * a coefficient is significant iff |c| >> sp != 0, has been refined (μ) iff it was significant
 * one plane up (|c| >> (sp + 1) != 0: it was refined in this plane's refinement pass), and no π
 * bit is set (the cleanup pass clears them). The neighbours' copies are set exactly as the passes
 * set them (flagsMarkNeighbours), border words included.
 */
export function flagsAfterPlane(w: i32, h: i32, sp: u32, causal: bool): void {
  flagsClear(w, h);
  const fstride = flagStrideBytes(w);
  let frow = flagOrigin(w);
  let mrow = SAMPLES;
  for (let y = 0; y < h; y += 4) {
    const rows = min(4, h - y);
    const fend = frow + (<usize>w << 2);
    let any = false;
    let mp = mrow;
    for (let fp = frow; fp < fend; fp += 4, mp += 16) {
      let f = load<u32>(fp);
      for (let r = 0; r < rows; r++) {
        const m = load<u32>(mp + (<usize>r << 2));
        const mag = m & 0x7fff_ffff;
        if ((mag >>> sp) == 0) continue;
        const neg = m >>> 31;
        f |= (<u32>1 << <u32>(3 * r + 4)) | (neg << <u32>(19 + r));
        if ((mag >>> (sp + 1)) != 0) f |= <u32>1 << <u32>(28 + r);
        flagsMarkNeighbours(fp, fstride, r, neg, causal);
        any = true;
      }
      store<u32>(fp, f);
    }
    if (any) store<u8>(stripeSigAt(y), 1);
    frow += fstride;
    mrow += <usize>w << 4;
  }
}
