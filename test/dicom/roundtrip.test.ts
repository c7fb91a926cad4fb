/**
 * Native → JPEG 2000 Lossless (.90) → native is bit-exact: every uncompressed corpus file, plus
 * synthetic data sets (built with dcmjs) for what the corpus lacks — planar RGB, palette, signed
 * 8-bit, 24/32-bit containers, multi-frame, YBR_FULL_422 — and the attributes of the .90 data set.
 */
import { describe, expect, it } from "vitest";
import { readHeader } from "../../src/index.js";
import { inspectDicom, transcode } from "../../src/dicom/index.js";
import {
  bits,
  corpusFile,
  dcmjsRead,
  nativePixelBytes,
  randomInts,
  samples,
  syntheticPart10,
  tagValue,
  toLE,
  type SyntheticSpec,
} from "./helpers.js";

const J2K_LOSSLESS = "1.2.840.10008.1.2.4.90";

function roundTrip(input: Uint8Array, mct?: boolean) {
  const warnings: string[] = [];
  const onWarning = (w: string) => warnings.push(w);
  const j2k = transcode(input, { transferSyntax: "j2k-lossless", onWarning, ...(mct === undefined ? {} : { mct }) });
  const back = transcode(j2k, { transferSyntax: "explicit-le", onWarning });
  return { j2k, back, warnings };
}

describe("native -> .90 -> native, corpus files", () => {
  for (const name of [
    "MR_small.dcm", // 16-bit signed
    "emri_small.dcm", // 12 of 16 bits, 10 frames
    "MR2_UNCR.dcm", // 12 of 16 bits, 1024x1024
    "MR2_UNCI.dcm",
    "SC_rgb_gdcm2k_uncompressed.dcm", // 8-bit RGB, pixel-interleaved
  ]) {
    it(`${name} comes back bit-exact`, () => {
      const input = corpusFile(name);
      const { j2k, back } = roundTrip(input);
      const src = dcmjsRead(input);
      const enc = dcmjsRead(j2k);
      expect(tagValue(enc.meta, "00020010")).toBe(J2K_LOSSLESS);
      // Lossless: no lossy marking, same SOP Instance UID.
      expect(tagValue(enc.dict, "00080018")).toBe(tagValue(src.dict, "00080018"));
      expect(tagValue(enc.meta, "00020003")).toBe(tagValue(src.dict, "00080018"));
      const n =
        tagValue(src.dict, "00280010") * tagValue(src.dict, "00280011") * tagValue(src.dict, "00280002") * (Number(tagValue(src.dict, "00280008")) || 1);
      const ba = tagValue(src.dict, "00280100");
      expect(Array.from(nativePixelBytes(back).subarray(0, (n * ba) / 8))).toEqual(Array.from(nativePixelBytes(input).subarray(0, (n * ba) / 8)));
      for (const tag of ["00280101", "00280102", "00280103", "00280100"]) expect(tagValue(dcmjsRead(back).dict, tag)).toBe(tagValue(src.dict, tag));
    });
  }

  for (const name of ["liver.dcm", "liver_nonbyte_aligned.dcm"]) {
    it(`${name} (1-bit packed, 3 frames) comes back bit-exact and is coded with precision 1`, () => {
      const input = corpusFile(name);
      const { j2k, back } = roundTrip(input);
      const src = dcmjsRead(input).dict;
      const count = tagValue(src, "00280010") * tagValue(src, "00280011") * 3;
      expect(Array.from(bits(nativePixelBytes(back), count))).toEqual(Array.from(bits(nativePixelBytes(input), count)));
      const frames = inspectDicom(j2k).frames!;
      expect(frames).toHaveLength(3);
      const h = readHeader(frames[0]!);
      expect(h.bitDepth).toBe(1);
      expect(h.signed).toBe(false);
      expect(tagValue(dcmjsRead(j2k).dict, "00280100")).toBe(1);
    });
  }
});

