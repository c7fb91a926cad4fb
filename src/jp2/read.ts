/**
 * Reading JP2 files (ISO/IEC 15444-1 Annex I), and the JP2-compatible parts of JPX (15444-2
 * Annex M) and JPH (15444-15 Annex D) files.
 *
 * What is fatal (a `J2kError` of stage "container") and what is only a warning:
 * - fatal: no JP2 signature box, no File Type box right after it, a damaged box before the
 *   codestream box is reached, no Image Header box, no colour specification box, a palette or
 *   component mapping that cannot be applied (they change every pixel value), no Contiguous
 *   Codestream box, or one that does not start with SOC + SIZ;
 * - warning: damage after the codestream box, damage inside the header box after ihdr and colr
 *   were read, a jp2c box longer than the input (cut to the input), trailing bytes, a compatibility
 *   list without 'jp2 ', broken ICC profiles, unusable cdef/res/bpcc boxes (ignored), boxes found
 *   outside jp2h (cmap of issue235) which are used anyway.
 * @module
 */

import { J2kError } from "../errors.js";
import type { ColorSpaceInfo, Jp2Info } from "../types.js";
import {
  BOX,
  BRAND_JP2,
  BRAND_JPH,
  BRAND_JPX,
  JP2_SIGNATURE,
  boxContent,
  damageError,
  findBox,
  findBoxes,
  fourCC,
  hasJp2Signature,
  readBoxes,
  u16,
  u32,
} from "./boxes.js";
import { validateIcc } from "./icc.js";
import type {
  Box,
  BoxReadOptions,
  ChannelDefinition,
  ColorSpecification,
  ComponentDepth,
  ComponentMapping,
  ImageHeader,
  Jp2File,
  MetadataBox,
  Palette,
  Resolution,
} from "./types.js";

/**
 * Names of enumerated colour spaces (EnumCS, METH 1): 16-18 from 15444-1 Table I.10, the rest
 * from 15444-2 Table M.25.
 */
export const ENUMERATED_COLOR_SPACES: Readonly<Record<number, string>> = {
  0: "bilevel",
  1: "YCbCr(1)",
  3: "YCbCr(2)",
  4: "YCbCr(3)",
  9: "PhotoYCC",
  11: "CMY",
  12: "CMYK",
  13: "YCCK",
  14: "CIELab",
  15: "bilevel(2)",
  16: "sRGB",
  17: "greyscale",
  18: "sYCC",
  19: "CIEJab",
  20: "e-sRGB",
  21: "ROMM-RGB",
  22: "YPbPr(1125/60)",
  23: "YPbPr(1250/50)",
  24: "e-sYCC",
};

/** Number of colour channels of each enumerated colour space. */
const ENUMERATED_CHANNELS: Readonly<Record<number, number>> = {
  0: 1, 1: 3, 3: 3, 4: 3, 9: 3, 11: 3, 12: 4, 13: 4, 14: 3, 15: 1, 16: 3, 17: 1, 18: 3, 19: 3, 20: 3, 21: 3, 22: 3, 23: 3, 24: 3,
};

/** Colour channels an enumerated colour space has (undefined for unknown EnumCS values). */
export function enumeratedColorChannels(enumCS: number): number | undefined {
  return ENUMERATED_CHANNELS[enumCS];
}

/** Options of {@link readJp2}. */
export type ReadJp2Options = BoxReadOptions;

/**
 * Read a JP2 / JPX / JPH file: its boxes, header, colour specifications, palette, component
 * mapping, channel definitions, resolution, metadata boxes and where the codestream is.
 * The input is not modified and the result holds no view of it except `MetadataBox.data`.
 * @throws {J2kError} stage "container" (CONTAINER_INVALID / CONTAINER_TRUNCATED /
 *   CONTAINER_NO_CODESTREAM), or UNSUPPORTED / UNSUPPORTED_PART2 for valid features outside JP2.
 */
