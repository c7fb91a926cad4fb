/**
 * A small, tolerant JP2 box walker and codestream header reader for the tests (ISO/IEC 15444-1
 * Annex I for boxes, Annex A for markers). Independent of src/jp2 and the core on purpose: the
 * tests use it to decide how to render or cross-check a file, to feed raw codestreams to peers and
 * to aim mutations at length fields in the fuzz test.
 * @module
 */

/** One box as found in the file (I.4: LBox, TBox, optional XLBox). */
export interface Box {
  type: string;
  /** Offset of the box header. */
  offset: number;
  /** Header bytes (8, or 16 with XLBox). */
  headerLength: number;
  /** Offset just past the box (clamped to the container end). */
  end: number;
  /** True when the declared length ran past the container and was clamped. */
  clamped: boolean;
}

/** True when `bytes` starts with the JP2 signature box (I.5.1). */
export function isJp2(bytes: Uint8Array): boolean {
  const sig = [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a];
  return bytes.length >= 12 && sig.every((b, i) => bytes[i] === b);
}

/** True when `bytes` starts with SOC followed by SIZ (A.4.1, A.5.1). */
export function isCodestream(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0x4f && bytes[2] === 0xff && bytes[3] === 0x51;
}

const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const fourcc = (b: Uint8Array, o: number) => String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);

/** Boxes between `start` and `end` (I.4). Stops at the first header that cannot be read. */
export function readBoxes(bytes: Uint8Array, start = 0, end = bytes.length): Box[] {
  const boxes: Box[] = [];
  let pos = start;
  while (pos + 8 <= end) {
    let length = u32(bytes, pos);
    const type = fourcc(bytes, pos + 4);
    let headerLength = 8;
    if (length === 1) {
      if (pos + 16 > end) break;
      length = u32(bytes, pos + 8) * 2 ** 32 + u32(bytes, pos + 12);
      headerLength = 16;
    } else if (length === 0) {
      length = end - pos; // last box, extends to the end
    }
    if (length < headerLength) break;
    const clamped = pos + length > end;
    const boxEnd = Math.min(pos + length, end);
    boxes.push({ type, offset: pos, headerLength, end: boxEnd, clamped });
    pos = boxEnd;
  }
  return boxes;
}

/** Colour specification box content (I.5.3.3). */
export interface ColourSpec {
  meth: number;
  enumCS?: number;
  icc?: Uint8Array;
}

/** What the tests need to know about a JP2 file's boxes. */
export interface Jp2Summary {
  boxes: Box[];
  colr: ColourSpec[];
  hasPalette: boolean;
  paletteColumns: number;
  /** Palette (I.5.3.4) when present and readable. */
  palette?: Palette;
  /** Component mapping (I.5.3.5): per output channel, codestream component, 0 direct / 1 palette, column. */
  cmap: Array<{ component: number; type: number; column: number }>;
  hasCdef: boolean;
  /** Channel definitions (I.5.3.6): type 0 colour, 1 opacity, 2 premultiplied; association 1-based colour, 0 whole image. */
  cdef: Array<{ channel: number; type: number; association: number }>;
  /** Byte range of the first contiguous codestream box content. */
  codestream?: { start: number; end: number };
}

/** Summarise a JP2 file (top-level boxes and the jp2h super box). */
export function jp2Summary(bytes: Uint8Array): Jp2Summary {
  const boxes = readBoxes(bytes);
  const summary: Jp2Summary = { boxes, colr: [], hasPalette: false, paletteColumns: 0, hasCdef: false, cdef: [], cmap: [] };
  const visit = (list: Box[]) => {
    for (const box of list) {
      const c = box.offset + box.headerLength;
      if (box.type === "jp2h") visit(readBoxes(bytes, c, box.end));
      else if (box.type === "colr" && box.end - c >= 3) {
        const meth = bytes[c]!;
        const spec: ColourSpec = { meth };
        if (meth === 1 && box.end - c >= 7) spec.enumCS = u32(bytes, c + 3);
        if ((meth === 2 || meth === 3) && box.end - c > 3) spec.icc = bytes.subarray(c + 3, box.end);
        summary.colr.push(spec);
      } else if (box.type === "pclr" && box.end - c >= 3) {
        summary.hasPalette = true;
        summary.paletteColumns = bytes[c + 2]!;
        summary.palette = readPclr(bytes, c, box.end);
      } else if (box.type === "cmap") {
        for (let o = c; o + 4 <= box.end; o += 4) summary.cmap.push({ component: u16(bytes, o), type: bytes[o + 2]!, column: bytes[o + 3]! });
      } else if (box.type === "cdef" && box.end - c >= 2) {
        summary.hasCdef = true;
        const n = u16(bytes, c);
        for (let i = 0; i < n && c + 2 + 6 * i + 6 <= box.end; i++) {
          const o = c + 2 + 6 * i;
          summary.cdef.push({ channel: u16(bytes, o), type: u16(bytes, o + 2), association: u16(bytes, o + 4) });
        }
      } else if (box.type === "jp2c" && !summary.codestream) summary.codestream = { start: c, end: box.end };
    }
  };
  visit(boxes);
  return summary;
}

