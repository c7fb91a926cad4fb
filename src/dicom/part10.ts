/**
 * DICOM Part 10 files (PS3.10 §7.1): reading with dcmjs, writing with dcmjs for the data elements
 * and j2kit's own encapsulation for Pixel Data.
 *
 * A file is a 128-byte preamble, "DICM", the File Meta Information (group 0002, Explicit VR Little
 * Endian, led by its group length), then the data set in the file's transfer syntax — deflated
 * (raw DEFLATE, RFC 1951) for Deflated Explicit VR Little Endian (PS3.5 A.5).
 *
 * dcmjs reads encapsulated Pixel Data as one buffer per frame when a Basic Offset Table is present,
 * one buffer per fragment otherwise, and drops the tables; so the reader also parses the Pixel Data
 * item sequence from the raw bytes to keep the tables and notice a missing Sequence Delimitation
 * Item. dcmjs writes the elements before and after Pixel Data; j2kit writes Pixel Data itself
 * (one fragment per frame, filled BOT or Extended Offset Table, {@link encapsulateFrames}).
 * @module
 */
import dcmjs from "dcmjs";
import { deflateRaw } from "pako";
import { J2kError } from "../errors.js";
import type { DenaturalizedDataset } from "./attributes.js";
import {
  concatBytes,
  parseEncapsulatedPixelData,
  toOV,
  type EncapsulatedPixelData,
  type ParsedEncapsulation,
} from "./encapsulation.js";
import { transferSyntaxByUid, type TransferSyntaxInfo } from "./transfer_syntax.js";

const EXPLICIT_LE = "1.2.840.10008.1.2.1";
const IMPLICIT_LE = "1.2.840.10008.1.2";
const WRITE_OPTIONS = { allowInvalidVRLength: true, fragmentMultiframe: false };

/** A Part 10 file taken apart. */
export interface Part10Contents {
  meta: DenaturalizedDataset;
  dict: DenaturalizedDataset;
  /** The Pixel Data item sequence parsed from the raw bytes, when the file has encapsulated Pixel Data. */
  encapsulation?: ParsedEncapsulation;
  warnings: string[];
}

