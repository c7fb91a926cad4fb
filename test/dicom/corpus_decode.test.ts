/**
 * Every DICOM file of ../shared/testdata/dicom: JPEG 2000 ones decode; with an uncompressed twin the
 * pixels match (exact for lossless, within 1 for MR2_J2KI vs MR2_UNCI, as pydicom); files without a
 * twin are checked against pydicom's spot values or an independent decoder (dcmjs-codecs, OpenJPEG);
 * known-broken files give the documented warning or J2kError.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isJ2kError } from "../../src/errors.js";
import { inspectDicom, transcode } from "../../src/dicom/index.js";
import {
  CORPUS,
  bits,
  corpusFile,
  dcmjsCodecsDecodeFrame,
  dcmjsRead,
  jp2Codestream,
  maxAbsDiff,
  nativePixelBytes,
  samples,
  tagValue,
} from "./helpers.js";

/** Decode a corpus file to Explicit VR Little Endian with j2kit, collecting warnings. */
function decodeToNative(name: string, signFrom?: "codestream" | "dataset") {
  const warnings: string[] = [];
  const out = transcode(corpusFile(name), {
    transferSyntax: "explicit-le",
    onWarning: (w) => warnings.push(w),
    ...(signFrom ? { signFrom } : {}),
  });
  const { dict, meta } = dcmjsRead(out);
  return { out, dict, meta, warnings, pixels: nativePixelBytes(out) };
}

const TWINS: Array<{ j2k: string; native: string; tolerance: number }> = [
  { j2k: "MR_small_jp2klossless.dcm", native: "MR_small.dcm", tolerance: 0 },
  { j2k: "MR2_J2KR.dcm", native: "MR2_UNCR.dcm", tolerance: 0 },
  { j2k: "emri_small_jpeg_2k_lossless.dcm", native: "emri_small.dcm", tolerance: 0 },
  { j2k: "SC_rgb_gdcm_KY.dcm", native: "SC_rgb_gdcm2k_uncompressed.dcm", tolerance: 0 },
  { j2k: "MR2_J2KI.dcm", native: "MR2_UNCI.dcm", tolerance: 1 },
];

describe("corpus: JPEG 2000 files with an uncompressed twin", () => {
  for (const { j2k, native, tolerance } of TWINS) {
    it(`${j2k} matches ${native}${tolerance ? ` within ${tolerance}` : " exactly"}`, () => {
      const ref = dcmjsRead(corpusFile(native)).dict;
      const ba = tagValue(ref, "00280100");
      const signed = tagValue(ref, "00280103") === 1;
      const expected = nativePixelBytes(corpusFile(native));
      const { dict, pixels } = decodeToNative(j2k);
      expect(tagValue(dict, "00280010")).toBe(tagValue(ref, "00280010"));
      expect(tagValue(dict, "00280011")).toBe(tagValue(ref, "00280011"));
      expect(tagValue(dict, "00280004")).toBe(tagValue(ref, "00280004"));
      const n = (tagValue(ref, "00280010") * tagValue(ref, "00280011") * tagValue(ref, "00280002") * (Number(tagValue(ref, "00280008")) || 1));
      const got = samples(pixels, ba, signed, n);
      const want = samples(expected, ba, signed, n);
      if (tolerance === 0) expect(got).toEqual(want);
      else expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(tolerance);
    });
  }

  for (const [j2k, native] of [
    ["liver_j2k.dcm", "liver.dcm"],
    ["liver_nonbyte_aligned_j2k.dcm", "liver_nonbyte_aligned.dcm"],
  ] as const) {
    it(`${j2k} (1-bit, 3 frames) matches ${native} bit for bit`, () => {
      const ref = dcmjsRead(corpusFile(native)).dict;
      const count = tagValue(ref, "00280010") * tagValue(ref, "00280011") * Number(tagValue(ref, "00280008"));
      const { dict, pixels } = decodeToNative(j2k);
      expect(tagValue(dict, "00280100")).toBe(1);
      expect(tagValue(dict, "00280101")).toBe(1);
      expect(Array.from(bits(pixels, count))).toEqual(Array.from(bits(nativePixelBytes(corpusFile(native)), count)));
    });
  }
});

