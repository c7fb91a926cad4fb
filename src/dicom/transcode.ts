/**
 * Transcoding DICOM objects between native and JPEG 2000 transfer syntaxes.
 *
 * Input is a Part 10 file (ArrayBuffer / Uint8Array) or a dcmjs data set — a `DicomDict`
 * (`{ meta, dict }`), a denaturalized data set (`{ "00280010": { vr, Value } }`) or a naturalized one
 * (`{ Rows: 512, ..., _meta }`) — and the output is of the same kind. Pixel Data is decoded and/or
 * encoded with {@link decodeFrames} / {@link encodeFrames}; everything else is attribute policy:
 *
 * - Image Pixel Module updated to what the new Pixel Data is (PS3.5 §8.2.4: Photometric
 *   Interpretation YBR_RCT / YBR_ICT when a colour transform is used, RGB after decoding one;
 *   Planar Configuration 0; Bits Stored / Pixel Representation as reconciled on decode).
 * - Lossy encoding (PS3.3 C.7.6.1.1.5, C.7.6.1.1.2): Lossy Image Compression "01", the achieved
 *   ratio appended to Lossy Image Compression Ratio and the method to Lossy Image Compression
 *   Method ("ISO_15444_1" for .91, "ISO_15444_15" for HTJ2K .203: the transfer syntax table's
 *   `coding.lossyMethod`), Image Type value 1 DERIVED, and a new SOP Instance UID (PS3.4: lossy
 *   compression makes a new instance) unless `keepSopInstanceUid`.
 * - File Meta Information: Transfer Syntax UID, Media Storage SOP Instance UID and the
 *   implementation identification (PS3.10 §7.1).
 * @module
 */
import { dcmjs } from "./vendor.js";
import { J2kError } from "../errors.js";
import {
  ATTRIBUTES,
  asBytes,
  attributeName,
  getString,
  getStrings,
  getValues,
  removeAttribute,
  setValues,
  toArrayBuffer,
  type DenaturalizedDataset,
  type DicomElement,
} from "./attributes.js";
import { readHeader } from "../index.js";
import {
  concatBytes,
  encapsulateFrames,
  fromOV,
  framesFromFragments,
  isJp2,
  trimAfterEoc,
  needsExtendedOffsetTable,
  toOV,
  type Fragment,
  type ParsedEncapsulation,
} from "./encapsulation.js";
import {
  decodeFrames,
  decodeFramesAsync,
  encodeFrames,
  encodeFramesAsync,
  type DecodeFramesOptions,
  type DecodedFrames,
  type EncapsulatedFrames,
  type EncodeFramesOptions,
  type EncodedFrames,
} from "./frames.js";
import { nativePixelDataLength } from "./native_pixels.js";
import { readPixelModule, type PixelModule } from "./pixel_module.js";
import { isPart10, readPart10, writePart10, type ReadPart10Options } from "./part10.js";
import type { Limits } from "../types.js";
import { DEFAULT_LIMITS } from "../decode_plan.js";
import { recodeCodestream } from "../transcode_block_coder.js";
import { resolveTransferSyntax, transferSyntaxByUid, type TransferSyntaxInfo } from "./transfer_syntax.js";

/** dcmjs's `DicomDict`: file meta information and data set, both denaturalized. */
export interface DicomDictLike {
  meta: DenaturalizedDataset;
  dict: DenaturalizedDataset;
}

/** A dcmjs naturalized data set (`DicomMetaDictionary.naturalizeDataset`), file meta in `_meta`. */
export type NaturalizedDataset = Record<string, unknown> & { _meta?: Record<string, unknown> };

/** Everything {@link transcode} accepts. */
export type DicomInput = ArrayBuffer | Uint8Array | DicomDictLike | DenaturalizedDataset | NaturalizedDataset;

