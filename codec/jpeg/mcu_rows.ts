// Orchestration of the baseline encoder over a buffer of image rows: MCU by MCU (A.2.3
// interleaved order) convert colours, form each component's blocks (dummy blocks past the image's
// blocks as the IJG library makes them: zero AC, DC of the block before), forward DCT, quantise,
// and either Huffman-code them or count their symbols. Coding stops early when the output buffer
// could not hold one more MCU; the host drains it and calls again with the same rows.

import { fail } from "../util/fail";
import { CHECK_JPEG_CALL_ORDER, CHECK_JPEG_PIXEL_LAYOUT, CHECK_JPEG_ROWS } from "../api_fields";
import { ERR_ENCODE_OPTIONS } from "../util/error_codes";
import {
  JpegCtx, CF_H, CF_V, CF_WB, CF_HB, CF_DSH, CF_DC, CF_TBL, compGet, compSet,
} from "./context";
import { convertRegion, blockFromPlane, blockDownsampled, blockFromGrey, PLANE_Y, PLANE_CB, PLANE_CR } from "./color";
import { fdctIslow } from "./fdct";
import { fdctIslowSimd } from "./fdct_simd";
import { quantizeZigzag, quantizeZigzagSimd } from "./quant";
import { reconstructBlock, hashBlock, mcuSquaredError, rplaneOf } from "./recon";
import { CTX_QUANT } from "./context";
import { encodeBlock, countBlock, entropyLoad, entropySave, entropyCursor, entropyFlush, entropyMarker } from "./entropy";

const BLOCK: usize = memory.data(64 * 4, 16);
const ZZ: usize = memory.data(64 * 4, 16);

/** Upper bound on the bytes one block can take: (16 + 11) + 63 * (16 + 10) bits, every byte stuffed. */
export const BLOCK_BYTES_MAX: i32 = 420;

/** Output bytes that always fit one more MCU plus a restart marker, final padding and EOI. */
export function mcuBytesMax(c: JpegCtx): i32 {
  let blocks = 0;
  for (let i = 0; i < c.comps; i++) blocks += compGet(changetype<usize>(c), i, CF_H) * compGet(changetype<usize>(c), i, CF_V);
  return blocks * BLOCK_BYTES_MAX + 16;
}

// @ts-ignore: decorator
@inline
function planeOf(ci: i32): usize {
  return ci == 0 ? PLANE_Y : ci == 1 ? PLANE_CB : PLANE_CR;
}

/**
 * Quantised coefficients of block (bx, by) of component ci in the current MCU, into ZZ (zig-zag
 * order); returns the non-zero mask.
 */
function formBlock(
  ctx: usize, c: JpegCtx, ci: i32, bx: i32, by: i32,
  pix: usize, stride: usize, step: usize, rowBase: i32,
): u64 {
  let gbx = c.mcuCol * compGet(ctx, ci, CF_H) + bx;
  let gby = c.mcuRow * compGet(ctx, ci, CF_V) + by;
  if (gbx >= compGet(ctx, ci, CF_WB) || gby >= compGet(ctx, ci, CF_HB)) {
    // Dummy block (A.2.4 padding of the MCU): flat, DC equal to the previous block's.
    let dc = compGet(ctx, ci, CF_DC);
    store<i32>(ZZ, dc);
    return <u64>(dc != 0);
  }
  if (c.comps == 1) {
    blockFromGrey(pix, stride, step, rowBase, gbx << 3, gby << 3, c.width, c.height, BLOCK);
  } else {
    let h = compGet(ctx, ci, CF_H);
    let v = compGet(ctx, ci, CF_V);
    if (h == c.hmax && v == c.vmax) {
      blockFromPlane(planeOf(ci), bx, by, BLOCK);
    } else {
      let lastRow = compGet(ctx, ci, CF_DSH) - 1 - c.mcuRow * v * 8;
      blockDownsampled(planeOf(ci), c.hmax / h, c.vmax / v, bx, by, lastRow, BLOCK);
    }
  }
  if (ASC_FEATURE_SIMD) fdctIslowSimd(BLOCK);
  else fdctIslow(BLOCK);
  if (ASC_FEATURE_SIMD) return quantizeZigzagSimd(ctx, compGet(ctx, ci, CF_TBL), BLOCK, ZZ);
  return quantizeZigzag(ctx, compGet(ctx, ci, CF_TBL), BLOCK, ZZ);
}