export function readJp2(bytes: Uint8Array, options: ReadJp2Options = {}): Jp2File {
  if (!(bytes instanceof Uint8Array)) throw new J2kError("INVALID_ARGUMENT", "readJp2 expects a Uint8Array");
  checkSignature(bytes);
  const warnings: string[] = [];
  const seq = readBoxes(bytes, options);
  const top = seq.boxes;

  // I.5.2: the File Type box immediately follows the signature box.
  const ftyp = top[1];
  if (!ftyp || ftyp.code !== BOX.fileType) {
    if (top.length < 2 && seq.damage) throw damageError(seq.damage, "cannot read the File Type box");
    throw new J2kError("CONTAINER_INVALID", "the File Type box (ftyp) must directly follow the JP2 signature box (I.5.2)", { offset: ftyp?.offset ?? 12 });
  }
  const fileType = readFileType(bytes, ftyp, warnings);

  // The codestream: the first Contiguous Codestream box (I.5.4; JPX may hold more).
  const jp2c = findBox(top, BOX.codestream);
  if (!jp2c) {
    if (seq.damage) throw damageError(seq.damage, "no Contiguous Codestream box before the damaged box");
    if (findBox(top, BOX.fragmentTable)) {
      throw new J2kError("UNSUPPORTED_PART2", "the codestream is stored as JPX fragments (ftbl box, 15444-2 M.11.3), which j2kit does not read", {
        offset: findBox(top, BOX.fragmentTable)!.offset,
      });
    }
    throw new J2kError("CONTAINER_NO_CODESTREAM", "the file has no Contiguous Codestream box (jp2c)", { offset: bytes.length });
  }
  if (seq.damage) warnings.push(`boxes from byte ${seq.damage.offset} on were ignored: ${seq.damage.message}`);
  if (seq.trailing) warnings.push(`${seq.trailing.length} stray bytes after the last box (at byte ${seq.trailing.offset}) were ignored`);
  const codestream = locateCodestream(bytes, jp2c, warnings);

  // The header: jp2h (I.5.3), or for a JPX file without one, its first jpch + jplh (M.11.4, M.11.5).
  const source = headerSource(top, jp2c, warnings);
  const header = readImageHeader(bytes, source, warnings);
  const components = readComponentDepths(bytes, source, header, warnings);
  const colorSpecifications = readColorSpecifications(bytes, source, warnings);
  const colorSpace = colorSpecifications.find((c) => c.understood) ?? colorSpecifications[0];
  if (colorSpace && !colorSpace.understood) {
    warnings.push(`no colour specification this reader understands; the first one (METH ${colorSpace.meth}, at byte ${colorSpace.offset}) is reported as is`);
  }
  const palette = readPalette(bytes, findOwnOrLoose(source, top, BOX.palette, warnings));
  const componentMapping = readComponentMapping(bytes, findOwnOrLoose(source, top, BOX.componentMapping, warnings), palette, header, warnings);
  if (palette && !componentMapping) {
    warnings.push("a palette (pclr) without a component mapping (cmap) box cannot be applied (I.5.3.5); the palette is ignored for decoding");
  }
  const channels = readChannelDefinitions(bytes, findOwnOrLoose(source, top, BOX.channelDefinition, warnings), warnings);
  const resolution = readResolution(bytes, source.boxes, warnings);

  return {
    format: fileType.format,
    brand: fileType.brand,
    minorVersion: fileType.minorVersion,
    compatibility: fileType.compatibility,
    jp2Compatible: fileType.jp2Compatible,
    boxes: top,
    header,
    ...(components ? { components } : {}),
    colorSpecifications,
    ...(colorSpace ? { colorSpace } : {}),
    ...(palette ? { palette } : {}),
    ...(componentMapping ? { componentMapping } : {}),
    ...(channels ? { channels } : {}),
    ...(resolution ? { resolution } : {}),
    metadata: collectMetadata(bytes, top),
    codestream,
    warnings,
  };
}

/** The codestream bytes of a file read by {@link readJp2} (a view into `bytes`, no copy). */
export function codestreamOf(bytes: Uint8Array, file: Jp2File): Uint8Array {
  return bytes.subarray(file.codestream.offset, file.codestream.offset + file.codestream.length);
}

