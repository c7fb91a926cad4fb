/**
 * Test helpers for the DICOM layer. Reference data comes from the corpus twins (read with dcmjs,
 * not with j2kit), from synthetic data sets built here with dcmjs, or from an independent decoder
 * (dcmjs-codecs = OpenJPEG in WebAssembly). Nothing here uses src/dicom.
 */
import { psnr as psnrOf } from "../helpers/psnr.mjs";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import dcmjs from "dcmjs";

export const CORPUS = resolve(process.cwd(), "../shared/testdata/dicom");

export function corpusFile(name: string): Uint8Array {
  return new Uint8Array(readFileSync(resolve(CORPUS, name)));
}

/** dcmjs's reading of a Part 10 file (meta + data set, denaturalized). */
export function dcmjsRead(bytes: Uint8Array): { meta: Record<string, any>; dict: Record<string, any> } {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return dcmjs.data.DicomMessage.readFile(ab);
}

export function naturalOf(bytes: Uint8Array): Record<string, any> {
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjsRead(bytes).dict) as Record<string, any>;
}

/** The first value of a tag in a denaturalized data set. */
export function tagValue(dict: Record<string, any>, tag: string): any {
  return dict[tag]?.Value?.[0];
}

/** Native Pixel Data bytes of a Part 10 file, as dcmjs reads them. */
export function nativePixelBytes(bytes: Uint8Array): Uint8Array {
  const { dict } = dcmjsRead(bytes);
  const parts: ArrayBuffer[] = dict["7FE00010"].Value;
  const n = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return out;
}

/** Little-endian samples of native pixel bytes (`bitsAllocated` 8/16/32 container, signed or not). */
export function samples(bytes: Uint8Array, bitsAllocated: number, signed: boolean, count?: number): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bpsB = bitsAllocated / 8;
  const n = count ?? Math.floor(bytes.length / bpsB);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * bpsB;
    if (bpsB === 1) out[i] = signed ? v.getInt8(at) : v.getUint8(at);
    else if (bpsB === 2) out[i] = signed ? v.getInt16(at, true) : v.getUint16(at, true);
    else if (bpsB === 3) {
      const u = v.getUint8(at) | (v.getUint8(at + 1) << 8) | (v.getUint8(at + 2) << 16);
      out[i] = signed && u & 0x800000 ? u - 0x1000000 : u;
    } else out[i] = signed ? v.getInt32(at, true) : v.getUint32(at, true);
  }
  return out;
}

/** Bits 0/1 of bit-packed (LSB first) data. */
export function bits(bytes: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (bytes[i >> 3]! >> (i & 7)) & 1;
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expectSameLength(a, b);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, bitDepth: number): number {
  expectSameLength(a, b);
  return psnrOf(a, b, bitDepth);
}

function expectSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
}

/** Attributes of a synthetic data set (naturalized keywords). */
export interface SyntheticSpec {
  rows: number;
  columns: number;
  samplesPerPixel: 1 | 3;
  photometric: string;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  planarConfiguration?: 0 | 1;
  frames?: number;
  pixelData: Uint8Array;
  extra?: Record<string, unknown>;
  transferSyntax?: string;
}

const SC_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.7";

/** A naturalized data set (dcmjs keywords) with `_meta`; multi-frame data get a multi-frame Secondary Capture class. */
export function syntheticNatural(spec: SyntheticSpec): Record<string, any> {
  const sopClass = spec.frames === undefined ? SC_SOP_CLASS : spec.samplesPerPixel === 3 ? `${SC_SOP_CLASS}.4` : spec.bitsAllocated <= 8 ? `${SC_SOP_CLASS}.2` : `${SC_SOP_CLASS}.3`;
  const ds: Record<string, any> = {
    SOPClassUID: sopClass,
    SOPInstanceUID: "1.2.826.0.1.3680043.8.498.1",
    StudyInstanceUID: "1.2.826.0.1.3680043.8.498.2",
    SeriesInstanceUID: "1.2.826.0.1.3680043.8.498.3",
    Modality: "OT",
    ImageType: ["ORIGINAL", "PRIMARY"],
    Rows: spec.rows,
    Columns: spec.columns,
    SamplesPerPixel: spec.samplesPerPixel,
    PhotometricInterpretation: spec.photometric,
    BitsAllocated: spec.bitsAllocated,
    BitsStored: spec.bitsStored,
    HighBit: spec.bitsStored - 1,
    PixelRepresentation: spec.pixelRepresentation,
    PixelData: [spec.pixelData.slice().buffer],
    _vrMap: { PixelData: spec.bitsAllocated > 8 ? "OW" : "OB" },
    ...spec.extra,
  };
  if (spec.samplesPerPixel === 3) ds.PlanarConfiguration = spec.planarConfiguration ?? 0;
  if (spec.frames !== undefined) ds.NumberOfFrames = spec.frames;
  ds._meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
    TransferSyntaxUID: spec.transferSyntax ?? "1.2.840.10008.1.2.1",
    ImplementationClassUID: "1.2.826.0.1.3680043.8.498.4",
  };
  return ds;
}

