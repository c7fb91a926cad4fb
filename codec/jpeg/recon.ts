// Reconstruction of coded blocks as a baseline decoder makes them (ISO/IEC 10918-1 A.3.3-A.3.4:
// dequantise, inverse DCT, undo the level shift), shared by the encoder (which measures what it
// wrote when asked) and the decoder. Colour: YCbCr -> RGB with the IJG library's 16-bit fixed
// point (jdcolor.c), chroma upsampled by replication (libjpeg's plain upsampler, `djpeg
// -nosmooth`; for 4:4:4 there is nothing to upsample, so this equals plain `djpeg`).
//
// Every reconstructed block (in coding order, MCU by MCU, component by component, dummy blocks
// included) is folded into a 64-bit hash, so a decoder that reads the written file back can prove
// it sees the very samples the encoder measured.

import { ZIGZAG } from "./tables";
import { idctIslow } from "./idct";

/** Reconstructed samples of the current MCU, u8, row stride 16: Y (up to 16 x 16), Cb, Cr. */
export const RPLANE_Y: usize = memory.data(16 * 16, 16);
export const RPLANE_CB: usize = memory.data(16 * 16, 16);
export const RPLANE_CR: usize = memory.data(16 * 16, 16);
/** Dequantised coefficients of one block, i32 natural order. */
const COEF: usize = memory.data(64 * 4, 16);

// @ts-ignore: decorator
@inline
export function rplaneOf(ci: i32): usize {
  return ci == 0 ? RPLANE_Y : ci == 1 ? RPLANE_CB : RPLANE_CR;
}

// 64-bit mixing constants (the xxHash64 primes).
const P1: u64 = 0x9e3779b185ebca87;
const P2: u64 = 0xc2b2ae3d27d4eb4f;
const P3: u64 = 0x165667b19e3779f9;
const P4: u64 = 0x85ebca77c2b2ae63;

/** Seed of the block hash. */
export const HASH_SEED: u64 = 0x27d4eb2f165667c5;

/** Fold the 8x8 block at `src` (u8, rows 16 bytes apart) into `h`. */
export function hashBlock(h: u64, src: usize): u64 {
  for (let r: usize = 0; r < 8; r++) {
    let k = rotl<u64>(load<u64>(src + (r << 4)) * P2, 31) * P1;
    h = rotl<u64>(h ^ k, 27) * P1 + P4;
  }
  return h;
}

/** Final avalanche of the block hash (what the host sees). */
export function hashFinal(h: u64): u64 {
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

/**
 * Reconstruct one block: quantised coefficients `q` (i32, natural order) of which those whose
 * zig-zag bit is set in `mask` are used (the others are zero), quantisation table `qt` (u16,
 * natural order); the samples go to `dst` (rows 16 bytes apart).
 */
export function reconstructBlock(q: usize, mask: u64, qt: usize, dst: usize): void {
  memory.fill(COEF, 0, 256);
  let m = mask;
  while (m != 0) {
    let k = <usize>ctz<u64>(m);
    m &= m - 1;
    let i = <usize>load<u8>(ZIGZAG + k);
    store<i32>(COEF + (i << 2), load<i32>(q + (i << 2)) * <i32>load<u16>(qt + (i << 1)));
  }
  idctIslow(COEF, dst, 16);
}

// jdcolor.c build_ycc_rgb_table: FIX(x) = round(x * 2^16)
const FIX_1_40200: i32 = 91881;
const FIX_1_77200: i32 = 116130;
const FIX_0_71414: i32 = 46802;
const FIX_0_34414: i32 = 22554;
const HALF: i32 = 1 << 15;

// @ts-ignore: decorator
@inline
function clampByte(v: i32): i32 {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

// @ts-ignore: decorator
@inline
function red(y: i32, cr: i32): i32 {
  return clampByte(y + ((FIX_1_40200 * (cr - 128) + HALF) >> 16));
}

// @ts-ignore: decorator
@inline
function green(y: i32, cb: i32, cr: i32): i32 {
  return clampByte(y + ((-FIX_0_34414 * (cb - 128) + HALF - FIX_0_71414 * (cr - 128)) >> 16));
}

// @ts-ignore: decorator
@inline
function blue(y: i32, cb: i32): i32 {
  return clampByte(y + ((FIX_1_77200 * (cb - 128) + HALF) >> 16));
}

/**
 * Squared error of the reconstructed MCU against the source pixels: the `w` x `h` pixels of the
 * image at (x0, y0), `pix` holding rows from `rowBase` on (`stride` bytes apart, pixels `step`
 * bytes apart, colour in the first 1 or 3). Chroma samples cover `fx` x `fy` pixels (1 or 2 each).
 */
export function mcuSquaredError(
  comps: i32, fx: i32, fy: i32, pix: usize, stride: usize, step: usize, rowBase: i32,
  x0: i32, y0: i32, w: i32, h: i32,
): u64 {
  let sse: u64 = 0;
  let sx = fx >> 1, sy = fy >> 1; // sampling factors are 1 or 2
  for (let j = 0; j < h; j++) {
    let src = pix + <usize>(y0 + j - rowBase) * stride + <usize>x0 * step;
    let yr = RPLANE_Y + (<usize>j << 4);
    if (comps == 1) {
      let e: i32 = 0;
      for (let i = 0; i < w; i++) {
        let d = <i32>load<u8>(yr + <usize>i) - <i32>load<u8>(src + <usize>i * step);
        e += d * d;
      }
      sse += <u64>e;
      continue;
    }
    let cro = <usize>(j >> sy) << 4;
    let e: i32 = 0;
    for (let i = 0; i < w; i++) {
      let y = <i32>load<u8>(yr + <usize>i);
      let co = cro + <usize>(i >> sx);
      let cb = <i32>load<u8>(RPLANE_CB + co);
      let cr = <i32>load<u8>(RPLANE_CR + co);
      let p = src + <usize>i * step;
      let dr = red(y, cr) - <i32>load<u8>(p);
      let dg = green(y, cb, cr) - <i32>load<u8>(p, 1);
      let db = blue(y, cb) - <i32>load<u8>(p, 2);
      e += dr * dr + dg * dg + db * db;
    }
    sse += <u64>e;
  }
  return sse;
}

/** Write the reconstructed MCU's `w` x `h` pixels to `dst` (rows `stride` bytes apart, 1 or 3 bytes a pixel). */
export function mcuToPixels(comps: i32, fx: i32, fy: i32, dst: usize, stride: usize, w: i32, h: i32): void {
  let sx = fx >> 1, sy = fy >> 1; // sampling factors are 1 or 2
  for (let j = 0; j < h; j++) {
    let out = dst + <usize>j * stride;
    let yr = RPLANE_Y + (<usize>j << 4);
    if (comps == 1) {
      memory.copy(out, yr, <usize>w);
      continue;
    }
    let cro = <usize>(j >> sy) << 4;
    for (let i = 0; i < w; i++) {
      let y = <i32>load<u8>(yr + <usize>i);
      let co = cro + <usize>(i >> sx);
      let cb = <i32>load<u8>(RPLANE_CB + co);
      let cr = <i32>load<u8>(RPLANE_CR + co);
      let p = out + <usize>i * 3;
      store<u8>(p, <u8>red(y, cr));
      store<u8>(p, <u8>green(y, cb, cr), 1);
      store<u8>(p, <u8>blue(y, cb), 2);
    }
  }
}