function checkSignature(bytes: Uint8Array): void {
  if (hasJp2Signature(bytes)) return;
  const n = Math.min(bytes.length, 12);
  let prefix = bytes.length < 12;
  for (let i = 0; i < n && prefix; i++) prefix = bytes[i] === JP2_SIGNATURE[i];
  if (prefix) {
    throw new J2kError("CONTAINER_TRUNCATED", `the input ends after ${bytes.length} bytes, inside the 12-byte JP2 signature box`, { offset: bytes.length });
  }
  throw new J2kError("CONTAINER_INVALID", "not a JP2 file: it does not start with the JP2 signature box 00 00 00 0C 6A 50 20 20 0D 0A 87 0A (I.5.1)", {
    offset: 0,
  });
}

interface FileType {
  format: "jp2" | "jpx";
  brand: string;
  minorVersion: number;
  compatibility: string[];
  jp2Compatible: boolean;
}

/** File Type box (I.5.2): BR (u32), MinV (u32), CL (u32 each) to the end of the box. */
function readFileType(bytes: Uint8Array, box: Box, warnings: string[]): FileType {
  if (box.contentLength < 8) {
    throw new J2kError("CONTAINER_INVALID", `the File Type box has ${box.contentLength} bytes of contents; it needs at least 8 (brand and minor version)`, {
      offset: box.offset,
    });
  }
  const o = box.contentOffset;
  const br = u32(bytes, o);
  const codes: number[] = [];
  for (let p = o + 8; p + 4 <= o + box.contentLength; p += 4) codes.push(u32(bytes, p));
  if ((box.contentLength - 8) % 4 !== 0) warnings.push(`the File Type box has ${(box.contentLength - 8) % 4} stray bytes after its compatibility list`);
  const jp2Compatible = codes.includes(BRAND_JP2);
  const jpxOnly = br === BRAND_JPX || (!jp2Compatible && codes.includes(BRAND_JPX));
  if (!jp2Compatible && br !== BRAND_JPH && !codes.includes(BRAND_JPH)) {
    warnings.push("the compatibility list does not contain 'jp2 ' (I.5.2); read as JP2 anyway");
  }
  if (br !== BRAND_JP2 && br !== BRAND_JPX && br !== BRAND_JPH) warnings.push(`unknown brand ${quote(fourCC(br))}`);
  return {
    format: jpxOnly ? "jpx" : "jp2",
    brand: fourCC(br),
    minorVersion: u32(bytes, o + 4),
    compatibility: codes.map(fourCC),
    jp2Compatible,
  };
}

function quote(type: string): string {
  return type.startsWith("0x") ? type : `'${type}'`;
}

function locateCodestream(bytes: Uint8Array, jp2c: Box, warnings: string[]): Jp2File["codestream"] {
  if (jp2c.truncated) {
    warnings.push(`the Contiguous Codestream box at byte ${jp2c.offset} declares more bytes than the file holds; the codestream is cut at the end of the file`);
  }
  const o = jp2c.contentOffset;
  if (jp2c.contentLength < 4 || bytes[o] !== 0xff || bytes[o + 1] !== 0x4f || bytes[o + 2] !== 0xff || bytes[o + 3] !== 0x51) {
    throw new J2kError(
      "CONTAINER_NO_CODESTREAM",
      "the Contiguous Codestream box does not hold a codestream: it does not start with the SOC and SIZ markers (FF 4F FF 51)",
      { offset: o },
    );
  }
  return { offset: o, length: jp2c.contentLength, boxOffset: jp2c.offset, truncated: jp2c.truncated };
}

/** Where the header boxes come from: jp2h, or jpch (+ jplh) in JPX files without jp2h. */
interface HeaderSource {
  /** The superbox the header boxes were read from, for error offsets. */
  box: Box;
  /** Header boxes in order (jp2h children, or jpch children followed by jplh and cgrp children). */
  boxes: Box[];
  /** Name for messages. */
  name: string;
}