describe("corpus: reconciling the codestream with the data set", () => {
  it("emri_small_jpeg_2k_lossless: codestream precision 16 vs Bits Stored 12 is reported and the codestream wins", () => {
    const { dict, warnings } = decodeToNative("emri_small_jpeg_2k_lossless.dcm");
    expect(warnings.some((w) => w.includes("BitsStored (0028,0101)") && w.includes("12") && w.includes("16"))).toBe(true);
    expect(tagValue(dict, "00280101")).toBe(16);
    expect(tagValue(dict, "00280102")).toBe(15);
  });

  it('J2K_pixelrep_mismatch with signFrom "codestream": the unsigned codestream wins (Pixel Representation 0, warning)', () => {
    const { dict, warnings, pixels } = decodeToNative("J2K_pixelrep_mismatch.dcm", "codestream");
    expect(warnings.some((w) => w.includes("PixelRepresentation (0028,0103)") && w.includes("unsigned"))).toBe(true);
    expect(tagValue(dict, "00280103")).toBe(0);
    expect(tagValue(dict, "00280101")).toBe(13);
    // pydicom's -2000 at (0,0), read as the unsigned 13-bit sample the codestream holds: 8192 - 2000.
    expect(samples(pixels, 16, false, 1)[0]).toBe(8192 - 2000);
  });

  it("J2K_pixelrep_mismatch by default (the data set wins) gives pydicom's signed values", () => {
    const { dict, warnings, pixels } = decodeToNative("J2K_pixelrep_mismatch.dcm");
    expect(tagValue(dict, "00280103")).toBe(1);
    expect(warnings.some((w) => w.includes("reinterpreted") && w.includes("as GDCM does"))).toBe(true);
    const v = samples(pixels, 16, true, 512 * 512);
    const at = (r: number, c: number) => v[r * 512 + c];
    expect(at(0, 0)).toBe(-2000);
    expect([...Array(10).keys()].map((k) => at(47 + k, 279))).toEqual([621, 412, 138, -193, -520, -767, -907, -966, -988, -995]);
    expect([...Array(10).keys()].map((k) => at(328 + k, 106))).toEqual([-377, -121, 141, 383, 633, 910, 1198, 1455, 1638, 1732]);
  });

  for (const [name, codestreamSigned] of [
    ["TOSHIBA_J2K_SIZ0_PixRep1.dcm", false],
    ["TOSHIBA_J2K_SIZ1_PixRep0.dcm", true],
  ] as const) {
    it(`${name} with signFrom "codestream": Pixel Representation follows the codestream (${codestreamSigned ? "signed" : "unsigned"}), with a warning`, async () => {
      const { dict, warnings, pixels } = decodeToNative(name, "codestream");
      expect(tagValue(dict, "00280103")).toBe(codestreamSigned ? 1 : 0);
      expect(warnings.some((w) => w.includes("PixelRepresentation (0028,0103)"))).toBe(true);
      const frame = inspectDicom(corpusFile(name)).frames![0]!;
      const ref = await dcmjsCodecsDecodeFrame(frame, { rows: 512, columns: 512, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: codestreamSigned ? 1 : 0 });
      expect(Array.from(pixels.subarray(0, 512 * 512 * 2))).toEqual(Array.from(ref.subarray(0, 512 * 512 * 2)));
    });
  }

  it("OsirixFake16BitsStoredFakeSpacing: 11-bit codestream vs Bits Stored 16 is reported; pixels as OpenJPEG decodes them", async () => {
    const { dict, warnings, pixels } = decodeToNative("OsirixFake16BitsStoredFakeSpacing.dcm");
    expect(warnings.some((w) => w.includes("BitsStored (0028,0101)") && w.includes("11"))).toBe(true);
    expect(tagValue(dict, "00280101")).toBe(11);
    const frame = inspectDicom(corpusFile("OsirixFake16BitsStoredFakeSpacing.dcm")).frames![0]!;
    const ref = await dcmjsCodecsDecodeFrame(frame, { rows: 224, columns: 176, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 11, pixelRepresentation: 0 });
    expect(samples(pixels, 16, false, 224 * 176)).toEqual(samples(ref, 16, false, 224 * 176));
  });
});

