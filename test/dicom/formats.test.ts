/**
 * Input and output kinds (Part 10 as ArrayBuffer / Uint8Array, dcmjs DicomDict, denaturalized and
 * naturalized data sets), the native syntaxes (implicit, explicit, deflated), the Extended Offset
 * Table on output, and the frame-level API.
 */
import { inflateRawSync } from "node:zlib";
import dcmjs from "dcmjs";
import { describe, expect, it } from "vitest";
import { decodeFrames, encodeFrames, inspectDicom, transcode, transcodeAsync, type PixelModule } from "../../src/dicom/index.js";
import { corpusFile, dcmjsRead, nativePixelBytes, naturalOf, samples, tagValue } from "./helpers.js";

const IMPLICIT = "1.2.840.10008.1.2";
const DEFLATED = "1.2.840.10008.1.2.1.99";

describe("native syntaxes (no codec involved)", () => {
  it("explicit → implicit → explicit keeps every pixel and element", () => {
    const input = corpusFile("MR_small.dcm");
    const implicit = transcode(input, { transferSyntax: "implicit-le" });
    expect(tagValue(dcmjsRead(implicit).meta, "00020010")).toBe(IMPLICIT);
    // Implicit VR: the first data element has no VR letters after its tag.
    const back = transcode(implicit, { transferSyntax: "explicit-le" });
    expect(nativePixelBytes(back)).toEqual(nativePixelBytes(input));
    const a = dcmjsRead(input).dict;
    const b = dcmjsRead(back).dict;
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    expect(tagValue(b, "00100010")).toEqual(tagValue(a, "00100010"));
  });

  it("deflated output is raw DEFLATE after the meta group, and reads back", () => {
    const input = corpusFile("emri_small.dcm");
    const deflated = transcode(input, { transferSyntax: "deflated-le" });
    const metaEnd = 144 + new DataView(deflated.buffer, deflated.byteOffset).getUint32(140, true);
    const dataset = inflateRawSync(deflated.subarray(metaEnd));
    expect(dataset.length).toBeGreaterThan(64 * 64 * 2 * 10);
    expect(deflated.length).toBeLessThan(input.length);
    expect(tagValue(dcmjsRead(deflated).meta, "00020010")).toBe(DEFLATED);
    expect(nativePixelBytes(deflated)).toEqual(nativePixelBytes(input));
  });

  it("ArrayBuffer in → ArrayBuffer out, Uint8Array in → Uint8Array out; the input is untouched", () => {
    const bytes = corpusFile("MR_small.dcm");
    const copy = bytes.slice();
    expect(transcode(bytes, { transferSyntax: "implicit-le" })).toBeInstanceOf(Uint8Array);
    const ab = bytes.slice().buffer;
    const out = transcode(ab, { transferSyntax: "implicit-le" });
    expect(out).toBeInstanceOf(ArrayBuffer);
    expect(bytes).toEqual(copy);
  });

  it("a naturalized data set without meta is taken as native when its Pixel Data has the native size", () => {
    const nat = naturalOf(corpusFile("MR_small.dcm"));
    const warnings: string[] = [];
    const out = transcode(nat, { transferSyntax: "implicit-le", onWarning: (w) => warnings.push(w) });
    expect(out._meta?.TransferSyntaxUID).toBe(IMPLICIT);
    expect(warnings[0]).toContain("Explicit VR Little Endian is assumed");
  });
});

describe("JPEG 2000 from and to every native syntax", () => {
  it("deflated → .90 → implicit keeps the pixels; transcodeAsync gives the same bytes as transcode", async () => {
    const input = corpusFile("emri_small.dcm");
    const deflated = transcode(input, { transferSyntax: "deflated-le" });
    const j2k = transcode(deflated, { transferSyntax: "j2k-lossless" });
    expect(await transcodeAsync(deflated, { transferSyntax: "j2k-lossless" })).toEqual(j2k);
    expect(inspectDicom(j2k).frames).toHaveLength(10);
    const implicit = transcode(j2k, { transferSyntax: IMPLICIT });
    expect(tagValue(dcmjsRead(implicit).meta, "00020010")).toBe(IMPLICIT);
    expect(nativePixelBytes(implicit)).toEqual(nativePixelBytes(input));
  });
});

