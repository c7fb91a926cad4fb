// Colour conversion and chroma downsampling for one MCU (ISO/IEC 10918-1 leaves both to the
// application; JFIF 1.02 fixes RGB -> YCbCr per CCIR 601 with 256 levels). Integer arithmetic with
// 16 fraction bits and the rounding of the IJG library, and its default box-filter downsampling
// with alternating bias, so that our samples equal cjpeg's.
//
// Edges follow the IJG library too: columns right of the image repeat the last column before
// downsampling; rows below it repeat the last row, and downsampled rows below the downsampled
// height repeat the last downsampled row.

/** Converted samples of the current MCU region (up to 16 x 16), row stride 16, values 0..255. */
export const PLANE_Y: usize = memory.data(16 * 16 * 4, 16);
export const PLANE_CB: usize = memory.data(16 * 16 * 4, 16);
export const PLANE_CR: usize = memory.data(16 * 16 * 4, 16);

// FIX(x) = round(x * 2^16)
const FIX_0_29900: i32 = 19595;
const FIX_0_58700: i32 = 38470;
const FIX_0_11400: i32 = 7471;
const FIX_0_16874: i32 = 11059;
const FIX_0_33126: i32 = 21709;
const FIX_0_50000: i32 = 32768;
const FIX_0_41869: i32 = 27439;
const FIX_0_08131: i32 = 5329;
const ONE_HALF: i32 = 1 << 15;
const CBCR_OFFSET: i32 = 128 << 16;

/**
 * Convert the `w` x `h` pixel region at image (x0, y0) to Y, Cb, Cr planes. `pix` holds image rows
 * from `rowBase` on, `stride` bytes apart, pixels `step` bytes apart (R, G, B first). Coordinates
 * past the image (width `W`, height `H`) are clamped to its last column / row.
 */
export function convertRegion(
  pix: usize, stride: usize, step: usize, rowBase: i32,
  x0: i32, y0: i32, w: i32, h: i32, W: i32, H: i32,
): void {
  if (x0 + w <= W && y0 + h <= H) {
    convertInterior(pix + <usize>(y0 - rowBase) * stride + <usize>x0 * step, stride, step, w, h);
    return;
  }
  for (let j = 0; j < h; j++) {
    let y = min(y0 + j, H - 1) - rowBase;
    let row = pix + <usize>y * stride;
    let o = <usize>(j << 4) << 2;
    for (let i = 0; i < w; i++) {
      let x = min(x0 + i, W - 1);
      let p = row + <usize>x * step;
      let r = <i32>load<u8>(p);
      let g = <i32>load<u8>(p + 1);
      let b = <i32>load<u8>(p + 2);
      let q = o + (<usize>i << 2);
      store<i32>(PLANE_Y + q, (FIX_0_29900 * r + FIX_0_58700 * g + FIX_0_11400 * b + ONE_HALF) >> 16);
      store<i32>(PLANE_CB + q, (-FIX_0_16874 * r - FIX_0_33126 * g + FIX_0_50000 * b + CBCR_OFFSET + ONE_HALF - 1) >> 16);
      store<i32>(PLANE_CR + q, (FIX_0_50000 * r - FIX_0_41869 * g - FIX_0_08131 * b + CBCR_OFFSET + ONE_HALF - 1) >> 16);
    }
  }
}

/** convertRegion for a region inside the image: no clamping. */
function convertInterior(src: usize, stride: usize, step: usize, w: i32, h: i32): void {
  if (ASC_FEATURE_SIMD && (step == 3 || step == 4)) {
    convertInteriorSimd(src, stride, step, w, h);
    return;
  }
  for (let j = 0; j < h; j++) {
    let p = src + <usize>j * stride;
    let o = <usize>(j << 4) << 2;
    let e = o + (<usize>w << 2);
    while (o < e) {
      let r = <i32>load<u8>(p);
      let g = <i32>load<u8>(p, 1);
      let b = <i32>load<u8>(p, 2);
      store<i32>(PLANE_Y + o, (FIX_0_29900 * r + FIX_0_58700 * g + FIX_0_11400 * b + ONE_HALF) >> 16);
      store<i32>(PLANE_CB + o, (-FIX_0_16874 * r - FIX_0_33126 * g + FIX_0_50000 * b + CBCR_OFFSET + ONE_HALF - 1) >> 16);
      store<i32>(PLANE_CR + o, (FIX_0_50000 * r - FIX_0_41869 * g - FIX_0_08131 * b + CBCR_OFFSET + ONE_HALF - 1) >> 16);
      p += step;
      o += 4;
    }
  }
}

/**
 * SIMD twin of convertInterior for 3 or 4 bytes per pixel: four pixels per step, R, G, B moved into
 * 32-bit lanes by byte shuffles, the same fixed-point sums. `w` is 8 or 16.
 */
