import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isJ2kError } from "../../src/errors.js";
import { readRaw, writeRaw } from "../../src/io/raw.js";

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

describe("raw planes", () => {
  it("reads planes into interleaved samples in either byte order", () => {
    // 2x1 pixels, 2 components, 12-bit signed: plane 0 = [-2, 5], plane 1 = [100, -2048]
    const be = Uint8Array.of(0xff, 0xfe, 0x00, 0x05, 0x00, 0x64, 0xf8, 0x00);
    const le = Uint8Array.of(0xfe, 0xff, 0x05, 0x00, 0x64, 0x00, 0x00, 0xf8);
    for (const [bytes, littleEndian] of [[be, false], [le, true]] as const) {
      const img = readRaw(bytes, { width: 2, height: 1, components: 2, bitDepth: 12, signed: true, littleEndian });
      expect(Array.from(img.data)).toEqual([-2, 100, 5, -2048]);
      expect([img.components, img.bitDepth, img.signed]).toEqual([2, 12, true]);
    }
    const u8 = readRaw(Uint8Array.of(1, 2, 3), { width: 3, height: 1, bitDepth: 8, signed: false });
    expect(Array.from(u8.data)).toEqual([1, 2, 3]);
  });

  it("round-trips planes of 1-32 bits", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 32 }),
        fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 3 }), fc.integer(),
        (width, height, bitDepth, signedWish, littleEndian, components, seed) => {
          const signed = signedWish || bitDepth === 32;
          const lo = signed ? -(2 ** (bitDepth - 1)) : 0;
          const span = 2 ** bitDepth;
          let s = seed >>> 0;
          const planes = Array.from({ length: components }, () =>
            Array.from({ length: width * height }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), lo + (s % span))),
          );
          const bytes = writeRaw(planes.map((data) => ({ width, height, bitDepth, signed, data })), littleEndian);
          const img = readRaw(bytes, { width, height, components, bitDepth, signed, littleEndian });
          for (let c = 0; c < components; c++) {
            for (let i = 0; i < width * height; i++) expect(img.data[i * components + c]).toBe(planes[c]![i]);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("rejects a size mismatch and out-of-range samples", () => {
    expectCode(() => readRaw(new Uint8Array(7), { width: 2, height: 2, bitDepth: 16, signed: false }), "INPUT_FORMAT");
    expectCode(() => readRaw(new Uint8Array(9), { width: 2, height: 2, bitDepth: 16, signed: false }), "INPUT_FORMAT");
    expectCode(() => readRaw(Uint8Array.of(0x10, 0x00), { width: 1, height: 1, bitDepth: 12, signed: false }), "INPUT_FORMAT");
    expectCode(() => readRaw(Uint8Array.of(0), { width: 1, height: 1, bitDepth: 0, signed: false }), "INVALID_ARGUMENT");
    expectCode(() => writeRaw([{ width: 1, height: 1, bitDepth: 8, signed: false, data: [256] }], true), "INVALID_ARGUMENT");
  });
});