/** Palette box content (I.5.3.4): NE entries of NPC columns, each column with its own precision. */
export interface Palette {
  entries: number;
  columns: number;
  bitDepth: number[];
  signed: boolean[];
  /** values[entry][column] */
  values: number[][];
}

function readPclr(bytes: Uint8Array, c: number, end: number): Palette | undefined {
  const entries = u16(bytes, c);
  const columns = bytes[c + 2]!;
  if (c + 3 + columns > end) return undefined;
  const bitDepth: number[] = [];
  const signed: boolean[] = [];
  for (let k = 0; k < columns; k++) {
    bitDepth.push((bytes[c + 3 + k]! & 0x7f) + 1);
    signed.push((bytes[c + 3 + k]! & 0x80) !== 0);
  }
  let o = c + 3 + columns;
  const values: number[][] = [];
  for (let e = 0; e < entries; e++) {
    const row: number[] = [];
    for (let k = 0; k < columns; k++) {
      const n = Math.ceil(bitDepth[k]! / 8);
      if (o + n > end) return undefined;
      let v = 0;
      for (let i = 0; i < n; i++) v = v * 256 + bytes[o + i]!;
      if (signed[k] && v >= 2 ** (8 * n - 1)) v -= 2 ** (8 * n);
      row.push(v);
      o += n;
    }
    values.push(row);
  }
  return { entries, columns, bitDepth, signed, values };
}

/** Palette entries whose value does not fit the column's declared precision (malformed pclr). */
export function paletteOutOfRange(p: Palette): number {
  let bad = 0;
  for (const row of p.values) {
    row.forEach((v, k) => {
      const lo = p.signed[k] ? -(2 ** (p.bitDepth[k]! - 1)) : 0;
      const hi = p.signed[k] ? 2 ** (p.bitDepth[k]! - 1) - 1 : 2 ** p.bitDepth[k]! - 1;
      if (v < lo || v > hi) bad++;
    });
  }
  return bad;
}

