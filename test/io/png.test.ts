// PNG writer checked by a small independent decoder written here (node:zlib inflate, zlib.crc32,
// the five filters of PNG §9.2), and the PNG reader checked on files built here by hand.
import fc from "fast-check";
import { crc32 as zlibCrc32, deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { isJ2kError } from "../../src/errors.js";
import { crc32, readPng, writePng } from "../../src/io/png.js";
import type { J2kImage } from "../../src/types.js";
import { decodePngIndependently } from "./independent_png.js";

/** PNG §12.5 left bit replication written out arithmetically: repeat the b-bit pattern over `to` bits. */
function replicate(v: number, bits: number, to: number): number {
  if (bits === to) return v;
  let pattern = "";
  const b = v.toString(2).padStart(bits, "0");
  while (pattern.length < to) pattern += b;
  return parseInt(pattern.slice(0, to), 2);
}

const imageArb = fc
  .record({
    width: fc.integer({ min: 1, max: 21 }),
    height: fc.integer({ min: 1, max: 11 }),
    components: fc.integer({ min: 1, max: 4 }),
    bitDepth: fc.integer({ min: 1, max: 16 }),
    signed: fc.boolean(),
  })
  .chain((g) => {
    const lo = g.signed ? -(2 ** (g.bitDepth - 1)) : 0;
    const hi = g.signed ? 2 ** (g.bitDepth - 1) - 1 : 2 ** g.bitDepth - 1;
    const n = g.width * g.height * g.components;
    return fc.array(fc.integer({ min: lo, max: hi }), { minLength: n, maxLength: n }).map((values) => ({ ...g, values }));
  });

function expectCode(f: () => unknown, code: string): void {
  try {
    f();
  } catch (e) {
    expect(isJ2kError(e), String(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    return;
  }
  throw new Error(`expected a J2kError ${code}, nothing was thrown`);
}

describe("PNG writer", () => {
  it("computes the standard CRC-32", () => {
    const bytes = new TextEncoder().encode("123456789");
    expect(crc32(bytes)).toBe(0xcbf43926); // the CRC-32 check value
    expect(crc32(new TextEncoder().encode("IEND"))).toBe(0xae426082);
  });

  it("writes grey, grey+alpha, RGB and RGBA at 8 or 16 bits that an independent decoder reads back", () => {
    fc.assert(
      fc.property(imageArb, (g) => {
        const image: J2kImage = {
          width: g.width, height: g.height, components: g.components, bitDepth: g.bitDepth, signed: g.signed,
          data: Int32Array.from(g.values),
        };
        const png = writePng(image);
        const d = decodePngIndependently(png);
        const depth = g.bitDepth <= 8 ? 8 : 16;
        expect([d.width, d.height, d.depth, d.colourType]).toEqual([g.width, g.height, depth, [0, 0, 4, 2, 6][g.components]]);
        const offset = g.signed ? 2 ** (g.bitDepth - 1) : 0;
        const expected = g.values.map((v) => replicate(v + offset, g.bitDepth, depth));
        expect(d.samples).toEqual(expected);
        const sbit = d.chunks.find((c) => c.type === "sBIT");
        if (g.bitDepth === depth) expect(sbit).toBeUndefined();
        else expect(Array.from(sbit!.data)).toEqual(new Array(g.components).fill(g.bitDepth));
        // and our own reader inverts it exactly
        const back = readPng(png);
        expect([back.components, back.bitDepth, back.signed]).toEqual([g.components, g.bitDepth, false]);
        expect(Array.from(back.data)).toEqual(g.values.map((v) => v + offset));
      }),
      { numRuns: 200 },
    );
  });

  it("stores 16-bit samples big-endian and needs no sBIT for exactly 8 or 16 bits", () => {
    const png = writePng({ width: 2, height: 1, components: 1, bitDepth: 16, signed: false, data: Uint16Array.of(0x1234, 0xfffe) });
    const d = decodePngIndependently(png);
    expect(d.samples).toEqual([0x1234, 0xfffe]);
    expect(d.chunks.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
  });

  it("handles an image large enough for several rows of every filter type", () => {
    const width = 300, height = 200;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + ((i / 900) | 0) * 13) & 0xff;
    const d = decodePngIndependently(writePng({ width, height, components: 3, bitDepth: 8, signed: false, data }));
    expect(d.samples).toEqual(Array.from(data));
  });

  it("refuses what PNG cannot hold", () => {
    const base = { width: 1, height: 1, bitDepth: 8, signed: false };
    expectCode(() => writePng({ ...base, components: 5, data: new Uint8Array(5) }), "INVALID_ARGUMENT");
    expectCode(() => writePng({ ...base, components: 1, bitDepth: 17, data: new Int32Array(1) }), "INVALID_ARGUMENT");
    expectCode(() => writePng({ ...base, components: 1, data: Int32Array.of(256) }), "INVALID_ARGUMENT");
  });
});

// ---- PNG files built by hand for the reader ----

function chunk(type: string, data: Uint8Array | number[]): Uint8Array {
  const body = Uint8Array.from(data);
  const out = new Uint8Array(12 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(body, 8);
  dv.setUint32(8 + body.length, zlibCrc32(out.subarray(4, 8 + body.length)));
  return out;
}

function ihdr(width: number, height: number, depth: number, colourType: number, interlace = 0): Uint8Array {
  const b = new Uint8Array(13);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  b[8] = depth;
  b[9] = colourType;
  b[12] = interlace;
  return chunk("IHDR", b);
}

/** Pack samples (MSB first) into filter-0 scanlines of `width` samples per row. */
function scanlines(samples: number[][], depth: number): Uint8Array {
  const rows: number[] = [];
  for (const row of samples) {
    rows.push(0);
    let acc = 0, bits = 0;
    const bytes: number[] = [];
    for (const v of row) {
      if (depth === 16) { bytes.push(v >> 8, v & 255); continue; }
      acc = (acc << depth) | v;
      bits += depth;
      if (bits === 8) { bytes.push(acc); acc = 0; bits = 0; }
    }
    if (bits > 0) bytes.push(acc << (8 - bits));
    rows.push(...bytes);
  }
  return Uint8Array.from(rows);
}

function png(...chunks: Uint8Array[]): Uint8Array {
  return Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10, ...chunks.flatMap((c) => Array.from(c))]);
}

const idat = (raw: Uint8Array): Uint8Array => chunk("IDAT", new Uint8Array(deflateSync(raw)));
const iend = chunk("IEND", []);

describe("PNG reader", () => {
  it("reads 1/2/4-bit greyscale", () => {
    for (const depth of [1, 2, 4]) {
      const max = (1 << depth) - 1;
      const rows = [[0, max, 1 % (max + 1), max], [max, 0, 0, 1]];
      const img = readPng(png(ihdr(4, 2, depth, 0), idat(scanlines(rows, depth)), iend));
      expect([img.components, img.bitDepth]).toEqual([1, depth]);
      expect(Array.from(img.data)).toEqual(rows.flat());
    }
  });

  it("expands palette images (to RGBA when tRNS gives alpha)", () => {
    const plte = chunk("PLTE", [255, 0, 0, 0, 255, 0, 0, 0, 255]);
    const rows = [[0, 1, 2], [2, 2, 1]];
    const rgb = readPng(png(ihdr(3, 2, 2, 3), plte, idat(scanlines(rows, 2)), iend));
    expect([rgb.components, rgb.bitDepth]).toEqual([3, 8]);
    expect(Array.from(rgb.data.subarray(0, 9))).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255]);
    const rgba = readPng(png(ihdr(3, 2, 8, 3), plte, chunk("tRNS", [10, 20]), idat(scanlines(rows, 8)), iend));
    expect(rgba.components).toBe(4);
    expect(Array.from(rgba.data.subarray(0, 12))).toEqual([255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 255]);
  });

  it("reads 16-bit RGBA split over several IDAT chunks, skipping unknown ancillary chunks", () => {
    const rows = [[1, 2, 3, 65535, 4, 5, 6, 0]];
    const z = new Uint8Array(deflateSync(scanlines(rows, 16)));
    const img = readPng(png(
      ihdr(2, 1, 16, 6), chunk("tEXt", new TextEncoder().encode("Comment\0hi")),
      chunk("IDAT", z.subarray(0, 5)), chunk("IDAT", z.subarray(5)), iend,
    ));
    expect([img.components, img.bitDepth]).toEqual([4, 16]);
    expect(Array.from(img.data)).toEqual(rows[0]);
  });

  it("reads Adam7-interlaced images", () => {
    const width = 11, height = 9;
    const value = (x: number, y: number): number => (x * 17 + y * 29) & 255;
    const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
    const parts: number[] = [];
    for (const [x0, y0, dx, dy] of passes) {
      const rows: number[][] = [];
      for (let y = y0!; y < height; y += dy!) {
        const row: number[] = [];
        for (let x = x0!; x < width; x += dx!) row.push(value(x, y));
        if (row.length > 0) rows.push(row);
      }
      parts.push(...scanlines(rows, 8));
    }
    const img = readPng(png(ihdr(width, height, 8, 0, 1), idat(Uint8Array.from(parts)), iend));
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) expect(img.data[y * width + x]).toBe(value(x, y));
  });

  it("rejects broken files with INPUT_FORMAT", () => {
    const good = png(ihdr(1, 1, 8, 0), idat(Uint8Array.of(0, 7)), iend);
    expect(readPng(good).data[0]).toBe(7);
    const badCrc = good.slice();
    badCrc[30] = badCrc[30]! ^ 1;
    expectCode(() => readPng(badCrc), "INPUT_FORMAT");
    expectCode(() => readPng(good.subarray(0, good.length - 12)), "INPUT_FORMAT"); // no IEND
    expectCode(() => readPng(new Uint8Array(20)), "INPUT_FORMAT");
    expectCode(() => readPng(png(ihdr(1, 1, 3, 0), idat(Uint8Array.of(0, 0)), iend)), "INPUT_FORMAT"); // depth 3
    expectCode(() => readPng(png(ihdr(2, 2, 8, 0), idat(Uint8Array.of(0, 7)), iend)), "INPUT_FORMAT"); // short data
    expectCode(() => readPng(png(ihdr(1, 1, 8, 0), chunk("IDAT", [1, 2, 3]), iend)), "INPUT_FORMAT"); // not zlib
    expectCode(() => readPng(png(ihdr(1, 1, 8, 3), idat(Uint8Array.of(0, 0)), iend)), "INPUT_FORMAT"); // no PLTE
    expectCode(() => readPng(png(ihdr(1, 1, 8, 0), chunk("ZZZZ", []), idat(Uint8Array.of(0, 0)), iend)), "INPUT_FORMAT");
  });
});