/** Options of {@link transcode}. */
export interface TranscodeOptions extends Omit<EncodeFramesOptions, "transferSyntax">, DecodeFramesOptions {
  /**
   * Target: a UID or a name — `"j2k-lossless"` (.90), `"j2k"` (.91, needs `ratios`, `psnr` or
   * `qstep`), `"htj2k-lossless"` (.201), `"htj2k-rpcl"` (.202), `"htj2k"` (.203: lossy with
   * `ratios` / `psnr` / `qstep`, reversible without), `"explicit-le"`, `"implicit-le"`, `"deflated-le"`.
   */
  transferSyntax: string;
  /** Keep the SOP Instance UID after lossy compression (default: a new one, PS3.4). */
  keepSopInstanceUid?: boolean;
  /** Source syntax of a data set that carries no File Meta Information (default: inferred). */
  sourceTransferSyntax?: string;
  /** Encapsulation of the output (default "auto": Extended Offset Table only beyond 2^32 − 1 bytes). */
  extendedOffsetTable?: "auto" | "always" | "never";
  /** Receives every warning (what was reconciled or tolerated). */
  onWarning?: (message: string) => void;
  /**
   * Between the JPEG 2000 and HTJ2K syntaxes without new quality targets, `"auto"` (default)
   * re-codes each frame's code-blocks with the other block coder from the same quantised
   * coefficients (no decode, no new loss: .91 → .203 stays the same lossy image) when every frame
   * allows it, and decodes and encodes again otherwise; `"pixels"` always decodes and encodes.
   * .202 targets (RPCL, TLM, PLT, level rule) are always encoded from pixels.
   */
  recode?: "auto" | "pixels";
  /**
   * Part 10 input: read a structurally damaged file as far as it goes (see {@link ReadPart10Options})
   * instead of refusing it with `DICOM_INVALID`. Every repair is a warning; `limits` still apply.
   */
  tolerant?: boolean;
}

/** What {@link inspectDicom} reports. */
export interface DicomPixelSummary {
  /** Transfer Syntax UID of the input. */
  transferSyntaxUid: string;
  /** The table row for it, when j2kit knows the syntax. */
  transferSyntax?: TransferSyntaxInfo;
  pixelModule: PixelModule;
  /** Encapsulated Pixel Data: the bytes of each frame as stored (fragments joined). */
  frames?: Uint8Array[];
  /** Native Pixel Data: its length in bytes. */
  nativeByteLength?: number;
  warnings: string[];
}

/** j2kit's implementation identification for File Meta Information (PS3.10 §7.1; UID per PS3.5 B.2). */
export const IMPLEMENTATION_CLASS_UID = "2.25.87050467607412885892488239564688206788";
export const IMPLEMENTATION_VERSION_NAME = "J2KIT";

type InputKind = "arraybuffer" | "uint8array" | "dicomdict" | "denaturalized" | "naturalized";

/** The input, held as denaturalized meta + data set whatever its kind. */
interface Work {
  kind: InputKind;
  meta: DenaturalizedDataset;
  dict: DenaturalizedDataset;
  /** Group 0002 elements live inside `dict` (a denaturalized data set given with its meta). */
  metaInDict: boolean;
  source: TransferSyntaxInfo;
  encapsulation?: ParsedEncapsulation;
  warnings: string[];
}

/** Pixel Data after conversion. */
type Converted =
  | { kind: "unchanged"; decodedLossy: false }
  | { kind: "recoded"; frames: Uint8Array[]; decodedLossy: boolean }
  | { kind: "native"; bytes: Uint8Array; pm: PixelModule; decodedLossy: boolean }
  | { kind: "encapsulated"; encoded: EncodedFrames; decodedLossy: boolean };

const HEX_TAG = /^[0-9A-Fa-f]{8}$/;

function isDicomDictLike(x: object): x is DicomDictLike {
  const o = x as Partial<DicomDictLike>;
  return typeof o.dict === "object" && o.dict !== null && typeof o.meta === "object" && o.meta !== null;
}

function isDenaturalized(x: object): x is DenaturalizedDataset {
  const entries = Object.entries(x);
  return (
    entries.length > 0 &&
    entries.every(([k, v]) => HEX_TAG.test(k) && typeof v === "object" && v !== null && typeof (v as DicomElement).vr === "string")
  );
}

/** The input taken apart, before its transfer syntax is checked. */
type RawWork = Omit<Work, "source">;