describe("the .90 data set (PS3.5 §8.2.4, A.4.4)", () => {
  it("MR_small: SIZ precision/signedness = Bits Stored / Pixel Representation; pydicom's profile; one fragment per frame", () => {
    const j2k = transcode(corpusFile("MR_small.dcm"), { transferSyntax: J2K_LOSSLESS });
    const info = inspectDicom(j2k);
    expect(info.transferSyntaxUid).toBe(J2K_LOSSLESS);
    const h = readHeader(info.frames![0]!);
    expect(h.format).toBe("j2k"); // no JP2 header
    expect(h.bitDepth).toBe(16);
    expect(h.signed).toBe(true);
    expect(h.reversible).toBe(true);
    expect(h.progression).toBe("LRCP");
    expect([h.codeBlockWidth, h.codeBlockHeight]).toEqual([64, 64]);
    expect([h.tilesX, h.tilesY]).toEqual([1, 1]);
    expect(h.levels).toBeGreaterThanOrEqual(1);
    expect(h.levels).toBeLessThanOrEqual(6);
  });

  it("emri_small (10 frames): 10 fragments, filled Basic Offset Table, even-length items", () => {
    const j2k = transcode(corpusFile("emri_small.dcm"), { transferSyntax: "j2k-lossless" });
    // Walk the Pixel Data items in the raw file, independently of j2kit's parser.
    const tagAt = findLast(j2k, [0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    expect(tagAt).toBeGreaterThan(0);
    const v = new DataView(j2k.buffer, j2k.byteOffset, j2k.byteLength);
    let at = tagAt + 12;
    expect(v.getUint16(at, true)).toBe(0xfffe);
    expect(v.getUint16(at + 2, true)).toBe(0xe000);
    const botLength = v.getUint32(at + 4, true);
    expect(botLength).toBe(40);
    const bot = [...Array(10).keys()].map((i) => v.getUint32(at + 8 + 4 * i, true));
    at += 8 + botLength;
    const origin = at;
    const starts: number[] = [];
    for (;;) {
      const element = v.getUint16(at + 2, true);
      const len = v.getUint32(at + 4, true);
      if (element === 0xe0dd) break;
      expect(element).toBe(0xe000);
      expect(len % 2).toBe(0);
      expect(j2k[at + 8]).toBe(0xff);
      expect(j2k[at + 9]).toBe(0x4f); // each fragment starts a codestream: one fragment per frame
      starts.push(at - origin);
      at += 8 + len;
    }
    expect(starts).toEqual(bot);
  });

  it("RGB with the colour transform becomes YBR_RCT, Planar Configuration 0, and back to RGB on decode", () => {
    const { j2k, back } = roundTrip(corpusFile("SC_rgb_gdcm2k_uncompressed.dcm"));
    const enc = dcmjsRead(j2k).dict;
    expect(tagValue(enc, "00280004")).toBe("YBR_RCT");
    expect(tagValue(enc, "00280006")).toBe(0);
    expect(readHeader(inspectDicom(j2k).frames![0]!).mct).toBe(true);
    expect(tagValue(dcmjsRead(back).dict, "00280004")).toBe("RGB");
  });

  it("RGB with mct: false stays RGB, without a colour transform in the codestream", () => {
    const { j2k, back } = roundTrip(corpusFile("SC_rgb_gdcm2k_uncompressed.dcm"), false);
    expect(tagValue(dcmjsRead(j2k).dict, "00280004")).toBe("RGB");
    expect(readHeader(inspectDicom(j2k).frames![0]!).mct).toBe(false);
    expect(nativePixelBytes(back)).toEqual(nativePixelBytes(corpusFile("SC_rgb_gdcm2k_uncompressed.dcm")));
  });
});

function findLast(hay: Uint8Array, needle: number[]): number {
  outer: for (let i = hay.length - needle.length; i >= 0; i--) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** Synthetic cases: [title, spec, expected native samples after the round trip (interleaved), bits allocated, signed]. */
function synthetic(): Array<{ title: string; spec: SyntheticSpec; expected: number[] }> {
  const w = 37;
  const h = 23;
  const n = w * h;
  const cases: Array<{ title: string; spec: SyntheticSpec; expected: number[] }> = [];

  // RGB, planar configuration 1, 2 frames: expected = the same samples pixel-interleaved.
  {
    const frames = 2;
    const planes = randomInts(n * 3 * frames, 0, 255, 1);
    const interleaved: number[] = [];
    for (let f = 0; f < frames; f++)
      for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) interleaved.push(planes[f * n * 3 + c * n + p]!);
    cases.push({
      title: "RGB 8-bit, Planar Configuration 1, 2 frames",
      spec: { rows: h, columns: w, samplesPerPixel: 3, photometric: "RGB", bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, planarConfiguration: 1, frames, pixelData: toLE(planes, 8) },
      expected: interleaved,
    });
  }
  {
    const v = randomInts(n * 3, 0, 4095, 2);
    cases.push({
      title: "RGB 12 of 16 bits, pixel-interleaved",
      spec: { rows: h, columns: w, samplesPerPixel: 3, photometric: "RGB", bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 0, planarConfiguration: 0, pixelData: toLE(v, 16) },
      expected: v,
    });
  }
  {
    const v = randomInts(n, 0, 199, 3);
    const lut = toLE(randomInts(200, 0, 65535, 4), 16);
    cases.push({
      title: "PALETTE COLOR 8-bit indices",
      spec: {
        rows: h, columns: w, samplesPerPixel: 1, photometric: "PALETTE COLOR", bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, pixelData: toLE(v, 8),
        extra: {
          RedPaletteColorLookupTableDescriptor: [200, 0, 16],
          GreenPaletteColorLookupTableDescriptor: [200, 0, 16],
          BluePaletteColorLookupTableDescriptor: [200, 0, 16],
          RedPaletteColorLookupTableData: [lut.buffer],
          GreenPaletteColorLookupTableData: [lut.buffer],
          BluePaletteColorLookupTableData: [lut.buffer],
        },
      },
      expected: v,
    });
  }
  {
    const v = randomInts(n, 0, 1023, 5);
    cases.push({
      title: "PALETTE COLOR 10 of 16 bits",
      spec: { rows: h, columns: w, samplesPerPixel: 1, photometric: "PALETTE COLOR", bitsAllocated: 16, bitsStored: 10, pixelRepresentation: 0, pixelData: toLE(v, 16) },
      expected: v,
    });
  }
  {
    const v = randomInts(n * 3, -128, 127, 6);
    cases.push({
      title: "signed 8-bit MONOCHROME2, 3 frames",
      spec: { rows: h, columns: w, samplesPerPixel: 1, photometric: "MONOCHROME2", bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 1, frames: 3, pixelData: toLE(v, 8) },
      expected: v,
    });
  }
  {
    const v = randomInts(n, 0, 255, 7);
    cases.push({
      title: "unsigned 8-bit MONOCHROME1",
      spec: { rows: h, columns: w, samplesPerPixel: 1, photometric: "MONOCHROME1", bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, pixelData: toLE(v, 8) },
      expected: v,
    });
  }
  {
    const v = randomInts(n, -2048, 2047, 8);
    cases.push({
      title: "signed 12 of 16 bits (sign-extended)",
      spec: { rows: h, columns: w, samplesPerPixel: 1, photometric: "MONOCHROME2", bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1, pixelData: toLE(v, 16) },
      expected: v,
    });
  }
  {
    const v = randomInts(n, 0, (1 << 20) - 1, 9);
    cases.push({
      title: "unsigned 20 of 24 bits",
      spec: { rows: h, columns: w, samplesPerPixel: 1, photometric: "MONOCHROME2", bitsAllocated: 24, bitsStored: 20, pixelRepresentation: 0, pixelData: toLE(v, 24) },
      expected: v,
    });
  }
  {
    const v = randomInts(n, -(1 << 23), (1 << 23) - 1, 10);
    cases.push({
      title: "signed 24 of 32 bits",
      spec: { rows: h, columns: w, samplesPerPixel: 1, photometric: "MONOCHROME2", bitsAllocated: 32, bitsStored: 24, pixelRepresentation: 1, pixelData: toLE(v, 32) },
      expected: v,
    });
  }
  {
    // Bits above Bits Stored carry junk (an old overlay, say): masked before encoding (PS3.5 §8.1.1).
    const v = randomInts(n, 0, 1023, 11);
    const junk = v.map((x, i) => x | ((i % 7) << 12));
    cases.push({
      title: "10 of 16 bits with junk above High Bit: masked",
      spec: { rows: h, columns: w, samplesPerPixel: 1, photometric: "MONOCHROME2", bitsAllocated: 16, bitsStored: 10, pixelRepresentation: 0, pixelData: toLE(junk, 16) },
      expected: v,
    });
  }
  {
    // Signed 6 of 8 bits stored without sign extension: sign-extended from bit 5.
    const v = randomInts(n, -32, 31, 12);
    const raw = v.map((x) => x & 0x3f);
    cases.push({
      title: "signed 6 of 8 bits stored without sign extension: sign-extended",
      spec: { rows: h, columns: w, samplesPerPixel: 1, photometric: "MONOCHROME2", bitsAllocated: 8, bitsStored: 6, pixelRepresentation: 1, pixelData: toLE(raw, 8) },
      expected: v,
    });
  }
  return cases;
}

describe("native -> .90 -> native, synthetic data sets", () => {
  for (const { title, spec, expected } of synthetic()) {
    it(`${title} comes back as the original samples`, () => {
      const input = syntheticPart10(spec);
      const { j2k, back } = roundTrip(input);
      const enc = dcmjsRead(j2k).dict;
      if (spec.samplesPerPixel === 3) expect(tagValue(enc, "00280006")).toBe(0);
      const info = inspectDicom(j2k);
      expect(info.frames).toHaveLength(spec.frames ?? 1);
      const h = readHeader(info.frames![0]!);
      expect(h.bitDepth).toBe(spec.bitsStored);
      expect(h.signed).toBe(spec.pixelRepresentation === 1);
      const out = dcmjsRead(back).dict;
      expect(tagValue(out, "00280100")).toBe(spec.bitsAllocated);
      expect(tagValue(out, "00280101")).toBe(spec.bitsStored);
      expect(tagValue(out, "00280103")).toBe(spec.pixelRepresentation);
      if (spec.samplesPerPixel === 3) expect(tagValue(out, "00280006")).toBe(0);
      expect(samples(nativePixelBytes(back), spec.bitsAllocated, spec.pixelRepresentation === 1, expected.length)).toEqual(expected);
    });
  }

  it("the palette's lookup tables are carried over unchanged", () => {
    const spec = synthetic().find((c) => c.title.startsWith("PALETTE COLOR 8-bit"))!.spec;
    const { j2k } = roundTrip(syntheticPart10(spec));
    const enc = dcmjsRead(j2k).dict;
    expect(tagValue(enc, "00280004")).toBe("PALETTE COLOR");
    expect(enc["00281101"].Value).toEqual([200, 0, 16]);
    expect(new Uint8Array(enc["00281201"].Value[0])).toEqual(toLE(randomInts(200, 0, 65535, 4), 16));
  });

  it("YBR_FULL_422 is expanded to YBR_FULL (chroma replicated) and coded without colour transform", () => {
    const w = 8;
    const h = 3;
    // Y0 Y1 Cb Cr for every pixel pair (PS3.3 C.7.6.3.1.2).
    const stored = randomInts(w * h * 2, 0, 255, 13);
    const expected: number[] = [];
    for (let q = 0; q < (w * h) / 2; q++) {
      const [y0, y1, cb, cr] = stored.slice(4 * q, 4 * q + 4) as [number, number, number, number];
      expected.push(y0, cb, cr, y1, cb, cr);
    }
    const warnings: string[] = [];
    const input = syntheticPart10({ rows: h, columns: w, samplesPerPixel: 3, photometric: "YBR_FULL_422", bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, planarConfiguration: 0, pixelData: toLE(stored, 8) });
    const j2k = transcode(input, { transferSyntax: "j2k-lossless", onWarning: (m) => warnings.push(m) });
    expect(tagValue(dcmjsRead(j2k).dict, "00280004")).toBe("YBR_FULL");
    expect(readHeader(inspectDicom(j2k).frames![0]!).mct).toBe(false);
    expect(warnings.some((m) => m.includes("YBR_FULL_422"))).toBe(true);
    const back = transcode(j2k, { transferSyntax: "explicit-le" });
    expect(samples(nativePixelBytes(back), 8, false, expected.length)).toEqual(expected);
  });
});
