/**
 * Reading HTJ2K DICOM: pydicom-data's HTJ2KLossless_08_RGB.dcm (.201, the only HTJ2K DICOM file of
 * the corpus; its MCT codestream is labelled "RGB") against pydicom's reference values and against
 * OpenJPH / OpenJPEG decodes of the codestream dcmjs takes out of it; real lossless HT codestreams
 * (cornerstonejs/codecs fixtures, made by OpenJPH) put into .201 files with dcmjs, decoded against
 * their .RAW originals; and j2kit's own .201/.202/.203 files read by DCMTK's dcmdump (neither DCMTK
 * 3.6.7 nor GDCM 3.0.21 decodes HTJ2K pixel data: their structure is what they can check).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeFrames, transcode } from "../../src/dicom/index.js";
import { has } from "../helpers/tools.js";
import { corpusFile, dcmjsRead, maxAbsDiff, nativePixelBytes, samples, syntheticPart10, tagValue } from "./helpers.js";
import { dcmjsFrames, ojphInterleaved, opjInterleaved, transferSyntaxOf } from "./ht_helpers.js";

const HT_FILE = "HTJ2KLossless_08_RGB.dcm";
const W = 640;
const H = 480;

/** pydicom's reference values (tests/pixels/pixels_reference.py, listed in ../shared/testdata/README.md). */
const ROW_160_COLS_295_305 = [[90, 38, 1], [94, 40, 1], [97, 42, 5], [173, 122, 59], [172, 133, 69], [169, 135, 75], [168, 136, 79], [169, 137, 79], [169, 137, 81], [169, 136, 79]];
const COL_635_ROWS_275_285 = [[208, 193, 172], [238, 228, 215], [235, 229, 216], [233, 226, 212], [239, 231, 218], [238, 232, 219], [224, 218, 205], [239, 234, 223], [246, 241, 232], [242, 236, 226]];

function rgbAt(px: Uint8Array, row: number, col: number): number[] {
  const i = (row * W + col) * 3;
  return [px[i]!, px[i + 1]!, px[i + 2]!];
}

const OPJ = has("opj_decompress");
const OJPH = has("ojph_expand");
const DCMDUMP = has("dcmdump");

