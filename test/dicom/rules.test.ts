/**
 * PS3.5 §8.2.4 / A.4.4 rules: violations give a J2kError naming the attribute (keyword and tag)
 * and the allowed values; the transfer syntax table; the encoding plan for each Photometric
 * Interpretation. None of this needs the codec.
 */
import { describe, expect, it } from "vitest";
import { J2kError } from "../../src/errors.js";
import {
  encodeFrames,
  planJpeg2000Decoding,
  planJpeg2000Encoding,
  readPixelModule,
  resolveTransferSyntax,
  transcode,
  transferSyntaxByUid,
  type PixelModule,
} from "../../src/dicom/index.js";
import { syntheticNatural, syntheticPart10, toLE } from "./helpers.js";

const MONO: PixelModule = {
  rows: 4,
  columns: 4,
  samplesPerPixel: 1,
  photometricInterpretation: "MONOCHROME2",
  bitsAllocated: 16,
  bitsStored: 12,
  highBit: 11,
  pixelRepresentation: 0,
  planarConfiguration: 0,
  numberOfFrames: 1,
};
const RGB: PixelModule = { ...MONO, samplesPerPixel: 3, photometricInterpretation: "RGB", bitsAllocated: 8, bitsStored: 8, highBit: 7 };
const LOSSLESS = resolveTransferSyntax("j2k-lossless");
const LOSSY = resolveTransferSyntax("j2k");

function caught(f: () => unknown): J2kError {
  try {
    f();
  } catch (e) {
    if (e instanceof J2kError) return e;
    throw e;
  }
  throw new Error("expected a J2kError");
}