describe("dcmjs data sets in, the same kind out", () => {
  it("naturalized (with _meta) → naturalized .90 and back", () => {
    const input = corpusFile("emri_small.dcm");
    const nat = naturalOf(input);
    nat._meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjsRead(input).meta);
    const before = JSON.stringify(Object.keys(nat));
    const j2k = transcode(nat, { transferSyntax: "j2k-lossless" });
    expect(JSON.stringify(Object.keys(nat))).toBe(before);
    expect(nat._meta.TransferSyntaxUID).toBe("1.2.840.10008.1.2.1");
    expect(j2k._meta?.TransferSyntaxUID).toBe("1.2.840.10008.1.2.4.90");
    expect(Array.isArray(j2k.PixelData)).toBe(true);
    expect((j2k.PixelData as ArrayBuffer[]).length).toBe(10);
    const back = transcode(j2k, { transferSyntax: "explicit-le" });
    expect(new Uint8Array((back.PixelData as ArrayBuffer[])[0]!)).toEqual(nativePixelBytes(input));
  });

  it("denaturalized data set → denaturalized, DicomDict → DicomDict", () => {
    const input = corpusFile("MR_small.dcm");
    const dd = dcmjsRead(input);
    const dict = transcode(dd.dict as any, { transferSyntax: "j2k-lossless", sourceTransferSyntax: "explicit-le" }) as Record<string, any>;
    expect(dict["7FE00010"].vr).toBe("OB");
    expect(dict["7FE00010"].Value).toHaveLength(1);
    const back = transcode(dict as any, { transferSyntax: "explicit-le", sourceTransferSyntax: "j2k-lossless" }) as Record<string, any>;
    expect(new Uint8Array(back["7FE00010"].Value[0])).toEqual(nativePixelBytes(input));

    const asDict: any = transcode(dd as any, { transferSyntax: "j2k-lossless" });
    expect(asDict.meta["00020010"].Value[0]).toBe("1.2.840.10008.1.2.4.90");
    const p10 = new Uint8Array(asDict.write({ fragmentMultiframe: false }));
    expect(inspectDicom(p10).frames).toHaveLength(1);
  });
});

describe("Extended Offset Table on output", () => {
  it('extendedOffsetTable: "always" writes (7FE0,0001)/(7FE0,0002) and an empty BOT; frames still found', () => {
    const input = corpusFile("emri_small.dcm");
    const j2k = transcode(input, { transferSyntax: "j2k-lossless", extendedOffsetTable: "always" });
    const { dict } = dcmjsRead(j2k);
    const eot = new DataView(dict["7FE00001"].Value[0]);
    const lengths = new DataView(dict["7FE00002"].Value[0]);
    expect(eot.byteLength).toBe(80);
    expect(Number(eot.getBigUint64(0, true))).toBe(0);
    // Each offset = previous offset + 8 + previous length.
    for (let i = 1; i < 10; i++) {
      expect(Number(eot.getBigUint64(8 * i, true))).toBe(Number(eot.getBigUint64(8 * (i - 1), true)) + 8 + Number(lengths.getBigUint64(8 * (i - 1), true)));
    }
    const back = transcode(j2k, { transferSyntax: "explicit-le" });
    expect(nativePixelBytes(back)).toEqual(nativePixelBytes(input));
    expect(dcmjsRead(back).dict["7FE00001"]).toBeUndefined();
  });
});

describe("frame-level API", () => {
  it("encodeFrames / decodeFrames with a PixelModule and with keyword attributes", () => {
    const pm: PixelModule = {
      rows: 16,
      columns: 24,
      samplesPerPixel: 1,
      photometricInterpretation: "MONOCHROME2",
      bitsAllocated: 16,
      bitsStored: 12,
      highBit: 11,
      pixelRepresentation: 1,
      planarConfiguration: 0,
      numberOfFrames: 2,
    };
    const values = Array.from({ length: 16 * 24 * 2 }, (_, i) => ((i * 37) % 4096) - 2048);
    const bytes = new Uint8Array(new Int16Array(values).buffer);
    const enc = encodeFrames(bytes, pm, { transferSyntax: "j2k-lossless" });
    expect(enc.frames).toHaveLength(2);
    expect(enc.lossy).toBe(false);
    expect(enc.compressionRatio).toBeGreaterThan(1);
    const dec = decodeFrames(enc.frames, {
      Rows: 16,
      Columns: 24,
      SamplesPerPixel: 1,
      PhotometricInterpretation: "MONOCHROME2",
      BitsAllocated: 16,
      BitsStored: 12,
      HighBit: 11,
      PixelRepresentation: 1,
      NumberOfFrames: "2",
    });
    expect(dec.warnings).toEqual([]);
    expect(dec.pixelModule.bitsStored).toBe(12);
    expect(samples(dec.pixelData, 16, true)).toEqual(values);
  });
});
