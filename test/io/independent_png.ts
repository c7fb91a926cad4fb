/**
 * A deliberately small PNG decoder for tests, independent of src/io/png.ts: node:zlib inflate,
 * node:zlib crc32, the five filters of PNG §9.2; non-interlaced 8/16-bit grey/grey+alpha/RGB/RGBA.
 * @module
 */
import { crc32 as zlibCrc32, inflateSync } from "node:zlib";
import { expect } from "vitest";

export interface Chunk { type: string; data: Uint8Array }

/** Split a PNG into chunks, checking the signature and every CRC with node:zlib's crc32. */
export function chunksOf(png: Uint8Array): Chunk[] {
  expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  let p = 8;
  while (p < png.length) {
    const len = dv.getUint32(p);
    const type = new TextDecoder().decode(png.subarray(p + 4, p + 8));
    const crc = dv.getUint32(p + 8 + len);
    expect(crc, `CRC of ${type}`).toBe(zlibCrc32(png.subarray(p + 4, p + 8 + len)));
    out.push({ type, data: png.subarray(p + 8, p + 8 + len) });
    p += 12 + len;
  }
  expect(p).toBe(png.length);
  return out;
}

/** Independent decode of a non-interlaced 8/16-bit PNG to samples at the PNG depth. */
export function decodePngIndependently(png: Uint8Array): { width: number; height: number; depth: number; colourType: number; channels: number; samples: number[]; chunks: Chunk[] } {
  const chunks = chunksOf(png);
  expect(chunks[0]!.type).toBe("IHDR");
  expect(chunks[chunks.length - 1]!.type).toBe("IEND");
  const ihdr = new DataView(chunks[0]!.data.buffer, chunks[0]!.data.byteOffset, 13);
  const width = ihdr.getUint32(0);
  const height = ihdr.getUint32(4);
  const depth = ihdr.getUint8(8);
  const colourType = ihdr.getUint8(9);
  expect([ihdr.getUint8(10), ihdr.getUint8(11), ihdr.getUint8(12)]).toEqual([0, 0, 0]);
  const channels = ({ 0: 1, 4: 2, 2: 3, 6: 4 } as Record<number, number>)[colourType]!;
  const z = Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => c.data));
  const raw = new Uint8Array(inflateSync(z));
  const bpp = (channels * depth) / 8;
  const stride = width * bpp;
  expect(raw.length).toBe(height * (stride + 1));
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= bpp ? rows[y * stride + i - bpp]! : 0;
      const b = y > 0 ? rows[(y - 1) * stride + i]! : 0;
      const c = i >= bpp && y > 0 ? rows[(y - 1) * stride + i - bpp]! : 0;
      let pred: number;
      if (f === 0) pred = 0;
      else if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = Math.floor((a + b) / 2);
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`filter type ${f}`);
      rows[y * stride + i] = (x + pred) % 256;
    }
  }
  const samples: number[] = [];
  for (let i = 0; i < width * height * channels; i++) {
    samples.push(depth === 16 ? rows[2 * i]! * 256 + rows[2 * i + 1]! : rows[i]!);
  }
  return { width, height, depth, colourType, channels, samples, chunks };
}
