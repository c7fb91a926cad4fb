import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { J2kError } from "../../src/errors.js";
import { codestreamOf, readJp2 } from "../../src/jp2/read.js";
import { encodeResolution, writeJp2 } from "../../src/jp2/write.js";
import { ascii, be, cat, mkCodestream, testFile } from "./helpers.js";

type Comp = { depth: number; signed: boolean };

function opts(width: number, height: number, comps: Comp[]) {
  return { width, height, components: comps.length, bitDepths: comps.map((c) => c.depth), signed: comps.map((c) => c.signed) };
}

/** The ICC profile of a colr box at a known offset (see icc.test.ts). */
function iccAt(rel: string, colrOffset: number): Uint8Array {
  const b = testFile(rel);
  const lbox = (b[colrOffset]! << 24) | (b[colrOffset + 1]! << 16) | (b[colrOffset + 2]! << 8) | b[colrOffset + 3]!;
  return b.slice(colrOffset + 11, colrOffset + lbox);
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(J2kError);
    return (e as J2kError).code;
  }
  return undefined;
}

describe("writeJp2: byte layout (Annex I)", () => {
  it("3 components, 8-bit, sRGB", () => {
    const cs = mkCodestream(0x123, 0x45, [
      { depth: 8, signed: false },
      { depth: 8, signed: false },
      { depth: 8, signed: false },
    ]);
    const out = writeJp2(cs, { ...opts(0x123, 0x45, Array(3).fill({ depth: 8, signed: false })), colorSpace: "sRGB" });
    const expected = cat(
      // I.5.1 signature box
      Uint8Array.of(0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a),
      // I.5.2 ftyp: LBox 20, 'ftyp', BR 'jp2 ', MinV 0, CL 'jp2 '
      be(20, 4), ascii("ftyp"), ascii("jp2 "), be(0, 4), ascii("jp2 "),
      // I.5.3 jp2h: LBox 8 + 22 + 15 = 45
      be(45, 4), ascii("jp2h"),
      // I.5.3.1 ihdr: HEIGHT, WIDTH, NC, BPC = 7 (8-bit unsigned), C = 7, UnkC = 0, IPR = 0
      be(22, 4), ascii("ihdr"), be(0x45, 4), be(0x123, 4), be(3, 2), Uint8Array.of(7, 7, 0, 0),
      // I.5.3.3 colr: METH 1, PREC 0, APPROX 0, EnumCS 16
      be(15, 4), ascii("colr"), Uint8Array.of(1, 0, 0), be(16, 4),
      // I.5.4 jp2c
      be(8 + cs.length, 4), ascii("jp2c"), cs,
    );
    expect(out).toEqual(expected);
  });

  it("mixed depths and signs: BPC = 255 and a bpcc box", () => {
    const comps = [
      { depth: 12, signed: true },
      { depth: 5, signed: false },
      { depth: 1, signed: false },
    ];
    const out = writeJp2(mkCodestream(7, 9, comps), { ...opts(7, 9, comps), colorSpace: "sYCC" });
    // jp2h at 32: LBox 8 + 22 (ihdr) + 11 (bpcc) + 15 (colr) = 56.
    expect([...out.subarray(32, 40)]).toEqual([...be(56, 4), ...ascii("jp2h")]);
    expect(out[40 + 8 + 10]).toBe(255); // ihdr BPC
    // I.5.3.2 bpcc right after ihdr: one byte per component, bit 7 = signed, bits 0-6 = depth - 1.
    expect([...out.subarray(62, 73)]).toEqual([...be(11, 4), ...ascii("bpcc"), 0x8b, 0x04, 0x00]);
    expect([...out.subarray(73, 88)]).toEqual([...be(15, 4), ...ascii("colr"), 1, 0, 0, ...be(18, 4)]);
  });

  it("ICC profile: colr METH 2 with the profile bytes as they are", () => {
    const icc = iccAt("conformance/part4_jp2/file8.jp2", 66); // 414-byte GRAY profile
    const out = writeJp2(mkCodestream(2, 2, [{ depth: 8, signed: false }]), { ...opts(2, 2, [{ depth: 8, signed: false }]), icc });
    const colr = 40 + 22; // after ihdr
    expect([...out.subarray(colr, colr + 11)]).toEqual([...be(11 + 414, 4), ...ascii("colr"), 2, 0, 0]);
    expect(out.subarray(colr + 11, colr + 11 + 414)).toEqual(icc);
    expect([...out.subarray(32, 36)]).toEqual([...be(8 + 22 + 425, 4)]);
  });

  it("resolution: res superbox with resc then resd", () => {
    const out = writeJp2(mkCodestream(1, 1, [{ depth: 8, signed: false }]), {
      ...opts(1, 1, [{ depth: 8, signed: false }]),
      resolution: { capture: [2835, 3000], display: [72 / 0.0254, 100] },
    });
    const res = 40 + 22 + 15;
    // I.5.3.7: res LBox 8 + 18 + 18; resc VRcN VRcD HRcN HRcD VRcE HRcE.
    expect([...out.subarray(res, res + 8)]).toEqual([...be(44, 4), ...ascii("res ")]);
    expect([...out.subarray(res + 8, res + 26)]).toEqual([...be(18, 4), ...ascii("resc"), ...be(3000, 2), ...be(1, 2), ...be(2835, 2), ...be(1, 2), 0, 0]);
    // 72 dpi = 360000/127 pixels per metre = 36000/127 * 10^1.
    expect([...out.subarray(res + 26, res + 44)]).toEqual([...be(18, 4), ...ascii("resd"), ...be(100, 2), ...be(1, 2), ...be(36000, 2), ...be(127, 2), 0, 1]);
  });
});

