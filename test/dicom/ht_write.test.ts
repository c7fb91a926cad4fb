/**
 * Writing the HTJ2K transfer syntaxes (PS3.5 §8.2.14, A.4.11, §10.18): .201 / .202 / .203 from native
 * corpus files and synthetic data sets. Frames are taken out of the written file with dcmjs and
 * decoded by OpenJPEG (opj_decompress) and OpenJPH (ojph_expand); the reference is the native input
 * as dcmjs reads it. .202 codestreams are checked with src/codestream's index for RPCL, TLM, PLT and
 * the lowest-resolution rule.
 */
import { describe, expect, it } from "vitest";
import { isJ2kError } from "../../src/errors.js";
import { decodeFrames, encodeFrames, transcode } from "../../src/dicom/index.js";
import { has } from "../helpers/tools.js";
import {
  corpusFile,
  dcmjsRead,
  maxAbsDiff,
  nativePixelBytes,
  psnr,
  samples,
  smoothInts,
  syntheticPart10,
  tagValue,
  toLE,
} from "./helpers.js";
import { codestreamFacts, dcmjsFrames, ojphInterleaved, opjInterleaved, transferSyntaxOf } from "./ht_helpers.js";

const UID = { ".201": "1.2.840.10008.1.2.4.201", ".202": "1.2.840.10008.1.2.4.202", ".203": "1.2.840.10008.1.2.4.203" } as const;

interface Source {
  title: string;
  input: () => Uint8Array;
  rows: number;
  columns: number;
  spp: 1 | 3;
  frames: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
}

const SOURCES: Source[] = [
  { title: "MR_small (16-bit signed)", input: () => corpusFile("MR_small.dcm"), rows: 64, columns: 64, spp: 1, frames: 1, bitsAllocated: 16, bitsStored: 16, signed: true },
  { title: "emri_small (12-bit, 10 frames)", input: () => corpusFile("emri_small.dcm"), rows: 64, columns: 64, spp: 1, frames: 10, bitsAllocated: 16, bitsStored: 12, signed: false },
  { title: "SC_rgb (8-bit RGB)", input: () => corpusFile("SC_rgb_gdcm2k_uncompressed.dcm"), rows: 100, columns: 100, spp: 3, frames: 1, bitsAllocated: 8, bitsStored: 8, signed: false },
  { title: "MR2_UNCR (1024 x 1024, 12-bit)", input: () => corpusFile("MR2_UNCR.dcm"), rows: 1024, columns: 1024, spp: 1, frames: 1, bitsAllocated: 16, bitsStored: 12, signed: false },
];

function nativeSamples(part10: Uint8Array, s: Source): number[] {
  return samples(nativePixelBytes(part10), s.bitsAllocated, s.signed, s.rows * s.columns * s.spp * s.frames);
}

function frameSamples(all: number[], s: Source, f: number): number[] {
  const n = s.rows * s.columns * s.spp;
  return all.slice(f * n, (f + 1) * n);
}

function caught(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isJ2kError(e)) return e;
    throw e;
  }
  throw new Error("expected a J2kError");
}

const OPJ = has("opj_decompress");
const OJPH = has("ojph_expand");

