/**
 * Frame-level JPEG 2000 encoding and decoding for callers that hold Pixel Data and the Image Pixel
 * Module attributes themselves (no data set, no dcmjs).
 *
 * Encoding uses the profile pydicom uses (its JPEG 2000 encoding guide): reversible 5/3 for
 * JPEG 2000 Lossless Only (.90), irreversible 9/7 for JPEG 2000 (.91), 6 decomposition levels (fewer
 * for small frames), 64×64 code-blocks, one tile, LRCP, raw codestream without JP2 header — the
 * codec's `preset: "dicom"`. The HTJ2K syntaxes (PS3.5 §8.2.14) use the same profile with HT
 * code-blocks: .201 reversible; .202 reversible, RPCL, enough levels that the lowest resolution is at
 * most 64×64, TLM, PLT and one tile-part per resolution (PS3.5 §10.18); .203 irreversible with
 * `ratios` / `psnr` / `qstep`, reversible without. What differs per syntax is read from its
 * {@link Jpeg2000Coding} row in src/dicom/transfer_syntax.ts. The SIZ precision and signedness are
 * Bits Stored and Pixel Representation (PS3.5 §8.2.4).
 *
 * Decoding reconciles what the codestream says with the data set. When the codestream's signedness
 * disagrees with Pixel Representation, the data set wins by default, as GDCM (`gdcmconv --raw`) and
 * pydicom (`apply_j2k_sign_correction`) do: Pixel Representation is kept and the samples are
 * reinterpreted in two's complement (or as unsigned), with a warning; `signFrom: "codestream"`
 * instead keeps the samples as decoded and makes Pixel Representation follow the codestream. When the
 * codestream's precision disagrees with Bits Stored, the codestream's precision is used (it is what
 * the samples have), with a warning.
 * @module
 */
import { J2kError, isJ2kError } from "../errors.js";
import { decode, decodeAsync, encodeDetailed, encodeDetailedAsync, readHeader } from "../index.js";
import type { DecodedImage, EncodeOptions, HeaderInfo, J2kImage, Limits } from "../types.js";
import { ATTRIBUTES, attributeName, asBytes } from "./attributes.js";
import { concatBytes, framesFromFragments, isJp2, trimAfterEoc, type Fragment } from "./encapsulation.js";
import { checkNativeLength, nativePixelDataLength, readNativeFrame, writeNativePixelData } from "./native_pixels.js";
import { DEFAULT_LIMITS, checkOutputBytes } from "../decode.js";
import {
  planJpeg2000Decoding,
  planJpeg2000Encoding,
  readPixelModule,
  type Jpeg2000EncodingPlan,
  type PixelModule,
  type PixelModuleSource,
} from "./pixel_module.js";
import { TRANSFER_SYNTAXES, resolveTransferSyntax, type Jpeg2000Coding, type TransferSyntaxInfo } from "./transfer_syntax.js";

/** Bytes in any of the forms callers tend to hold. */
export type BytesLike = Uint8Array | ArrayBuffer | ArrayBufferView;

/** Options of {@link encodeFrames}. */
export interface EncodeFramesOptions {
  /**
   * A name or UID: `"j2k-lossless"` (.90), `"j2k"` (.91), `"htj2k-lossless"` (.201), `"htj2k-rpcl"`
   * (.202) or `"htj2k"` (.203).
   */
  transferSyntax: string;
  /**
   * Compression ratio per quality layer, decreasing (.91: this, `psnr` or `qstep` is required; .203:
   * optional, reversible coding without any of them; not allowed with the lossless-only syntaxes).
   */
  ratios?: number[];
  /** PSNR in dB per quality layer, increasing (.91 and .203, as `ratios`). */
  psnr?: number[];
  /**
   * Fixed quantisation step relative to the sample range (0 < qstep <= 1, as OpenJPH's `-qstep`): the
   * cheap lossy mode, no rate control (.91 and .203, instead of `ratios` / `psnr`).
   */
  qstep?: number;
  /** Peak of the `psnr` targets: `"bits"` (default, 2^BitsStored − 1) or `"range"` (max − min of the samples, as viewers report PSNR). */
  psnrPeak?: "bits" | "range";
  /**
   * RGB data: apply the component transform (default true), making the result YBR_RCT (.90) or
   * YBR_ICT (.91) as PS3.5 §8.2.4 requires; `false` keeps RGB without transform.
   */
  mct?: boolean;
}

