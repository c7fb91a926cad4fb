// Orchestration of the baseline decoder over a window of input: MCU by MCU (A.2.3 interleaved
// order) decode each block (huffman_decode.ts), reconstruct and hash it (recon.ts, the same
// placement and order as the encoder), optionally write pixels; restart markers between
// intervals (B.2.4.4, F.2.1.3.1: predictions reset), EOI after the last MCU. An MCU is started
// only when the window holds enough bytes for any MCU (or the input is final), so a call never
// stops inside one.

import {
  JpegDecCtx, DF_H, DF_V, DF_PRED, DF_TQ, DF_TD, DF_TA, DCTX_QUANT, dcompGet, dcompSet,
  DEC_DATA_ENDS, DEC_BAD_RESTART, DEC_NO_EOI,
} from "./decode_context";
import {
  slotPtr, readerLoad, readerSave, readerPos, readerSetPos, readerReset, readerOverrun,
  decodeBlock, lastDc, decError, setDecError,
} from "./huffman_decode";
import { reconstructBlock, hashBlock, rplaneOf, mcuToPixels } from "./recon";

const QBUF: usize = memory.data(64 * 4, 16);

/** Skip 0xFF fill bytes (B.1.1.2) at `p`; returns the position of the marker's last 0xFF. */
function skipFill(p: usize, end: usize): usize {
  while (p + 1 < end && load<u8>(p) == 0xff && load<u8>(p + 1) == 0xff) p++;
  return p;
}

function failAt(c: JpegDecCtx, inp: usize, code: i32): i32 {
  c.errorAt = <i32>(readerPos() - inp);
  readerSave(c);
  return code;
}

/**
 * Decode from `len` bytes at `inp` (`final`: nothing follows them) up to `maxRows` MCU rows,
 * writing pixels to `out` (0: none; rows `outStride` bytes apart, 1 or 3 bytes a pixel). Returns
 * the MCU rows completed (the host reads c.consumed and c.phase) or a DEC_* error.
 */
export function decodeRows(ctx: usize, inp: usize, len: i32, final: bool, out: usize, outStride: usize, maxRows: i32): i32 {
  let c = changetype<JpegDecCtx>(ctx);
  let end = inp + <usize>len;
  readerLoad(c, inp, end);
  setDecError(0); // module state: an earlier decode's failure must not leak into this one
  let rows = 0;
  while (c.phase != 2) {
    if (c.phase == 1) {
      readerReset();
      let p = skipFill(readerPos(), end);
      if (end - p < 2) {
        if (final) {
          readerSetPos(p);
          return failAt(c, inp, DEC_NO_EOI);
        }
        readerSetPos(p);
        break;
      }
      if (load<u8>(p) != 0xff || load<u8>(p + 1) != 0xd9) {
        readerSetPos(p);
        return failAt(c, inp, DEC_NO_EOI);
      }
      readerSetPos(p + 2);
      c.phase = 2;
      break;
    }
    if (rows == maxRows) break;
    let stop = false;
    while (c.mcuCol < c.mcusX) {
      if (!final && end - readerPos() < <usize>c.mcuBytes) {
        stop = true;
        break;
      }
      if (c.restartInterval != 0) {
        if (c.restartsToGo == 0) {
          readerReset();
          let p = skipFill(readerPos(), end);
          if (end - p < 2 || load<u8>(p) != 0xff || load<u8>(p + 1) != <u8>(0xd0 + c.nextRestart)) {
            readerSetPos(p);
            return failAt(c, inp, end - p < 2 ? DEC_DATA_ENDS : DEC_BAD_RESTART);
          }
          readerSetPos(p + 2);
          for (let ci = 0; ci < c.comps; ci++) dcompSet(ctx, ci, DF_PRED, 0);
          c.restartsToGo = c.restartInterval;
          c.nextRestart = (c.nextRestart + 1) & 7;
        }
        c.restartsToGo--;
      }
      for (let ci = 0; ci < c.comps; ci++) {
        let h = dcompGet(ctx, ci, DF_H);
        let v = dcompGet(ctx, ci, DF_V);
        let dcSlot = slotPtr(ctx, dcompGet(ctx, ci, DF_TD));
        let acSlot = slotPtr(ctx, 4 + dcompGet(ctx, ci, DF_TA));
        let qt = ctx + DCTX_QUANT + (<usize>dcompGet(ctx, ci, DF_TQ) << 7);
        for (let by = 0; by < v; by++) {
          for (let bx = 0; bx < h; bx++) {
            let mask = decodeBlock(dcSlot, acSlot, dcompGet(ctx, ci, DF_PRED), QBUF);
            if (decError != 0) return failAt(c, inp, decError);
            if (readerOverrun()) return failAt(c, inp, DEC_DATA_ENDS);
            dcompSet(ctx, ci, DF_PRED, lastDc);
            let dst = rplaneOf(ci) + (<usize>(by << 3) << 4) + <usize>(bx << 3);
            reconstructBlock(QBUF, mask, qt, dst);
            c.hash = hashBlock(c.hash, dst);
          }
        }
      }
      if (out != 0) {
        let x0 = c.mcuCol * c.mcuW;
        let dst = out + <usize>(rows * c.mcuH) * outStride + <usize>(x0 * c.comps);
        mcuToPixels(c.comps, c.hmax, c.vmax, dst, outStride, min(c.mcuW, c.width - x0), min(c.mcuH, c.height - c.mcuRow * c.mcuH));
      }
      c.mcuCol++;
    }
    if (stop) break;
    c.mcuCol = 0;
    c.mcuRow++;
    rows++;
    if (c.mcuRow == c.mcuRows) c.phase = 1;
  }
  c.consumed = <i32>(readerSave(c) - inp);
  return rows;
}