/** True when `bytes` look like a Part 10 file ("DICM" after the 128-byte preamble). */
export function isPart10(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/**
 * Read a Part 10 file.
 *
 * @throws J2kError `DICOM_INVALID` when the bytes are not a Part 10 file or dcmjs cannot parse them.
 */
export function readPart10(bytes: Uint8Array): Part10Contents {
  if (!isPart10(bytes)) {
    throw new J2kError("DICOM_INVALID", 'not a DICOM Part 10 file: no "DICM" prefix after the 128-byte preamble (PS3.10 §7.1)');
  }
  const warnings: string[] = [];
  const buffer = bytes.slice().buffer;
  const read = (ignoreErrors: boolean) =>
    dcmjs.data.DicomMessage.readFile(buffer, {
      ignoreErrors,
      untilTag: null,
      includeUntilTagValue: false,
      noCopy: false,
      forceStoreRaw: false,
    });
  let file;
  try {
    file = read(false);
  } catch (first) {
    try {
      file = read(true);
      warnings.push(`dcmjs refused to read the file strictly (${errorText(first)}); read it with ignoreErrors`);
    } catch (e) {
      throw new J2kError("DICOM_INVALID", `cannot parse the DICOM file: ${errorText(e)}`, { cause: e });
    }
  }
  const out: Part10Contents = { meta: file.meta, dict: file.dict, warnings };
  const encapsulation = findEncapsulatedPixelData(bytes, file.meta);
  if (encapsulation !== undefined) out.encapsulation = encapsulation;
  return out;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The data set bytes after the File Meta Information (led by its group length element). */
function datasetBytes(bytes: Uint8Array): Uint8Array | undefined {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // (0002,0000) UL: tag 4 bytes, "UL", length 2 bytes, value 4 bytes.
  if (bytes.length < 144 || v.getUint16(132, true) !== 0x0002 || v.getUint16(134, true) !== 0x0000) return undefined;
  const start = 144 + v.getUint32(140, true);
  return start > bytes.length ? undefined : bytes.subarray(start);
}

/**
 * Find the top-level encapsulated Pixel Data in the raw data set and parse its items: the last
 * (7FE0,0010) element with undefined length (an Icon Image Sequence's Pixel Data comes earlier).
 * Native syntaxes (deflated included) have nothing to find.
 */
function findEncapsulatedPixelData(bytes: Uint8Array, meta: DenaturalizedDataset): ParsedEncapsulation | undefined {
  const ts = String(meta["00020010"]?.Value?.[0] ?? "");
  if (transferSyntaxByUid(ts)?.encapsulated === false) return undefined;
  const ds = datasetBytes(bytes);
  if (ds === undefined) return undefined;
  for (let i = ds.length - 12; i >= 0; i--) {
    if (ds[i] !== 0xe0 || ds[i + 1] !== 0x7f || ds[i + 2] !== 0x10 || ds[i + 3] !== 0x00) continue;
    let valueAt = -1;
    const vr = String.fromCharCode(ds[i + 4]!, ds[i + 5]!);
    if ((vr === "OB" || vr === "OW") && ds[i + 6] === 0 && ds[i + 7] === 0 && isUndefinedLength(ds, i + 8)) valueAt = i + 12;
    else if (isUndefinedLength(ds, i + 4)) valueAt = i + 8;
    if (valueAt < 0) continue;
    try {
      return parseEncapsulatedPixelData(ds.subarray(valueAt));
    } catch {
      continue;
    }
  }
  return undefined;
}

function isUndefinedLength(b: Uint8Array, at: number): boolean {
  return b[at] === 0xff && b[at + 1] === 0xff && b[at + 2] === 0xff && b[at + 3] === 0xff;
}

/** Elements of `ds` whose tags satisfy `keep`, as a new object. */
function pick(ds: DenaturalizedDataset, keep: (tag: string) => boolean): DenaturalizedDataset {
  const out: DenaturalizedDataset = {};
  for (const [tag, el] of Object.entries(ds)) if (keep(tag.toUpperCase())) out[tag] = el;
  return out;
}

/** Serialise elements with dcmjs in Explicit or Implicit VR Little Endian. */
function writeElements(ds: DenaturalizedDataset, syntax: string): Uint8Array {
  const stream = new dcmjs.data.WriteBufferStream(4096, true);
  try {
    dcmjs.data.DicomMessage.write(ds, stream, syntax, WRITE_OPTIONS);
  } catch (e) {
    throw new J2kError("DICOM_INVALID", `cannot write the data set: ${errorText(e)}`, { cause: e });
  }
  return new Uint8Array(stream.getBuffer(0, stream.size));
}

/** Element header: tag, then (explicit VR) VR + reserved + 32-bit length, or (implicit) 32-bit length. */
function elementHeader(group: number, element: number, vr: string, length: number, explicitVR: boolean): Uint8Array {
  const h = new Uint8Array(explicitVR ? 12 : 8);
  const v = new DataView(h.buffer);
  v.setUint16(0, group, true);
  v.setUint16(2, element, true);
  if (explicitVR) {
    h[4] = vr.charCodeAt(0);
    h[5] = vr.charCodeAt(1);
    v.setUint32(8, length, true);
  } else {
    v.setUint32(4, length, true);
  }
  return h;
}

/**
 * Write a Part 10 file. With `encapsulated`, Pixel Data (and the Extended Offset Table elements,
 * when used) come from it and any Pixel Data / offset table elements in `dict` are ignored;
 * otherwise dcmjs writes `dict` as it is (native Pixel Data included).
 */
export function writePart10(
  meta: DenaturalizedDataset,
  dict: DenaturalizedDataset,
  syntax: TransferSyntaxInfo,
  encapsulated?: EncapsulatedPixelData,
): Uint8Array {
  const notMeta = (t: string) => !t.startsWith("0002");
  const metaBytes = writeElements(
    pick(meta, (t) => t.startsWith("0002") && t !== "00020000"),
    EXPLICIT_LE,
  );
  const elementSyntax = syntax.explicitVR ? EXPLICIT_LE : IMPLICIT_LE;

  const parts: Uint8Array[] = [];
  if (encapsulated === undefined) {
    parts.push(writeElements(pick(dict, notMeta), elementSyntax));
  } else {
    parts.push(writeElements(pick(dict, (t) => notMeta(t) && t < "7FE00001"), elementSyntax));
    if (encapsulated.extendedOffsetTable !== undefined && encapsulated.extendedOffsetTableLengths !== undefined) {
      for (const [element, values] of [
        [0x0001, encapsulated.extendedOffsetTable],
        [0x0002, encapsulated.extendedOffsetTableLengths],
      ] as const) {
        const ov = toOV(values);
        parts.push(elementHeader(0x7fe0, element, "OV", ov.length, syntax.explicitVR), ov);
      }
    }
    parts.push(elementHeader(0x7fe0, 0x0010, "OB", 0xffffffff, syntax.explicitVR), ...encapsulated.chunks);
    parts.push(writeElements(pick(dict, (t) => t > "7FE00010"), elementSyntax));
  }
  let dataset = concatBytes(parts);
  if (syntax.deflated) dataset = deflateRaw(dataset);

  const head = new Uint8Array(144);
  head.set([0x44, 0x49, 0x43, 0x4d], 128); // "DICM"
  head.set([0x02, 0x00, 0x00, 0x00, 0x55, 0x4c, 0x04, 0x00], 132); // (0002,0000) "UL", length 4
  new DataView(head.buffer).setUint32(140, metaBytes.length, true);
  return concatBytes([head, metaBytes, dataset]);
}