/** Result of {@link encodeFrames}. */
export interface EncodedFrames {
  transferSyntax: TransferSyntaxInfo;
  /** One raw JPEG 2000 codestream per frame. */
  frames: Uint8Array[];
  /** Image Pixel Module of the encoded data (Photometric Interpretation per PS3.5 §8.2.4, Planar Configuration 0). */
  pixelModule: PixelModule;
  /** Irreversible coding was used (.91, lossy .203). */
  lossy: boolean;
  /** Native Pixel Data bytes (Bits Allocated based) divided by codestream bytes. */
  compressionRatio: number;
  warnings: string[];
}

/** Encapsulated input of {@link decodeFrames}: fragments (or whole codestreams) and the offset tables. */
export interface EncapsulatedFrames {
  fragments: ReadonlyArray<Fragment | BytesLike>;
  basicOffsetTable?: readonly number[];
  extendedOffsetTable?: readonly number[];
}

/** Options of {@link decodeFrames}. */
export interface DecodeFramesOptions {
  /**
   * Which side wins when the codestream's signedness disagrees with Pixel Representation:
   * `"dataset"` (default, as GDCM and pydicom: Pixel Representation kept, the samples reinterpreted
   * with the other signedness, e.g. an unsigned 16-bit codestream in a Pixel Representation 1 CT read
   * as two's complement so air is about −1000 HU rather than 64536) or `"codestream"` (samples as
   * decoded, Pixel Representation follows the codestream).
   */
  signFrom?: "codestream" | "dataset";
  /** Resource limits passed to the decoder. */
  limits?: Limits;
}

/** Result of {@link decodeFrames}. */
export interface DecodedFrames {
  /** Native Pixel Data: little-endian, Planar Configuration 0, even length. */
  pixelData: Uint8Array;
  /** Image Pixel Module of `pixelData` (reconciled with the codestreams). */
  pixelModule: PixelModule;
  /** Main header of each frame's codestream. */
  headers: HeaderInfo[];
  /** Some frame was coded irreversibly (9/7): the pixels are lossy. */
  lossy: boolean;
  /** What was reconciled or tolerated, in words. */
  warnings: string[];
}

function toBytes(b: BytesLike): Uint8Array {
  const u = asBytes(b);
  if (u === undefined) throw new J2kError("INVALID_ARGUMENT", "expected a Uint8Array, ArrayBuffer or typed array");
  return u;
}

// ---------------------------------------------------------------------------------------------
// Encoding

interface EncodeJob {
  syntax: TransferSyntaxInfo;
  pm: PixelModule;
  plan: Jpeg2000EncodingPlan;
  bytes: Uint8Array;
  codecOptions: EncodeOptions;
}

/**
 * Check the quality options against the syntax (its `coding.qualityTargets`) and say whether the
 * frames are coded reversibly: lossless-only syntaxes take no targets; .91 needs one (as pydicom);
 * .203 is lossy with one and reversible without. A final ratio of 1 or PSNR of Infinity asks for a
 * lossless last layer, which makes the coding reversible too.
 */