describe("corpus: files without a twin", () => {
  it("GDCMJ2K_TextGBR (JP2 inside Pixel Data, YBR_RCT): RGB output with pydicom's spot values and a JP2 warning", () => {
    const { dict, warnings, pixels } = decodeToNative("GDCMJ2K_TextGBR.dcm");
    expect(tagValue(dict, "00280004")).toBe("RGB");
    expect(tagValue(dict, "00280006")).toBe(0);
    expect(warnings.some((w) => w.includes("JP2"))).toBe(true);
    const px = (r: number, c: number) => Array.from(pixels.subarray((r * 400 + c) * 3, (r * 400 + c) * 3 + 3));
    expect(px(45, 140)).toEqual([223, 32, 32]);
    expect(px(46, 140)).toEqual([255, 0, 0]);
    expect(px(350, 195)).toEqual([128, 128, 128]);
  });

  for (const [name, rows, cols] of [
    ["ELSCINT1_JP2vsJ2K.dcm", 512, 512],
    ["MAROTECH_CT_JP2Lossy.dcm", 716, 512],
  ] as const) {
    it(`${name} (JP2 wrapper, 9/7): decodes with a JP2 warning, within 1 of OpenJPEG on the inner codestream`, async () => {
      const { warnings, pixels } = decodeToNative(name);
      expect(warnings.some((w) => w.includes("JP2"))).toBe(true);
      const frame = inspectDicom(corpusFile(name)).frames![0]!;
      const ref = await dcmjsCodecsDecodeFrame(jp2Codestream(frame), { rows, columns: cols, samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 0 });
      expect(maxAbsDiff(samples(pixels, 16, false, rows * cols), samples(ref, 16, false, rows * cols))).toBeLessThanOrEqual(1);
    });
  }

  for (const [name, tolerance] of [
    ["RG3_J2KR.dcm", 0],
    ["RG3_J2KI.dcm", 1],
    ["TOSHIBA_J2K_OpenJPEGv2Regression.dcm", 0],
  ] as const) {
    it(`${name} decodes ${tolerance ? "within 1 of" : "exactly as"} OpenJPEG`, async () => {
      const info = inspectDicom(corpusFile(name));
      const pm = info.pixelModule;
      const { pixels, dict } = decodeToNative(name);
      const signed = tagValue(dict, "00280103") === 1;
      const ref = await dcmjsCodecsDecodeFrame(info.frames![0]!, { ...pm, pixelRepresentation: signed ? 1 : 0, bitsStored: tagValue(dict, "00280101") });
      const n = pm.rows * pm.columns;
      expect(maxAbsDiff(samples(pixels, 16, signed, n), samples(ref, 16, signed, n))).toBeLessThanOrEqual(tolerance);
    });
  }

  it("RG3_J2KI (lossy) stays close to RG3_J2KR (lossless): peak error <= 10", () => {
    const a = samples(decodeToNative("RG3_J2KI.dcm").pixels, 16, false, 1760 * 1760);
    const b = samples(decodeToNative("RG3_J2KR.dcm").pixels, 16, false, 1760 * 1760);
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(10);
  });
});

describe("corpus: known-broken and unsupported files", () => {
  it("emri_small_jpeg_2k_lossless_too_short (no Sequence Delimitation Item): all 10 frames decode, with a truncation warning", () => {
    const { warnings, pixels } = decodeToNative("emri_small_jpeg_2k_lossless_too_short.dcm");
    expect(warnings.some((w) => w.includes("Sequence Delimitation Item") && w.includes("truncated"))).toBe(true);
    const expected = nativePixelBytes(corpusFile("emri_small.dcm"));
    expect(samples(pixels, 16, false, 64 * 64 * 10)).toEqual(samples(expected, 16, false, 64 * 64 * 10));
  });

  it("JPEG2000-embedded-sequence-delimiter (damaged SIZ): J2kError naming frame 1", () => {
    let err: unknown;
    try {
      decodeToNative("JPEG2000-embedded-sequence-delimiter.dcm");
    } catch (e) {
      err = e;
    }
    expect(isJ2kError(err)).toBe(true);
    expect((err as Error).message).toMatch(/frame 1/);
    expect((err as { code: string }).code).not.toBe("INTERNAL");
  });

  it("HTJ2KLossless_08_RGB (HTJ2K, .201): decoded to RGB, the RGB label of its RCT stream reported (values: ht_read.test.ts)", () => {
    const r = decodeToNative("HTJ2KLossless_08_RGB.dcm");
    expect(tagValue(r.dict, "00280004")).toBe("RGB");
    expect(r.pixels.length).toBe(640 * 480 * 3);
    expect(r.warnings.join("\n")).toMatch(/RGB but the codestream uses a colour transform, so it should be YBR_RCT/);
  });

  it("every file of the corpus is covered by a test above", () => {
    const covered = new Set([
      ...TWINS.flatMap((t) => [t.j2k, t.native]),
      "liver.dcm",
      "liver_j2k.dcm",
      "liver_nonbyte_aligned.dcm",
      "liver_nonbyte_aligned_j2k.dcm",
      "J2K_pixelrep_mismatch.dcm",
      "TOSHIBA_J2K_SIZ0_PixRep1.dcm",
      "TOSHIBA_J2K_SIZ1_PixRep0.dcm",
      "TOSHIBA_J2K_OpenJPEGv2Regression.dcm",
      "OsirixFake16BitsStoredFakeSpacing.dcm",
      "GDCMJ2K_TextGBR.dcm",
      "ELSCINT1_JP2vsJ2K.dcm",
      "MAROTECH_CT_JP2Lossy.dcm",
      "RG3_J2KR.dcm",
      "RG3_J2KI.dcm",
      "emri_small_jpeg_2k_lossless_too_short.dcm",
      "JPEG2000-embedded-sequence-delimiter.dcm",
      "HTJ2KLossless_08_RGB.dcm",
    ]);
    const files = readdirSync(CORPUS).filter((f) => f.endsWith(".dcm"));
    expect(files.filter((f) => !covered.has(f))).toEqual([]);
  });
});
