/**
 * Structure check of a DICOM Part 10 file before dcmjs reads it (PS3.10 §7.1; PS3.5 §7.1-7.5, A.4).
 *
 * dcmjs trusts every length it reads: a value length past the end of the buffer makes it allocate the
 * declared size (up to 4 GiB) and copy into it, a malformed item makes it lose its place in the
 * stream and read lengths out of the middle of values, and its Basic Offset Table handling copies the
 * whole stream once per frame. So the file is walked here first, the way dcmjs will read it (the same
 * VR for every element, the same 16- or 32-bit length fields, the same word-by-word search for the end
 * of an undefined-length item), and every length is checked against the bytes that remain in its
 * container before anything is allocated. A problem is a `DICOM_INVALID` J2kError naming the element
 * (tag, byte offset, declared and available length).
 *
 * The walk also decides what dcmjs gets to read: the file itself, or a copy in which the top-level
 * encapsulated Pixel Data is replaced by an empty item sequence (its fragments are parsed here, so
 * dcmjs neither copies them nor runs its per-frame Basic Offset Table loop), trailing bytes too short
 * for an element are dropped, and — only with `tolerant` — a data set cut at the first element whose
 * length runs past the end of the file.
 * @module
 */
import { dcmjs, Inflate } from "./vendor.js";
import { J2kError } from "../errors.js";
import { parseEncapsulatedPixelData, type ParsedEncapsulation } from "./encapsulation.js";
import { transferSyntaxByUid } from "./transfer_syntax.js";
import { joinBytes } from "../io/bytes.js";

const UNDEFINED = 0xffffffff;

/**
 * How dcmjs reads each VR (checked against dcmjs by test/dicom/part10_structure.test.ts):
 * `long`: explicit VR with 2 reserved bytes and a 32-bit length (PS3.5 Table 7.1-1); `bulk`: bytes
 * that may have undefined length and then hold items (encapsulated, PS3.5 A.4); `unit`: fixed-size
 * binary values, read `unit` bytes at a time whatever the length says (so a length that is not a
 * multiple of it would shift every later read). Exported for the test that compares it with dcmjs.
 * @internal
 */
export const VR_TABLE: Record<string, { long?: boolean; bulk?: boolean; unit?: number }> = {
  OB: { long: true, bulk: true },
  OD: { long: true, bulk: true },
  OF: { long: true, bulk: true },
  OL: { long: true, bulk: true },
  OV: { long: true, bulk: true },
  OW: { long: true, bulk: true },
  ox: { long: true, bulk: true },
  SV: { long: true, bulk: true },
  UV: { long: true, bulk: true },
  UN: { long: true, bulk: true },
  SQ: { long: true },
  UC: { long: true },
  UR: { long: true },
  UT: { long: true },
  AT: { unit: 4 },
  FL: { unit: 4 },
  FD: { unit: 8 },
  SL: { unit: 4 },
  SS: { unit: 2 },
  UL: { unit: 4 },
  US: { unit: 2 },
  xs: { unit: 2 },
};
/** VRs dcmjs knows; any other (e.g. two zero bytes) it reads as UN. */
const KNOWN_VRS = new Set([
  "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ",
  "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV", "ox", "xs",
]);

/** Options of {@link checkPart10Structure}. */
export interface Part10StructureOptions {
  /**
   * Repair what can be repaired instead of refusing it (each repair is a warning): an element or item
   * whose length runs past the end of the file ends the data set there; a damaged Basic Offset Table is
   * dropped. The limits still apply.
   */
  tolerant?: boolean;
  /** Bytes the whole DICOM step may use (limits.maxMemory): inflated data set, copies, dcmjs objects. */
  maxMemory: number;
}

/** What the structure check found. */
export interface Part10Structure {
  /** The bytes dcmjs should read: the input, or a repaired copy (see the module comment). */
  bytes: Uint8Array;
  /** Transfer Syntax UID of the File Meta Information. */
  transferSyntaxUid: string;
  /** Data elements in the file (every nesting level). */
  elementCount: number;
  /** Top-level encapsulated Pixel Data taken apart (views into the input bytes). */
  encapsulation?: ParsedEncapsulation;
  /** What was tolerated or repaired. */
  warnings: string[];
}

/** Bytes of memory dcmjs needs per data element (objects, proxies, strings), a generous estimate. */
const BYTES_PER_ELEMENT = 1024;
/** Deepest nesting of sequences accepted (dcmjs reads them recursively). */
const MAX_DEPTH = 32;
/** Copying budget for dcmjs's Basic Offset Table loop on encapsulated values other than Pixel Data. */
const BOT_COPY_BUDGET = 64 * 2 ** 20;