/**
 * Code (or, with `stats`, count) the MCUs whose rows are in the buffer: `rows` image rows from
 * `pix`, starting at the first row of MCU row `c.mcuRow` when a new buffer begins. Whole MCU rows
 * only, except a last buffer that ends at the bottom of the image. Output goes to `out` (capacity
 * `cap`); returns the bytes written. The caller repeats the call while `c.inBuffer` is set.
 */
export function codeRows(
  ctx: usize, pix: usize, stride: i32, step: i32, rows: i32, out: usize, cap: i32, stats: bool,
): i32 {
  let c = changetype<JpegCtx>(ctx);
  if (c.finished != 0) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_CALL_ORDER, 1);
  if (step < c.comps || step > 4 || stride < c.width * step) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_PIXEL_LAYOUT, step);
  if (c.inBuffer == 0) {
    let first = c.mcuRow * c.mcuH;
    let ok = rows > 0 && first + rows <= c.height && (rows % c.mcuH == 0 || first + rows == c.height);
    if (!ok) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_ROWS, rows);
    c.bufStartRow = c.mcuRow;
    c.inBuffer = 1;
  }
  let rowBase = c.bufStartRow * c.mcuH;
  let endRow = c.bufStartRow + (rows + c.mcuH - 1) / c.mcuH;
  let need = <usize>mcuBytesMax(c);
  let outEnd = out + <usize>cap;
  entropyLoad(c, out);
  let ri = c.restartInterval;
  while (c.mcuRow < endRow) {
    while (c.mcuCol < c.mcusX) {
      if (!stats && outEnd - entropyCursor() < need) {
        return <i32>(entropySave(c) - out);
      }
      if (ri != 0) {
        if (c.restartsToGo == 0) {
          // F.1.4.4 / B.2.1: RSTm resets the DC predictions; the bits before it are padded.
          if (!stats) {
            entropyFlush();
            entropyMarker(0xd0 + <u32>c.nextRestart);
          }
          for (let ci = 0; ci < c.comps; ci++) compSet(ctx, ci, CF_DC, 0);
          c.restartsToGo = ri;
          c.nextRestart = (c.nextRestart + 1) & 7;
        }
        c.restartsToGo--;
      }
      if (c.comps == 3) {
        convertRegion(pix, <usize>stride, <usize>step, rowBase, c.mcuCol * c.mcuW, c.mcuRow * c.mcuH, c.mcuW, c.mcuH, c.width, c.height);
      }
      for (let ci = 0; ci < c.comps; ci++) {
        let h = compGet(ctx, ci, CF_H);
        let v = compGet(ctx, ci, CF_V);
        let t = compGet(ctx, ci, CF_TBL) << 1;
        for (let by = 0; by < v; by++) {
          for (let bx = 0; bx < h; bx++) {
            let mask = formBlock(ctx, c, ci, bx, by, pix, <usize>stride, <usize>step, rowBase);
            if (stats) countBlock(ctx, ci, ZZ, mask, t, t + 1);
            else {
              encodeBlock(ctx, ci, ZZ, mask, t, t + 1);
              if (c.measure != 0) {
                // what a decoder will make of this block (recon.ts), folded into the hash
                let dst = rplaneOf(ci) + (<usize>(by << 3) << 4) + <usize>(bx << 3);
                reconstructBlock(ZZ, mask, ctx + CTX_QUANT + (<usize>compGet(ctx, ci, CF_TBL) << 7), dst);
                c.hash = hashBlock(c.hash, dst);
              }
            }
          }
        }
      }
      if (c.measure != 0 && !stats) {
        let x0 = c.mcuCol * c.mcuW;
        let y0 = c.mcuRow * c.mcuH;
        c.sse += mcuSquaredError(c.comps, c.hmax, c.vmax, pix, <usize>stride, <usize>step, rowBase, x0, y0, min(c.mcuW, c.width - x0), min(c.mcuH, c.height - y0));
      }
      c.mcuCol++;
    }
    c.mcuCol = 0;
    c.mcuRow++;
  }
  c.inBuffer = 0;
  if (!stats && c.mcuRow == c.mcuRows) {
    entropyFlush();
    entropyMarker(0xd9); // EOI
    c.finished = 1;
  }
  return <i32>(entropySave(c) - out);
}