function headerSource(top: Box[], jp2c: Box, warnings: string[]): HeaderSource {
  const jp2hs = findBoxes(top, BOX.header);
  const jp2h = jp2hs[0];
  if (jp2h) {
    if (jp2hs.length > 1) warnings.push(`${jp2hs.length} JP2 header boxes; only the first (at byte ${jp2h.offset}) is used`);
    if (jp2h.offset > jp2c.offset) warnings.push("the JP2 header box comes after the codestream box (I.5.3 puts it before)");
    return { box: jp2h, boxes: jp2h.children ?? [], name: "JP2 header box" };
  }
  const jpch = findBox(top, BOX.codestreamHeader);
  if (jpch) {
    const jplh = findBox(top, BOX.compositingLayerHeader);
    const layer = jplh?.children ?? [];
    const groups = layer.filter((b) => b.code === BOX.colorGroup).flatMap((b) => b.children ?? []);
    return { box: jpch, boxes: [...(jpch.children ?? []), ...layer, ...groups], name: "JPX codestream header box" };
  }
  throw new J2kError("CONTAINER_INVALID", "the file has no JP2 header box (jp2h, I.5.3)", { offset: top[1]?.offset ?? 0 });
}

/** A required header box is missing: if the header is damaged, that damage is the reason. */
function throwIfDamaged(source: HeaderSource, missing: string): void {
  const d = source.box.damage;
  if (d) throw damageError(d, `the ${source.name} is damaged before its ${missing}`);
}

/** Image Header box (I.5.3.1): HEIGHT u32, WIDTH u32, NC u16, BPC u8, C u8, UnkC u8, IPR u8. */
function readImageHeader(bytes: Uint8Array, source: HeaderSource, warnings: string[]): ImageHeader {
  const box = findBox(source.boxes, BOX.imageHeader);
  if (!box) {
    throwIfDamaged(source, "Image Header box");
    throw new J2kError("CONTAINER_INVALID", `the ${source.name} has no Image Header box (ihdr, I.5.3.1)`, { offset: source.box.offset });
  }
  if (source.boxes[0] !== box) warnings.push("the Image Header box is not the first box of the header (I.5.3.1)");
  if (box.contentLength < 14) {
    throw new J2kError("CONTAINER_INVALID", `the Image Header box has ${box.contentLength} bytes of contents; it needs 14`, { offset: box.offset });
  }
  if (box.contentLength > 14) warnings.push(`the Image Header box has ${box.contentLength - 14} extra bytes`);
  const o = box.contentOffset;
  const h: ImageHeader = {
    height: u32(bytes, o),
    width: u32(bytes, o + 4),
    nc: u16(bytes, o + 8),
    bpc: bytes[o + 10]!,
    c: bytes[o + 11]!,
    unkC: bytes[o + 12]!,
    ipr: bytes[o + 13]!,
  };
  if (h.nc < 1 || h.nc > 16384) {
    throw new J2kError("CONTAINER_INVALID", `the Image Header box declares NC = ${h.nc} components; 1 to 16384 are allowed`, { offset: box.offset });
  }
  if (h.width === 0 || h.height === 0) warnings.push(`the Image Header box declares an empty image (${h.width}x${h.height})`);
  if (h.bpc !== 255 && (h.bpc & 0x7f) + 1 > 38) warnings.push(`the Image Header box declares ${(h.bpc & 0x7f) + 1}-bit components; at most 38 are allowed`);
  if (h.c !== 7) warnings.push(`the Image Header box declares compression type C = ${h.c}; JPEG 2000 is 7`);
  if (h.unkC > 1) warnings.push(`the Image Header box has UnkC = ${h.unkC}; only 0 and 1 are defined`);
  if (h.ipr > 1) warnings.push(`the Image Header box has IPR = ${h.ipr}; only 0 and 1 are defined`);
  return h;
}

/** A BPC / Bi byte: bits 0-6 = depth - 1, bit 7 = signed (Tables I.4, I.5, I.13). */
function depthOf(b: number): ComponentDepth {
  return { bitDepth: (b & 0x7f) + 1, signed: (b & 0x80) !== 0 };
}