function tagText(group: number, element: number): string {
  const h = (n: number) => n.toString(16).toUpperCase().padStart(4, "0");
  return `(${h(group)},${h(element)})`;
}

function dictionaryVr(group: number, element: number): string | undefined {
  const key = tagText(group, element);
  const entry = dcmjs.data.DicomMetaDictionary.dictionary[key];
  return typeof entry?.vr === "string" ? entry.vr : undefined;
}

/** A problem that ends the walk: where, and whether tolerant mode may cut the data set there. */
class StructureProblem extends Error {
  /**
   * @param offset - where the problem is (reported in the error).
   * @param cutAt - where tolerant mode cuts the data set: by default the start of the top-level
   *   element being read; inside the top-level Pixel Data, the damaged item (complete fragments kept).
   */
  constructor(message: string, readonly offset: number, readonly cutAt?: number) {
    super(message);
  }
}

interface Walk {
  b: Uint8Array;
  v: DataView;
  little: boolean;
  explicit: boolean;
  elements: number;
  warnings: string[];
  /** Start of the top-level element being walked (where tolerant mode cuts the data set). */
  topAt: number;
  /** Top-level encapsulated Pixel Data: [element start, value start, end of its item sequence). */
  pixelData?: { at: number; valueAt: number; end: number; terminated: boolean };
}

function u16(w: Walk, at: number): number {
  return w.v.getUint16(at, w.little);
}
function u32(w: Walk, at: number): number {
  return w.v.getUint32(at, w.little);
}

/**
 * Check the structure of a Part 10 file and decide what dcmjs reads.
 *
 * @throws J2kError `DICOM_INVALID` naming the element at fault; `LIMIT_MEMORY` when reading the file
 *   would need more than `maxMemory`.
 */
export function checkPart10Structure(input: Uint8Array, options: Part10StructureOptions): Part10Structure {
  const tolerant = options.tolerant === true;
  const warnings: string[] = [];
  if (input.length < 132 || input[128] !== 0x44 || input[129] !== 0x49 || input[130] !== 0x43 || input[131] !== 0x4d) {
    throw new J2kError("DICOM_INVALID", 'not a DICOM Part 10 file: no "DICM" prefix after the 128-byte preamble (PS3.10 §7.1)', { offset: 128 });
  }
  checkMemory(input.length * 2, 0, options.maxMemory, "reading the file");

  // File Meta Information: explicit VR little endian, led by its group length (PS3.10 §7.1).
  const meta: Walk = { b: input, v: new DataView(input.buffer, input.byteOffset, input.byteLength), little: true, explicit: true, elements: 0, warnings, topAt: 0 };
  if (input.length < 144 || u16(meta, 132) !== 0x0002 || u16(meta, 134) !== 0x0000 || input[136] !== 0x55 || input[137] !== 0x4c || u16(meta, 138) !== 4) {
    throw new J2kError("DICOM_INVALID", "the File Meta Information must start with File Meta Information Group Length (0002,0000) UL (PS3.10 §7.1)", { offset: 132 });
  }
  const metaLength = u32(meta, 140);
  const metaEnd = 144 + metaLength;
  if (metaEnd > input.length) {
    throw new J2kError(
      "DICOM_INVALID",
      `File Meta Information Group Length (0002,0000) declares ${metaLength} bytes but only ${input.length - 144} remain in the file`,
      { offset: 132 },
    );
  }
  try {
    walkDataset(meta, 144, metaEnd, 0, "meta");
  } catch (e) {
    if (e instanceof StructureProblem) throw new J2kError("DICOM_INVALID", `File Meta Information: ${e.message}`, { offset: e.offset });
    throw e;
  }
  const transferSyntaxUid = readTransferSyntax(input, 144, metaEnd);

  // The data set, as dcmjs will read it: the encoding from the transfer syntax table; a syntax the
  // table does not know is read as explicit VR little endian, as dcmjs does (_normalizeSyntax).
  const syntax = transferSyntaxByUid(transferSyntaxUid);
  const deflated = syntax?.deflated === true;
  let data = input;
  const datasetAt = metaEnd;
  let little = syntax?.bigEndian !== true;
  let explicit = syntax?.explicitVR !== false;
  if (deflated) {
    const inflated = inflateCapped(input.subarray(metaEnd), Math.floor(options.maxMemory / 4));
    data = new Uint8Array(metaEnd + inflated.length);
    data.set(input.subarray(0, metaEnd));
    data.set(inflated, metaEnd);
    little = true;
    explicit = true;
  }
  const w: Walk = { b: data, v: new DataView(data.buffer, data.byteOffset, data.byteLength), little, explicit, elements: meta.elements, warnings, topAt: datasetAt };
  let end = data.length;
  for (let attempt = 0; ; attempt++) {
    try {
      end = walkTop(w, datasetAt, end);
      break;
    } catch (e) {
      if (!(e instanceof StructureProblem)) throw e;
      const cut = e.cutAt ?? w.topAt;
      if (!tolerant || deflated || attempt >= 8 || cut >= end) {
        const hint = !tolerant && !deflated ? "; pass tolerant: true to read the data set up to that point" : "";
        throw new J2kError("DICOM_INVALID", e.message + hint, { offset: e.offset });
      }
      warnings.push(`${e.message}; the data set was cut at byte ${cut} (tolerant)`);
      end = cut;
      w.pixelData = undefined;
      w.elements = meta.elements;
    }
  }
  checkMemory(data.length * 3, w.elements, options.maxMemory, "reading the data set");

  // What dcmjs reads: without the Pixel Data fragments (parsed here) and without a cut-off tail.
  const out: Part10Structure = { bytes: input, transferSyntaxUid, elementCount: w.elements, warnings: [...new Set(warnings)] };
  if (deflated) {
    if (end !== data.length) throw new J2kError("DICOM_INVALID", "the deflated data set is damaged");
    return out;
  }
  const pd = w.pixelData;
  if (pd !== undefined) {
    const enc = parseEncapsulatedPixelData(input.subarray(pd.valueAt, pd.end));
    out.encapsulation = enc;
    const empty = new Uint8Array(16);
    const ev = new DataView(empty.buffer);
    ev.setUint16(0, 0xfffe, little);
    ev.setUint16(2, 0xe000, little);
    ev.setUint16(8, 0xfffe, little);
    ev.setUint16(10, 0xe0dd, little);
    out.bytes = joinBytes([input.subarray(0, pd.valueAt), empty, input.subarray(pd.end, end)]);
  } else if (end !== input.length) {
    out.bytes = input.subarray(0, end);
  }
  return out;
}