describe(`${HT_FILE} (HTJ2K Lossless .201, pydicom-data)`, () => {
  it("decodes to pydicom's reference values; the RGB label of its RCT codestream is reported and RGB kept", () => {
    const warnings: string[] = [];
    const out = transcode(corpusFile(HT_FILE), { transferSyntax: "explicit-le", onWarning: (w) => warnings.push(w) });
    expect(transferSyntaxOf(out)).toBe("1.2.840.10008.1.2.1");
    const { dict } = dcmjsRead(out);
    expect(tagValue(dict, "00280004")).toBe("RGB");
    expect(tagValue(dict, "00280006")).toBe(0);
    const px = nativePixelBytes(out);
    expect(px.length).toBe(W * H * 3);
    expect(ROW_160_COLS_295_305.map((_, k) => rgbAt(px, 160, 295 + k))).toEqual(ROW_160_COLS_295_305);
    expect(COL_635_ROWS_275_285.map((_, k) => rgbAt(px, 275 + k, 635))).toEqual(COL_635_ROWS_275_285);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/PhotometricInterpretation \(0028,0004\) is RGB but the codestream uses a colour transform, so it should be YBR_RCT/);
  });

  it.skipIf(!OPJ || !OJPH)("every sample equals OpenJPH's and OpenJPEG's decode of the codestream dcmjs extracts (needs ojph_expand, opj_decompress)", () => {
    const input = corpusFile(HT_FILE);
    const ours = Array.from(nativePixelBytes(transcode(input, { transferSyntax: "explicit-le" })));
    const [cs] = dcmjsFrames(input);
    expect(maxAbsDiff(ojphInterleaved(cs!, W, H, 3), ours)).toBe(0);
    expect(maxAbsDiff(opjInterleaved(cs!), ours)).toBe(0);
  });

  it("decodeFrames on its fragments: reversible, HT, RGB", () => {
    const input = corpusFile(HT_FILE);
    const d = decodeFrames(dcmjsFrames(input), dcmjsRead(input).dict);
    expect(d.lossy).toBe(false);
    expect(d.headers[0]!.blockCoder).toBe("ht");
    expect(d.headers[0]!.mct).toBe(true);
    expect(d.pixelModule.photometricInterpretation).toBe("RGB");
    expect(rgbAt(d.pixelData, 160, 298)).toEqual(ROW_160_COLS_295_305[3]);
  });

  it("to .90, .202 and .203 (lossless) and back: the same pixels, YBR_RCT where the transform is used", () => {
    const input = corpusFile(HT_FILE);
    const direct = nativePixelBytes(transcode(input, { transferSyntax: "explicit-le" }));
    for (const ts of ["j2k-lossless", "htj2k-rpcl", "htj2k"]) {
      const mid = transcode(input, { transferSyntax: ts, onWarning: () => {} });
      expect(tagValue(dcmjsRead(mid).dict, "00280004")).toBe("YBR_RCT");
      const back = nativePixelBytes(transcode(mid, { transferSyntax: "explicit-le" }));
      expect(Buffer.from(back).equals(Buffer.from(direct))).toBe(true);
    }
  });

  it("to .201 again: the frame is kept byte for byte, and the label follows it: YBR_RCT, with a warning", () => {
    const input = corpusFile(HT_FILE);
    const warnings: string[] = [];
    const same = transcode(input, { transferSyntax: "htj2k-lossless", onWarning: (w) => warnings.push(w) });
    expect(Buffer.from(dcmjsFrames(same)[0]!).equals(Buffer.from(dcmjsFrames(input)[0]!))).toBe(true);
    expect(tagValue(dcmjsRead(same).dict, "00280004")).toBe("YBR_RCT");
    expect(warnings.join("\n")).toMatch(/was RGB but the codestream uses the reversible colour transform; the frames are kept and the label follows them: YBR_RCT/);
    // and read back: the same RGB pixels, without a label warning now
    const w2: string[] = [];
    const a = nativePixelBytes(transcode(same, { transferSyntax: "explicit-le", onWarning: (w) => w2.push(w) }));
    const b = nativePixelBytes(transcode(input, { transferSyntax: "explicit-le", onWarning: () => {} }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(w2).toEqual([]);
  });

  it("a Part 1 codestream under an HTJ2K syntax (and HT under .90) is decoded with a warning naming the mismatch", () => {
    const htFrame = dcmjsFrames(corpusFile(HT_FILE))[0]!;
    const asJ2k = syntheticPart10({
      rows: H,
      columns: W,
      samplesPerPixel: 3,
      photometric: "YBR_RCT",
      bitsAllocated: 8,
      bitsStored: 8,
      pixelRepresentation: 0,
      pixelData: htFrame.length % 2 === 0 ? htFrame : Uint8Array.from([...htFrame, 0]),
      transferSyntax: "1.2.840.10008.1.2.4.90",
    });
    const warnings: string[] = [];
    const out = transcode(asJ2k, { transferSyntax: "explicit-le", onWarning: (w) => warnings.push(w) });
    expect(warnings.join("\n")).toMatch(/JPEG 2000 Image Compression \(Lossless Only\) \(1\.2\.840\.10008\.1\.2\.4\.90\) but every frame is coded with the HT \(ISO\/IEC 15444-15\) block coder; decoded anyway/);
    expect(rgbAt(nativePixelBytes(out), 160, 298)).toEqual(ROW_160_COLS_295_305[3]);

    const part1 = dcmjsFrames(transcode(corpusFile("MR_small.dcm"), { transferSyntax: "j2k-lossless" }))[0]!;
    const asHt = syntheticPart10({
      rows: 64,
      columns: 64,
      samplesPerPixel: 1,
      photometric: "MONOCHROME2",
      bitsAllocated: 16,
      bitsStored: 16,
      pixelRepresentation: 1,
      pixelData: part1.length % 2 === 0 ? part1 : Uint8Array.from([...part1, 0]),
      transferSyntax: "1.2.840.10008.1.2.4.201",
      extra: { _vrMap: { PixelData: "OB" } },
    });
    const w2: string[] = [];
    const back = transcode(asHt, { transferSyntax: "explicit-le", onWarning: (w) => w2.push(w) });
    expect(w2.join("\n")).toMatch(/\(1\.2\.840\.10008\.1\.2\.4\.201\) but every frame is coded with the Part 1 \(EBCOT\) block coder/);
    expect(Buffer.from(nativePixelBytes(back)).equals(Buffer.from(nativePixelBytes(corpusFile("MR_small.dcm"))))).toBe(true);
  });
});

describe("real lossless HT codestreams (OpenJPH, cornerstonejs/codecs fixtures) in .201 files", () => {
  const TD = resolve(process.cwd(), "../shared/testdata");
  const cases = [
    { name: "CT1", j2c: "htj2k/medical/CT1.j2c", raw: "htj2k/medical/CT1.RAW", rows: 512, columns: 512, signed: true },
    { name: "MR1", j2c: "medical_raw/htj2k/MR1.j2c", raw: "medical_raw/htj2k/MR1.RAW", rows: 512, columns: 512, signed: true },
    { name: "MR2", j2c: "htj2k/medical/MR2.j2c", raw: "htj2k/medical/MR2.RAW", rows: 1024, columns: 1024, signed: false },
  ];
  for (const c of cases) {
    it(`${c.name} (${c.columns} x ${c.rows}, ${c.signed ? "signed" : "unsigned"} 16-bit): decodes to the .RAW exactly`, () => {
      const cs = new Uint8Array(readFileSync(join(TD, c.j2c)));
      const part10 = syntheticPart10({
        rows: c.rows,
        columns: c.columns,
        samplesPerPixel: 1,
        photometric: "MONOCHROME2",
        bitsAllocated: 16,
        bitsStored: 16,
        pixelRepresentation: c.signed ? 1 : 0,
        pixelData: cs.length % 2 === 0 ? cs : Uint8Array.from([...cs, 0]),
        transferSyntax: "1.2.840.10008.1.2.4.201",
        extra: { _vrMap: { PixelData: "OB" } },
      });
      const warnings: string[] = [];
      const out = transcode(part10, { transferSyntax: "explicit-le", onWarning: (w) => warnings.push(w) });
      expect(warnings).toEqual([]);
      const raw = new Uint8Array(readFileSync(join(TD, c.raw)));
      const got = nativePixelBytes(out);
      const n = c.rows * c.columns;
      expect(maxAbsDiff(samples(got, 16, c.signed, n), samples(raw, 16, c.signed, n))).toBe(0);
    });
  }
});

describe("j2kit's HTJ2K files read by DCMTK", () => {
  const work = mkdtempSync(join(tmpdir(), "j2kit-dicom-ht-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.skipIf(!DCMDUMP)("dcmdump parses .201/.202/.203: transfer syntax, Photometric Interpretation, one item per frame after the offset table, lossy method (needs dcmdump: dcmtk)", () => {
    const input = corpusFile("emri_small.dcm");
    const rgb = corpusFile("SC_rgb_gdcm2k_uncompressed.dcm");
    const jobs = [
      { src: input, ts: "htj2k-lossless", uid: "1.2.840.10008.1.2.4.201", items: 11, pi: "MONOCHROME2" },
      { src: input, ts: "htj2k-rpcl", uid: "1.2.840.10008.1.2.4.202", items: 11, pi: "MONOCHROME2" },
      { src: rgb, ts: "htj2k", uid: "1.2.840.10008.1.2.4.203", items: 2, pi: "YBR_ICT", ratios: [10] },
    ];
    for (const j of jobs) {
      const file = join(work, `${j.ts}.dcm`);
      writeFileSync(file, transcode(j.src, { transferSyntax: j.ts, ...(j.ratios ? { ratios: j.ratios } : {}) }));
      const r = spawnSync("dcmdump", ["-q", file], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`(0002,0010) UI [${j.uid}]`);
      expect(r.stdout).toMatch(new RegExp(`\\(0028,0004\\) CS \\[${j.pi}\\]`));
      expect(r.stdout).toMatch(new RegExp(`\\(7fe0,0010\\) OB \\(PixelSequence #=${j.items}\\)`));
      expect(r.stdout).toContain("(fffe,e0dd)");
      if (j.ratios) expect(r.stdout).toMatch(/\(0028,2114\) CS \[[^\]]*ISO_15444_15\]/);
    }
  });
});