describe("rule violations name the attribute and the allowed values", () => {
  it("YBR_ICT with JPEG 2000 Lossless Only (.90)", () => {
    const e = caught(() => planJpeg2000Encoding({ ...RGB, photometricInterpretation: "YBR_ICT" }, LOSSLESS));
    expect(e.code).toBe("DICOM_INVALID");
    expect(e.message).toContain("PhotometricInterpretation (0028,0004)");
    expect(e.message).toContain("YBR_ICT");
    expect(e.message).toContain("1.2.840.10008.1.2.4.90");
    expect(e.message).toMatch(/allowed .*MONOCHROME2.*YBR_RCT/);
  });

  it("YBR_RCT with JPEG 2000 (.91)", () => {
    const e = caught(() => planJpeg2000Encoding({ ...RGB, photometricInterpretation: "YBR_RCT" }, LOSSY));
    expect(e.message).toContain("PhotometricInterpretation (0028,0004)");
    expect(e.message).toMatch(/allowed .*YBR_ICT/);
  });

  it("PALETTE COLOR with lossy JPEG 2000", () => {
    const e = caught(() => planJpeg2000Encoding({ ...MONO, photometricInterpretation: "PALETTE COLOR", bitsAllocated: 8, bitsStored: 8, highBit: 7 }, LOSSY));
    expect(e.code).toBe("DICOM_INVALID");
    expect(e.message).toContain("PhotometricInterpretation (0028,0004) PALETTE COLOR");
    expect(e.message).toMatch(/allowed with 1 sample: MONOCHROME1, MONOCHROME2;/);
  });

  it("Bits Stored 30", () => {
    const e = caught(() => planJpeg2000Encoding({ ...MONO, bitsAllocated: 32, bitsStored: 30, highBit: 29 }, LOSSLESS));
    expect(e.code).toBe("DICOM_UNSUPPORTED");
    expect(e.message).toContain("BitsStored (0028,0101) is 30");
    expect(e.message).toContain("1-24");
  });

  it("Samples per Pixel 2", () => {
    const e = caught(() => readPixelModule({ ...MONO, samplesPerPixel: 2 }));
    expect(e.code).toBe("DICOM_INVALID");
    expect(e.message).toContain("SamplesPerPixel (0028,0002) is 2");
    expect(e.message).toMatch(/allowed: 1 .* or 3 /);
  });

  for (const [keyword, tag] of [
    ["Rows", "(0028,0010)"],
    ["Columns", "(0028,0011)"],
    ["SamplesPerPixel", "(0028,0002)"],
    ["PhotometricInterpretation", "(0028,0004)"],
    ["BitsAllocated", "(0028,0100)"],
    ["BitsStored", "(0028,0101)"],
    ["HighBit", "(0028,0102)"],
    ["PixelRepresentation", "(0028,0103)"],
  ] as const) {
    it(`missing ${keyword}`, () => {
      const ds = syntheticNatural({ rows: 4, columns: 4, samplesPerPixel: 1, photometric: "MONOCHROME2", bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, pixelData: new Uint8Array(16) });
      delete ds[keyword];
      const e = caught(() => transcode(ds, { transferSyntax: "j2k-lossless" }));
      expect(e.code).toBe("DICOM_INVALID");
      expect(e.message).toContain(`${keyword} ${tag} is missing`);
      expect(e.message).toContain("allowed");
    });
  }

  it("missing Planar Configuration for native RGB", () => {
    const ds = syntheticNatural({ rows: 2, columns: 2, samplesPerPixel: 3, photometric: "RGB", bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, pixelData: new Uint8Array(12) });
    delete ds.PlanarConfiguration;
    const e = caught(() => encodeFrames(new Uint8Array(12), ds, { transferSyntax: "j2k-lossless" }));
    expect(e.message).toContain("PlanarConfiguration (0028,0006) is missing");
  });

  it("Photometric Interpretation that does not fit Samples per Pixel", () => {
    const e = caught(() => readPixelModule({ ...MONO, photometricInterpretation: "RGB" }));
    expect(e.message).toContain("PhotometricInterpretation (0028,0004) RGB needs SamplesPerPixel (0028,0002) 3");
  });

  it("Pixel Representation 1 for RGB", () => {
    const e = caught(() => planJpeg2000Encoding({ ...RGB, pixelRepresentation: 1 }, LOSSLESS));
    expect(e.message).toContain("PixelRepresentation (0028,0103) is 1; allowed with RGB: 0");
  });

  it("Bits Allocated 12, Bits Stored above Bits Allocated, High Bit not Bits Stored - 1", () => {
    expect(caught(() => readPixelModule({ ...MONO, bitsAllocated: 12 })).message).toContain("BitsAllocated (0028,0100) is 12; allowed: 1, 8, 16, 24, 32, 40");
    expect(caught(() => readPixelModule({ ...MONO, bitsStored: 17 })).message).toContain("BitsStored (0028,0101) is 17; allowed with BitsAllocated (0028,0100) 16: 1-16");
    expect(caught(() => readPixelModule({ ...MONO, highBit: 15 })).message).toContain("HighBit (0028,0102) is 15; allowed: 11");
    // On encapsulated data a wrong High Bit is only reported.
    const warnings: string[] = [];
    expect(readPixelModule({ ...MONO, highBit: 15 }, { encapsulated: true, warnings }).bitsStored).toBe(12);
    expect(warnings[0]).toContain("HighBit (0028,0102)");
  });

  it("bit-packed (Bits Allocated 1) colour data", () => {
    expect(caught(() => readPixelModule({ ...RGB, bitsAllocated: 1, bitsStored: 1, highBit: 0 })).message).toContain("BitsAllocated (0028,0100) 1");
  });

  it("JPEG 2000 (.91) without ratios or psnr, .90 with them", () => {
    const ds = syntheticNatural({ rows: 4, columns: 4, samplesPerPixel: 1, photometric: "MONOCHROME2", bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, pixelData: new Uint8Array(16) });
    const lossy = caught(() => transcode(ds, { transferSyntax: "j2k" }));
    expect(lossy.code).toBe("INVALID_ARGUMENT");
    expect(lossy.message).toMatch(/ratios .* or psnr/);
    expect(caught(() => transcode(ds, { transferSyntax: "j2k-lossless", ratios: [10] })).code).toBe("INVALID_ARGUMENT");
    expect(caught(() => transcode(ds, { transferSyntax: "j2k", ratios: [0.5] })).message).toContain("0.5");
  });

  it("Pixel Data shorter than the attributes say", () => {
    const input = syntheticPart10({ rows: 4, columns: 4, samplesPerPixel: 1, photometric: "MONOCHROME2", bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 0, pixelData: toLE(new Array(10).fill(0), 16) });
    const e = caught(() => transcode(input, { transferSyntax: "j2k-lossless" }));
    expect(e.code).toBe("DICOM_INVALID");
    expect(e.message).toContain("PixelData (7FE0,0010) has 20 bytes");
    expect(e.message).toContain("needs 32");
  });

  it("not a Part 10 file", () => {
    expect(caught(() => transcode(new Uint8Array(200), { transferSyntax: "j2k-lossless" })).message).toContain("DICM");
  });
});