function readInput(input: DicomInput, options: { tolerant?: boolean; limits?: Limits } = {}): RawWork {
  const warnings: string[] = [];
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input instanceof Uint8Array ? input : undefined;
  if (bytes !== undefined) {
    if (!isPart10(bytes)) {
      throw new J2kError("DICOM_INVALID", 'not a DICOM Part 10 file: no "DICM" prefix after the 128-byte preamble (PS3.10 §7.1)');
    }
    const read: ReadPart10Options = {};
    if (options.tolerant !== undefined) read.tolerant = options.tolerant;
    if (options.limits !== undefined) read.limits = options.limits;
    const file = readPart10(bytes, read);
    const raw: RawWork = {
      kind: input instanceof ArrayBuffer ? "arraybuffer" : "uint8array",
      meta: { ...file.meta },
      dict: { ...file.dict },
      metaInDict: false,
      warnings: [...file.warnings],
    };
    if (file.encapsulation !== undefined) raw.encapsulation = file.encapsulation;
    return raw;
  }
  if (typeof input !== "object" || input === null) {
    throw new J2kError("INVALID_ARGUMENT", "input must be a Part 10 file (ArrayBuffer / Uint8Array) or a dcmjs data set");
  }
  if (isDicomDictLike(input)) {
    return { kind: "dicomdict", meta: { ...input.meta }, dict: { ...input.dict }, metaInDict: false, warnings };
  }
  if (isDenaturalized(input)) {
    const dict = { ...input };
    const metaInDict = Object.keys(dict).some((t) => t.startsWith("0002"));
    return { kind: "denaturalized", meta: metaInDict ? pickGroup2(dict) : {}, dict, metaInDict, warnings };
  }
  const { _meta, ...rest } = input as NaturalizedDataset;
  return {
    kind: "naturalized",
    meta: _meta !== undefined ? dcmjs.data.DicomMetaDictionary.denaturalizeDataset(_meta) : {},
    dict: dcmjs.data.DicomMetaDictionary.denaturalizeDataset(rest),
    metaInDict: false,
    warnings,
  };
}

/** The Transfer Syntax UID the input declares (option first, then File Meta Information). */
function declaredSyntax(raw: RawWork, options: { sourceTransferSyntax?: string }): string | undefined {
  return (
    options.sourceTransferSyntax ??
    getString(raw.meta, ATTRIBUTES.TransferSyntaxUID) ??
    getString(raw.dict, ATTRIBUTES.TransferSyntaxUID)
  );
}

function load(input: DicomInput, options: TranscodeOptions): Work {
  const raw = readInput(input, options);
  const declared = declaredSyntax(raw, options);
  const source =
    declared !== undefined ? resolveTransferSyntax(declared, "source transfer syntax") : inferSourceSyntax(raw.dict, raw.warnings);
  return { ...raw, source };
}

function pickGroup2(dict: DenaturalizedDataset): DenaturalizedDataset {
  const out: DenaturalizedDataset = {};
  for (const [t, el] of Object.entries(dict)) if (t.startsWith("0002")) out[t] = el;
  return out;
}

/** A data set without File Meta Information: native if Pixel Data is one buffer of the native size. */
function inferSourceSyntax(dict: DenaturalizedDataset, warnings: string[]): TransferSyntaxInfo {
  const values = getValues(dict, ATTRIBUTES.PixelData);
  if (values !== undefined && values.length === 1) {
    const pm = readPixelModule(dict);
    const len = asBytes(values[0])?.length ?? 0;
    if (len >= nativePixelDataLength(pm)) {
      warnings.push("no Transfer Syntax UID: Pixel Data has the native size, so Explicit VR Little Endian is assumed");
      return resolveTransferSyntax("explicit-le");
    }
  }
  throw new J2kError(
    "DICOM_INVALID",
    `the data set has no ${attributeName(ATTRIBUTES.TransferSyntaxUID)} (no File Meta Information) and its Pixel Data is not native; pass sourceTransferSyntax`,
  );
}

function pixelValues(work: Work): unknown[] {
  const values = getValues(work.dict, ATTRIBUTES.PixelData);
  if (values === undefined) {
    throw new J2kError("DICOM_INVALID", `${attributeName(ATTRIBUTES.PixelData)} is missing or empty`);
  }
  return values;
}

function nativeBytes(work: Work): Uint8Array[] {
  return pixelValues(work).map((v) => {
    const b = asBytes(v);
    if (b === undefined) throw new J2kError("DICOM_INVALID", `${attributeName(ATTRIBUTES.PixelData)} does not hold binary data`);
    return b;
  });
}

