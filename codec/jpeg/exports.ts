// Exports of the JPEG (ISO/IEC 10918-1 baseline) encoder. Every call takes `ctx`, a pointer to a
// copy of the host-owned state blob (jpegContextBytes() bytes; see context.ts), so the host keeps
// the state between calls and arena resets do not touch it. Sequence:
//   jpegInit → [jpegGather over all rows → jpegOptimize] → jpegWriteHeaders →
//   jpegEncode over the rows (repeat each call while jpegBufferPending) → EOI after the last row.

import { fail } from "../util/fail";
import { CHECK_JPEG_BUFFER, CHECK_JPEG_CALL_ORDER, CHECK_JPEG_COMPONENTS, CHECK_JPEG_QUALITY, CHECK_JPEG_RESTART, CHECK_JPEG_SAMPLING, CHECK_JPEG_SIZE } from "../api_fields";
import { ceilDiv } from "../util/math";
import { ERR_ENCODE_OPTIONS } from "../util/error_codes";
import {
  JpegCtx, CTX_BYTES, CF_H, CF_V, CF_WB, CF_HB, CF_DSH, CF_DC, CF_TBL, CTX_FREQ, compSet,
  HT_DC_LUMA, HT_AC_LUMA, HT_DC_CHROMA, HT_AC_CHROMA,
} from "./context";
import {
  STD_DC_LUMA_BITS, STD_DC_LUMA_VALS, STD_AC_LUMA_BITS, STD_AC_LUMA_VALS,
  STD_DC_CHROMA_BITS, STD_DC_CHROMA_VALS, STD_AC_CHROMA_BITS, STD_AC_CHROMA_VALS, zigzagInit,
} from "./tables";
import { quantTableInit } from "./quant";
import { huffLoad, huffDerive, huffOptimal } from "./huffman";
import { writeHeaders } from "./markers";
import { codeRows, mcuBytesMax } from "./mcu_rows";
import { HASH_SEED, hashFinal } from "./recon";


/** Bytes of the state blob. */
export function jpegContextBytes(): i32 {
  return <i32>CTX_BYTES;
}

/**
 * Start an encode: image `width` x `height` (1..65535), `comps` 1 (greyscale) or 3 (RGB input
 * coded as YCbCr), `quality` 1..100, luminance sampling factors `hY` x `vY` (1 or 2; chrominance
 * is 1x1, so 2x2 = 4:2:0), restart interval in MCUs (0..65535). Standard Annex K Huffman tables.
 */
export function jpegInit(ctx: usize, width: i32, height: i32, comps: i32, quality: i32, hY: i32, vY: i32, restartInterval: i32): void {
  if (width < 1 || width > 65535 || height < 1 || height > 65535) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_SIZE, width < 1 || width > 65535 ? width : height);
  if (comps != 1 && comps != 3) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_COMPONENTS, comps);
  if (quality < 1 || quality > 100) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_QUALITY, quality);
  if (hY < 1 || hY > 2 || vY < 1 || vY > 2) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_SAMPLING, hY * 10 + vY);
  if (restartInterval < 0 || restartInterval > 65535) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_RESTART, restartInterval);
  zigzagInit();
  memory.fill(ctx, 0, CTX_BYTES);
  let c = changetype<JpegCtx>(ctx);
  c.width = width;
  c.height = height;
  c.comps = comps;
  c.quality = quality;
  if (comps == 1) { hY = 1; vY = 1; }
  c.hmax = hY;
  c.vmax = vY;
  c.mcuW = hY << 3;
  c.mcuH = vY << 3;
  c.mcusX = ceilDiv<i32>(width, c.mcuW);
  c.mcuRows = ceilDiv<i32>(height, c.mcuH);
  c.restartInterval = restartInterval;
  c.restartsToGo = restartInterval;
  for (let i = 0; i < comps; i++) {
    let h = i == 0 ? hY : 1;
    let v = i == 0 ? vY : 1;
    compSet(ctx, i, CF_H, h);
    compSet(ctx, i, CF_V, v);
    // A.1.1: component dimensions ceil(X * H / Hmax), then blocks of 8 (A.2.4).
    compSet(ctx, i, CF_WB, ceilDiv<i32>(ceilDiv<i32>(width * h, hY), 8));
    compSet(ctx, i, CF_HB, ceilDiv<i32>(ceilDiv<i32>(height * v, vY), 8));
    compSet(ctx, i, CF_DSH, ceilDiv<i32>(height * v, vY));
    compSet(ctx, i, CF_DC, 0);
    compSet(ctx, i, CF_TBL, i == 0 ? 0 : 1);
  }
  c.hash = HASH_SEED;
  quantTableInit(ctx, 0, quality);
  quantTableInit(ctx, 1, quality);
  huffLoad(ctx, HT_DC_LUMA, STD_DC_LUMA_BITS, STD_DC_LUMA_VALS);
  huffLoad(ctx, HT_AC_LUMA, STD_AC_LUMA_BITS, STD_AC_LUMA_VALS);
  huffLoad(ctx, HT_DC_CHROMA, STD_DC_CHROMA_BITS, STD_DC_CHROMA_VALS);
  huffLoad(ctx, HT_AC_CHROMA, STD_AC_CHROMA_BITS, STD_AC_CHROMA_VALS);
  for (let t = 0; t < 4; t++) huffDerive(ctx, t);
}