/** The same data set as a Part 10 file written by dcmjs (explicit or implicit VR LE). */
export function syntheticPart10(spec: SyntheticSpec): Uint8Array {
  const nat = syntheticNatural(spec);
  const meta = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(nat._meta);
  const { _meta, ...rest } = nat;
  void _meta;
  const dd = new dcmjs.data.DicomDict(meta);
  dd.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(rest);
  return new Uint8Array(dd.write());
}

/** Deterministic pseudo-random integers (xorshift32) in [lo, hi]. */
export function randomInts(n: number, lo: number, hi: number, seed = 12345): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = lo + (s % (hi - lo + 1));
  }
  return out;
}

/** A smooth image (so lossy coding has something meaningful to do) plus a little noise. */
export function smoothInts(width: number, height: number, comps: number, maxValue: number, seed = 7): number[] {
  const noise = randomInts(width * height * comps, -3, 3, seed);
  const out: number[] = new Array(width * height * comps);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < comps; c++) {
        const i = (y * width + x) * comps + c;
        const base = (0.5 + 0.25 * Math.sin((x + 7 * c) / 9) + 0.2 * Math.cos((y - 3 * c) / 13)) * maxValue;
        out[i] = Math.max(0, Math.min(maxValue, Math.round(base) + noise[i]!));
      }
    }
  }
  return out;
}

/** Little-endian bytes of integers in `bitsAllocated` containers. */
export function toLE(values: ArrayLike<number>, bitsAllocated: number): Uint8Array {
  const bpsB = bitsAllocated / 8;
  const out = new Uint8Array(values.length * bpsB + ((values.length * bpsB) & 1));
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    for (let k = 0; k < bpsB; k++) out[i * bpsB + k] = k < 4 ? (v >> (8 * k)) & 0xff : v < 0 ? 0xff : 0;
  }
  return out;
}

/** dcmjs-codecs (OpenJPEG 2.5 in WebAssembly), initialised once: the independent decoder. */
let codecs: any;
export async function dcmjsCodecs(): Promise<any> {
  if (codecs === undefined) {
    const require = createRequire(import.meta.url);
    const m = require("dcmjs-codecs");
    await m.NativeCodecs.initializeAsync({
      webAssemblyModulePathOrUrl: require.resolve("dcmjs-codecs/build/dcmjs-native-codecs.wasm"),
    });
    codecs = m;
  }
  return codecs;
}

/** Decode a Part 10 file to Explicit VR Little Endian with dcmjs-codecs; returns its elements. */
export async function dcmjsCodecsToNative(bytes: Uint8Array): Promise<Record<string, any>> {
  const m = await dcmjsCodecs();
  const t = new m.Transcoder(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  t.transcode(m.constants.TransferSyntax.ExplicitVRLittleEndian);
  return t.getElements();
}

/** Decode one raw codestream with dcmjs-codecs into a `bitsAllocated` container. */
export async function dcmjsCodecsDecodeFrame(
  codestream: Uint8Array,
  p: { rows: number; columns: number; samplesPerPixel: number; bitsAllocated: number; bitsStored: number; pixelRepresentation: number },
): Promise<Uint8Array> {
  const m = await dcmjsCodecs();
  const ctx = new m.Context({
    width: p.columns,
    height: p.rows,
    bitsAllocated: p.bitsAllocated,
    bitsStored: p.bitsStored,
    samplesPerPixel: p.samplesPerPixel,
    pixelRepresentation: p.pixelRepresentation,
    planarConfiguration: 0,
    photometricInterpretation: p.samplesPerPixel === 3 ? "RGB" : "MONOCHROME2",
    encodedBuffer: codestream.slice(),
  });
  const out = m.NativeCodecs.decodeJpeg2000(ctx, {});
  return new Uint8Array(out.getDecodedBuffer()).slice();
}

/** The codestream inside a JP2 file (walks the top-level boxes to `jp2c`, ISO/IEC 15444-1 I.4). */
export function jp2Codestream(b: Uint8Array): Uint8Array {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 0;
  while (at + 8 <= b.length) {
    let len = v.getUint32(at);
    let header = 8;
    if (len === 1) {
      len = Number(v.getBigUint64(at + 8));
      header = 16;
    } else if (len === 0) len = b.length - at;
    const type = String.fromCharCode(b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
    if (type === "jp2c") return b.subarray(at + header, at + len);
    at += len;
  }
  throw new Error("no jp2c box");
}