/** Per-component depths from bpcc (I.5.3.2) when BPC = 255, else from BPC. */
function readComponentDepths(bytes: Uint8Array, source: HeaderSource, h: ImageHeader, warnings: string[]): ComponentDepth[] | undefined {
  const box = findBox(source.boxes, BOX.bitsPerComponent);
  if (h.bpc !== 255) {
    if (box) warnings.push("a Bits Per Component box is present although the Image Header box gives one depth for all components; it is ignored (I.5.3.2)");
    const d = depthOf(h.bpc);
    return Array.from({ length: h.nc }, () => ({ ...d }));
  }
  if (!box) {
    warnings.push("the Image Header box says the depths vary (BPC = 255) but there is no Bits Per Component box; depths come from the codestream");
    return undefined;
  }
  if (box.contentLength < h.nc) {
    warnings.push(`the Bits Per Component box lists ${box.contentLength} components, fewer than NC = ${h.nc}; it is ignored`);
    return undefined;
  }
  if (box.contentLength > h.nc) warnings.push(`the Bits Per Component box lists ${box.contentLength} components, more than NC = ${h.nc}`);
  return Array.from(boxContent(bytes, box).subarray(0, h.nc), depthOf);
}

/** All colr boxes of the header (I.5.3.3). */
function readColorSpecifications(bytes: Uint8Array, source: HeaderSource, warnings: string[]): ColorSpecification[] {
  const boxes = findBoxes(source.boxes, BOX.colorSpecification);
  if (boxes.length === 0) {
    throwIfDamaged(source, "Colour Specification box");
    throw new J2kError("CONTAINER_INVALID", `the ${source.name} has no Colour Specification box (colr, I.5.3.3)`, { offset: source.box.offset });
  }
  if (source.box.damage) {
    warnings.push(`boxes of the ${source.name} from byte ${source.box.damage.offset} on were ignored: ${source.box.damage.message}`);
  }
  return boxes.map((b) => readColorSpecification(bytes, b, warnings));
}

/** One colr box: METH u8, PREC i8, APPROX u8, then EnumCS (u32, METH 1) or an ICC profile (METH 2, 3). */
function readColorSpecification(bytes: Uint8Array, box: Box, warnings: string[]): ColorSpecification {
  const where = `the colour specification at byte ${box.offset}`;
  const spec: ColorSpecification = { offset: box.offset, meth: 0, prec: 0, approx: 0, name: "unknown", understood: false, iccProblems: [] };
  if (box.contentLength < 3) {
    warnings.push(`${where} has ${box.contentLength} bytes of contents, too short to use`);
    return spec;
  }
  const o = box.contentOffset;
  const end = o + box.contentLength;
  spec.meth = bytes[o]!;
  spec.prec = (bytes[o + 1]! << 24) >> 24;
  spec.approx = bytes[o + 2]!;
  if (spec.meth === 1) {
    if (box.contentLength < 7) {
      warnings.push(`${where} (METH 1) ends before its EnumCS field`);
      return spec;
    }
    spec.enumCS = u32(bytes, o + 3);
    const name = ENUMERATED_COLOR_SPACES[spec.enumCS];
    if (name) {
      spec.name = name;
      spec.understood = true;
    } else {
      warnings.push(`${where} names an unknown enumerated colour space ${spec.enumCS}`);
    }
    if (end > o + 7) spec.parameters = bytes.slice(o + 7, end);
  } else if (spec.meth === 2 || spec.meth === 3) {
    spec.icc = bytes.slice(o + 3, end);
    spec.name = "icc";
    const v = validateIcc(spec.icc);
    spec.iccProblems = v.problems;
    // Usable when the header and tag table can be trusted; problems inside tags are only warned about.
    spec.understood = v.intact;
    for (const p of v.problems) warnings.push(`ICC profile of ${where}: ${p}`);
  } else {
    if (end > o + 3) spec.parameters = bytes.slice(o + 3, end);
    warnings.push(`${where} uses colour specification method ${spec.meth}, which this reader does not understand`);
  }
  return spec;
}

/**
 * A header box of `code`, or — when the header has none — one found at the top level (issue235:
 * cmap outside jp2h), used with a warning.
 */
function findOwnOrLoose(source: HeaderSource, top: Box[], code: number, warnings: string[]): Box | undefined {
  const own = findBox(source.boxes, code);
  if (own) return own;
  const loose = findBox(top, code);
  if (loose) warnings.push(`a '${loose.type}' box was found outside the ${source.name} (at byte ${loose.offset}) and is used anyway`);
  return loose;
}

/**
 * Palette box (I.5.3.4): NE u16, NPC u8, B[NPC] u8, then NE rows of NPC values, each value in
 * ceil(depth / 8) bytes, big-endian.
 */