describe("HTJ2K lossless (.201, .202, and .203 without quality targets): bit-exact, HT code-blocks", () => {
  for (const s of SOURCES) {
    for (const ts of ["htj2k-lossless", "htj2k-rpcl", "htj2k"] as const) {
      it.skipIf(!OPJ || !OJPH)(`${s.title} → ${ts}: j2kit, opj_decompress${s.signed ? "" : " and ojph_expand"} give the input back (needs opj_decompress, ojph_expand)`, async () => {
        const input = s.input();
        const want = nativeSamples(input, s);
        const warnings: string[] = [];
        const out = transcode(input, { transferSyntax: ts, onWarning: (w) => warnings.push(w) });
        const uid = ts === "htj2k-lossless" ? UID[".201"] : ts === "htj2k-rpcl" ? UID[".202"] : UID[".203"];
        expect(transferSyntaxOf(out)).toBe(uid);
        expect(warnings).toEqual([]);
        const { dict } = dcmjsRead(out);
        const inDict = dcmjsRead(input).dict;
        // PS3.5 §8.2.14 as §8.2.4: the reversible colour transform makes the data YBR_RCT.
        expect(tagValue(dict, "00280004")).toBe(s.spp === 3 ? "YBR_RCT" : "MONOCHROME2");
        // reversible coding adds no lossy compression history
        expect(dict["00282110"]?.Value).toEqual(inDict["00282110"]?.Value);
        expect(dict["00282114"]?.Value).toEqual(inDict["00282114"]?.Value);
        expect(tagValue(dict, "00080018")).toBe(tagValue(inDict, "00080018"));

        const frames = dcmjsFrames(out);
        expect(frames).toHaveLength(s.frames);
        for (let f = 0; f < s.frames; f++) {
          const facts = await codestreamFacts(frames[f]!);
          expect(facts.ht).toBe(true);
          expect(facts.reversible).toBe(true);
          expect(facts.mct).toBe(s.spp === 3 ? 1 : 0);
          expect(facts.progression).toBe(ts === "htj2k-rpcl" ? 2 : 0);
          const ref = frameSamples(want, s, f);
          expect(maxAbsDiff(opjInterleaved(frames[f]!), ref)).toBe(0);
          if (!s.signed) expect(maxAbsDiff(ojphInterleaved(frames[f]!, s.columns, s.rows, s.spp), ref)).toBe(0);
        }
        // and j2kit's own DICOM decode
        const back = transcode(out, { transferSyntax: "explicit-le" });
        expect(maxAbsDiff(nativeSamples(back, s), want)).toBe(0);
        expect(tagValue(dcmjsRead(back).dict, "00280004")).toBe(s.spp === 3 ? "RGB" : "MONOCHROME2");
      });
    }
  }
});

describe("HTJ2K with RPCL Options (.202): PS3.5 §10.18", () => {
  const cases = [
    { title: "64 x 64", rows: 64, columns: 64 },
    { title: "1024 x 1024 (MR2)", rows: 1024, columns: 1024, file: "MR2_UNCR.dcm" },
    // needs 8 levels (8200 / 2^8 = 33), more than the 6 of the DICOM profile
    { title: "300 x 8200 (8 levels needed)", rows: 300, columns: 8200 },
    { title: "4100 x 130 (7 levels needed)", rows: 4100, columns: 130 },
  ];
  for (const c of cases) {
    it(`${c.title}: RPCL, lowest resolution at most 64 x 64, TLM locating one tile-part per resolution, PLT for the packets`, async () => {
      const input =
        c.file !== undefined
          ? corpusFile(c.file)
          : syntheticPart10({
              rows: c.rows,
              columns: c.columns,
              samplesPerPixel: 1,
              photometric: "MONOCHROME2",
              bitsAllocated: 8,
              bitsStored: 8,
              pixelRepresentation: 0,
              pixelData: toLE(smoothInts(c.columns, c.rows, 1, 255), 8),
            });
      const out = transcode(input, { transferSyntax: "1.2.840.10008.1.2.4.202" });
      const [cs] = dcmjsFrames(out);
      const f = await codestreamFacts(cs!);
      expect([f.width, f.height]).toEqual([c.columns, c.rows]);
      expect(f.progression).toBe(2); // RPCL (Table A.16)
      expect(f.ht).toBe(true);
      expect(f.reversible).toBe(true);
      expect(f.lowest.width).toBeLessThanOrEqual(64);
      expect(f.lowest.height).toBeLessThanOrEqual(64);
      expect(f.levels).toBeGreaterThanOrEqual(Math.min(6, Math.floor(Math.log2(Math.min(c.rows, c.columns)))));
      expect(f.tlmSegments).toBeGreaterThan(0);
      expect(f.tilePartsFromTlm).toBe(true);
      expect(f.tileParts).toBe(f.levels + 1);
      expect(f.packetLengths).toBe("PLT");
      expect(f.indexWarnings).toEqual([]);
      const back = transcode(out, { transferSyntax: "explicit-le" });
      expect(Buffer.from(nativePixelBytes(back)).equals(Buffer.from(nativePixelBytes(input)))).toBe(true);
    });
  }

  it("a frame too narrow for the levels the rule needs is refused with DICOM_UNSUPPORTED, naming .201 instead", () => {
    const input = syntheticPart10({
      rows: 40,
      columns: 5000,
      samplesPerPixel: 1,
      photometric: "MONOCHROME2",
      bitsAllocated: 8,
      bitsStored: 8,
      pixelRepresentation: 0,
      pixelData: new Uint8Array(40 * 5000),
    });
    const e = caught(() => transcode(input, { transferSyntax: "htj2k-rpcl" }));
    expect(e.code).toBe("DICOM_UNSUPPORTED");
    expect(e.message).toMatch(/needs 7 decomposition levels .* 5000 x 40 .*1\.2\.840\.10008\.1\.2\.4\.201/);
    // .201 has no such rule
    expect(transferSyntaxOf(transcode(input, { transferSyntax: "htj2k-lossless" }))).toBe(UID[".201"]);
  });
});

