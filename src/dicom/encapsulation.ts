/**
 * Encapsulated Pixel Data (DICOM PS3.5 A.4): the Item sequence that carries compressed frames.
 *
 * Layout of the Pixel Data value (undefined length): a Basic Offset Table item (FFFE,E000), then one
 * or more fragment items (FFFE,E000), then the Sequence Delimitation Item (FFFE,E0DD) with length 0.
 * Every item value has even length (PS3.5 7.1.1, A.4). BOT entries and Extended Offset Table entries
 * (PS3.3 C.7.6.3.1.8) are byte offsets of each frame's first fragment item *tag*, counted from the
 * first byte of the first fragment item after the BOT.
 *
 * Writing follows PS3.5 A.4 for JPEG 2000 as j2kit produces it: one fragment per frame, padded to
 * even length with one 0x00 byte after the EOC marker, a filled BOT — or, when the offsets do not fit
 * in 32 bits, an empty BOT with an Extended Offset Table and its lengths (PS3.5 A.4, Table A.4-1
 * note; PS3.3 C.7.6.3.1.8). Reading is tolerant of what real archives contain: an empty BOT,
 * frames split over several fragments, a missing Sequence Delimitation Item (reported).
 * @module
 */
import { J2kError } from "../errors.js";
import { joinBytes } from "../io/bytes.js";

/** Item tag (FFFE,E000) as it appears little-endian: group then element. */
const ITEM = 0xe000;
/** Sequence Delimitation Item (FFFE,E0DD). */
const SEQUENCE_DELIMITER = 0xe0dd;
const ITEM_GROUP = 0xfffe;
/** Largest offset a Basic Offset Table entry (UL) can hold. */
const MAX_U32 = 0xffffffff;

/** One fragment item read from encapsulated Pixel Data. */
export interface Fragment {
  /** Offset of the item tag, counted from the first fragment item (the BOT/EOT origin). */
  offset: number;
  /** The item value (the fragment bytes, including any padding byte). */
  data: Uint8Array;
}

/** Encapsulated Pixel Data taken apart by {@link parseEncapsulatedPixelData}. */
export interface ParsedEncapsulation {
  /** Basic Offset Table entries (empty when the BOT item has length 0). */
  basicOffsetTable: number[];
  fragments: Fragment[];
  /** False when the bytes ended before the Sequence Delimitation Item. */
  terminated: boolean;
  /** Bytes consumed (from the start of the BOT item up to and including the delimiter). */
  byteLength: number;
}

/** Result of {@link encapsulateFrames}: the Pixel Data value and the offset tables. */
export interface EncapsulatedPixelData {
  /**
   * The Pixel Data value in order — BOT item, one item per frame, Sequence Delimitation Item — as
   * chunks (a value above 4 GiB cannot live in one ArrayBuffer on every platform).
   */
  chunks: Uint8Array[];
  /** Total bytes of the chunks. */
  byteLength: number;
  /** BOT entries written (empty when the Extended Offset Table is used). */
  basicOffsetTable: number[];
  /** Extended Offset Table (7FE0,0001) entries, when used. */
  extendedOffsetTable?: number[];
  /** Extended Offset Table Lengths (7FE0,0002) entries (item value lengths), when used. */
  extendedOffsetTableLengths?: number[];
}

/** Options of {@link encapsulateFrames}. */
export interface EncapsulateOptions {
  /**
   * `"auto"` (default): Extended Offset Table only when a BOT entry would not fit in 32 bits;
   * `"always"` / `"never"` force the choice (`"never"` throws when the offsets do not fit).
   */
  extendedOffsetTable?: "auto" | "always" | "never";
}

function itemHeader(element: number, length: number): Uint8Array {
  const h = new Uint8Array(8);
  const v = new DataView(h.buffer);
  v.setUint16(0, ITEM_GROUP, true);
  v.setUint16(2, element, true);
  v.setUint32(4, length, true);
  return h;
}

/**
 * Offsets of each frame's item, counted from the first fragment item, when every frame is one
 * fragment of the given (unpadded) length.
 */
export function frameItemOffsets(frameLengths: readonly number[]): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const len of frameLengths) {
    offsets.push(at);
    at += 8 + len + (len & 1);
  }
  return offsets;
}