function checkQualityOptions(syntax: TransferSyntaxInfo, o: EncodeFramesOptions): boolean {
  const hasRatios = o.ratios !== undefined && o.ratios.length > 0;
  const hasPsnr = o.psnr !== undefined && o.psnr.length > 0;
  const hasQstep = o.qstep !== undefined;
  const targets = syntax.coding?.qualityTargets ?? (syntax.jpeg2000 === "lossless" ? "forbidden" : "required");
  const lossyUids = TRANSFER_SYNTAXES.filter((t) => t.coding !== undefined && t.coding.qualityTargets !== "forbidden")
    .map((t) => t.uid)
    .join(", ");
  if (targets === "forbidden" && (hasRatios || hasPsnr || hasQstep)) {
    throw new J2kError(
      "INVALID_ARGUMENT",
      `${syntax.title} (${syntax.uid}) is always reversible; ratios/psnr/qstep apply to the lossy JPEG 2000 syntaxes (${lossyUids}) only`,
    );
  }
  if (!hasRatios && !hasPsnr && !hasQstep) {
    if (targets === "required") {
      throw new J2kError(
        "INVALID_ARGUMENT",
        `${syntax.title} (${syntax.uid}) is lossy: give ratios (e.g. [10]) or psnr (e.g. [45]) for its quality layers, or a qstep`,
      );
    }
    return true;
  }
  if ([hasRatios, hasPsnr, hasQstep].filter(Boolean).length > 1) throw new J2kError("INVALID_ARGUMENT", "give one of ratios, psnr or qstep");
  for (const r of o.ratios ?? []) {
    if (!Number.isFinite(r) || r < 1) throw new J2kError("INVALID_ARGUMENT", `compression ratio ${r} is not a number >= 1`);
  }
  for (const p of o.psnr ?? []) {
    if (!(p > 0) || Number.isNaN(p)) throw new J2kError("INVALID_ARGUMENT", `PSNR ${p} is not a positive number of dB`);
  }
  if (hasQstep && !(typeof o.qstep === "number" && o.qstep > 0 && o.qstep <= 1)) {
    throw new J2kError("INVALID_ARGUMENT", `qstep ${String(o.qstep)} is not a number in (0, 1]`);
  }
  const lastRatio = o.ratios?.[o.ratios.length - 1];
  const lastPsnr = o.psnr?.[o.psnr.length - 1];
  return (hasRatios && lastRatio === 1) || (hasPsnr && lastPsnr === Infinity);
}

/**
 * Decomposition levels for a frame: the `preset: "dicom"` 6 (the core takes fewer for small frames),
 * and for `"lowest-64"` at least enough that the lowest resolution is at most 64 × 64 (PS3.5 §10.18).
 */
function levelsFor(coding: Jpeg2000Coding, pm: PixelModule, syntax: TransferSyntaxInfo): number | undefined {
  if (coding.levels === "dicom") return undefined;
  const big = Math.max(pm.rows, pm.columns);
  const small = Math.min(pm.rows, pm.columns);
  const needed = Math.max(0, Math.ceil(Math.log2(big / 64)));
  // The core never decomposes below one sample on the short side: floor(log2(min(rows, columns))).
  const most = Math.floor(Math.log2(small));
  if (needed > most) {
    throw new J2kError(
      "DICOM_UNSUPPORTED",
      `${syntax.title} (${syntax.uid}) needs ${needed} decomposition levels for the lowest resolution of a ${pm.columns} x ${pm.rows} frame to be at most 64 x 64 (PS3.5 §10.18), but j2kit decomposes a frame whose short side is ${small} at most ${most} times; use htj2k-lossless (1.2.840.10008.1.2.4.201)`,
    );
  }
  return Math.min(Math.max(6, needed), most);
}

