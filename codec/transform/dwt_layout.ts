// Geometry shared by the 5/3 and 9/7 wavelet kernels (ISO/IEC 15444-1 Annex F).
//
// One decomposition level works on the top-left `w × h` samples of a tile-component buffer with
// row stride `stride` (in samples). In "quadrant layout" (what a forward level produces and what an
// inverse level consumes) the sub-bands of that level sit at
//
//   LL [0, nLx) × [0, nLy)     HL [nLx, w) × [0, nLy)
//   LH [0, nLx) × [nLy, h)     HH [nLx, w) × [nLy, h)
//
// with nLx = ceil(u1/2) − ceil(u0/2) = lowCount(w, u0 & 1) (B.5, equation B-15), and likewise for y.
// In "interleaved layout" (the resolution's own samples) sample j of a row sits at column j;
// the 1-D sub-band decomposition puts even absolute coordinates in the low band and odd ones in the
// high band (F.3.7, F.4.7), so with an odd origin (u0 odd) the first sample is a high-pass sample.
//
// Vertical passes process DWT_COLS neighbouring columns at once (the idea of OpenJPEG's
// PARALLEL_COLS): the columns are gathered into the scratch buffer as rows of DWT_COLS lanes, the
// lifting steps run over that small, contiguous block, and the result is scattered back.

/** Columns processed together by a vertical pass. */
export const DWT_COLS: i32 = 32;

/**
 * Number of low-pass samples of a 1-D signal of length `n` whose first sample has parity `odd`
 * (0: the first sample is low-pass, 1: it is high-pass). This is ceil(u1/2) − ceil(u0/2) for
 * u1 − u0 = n and u0 ≡ odd (mod 2).
 */
// @ts-ignore: decorator
@inline
export function lowCount(n: i32, odd: i32): i32 {
  return (n + 1 - odd) >> 1;
}

/**
 * Bytes of scratch memory (`tmp`) that the `dwt53…Level` / `dwt97…Level` kernels need for a level
 * whose width and height are at most `maxDim` samples. The scratch may be shared by all levels and
 * components of a job; it need not be zeroed.
 */
export function dwtScratchBytes(maxDim: i32): usize {
  let d = maxDim < 1 ? 1 : maxDim;
  // vertical pass: d rows of DWT_COLS lanes (4 bytes each); the horizontal pass needs only d × 4.
  // computed in 64 bits and saturated, so a huge width fails the arena's limit instead of wrapping
  let bytes = (<u64>d * <u64>DWT_COLS << 2) + 64;
  return bytes > <u64>0xffffffff ? <usize>0xffffffff : <usize>bytes;
}

// ---------------------------------------------------------------------------------------------
// (De)interleaving of one row of 32-bit samples.
// ---------------------------------------------------------------------------------------------

/**
 * dst[2n] = F[n], dst[2n+1] = S[n] for n < nS; and dst[2nS] = F[nS] when nF = nS + 1.
 * (F is the band holding the first sample.) Bit copies: used for i32 and f32.
 */
export function interleaveRow32(dst: usize, f: usize, nF: i32, s: usize, nS: i32): void {
  let n = 0;
  if (ASC_FEATURE_SIMD) {
    for (; n + 4 <= nS; n += 4) {
      let a = v128.load(f + (<usize>n << 2));
      let b = v128.load(s + (<usize>n << 2));
      let d = dst + (<usize>n << 3);
      v128.store(d, v128.shuffle<i32>(a, b, 0, 4, 1, 5));
      v128.store(d, v128.shuffle<i32>(a, b, 2, 6, 3, 7), 16);
    }
  }
  for (; n < nS; n++) {
    let d = dst + (<usize>n << 3);
    store<i32>(d, load<i32>(f + (<usize>n << 2)));
    store<i32>(d, load<i32>(s + (<usize>n << 2)), 4);
  }
  if (nF > nS) store<i32>(dst + (<usize>nS << 3), load<i32>(f + (<usize>nS << 2)));
}

/** Inverse of interleaveRow32: F[n] = src[2n], S[n] = src[2n+1]. */
export function deinterleaveRow32(src: usize, f: usize, nF: i32, s: usize, nS: i32): void {
  let n = 0;
  if (ASC_FEATURE_SIMD) {
    for (; n + 4 <= nS; n += 4) {
      let p = src + (<usize>n << 3);
      let x = v128.load(p);
      let y = v128.load(p, 16);
      v128.store(f + (<usize>n << 2), v128.shuffle<i32>(x, y, 0, 2, 4, 6));
      v128.store(s + (<usize>n << 2), v128.shuffle<i32>(x, y, 1, 3, 5, 7));
    }
  }
  for (; n < nS; n++) {
    let p = src + (<usize>n << 3);
    store<i32>(f + (<usize>n << 2), load<i32>(p));
    store<i32>(s + (<usize>n << 2), load<i32>(p, 4));
  }
  if (nF > nS) store<i32>(f + (<usize>nS << 2), load<i32>(src + (<usize>nS << 3)));
}

/** Copy `cols` 32-bit lanes (cols == DWT_COLS takes the vector path). */
// @ts-ignore: decorator
@inline
export function copyLanes32(dst: usize, src: usize, cols: i32): void {
  if (ASC_FEATURE_SIMD) {
    if (cols == DWT_COLS) {
      for (let j = 0; j < DWT_COLS; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
      return;
    }
  }
  for (let c = 0; c < cols; c++) store<i32>(dst + (<usize>c << 2), load<i32>(src + (<usize>c << 2)));
}