function checkMemory(bytes: number, elements: number, maxMemory: number, what: string): void {
  const need = bytes + elements * BYTES_PER_ELEMENT;
  if (need > maxMemory) {
    throw new J2kError(
      "LIMIT_MEMORY",
      `${what} needs about ${(need / 2 ** 20).toFixed(0)} MiB (${elements ? `${elements} data elements, ` : ""}${(bytes / 2 ** 20).toFixed(1)} MiB of copies), above limits.maxMemory (${(maxMemory / 2 ** 20).toFixed(0)} MiB)`,
    );
  }
}

/** Inflate a deflated data set (PS3.5 A.5) without letting it grow past `cap` bytes (a zip bomb stops early). */
function inflateCapped(deflated: Uint8Array, cap: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inf = new Inflate({ raw: true, chunkSize: 64 * 1024 });
  inf.onData = (c: Uint8Array) => {
    total += c.length;
    if (total > cap) {
      throw new J2kError("LIMIT_MEMORY", `the deflated data set inflates to more than ${(cap / 2 ** 20).toFixed(0)} MiB (a quarter of limits.maxMemory)`);
    }
    chunks.push(c);
  };
  try {
    if (deflated.length === 0) throw new Error("no deflated data after the File Meta Information");
    const step = 64 * 1024;
    for (let at = 0; at < deflated.length; at += step) {
      inf.push(deflated.subarray(at, Math.min(deflated.length, at + step)), at + step >= deflated.length);
      if (inf.err) throw new Error(inf.msg || `zlib error ${inf.err}`);
    }
  } catch (e) {
    if (e instanceof J2kError) throw e;
    throw new J2kError("DICOM_INVALID", `the deflated data set (PS3.5 A.5) cannot be inflated: ${String((e as Error)?.message ?? e)}`, { cause: e });
  }
  return joinBytes(chunks);
}

