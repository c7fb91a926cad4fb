/**
 * Box reader for JP2 / JPX / JPH files (ISO/IEC 15444-1 I.4, 15444-2 M.4).
 *
 * A box is LBox (u32) TBox (u32) [XLBox (u64) when LBox = 1] DBox. LBox = 0 means "to the end of
 * the file" and is only valid for the last box. Every length is checked against the container it
 * lies in; nothing is read outside the input.
 *
 * Damage policy: a box header that cannot be used (length shorter than its header, or running past
 * its container) ends the walk of that container. The reader records it as {@link BoxDamage} on
 * the container and keeps the boxes before it; the file-level reader (read.ts) decides whether the
 * loss is fatal. One exception is made here: a top-level Contiguous Codestream box (jp2c) that runs
 * past the end of the input is cut to the input (marked `truncated`), because a truncated download
 * still holds a partly decodable codestream.
 * @module
 */

import { J2kError } from "../errors.js";
import type { Box, BoxDamage, BoxReadOptions } from "./types.js";

/** TBox of a box type given as four ASCII characters. */
export function boxCode(type: string): number {
  if (type.length !== 4) throw new J2kError("INVALID_ARGUMENT", `box type must have 4 characters, got "${type}"`);
  let v = 0;
  for (let i = 0; i < 4; i++) v = v * 256 + (type.charCodeAt(i) & 0xff);
  return v >>> 0;
}

/** Box types as numbers (Table I.2 and 15444-2 Table M.2). */
export const BOX = {
  signature: boxCode("jP  "),
  fileType: boxCode("ftyp"),
  header: boxCode("jp2h"),
  imageHeader: boxCode("ihdr"),
  bitsPerComponent: boxCode("bpcc"),
  colorSpecification: boxCode("colr"),
  palette: boxCode("pclr"),
  componentMapping: boxCode("cmap"),
  channelDefinition: boxCode("cdef"),
  resolution: boxCode("res "),
  captureResolution: boxCode("resc"),
  displayResolution: boxCode("resd"),
  codestream: boxCode("jp2c"),
  intellectualProperty: boxCode("jp2i"),
  xml: boxCode("xml "),
  uuid: boxCode("uuid"),
  uuidInfo: boxCode("uinf"),
  uuidList: boxCode("ulst"),
  url: boxCode("url "),
  readerRequirements: boxCode("rreq"),
  association: boxCode("asoc"),
  label: boxCode("lbl "),
  codestreamHeader: boxCode("jpch"),
  compositingLayerHeader: boxCode("jplh"),
  colorGroup: boxCode("cgrp"),
  fragmentTable: boxCode("ftbl"),
  composition: boxCode("comp"),
} as const;

/**
 * Superboxes: boxes whose contents are a sequence of boxes (I.5.3, I.6, I.7.3; 15444-2 M.11).
 */
export const SUPERBOXES: ReadonlySet<number> = new Set([
  BOX.header,
  BOX.resolution,
  BOX.uuidInfo,
  BOX.association,
  BOX.codestreamHeader,
  BOX.compositingLayerHeader,
  BOX.colorGroup,
  BOX.fragmentTable,
  BOX.composition,
]);

/**
 * A four-byte code as text: the characters when all four are printable ASCII, else `0xXXXXXXXX`.
 */
export function fourCC(code: number): string {
  const bytes = [(code >>> 24) & 0xff, (code >>> 16) & 0xff, (code >>> 8) & 0xff, code & 0xff];
  if (bytes.every((b) => b >= 0x20 && b <= 0x7e)) return String.fromCharCode(...bytes);
  return "0x" + (code >>> 0).toString(16).padStart(8, "0");
}