function prepareEncode(pixelData: BytesLike | ReadonlyArray<BytesLike>, source: PixelModuleSource, options: EncodeFramesOptions): EncodeJob {
  const syntax = resolveTransferSyntax(options.transferSyntax, "target transfer syntax");
  if (syntax.jpeg2000 === undefined) {
    throw new J2kError("INVALID_ARGUMENT", `encodeFrames encodes JPEG 2000 only, not ${syntax.title} (${syntax.uid})`);
  }
  const lossless = checkQualityOptions(syntax, options);
  const coding = syntax.coding!;
  const pm = readPixelModule(source);
  const plan = planJpeg2000Encoding(pm, syntax, { mct: options.mct, lossless });
  const bytes = joinPixelData(pixelData);
  checkNativeLength(bytes, pm);
  const codecOptions: EncodeOptions = {
    preset: "dicom",
    format: "j2k",
    mct: plan.mct,
    progression: coding.progression,
    codeBlock: [64, 64],
  };
  if (coding.blockCoder === "ht") codecOptions.ht = true;
  const levels = levelsFor(coding, pm, syntax);
  if (levels !== undefined) codecOptions.levels = levels;
  if (coding.tlm) codecOptions.tlm = true;
  if (coding.plt) codecOptions.plt = true;
  if (coding.tileParts !== undefined) codecOptions.tileParts = coding.tileParts;
  if (options.ratios?.length) codecOptions.ratios = [...options.ratios];
  else if (options.psnr?.length) codecOptions.psnr = [...options.psnr];
  else if (options.qstep !== undefined) codecOptions.qstep = options.qstep;
  else codecOptions.lossless = plan.lossless;
  if (options.psnr?.length && options.psnrPeak !== undefined) codecOptions.psnrPeak = options.psnrPeak;
  return { syntax, pm, plan, bytes, codecOptions };
}

function joinPixelData(pixelData: BytesLike | ReadonlyArray<BytesLike>): Uint8Array {
  if (!Array.isArray(pixelData)) return toBytes(pixelData as BytesLike);
  const parts = (pixelData as ReadonlyArray<BytesLike>).map(toBytes);
  if (parts.length === 1) return parts[0]!;
  return concatBytes(parts);
}

function frameImage(job: EncodeJob, index: number): J2kImage {
  return readNativeFrame(job.bytes, index, job.pm);
}

function finishEncode(job: EncodeJob, encoded: Array<{ data: Uint8Array; warnings: string[] }>): EncodedFrames {
  const { pm, plan, syntax } = job;
  const frames = encoded.map((e) => e.data);
  let coded = 0;
  for (const f of frames) coded += f.length;
  const warnings = plan.expand422 ? ["YBR_FULL_422 chroma replicated to full resolution and encoded as YBR_FULL"] : [];
  warnings.push(...encoderWarnings(encoded.map((e) => e.warnings)));
  const native = (pm.rows * pm.columns * pm.samplesPerPixel * pm.bitsAllocated * pm.numberOfFrames) / 8;
  return {
    transferSyntax: syntax,
    frames,
    pixelModule: {
      ...pm,
      photometricInterpretation: plan.photometricInterpretation,
      planarConfiguration: 0,
    },
    lossy: !plan.lossless,
    compressionRatio: coded > 0 ? native / coded : 0,
    warnings,
  };
}

/**
 * The encoder's adjustments to what was asked (EncodeResult.warnings), once each: a message every
 * frame gave stands alone, others name their frames ("frames 2, 5: …").
 */
function encoderWarnings(perFrame: string[][]): string[] {
  const frames = new Map<string, number[]>();
  perFrame.forEach((ws, i) => {
    for (const w of new Set(ws)) frames.set(w, [...(frames.get(w) ?? []), i + 1]);
  });
  return [...frames].map(([w, f]) => (f.length === perFrame.length ? w : `frame${f.length > 1 ? "s" : ""} ${f.join(", ")}: ${w}`));
}

/** Re-throw a codec error with the frame it belongs to in front of its message. */
function frameError(e: unknown, index: number): never {
  if (isJ2kError(e)) throw new J2kError(e.code, `frame ${index + 1}: ${e.message}`, { cause: e });
  throw e;
}