function readTransferSyntax(b: Uint8Array, start: number, end: number): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = start;
  while (at + 8 <= end) {
    const g = v.getUint16(at, true);
    const e = v.getUint16(at + 2, true);
    const vr = String.fromCharCode(b[at + 4]!, b[at + 5]!);
    const long = VR_TABLE[KNOWN_VRS.has(vr) ? vr : "UN"]?.long === true;
    const len = long ? v.getUint32(at + 8, true) : v.getUint16(at + 6, true);
    const valueAt = at + (long ? 12 : 8);
    if (g === 0x0002 && e === 0x0010) {
      let s = "";
      for (let i = valueAt; i < Math.min(end, valueAt + len); i++) s += String.fromCharCode(b[i]!);
      const uid = s.replace(/[\0 ]+$/, "").trim();
      if (uid === "") break;
      return uid;
    }
    at = valueAt + len;
  }
  throw new J2kError("DICOM_INVALID", "the File Meta Information has no Transfer Syntax UID (0002,0010) (PS3.10 §7.1)", { offset: start });
}

interface Header {
  group: number;
  element: number;
  /** VR as dcmjs resolves it for reading the value. */
  vr: string;
  length: number;
  valueAt: number;
}

/** Read an element header the way dcmjs's DicomMessage._readTag does. */
function readHeader(w: Walk, at: number, end: number): Header {
  const group = u16(w, at);
  const element = u16(w, at + 2);
  if (!w.explicit) {
    const length = u32(w, at + 4);
    let vr = dictionaryVr(group, element);
    if (vr === undefined) {
      if (length === UNDEFINED) vr = "SQ";
      else if (group === 0x7fe0 && element === 0x0010) vr = "OW";
      else if (group % 2 === 1 && element > 0 && element < 0x100) vr = "LO";
      else vr = "UN";
    }
    return { group, element, vr: KNOWN_VRS.has(vr) ? vr : "UN", length, valueAt: at + 8 };
  }
  const raw = String.fromCharCode(w.b[at + 4]!, w.b[at + 5]!);
  const vr = KNOWN_VRS.has(raw) ? raw : "UN";
  if (!KNOWN_VRS.has(raw)) {
    w.warnings.push(`element ${tagText(group, element)} at byte ${at} has an invalid VR ${JSON.stringify(raw)}; read as UN`);
  }
  if (VR_TABLE[vr]?.long) {
    if (at + 12 > end) {
      throw new StructureProblem(`element ${tagText(group, element)} at byte ${at}: its header needs 12 bytes but only ${end - at} remain`, at);
    }
    let effective = vr;
    // dcmjs reads a UN element of a known tag as the dictionary's VR (its length field stays 32-bit)
    if (raw === "UN") effective = dictionaryVr(group, element) ?? "UN";
    return { group, element, vr: KNOWN_VRS.has(effective) ? effective : "UN", length: u32(w, at + 8), valueAt: at + 12 };
  }
  return { group, element, vr, length: u16(w, at + 6), valueAt: at + 8 };
}

type Context = "top" | "meta" | "defined" | "undefinedItem";

function containerName(context: Context): string {
  return context === "top" ? "file" : context === "meta" ? "File Meta Information group" : "item";
}

/**
 * Walk the elements of a data set in [pos, end). For an item of undefined length, returns the offset
 * of its Item Delimitation Item; otherwise `end`.
 */