/** Encapsulated Pixel Data of the input: raw item parse when consistent with dcmjs, else dcmjs's buffers. */
function encapsulatedInput(work: Work): EncapsulatedFrames {
  const buffers = nativeBytes(work);
  const eotValue = asBytes(getValues(work.dict, ATTRIBUTES.ExtendedOffsetTable)?.[0]);
  const extendedOffsetTable = eotValue !== undefined ? fromOV(eotValue) : undefined;
  const raw = work.encapsulation;
  if (raw !== undefined) {
    const rawTotal = raw.fragments.reduce((n, f) => n + f.data.length, 0);
    const dcmjsTotal = buffers.reduce((n, b) => n + b.length, 0);
    if (rawTotal === dcmjsTotal) {
      if (!raw.terminated) {
        work.warnings.push(
          `${attributeName(ATTRIBUTES.PixelData)} ends without a Sequence Delimitation Item (FFFE,E0DD): the file is truncated; the ${raw.fragments.length} fragment(s) present were used`,
        );
      }
      const out: EncapsulatedFrames = { fragments: raw.fragments, basicOffsetTable: raw.basicOffsetTable };
      if (extendedOffsetTable !== undefined) out.extendedOffsetTable = extendedOffsetTable;
      return out;
    }
  }
  const out: EncapsulatedFrames = { fragments: buffers };
  if (extendedOffsetTable !== undefined) out.extendedOffsetTable = extendedOffsetTable;
  return out;
}

function resolveTarget(options: TranscodeOptions): TransferSyntaxInfo {
  if (typeof options?.transferSyntax !== "string") {
    throw new J2kError("INVALID_ARGUMENT", "transcode: options.transferSyntax (a UID or a name such as \"j2k-lossless\") is required");
  }
  return resolveTransferSyntax(options.transferSyntax, "target transfer syntax");
}

/** Pixel Data needs no work: same syntax without new quality targets, or native to native. */
function isPassThrough(work: Work, target: TransferSyntaxInfo, options: TranscodeOptions): boolean {
  if (!work.source.encapsulated && !target.encapsulated) return true;
  const requality = (options.ratios?.length ?? 0) > 0 || (options.psnr?.length ?? 0) > 0 || options.qstep !== undefined;
  return work.source.uid === target.uid && !requality;
}

function encodeOptions(target: TransferSyntaxInfo, options: TranscodeOptions): EncodeFramesOptions {
  const o: EncodeFramesOptions = { transferSyntax: target.uid };
  if (options.ratios !== undefined) o.ratios = options.ratios;
  if (options.psnr !== undefined) o.psnr = options.psnr;
  if (options.qstep !== undefined) o.qstep = options.qstep;
  if (options.psnrPeak !== undefined) o.psnrPeak = options.psnrPeak;
  if (options.mct !== undefined) o.mct = options.mct;
  return o;
}

function decodeOptions(options: TranscodeOptions): DecodeFramesOptions {
  const o: DecodeFramesOptions = {};
  if (options.signFrom !== undefined) o.signFrom = options.signFrom;
  if (options.limits !== undefined) o.limits = options.limits;
  return o;
}

function afterDecode(work: Work, d: DecodedFrames): { bytes: Uint8Array; pm: PixelModule } {
  work.warnings.push(...d.warnings);
  checkSourceCodestreams(work, d);
  return { bytes: d.pixelData, pm: d.pixelModule };
}

/**
 * JPEG 2000 ↔ HTJ2K by re-coding code-blocks (issue 8 item 5; src/transcode_block_coder.ts): the
 * frames keep their quantised coefficients, so the pixels are exactly the source's and nothing is
 * decoded. `undefined` when this does not apply (other targets, new quality targets, a frame the
 * coefficient path cannot take, a codestream that disagrees with the Image Pixel Module or with
 * the source syntax — those go through decode and encode, which reconcile and warn).
 */
function recodeFrames(work: Work, target: TransferSyntaxInfo, options: TranscodeOptions): Converted | undefined {
  const src = work.source;
  const to = target.coding?.blockCoder;
  if ((options.recode ?? "auto") !== "auto" || !src.encapsulated || !src.coding || !target.coding || to === undefined) return undefined;
  if (src.coding.blockCoder === to || target.coding.tlm || target.coding.plt || target.coding.tileParts !== undefined) return undefined;
  const requality = (options.ratios?.length ?? 0) > 0 || (options.psnr?.length ?? 0) > 0 || options.qstep !== undefined || options.mct !== undefined;
  if (requality || options.signFrom !== undefined) return undefined;
  const pm = readPixelModule(work.dict, { encapsulated: true });
  const enc = encapsulatedInput(work);
  const grouped = framesFromFragments(fragmentsOf(enc), pm.numberOfFrames, enc);
  const limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  const frames: Uint8Array[] = [];
  const warnings = new Set<string>(grouped.warnings);
  let irreversible = false;
  for (const frame of grouped.frames) {
    const cs = trimAfterEoc(frame).bytes;
    if (isJp2(cs)) return undefined;
    const h = readHeader(cs);
    const agrees =
      h.blockCoder === src.coding.blockCoder &&
      h.width === pm.columns &&
      h.height === pm.rows &&
      h.components === pm.samplesPerPixel &&
      h.componentInfo.every((c) => c.bitDepth === pm.bitsStored && c.signed === (pm.pixelRepresentation === 1) && c.dx === 1 && c.dy === 1);
    if (!agrees) return undefined;
    // lossless-only targets take reversible frames; .91 without targets takes irreversible ones
    if (!h.reversible && target.coding.qualityTargets === "forbidden") return undefined;
    if (h.reversible && target.coding.qualityTargets === "required") return undefined;
    irreversible ||= !h.reversible;
    const r = recodeCodestream(cs, undefined, to, limits);
    if (!r.ok) return undefined;
    frames.push(r.data);
    for (const w of r.warnings) warnings.add(w);
  }
  work.warnings.push(...warnings);
  return { kind: "recoded", frames, decodedLossy: irreversible };
}