describe("writeJp2 -> readJp2 round trip", () => {
  const cases: Array<{ name: string; comps: Comp[]; colorSpace?: "sRGB" | "greyscale" | "sYCC"; enumCS: number }> = [
    { name: "1 component", comps: [{ depth: 8, signed: false }], enumCS: 17 },
    { name: "2 components (grey + alpha)", comps: [{ depth: 16, signed: false }, { depth: 16, signed: false }], enumCS: 17 },
    { name: "3 components signed", comps: Array(3).fill({ depth: 9, signed: true }), enumCS: 16 },
    { name: "3 components sYCC", comps: Array(3).fill({ depth: 8, signed: false }), colorSpace: "sYCC", enumCS: 18 },
    { name: "4 components mixed (bpcc)", comps: [{ depth: 5, signed: false }, { depth: 5, signed: false }, { depth: 5, signed: false }, { depth: 1, signed: false }], enumCS: 16 },
    { name: "38-bit component", comps: [{ depth: 38, signed: true }], enumCS: 17 },
  ];
  it.each(cases)("$name", ({ comps, colorSpace, enumCS }) => {
    const cs = mkCodestream(31, 17, comps);
    const out = writeJp2(cs, { ...opts(31, 17, comps), ...(colorSpace ? { colorSpace } : {}) });
    const f = readJp2(out);
    expect(f.warnings).toEqual([]);
    expect(f).toMatchObject({ brand: "jp2 ", minorVersion: 0, compatibility: ["jp2 "], jp2Compatible: true, format: "jp2" });
    expect(f.header).toMatchObject({ width: 31, height: 17, nc: comps.length, c: 7, unkC: 0, ipr: 0 });
    expect(f.components).toEqual(comps.map((c) => ({ bitDepth: c.depth, signed: c.signed })));
    expect(f.colorSpace).toMatchObject({ meth: 1, enumCS });
    expect(codestreamOf(out, f)).toEqual(cs);
    expect(f.boxes.map((b) => b.type)).toEqual(["jP  ", "ftyp", "jp2h", "jp2c"]);
  });

  it("ICC profile and an enumerated fallback", () => {
    const icc = iccAt("edge_cases/openjpeg/relax.jp2", 62);
    const comps = Array(3).fill({ depth: 8, signed: false });
    const f = readJp2(writeJp2(mkCodestream(5, 5, comps), { ...opts(5, 5, comps), icc, colorSpace: "sRGB" }));
    expect(f.colorSpecifications.map((c) => c.meth)).toEqual([2, 1]);
    expect(f.colorSpace!.icc).toEqual(icc);
    expect(f.colorSpace!.iccProblems).toEqual([]);
    expect(f.colorSpecifications[1]!.enumCS).toBe(16);
  });

  it("real codestreams: p0_01 (128x128 u8) and p0_14 (49x49, 3 x u8)", () => {
    for (const [rel, w, h, n] of [
      ["conformance/part4_j2k/p0_01.j2k", 128, 128, 1],
      ["conformance/part4_j2k/p0_14.j2k", 49, 49, 3],
    ] as const) {
      const cs = testFile(rel);
      const comps = Array(n).fill({ depth: 8, signed: false });
      const out = writeJp2(cs, { ...opts(w, h, comps), resolution: { capture: [3937, 3937] } });
      const f = readJp2(out);
      expect(codestreamOf(out, f)).toEqual(cs);
      expect(f.resolution!.capture).toEqual({ horizontal: 3937, vertical: 3937 });
      expect(f.colorSpace!.name).toBe(n === 3 ? "sRGB" : "greyscale");
    }
  });

  it("resolutions survive N/D x 10^E encoding to within 1e-5", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e12, noNaN: true }), fc.double({ min: 1e-3, max: 1e12, noNaN: true }), (h, v) => {
        const out = writeJp2(mkCodestream(1, 1, [{ depth: 8, signed: false }]), {
          ...opts(1, 1, [{ depth: 8, signed: false }]),
          resolution: { display: [h, v] },
        });
        const r = readJp2(out).resolution!.display!;
        expect(Math.abs(r.horizontal - h) / h).toBeLessThan(1e-5);
        expect(Math.abs(r.vertical - v) / v).toBeLessThan(1e-5);
      }),
      { numRuns: 300 },
    );
    expect(encodeResolution(2835)).toEqual({ n: 2835, d: 1, e: 0 });
    expect(encodeResolution(0.5)).toEqual({ n: 1, d: 2, e: 0 });
  });
});

