/**
 * Strips packed by the core (codec/strip_decoder.ts stripPacked: every component in order, none
 * sub-sampled): the interleaved samples come straight from the tile buffers, with no zeroed plane
 * under them. A tile without data must still come out as 0 (the strip buffer is reused from strip
 * to strip, so stale samples would show), and every sample type (8-bit, 16-bit unsigned and signed)
 * must equal the one-piece decode.
 */
import { describe, expect, test } from "vitest";
import { decode, encode } from "../../src/index.js";
import { StripDecoder } from "../../src/strip/strip_decoder.js";
import { setStripDecodeThreshold } from "../../src/strip/assemble.js";
import type { DecodedImage, SampleArray } from "../../src/types.js";
import { walkMarkers } from "../helpers/jp2_boxes.js";

function noise(n: number, bits: number, signed: boolean): SampleArray {
  const out = bits <= 8 ? new Uint8Array(n) : signed ? new Int16Array(n) : new Uint16Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const v = (s >>> 8) & ((1 << bits) - 1);
    // a smooth ramp plus noise: blocks with many bit-planes and some with few
    out[i] = signed ? v - (1 << (bits - 1)) : v;
  }
  return out;
}

/** The codestream without the tile-parts of tile `t` (SOT A.4.2: Isot at +4, Psot at +6). */
function dropTile(cs: Uint8Array, t: number): Uint8Array {
  const keep: Array<[number, number]> = [];
  let at = 0;
  let dropped = 0;
  for (const m of walkMarkers(cs)) {
    if (m.marker !== 0xff90) continue;
    const isot = (cs[m.offset + 4]! << 8) | cs[m.offset + 5]!;
    const psot = ((cs[m.offset + 6]! << 24) | (cs[m.offset + 7]! << 16) | (cs[m.offset + 8]! << 8) | cs[m.offset + 9]!) >>> 0;
    expect(psot, "the encoder writes Psot").toBeGreaterThan(0);
    if (isot !== t) continue;
    keep.push([at, m.offset]);
    at = m.offset + psot;
    dropped++;
  }
  expect(dropped).toBeGreaterThan(0);
  keep.push([at, cs.length]);
  const out = new Uint8Array(keep.reduce((n, [a, b]) => n + b - a, 0));
  let o = 0;
  for (const [a, b] of keep) {
    out.set(cs.subarray(a, b), o);
    o += b - a;
  }
  return out;
}

function viaStrips(bytes: Uint8Array, stripRows: number): SampleArray {
  const dec = StripDecoder.openSync(bytes, { stripRows });
  const { width, height, components } = dec.info;
  let out: SampleArray | undefined;
  for (const s of dec.strips()) {
    out ??= new (s.data.constructor as new (n: number) => SampleArray)(width * height * components);
    out.set(s.data, s.y * width * components);
  }
  return out!;
}

function oneAndStrips(bytes: Uint8Array): { one: DecodedImage; strips: DecodedImage } {
  const old = setStripDecodeThreshold(Infinity);
  try {
    const one = decode(bytes);
    setStripDecodeThreshold(0);
    return { one, strips: decode(bytes) };
  } finally {
    setStripDecodeThreshold(old);
  }
}

function firstDiff(a: SampleArray, b: SampleArray): number {
  expect(a.constructor).toBe(b.constructor);
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe("strips packed by the core", () => {
  test("a tile without data is 0 in every strip, as in the one-piece decode", () => {
    const w = 200, h = 150, C = 3;
    const img = { width: w, height: h, components: C, bitDepth: 8, signed: false, data: noise(w * h * C, 8, false) };
    const full = encode(img, { lossless: true, tile: { width: 64, height: 64 } });
    // tile 5: columns 64-127, rows 64-127 (4 tiles per row of tiles)
    const bytes = dropTile(full, 5);
    const { one, strips } = oneAndStrips(bytes);
    expect(one.warnings.join(" ")).toMatch(/1 tile\(s\) have no data/);
    expect(strips.warnings.join(" ")).toMatch(/1 tile\(s\) have no data/);
    expect(firstDiff(strips.data, one.data)).toBe(-1);
    for (const rows of [7, 16]) expect(firstDiff(viaStrips(bytes, rows), one.data), `${rows}-row strips`).toBe(-1);
    // the dropped tile is 0, its neighbours are the image
    let zeros = 0, same = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < C; c++) {
          const i = (y * w + x) * C + c;
          if (x >= 64 && x < 128 && y >= 64 && y < 128) zeros += one.data[i] === 0 ? 1 : 0;
          else same += one.data[i] === img.data[i] ? 1 : 0;
        }
      }
    }
    expect(zeros).toBe(64 * 64 * C);
    expect(same).toBe(w * h * C - 64 * 64 * C);
  });

  test("8-, 12- and 16-bit samples, unsigned and signed, equal the one-piece decode (strips of 1, 5 and 64 rows)", () => {
    const w = 97, h = 83, C = 3;
    for (const [bits, signed] of [[8, false], [12, false], [16, false], [16, true]] as const) {
      const img = { width: w, height: h, components: C, bitDepth: bits, signed, data: noise(w * h * C, bits, signed) };
      for (const o of [{ lossless: true }, { quality: 60 }, { lossless: true, ht: true }]) {
        const bytes = encode(img, { ...o, tile: { width: 64, height: 48 } });
        const { one, strips } = oneAndStrips(bytes);
        if ("lossless" in o) expect(firstDiff(one.data, img.data), `${bits}-bit lossless`).toBe(-1);
        expect(firstDiff(strips.data, one.data), `${bits}-bit ${signed ? "signed" : "unsigned"} ${JSON.stringify(o)}`).toBe(-1);
        for (const rows of [1, 5, 64]) expect(firstDiff(viaStrips(bytes, rows), one.data), `${bits}-bit ${JSON.stringify(o)} ${rows}-row strips`).toBe(-1);
      }
    }
  });
});