function convert(work: Work, target: TransferSyntaxInfo, options: TranscodeOptions): Converted {
  if (isPassThrough(work, target, options)) return { kind: "unchanged", decodedLossy: false };
  const recoded = recodeFrames(work, target, options);
  if (recoded) return recoded;
  let native: { bytes: Uint8Array | Uint8Array[]; pm: PixelModule | DenaturalizedDataset };
  let decodedLossy = false;
  if (work.source.encapsulated) {
    const d = decodeFrames(encapsulatedInput(work), work.dict, decodeOptions(options));
    decodedLossy = d.lossy;
    native = afterDecode(work, d);
  } else {
    native = { bytes: nativeBytes(work), pm: work.dict };
  }
  if (!target.encapsulated) {
    const pm = readPixelModule(native.pm);
    return { kind: "native", bytes: joinAll(native.bytes), pm, decodedLossy };
  }
  const encoded = encodeFrames(native.bytes, native.pm, encodeOptions(target, options));
  work.warnings.push(...encoded.warnings);
  return { kind: "encapsulated", encoded, decodedLossy };
}

async function convertAsync(work: Work, target: TransferSyntaxInfo, options: TranscodeOptions): Promise<Converted> {
  if (isPassThrough(work, target, options)) return { kind: "unchanged", decodedLossy: false };
  const recoded = recodeFrames(work, target, options);
  if (recoded) return recoded;
  let native: { bytes: Uint8Array | Uint8Array[]; pm: PixelModule | DenaturalizedDataset };
  let decodedLossy = false;
  if (work.source.encapsulated) {
    const d = await decodeFramesAsync(encapsulatedInput(work), work.dict, decodeOptions(options));
    decodedLossy = d.lossy;
    native = afterDecode(work, d);
  } else {
    native = { bytes: nativeBytes(work), pm: work.dict };
  }
  if (!target.encapsulated) {
    const pm = readPixelModule(native.pm);
    return { kind: "native", bytes: joinAll(native.bytes), pm, decodedLossy };
  }
  const encoded = await encodeFramesAsync(native.bytes, native.pm, encodeOptions(target, options));
  work.warnings.push(...encoded.warnings);
  return { kind: "encapsulated", encoded, decodedLossy };
}

function joinAll(b: Uint8Array | Uint8Array[]): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (b.length === 1) return b[0]!;
  return concatBytes(b);
}

/** Write the Image Pixel Module attributes that describe the new Pixel Data. */
function storePixelModule(dict: DenaturalizedDataset, pm: PixelModule): void {
  const A = ATTRIBUTES;
  setValues(dict, A.PhotometricInterpretation, [pm.photometricInterpretation]);
  setValues(dict, A.BitsStored, [pm.bitsStored]);
  setValues(dict, A.HighBit, [pm.highBit]);
  setValues(dict, A.PixelRepresentation, [pm.pixelRepresentation]);
  if (pm.samplesPerPixel > 1) setValues(dict, A.PlanarConfiguration, [pm.planarConfiguration]);
}

/** Decimal String value of at most 16 characters (PS3.5 Table 6.2-1, DS). */
function formatDS(x: number): string {
  for (let digits = 6; digits >= 1; digits--) {
    const s = String(Number(x.toPrecision(digits)));
    if (s.length <= 16) return s;
  }
  return String(Math.round(x));
}