function readPalette(bytes: Uint8Array, box: Box | undefined): Palette | undefined {
  if (!box) return undefined;
  const bad = (why: string): J2kError => new J2kError("CONTAINER_INVALID", `invalid Palette box: ${why}`, { offset: box.offset });
  if (box.contentLength < 3) throw bad(`${box.contentLength} bytes of contents, at least 3 needed`);
  const o = box.contentOffset;
  const entries = u16(bytes, o);
  const columns = bytes[o + 2]!;
  if (entries < 1 || entries > 1024) throw bad(`NE = ${entries} entries; 1 to 1024 are allowed`);
  if (columns < 1) throw bad("NPC = 0 columns");
  if (box.contentLength < 3 + columns) throw bad(`the box ends inside its ${columns} column depths`);
  const bitDepths: number[] = [];
  const signed: boolean[] = [];
  const widths: number[] = [];
  for (let i = 0; i < columns; i++) {
    const d = depthOf(bytes[o + 3 + i]!);
    if (d.bitDepth > 38) throw bad(`column ${i} is ${d.bitDepth} bits deep; at most 38 are allowed`);
    if (d.bitDepth > (d.signed ? 32 : 31)) {
      throw new J2kError("UNSUPPORTED", `palette column ${i} is ${d.bitDepth}-bit ${d.signed ? "signed" : "unsigned"}; j2kit holds palette values in 32-bit integers`, {
        offset: box.offset,
      });
    }
    bitDepths.push(d.bitDepth);
    signed.push(d.signed);
    widths.push((d.bitDepth + 7) >> 3);
  }
  const rowBytes = widths.reduce((a, b) => a + b, 0);
  const need = 3 + columns + entries * rowBytes;
  if (box.contentLength < need) throw bad(`${entries} entries of ${rowBytes} bytes need ${need} bytes of contents, the box has ${box.contentLength}`);
  const values = bitDepths.map(() => new Int32Array(entries));
  let p = o + 3 + columns;
  for (let e = 0; e < entries; e++) {
    for (let c = 0; c < columns; c++) {
      let v = 0;
      for (let k = 0; k < widths[c]!; k++) v = v * 256 + bytes[p++]!;
      // Keep the low `depth` bits; sign-extend signed columns.
      const depth = bitDepths[c]!;
      v = v % 2 ** depth;
      if (signed[c] && v >= 2 ** (depth - 1)) v -= 2 ** depth;
      values[c]![e] = v;
    }
  }
  return { entries, columns, bitDepths, signed, values };
}

/** Component Mapping box (I.5.3.5): per channel CMP u16, MTYP u8, PCOL u8. */
function readComponentMapping(
  bytes: Uint8Array,
  box: Box | undefined,
  palette: Palette | undefined,
  h: ImageHeader,
  warnings: string[],
): ComponentMapping[] | undefined {
  if (!box) return undefined;
  const bad = (why: string): J2kError => new J2kError("CONTAINER_INVALID", `invalid Component Mapping box: ${why}`, { offset: box.offset });
  if (box.contentLength % 4 !== 0) warnings.push(`the Component Mapping box has ${box.contentLength % 4} stray bytes`);
  const n = box.contentLength >> 2;
  if (n === 0) throw bad("no entries");
  const out: ComponentMapping[] = [];
  for (let i = 0; i < n; i++) {
    const o = box.contentOffset + 4 * i;
    const m: ComponentMapping = { component: u16(bytes, o), type: bytes[o + 2]!, paletteColumn: bytes[o + 3]! };
    if (m.type > 1) throw bad(`entry ${i} has MTYP = ${m.type}; 0 (direct) and 1 (palette) are defined`);
    if (m.type === 1) {
      if (!palette) throw bad(`entry ${i} maps through a palette but there is no Palette box`);
      if (m.paletteColumn >= palette.columns) throw bad(`entry ${i} uses palette column ${m.paletteColumn}; the palette has ${palette.columns}`);
    }
    if (m.component >= h.nc) warnings.push(`Component Mapping entry ${i} names component ${m.component}, but the Image Header box declares ${h.nc}`);
    out.push(m);
  }
  return repairPaletteMapping(out, palette, warnings);
}