describe("transfer syntaxes", () => {
  it("names and UIDs resolve to the same rows", () => {
    expect(resolveTransferSyntax("j2k-lossless").uid).toBe("1.2.840.10008.1.2.4.90");
    expect(resolveTransferSyntax("j2k").uid).toBe("1.2.840.10008.1.2.4.91");
    expect(resolveTransferSyntax("explicit-le").uid).toBe("1.2.840.10008.1.2.1");
    expect(resolveTransferSyntax("implicit-le").uid).toBe("1.2.840.10008.1.2");
    expect(resolveTransferSyntax("deflated-le").uid).toBe("1.2.840.10008.1.2.1.99");
    expect(resolveTransferSyntax("1.2.840.10008.1.2.4.91").name).toBe("j2k");
    expect(resolveTransferSyntax("1.2.840.10008.1.2.4.90\0").name).toBe("j2k-lossless");
  });

  it("HTJ2K (.201/.202/.203) is supported; big endian and unknown syntaxes are not and list the supported ones", () => {
    for (const [uid, name] of [
      ["1.2.840.10008.1.2.4.201", "htj2k-lossless"],
      ["1.2.840.10008.1.2.4.202", "htj2k-rpcl"],
      ["1.2.840.10008.1.2.4.203", "htj2k"],
    ] as const) {
      expect(transferSyntaxByUid(uid)?.htj2k).toBe(true);
      expect(resolveTransferSyntax(uid).name).toBe(name);
      expect(resolveTransferSyntax(name).uid).toBe(uid);
    }
    const be = caught(() => resolveTransferSyntax("1.2.840.10008.1.2.2"));
    expect(be.code).toBe("DICOM_UNSUPPORTED");
    expect(be.message).toContain("htj2k-rpcl (1.2.840.10008.1.2.4.202)");
    const e = caught(() => resolveTransferSyntax("1.2.840.10008.1.2.4.50"));
    expect(e.code).toBe("DICOM_UNSUPPORTED");
    expect(e.message).toContain("j2k-lossless (1.2.840.10008.1.2.4.90)");
  });
});

describe("encoding and decoding plans (PS3.5 §8.2.4)", () => {
  it("RGB: YBR_RCT for .90, YBR_ICT for .91, RGB without transform on request", () => {
    expect(planJpeg2000Encoding(RGB, LOSSLESS)).toMatchObject({ mct: true, photometricInterpretation: "YBR_RCT", lossless: true });
    expect(planJpeg2000Encoding(RGB, LOSSY)).toMatchObject({ mct: true, photometricInterpretation: "YBR_ICT", lossless: false });
    expect(planJpeg2000Encoding(RGB, LOSSY, { mct: false })).toMatchObject({ mct: false, photometricInterpretation: "RGB" });
  });

  it("YBR_RCT / YBR_ICT as input mean RGB data to transform (pydicom's convention); YBR_FULL is coded as is", () => {
    expect(planJpeg2000Encoding({ ...RGB, photometricInterpretation: "YBR_RCT" }, LOSSLESS)).toMatchObject({ mct: true, photometricInterpretation: "YBR_RCT" });
    expect(planJpeg2000Encoding({ ...RGB, photometricInterpretation: "YBR_ICT" }, LOSSY)).toMatchObject({ mct: true, photometricInterpretation: "YBR_ICT" });
    expect(planJpeg2000Encoding({ ...RGB, photometricInterpretation: "YBR_FULL" }, LOSSY)).toMatchObject({ mct: false, photometricInterpretation: "YBR_FULL" });
    expect(planJpeg2000Encoding({ ...RGB, photometricInterpretation: "YBR_FULL_422" }, LOSSLESS)).toMatchObject({ mct: false, photometricInterpretation: "YBR_FULL", expand422: true });
  });

  it("monochrome keeps its interpretation; precision and signedness come from Bits Stored and Pixel Representation", () => {
    expect(planJpeg2000Encoding({ ...MONO, pixelRepresentation: 1 }, LOSSY)).toMatchObject({ mct: false, photometricInterpretation: "MONOCHROME2", precision: 12, signed: true });
    expect(planJpeg2000Encoding({ ...MONO, photometricInterpretation: "MONOCHROME1" }, LOSSLESS).photometricInterpretation).toBe("MONOCHROME1");
  });

  it("decoded YBR_RCT / YBR_ICT become RGB; a label the codestream contradicts is reported", () => {
    const w: string[] = [];
    expect(planJpeg2000Decoding("YBR_RCT", true, w)).toBe("RGB");
    expect(planJpeg2000Decoding("YBR_ICT", true, w)).toBe("RGB");
    expect(w).toEqual([]);
    expect(planJpeg2000Decoding("YBR_RCT", false, w)).toBe("RGB");
    expect(w[0]).toContain("no component transform");
    expect(caught(() => planJpeg2000Decoding("YBR_PARTIAL_420", false, [])).code).toBe("DICOM_UNSUPPORTED");
  });
});