/**
 * Encode native Pixel Data (all frames, little-endian, as in a data set) to one JPEG 2000 codestream
 * per frame, following PS3.5 §8.2.4 / A.4.4.
 *
 * @param pixelData - The native Pixel Data value (or its pieces, as dcmjs holds them).
 * @param pixelModule - The Image Pixel Module: a {@link PixelModule}, keyword attributes or a dcmjs data set.
 * @throws J2kError `DICOM_INVALID` / `DICOM_UNSUPPORTED` naming the attribute that breaks a rule;
 *   `INVALID_ARGUMENT` for quality options that do not fit the syntax; codec errors otherwise.
 */
export function encodeFrames(
  pixelData: BytesLike | ReadonlyArray<BytesLike>,
  pixelModule: PixelModuleSource,
  options: EncodeFramesOptions,
): EncodedFrames {
  const job = prepareEncode(pixelData, pixelModule, options);
  const frames: Array<{ data: Uint8Array; warnings: string[] }> = [];
  for (let i = 0; i < job.pm.numberOfFrames; i++) {
    try {
      frames.push(encodeDetailed(frameImage(job, i), job.codecOptions));
    } catch (e) {
      frameError(e, i);
    }
  }
  return finishEncode(job, frames);
}

/** {@link encodeFrames} with the codec's asynchronous entry point. */
export async function encodeFramesAsync(
  pixelData: BytesLike | ReadonlyArray<BytesLike>,
  pixelModule: PixelModuleSource,
  options: EncodeFramesOptions,
): Promise<EncodedFrames> {
  const job = prepareEncode(pixelData, pixelModule, options);
  const frames: Array<{ data: Uint8Array; warnings: string[] }> = [];
  for (let i = 0; i < job.pm.numberOfFrames; i++) {
    try {
      frames.push(await encodeDetailedAsync(frameImage(job, i), job.codecOptions));
    } catch (e) {
      frameError(e, i);
    }
  }
  return finishEncode(job, frames);
}

// ---------------------------------------------------------------------------------------------
// Decoding

interface DecodeJob {
  pm: PixelModule;
  codestreams: Uint8Array[];
  headers: HeaderInfo[];
  warnings: string[];
  options: DecodeFramesOptions;
}

function prepareDecode(
  input: ReadonlyArray<Fragment | BytesLike> | EncapsulatedFrames,
  source: PixelModuleSource,
  options: DecodeFramesOptions,
): DecodeJob {
  const warnings: string[] = [];
  const pm = readPixelModule(source, { encapsulated: true, warnings });
  // Rows x Columns x Samples per Pixel x Bits Allocated x Number of Frames: the decoded frames and the
  // native Pixel Data built from them, checked against the limits before anything is joined or decoded.
  const limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  checkOutputBytes(
    2 * nativePixelDataLength(pm),
    limits,
    `decoding ${pm.numberOfFrames} frame(s) of ${pm.rows} x ${pm.columns} x ${pm.samplesPerPixel} sample(s) (Bits Allocated ${pm.bitsAllocated}) to native Pixel Data`,
  );
  const enc: EncapsulatedFrames = Array.isArray(input) ? { fragments: input } : (input as EncapsulatedFrames);
  const fragments = enc.fragments.map((f) => (isFragment(f) ? f : toBytes(f)));
  const grouped = framesFromFragments(fragments, pm.numberOfFrames, {
    basicOffsetTable: enc.basicOffsetTable,
    extendedOffsetTable: enc.extendedOffsetTable,
  });
  warnings.push(...grouped.warnings);

  const codestreams: Uint8Array[] = [];
  const headers: HeaderInfo[] = [];
  const jp2Frames: number[] = [];
  let padded = 0;
  grouped.frames.forEach((frame, i) => {
    const { bytes, trimmed } = trimAfterEoc(frame);
    if (trimmed > 1) padded++;
    if (isJp2(bytes)) jp2Frames.push(i + 1);
    let h: HeaderInfo;
    try {
      h = readHeader(bytes);
    } catch (e) {
      frameError(e, i);
    }
    checkFrameGeometry(h, pm, i);
    codestreams.push(bytes);
    headers.push(h);
  });
  if (jp2Frames.length > 0) {
    warnings.push(
      `${frameList(jp2Frames, pm.numberOfFrames)}: Pixel Data holds a JP2 file, not a raw codestream (PS3.5 §8.2.4 excludes the JP2 header); the codestream inside was decoded`,
    );
  }
  if (padded > 0) warnings.push(`${padded} frame(s) carry more than one byte of padding after the EOC marker; ignored`);
  return { pm, codestreams, headers, warnings, options };
}