/**
 * Some writers (issue235.jp2 and a SumatraPDF-made file in the OpenJPEG test data) store a cmap
 * with one entry per palette column in which only the first entry goes through the palette and
 * the others use the index directly: (c, 1, 0), (c, 0, 0), (c, 0, 0). Taken literally the image
 * gets one palette channel and raw indices for the rest. When every entry names the same
 * component, there are as many entries as palette columns, and some columns are never used, the
 * mapping is rewritten to (c, 1, i) for entry i, with a warning. OpenJPEG reads these files the
 * same way.
 */
function repairPaletteMapping(map: ComponentMapping[], palette: Palette | undefined, warnings: string[]): ComponentMapping[] {
  if (!palette || map.length !== palette.columns) return map;
  const c = map[0]!.component;
  if (!map.every((m) => m.component === c)) return map;
  const used = new Set(map.filter((m) => m.type === 1).map((m) => m.paletteColumn));
  if (used.size === palette.columns) return map;
  const unused = Array.from({ length: palette.columns }, (_, i) => i).filter((i) => !used.has(i));
  warnings.push(
    `the Component Mapping box leaves palette column(s) ${unused.join(", ")} unused while mapping component ${c} ${map.length} times; ` +
      `it was read as component ${c} through palette columns 0 to ${palette.columns - 1}`,
  );
  return map.map((_, i) => ({ component: c, type: 1, paletteColumn: i }));
}

/** Channel Definition box (I.5.3.6): N u16, then N x (Cn u16, Typ u16, Asoc u16). Ignored with a warning when unusable. */
function readChannelDefinitions(bytes: Uint8Array, box: Box | undefined, warnings: string[]): ChannelDefinition[] | undefined {
  if (!box) return undefined;
  const ignore = (why: string): undefined => {
    warnings.push(`the Channel Definition box at byte ${box.offset} is ignored: ${why}`);
    return undefined;
  };
  if (box.contentLength < 2) return ignore("it is too short to hold its entry count");
  const n = u16(bytes, box.contentOffset);
  if (n === 0) return ignore("it has no entries");
  if (box.contentLength < 2 + 6 * n) return ignore(`${n} entries need ${2 + 6 * n} bytes of contents, the box has ${box.contentLength}`);
  const out: ChannelDefinition[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const o = box.contentOffset + 2 + 6 * i;
    const d: ChannelDefinition = { channel: u16(bytes, o), type: u16(bytes, o + 2), association: u16(bytes, o + 4) };
    if (d.type > 2 && d.type !== 65535) warnings.push(`Channel Definition entry ${i} has the reserved type ${d.type}`);
    if (seen.has(d.channel)) warnings.push(`channel ${d.channel} is defined more than once in the Channel Definition box; the first definition is used`);
    seen.add(d.channel);
    out.push(d);
  }
  return out;
}

/** Resolution superbox (I.5.3.7) with resc / resd: VRcN, VRcD, HRcN, HRcD (u16), VRcE, HRcE (i8). */
function readResolution(bytes: Uint8Array, headerBoxes: Box[], warnings: string[]): { capture?: Resolution; display?: Resolution } | undefined {
  const res = findBox(headerBoxes, BOX.resolution);
  if (!res) return undefined;
  if (res.damage) warnings.push(`the Resolution box is damaged; boxes in it from byte ${res.damage.offset} on were ignored: ${res.damage.message}`);
  const one = (code: number, name: string): Resolution | undefined => {
    const b = findBox(res.children ?? [], code);
    if (!b) return undefined;
    if (b.contentLength < 10) {
      warnings.push(`the ${name} resolution box at byte ${b.offset} is too short (${b.contentLength} bytes of contents, 10 needed); ignored`);
      return undefined;
    }
    const o = b.contentOffset;
    const [vn, vd, hn, hd] = [u16(bytes, o), u16(bytes, o + 2), u16(bytes, o + 4), u16(bytes, o + 6)];
    const ve = (bytes[o + 8]! << 24) >> 24;
    const he = (bytes[o + 9]! << 24) >> 24;
    if (vd === 0 || hd === 0) {
      warnings.push(`the ${name} resolution box at byte ${b.offset} has a zero denominator; ignored`);
      return undefined;
    }
    return { horizontal: (hn / hd) * 10 ** he, vertical: (vn / vd) * 10 ** ve };
  };
  const capture = one(BOX.captureResolution, "capture");
  const display = one(BOX.displayResolution, "display");
  if (!capture && !display) return undefined;
  return { ...(capture ? { capture } : {}), ...(display ? { display } : {}) };
}