/** A UUID-derived UID, "2.25." + the UUID as an integer (PS3.5 B.2). */
export function newUid(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 1
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return `2.25.${n}`;
}

/** PS3.3 C.7.6.1.1.5 / C.7.6.1.1.2 and PS3.4: what lossy compression changes in the data set. */
function markLossyCompression(work: Work, dict: DenaturalizedDataset, ratio: number, method: string, keepUid: boolean): void {
  const A = ATTRIBUTES;
  setValues(dict, A.LossyImageCompression, ["01"]);
  const ratios = (getValues(dict, A.LossyImageCompressionRatio) ?? []).map((v) => (typeof v === "number" ? formatDS(v) : String(v).trim()));
  setValues(dict, A.LossyImageCompressionRatio, [...ratios, formatDS(ratio)]);
  setValues(dict, A.LossyImageCompressionMethod, [...getStrings(dict, A.LossyImageCompressionMethod), method]);
  const imageType = getStrings(dict, A.ImageType);
  if (imageType.length > 0) setValues(dict, A.ImageType, ["DERIVED", ...imageType.slice(1)]);
  else work.warnings.push(`${attributeName(A.ImageType)} is absent, so its value 1 could not be set to DERIVED`);
  if (!keepUid) setValues(dict, A.SOPInstanceUID, [newUid()]);
}

/**
 * Frames kept as they are: a Photometric Interpretation of RGB / YBR_FULL on codestreams with a
 * colour transform (as real HTJ2K files have, pydicom-data's HTJ2KLossless_08_RGB.dcm) is replaced by
 * what the codestream is, YBR_RCT or YBR_ICT (PS3.5 §8.2.4, §8.2.14), with a warning.
 */
function relabelColourTransform(work: Work, dict: DenaturalizedDataset, frames: Uint8Array[]): void {
  const A = ATTRIBUTES;
  const pi = getString(dict, A.PhotometricInterpretation);
  if (frames.length === 0 || (pi !== "RGB" && pi !== "YBR_FULL")) return;
  let h;
  try {
    h = readHeader(trimAfterEoc(frames[0]!).bytes);
  } catch {
    return; // an unreadable frame is reported when it is decoded, not here
  }
  if (!h.mct) return;
  const label = h.reversible ? "YBR_RCT" : "YBR_ICT";
  setValues(dict, A.PhotometricInterpretation, [label]);
  work.warnings.push(
    `${attributeName(A.PhotometricInterpretation)} was ${pi} but the codestream uses the ${h.reversible ? "reversible" : "irreversible"} colour transform; the frames are kept and the label follows them: ${label} (PS3.5 §8.2.4, §8.2.14)`,
  );
}

/**
 * What the source transfer syntax promises about its codestreams (block coder, reversibility) that
 * the decoded frames do not keep: decoded anyway, with a warning.
 */
function checkSourceCodestreams(work: Work, d: DecodedFrames): void {
  const src = work.source;
  if (src.coding === undefined) return;
  const want = src.coding.blockCoder;
  const off = d.headers.map((h, i) => ({ h, i })).filter(({ h }) => (want === "ht" ? h.blockCoder === "part1" : h.blockCoder !== "part1"));
  if (off.length > 0) {
    const which = off.length === d.headers.length ? "every frame is" : `frame(s) ${off.map(({ i }) => i + 1).join(", ")} are`;
    work.warnings.push(
      `the transfer syntax is ${src.title} (${src.uid}) but ${which} coded with the ${want === "ht" ? "Part 1 (EBCOT)" : "HT (ISO/IEC 15444-15)"} block coder; decoded anyway`,
    );
  }
  if (src.jpeg2000 === "lossless" && d.lossy) {
    work.warnings.push(`the transfer syntax is ${src.title} (${src.uid}) but the codestreams are irreversibly (9/7) coded: the pixels are lossy`);
  }
}

