import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isJ2kError } from "../../src/errors.js";
import { pgxComponentsToImage, readPgx, writePgx, type PgxComponent } from "../../src/io/pgx.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const cat = (head: string, body: number[]): Uint8Array => {
  const h = enc(head);
  const out = new Uint8Array(h.length + body.length);
  out.set(h, 0);
  out.set(body, h.length);
  return out;
};

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

const componentArb = (maxDepth: number) =>
  fc
    .record({
      width: fc.integer({ min: 1, max: 19 }),
      height: fc.integer({ min: 1, max: 13 }),
      bitDepth: fc.integer({ min: 1, max: maxDepth }),
      signed: fc.boolean(),
    })
    .filter((g) => g.signed || g.bitDepth <= 31)
    .chain((g) => {
      const lo = g.signed ? -(2 ** (g.bitDepth - 1)) : 0;
      const hi = g.signed ? 2 ** (g.bitDepth - 1) - 1 : 2 ** g.bitDepth - 1;
      const n = g.width * g.height;
      return fc.array(fc.integer({ min: lo, max: hi }), { minLength: n, maxLength: n }).map((values) => ({ ...g, values }));
    });

describe("PGX reader and writer", () => {
  it("round-trips one component of 1-32 bits, signed or unsigned, either byte order", () => {
    fc.assert(
      fc.property(componentArb(32), fc.boolean(), (g, littleEndian) => {
        const bytes = writePgx({ ...g, data: g.values }, { littleEndian });
        const back = readPgx(bytes);
        expect([back.width, back.height, back.bitDepth, back.signed]).toEqual([g.width, g.height, g.bitDepth, g.signed]);
        expect(Array.from(back.data)).toEqual(g.values);
        const bps = g.bitDepth <= 8 ? 1 : g.bitDepth <= 16 ? 2 : 4;
        const header = `PG ${littleEndian ? "LM" : "ML"} ${g.signed ? "-" : "+"}${g.bitDepth} ${g.width} ${g.height}\n`;
        expect(bytes.length).toBe(header.length + g.width * g.height * bps);
        expect(new TextDecoder().decode(bytes.subarray(0, header.length))).toBe(header);
      }),
      { numRuns: 300 },
    );
  });

  it("round-trips 1-3 same-size components through files and joins them interleaved", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 16 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer(),
        (n, bitDepth, signed, width, height, seed) => {
          const lo = signed ? -(2 ** (bitDepth - 1)) : 0;
          const span = 2 ** bitDepth;
          let s = seed >>> 0;
          const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), lo + (s % span));
          const planes = Array.from({ length: n }, () => Array.from({ length: width * height }, next));
          const files = planes.map((p) => writePgx({ width, height, bitDepth, signed, data: p }));
          const joined = pgxComponentsToImage(files.map(readPgx));
          expect(joined.planar).toBe(false);
          expect(joined.subsampling).toBeUndefined();
          const img = joined.image;
          expect([img.width, img.height, img.components, img.bitDepth, img.signed]).toEqual([width, height, n, bitDepth, signed]);
          for (let i = 0; i < width * height; i++) {
            for (let c = 0; c < n; c++) expect(img.data[i * n + c]).toBe(planes[c]![i]);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("parses the header spellings found in real files", () => {
    expect(Array.from(readPgx(cat("PG ML +8 2 1\n", [7, 200])).data)).toEqual([7, 200]);
    expect(Array.from(readPgx(cat("PG ML + 8 2 1\n", [7, 200])).data)).toEqual([7, 200]);
    const noSign = readPgx(cat("PG ML  8 2 1\n", [7, 200]));
    expect([noSign.signed, noSign.bitDepth]).toEqual([false, 8]);
    const s12 = readPgx(cat("PG ML -12 257 1\n", Array.from({ length: 257 }, (_, i) => (i === 0 ? [0xff, 0xfe] : [0x07, 0xff])).flat()));
    expect([s12.signed, s12.bitDepth, s12.width, s12.height]).toEqual([true, 12, 257, 1]);
    expect(s12.data[0]).toBe(-2);
    expect(s12.data[1]).toBe(2047);
    const le = readPgx(cat("PG LM -12 1 1\n", [0xfe, 0xff]));
    expect(le.data[0]).toBe(-2);
    const s4 = readPgx(cat("PG ML -4 3 1\n", [0xfd, 0x07, 0xf8]));
    expect(Array.from(s4.data)).toEqual([-3, 7, -8]);
    const crlf = readPgx(cat("PG\tML\t+16 1 1 \r\n", [0x12, 0x34]));
    expect(crlf.data[0]).toBe(0x1234);
    const deep = readPgx(cat("PG ML +24 1 1\n", [0x00, 0xab, 0xcd, 0xef]));
    expect(deep.data[0]).toBe(0xabcdef);
    expect(deep.data).toBeInstanceOf(Int32Array);
  });

  it("uses 1/2/4 bytes per sample by depth", () => {
    expect(writePgx({ width: 1, height: 1, bitDepth: 8, signed: false, data: [1] }).length).toBe("PG ML +8 1 1\n".length + 1);
    expect(writePgx({ width: 1, height: 1, bitDepth: 9, signed: false, data: [1] }).length).toBe("PG ML +9 1 1\n".length + 2);
    expect(writePgx({ width: 1, height: 1, bitDepth: 17, signed: true, data: [-1] }).length).toBe("PG ML -17 1 1\n".length + 4);
    expect(Array.from(writePgx({ width: 2, height: 1, bitDepth: 12, signed: true, data: [-2, 300] }).slice(-4))).toEqual([0xff, 0xfe, 0x01, 0x2c]);
  });

  it("rejects malformed PGX with INPUT_FORMAT", () => {
    expectCode(() => readPgx(enc("")), "INPUT_FORMAT");
    expectCode(() => readPgx(enc("P5\n1 1\n255\n\0")), "INPUT_FORMAT");
    expectCode(() => readPgx(cat("PG XX +8 1 1\n", [0])), "INPUT_FORMAT");
    expectCode(() => readPgx(cat("PG ML +8 1\n", [0])), "INPUT_FORMAT");
    expectCode(() => readPgx(cat("PG ML +8 2 2\n", [0, 1, 2])), "INPUT_FORMAT"); // truncated
    expectCode(() => readPgx(cat("PG ML +0 1 1\n", [0])), "INPUT_FORMAT");
    expectCode(() => readPgx(cat("PG ML +33 1 1\n", [0, 0, 0, 0])), "INPUT_FORMAT");
    expectCode(() => readPgx(cat("PG ML +8 0 1\n", [])), "INPUT_FORMAT");
    expectCode(() => readPgx(cat("PG ML +8 1 1 junk\n", [0])), "INPUT_FORMAT");
    expectCode(() => readPgx(cat("PG ML +4 1 1\n", [16])), "INPUT_FORMAT"); // above 4 bits
    expectCode(() => readPgx(cat("PG ML -4 1 1\n", [8])), "INPUT_FORMAT"); // above signed 4-bit range
    expectCode(() => readPgx(cat("PG ML +8 100000 100000\n", [0])), "INPUT_FORMAT");
  });

  it("refuses to write samples outside the precision", () => {
    expectCode(() => writePgx({ width: 1, height: 1, bitDepth: 4, signed: false, data: [16] }), "INVALID_ARGUMENT");
    expectCode(() => writePgx({ width: 1, height: 1, bitDepth: 4, signed: true, data: [-9] }), "INVALID_ARGUMENT");
    expectCode(() => writePgx({ width: 2, height: 1, bitDepth: 4, signed: true, data: [1] }), "INVALID_ARGUMENT");
    expectCode(() => writePgx({ width: 1, height: 1, bitDepth: 0, signed: false, data: [0] }), "INVALID_ARGUMENT");
  });

  it("joins components of different sizes as sub-sampled planes", () => {
    const comp = (width: number, height: number, fill: number, bitDepth = 8): PgxComponent => ({
      width, height, bitDepth, signed: false, data: new Uint8Array(width * height).fill(fill),
    });
    const joined = pgxComponentsToImage([comp(5, 5, 1), comp(3, 3, 2), comp(3, 5, 3, 6)]);
    expect(joined.planar).toBe(true);
    expect(joined.subsampling).toEqual([[1, 1], [2, 2], [2, 1]]);
    expect([joined.image.width, joined.image.height, joined.image.components, joined.image.bitDepth]).toEqual([5, 5, 3, 8]);
    expect(joined.image.data.length).toBe(25 + 9 + 15);
    expect(Array.from(joined.image.data.subarray(24, 27))).toEqual([1, 2, 2]);
    expect(joined.image.data[34]).toBe(3);
    // 5 -> 4 is no sub-sampling (ceil(5/d) is 5, 3, 2, ...).
    expectCode(() => pgxComponentsToImage([comp(5, 5, 0), comp(4, 5, 0)]), "INPUT_FORMAT");
    expectCode(() => pgxComponentsToImage([]), "INPUT_FORMAT");
    expectCode(
      () => pgxComponentsToImage([comp(1, 1, 0), { ...comp(1, 1, 0), signed: true, data: new Int16Array(1) }]),
      "INPUT_FORMAT",
    );
  });
});