function walkDataset(w: Walk, pos: number, end: number, depth: number, context: Context): number {
  if (depth > MAX_DEPTH) {
    throw new StructureProblem(`sequences are nested more than ${MAX_DEPTH} deep at byte ${pos}`, pos);
  }
  while (pos < end) {
    if (end - pos < 8) {
      if (context === "top" && depth === 0) {
        w.warnings.push(`${end - pos} byte(s) after the last data element (too few for an element) ignored`);
        throw new TrailingBytes(pos);
      }
      throw new StructureProblem(`an element header at byte ${pos} needs 8 bytes but only ${end - pos} remain in its ${containerName(context)}`, pos);
    }
    const group = u16(w, pos);
    const element = u16(w, pos + 2);
    if (group === 0xfffe) {
      if (element === 0xe00d && context === "undefinedItem") {
        if (u32(w, pos + 4) !== 0) throw new StructureProblem(`Item Delimitation Item (FFFE,E00D) at byte ${pos} has length ${u32(w, pos + 4)}, not 0 (PS3.5 §7.5.2)`, pos);
        return pos;
      }
      throw new StructureProblem(`unexpected ${tagText(group, element)} at byte ${pos}: an item or delimiter outside a sequence (PS3.5 §7.5)`, pos);
    }
    if (depth === 0 && context === "top") w.topAt = pos;
    const h = readHeader(w, pos, end);
    const name = `element ${tagText(h.group, h.element)} at byte ${pos}`;
    w.elements++;
    if (h.length === UNDEFINED) {
      if (h.vr === "SQ") {
        pos = walkUndefinedSequence(w, h, pos, end, depth);
      } else if (VR_TABLE[h.vr]?.bulk) {
        pos = walkEncapsulated(w, h, pos, end, depth);
      } else {
        throw new StructureProblem(`${name} has undefined length, which VR ${h.vr} does not allow (PS3.5 §7.1.1)`, pos);
      }
      continue;
    }
    const available = end - h.valueAt;
    if (h.length > available) {
      throw new StructureProblem(
        `${name} declares a value of ${h.length} bytes but only ${Math.max(0, available)} remain in its ${containerName(context)}`,
        pos,
      );
    }
    const unit = VR_TABLE[h.vr]?.unit;
    if (unit !== undefined && h.length % unit !== 0 && !(w.explicit && String.fromCharCode(w.b[pos + 4]!, w.b[pos + 5]!) === "UN")) {
      throw new StructureProblem(`${name}: value length ${h.length} is not a multiple of ${unit}, the size of one ${h.vr} value (PS3.5 §6.2)`, pos);
    }
    if (h.vr === "SQ") walkDefinedSequence(w, h, h.valueAt, h.valueAt + h.length, depth);
    pos = h.valueAt + h.length;
  }
  if (context === "undefinedItem") {
    throw new StructureProblem(`an item of undefined length ends at byte ${end} without its Item Delimitation Item (FFFE,E00D)`, end);
  }
  return end;
}

/** Bytes too few for an element at the end of the file: dropped (a warning was given). */
class TrailingBytes extends Error {
  constructor(readonly offset: number) {
    super("trailing bytes");
  }
}

function walkDefinedSequence(w: Walk, h: Header, start: number, end: number, depth: number): void {
  let pos = start;
  const name = `sequence ${tagText(h.group, h.element)}`;
  while (pos < end) {
    if (end - pos < 8) throw new StructureProblem(`${name}: ${end - pos} byte(s) at byte ${pos} are too few for an item`, pos);
    const g = u16(w, pos);
    const e = u16(w, pos + 2);
    const len = u32(w, pos + 4);
    if (g !== 0xfffe || e !== 0xe000) {
      throw new StructureProblem(`${name}: expected an Item (FFFE,E000) at byte ${pos} but found ${tagText(g, e)} (PS3.5 §7.5)`, pos);
    }
    pos = walkItem(w, name, pos, len, end, depth);
  }
}

function walkUndefinedSequence(w: Walk, h: Header, at: number, end: number, depth: number): number {
  let pos = h.valueAt;
  const name = `sequence ${tagText(h.group, h.element)} at byte ${at}`;
  for (;;) {
    if (end - pos < 8) {
      throw new StructureProblem(`${name} has no Sequence Delimitation Item (FFFE,E0DD) before byte ${end}`, at);
    }
    const g = u16(w, pos);
    const e = u16(w, pos + 2);
    const len = u32(w, pos + 4);
    if (g === 0xfffe && e === 0xe0dd) return pos + 8;
    if (g !== 0xfffe || e !== 0xe000) {
      throw new StructureProblem(`${name}: expected an Item (FFFE,E000) at byte ${pos} but found ${tagText(g, e)} (PS3.5 §7.5)`, pos);
    }
    pos = walkItem(w, name, pos, len, end, depth);
  }
}

/** One item of a sequence at `pos` (its header read: length `len`); returns the offset after it. */
function walkItem(w: Walk, name: string, pos: number, len: number, end: number, depth: number): number {
  const start = pos + 8;
  if (len !== UNDEFINED) {
    if (len > end - start) {
      throw new StructureProblem(`${name}: the item at byte ${pos} declares ${len} bytes but only ${end - start} remain`, pos);
    }
    walkDataset(w, start, start + len, depth + 1, "defined");
    return start + len;
  }
  const delimiter = walkDataset(w, start, end, depth + 1, "undefinedItem");
  // dcmjs finds the end of an undefined-length item by scanning 16-bit words for the delimiter;
  // it must land where the elements say, or dcmjs would read a different item.
  const scanned = scanLikeDcmjs(w, start, end);
  if (scanned !== delimiter) {
    throw new StructureProblem(
      `${name}: the item at byte ${pos} is ambiguous (its Item Delimitation Item is at byte ${delimiter}, but a delimiter pattern inside a value ends it at ${scanned < 0 ? "no position" : `byte ${scanned}`})`,
      pos,
    );
  }
  return delimiter + 8;
}