/** Build the output data set (and meta) from the input and the converted Pixel Data. */
function assemble(work: Work, target: TransferSyntaxInfo, converted: Converted, options: TranscodeOptions) {
  const A = ATTRIBUTES;
  const dict: DenaturalizedDataset = { ...work.dict };
  const meta: DenaturalizedDataset = { ...work.meta };
  let frames: Uint8Array[] | undefined;

  if (converted.kind === "native") {
    storePixelModule(dict, converted.pm);
    removeAttribute(dict, A.ExtendedOffsetTable);
    removeAttribute(dict, A.ExtendedOffsetTableLengths);
    setValues(dict, A.PixelData, [toArrayBuffer(converted.bytes)], converted.pm.bitsAllocated > 8 ? "OW" : "OB");
  } else if (converted.kind === "encapsulated") {
    const e = converted.encoded;
    storePixelModule(dict, e.pixelModule);
    frames = e.frames;
    if (e.lossy) {
      markLossyCompression(work, dict, e.compressionRatio, target.coding?.lossyMethod ?? "ISO_15444_1", options.keepSopInstanceUid ?? false);
    }
  } else if (converted.kind === "recoded") {
    // Block coder changed, coefficients kept: the Image Pixel Module stays the source's.
    frames = converted.frames;
    relabelColourTransform(work, dict, frames);
  } else if (target.encapsulated) {
    // Same JPEG 2000 syntax: the frames are kept as they are, re-encapsulated one fragment per frame.
    const pm = readPixelModule(work.dict, { encapsulated: true });
    const enc = encapsulatedInput(work);
    const grouped = framesFromFragments(fragmentsOf(enc), pm.numberOfFrames, enc);
    work.warnings.push(...grouped.warnings);
    frames = grouped.frames;
    relabelColourTransform(work, dict, frames);
  }
  if (converted.decodedLossy && getString(dict, A.LossyImageCompression) !== "01") {
    setValues(dict, A.LossyImageCompression, ["01"]);
    work.warnings.push(
      `the source codestreams are irreversibly (9/7) coded but ${attributeName(A.LossyImageCompression)} was not "01"; set to "01"`,
    );
  }

  if (frames !== undefined) {
    removeAttribute(dict, A.ExtendedOffsetTable);
    removeAttribute(dict, A.ExtendedOffsetTableLengths);
    setValues(dict, A.PixelData, frames.map(toArrayBuffer), "OB");
    const eot = options.extendedOffsetTable ?? "auto";
    if (eot === "always" || (eot === "auto" && needsExtendedOffsetTable(frames.map((f) => f.length)))) {
      const enc = encapsulateFrames(frames, { extendedOffsetTable: "always" });
      setValues(dict, A.ExtendedOffsetTable, [toArrayBuffer(toOV(enc.extendedOffsetTable!))]);
      setValues(dict, A.ExtendedOffsetTableLengths, [toArrayBuffer(toOV(enc.extendedOffsetTableLengths!))]);
    }
  }

  // File Meta Information (PS3.10 §7.1).
  setValues(meta, A.TransferSyntaxUID, [target.uid]);
  const sopInstance = getString(dict, A.SOPInstanceUID);
  const sopClass = getString(dict, A.SOPClassUID);
  if (sopInstance !== undefined) setValues(meta, A.MediaStorageSOPInstanceUID, [sopInstance]);
  if (sopClass !== undefined && getValues(meta, A.MediaStorageSOPClassUID) === undefined) {
    setValues(meta, A.MediaStorageSOPClassUID, [sopClass]);
  }
  if (getValues(meta, A.FileMetaInformationVersion) === undefined) {
    setValues(meta, A.FileMetaInformationVersion, [toArrayBuffer(new Uint8Array([0, 1]))]);
  }
  setValues(meta, A.ImplementationClassUID, [IMPLEMENTATION_CLASS_UID]);
  setValues(meta, A.ImplementationVersionName, [IMPLEMENTATION_VERSION_NAME]);
  return { dict, meta, frames };
}

/**
 * dcmjs denaturalizes an empty (Type 2) naturalized value to `Value: null`, which its own
 * naturalizeDataset cannot read back; such elements get no Value (sequence items included).
 */
function withoutNullValues(ds: DenaturalizedDataset): DenaturalizedDataset {
  const out: DenaturalizedDataset = {};
  for (const [tag, el] of Object.entries(ds)) {
    if (el.Value === null || el.Value === undefined) {
      const { Value: _drop, ...rest } = el;
      void _drop;
      out[tag] = rest;
    } else if (el.vr === "SQ") {
      out[tag] = { ...el, Value: el.Value.map((item) => withoutNullValues(item as DenaturalizedDataset)) };
    } else {
      out[tag] = el;
    }
  }
  return out;
}

function fragmentsOf(e: EncapsulatedFrames): Array<Fragment | Uint8Array> {
  return e.fragments.map((f) => asBytes(f) ?? (f as Fragment));
}