/** Statistics pass for optimised Huffman tables: count the symbols of `rows` rows (as jpegEncode). */
export function jpegGather(ctx: usize, pix: usize, stride: i32, step: i32, rows: i32): void {
  let c = changetype<JpegCtx>(ctx);
  if (c.headersDone != 0) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_CALL_ORDER, 2);
  c.gathering = 1;
  codeRows(ctx, pix, stride, step, rows, 0, 0, true);
}

/** Build optimal Huffman tables from the gathered counts (K.2) and rewind for the coding pass. */
export function jpegOptimize(ctx: usize): void {
  let c = changetype<JpegCtx>(ctx);
  if (c.gathering == 0 || c.mcuRow != c.mcuRows || c.headersDone != 0) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_CALL_ORDER, 3);
  let tables = c.comps == 1 ? 2 : 4;
  for (let t = 0; t < tables; t++) {
    huffOptimal(ctx, t);
    huffDerive(ctx, t);
  }
  memory.fill(ctx + CTX_FREQ, 0, 4 * 257 * 8);
  c.optimized = 1;
  c.mcuRow = 0;
  c.mcuCol = 0;
  c.inBuffer = 0;
  c.restartsToGo = c.restartInterval;
  c.nextRestart = 0;
  c.bitBuf = 0;
  c.bitCnt = 0;
  for (let i = 0; i < c.comps; i++) compSet(ctx, i, CF_DC, 0);
}

/**
 * Write SOI through SOS into `out` (capacity `cap`); returns the length. `icc`/`xmp` may be 0.
 * `coms`: `comCount` entries of (u32 length, bytes). Density units 0 (aspect ratio), 1 dpi, 2 dpcm.
 */
export function jpegWriteHeaders(
  ctx: usize, out: usize, cap: i32, icc: usize, iccLen: i32, xmp: usize, xmpLen: i32,
  coms: usize, comCount: i32, densityUnits: i32, xDensity: i32, yDensity: i32,
): i32 {
  let c = changetype<JpegCtx>(ctx);
  if (c.headersDone != 0 || (c.gathering != 0 && c.optimized == 0)) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_CALL_ORDER, 4);
  return writeHeaders(ctx, out, cap, icc, iccLen, xmp, xmpLen, coms, comCount, densityUnits, xDensity, yDensity);
}

/**
 * Code `rows` rows at `pix` (`stride` bytes apart, pixels `step` bytes apart: 1-4, colour in the
 * first 1 or 3 bytes) into `out` (capacity `cap`, at least jpegOutputMin). Returns the bytes
 * written; while jpegBufferPending() is 1 the output filled up: drain it and call again with the
 * same rows. After the image's last row the entropy data is padded and EOI written.
 */
export function jpegEncode(ctx: usize, pix: usize, stride: i32, step: i32, rows: i32, out: usize, cap: i32): i32 {
  let c = changetype<JpegCtx>(ctx);
  if (c.headersDone == 0) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_CALL_ORDER, 5);
  if (cap < mcuBytesMax(c)) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_BUFFER, cap);
  return codeRows(ctx, pix, stride, step, rows, out, cap, false);
}

/** 1 while the rows of the last jpegEncode call are not all coded. */
export function jpegBufferPending(ctx: usize): i32 {
  return changetype<JpegCtx>(ctx).inBuffer;
}

/** 1 once EOI is written. */
export function jpegFinished(ctx: usize): i32 {
  return changetype<JpegCtx>(ctx).finished;
}

/** Rows per MCU row (8 or 16): strips other than the last must be a multiple of it. */
export function jpegMcuHeight(ctx: usize): i32 {
  return changetype<JpegCtx>(ctx).mcuH;
}

/** Smallest output capacity jpegEncode accepts. */
export function jpegOutputMin(ctx: usize): i32 {
  return mcuBytesMax(changetype<JpegCtx>(ctx));
}

/**
 * Measure what is coded (call before the first jpegEncode): every block is reconstructed as a
 * baseline decoder does (recon.ts), hashed, and compared with the input pixels.
 */
export function jpegMeasure(ctx: usize, on: i32): void {
  let c = changetype<JpegCtx>(ctx);
  if (c.mcuRow != 0 || c.mcuCol != 0 || c.inBuffer != 0 || c.finished != 0) fail(ERR_ENCODE_OPTIONS, -1, CHECK_JPEG_CALL_ORDER, 6);
  c.measure = on != 0 ? 1 : 0;
}

/** Sum of squared errors of the reconstruction so far (exact below 2^53). */
export function jpegSquaredError(ctx: usize): f64 {
  return <f64>changetype<JpegCtx>(ctx).sse;
}

/** Hash of the reconstructed blocks so far (what jpegDecodeHash gives for the same stream). */
export function jpegSampleHash(ctx: usize): u64 {
  return hashFinal(changetype<JpegCtx>(ctx).hash);
}