function convertInteriorSimd(src: usize, stride: usize, step: usize, w: i32, h: i32): void {
  let zero = i32x4.splat(0);
  for (let j = 0; j < h; j++) {
    let p = src + <usize>j * stride;
    let o = <usize>(j << 4) << 2;
    for (let i = 0; i < w; i += 4) {
      let v: v128;
      let r: v128, g: v128, b: v128;
      if (step == 3) {
        v = v128.load32_lane(p + 8, v128.load64_zero(p), 2);
        r = v128.shuffle<u8>(v, zero, 0, 16, 16, 16, 3, 16, 16, 16, 6, 16, 16, 16, 9, 16, 16, 16);
        g = v128.shuffle<u8>(v, zero, 1, 16, 16, 16, 4, 16, 16, 16, 7, 16, 16, 16, 10, 16, 16, 16);
        b = v128.shuffle<u8>(v, zero, 2, 16, 16, 16, 5, 16, 16, 16, 8, 16, 16, 16, 11, 16, 16, 16);
      } else {
        v = v128.load(p);
        r = v128.shuffle<u8>(v, zero, 0, 16, 16, 16, 4, 16, 16, 16, 8, 16, 16, 16, 12, 16, 16, 16);
        g = v128.shuffle<u8>(v, zero, 1, 16, 16, 16, 5, 16, 16, 16, 9, 16, 16, 16, 13, 16, 16, 16);
        b = v128.shuffle<u8>(v, zero, 2, 16, 16, 16, 6, 16, 16, 16, 10, 16, 16, 16, 14, 16, 16, 16);
      }
      let y = i32x4.add(i32x4.add(i32x4.mul(r, i32x4.splat(FIX_0_29900)), i32x4.mul(g, i32x4.splat(FIX_0_58700))), i32x4.add(i32x4.mul(b, i32x4.splat(FIX_0_11400)), i32x4.splat(ONE_HALF)));
      let off = i32x4.splat(CBCR_OFFSET + ONE_HALF - 1);
      let half = i32x4.mul(b, i32x4.splat(FIX_0_50000));
      let cb = i32x4.sub(i32x4.add(half, off), i32x4.add(i32x4.mul(r, i32x4.splat(FIX_0_16874)), i32x4.mul(g, i32x4.splat(FIX_0_33126))));
      let cr = i32x4.sub(i32x4.add(i32x4.mul(r, i32x4.splat(FIX_0_50000)), off), i32x4.add(i32x4.mul(g, i32x4.splat(FIX_0_41869)), i32x4.mul(b, i32x4.splat(FIX_0_08131))));
      v128.store(PLANE_Y + o, i32x4.shr_s(y, 16));
      v128.store(PLANE_CB + o, i32x4.shr_s(cb, 16));
      v128.store(PLANE_CR + o, i32x4.shr_s(cr, 16));
      p += step << 2;
      o += 16;
    }
  }
}

/** Level-shifted (A.3.1) 8x8 block of a full-resolution plane at block (bx, by) of the region. */
export function blockFromPlane(plane: usize, bx: i32, by: i32, block: usize): void {
  let src = plane + ((<usize>((by << 3) << 4) + <usize>(bx << 3)) << 2);
  for (let r: usize = 0; r < 8; r++) {
    let s = src + ((r << 4) << 2);
    let d = block + ((r << 3) << 2);
    for (let c: usize = 0; c < 8; c++) store<i32>(d + (c << 2), load<i32>(s + (c << 2)) - 128);
  }
}

/**
 * Level-shifted 8x8 block of a downsampled component: block (bx, by) in component samples,
 * `fx` x `fy` region samples per component sample (1 or 2 each). Component rows above `lastRow`
 * (local to the region) repeat row `lastRow`. Box average with the IJG biases: 2x2 -> 1,2,1,2..;
 * 2x1 -> 0,1,0,1..; 1x2 -> 1.
 */
export function blockDownsampled(plane: usize, fx: i32, fy: i32, bx: i32, by: i32, lastRow: i32, block: usize): void {
  for (let r = 0; r < 8; r++) {
    let cy = min((by << 3) + r, lastRow);
    let s0 = plane + ((<usize>((cy * fy) << 4) + <usize>((bx << 3) * fx)) << 2);
    let s1 = fy == 2 ? s0 + (16 << 2) : s0;
    let d = block + (<usize>(r << 3) << 2);
    if (fx == 2 && fy == 2) {
      for (let c: usize = 0; c < 8; c += 2) {
        let o = c << 3;
        store<i32>(d + (c << 2), ((load<i32>(s0 + o) + load<i32>(s0 + o, 4) + load<i32>(s1 + o) + load<i32>(s1 + o, 4) + 1) >> 2) - 128);
        store<i32>(d + (c << 2), ((load<i32>(s0 + o, 8) + load<i32>(s0 + o, 12) + load<i32>(s1 + o, 8) + load<i32>(s1 + o, 12) + 2) >> 2) - 128, 4);
      }
    } else if (fx == 2) {
      for (let c: usize = 0; c < 8; c += 2) {
        let o = c << 3;
        store<i32>(d + (c << 2), ((load<i32>(s0 + o) + load<i32>(s0 + o, 4)) >> 1) - 128);
        store<i32>(d + (c << 2), ((load<i32>(s0 + o, 8) + load<i32>(s0 + o, 12) + 1) >> 1) - 128, 4);
      }
    } else if (fy == 2) {
      for (let c: usize = 0; c < 8; c++) {
        store<i32>(d + (c << 2), ((load<i32>(s0 + (c << 2)) + load<i32>(s1 + (c << 2)) + 1) >> 1) - 128);
      }
    } else {
      for (let c: usize = 0; c < 8; c++) store<i32>(d + (c << 2), load<i32>(s0 + (c << 2)) - 128);
    }
  }
}

/** Level-shifted 8x8 block of a greyscale image at image (x0, y0), clamped at the edges. */
export function blockFromGrey(
  pix: usize, stride: usize, step: usize, rowBase: i32, x0: i32, y0: i32, W: i32, H: i32, block: usize,
): void {
  for (let r = 0; r < 8; r++) {
    let row = pix + <usize>(min(y0 + r, H - 1) - rowBase) * stride;
    let d = block + (<usize>(r << 3) << 2);
    for (let c = 0; c < 8; c++) {
      store<i32>(d + (<usize>c << 2), <i32>load<u8>(row + <usize>min(x0 + c, W - 1) * step) - 128);
    }
  }
}