/**
 * True when frames of these (unpadded) lengths, one fragment each, need the Extended Offset Table:
 * the total of the fragment items exceeds 2^32 − 1 bytes, so the BOT's 32-bit entries cannot
 * address every frame (PS3.5 A.4).
 */
export function needsExtendedOffsetTable(frameLengths: readonly number[]): boolean {
  let total = 0;
  for (const len of frameLengths) total += 8 + len + (len & 1);
  return total > MAX_U32;
}

/**
 * Encapsulate codestreams, one fragment per frame (PS3.5 A.4), each padded to even length, with a
 * filled Basic Offset Table — or an empty BOT plus Extended Offset Table when needed.
 *
 * @throws J2kError `INVALID_ARGUMENT` when there are no frames or `"never"` was asked for offsets
 *   beyond 32 bits.
 */
export function encapsulateFrames(frames: readonly Uint8Array[], options: EncapsulateOptions = {}): EncapsulatedPixelData {
  if (frames.length === 0) throw new J2kError("INVALID_ARGUMENT", "encapsulateFrames: no frames to encapsulate");
  const lengths = frames.map((f) => f.length);
  const offsets = frameItemOffsets(lengths);
  const mode = options.extendedOffsetTable ?? "auto";
  const big = needsExtendedOffsetTable(lengths);
  if (big && mode === "never") {
    throw new J2kError(
      "INVALID_ARGUMENT",
      "the encapsulated Pixel Data exceeds 2^32 - 1 bytes, so the Basic Offset Table cannot address every frame; an Extended Offset Table (7FE0,0001) is required",
    );
  }
  const useExtended = mode === "always" || (mode === "auto" && big);

  const chunks: Uint8Array[] = [];
  let byteLength = 0;
  const push = (c: Uint8Array) => {
    chunks.push(c);
    byteLength += c.length;
  };
  if (useExtended) {
    push(itemHeader(ITEM, 0));
  } else {
    push(itemHeader(ITEM, 4 * frames.length));
    const bot = new Uint8Array(4 * frames.length);
    const v = new DataView(bot.buffer);
    offsets.forEach((o, i) => v.setUint32(4 * i, o, true));
    push(bot);
  }
  for (const f of frames) {
    const padded = f.length + (f.length & 1);
    push(itemHeader(ITEM, padded));
    push(f);
    if (padded !== f.length) push(new Uint8Array(1)); // PS3.5 A.4: pad with one trailing 0x00
  }
  push(itemHeader(SEQUENCE_DELIMITER, 0));

  const out: EncapsulatedPixelData = {
    chunks,
    byteLength,
    basicOffsetTable: useExtended ? [] : offsets,
  };
  if (useExtended) {
    out.extendedOffsetTable = offsets;
    out.extendedOffsetTableLengths = lengths.map((l) => l + (l & 1));
  }
  return out;
}

/**
 * Join chunks into one array.
 *
 * @param maxBytes - Refuse (J2kError `LIMIT_MEMORY`) to build more than this many bytes; at most
 *   2^32 − 1 in any case (one ArrayBuffer on every platform).
 */
export function concatBytes(chunks: readonly Uint8Array[], maxBytes = MAX_U32): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  if (n > Math.min(maxBytes, MAX_U32)) {
    throw new J2kError("LIMIT_MEMORY", `joining ${chunks.length} pieces would make ${n} bytes, above ${Math.min(maxBytes, MAX_U32)} (limits.maxMemory or the 4 GiB array limit)`);
  }
  return joinBytes(chunks);
}

/** Encode numbers as an OV value (64-bit unsigned little-endian, PS3.5 6.2). */
export function toOV(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(8 * values.length);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => v.setBigUint64(8 * i, BigInt(x), true));
  return out;
}

/** Decode an OV value (64-bit unsigned little-endian) to numbers. */
export function fromOV(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 8 <= bytes.length; i += 8) out.push(Number(v.getBigUint64(i, true)));
  return out;
}

/**
 * Take apart an encapsulated Pixel Data value: `bytes` starts at the Basic Offset Table item (just
 * after the Pixel Data element header with undefined length). Parsing stops at the Sequence
 * Delimitation Item; when the bytes end first the result says `terminated: false` (an item whose
 * declared length runs past the end is cut to the bytes present).
 *
 * @throws J2kError `DICOM_INVALID` when an item tag is not (FFFE,E000) where one must be.
 */