const METADATA = new Set([BOX.xml, BOX.uuid, BOX.uuidList, BOX.url, BOX.label, BOX.intellectualProperty]);
const utf8 = new TextDecoder("utf-8");

function hexOf(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

function uuidText(bytes: Uint8Array): string {
  const h = hexOf(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** XML (I.7.1), UUID (I.7.2), UUID Info (I.7.3: ulst, url), label and IPR boxes anywhere in the tree. */
function collectMetadata(bytes: Uint8Array, top: Box[]): MetadataBox[] {
  const out: MetadataBox[] = [];
  const visit = (boxes: Box[], path: string[]): void => {
    for (const b of boxes) {
      if (METADATA.has(b.code)) out.push(describeMetadata(bytes, b, path));
      if (b.children) visit(b.children, [...path, b.type]);
    }
  };
  visit(top, []);
  return out;
}

function describeMetadata(bytes: Uint8Array, b: Box, path: string[]): MetadataBox {
  const m: MetadataBox = { type: b.type, offset: b.offset, length: b.length, path };
  const c = boxContent(bytes, b);
  if (b.code === BOX.xml || b.code === BOX.label) {
    m.text = utf8.decode(c).replace(/\0+$/, "");
  } else if (b.code === BOX.uuid) {
    if (c.length >= 16) {
      m.uuid = uuidText(c.subarray(0, 16));
      m.data = c.subarray(16);
    }
  } else if (b.code === BOX.uuidList) {
    if (c.length >= 2) {
      const n = Math.min(u16(c, 0), Math.floor((c.length - 2) / 16));
      m.uuids = Array.from({ length: n }, (_, i) => uuidText(c.subarray(2 + 16 * i, 18 + 16 * i)));
    }
  } else if (b.code === BOX.url) {
    if (c.length >= 4) {
      m.version = c[0]!;
      m.flags = (c[1]! << 16) | (c[2]! << 8) | c[3]!;
      m.text = utf8.decode(c.subarray(4)).replace(/\0+$/, "");
    }
  } else {
    m.data = c;
  }
  return m;
}

/** The public {@link ColorSpaceInfo} of a colour specification. */
export function toColorSpaceInfo(spec: ColorSpecification): ColorSpaceInfo {
  return {
    name: spec.name,
    ...(spec.enumCS !== undefined ? { enumerated: spec.enumCS } : {}),
    ...(spec.icc ? { icc: spec.icc } : {}),
  };
}

/**
 * The public {@link Jp2Info} of a file read by {@link readJp2}. Resolutions are
 * `[horizontal, vertical]` in pixels per metre.
 */
export function toJp2Info(file: Jp2File): Jp2Info {
  const info: Jp2Info = {
    brand: file.brand,
    compatibility: file.compatibility,
    boxes: file.boxes.map((b) => ({ type: b.type, offset: b.offset, length: b.length })),
  };
  if (file.colorSpace) info.colorSpace = toColorSpaceInfo(file.colorSpace);
  if (file.palette) {
    const p = file.palette;
    info.palette = { entries: p.entries, columns: p.columns, bitDepths: [...p.bitDepths], signed: [...p.signed] };
  }
  if (file.componentMapping) info.componentMapping = file.componentMapping.map((m) => ({ ...m }));
  if (file.channels) info.channels = file.channels.map((c) => ({ ...c }));
  if (file.resolution) {
    const r = file.resolution;
    info.resolution = {
      ...(r.capture ? { capture: [r.capture.horizontal, r.capture.vertical] as [number, number] } : {}),
      ...(r.display ? { display: [r.display.horizontal, r.display.vertical] as [number, number] } : {}),
    };
  }
  return info;
}
