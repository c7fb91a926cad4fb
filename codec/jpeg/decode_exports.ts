// Exports of the baseline JPEG decoder (ISO/IEC 10918-1 Annex F.2, sequential Huffman, 8-bit,
// 1 or 3 components). The host parses the markers up to SOS and hands over the frame, tables and
// restart interval; then jpegDecodeRows runs over windows of the entropy-coded data. Like the
// encoder, every call takes a pointer to a copy of the host-owned state (decode_context.ts).
// Bad data never traps: jpegDecodeRows returns a negative DEC_* code and where it stopped.

import { JpegDecCtx, DCTX_BYTES, DCTX_QUANT, DF_H, DF_V, DF_TQ, DF_TD, DF_TA, dcompGet, dcompSet } from "./decode_context";
import { huffBuild } from "./huffman_decode";
import { decodeRows } from "./decode_rows";
import { HASH_SEED, hashFinal } from "./recon";
import { BLOCK_BYTES_MAX } from "./mcu_rows";
import { zigzagInit } from "./tables";
import { ceilDiv } from "../util/math";

/** Bytes of the decoder's state blob. */
export function jpegDecContextBytes(): i32 {
  return <i32>DCTX_BYTES;
}

/**
 * Start a decode of a `width` x `height` frame with `comps` components (1 or 3) and restart
 * interval `ri` (0 = none). Returns 0, or -1 for values outside what this decoder reads.
 */
export function jpegDecInit(ctx: usize, width: i32, height: i32, comps: i32, ri: i32): i32 {
  if (width < 1 || width > 65535 || height < 1 || height > 65535 || (comps != 1 && comps != 3) || ri < 0 || ri > 65535) return -1;
  zigzagInit();
  memory.fill(ctx, 0, DCTX_BYTES);
  let c = changetype<JpegDecCtx>(ctx);
  c.width = width;
  c.height = height;
  c.comps = comps;
  c.restartInterval = ri;
  c.restartsToGo = ri;
  c.hash = HASH_SEED;
  return 0;
}

/**
 * Component `ci`: sampling factors `h` x `v` (A.1.1), quantisation table `tq`, DC/AC Huffman
 * tables `td`/`ta` (0..3). Returns 0 or -1. Call jpegDecReady after the last component.
 */
export function jpegDecComponent(ctx: usize, ci: i32, h: i32, v: i32, tq: i32, td: i32, ta: i32): i32 {
  let c = changetype<JpegDecCtx>(ctx);
  if (ci < 0 || ci >= c.comps || h < 1 || h > 2 || v < 1 || v > 2 || tq < 0 || tq > 3 || td < 0 || td > 3 || ta < 0 || ta > 3) return -1;
  if (c.comps > 1 && ci > 0 && (h != 1 || v != 1)) return -1; // chroma is 1x1 here (4:4:4, 4:2:2, 4:2:0, 4:4:0)
  if (c.comps == 1) { h = 1; v = 1; } // A.2.2: one component, one block per MCU
  dcompSet(ctx, ci, DF_H, h);
  dcompSet(ctx, ci, DF_V, v);
  dcompSet(ctx, ci, DF_TQ, tq);
  dcompSet(ctx, ci, DF_TD, td);
  dcompSet(ctx, ci, DF_TA, ta);
  return 0;
}

/** Quantisation table `slot` (0..3): 64 u16 values in natural order at `q`. */
export function jpegDecQuant(ctx: usize, slot: i32, q: usize): void {
  memory.copy(ctx + DCTX_QUANT + (<usize>(slot & 3) << 7), q, 128);
}

/** Huffman table `slot` (0..3 DC, 4..7 AC) from 16 BITS counts and HUFFVAL. Returns 0 or -1. */
export function jpegDecHuff(ctx: usize, slot: i32, bits: usize, vals: usize): i32 {
  if (slot < 0 || slot > 7) return -1;
  return huffBuild(ctx, slot, bits, vals);
}

/** Derive the MCU geometry (A.2) once the components are set. */
export function jpegDecReady(ctx: usize): void {
  let c = changetype<JpegDecCtx>(ctx);
  let hmax = 1, vmax = 1, blocks = 0;
  for (let i = 0; i < c.comps; i++) {
    let h = dcompGet(ctx, i, DF_H);
    let v = dcompGet(ctx, i, DF_V);
    hmax = max(hmax, h);
    vmax = max(vmax, v);
    blocks += h * v;
  }
  c.hmax = hmax;
  c.vmax = vmax;
  c.mcuW = hmax << 3;
  c.mcuH = vmax << 3;
  c.mcusX = ceilDiv<i32>(c.width, c.mcuW);
  c.mcuRows = ceilDiv<i32>(c.height, c.mcuH);
  // any MCU, a restart marker with its fill bytes and the reader's look-ahead fit in this
  c.mcuBytes = blocks * BLOCK_BYTES_MAX + 64;
}

/**
 * Decode up to `maxRows` MCU rows from `len` bytes at `inp` (`final` = 1: the input ends there),
 * pixels to `out` (0: only hash) with rows `outStride` bytes apart. Returns MCU rows done, or a
 * DEC_* code (< 0); jpegDecConsumed says how many input bytes were used.
 */
export function jpegDecodeRows(ctx: usize, inp: usize, len: i32, final: i32, out: usize, outStride: i32, maxRows: i32): i32 {
  return decodeRows(ctx, inp, len, final != 0, out, <usize>outStride, maxRows);
}

export function jpegDecConsumed(ctx: usize): i32 {
  return changetype<JpegDecCtx>(ctx).consumed;
}

export function jpegDecErrorAt(ctx: usize): i32 {
  return changetype<JpegDecCtx>(ctx).errorAt;
}

/** 0 decoding, 1 all MCUs read, 2 EOI read. */
export function jpegDecPhase(ctx: usize): i32 {
  return changetype<JpegDecCtx>(ctx).phase;
}

export function jpegDecMcuHeight(ctx: usize): i32 {
  return changetype<JpegDecCtx>(ctx).mcuH;
}

/** Input bytes the decoder wants ahead of its position before it starts an MCU. */
export function jpegDecInputMargin(ctx: usize): i32 {
  return changetype<JpegDecCtx>(ctx).mcuBytes;
}

/** Hash of the reconstructed blocks (equals the encoder's jpegSampleHash for the same stream). */
export function jpegDecHash(ctx: usize): u64 {
  return hashFinal(changetype<JpegDecCtx>(ctx).hash);
}