function output(work: Work, target: TransferSyntaxInfo, built: ReturnType<typeof assemble>, options: TranscodeOptions): DicomInput {
  const { dict, meta, frames } = built;
  for (const w of work.warnings) options.onWarning?.(w);
  switch (work.kind) {
    case "arraybuffer":
    case "uint8array": {
      const enc = frames !== undefined ? encapsulateFrames(frames, { extendedOffsetTable: options.extendedOffsetTable ?? "auto" }) : undefined;
      const bytes = writePart10(withoutNullValues(meta), withoutNullValues(dict), target, enc, options.limits);
      return work.kind === "uint8array" ? bytes : (bytes.buffer as ArrayBuffer);
    }
    case "dicomdict": {
      const out = new dcmjs.data.DicomDict(meta);
      out.dict = dict;
      return out;
    }
    case "denaturalized":
      return work.metaInDict ? { ...dict, ...meta } : dict;
    case "naturalized":
      return {
        ...dcmjs.data.DicomMetaDictionary.naturalizeDataset(withoutNullValues(dict)),
        _meta: dcmjs.data.DicomMetaDictionary.naturalizeDataset(withoutNullValues(meta)),
      };
  }
}

/**
 * Transcode a DICOM object to another transfer syntax: native ↔ JPEG 2000 Lossless (.90) /
 * JPEG 2000 (.91) / HTJ2K Lossless (.201) / HTJ2K with RPCL Options (.202) / HTJ2K (.203), any JPEG
 * 2000 ↔ any JPEG 2000 (decoded and encoded again), native ↔ native. The output is the same kind as the input
 * (Part 10 bytes as ArrayBuffer or Uint8Array, dcmjs `DicomDict`, denaturalized or naturalized data
 * set); the input is not modified.
 *
 * @throws J2kError `DICOM_INVALID` / `DICOM_UNSUPPORTED` naming the attribute or syntax at fault,
 *   `INVALID_ARGUMENT` for options that do not fit the target, codec errors (prefixed with the frame).
 */
export function transcode<T extends DicomInput>(input: T, options: TranscodeOptions): T {
  const target = resolveTarget(options);
  const work = load(input, options);
  const converted = convert(work, target, options);
  return output(work, target, assemble(work, target, converted, options), options) as T;
}

/** {@link transcode} with the codec's asynchronous entry points (same result). */
export async function transcodeAsync<T extends DicomInput>(input: T, options: TranscodeOptions): Promise<T> {
  const target = resolveTarget(options);
  const work = load(input, options);
  const converted = await convertAsync(work, target, options);
  return output(work, target, assemble(work, target, converted, options), options) as T;
}

/**
 * Read a DICOM object's transfer syntax, Image Pixel Module and Pixel Data (frames as stored for
 * encapsulated syntaxes) without decoding — what `j2kit dicom info` prints.
 */
export function inspectDicom(
  input: DicomInput,
  options: { sourceTransferSyntax?: string; tolerant?: boolean; limits?: Limits } = {},
): DicomPixelSummary {
  const raw = readInput(input, options);
  const warnings = raw.warnings;
  const declared = declaredSyntax(raw, options);
  let source: TransferSyntaxInfo;
  if (declared === undefined) {
    source = inferSourceSyntax(raw.dict, warnings);
  } else {
    // Unsupported syntaxes (big endian) are described too; unknown ones (JPEG, RLE, ...) are taken as
    // encapsulated when the Pixel Data is.
    const known = transferSyntaxByUid(declared);
    const encapsulated = raw.encapsulation !== undefined || (getValues(raw.dict, ATTRIBUTES.PixelData)?.length ?? 0) > 1;
    source = known ?? {
      ...resolveTransferSyntax("explicit-le"),
      uid: declared,
      title: "unknown transfer syntax",
      encapsulated,
      supported: false,
    };
  }
  const work: Work = { ...raw, source };
  const pm = readPixelModule(work.dict, { encapsulated: source.encapsulated, warnings });
  const summary: DicomPixelSummary = { transferSyntaxUid: source.uid, pixelModule: pm, warnings };
  const known = transferSyntaxByUid(source.uid);
  if (known !== undefined) summary.transferSyntax = known;
  if (source.encapsulated) {
    const enc = encapsulatedInput(work);
    const grouped = framesFromFragments(fragmentsOf(enc), pm.numberOfFrames, enc);
    warnings.push(...grouped.warnings);
    summary.frames = grouped.frames;
  } else {
    summary.nativeByteLength = nativeBytes(work).reduce((n, b) => n + b.length, 0);
  }
  return summary;
}