export function parseEncapsulatedPixelData(bytes: Uint8Array): ParsedEncapsulation {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const readItem = (at: number): { element: number; length: number } | null => {
    if (at + 8 > bytes.length) return null;
    const group = v.getUint16(at, true);
    const element = v.getUint16(at + 2, true);
    if (group !== ITEM_GROUP || (element !== ITEM && element !== SEQUENCE_DELIMITER)) {
      throw new J2kError(
        "DICOM_INVALID",
        `encapsulated Pixel Data (7FE0,0010): expected an Item (FFFE,E000) or Sequence Delimitation Item (FFFE,E0DD) but found (${hex4(group)},${hex4(element)})`,
        { offset: at },
      );
    }
    return { element, length: v.getUint32(at + 4, true) };
  };

  const bot = readItem(0);
  if (bot === null || bot.element !== ITEM) {
    throw new J2kError(
      "DICOM_INVALID",
      "encapsulated Pixel Data (7FE0,0010) must start with a Basic Offset Table item (FFFE,E000) (PS3.5 A.4)",
      { offset: 0 },
    );
  }
  const botEnd = Math.min(8 + bot.length, bytes.length);
  const basicOffsetTable: number[] = [];
  for (let at = 8; at + 4 <= botEnd; at += 4) basicOffsetTable.push(v.getUint32(at, true));

  const fragments: Fragment[] = [];
  let at = botEnd;
  const origin = botEnd;
  let terminated = false;
  for (;;) {
    const item = readItem(at);
    if (item === null) break;
    if (item.element === SEQUENCE_DELIMITER) {
      terminated = true;
      at += 8;
      break;
    }
    const full = at + 8 + item.length;
    const end = Math.min(full, bytes.length);
    fragments.push({ offset: at - origin, data: bytes.subarray(at + 8, end) });
    at = end;
    if (end < full) break;
  }
  return { basicOffsetTable, fragments, terminated, byteLength: at };
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, "0");
}

/** Where the offsets come from when grouping fragments into frames. */
export interface FrameTables {
  basicOffsetTable?: readonly number[];
  extendedOffsetTable?: readonly number[];
}

/** Result of {@link framesFromFragments}. */
export interface FramesFromFragments {
  /** One byte array per frame (fragments joined; a single fragment is returned as is). */
  frames: Uint8Array[];
  /** What was unusual (an unusable BOT, frames found by their markers). */
  warnings: string[];
}

/** True when `b` starts a JPEG 2000 codestream (SOC FF4F followed by SIZ FF51) or a JP2 file. */
export function startsFrame(b: Uint8Array): boolean {
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51) return true;
  return isJp2(b);
}

/** True when `b` starts with the JP2 signature box (ISO/IEC 15444-1 I.5.1). */
export function isJp2(b: Uint8Array): boolean {
  const sig = [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a];
  if (b.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[i] !== sig[i]) return false;
  return true;
}

/** True when `b` ends with EOC (FFD9), allowing trailing 0x00 padding. */
export function endsWithEoc(b: Uint8Array): boolean {
  let n = b.length;
  while (n > 0 && b[n - 1] === 0) n--;
  return n >= 2 && b[n - 2] === 0xff && b[n - 1] === 0xd9;
}

/**
 * Group fragments into frames (PS3.5 A.4): by the Extended Offset Table when present, else by the
 * Basic Offset Table when it has one entry per frame, else one fragment per frame when the counts
 * agree, else all fragments for a single frame, else by codestream boundaries (a fragment that
 * starts with SOC+SIZ or a JP2 signature after a fragment ending in EOC begins a new frame).
 *
 * `fragments` may be {@link Fragment}s (with offsets) or plain byte arrays; plain arrays get the
 * offsets they would have with 8-byte item headers.
 *
 * @throws J2kError `DICOM_INVALID` when the fragments cannot be split into `numberOfFrames` frames.
 */