describe("fused top 5/3 level filled a code-block row at a time into rings (codec/strip_decoder.ts fillTopInterleaved)", () => {
  // 16-row code-blocks: the top level's sub-bands span many code-block rows, so the rings of two
  // code-block rows are reused many times per strip; regions start on odd rows and columns (the
  // level windows then start mid code-block row and with the other parity)
  test("lossless RGB (RCT) and grey, Part 1 and HT: strips equal the source and the one-piece decode", () => {
    const w = 301, h = 389;
    for (const C of [3, 1]) {
      const img = { width: w, height: h, components: C, bitDepth: 8, signed: false, data: noise(w * h * C, 8, false) };
      for (const o of [{ lossless: true }, { lossless: true, ht: true }]) {
        const bytes = encode(img, { ...o, levels: 3, codeBlock: [16, 16] });
        const { one, strips } = oneAndStrips(bytes);
        expect(firstDiff(one.data, img.data), `C=${C} ${JSON.stringify(o)} one piece`).toBe(-1);
        expect(firstDiff(strips.data, img.data), `C=${C} ${JSON.stringify(o)} strips`).toBe(-1);
        for (const rows of [9, 40, 128]) expect(firstDiff(viaStrips(bytes, rows), img.data), `C=${C} ${JSON.stringify(o)} ${rows}-row strips`).toBe(-1);
        const region = { x: 13, y: 37, width: 251, height: 301 };
        const old = setStripDecodeThreshold(Infinity);
        try {
          const a = decode(bytes, { region });
          setStripDecodeThreshold(0);
          const b = decode(bytes, { region });
          expect(firstDiff(b.data, a.data), `C=${C} ${JSON.stringify(o)} region`).toBe(-1);
          for (let y = 0; y < region.height; y += 50) {
            for (let c = 0; c < C; c++) {
              expect(a.data[(y * region.width + 7) * C + c]).toBe(img.data[((region.y + y) * w + region.x + 7) * C + c]);
            }
          }
        } finally {
          setStripDecodeThreshold(old);
        }
      }
    }
  });
});

describe("fillInto tells the rows in place (threaded decoding copies them on meanwhile)", () => {
  test("one tall strip: told every 64 rows within it, in order, ending at the height; several strips: at least at each strip's end; the samples equal the one-piece decode", () => {
    const width = 150;
    const height = 700;
    const img = { width, height, components: 3, bitDepth: 12, signed: false, data: noise(width * height * 3, 12, false) };
    const cs = encode(img, { levels: 4, ratios: [10] });
    const ref = decode(cs).data;
    for (const rows of [undefined, 100]) {
      const dec = StripDecoder.openSync(cs, rows === undefined ? {} : { stripRows: rows });
      const out = new Uint16Array(width * height * 3);
      const told: number[] = [];
      // (each time it is told, the rows before it must be in place already)
      dec.fillInto(out, (r) => {
        told.push(r);
        for (let y = 0; y < r; y += 37) expect(out[(y * width + 5) * 3]).toBe(ref[(y * width + 5) * 3]);
      });
      expect(Array.from(out).every((v, i) => v === ref[i]), `strip rows ${rows ?? "chosen"}: the samples`).toBe(true);
      expect(told.at(-1), "ends at the height").toBe(height);
      expect(told.every((r, i) => i === 0 || r >= told[i - 1]!), "in order").toBe(true);
      if (rows === undefined) {
        expect(dec.stats().strips, "one strip for the whole image").toBe(1);
        expect(told.slice(0, 3), "every 64 rows within the strip").toEqual([64, 128, 192]);
      } else expect(new Set(told).size, "at least one per strip").toBeGreaterThanOrEqual(Math.ceil(height / rows));
    }
  });
});
