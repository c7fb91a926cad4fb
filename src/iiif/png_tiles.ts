/**
 * PNG for server tiles: 8-bit grey / grey+alpha / RGB / RGBA, every row Paeth-filtered (PNG §9.4;
 * for continuous-tone tiles Paeth is usually the best single filter), deflated by zlib on libuv's
 * thread pool so that the event loop is free while a tile compresses. The general writer
 * (src/io/png.ts, any depth, adaptive filters, synchronous) is for files; this one is for many small
 * images served concurrently. CRC-32 from src/io/png.ts.
 * @module
 */
import { promisify } from "node:util";
import { deflate } from "node:zlib";
import { crc32 } from "../io/png.js";
import type { Pixels } from "./pixels.js";

const deflateAsync = promisify(deflate);
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Colour type by channel count (Table 11.1): grey, grey+alpha, truecolour, truecolour+alpha. */
const COLOUR_TYPE = [0, 0, 4, 2, 6];

function chunkInto(out: Uint8Array, at: number, type: string, data: Uint8Array): number {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint32(at, data.length);
  for (let i = 0; i < 4; i++) out[at + 4 + i] = type.charCodeAt(i);
  out.set(data, at + 8);
  dv.setUint32(at + 8 + data.length, crc32(out, at + 4, at + 8 + data.length));
  return at + 12 + data.length;
}

/** Paeth predictor (§9.4). */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Encode 8-bit pixels as PNG (deflate level `level`, default 4). */
export async function encodePngTile(p: Pixels, level = 4): Promise<Uint8Array> {
  const { width: w, height: h, channels: bpp, data } = p;
  const rowBytes = w * bpp;
  const filtered = new Uint8Array(h * (rowBytes + 1));
  for (let y = 0; y < h; y++) {
    const o = y * (rowBytes + 1);
    const r = y * rowBytes;
    if (y === 0) {
      // first row: Sub (Paeth degenerates to it)
      filtered[o] = 1;
      for (let i = 0; i < rowBytes; i++) filtered[o + 1 + i] = (data[r + i]! - (i >= bpp ? data[r + i - bpp]! : 0)) & 0xff;
      continue;
    }
    filtered[o] = 4;
    const u = r - rowBytes;
    for (let i = 0; i < bpp; i++) filtered[o + 1 + i] = (data[r + i]! - data[u + i]!) & 0xff;
    for (let i = bpp; i < rowBytes; i++) {
      filtered[o + 1 + i] = (data[r + i]! - paeth(data[r + i - bpp]!, data[u + i]!, data[u + i - bpp]!)) & 0xff;
    }
  }
  const z = await deflateAsync(filtered, { level });
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, w);
  dv.setUint32(4, h);
  ihdr[8] = 8;
  ihdr[9] = COLOUR_TYPE[bpp]!;
  const out = new Uint8Array(8 + 25 + 12 + z.byteLength + 12);
  out.set(SIGNATURE, 0);
  let at = chunkInto(out, 8, "IHDR", ihdr);
  at = chunkInto(out, at, "IDAT", new Uint8Array(z.buffer, z.byteOffset, z.byteLength));
  chunkInto(out, at, "IEND", new Uint8Array(0));
  return out;
}
