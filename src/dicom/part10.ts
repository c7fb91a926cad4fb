/**
 * DICOM Part 10 files (PS3.10 §7.1): reading with dcmjs, writing with dcmjs for the data elements
 * and j2kit's own encapsulation for Pixel Data.
 *
 * A file is a 128-byte preamble, "DICM", the File Meta Information (group 0002, Explicit VR Little
 * Endian, led by its group length), then the data set in the file's transfer syntax — deflated
 * (raw DEFLATE, RFC 1951) for Deflated Explicit VR Little Endian (PS3.5 A.5).
 *
 * Reading checks the structure first (part10_structure.ts: every length against the bytes that remain
 * and against `limits`, the way dcmjs will read it), then dcmjs reads the data elements — without the
 * top-level encapsulated Pixel Data, whose item sequence is parsed here (keeping the offset tables,
 * noticing a missing Sequence Delimitation Item, and sparing dcmjs's per-frame copying). dcmjs writes
 * the elements before and after Pixel Data; j2kit writes Pixel Data itself (one fragment per frame,
 * filled BOT or Extended Offset Table, {@link encapsulateFrames}).
 * @module
 */
import { dcmjs, deflateRaw } from "./vendor.js";
import { J2kError } from "../errors.js";
import { DEFAULT_LIMITS } from "../decode.js";
import type { Limits } from "../types.js";
import { toArrayBuffer, type DenaturalizedDataset } from "./attributes.js";
import { concatBytes, toOV, type EncapsulatedPixelData, type ParsedEncapsulation } from "./encapsulation.js";
import { checkPart10Structure } from "./part10_structure.js";
import type { TransferSyntaxInfo } from "./transfer_syntax.js";

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

/** Options of {@link readPart10}. */
export interface ReadPart10Options {
  /**
   * Read a damaged file as far as it goes instead of refusing it: an element or item whose length
   * runs past the end of the file (or any other structural damage) ends the data set there, and dcmjs
   * reads the rest with `ignoreErrors`. Every repair is reported in `warnings`; the limits still apply.
   */
  tolerant?: boolean;
  /** `maxMemory` bounds what reading the file may allocate (default {@link DEFAULT_LIMITS}). */
  limits?: Limits;
}

/**
 * Read a Part 10 file. Its structure is checked first ({@link checkPart10Structure}: every element
 * and item length within the bytes that remain, against `limits.maxMemory`), then dcmjs reads it.
 * The top-level encapsulated Pixel Data is parsed here, not by dcmjs: `encapsulation` holds its items
 * and `dict`'s Pixel Data value is one ArrayBuffer per fragment.
 *
 * @throws J2kError `DICOM_INVALID` naming the element (tag, byte offset, declared and available
 *   length) when the file is malformed or dcmjs cannot parse it; `LIMIT_MEMORY` beyond `limits`.
 */
export function readPart10(bytes: Uint8Array, options: ReadPart10Options = {}): Part10Contents {
  if (!isPart10(bytes)) {
    throw new J2kError("DICOM_INVALID", 'not a DICOM Part 10 file: no "DICM" prefix after the 128-byte preamble (PS3.10 §7.1)');
  }
  const limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  const tolerant = options.tolerant === true;
  const structure = checkPart10Structure(bytes, { tolerant, maxMemory: limits.maxMemory });
  const warnings = [...structure.warnings];
  const b = structure.bytes;
  const buffer = b !== bytes && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? (b.buffer as ArrayBuffer) : b.slice().buffer;
  const read = (ignoreErrors: boolean) =>
    quietly(() =>
      dcmjs.data.DicomMessage.readFile(buffer, {
        ignoreErrors,
        untilTag: null,
        includeUntilTagValue: false,
        noCopy: false,
        forceStoreRaw: false,
      }),
    );
  let file;
  try {
    file = read(false);
  } catch (first) {
    // The structure is sound (checked above), so reading on past dcmjs's complaint cannot make it
    // allocate beyond the file: character sets it does not handle are a known quirk of real
    // archives (reported); anything else only with `tolerant`.
    const charset = /character set/i.test(errorText(first));
    if (!charset && !tolerant) {
      throw new J2kError("DICOM_INVALID", `cannot parse the DICOM file: ${errorText(first)}; pass tolerant: true to read what dcmjs can`, { cause: first });
    }
    try {
      file = read(true);
    } catch (e) {
      throw new J2kError("DICOM_INVALID", `cannot parse the DICOM file: ${errorText(e)}`, { cause: e });
    }
    warnings.push(
      charset
        ? `Specific Character Set (0008,0005): ${errorText(first)}; dcmjs decodes text with the first character set only`
        : `dcmjs could not read the file strictly (${errorText(first)}); read with ignoreErrors (tolerant)`,
    );
  }
  if (file?.meta === undefined || file.dict === undefined) throw new J2kError("DICOM_INVALID", "cannot parse the DICOM file: dcmjs returned no data set");
  const out: Part10Contents = { meta: file.meta, dict: file.dict, warnings };
  if (structure.encapsulation !== undefined) {
    out.encapsulation = structure.encapsulation;
    const el = file.dict["7FE00010"];
    if (el !== undefined) el.Value = structure.encapsulation.fragments.map((f) => toArrayBuffer(f.data));
  }
  return out;
}

/**
 * Run `f` with dcmjs's console logging off: what it would print (an invalid VR read as UN, a character
 * set it does not handle) is already in j2kit's warnings. The levels are restored afterwards.
 */
function quietly<T>(f: () => T): T {
  const loggers = [dcmjs.log, dcmjs.log.getLogger("validation.dcmjs")];
  const levels = loggers.map((l) => l.getLevel());
  for (const l of loggers) l.setLevel("silent", false);
  try {
    return f();
  } finally {
    loggers.forEach((l, i) => l.setLevel(levels[i]!, false));
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
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
    quietly(() => dcmjs.data.DicomMessage.write(ds, stream, syntax, WRITE_OPTIONS));
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
  limits?: Limits,
): Uint8Array {
  const maxBytes = limits?.maxMemory ?? DEFAULT_LIMITS.maxMemory;
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
  let dataset = concatBytes(parts, maxBytes);
  if (syntax.deflated) dataset = deflateRaw(dataset);

  const head = new Uint8Array(144);
  head.set([0x44, 0x49, 0x43, 0x4d], 128); // "DICM"
  head.set([0x02, 0x00, 0x00, 0x00, 0x55, 0x4c, 0x04, 0x00], 132); // (0002,0000) "UL", length 4
  new DataView(head.buffer).setUint32(140, metaBytes.length, true);
  return concatBytes([head, metaBytes, dataset], maxBytes);
}