export function framesFromFragments(
  fragments: ReadonlyArray<Fragment | Uint8Array>,
  numberOfFrames: number,
  tables: FrameTables = {},
): FramesFromFragments {
  const frags = withOffsets(fragments);
  const warnings: string[] = [];
  if (frags.length === 0) {
    throw new J2kError("DICOM_INVALID", "encapsulated Pixel Data (7FE0,0010) holds no fragments");
  }

  const eot = tables.extendedOffsetTable;
  if (eot !== undefined && eot.length > 0) {
    const byTable = groupByOffsets(frags, eot);
    if (eot.length === numberOfFrames && byTable) return { frames: byTable, warnings };
    warnings.push(
      `Extended Offset Table (7FE0,0001) has ${eot.length} entries for ${numberOfFrames} frame(s) or does not point at fragment items; ignored`,
    );
  }
  const bot = tables.basicOffsetTable;
  if (bot !== undefined && bot.length > 0) {
    const byTable = groupByOffsets(frags, bot);
    if (bot.length === numberOfFrames && byTable) return { frames: byTable, warnings };
    warnings.push(
      `Basic Offset Table has ${bot.length} entries for ${numberOfFrames} frame(s) or does not point at fragment items; ignored`,
    );
  }

  if (frags.length === numberOfFrames) return { frames: frags.map((f) => f.data), warnings };
  if (numberOfFrames === 1) return { frames: [joinData(frags)], warnings };
  if (frags.length < numberOfFrames) {
    throw new J2kError(
      "DICOM_INVALID",
      `Number of Frames (0028,0008) is ${numberOfFrames} but the encapsulated Pixel Data holds only ${frags.length} fragment(s)`,
    );
  }

  // Several fragments per frame and no usable table: split at codestream boundaries.
  const groups: Fragment[][] = [];
  for (const f of frags) {
    const last = groups[groups.length - 1];
    const lastFrag = last?.[last.length - 1];
    if (last === undefined || (startsFrame(f.data) && lastFrag !== undefined && endsWithEoc(lastFrag.data))) {
      groups.push([f]);
    } else {
      last.push(f);
    }
  }
  if (groups.length !== numberOfFrames) {
    throw new J2kError(
      "DICOM_INVALID",
      `Number of Frames (0028,0008) is ${numberOfFrames} but the ${frags.length} fragments of the encapsulated Pixel Data form ${groups.length} codestream(s) and there is no usable offset table`,
    );
  }
  warnings.push(`frames found by their codestream boundaries (${frags.length} fragments, no offset table)`);
  return { frames: groups.map(joinData), warnings };
}

function withOffsets(fragments: ReadonlyArray<Fragment | Uint8Array>): Fragment[] {
  const out: Fragment[] = [];
  let at = 0;
  for (const f of fragments) {
    if (f instanceof Uint8Array) {
      out.push({ offset: at, data: f });
      at += 8 + f.length + (f.length & 1);
    } else {
      out.push(f);
      at = f.offset + 8 + f.data.length;
    }
  }
  return out;
}

function groupByOffsets(frags: Fragment[], offsets: readonly number[]): Uint8Array[] | null {
  const index = new Map<number, number>();
  frags.forEach((f, i) => index.set(f.offset, i));
  const starts: number[] = [];
  for (const o of offsets) {
    const i = index.get(o);
    if (i === undefined) return null;
    if (starts.length > 0 && i <= starts[starts.length - 1]!) return null;
    starts.push(i);
  }
  if (starts[0] !== 0) return null;
  return starts.map((s, k) => joinData(frags.slice(s, k + 1 < starts.length ? starts[k + 1] : frags.length)));
}

function joinData(frags: Fragment[]): Uint8Array {
  if (frags.length === 1) return frags[0]!.data;
  return concatBytes(frags.map((f) => f.data));
}

/**
 * Remove bytes after the codestream's EOC marker that are padding (0x00), as DICOM's even-length
 * rule adds one and some writers add more. Returns the input when it does not end that way.
 */
export function trimAfterEoc(codestream: Uint8Array): { bytes: Uint8Array; trimmed: number } {
  let n = codestream.length;
  while (n > 0 && codestream[n - 1] === 0) n--;
  if (n < codestream.length && n >= 2 && codestream[n - 2] === 0xff && codestream[n - 1] === 0xd9) {
    return { bytes: codestream.subarray(0, n), trimmed: codestream.length - n };
  }
  return { bytes: codestream, trimmed: 0 };
}