describe("HTJ2K (.203) lossy", () => {
  const MR2: Source = SOURCES[3]!;

  it.skipIf(!OPJ || !OJPH)("ratio 10: irreversible HT, within the byte budget, lossy attributes with ISO_15444_15, decoded alike by j2kit, OpenJPEG and OpenJPH (needs opj_decompress, ojph_expand)", () => {
    const input = MR2.input();
    const orig = nativeSamples(input, MR2);
    const inDict = dcmjsRead(input).dict;
    const out = transcode(input, { transferSyntax: "htj2k", ratios: [10] });
    expect(transferSyntaxOf(out)).toBe(UID[".203"]);
    const { dict, meta } = dcmjsRead(out);
    expect(tagValue(dict, "00282110")).toBe("01");
    expect(dict["00282114"].Value.at(-1)).toBe("ISO_15444_15");
    const recorded = Number(dict["00282112"].Value.at(-1));
    const [cs] = dcmjsFrames(out);
    // ratio over native bytes (Bits Allocated 16) as recorded; the codec's budget is over Bits Stored (12)
    expect(recorded).toBeCloseTo((1024 * 1024 * 2) / cs!.length, 1);
    expect(cs!.length).toBeLessThanOrEqual((1024 * 1024 * 12) / 8 / 10);
    expect(cs!.length).toBeGreaterThanOrEqual(0.9 * ((1024 * 1024 * 12) / 8 / 10));
    expect(tagValue(dict, "00080008")).toBe("DERIVED");
    expect(tagValue(dict, "00080018")).not.toBe(tagValue(inDict, "00080018"));
    expect(tagValue(meta, "00020003")).toBe(tagValue(dict, "00080018"));

    const ours = nativeSamples(transcode(out, { transferSyntax: "explicit-le" }), MR2);
    expect(psnr(ours, orig, 12)).toBeGreaterThan(40);
    expect(maxAbsDiff(opjInterleaved(cs!), ours)).toBeLessThanOrEqual(1);
    expect(maxAbsDiff(ojphInterleaved(cs!, 1024, 1024, 1), ours)).toBeLessThanOrEqual(1);
  });

  it("psnr target: met on the decoded frame", () => {
    const input = MR2.input();
    const out = transcode(input, { transferSyntax: UID[".203"], psnr: [50] });
    const ours = nativeSamples(transcode(out, { transferSyntax: "explicit-le" }), MR2);
    expect(psnr(ours, nativeSamples(input, MR2), 12)).toBeGreaterThanOrEqual(49.5);
    expect(dcmjsRead(out).dict["00282114"].Value.at(-1)).toBe("ISO_15444_15");
  });

  it("RGB: YBR_ICT with the colour transform, RGB without; qstep is the cheap mode", async () => {
    const s = SOURCES[2]!;
    const input = s.input();
    const orig = nativeSamples(input, s);
    const ict = transcode(input, { transferSyntax: "htj2k", qstep: 1 / 256 });
    expect(tagValue(dcmjsRead(ict).dict, "00280004")).toBe("YBR_ICT");
    const f = await codestreamFacts(dcmjsFrames(ict)[0]!);
    expect([f.ht, f.reversible, f.mct]).toEqual([true, false, 1]);
    expect(psnr(nativeSamples(transcode(ict, { transferSyntax: "explicit-le" }), s), orig, 8)).toBeGreaterThan(35);
    const rgb = transcode(input, { transferSyntax: "htj2k", ratios: [8], mct: false });
    expect(tagValue(dcmjsRead(rgb).dict, "00280004")).toBe("RGB");
    expect((await codestreamFacts(dcmjsFrames(rgb)[0]!)).mct).toBe(0);
  });

  it("a final ratio of 1 is a lossless last layer: reversible, YBR_RCT, no lossy attributes", () => {
    const s = SOURCES[2]!;
    const input = s.input();
    const out = transcode(input, { transferSyntax: "htj2k", ratios: [20, 1] });
    const { dict } = dcmjsRead(out);
    const inDict = dcmjsRead(input).dict;
    expect(tagValue(dict, "00280004")).toBe("YBR_RCT");
    expect(dict["00282114"]?.Value).toEqual(inDict["00282114"]?.Value);
    expect(tagValue(dict, "00080018")).toBe(tagValue(inDict, "00080018"));
    expect(nativeSamples(transcode(out, { transferSyntax: "explicit-le" }), s)).toEqual(nativeSamples(input, s));
  });
});