/** dcmjs's SequenceOfItems word scan for the end of an undefined-length item (offset of its delimiter, or -1). */
function scanLikeDcmjs(w: Walk, start: number, end: number): number {
  let pos = start;
  let stack = 0;
  while (pos + 2 <= end) {
    const g = u16(w, pos);
    pos += 2;
    if (g !== 0xfffe) continue;
    if (pos + 6 > end) return -1;
    const ge = u16(w, pos);
    const itemLength = u32(w, pos + 2);
    pos += 2;
    if (ge === 0xe00d) {
      if (itemLength === 0) {
        stack--;
        if (stack < 0) return pos - 4;
      }
    } else if (ge === 0xe000) {
      if (itemLength === UNDEFINED) stack++;
    } else {
      pos -= 2;
    }
  }
  return -1;
}

/**
 * An undefined-length OB/OW/UN/... value: items of defined length (PS3.5 A.4), the first one the
 * Basic Offset Table, up to the Sequence Delimitation Item (or the end of the file, for the top-level
 * Pixel Data only, as real archives have it).
 */
function walkEncapsulated(w: Walk, h: Header, at: number, end: number, depth: number): number {
  const name = `${h.group === 0x7fe0 && h.element === 0x0010 ? "Pixel Data " : "element "}${tagText(h.group, h.element)} at byte ${at}`;
  const topPixelData = depth === 0 && h.group === 0x7fe0 && h.element === 0x0010;
  let pos = h.valueAt;
  let first = true;
  let botEntries = 0;
  let terminated = false;
  for (;;) {
    if (pos === end && topPixelData && !first) {
      w.warnings.push(`${name} ends without a Sequence Delimitation Item (FFFE,E0DD): the file is truncated`);
      break;
    }
    if (end - pos < 8) {
      throw new StructureProblem(`${name}: an item header at byte ${pos} needs 8 bytes but only ${end - pos} remain (encapsulated data, PS3.5 A.4)`, pos, topPixelData && !first ? pos : undefined);
    }
    const g = u16(w, pos);
    const e = u16(w, pos + 2);
    const len = u32(w, pos + 4);
    if (g === 0xfffe && e === 0xe0dd && !first) {
      if (len !== 0) throw new StructureProblem(`${name}: its Sequence Delimitation Item at byte ${pos} has length ${len}, not 0`, pos);
      pos += 8;
      terminated = true;
      break;
    }
    if (g !== 0xfffe || e !== 0xe000) {
      throw new StructureProblem(
        `${name}: expected ${first ? "the Basic Offset Table item" : "an Item"} (FFFE,E000) at byte ${pos} but found ${tagText(g, e)} (PS3.5 A.4)`,
        pos,
      );
    }
    if (len === UNDEFINED) throw new StructureProblem(`${name}: the item at byte ${pos} has undefined length; encapsulated items must have a length (PS3.5 A.4)`, pos);
    if (len > end - pos - 8) {
      throw new StructureProblem(`${name}: the ${first ? "Basic Offset Table" : "fragment"} item at byte ${pos} declares ${len} bytes but only ${end - pos - 8} remain`, pos, topPixelData && !first ? pos : undefined);
    }
    if (first) {
      if (len % 4 !== 0) throw new StructureProblem(`${name}: its Basic Offset Table has ${len} bytes, not a multiple of 4 (PS3.5 A.4)`, pos);
      botEntries = len / 4;
    }
    first = false;
    pos += 8 + len;
  }
  if (topPixelData) {
    w.pixelData = { at, valueAt: h.valueAt, end: pos, terminated };
  } else if (botEntries > 1 && botEntries * (end - h.valueAt) > BOT_COPY_BUDGET) {
    // dcmjs copies the stream it reads once per Basic Offset Table entry
    throw new StructureProblem(`${name}: a Basic Offset Table of ${botEntries} entries inside a ${end - h.valueAt}-byte stream would make dcmjs copy ${(botEntries * (end - h.valueAt) / 2 ** 20).toFixed(0)} MiB`, at);
  }
  return pos;
}

/** Walk the data set from the top; returns where it ends (before trailing bytes too few for an element). */
function walkTop(w: Walk, start: number, end: number): number {
  try {
    walkDataset(w, start, end, 0, "top");
    return end;
  } catch (e) {
    if (e instanceof TrailingBytes) return e.offset;
    throw e;
  }
}