describe("writeJp2 refuses what it cannot write correctly", () => {
  const one = [{ depth: 8, signed: false }];
  const cs1 = mkCodestream(4, 4, one);
  it("options that disagree with SIZ or are out of range", () => {
    expect(codeOf(() => writeJp2(cs1, opts(5, 4, one)))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => writeJp2(cs1, opts(4, 4, [{ depth: 8, signed: true }])))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => writeJp2(cs1, opts(4, 4, [{ depth: 9, signed: false }])))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => writeJp2(cs1, opts(4, 4, [...one, ...one])))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => writeJp2(cs1, { ...opts(4, 4, one), bitDepths: [] }))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => writeJp2(cs1, { ...opts(4, 4, one), colorSpace: "sRGB" }))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => writeJp2(cs1, { ...opts(4, 4, one), colorSpace: "toString" as "sRGB" }))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => writeJp2(new Uint8Array(10), opts(4, 4, one)))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => writeJp2(cs1.subarray(0, 30), opts(4, 4, one)))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => writeJp2(cs1, { ...opts(4, 4, one), resolution: { capture: [0, 1] } }))).toBe("INVALID_ARGUMENT");
  });

  it("broken or non-matrix ICC profiles", () => {
    const broken = iccAt("icc/bitwiser-icc-corrupted-tagcount-1911.jp2", 62);
    const rgb = Array(3).fill({ depth: 8, signed: false });
    const cs3 = mkCodestream(4, 4, rgb);
    expect(() => writeJp2(cs3, { ...opts(4, 4, rgb), icc: broken })).toThrow(/tag count 268435467/);
    // An RGB profile on a 1-component image.
    expect(codeOf(() => writeJp2(cs1, { ...opts(4, 4, one), icc: iccAt("edge_cases/openjpeg/relax.jp2", 62) }))).toBe("INVALID_ARGUMENT");
    // A GRAY profile without kTRC is not a monochrome input profile: drop file8's kTRC (tag 4 of 4).
    const gray = iccAt("conformance/part4_jp2/file8.jp2", 66);
    gray.set(ascii("zzzz"), 132 + 12 * 3);
    expect(() => writeJp2(cs1, { ...opts(4, 4, one), icc: gray })).toThrow(/monochrome .* or three-component matrix/);
  });
});

describe("alpha channel (cdef)", () => {
  it("encode(format jp2, alpha) declares the last component as opacity for the whole image", async () => {
    const { encode } = await import("../../src/encode.js");
    const { readJp2 } = await import("../../src/jp2/read.js");
    const data = Uint8Array.from({ length: 16 * 8 * 4 }, (_, i) => (i * 11) & 255);
    const file = encode({ width: 16, height: 8, components: 4, bitDepth: 8, signed: false, data }, { format: "jp2", alpha: true });
    const jp2 = readJp2(file);
    expect(jp2.channels).toEqual([
      { channel: 0, type: 0, association: 1 },
      { channel: 1, type: 0, association: 2 },
      { channel: 2, type: 0, association: 3 },
      { channel: 3, type: 1, association: 0 },
    ]);
  });
});