/** Big-endian u32 at `o`; the caller guarantees `o + 4 <= bytes.length`. */
export function u32(bytes: Uint8Array, o: number): number {
  return ((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 0;
}

/** Big-endian u16 at `o`; the caller guarantees `o + 2 <= bytes.length`. */
export function u16(bytes: Uint8Array, o: number): number {
  return (bytes[o]! << 8) | bytes[o + 1]!;
}

/** Result of reading the header of one box. */
type HeaderResult = { box: Box } | { damage: BoxDamage };

/**
 * Read the box header at `offset`, inside a container that ends at `end` (exclusive).
 * `allowCut` lets a box that runs past `end` be cut to it (used for a top-level jp2c).
 */
function readBoxHeader(bytes: Uint8Array, offset: number, end: number, allowCut: (code: number) => boolean): HeaderResult {
  const room = end - offset;
  if (room < 8) {
    return { damage: { offset, code: "CONTAINER_TRUNCATED", message: `box header at byte ${offset} needs 8 bytes, only ${room} remain` } };
  }
  const lbox = u32(bytes, offset);
  const code = u32(bytes, offset + 4);
  const type = fourCC(code);
  let headerLength = 8;
  let length: number;
  let toEnd = false;
  if (lbox === 1) {
    // I.4: XLBox, 64-bit length, follows TBox.
    if (room < 16) {
      const message = `box '${type}' at byte ${offset} announces a 64-bit length (XLBox) but its container ends first`;
      return { damage: { offset, code: "CONTAINER_TRUNCATED", message } };
    }
    headerLength = 16;
    const hi = u32(bytes, offset + 8);
    const lo = u32(bytes, offset + 12);
    // A length of 2^53 or more is beyond any input; it is treated as "too long" below.
    length = hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
    if (length < 16) {
      const message = `box '${type}' at byte ${offset} declares XLBox = ${length}, less than its own 16-byte header`;
      return { damage: { offset, code: "CONTAINER_INVALID", message } };
    }
  } else if (lbox === 0) {
    // I.4: LBox = 0, the box extends to the end of the file (of its container here).
    length = room;
    toEnd = true;
  } else {
    length = lbox;
    if (length < 8) {
      const message = `box '${type}' at byte ${offset} declares LBox = ${length}, less than its own 8-byte header`;
      return { damage: { offset, code: "CONTAINER_INVALID", message } };
    }
  }
  let truncated = false;
  if (length > room) {
    if (!allowCut(code)) {
      return {
        damage: {
          offset,
          code: "CONTAINER_TRUNCATED",
          message: `box '${type}' at byte ${offset} declares ${length} bytes but only ${room} remain in its container`,
        },
      };
    }
    length = room;
    truncated = true;
  }
  return {
    box: {
      type,
      code,
      offset,
      length,
      headerLength,
      contentOffset: offset + headerLength,
      contentLength: length - headerLength,
      toEnd,
      truncated,
    },
  };
}

/** The boxes of one container and what stopped the walk, if anything. */
export interface BoxSequence {
  boxes: Box[];
  /** Unusable box header that ended the walk (the boxes from there on are lost). */
  damage?: BoxDamage;
  /** Fewer than 8 bytes left over after the last box (not a box); their offset and count. */
  trailing?: { offset: number; length: number };
}

/** Shared state of one walk: box budget. */
interface WalkState {
  boxesLeft: number;
  maxBoxes: number;
  maxDepth: number;
}

function walk(bytes: Uint8Array, start: number, end: number, depth: number, state: WalkState): BoxSequence {
  const boxes: Box[] = [];
  const topLevel = depth === 0;
  const allowCut = (code: number): boolean => topLevel && code === BOX.codestream;
  let o = start;
  while (o < end) {
    if (end - o < 8) {
      // Less than a box header left: padding or junk after the last box. A caller may warn.
      return { boxes, trailing: { offset: o, length: end - o } };
    }
    const r = readBoxHeader(bytes, o, end, allowCut);
    if ("damage" in r) return { boxes, damage: r.damage };
    const box = r.box;
    if (--state.boxesLeft < 0) {
      throw new J2kError("CONTAINER_INVALID", `the file holds more than ${state.maxBoxes} boxes; refusing to read further`, { offset: o });
    }
    if (SUPERBOXES.has(box.code) && depth + 1 < state.maxDepth) {
      const inner = walk(bytes, box.contentOffset, box.offset + box.length, depth + 1, state);
      box.children = inner.boxes;
      if (inner.damage) box.damage = inner.damage;
    }
    boxes.push(box);
    o = box.offset + box.length;
  }
  return { boxes };
}

/**
 * Read the box structure of `bytes[start, end)` (default: the whole input), descending into
 * superboxes. Never throws for damaged lengths (see the module's damage policy); throws
 * `CONTAINER_INVALID` only when the box-count limit is exceeded.
 */
export function readBoxes(bytes: Uint8Array, options: BoxReadOptions = {}, start = 0, end = bytes.length): BoxSequence {
  const maxBoxes = options.maxBoxes ?? 65536;
  const maxDepth = options.maxDepth ?? 16;
  if (!(start >= 0 && end <= bytes.length && start <= end)) {
    throw new J2kError("INVALID_ARGUMENT", `box range [${start}, ${end}) is outside the ${bytes.length}-byte input`);
  }
  return walk(bytes, start, end, 0, { boxesLeft: maxBoxes, maxBoxes, maxDepth });
}

/** The first box of `type` in `boxes` (not descending), if any. */
export function findBox(boxes: readonly Box[], code: number): Box | undefined {
  return boxes.find((b) => b.code === code);
}

/** All boxes of `type` in `boxes` (not descending). */
export function findBoxes(boxes: readonly Box[], code: number): Box[] {
  return boxes.filter((b) => b.code === code);
}

/** Contents of a box as a view into the input (no copy). */
export function boxContent(bytes: Uint8Array, box: Box): Uint8Array {
  return bytes.subarray(box.contentOffset, box.contentOffset + box.contentLength);
}

/** Turn recorded damage into the error it stands for. */
export function damageError(damage: BoxDamage, context: string): J2kError {
  return new J2kError(damage.code, `${context}: ${damage.message}`, { offset: damage.offset });
}

/** Brand / compatibility codes of the File Type box (I.5.2; 15444-2 M.11.2; 15444-15 D). */
export const BRAND_JP2 = boxCode("jp2 ");
export const BRAND_JPX = boxCode("jpx ");
export const BRAND_JPH = boxCode("jph ");

/** The JP2 signature box (I.5.1): length 12, type 'jP  ', contents 0D 0A 87 0A. */
export const JP2_SIGNATURE: Uint8Array = new Uint8Array([0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a]);

/** True when `bytes` start with the complete 12-byte JP2 signature box. */
export function hasJp2Signature(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  for (let i = 0; i < 12; i++) if (bytes[i] !== JP2_SIGNATURE[i]) return false;
  return true;
}

/**
 * What kind of JPEG 2000 data `bytes` hold:
 * - `"j2k"`: a raw codestream (SOC then SIZ: FF 4F FF 51, A.4.1 / A.5.1),
 * - `"jpx"`: a file with the JP2 signature whose File Type brand is 'jpx ' (or whose
 *   compatibility list names 'jpx ' but not 'jp2 '),
 * - `"jp2"`: any other file with the JP2 signature (JP2, and JPH files of 15444-15, which share
 *   the box structure),
 * - `"unknown"` otherwise.
 */
export function sniffFormat(bytes: Uint8Array): "jp2" | "jpx" | "j2k" | "unknown" {
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0x4f && bytes[2] === 0xff && bytes[3] === 0x51) return "j2k";
  if (!hasJp2Signature(bytes)) return "unknown";
  // File Type box right after the signature (I.5.2): BR at +8, MinV at +12, CL from +16.
  if (bytes.length < 20 || u32(bytes, 16) !== BOX.fileType) return "jp2";
  const lbox = u32(bytes, 12);
  const brand = bytes.length >= 24 ? u32(bytes, 20) : 0;
  if (brand === BRAND_JPX) return "jpx";
  // CL entries from byte 28 to the end of the ftyp box (or of the input, whichever comes first).
  const end = Math.min(bytes.length, lbox >= 16 ? 12 + lbox : 12);
  let hasJp2 = false;
  let hasJpx = false;
  for (let o = 28; o + 4 <= end; o += 4) {
    const c = u32(bytes, o);
    if (c === BRAND_JP2) hasJp2 = true;
    if (c === BRAND_JPX) hasJpx = true;
  }
  return hasJpx && !hasJp2 ? "jpx" : "jp2";
}