describe("encodeFrames / decodeFrames with HTJ2K syntaxes", () => {
  const pm = { rows: 37, columns: 53, samplesPerPixel: 1, photometricInterpretation: "MONOCHROME2", bitsAllocated: 16, bitsStored: 14, highBit: 13, pixelRepresentation: 1, planarConfiguration: 0, numberOfFrames: 2 } as const;
  const values = smoothInts(53, 74, 1, 16383).map((v) => v - 8192);
  const pixelData = toLE(values, 16);

  for (const ts of ["htj2k-lossless", "htj2k-rpcl", "htj2k", UID[".201"], UID[".202"], UID[".203"]]) {
    it(`${ts}: two signed 14-bit frames round-trip exactly`, () => {
      const enc = encodeFrames(pixelData, pm, { transferSyntax: ts });
      expect(enc.frames).toHaveLength(2);
      expect(enc.lossy).toBe(false);
      expect(enc.transferSyntax.htj2k).toBe(true);
      const dec = decodeFrames(enc.frames, enc.pixelModule);
      expect(dec.warnings).toEqual([]);
      expect(dec.lossy).toBe(false);
      expect(dec.headers.every((h) => h.blockCoder === "ht")).toBe(true);
      expect(dec.pixelModule).toMatchObject({ bitsStored: 14, pixelRepresentation: 1 });
      expect(samples(dec.pixelData, 16, true, values.length)).toEqual(values);
    });
  }

  it("quality options that do not fit the syntax are INVALID_ARGUMENT; lossy .203 of PALETTE COLOR is DICOM_INVALID", () => {
    expect(caught(() => encodeFrames(pixelData, pm, { transferSyntax: "htj2k-lossless", ratios: [10] })).code).toBe("INVALID_ARGUMENT");
    expect(caught(() => encodeFrames(pixelData, pm, { transferSyntax: "htj2k-rpcl", psnr: [40] })).message).toMatch(/always reversible.*1\.2\.840\.10008\.1\.2\.4\.203/);
    expect(caught(() => encodeFrames(pixelData, pm, { transferSyntax: "htj2k", ratios: [10], psnr: [40] })).code).toBe("INVALID_ARGUMENT");
    expect(caught(() => encodeFrames(pixelData, pm, { transferSyntax: "htj2k", qstep: 2 })).code).toBe("INVALID_ARGUMENT");
    // .91 still needs a target (as pydicom); .203 does not
    expect(caught(() => encodeFrames(pixelData, pm, { transferSyntax: "j2k" })).code).toBe("INVALID_ARGUMENT");
    const palette = { ...pm, photometricInterpretation: "PALETTE COLOR", bitsStored: 16, highBit: 15, pixelRepresentation: 0, numberOfFrames: 1 } as const;
    const pal = toLE(smoothInts(53, 37, 1, 255), 16);
    expect(caught(() => encodeFrames(pal, palette, { transferSyntax: "htj2k", ratios: [10] })).code).toBe("DICOM_INVALID");
    expect(encodeFrames(pal, palette, { transferSyntax: "htj2k" }).pixelModule.photometricInterpretation).toBe("PALETTE COLOR");
  });

  it("the earlier name htj2k-lossless-rpcl still resolves to .202", () => {
    expect(encodeFrames(pixelData, pm, { transferSyntax: "htj2k-lossless-rpcl" }).transferSyntax.uid).toBe(UID[".202"]);
  });
});