/** The raw codestream inside a JP2 file, or the bytes themselves for a raw codestream. */
export function codestreamOf(bytes: Uint8Array): Uint8Array | undefined {
  if (isCodestream(bytes)) return bytes;
  if (!isJp2(bytes)) return undefined;
  const cs = jp2Summary(bytes).codestream;
  return cs ? bytes.subarray(cs.start, cs.end) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Codestream markers (A.2-A.6)
// ---------------------------------------------------------------------------------------------

/** One marker or marker segment found while walking a codestream. */
export interface MarkerSegment {
  marker: number;
  /** Offset of the FFxx marker. */
  offset: number;
  /** Total bytes of marker + segment (2 for markers without a segment). */
  length: number;
  /** "main" header, "tile" header, or "data" (SOD/EOC). */
  where: "main" | "tile" | "data";
}

/** Markers that have no length field (A.1.1 / Table A.1): SOC, SOD, EOC, EPH and the reserved FF30-FF3F. */
function hasNoSegment(marker: number): boolean {
  return marker === 0xff4f || marker === 0xff93 || marker === 0xffd9 || marker === 0xff92 || (marker >= 0xff30 && marker <= 0xff3f);
}

/**
 * Walk main and tile-part headers (tile-part bodies are skipped with Psot). Tolerant: stops where
 * the structure breaks and returns what was found.
 */
export function walkMarkers(cs: Uint8Array): MarkerSegment[] {
  const out: MarkerSegment[] = [];
  let pos = 0;
  let where: "main" | "tile" = "main";
  let tilePartEnd = 0;
  while (pos + 2 <= cs.length) {
    const marker = u16(cs, pos);
    if ((marker & 0xff00) !== 0xff00) break;
    if (hasNoSegment(marker)) {
      if (marker === 0xff93) {
        out.push({ marker, offset: pos, length: 2, where: "data" });
        // Skip the tile-part body (Psot = 0: the last tile-part runs to EOC).
        pos = tilePartEnd > pos ? tilePartEnd : cs.length >= 2 && u16(cs, cs.length - 2) === 0xffd9 ? cs.length - 2 : cs.length;
        where = "main";
        continue;
      }
      out.push({ marker, offset: pos, length: 2, where: marker === 0xffd9 ? "data" : where });
      if (marker === 0xffd9) break;
      pos += 2;
      continue;
    }
    if (pos + 4 > cs.length) break;
    const len = u16(cs, pos + 2);
    if (len < 2) break;
    if (marker === 0xff90) {
      // SOT (A.4.2): Isot, Psot, TPsot, TNsot.
      where = "tile";
      const psot = pos + 10 <= cs.length ? u32(cs, pos + 6) : 0;
      tilePartEnd = psot > 0 ? pos + psot : 0;
    }
    out.push({ marker, offset: pos, length: 2 + len, where });
    pos += 2 + len;
  }
  return out;
}

/** Image and component geometry from SIZ (A.5.1). */
export interface SizInfo {
  rsiz: number;
  Xsiz: number;
  Ysiz: number;
  XOsiz: number;
  YOsiz: number;
  XTsiz: number;
  YTsiz: number;
  XTOsiz: number;
  YTOsiz: number;
  components: Array<{ bitDepth: number; signed: boolean; dx: number; dy: number; width: number; height: number }>;
  /** Image area size (Xsiz - XOsiz, Ysiz - YOsiz). */
  width: number;
  height: number;
}

/** Read SIZ from a raw codestream (undefined when it is not readable). */
export function readSiz(cs: Uint8Array): SizInfo | undefined {
  if (!isCodestream(cs) || cs.length < 42) return undefined;
  const p = 4; // start of the SIZ segment (after FF51)
  const Lsiz = u16(cs, p);
  const Csiz = u16(cs, p + 36);
  if (cs.length < p + Lsiz || Lsiz !== 38 + 3 * Csiz) return undefined;
  const Xsiz = u32(cs, p + 4);
  const Ysiz = u32(cs, p + 8);
  const XOsiz = u32(cs, p + 12);
  const YOsiz = u32(cs, p + 16);
  const components: SizInfo["components"] = [];
  for (let i = 0; i < Csiz; i++) {
    const o = p + 38 + 3 * i;
    const ssiz = cs[o]!;
    const dx = cs[o + 1]!;
    const dy = cs[o + 2]!;
    // B.2: component extent is ceil(Xsiz/XRsiz) - ceil(XOsiz/XRsiz).
    const width = dx > 0 ? Math.ceil(Xsiz / dx) - Math.ceil(XOsiz / dx) : 0;
    const height = dy > 0 ? Math.ceil(Ysiz / dy) - Math.ceil(YOsiz / dy) : 0;
    components.push({ bitDepth: (ssiz & 0x7f) + 1, signed: (ssiz & 0x80) !== 0, dx, dy, width, height });
  }
  return {
    rsiz: u16(cs, p + 2),
    Xsiz,
    Ysiz,
    XOsiz,
    YOsiz,
    XTsiz: u32(cs, p + 20),
    YTsiz: u32(cs, p + 24),
    XTOsiz: u32(cs, p + 28),
    YTOsiz: u32(cs, p + 32),
    components,
    width: Xsiz - XOsiz,
    height: Ysiz - YOsiz,
  };
}

/** Coding facts gathered from every COD/COC in main and tile-part headers (A.6.1, A.6.2). */
export interface CodingSummary {
  /** Some component or tile uses the 9/7 irreversible filter (Table A.20). */
  irreversible: boolean;
  /** Decomposition levels of the main COD. */
  levels: number;
  /** Layers of the main COD. */
  layers: number;
  /** HT code-blocks (Part 15: code-block style bit 6). */
  ht: boolean;
  /** Multiple component transform signalled in some COD (SGcod byte 4, Table A.17). */
  mct: boolean;
}

/** Summarise the coding style markers of a codestream. */
export function codingSummary(cs: Uint8Array): CodingSummary | undefined {
  const siz = readSiz(cs);
  if (!siz) return undefined;
  const result: CodingSummary = { irreversible: false, levels: -1, layers: -1, ht: false, mct: false };
  for (const m of walkMarkers(cs)) {
    const o = m.offset + 4;
    if (m.marker === 0xff52 && m.length >= 14 && o + 10 <= cs.length) {
      // COD: Scod, SGcod (progression, layers(2), MCT), SPcod (levels, xcb, ycb, style, transform).
      if (m.where === "main") {
        result.layers = u16(cs, o + 2);
        result.levels = cs[o + 5]!;
      }
      if (cs[o + 4] !== 0) result.mct = true;
      if (cs[o + 9] === 0) result.irreversible = true;
      if ((cs[o + 8]! & 0x40) !== 0) result.ht = true;
    } else if (m.marker === 0xff53 && o + 7 <= cs.length) {
      // COC: Ccoc (1 or 2 bytes), Scoc, SPcoc (levels, xcb, ycb, style, transform).
      const cBytes = siz.components.length < 257 ? 1 : 2;
      const sp = o + cBytes + 1;
      if (sp + 4 < cs.length && sp + 4 < m.offset + m.length) {
        if (cs[sp + 4] === 0) result.irreversible = true;
        if ((cs[sp + 3]! & 0x40) !== 0) result.ht = true;
      }
    }
  }
  return result;
}

/**
 * Channel order a cdef box asks for (I.5.3.6): colour channels sorted by association (1, 2, 3...),
 * then the others in file order. Returns indices into the decoded channel list.
 */
export function cdefOrder(cdef: Jp2Summary["cdef"], channels: number): number[] {
  const order = Array.from({ length: channels }, (_, i) => i);
  if (cdef.length === 0) return order;
  const key = (ch: number) => {
    const d = cdef.find((e) => e.channel === ch);
    return d && d.type === 0 && d.association > 0 ? d.association - 1 : channels + ch;
  };
  return order.sort((a, b) => key(a) - key(b));
}