function isFragment(f: Fragment | BytesLike): f is Fragment {
  return typeof (f as Fragment).offset === "number" && (f as Fragment).data instanceof Uint8Array;
}

function frameList(frames: number[], total: number): string {
  if (frames.length === total) return total === 1 ? "frame 1" : "every frame";
  return `frame(s) ${frames.join(", ")}`;
}

/** Rows, Columns and Samples per Pixel must describe the codestream (PS3.5 §8.2.4). */
function checkFrameGeometry(h: HeaderInfo, pm: PixelModule, index: number): void {
  const A = ATTRIBUTES;
  if (h.width !== pm.columns || h.height !== pm.rows) {
    throw new J2kError(
      "DICOM_INVALID",
      `frame ${index + 1}: the codestream is ${h.width} x ${h.height} but ${attributeName(A.Columns)} x ${attributeName(A.Rows)} is ${pm.columns} x ${pm.rows}`,
    );
  }
  if (h.components !== pm.samplesPerPixel) {
    throw new J2kError(
      "DICOM_INVALID",
      `frame ${index + 1}: the codestream has ${h.components} component(s) but ${attributeName(A.SamplesPerPixel)} is ${pm.samplesPerPixel}`,
    );
  }
}

function codecDecodeOptions(job: DecodeJob) {
  return { palette: "indices" as const, ...(job.options.limits ? { limits: job.options.limits } : {}) };
}

/** Reconcile precision and signedness, convert samples, and build the native Pixel Data. */
function finishDecode(job: DecodeJob, images: DecodedImage[]): DecodedFrames {
  const { pm, headers, warnings } = job;
  const A = ATTRIBUTES;
  images.forEach((img, i) => {
    for (const w of img.warnings) warnings.push(images.length > 1 ? `frame ${i + 1}: ${w}` : w);
  });

  // Precision: the widest component of any frame; signedness: the first frame's first component.
  let precision = 0;
  for (const img of images) for (const c of img.componentInfo) precision = Math.max(precision, c.bitDepth);
  const codestreamSigned = images[0]!.componentInfo[0]?.signed ?? images[0]!.signed;
  if (images.some((img) => img.componentInfo.some((c) => c.signed !== codestreamSigned))) {
    warnings.push("the codestreams mix signed and unsigned components; all samples are written with the first frame's signedness");
  }

  const fitsContainer = pm.bitsAllocated === 1 ? precision === 1 : precision <= pm.bitsAllocated;
  if (!fitsContainer) {
    throw new J2kError(
      "DICOM_INVALID",
      `the codestream precision is ${precision} bits, which does not fit ${attributeName(A.BitsAllocated)} ${pm.bitsAllocated}`,
    );
  }
  if (precision !== pm.bitsStored) {
    warnings.push(
      `${attributeName(A.BitsStored)} is ${pm.bitsStored} but the codestream precision is ${precision} bits; the codestream wins: Bits Stored ${precision}, High Bit ${precision - 1}`,
    );
  }

  const datasetSigned = pm.pixelRepresentation === 1;
  const signFrom = job.options.signFrom ?? "dataset";
  let outSigned = codestreamSigned;
  let reinterpret = false;
  if (codestreamSigned !== datasetSigned) {
    const cs = codestreamSigned ? "signed" : "unsigned";
    if (signFrom === "dataset") {
      outSigned = datasetSigned;
      reinterpret = true;
      warnings.push(
        `${attributeName(A.PixelRepresentation)} is ${pm.pixelRepresentation} but the codestream samples are ${cs}; the data set wins, as GDCM does: Pixel Representation ${pm.pixelRepresentation} kept and the ${precision}-bit samples reinterpreted as ${datasetSigned ? "two's complement" : "unsigned"} (pass signFrom: "codestream" to keep the samples as decoded)`,
      );
    } else {
      warnings.push(
        `${attributeName(A.PixelRepresentation)} is ${pm.pixelRepresentation} but the codestream samples are ${cs}; the codestream wins (signFrom: "codestream"): Pixel Representation ${codestreamSigned ? 1 : 0}`,
      );
    }
  }

  const mct = headers.some((h) => h.mct);
  const photometricInterpretation = planJpeg2000Decoding(pm.photometricInterpretation, mct, warnings, headers.every((h) => h.reversible));
  const out: PixelModule = {
    ...pm,
    photometricInterpretation,
    planarConfiguration: 0,
    bitsStored: precision,
    highBit: precision - 1,
    pixelRepresentation: outSigned ? 1 : 0,
  };
  const samples = images.map((img) => (reinterpret ? reinterpretSign(img.data, precision, outSigned) : img.data));
  return {
    pixelData: writeNativePixelData(samples, out),
    pixelModule: out,
    headers,
    lossy: headers.some((h) => !h.reversible),
    warnings,
  };
}

