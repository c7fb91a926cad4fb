import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isJ2kError } from "../../src/errors.js";
import { readPnm, writePnm } from "../../src/io/pnm.js";
import type { J2kImage } from "../../src/types.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const cat = (...parts: Array<Uint8Array | number[]>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
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

/** Arbitrary image: size, 1 or 3 components, 1-16 bits, signed or not, samples in range. */
const imageArb = fc
  .record({
    width: fc.integer({ min: 1, max: 23 }),
    height: fc.integer({ min: 1, max: 17 }),
    components: fc.constantFrom(1, 3),
    bitDepth: fc.integer({ min: 1, max: 16 }),
    signed: fc.boolean(),
  })
  .chain((g) => {
    const lo = g.signed ? -(2 ** (g.bitDepth - 1)) : 0;
    const hi = g.signed ? 2 ** (g.bitDepth - 1) - 1 : 2 ** g.bitDepth - 1;
    const n = g.width * g.height * g.components;
    return fc.array(fc.integer({ min: lo, max: hi }), { minLength: n, maxLength: n }).map((values) => ({ ...g, values }));
  });

describe("PNM writer and reader", () => {
  it("round-trips any 1- or 3-component image of 1-16 bits, signed via the 2^(bits-1) offset", () => {
    fc.assert(
      fc.property(imageArb, (g) => {
        const data = g.signed ? Int16Array.from(g.values) : g.bitDepth <= 8 ? Uint8Array.from(g.values) : Uint16Array.from(g.values);
        const image: J2kImage = { width: g.width, height: g.height, components: g.components, bitDepth: g.bitDepth, signed: g.signed, data };
        const bytes = writePnm(image);
        const back = readPnm(bytes, { signed: g.signed });
        expect(back.width).toBe(g.width);
        expect(back.height).toBe(g.height);
        expect(back.components).toBe(g.components);
        expect(back.bitDepth).toBe(g.bitDepth);
        expect(back.signed).toBe(g.signed);
        expect(Array.from(back.data)).toEqual(g.values);
      }),
      { numRuns: 300 },
    );
  });

  it("writes the header P5/P6, width height, maxval 2^bits-1 and 16-bit big-endian samples", () => {
    const grey = writePnm({ width: 3, height: 1, components: 1, bitDepth: 8, signed: false, data: Uint8Array.of(0, 127, 255) });
    expect(Array.from(grey)).toEqual([...enc("P5\n3 1\n255\n"), 0, 127, 255]);
    const deep = writePnm({ width: 2, height: 1, components: 1, bitDepth: 12, signed: false, data: Uint16Array.of(0x0abc, 4095) });
    expect(Array.from(deep)).toEqual([...enc("P5\n2 1\n4095\n"), 0x0a, 0xbc, 0x0f, 0xff]);
    const rgb = writePnm({ width: 1, height: 2, components: 3, bitDepth: 4, signed: false, data: Uint8Array.of(1, 2, 3, 15, 14, 13) });
    expect(Array.from(rgb)).toEqual([...enc("P6\n1 2\n15\n"), 1, 2, 3, 15, 14, 13]);
  });

  it("writes signed samples offset by 2^(bits-1) (OpenJPEG's convention)", () => {
    const bytes = writePnm({ width: 3, height: 1, components: 1, bitDepth: 14, signed: true, data: Int16Array.of(-8192, 0, 8191) });
    expect(Array.from(bytes)).toEqual([...enc("P5\n3 1\n16383\n"), 0x00, 0x00, 0x20, 0x00, 0x3f, 0xff]);
  });

  it("reads comments, any whitespace, CRLF and a comment right before the raster", () => {
    const img = readPnm(cat(enc("P5 # grey\n#another\r\n 2\t# w\n\n2\r\n# maxval next\n255\n"), [1, 2, 3, 4]));
    expect([img.width, img.height, img.components, img.bitDepth]).toEqual([2, 2, 1, 8]);
    expect(Array.from(img.data)).toEqual([1, 2, 3, 4]);
    // A comment straight after maxval: its line end is the single separator (libnetpbm behaviour).
    const img2 = readPnm(cat(enc("P5\n1 1\n255#c\n"), [0x23]));
    expect(Array.from(img2.data)).toEqual([0x23]);
    // The raster may start with a whitespace byte value: only one separator is consumed.
    const img3 = readPnm(cat(enc("P5\n2 1\n255\n"), [0x20, 0x0a]));
    expect(Array.from(img3.data)).toEqual([0x20, 0x0a]);
  });

  it("reads 16-bit big-endian samples and gives bitDepth = ceil(log2(maxval+1))", () => {
    const img = readPnm(cat(enc("P5\n2 1\n1000\n"), [0x03, 0xe8, 0x00, 0x07]));
    expect(img.bitDepth).toBe(10);
    expect(img.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(img.data)).toEqual([1000, 7]);
    expect(readPnm(cat(enc("P5 1 1 1 "), [1])).bitDepth).toBe(1);
    expect(readPnm(cat(enc("P5 1 1 256 "), [1, 0])).bitDepth).toBe(9);
    expect(readPnm(cat(enc("P5 1 1 65535 "), [0xff, 0xfe])).data[0]).toBe(65534);
  });

  it("reads plain P2 and P3 with comments between samples", () => {
    const grey = readPnm(enc("P2\n# plain\n3 2\n300\n0 1 2\n# row 2\n299 300\t 7\n"));
    expect([grey.components, grey.bitDepth]).toEqual([1, 9]);
    expect(Array.from(grey.data)).toEqual([0, 1, 2, 299, 300, 7]);
    const rgb = readPnm(enc("P3 2 1 255 255 0 0  0 0 255"));
    expect(rgb.components).toBe(3);
    expect(Array.from(rgb.data)).toEqual([255, 0, 0, 0, 0, 255]);
  });

  it("reads signed data back from the offset form", () => {
    const img = readPnm(cat(enc("P5\n2 1\n255\n"), [0, 255]), { signed: true });
    expect(img.signed).toBe(true);
    expect(Array.from(img.data)).toEqual([-128, 127]);
  });

  it("rejects malformed files with INPUT_FORMAT", () => {
    expectCode(() => readPnm(enc("")), "INPUT_FORMAT");
    expectCode(() => readPnm(enc("hello")), "INPUT_FORMAT");
    expectCode(() => readPnm(enc("P4\n1 1\n\0")), "INPUT_FORMAT"); // PBM is not handled
    expectCode(() => readPnm(enc("P7\nWIDTH 1\n")), "INPUT_FORMAT");
    expectCode(() => readPnm(cat(enc("P5\n2 2\n255\n"), [1, 2, 3])), "INPUT_FORMAT"); // truncated raster
    expectCode(() => readPnm(cat(enc("P5\n1 1\n0\n"), [0])), "INPUT_FORMAT"); // maxval 0
    expectCode(() => readPnm(cat(enc("P5\n1 1\n65536\n"), [0, 0])), "INPUT_FORMAT");
    expectCode(() => readPnm(cat(enc("P5\n0 1\n255\n"), [0])), "INPUT_FORMAT");
    expectCode(() => readPnm(cat(enc("P5\n1 1\n100\n"), [101])), "INPUT_FORMAT"); // sample > maxval
    expectCode(() => readPnm(enc("P5\n1 1\n255")), "INPUT_FORMAT"); // no raster separator
    expectCode(() => readPnm(enc("P5\n1x 1\n255\n\0")), "INPUT_FORMAT");
    expectCode(() => readPnm(enc("P2\n2 1\n255\n1")), "INPUT_FORMAT"); // plain raster ends early
    expectCode(() => readPnm(enc("P5\n99999999999 1\n255\n")), "INPUT_FORMAT");
    expectCode(() => readPnm(enc("P5\n100000 100000\n255\n\0")), "INPUT_FORMAT"); // huge header, no data
  });

  it("refuses to write what PGM/PPM cannot hold", () => {
    const img = (components: number, bitDepth: number, data: ArrayLike<number>): J2kImage => ({
      width: 1, height: 1, components, bitDepth, signed: false, data: Int32Array.from(data),
    });
    expectCode(() => writePnm(img(2, 8, [1, 2])), "INVALID_ARGUMENT");
    expectCode(() => writePnm(img(4, 8, [1, 2, 3, 4])), "INVALID_ARGUMENT");
    expectCode(() => writePnm(img(1, 17, [1])), "INVALID_ARGUMENT");
    expectCode(() => writePnm(img(1, 8, [256])), "INVALID_ARGUMENT");
    expectCode(() => writePnm(img(1, 8, [-1])), "INVALID_ARGUMENT");
    expectCode(() => writePnm(img(3, 8, [1])), "INVALID_ARGUMENT"); // too few samples
    expectCode(() => writePnm({ ...img(1, 8, [1]), width: 0 }), "INVALID_ARGUMENT");
  });
});