/** Reread `precision`-bit samples with the other signedness (two's complement ↔ unsigned). */
function reinterpretSign(data: ArrayLike<number>, precision: number, toSigned: boolean): Int32Array {
  const out = new Int32Array(data.length);
  const span = 2 ** precision;
  const half = span / 2;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    out[i] = toSigned ? (v >= half ? v - span : v) : v < 0 ? v + span : v;
  }
  return out;
}

/**
 * Decode encapsulated JPEG 2000 Pixel Data (fragments or codestreams, one or more per frame) to
 * native Pixel Data, following PS3.5 §8.2.4 / A.4 and tolerating what real archives contain (JP2
 * files instead of codestreams, padding after EOC, frames split over fragments, an empty BOT,
 * precision or signedness that disagree with the data set — see {@link DecodeFramesOptions.signFrom}).
 * The output size (Rows × Columns × Samples per Pixel × Bits Allocated × Number of Frames) is checked
 * against `limits.maxMemory` before any frame is decoded.
 *
 * @throws J2kError `DICOM_INVALID` when frames and attributes cannot be reconciled (size, component
 *   count, precision above Bits Allocated); codec errors (prefixed with the frame) otherwise.
 */
export function decodeFrames(
  input: ReadonlyArray<Fragment | BytesLike> | EncapsulatedFrames,
  pixelModule: PixelModuleSource,
  options: DecodeFramesOptions = {},
): DecodedFrames {
  const job = prepareDecode(input, pixelModule, options);
  const images = job.codestreams.map((cs, i) => {
    try {
      return decode(cs, codecDecodeOptions(job));
    } catch (e) {
      frameError(e, i);
    }
  });
  return finishDecode(job, images);
}

/** {@link decodeFrames} with the codec's asynchronous entry point. */
export async function decodeFramesAsync(
  input: ReadonlyArray<Fragment | BytesLike> | EncapsulatedFrames,
  pixelModule: PixelModuleSource,
  options: DecodeFramesOptions = {},
): Promise<DecodedFrames> {
  const job = prepareDecode(input, pixelModule, options);
  const images: DecodedImage[] = [];
  for (let i = 0; i < job.codestreams.length; i++) {
    try {
      images.push(await decodeAsync(job.codestreams[i]!, codecDecodeOptions(job)));
    } catch (e) {
      frameError(e, i);
    }
  }
  return finishDecode(job, images);
}
