/**
 * Marker segments the codestream index needs, read in TypeScript so that an index can be built
 * from a few byte ranges without the WebAssembly core: SIZ (A.5.1), COD/COC (A.6.1, A.6.2),
 * POC (A.6.6), TLM (A.7.1), PLM (A.7.2), PLT (A.7.3), PPM (A.7.4), PPT (A.7.5), SOT (A.4.2).
 * Checks follow the core's (codec/codestream/*.ts) so that both reject the same streams with the
 * same codes; every length is checked against the bytes at hand before it is used.
 * @module
 */
import { J2kError, type J2kErrorCode } from "../errors.js";

/** Marker codes (Table A.2; CAP/CPF from 15444-15). */
export const M = {
  SOC: 0xff4f,
  CAP: 0xff50,
  SIZ: 0xff51,
  COD: 0xff52,
  COC: 0xff53,
  TLM: 0xff55,
  PLM: 0xff57,
  PLT: 0xff58,
  CPF: 0xff59,
  QCD: 0xff5c,
  QCC: 0xff5d,
  RGN: 0xff5e,
  POC: 0xff5f,
  PPM: 0xff60,
  PPT: 0xff61,
  CRG: 0xff63,
  COM: 0xff64,
  SOT: 0xff90,
  SOP: 0xff91,
  EPH: 0xff92,
  SOD: 0xff93,
  EOC: 0xffd9,
} as const;

/** Markers without a length field (A.1.3: 0xFF30-0xFF3F and the delimiting markers). */
export function isNoLengthMarker(m: number): boolean {
  return (m >= 0xff30 && m <= 0xff3f) || m === M.SOC || m === M.SOD || m === M.EOC || m === M.EPH;
}

/** Part 2 marker segments (15444-2 Table A.2) the core refuses. */
function isPart2Marker(m: number): boolean {
  return m === 0xff70 || m === 0xff71 || m === 0xff72 || m === 0xff73 || m === 0xff74 || m === 0xff75 || m === 0xff77 || m === 0xff78 || m === 0xff79;
}

/** Thrown by the parsers when the bytes at hand end before the structure does. */
export class NeedMoreBytes extends Error {
  constructor(
    /** Bytes (counted from the start of the buffer) the parser needs at least. */
    readonly needed: number,
  ) {
    super(`need ${needed} bytes`);
  }
}

/** A marker segment: its marker, offset in the file and length field (0 for markers without one). */
export interface MarkerSegment {
  marker: number;
  /** File offset of the marker's first byte. */
  offset: number;
  /** The segment's length field Lxxx (the marker's two bytes are not counted); 0 without a segment. */
  length: number;
}

/** SIZ (A.5.1): image and tile geometry on the reference grid, components. */
export interface Siz {
  Rsiz: number;
  Xsiz: number;
  Ysiz: number;
  XOsiz: number;
  YOsiz: number;
  XTsiz: number;
  YTsiz: number;
  XTOsiz: number;
  YTOsiz: number;
  components: Array<{ precision: number; signed: boolean; dx: number; dy: number }>;
  tilesX: number;
  tilesY: number;
  numTiles: number;
}

/** SPcod / SPcoc (Table A.15). */
export interface CodingStyle {
  levels: number;
  /** Code-block width / height exponents (field + 2). */
  xcb: number;
  ycb: number;
  /** Table A.19 flags; 0x40 = HT code-blocks (15444-15). */
  cblkStyle: number;
  reversible: boolean;
  /** Per resolution 0..levels: PPx (low nibble), PPy (high nibble); 15/15 when not signalled. */
  precincts: Uint8Array;
}

/** Scod bits 1-2 and SGcod (Tables A.13, A.14). */
export interface GlobalStyle {
  sop: boolean;
  eph: boolean;
  /** Table A.16 index: 0 LRCP, 1 RLCP, 2 RPCL, 3 PCRL, 4 CPRL. */
  progression: number;
  layers: number;
  mct: number;
}

/** One POC progression (Table A.32); end values exclusive. */
export interface PocEntry {
  RSpoc: number;
  CSpoc: number;
  LYEpoc: number;
  REpoc: number;
  CEpoc: number;
  Ppoc: number;
}

/** Most decomposition levels (A.6.1). */
export const MAX_LEVELS = 32;

/** Bounds-checked big-endian reads of a marker segment; overruns become `code`. */
class SegReader {
  pos: number;
  constructor(
    readonly b: Uint8Array,
    start: number,
    readonly end: number,
    readonly code: J2kErrorCode,
    readonly at: number,
  ) {
    this.pos = start;
  }
  private need(n: number): void {
    if (this.pos + n > this.end) throw new J2kError(this.code, `marker segment too short (${segName(this.code)})`, { offset: this.at });
  }
  u8(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = (this.b[this.pos]! << 8) | this.b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.b[this.pos]! * 0x1000000 + ((this.b[this.pos + 1]! << 16) | (this.b[this.pos + 2]! << 8) | this.b[this.pos + 3]!);
    this.pos += 4;
    return v;
  }
}

function segName(code: J2kErrorCode): string {
  return code.replace(/^BAD_/, "");
}

/** Big-endian u16 at `o` of `b` (caller checked bounds). */
export function be16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

/** Big-endian u32 at `o` of `b` (caller checked bounds), as a non-negative number. */
export function be32(b: Uint8Array, o: number): number {
  return b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

const MAX_COORD = 0x7fffffff;

/** SIZ body (after the length field); `L` = Lsiz. Same limits as codec/codestream/siz.ts. */
export function readSiz(b: Uint8Array, start: number, L: number, at: number): Siz {
  const r = new SegReader(b, start, start + L - 2, "BAD_SIZ", at);
  const Rsiz = r.u16();
  const Xsiz = r.u32();
  const Ysiz = r.u32();
  const XOsiz = r.u32();
  const YOsiz = r.u32();
  let XTsiz = r.u32();
  let YTsiz = r.u32();
  const XTOsiz = r.u32();
  const YTOsiz = r.u32();
  const Csiz = r.u16();
  if (Csiz < 1 || Csiz > 16384) throw new J2kError("LIMIT_COMPONENTS", `codestream declares ${Csiz} components (1..16384 allowed)`, { offset: at });
  if (L !== 38 + 3 * Csiz) throw new J2kError("BAD_SIZ", `invalid SIZ marker segment (length ${L} for ${Csiz} components)`, { offset: at });
  if (XTsiz > MAX_COORD && Xsiz <= MAX_COORD && XTOsiz <= Xsiz) XTsiz = Xsiz - XTOsiz;
  if (YTsiz > MAX_COORD && Ysiz <= MAX_COORD && YTOsiz <= Ysiz) YTsiz = Ysiz - YTOsiz;
  if (Xsiz > MAX_COORD || Ysiz > MAX_COORD || XTsiz > MAX_COORD || YTsiz > MAX_COORD) {
    throw new J2kError("LIMIT_PIXELS", "image or tile coordinates in SIZ exceed 2^31 - 1 (the largest geometry j2kit handles); the file is most likely corrupt", { offset: at });
  }
  const bad = (what: string) => new J2kError("BAD_SIZ", `invalid SIZ marker segment (${what})`, { offset: at });
  if (XOsiz >= Xsiz || YOsiz >= Ysiz) throw bad("image origin not inside the image");
  if (XTsiz === 0 || YTsiz === 0) throw bad("zero tile size");
  if (XTOsiz > XOsiz || YTOsiz > YOsiz) throw bad("tile origin right of / below the image origin");
  if (XTOsiz + XTsiz <= XOsiz || YTOsiz + YTsiz <= YOsiz) throw bad("first tile does not contain the image origin");
  const tilesX = Math.ceil((Xsiz - XTOsiz) / XTsiz);
  const tilesY = Math.ceil((Ysiz - YTOsiz) / YTsiz);
  if (tilesX * tilesY > 65535) throw bad(`${tilesX * tilesY} tiles; at most 65535 can be addressed`);
  const components: Siz["components"] = [];
  for (let c = 0; c < Csiz; c++) {
    const s = r.u8();
    const dx = r.u8();
    const dy = r.u8();
    const precision = (s & 0x7f) + 1;
    if (precision > 38) throw bad(`component ${c} precision ${precision}`);
    if (dx < 1 || dy < 1) throw bad(`component ${c} sub-sampling ${dx}x${dy}`);
    components.push({ precision, signed: (s & 0x80) !== 0, dx, dy });
  }
  return { Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz, XTOsiz, YTOsiz, components, tilesX, tilesY, numTiles: tilesX * tilesY };
}

function readSPcod(r: SegReader, userPrecincts: boolean): CodingStyle {
  const levels = r.u8();
  const xcbField = r.u8();
  const ycbField = r.u8();
  const style = r.u8();
  const transform = r.u8();
  const bad = (what: string) => new J2kError("BAD_COD", `invalid COD/COC marker segment (${what})`, { offset: r.at });
  if (levels > MAX_LEVELS) throw bad(`${levels} decomposition levels`);
  if (xcbField > 8 || ycbField > 8 || xcbField + ycbField > 8) throw bad(`code-block size fields ${xcbField}, ${ycbField}`);
  if ((style & 0x80) !== 0) throw new J2kError("UNSUPPORTED_PART2", `mixed HT / Part 1 code-blocks (code-block style 0x${style.toString(16)}) are not supported`, { offset: r.at });
  if (transform > 1) throw new J2kError("UNSUPPORTED_PART2", `wavelet transform ${transform} (Part 2 arbitrary kernels) is not supported`, { offset: r.at });
  const precincts = new Uint8Array(levels + 1).fill(0xff);
  if (userPrecincts) {
    if (levels + 1 > r.end - r.pos) throw bad("precinct sizes missing");
    for (let i = 0; i <= levels; i++) {
      const v = r.u8();
      if (i > 0 && ((v & 15) === 0 || v >> 4 === 0)) throw bad(`precinct size 0x${v.toString(16)} at resolution ${i}`);
      precincts[i] = v;
    }
  }
  return { levels, xcb: xcbField + 2, ycb: ycbField + 2, cblkStyle: style & 0x7f, reversible: transform === 1, precincts };
}

/** COD body. Updates `g` (global part) and returns the component part. */
export function readCod(b: Uint8Array, start: number, L: number, at: number, g: GlobalStyle): CodingStyle {
  const r = new SegReader(b, start, start + L - 2, "BAD_COD", at);
  const Scod = r.u8();
  if ((Scod & ~0x07) !== 0) throw new J2kError("UNSUPPORTED_PART2", `COD coding style 0x${Scod.toString(16)} uses Part 2 features`, { offset: at });
  const prog = r.u8();
  const layers = r.u16();
  const mct = r.u8();
  if (prog > 4) throw new J2kError("BAD_COD", `invalid COD marker segment (progression order ${prog})`, { offset: at });
  if (layers < 1) throw new J2kError("BAD_COD", "invalid COD marker segment (0 quality layers)", { offset: at });
  if (mct > 1) throw new J2kError("UNSUPPORTED_PART2", `multiple component transform ${mct} (Part 2) is not supported`, { offset: at });
  g.sop = (Scod & 2) !== 0;
  g.eph = (Scod & 4) !== 0;
  g.progression = prog;
  g.layers = layers;
  g.mct = mct;
  return readSPcod(r, (Scod & 1) !== 0);
}

/** COC body: the component index and its coding style. */
export function readCoc(b: Uint8Array, start: number, L: number, at: number, Csiz: number): { component: number; style: CodingStyle } {
  const r = new SegReader(b, start, start + L - 2, "BAD_COD", at);
  const c = Csiz < 257 ? r.u8() : r.u16();
  if (c >= Csiz) throw new J2kError("BAD_COD", `invalid COC marker segment (component ${c} of ${Csiz})`, { offset: at });
  const Scoc = r.u8();
  if ((Scoc & ~1) !== 0) throw new J2kError("BAD_COD", `invalid COC marker segment (Scoc 0x${Scoc.toString(16)})`, { offset: at });
  return { component: c, style: readSPcod(r, (Scoc & 1) !== 0) };
}

/** POC body: its progressions (appended to `out`). */
export function readPoc(b: Uint8Array, start: number, L: number, at: number, Csiz: number, out: PocEntry[]): void {
  const size = Csiz < 257 ? 7 : 9;
  const n = Math.floor((L - 2) / size);
  if (n < 1 || (L - 2) % size !== 0) throw new J2kError("BAD_POC", "invalid POC marker segment (progression order change out of range)", { offset: at });
  const r = new SegReader(b, start, start + L - 2, "BAD_POC", at);
  for (let i = 0; i < n; i++) {
    const RSpoc = r.u8();
    const CSpoc = Csiz < 257 ? r.u8() : r.u16();
    const LYEpoc = r.u16();
    const REpoc = r.u8();
    const ce = Csiz < 257 ? r.u8() : r.u16();
    const Ppoc = r.u8();
    if (Ppoc > 4) throw new J2kError("BAD_POC", `invalid POC marker segment (progression ${Ppoc})`, { offset: at });
    out.push({ RSpoc, CSpoc, LYEpoc, REpoc, CEpoc: ce === 0 ? (Csiz < 257 ? 256 : 16384) : ce, Ppoc });
  }
}

/** A TLM segment's entries (A.7.1, Tables A.33-A.34). `tile` is -1 when Ttlm is absent (ST = 0). */
export interface TlmSegment {
  z: number;
  tiles: number[];
  lengths: number[];
  /** Set when the segment cannot be read (the reason). */
  problem?: string;
}

/** TLM body; never throws: a damaged TLM only makes the index fall back to the SOT chain. */
export function readTlm(b: Uint8Array, start: number, L: number): TlmSegment {
  const end = start + L - 2;
  if (L < 4) return { z: 0, tiles: [], lengths: [], problem: `TLM length ${L}` };
  const z = b[start]!;
  const S = b[start + 1]!;
  const ST = (S >> 4) & 3;
  const SP = (S >> 6) & 1;
  if (ST === 3) return { z, tiles: [], lengths: [], problem: "TLM Stlm ST = 3 (reserved)" };
  const entry = ST + (SP ? 4 : 2);
  const body = L - 4;
  if (body % entry !== 0) return { z, tiles: [], lengths: [], problem: `TLM body of ${body} bytes is not a whole number of ${entry}-byte entries` };
  const tiles: number[] = [];
  const lengths: number[] = [];
  for (let o = start + 2; o + entry <= end; o += entry) {
    tiles.push(ST === 0 ? -1 : ST === 1 ? b[o]! : be16(b, o));
    lengths.push(SP ? be32(b, o + ST) : be16(b, o + ST));
  }
  return { z, tiles, lengths };
}

/**
 * Packet lengths of PLT/PLM (A.7.2, A.7.3): 7 bits per byte, high bit set on all but the last byte
 * of each length. Returns the lengths, or a problem when a length is unfinished or absurd.
 */
export function readPacketLengths(bytes: Uint8Array): { lengths: number[]; problem?: string } {
  const lengths: number[] = [];
  let v = 0;
  let open = false;
  for (let i = 0; i < bytes.length; i++) {
    const x = bytes[i]!;
    v = v * 128 + (x & 0x7f);
    if (v > 2 ** 40) return { lengths, problem: "a packet length above 2^40" };
    if (x & 0x80) {
      open = true;
    } else {
      lengths.push(v);
      v = 0;
      open = false;
    }
  }
  if (open) return { lengths, problem: "the last packet length is unfinished" };
  return { lengths };
}

/** What {@link readMainHeader} found. */
export interface MainHeader {
  /** File offset of SOC. */
  offset: number;
  /** File offset of the first SOT (the main header's end). */
  end: number;
  siz: Siz;
  global: GlobalStyle;
  cod: CodingStyle;
  /** Main-header COC per component (undefined where none). */
  coc: Array<CodingStyle | undefined>;
  poc: PocEntry[];
  segments: MarkerSegment[];
  /** TLM segments in Z order. */
  tlm: TlmSegment[];
  /** PLM Iplm data per tile-part (Nplm chunks in Z order), if any. */
  plm?: Uint8Array[];
  /** PPM contents (Ippm of all segments in Z order), if any. */
  ppm?: Uint8Array;
  /** CAP marker or Rsiz bit 14: Part 15 (HTJ2K) codestream. */
  htj2k: boolean;
}

/**
 * Read the main header of the codestream starting at `bytes[0]` (file offset `base`).
 * Throws {@link NeedMoreBytes} when `bytes` end before the first SOT; J2kError for bad data.
 */
export function readMainHeader(bytes: Uint8Array, base: number): MainHeader {
  const n = bytes.length;
  if (n < 4) throw new NeedMoreBytes(4);
  if (be16(bytes, 0) !== M.SOC) throw new J2kError("NOT_A_CODESTREAM", "not a JPEG 2000 codestream or JP2 file: no SOC marker (FF4F) at the start", { offset: base });
  if (be16(bytes, 2) !== M.SIZ) throw new J2kError("MISSING_MARKER", "required marker segment 0xFF51 (SIZ) is missing", { offset: base + 2 });
  const segments: MarkerSegment[] = [{ marker: M.SOC, offset: base, length: 0 }];
  const global: GlobalStyle = { sop: false, eph: false, progression: 0, layers: 1, mct: 0 };
  let siz: Siz | undefined;
  let cod: CodingStyle | undefined;
  let hasQcd = false;
  let coc: Array<CodingStyle | undefined> = [];
  const poc: PocEntry[] = [];
  const tlm: TlmSegment[] = [];
  const plmSegs: Array<{ z: number; bytes: Uint8Array }> = [];
  const ppmSegs: Array<{ z: number; bytes: Uint8Array }> = [];
  let htj2k = false;
  let o = 2;
  for (;;) {
    if (o + 2 > n) throw new NeedMoreBytes(o + 4);
    const at = base + o;
    const m = be16(bytes, o);
    if (m === M.SOT) break;
    if (m === M.EOC) throw new J2kError("NO_TILE_DATA", "the codestream contains no tile data (no SOT marker after the main header)", { offset: at });
    if (m < 0xff00) throw new J2kError("MAIN_HEADER_BAD_MARKER", `invalid marker segment 0x${hex(m)} in the main header`, { offset: at });
    if (isNoLengthMarker(m)) {
      if (m === M.SOD || m === M.EPH || m === M.SOC) throw new J2kError("MAIN_HEADER_BAD_MARKER", `marker 0x${hex(m)} is not allowed in the main header`, { offset: at });
      segments.push({ marker: m, offset: at, length: 0 });
      o += 2;
      continue;
    }
    if (o + 4 > n) throw new NeedMoreBytes(o + 4);
    const L = be16(bytes, o + 2);
    if (L < 2) throw new J2kError("MAIN_HEADER_BAD_MARKER", `marker segment 0x${hex(m)} has length ${L}`, { offset: at });
    const s = o + 4;
    const e = o + 2 + L;
    if (e > n) throw new NeedMoreBytes(e + 2);
    segments.push({ marker: m, offset: at, length: L });
    if (m === M.SIZ) {
      if (siz) throw new J2kError("MAIN_HEADER_BAD_MARKER", "two SIZ marker segments", { offset: at });
      siz = readSiz(bytes, s, L, at);
      coc = new Array<CodingStyle | undefined>(siz.components.length).fill(undefined);
      if (siz.Rsiz & 0x4000) htj2k = true;
    } else if (!siz) {
      throw new J2kError("MISSING_MARKER", "required marker segment 0xFF51 (SIZ) is missing", { offset: at });
    } else if (m === M.COD) {
      cod = readCod(bytes, s, L, at, global);
    } else if (m === M.COC) {
      const r = readCoc(bytes, s, L, at, siz.components.length);
      coc[r.component] = r.style;
    } else if (m === M.QCD) {
      hasQcd = true;
    } else if (m === M.POC) {
      readPoc(bytes, s, L, at, siz.components.length, poc);
    } else if (m === M.TLM) {
      tlm.push(readTlm(bytes, s, L));
    } else if (m === M.PLM) {
      if (L >= 3) plmSegs.push({ z: bytes[s]!, bytes: bytes.subarray(s + 1, e) });
    } else if (m === M.PPM) {
      if (L < 3) throw new J2kError("BAD_PPM", "invalid PPM marker segment (no data)", { offset: at });
      ppmSegs.push({ z: bytes[s]!, bytes: bytes.subarray(s + 1, e) });
    } else if (m === M.CAP) {
      htj2k = true;
    } else if (isPart2Marker(m)) {
      throw new J2kError("UNSUPPORTED_PART2", `ISO/IEC 15444-2 (Part 2) extension is not supported (marker 0x${hex(m)})`, { offset: at });
    }
    o = e;
  }
  if (!siz) throw new J2kError("MISSING_MARKER", "required marker segment 0xFF51 (SIZ) is missing", { offset: base + 2 });
  if (!cod) throw new J2kError("MISSING_MARKER", "required marker segment 0xFF52 (COD) is missing", { offset: base + o });
  if (!hasQcd) throw new J2kError("MISSING_MARKER", "required marker segment 0xFF5C (QCD) is missing", { offset: base + o });
  tlm.sort((a, b) => a.z - b.z);
  const header: MainHeader = { offset: base, end: base + o, siz, global, cod, coc, poc, segments, tlm, htj2k };
  if (ppmSegs.length) header.ppm = concatByZ(ppmSegs);
  if (plmSegs.length) header.plm = splitPlm(concatByZ(plmSegs));
  return header;
}

/** Stable sort by Z, then concatenation. */
export function concatByZ(segs: Array<{ z: number; bytes: Uint8Array }>): Uint8Array {
  const sorted = segs.map((s, i) => ({ ...s, i })).sort((a, b) => a.z - b.z || a.i - b.i);
  const total = sorted.reduce((n, s) => n + s.bytes.length, 0);
  const out = new Uint8Array(total);
  let p = 0;
  for (const s of sorted) {
    out.set(s.bytes, p);
    p += s.bytes.length;
  }
  return out;
}

/** PLM: Nplm (1 byte) then Nplm bytes of Iplm, for each tile-part in codestream order. */
function splitPlm(all: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  while (p < all.length) {
    const N = all[p]!;
    p++;
    out.push(all.subarray(p, Math.min(all.length, p + N)));
    p += N;
  }
  return out;
}

/** A tile-part header (SOT through SOD) as {@link readTilePartHeader} reads it. */
export interface TilePartHeader {
  tile: number;
  /** Psot as written (0 = to the end of the codestream). */
  Psot: number;
  TPsot: number;
  TNsot: number;
  /** Bytes from SOT through SOD inclusive (the packet data starts right after). */
  length: number;
  segments: MarkerSegment[];
  /** COD of this tile-part (global part copied into `global`). */
  cod?: CodingStyle;
  global?: GlobalStyle;
  coc: Array<{ component: number; style: CodingStyle }>;
  poc: PocEntry[];
  /** PPT (Z, bytes) and PLT (Z, bytes) segments. */
  ppt: Array<{ z: number; bytes: Uint8Array }>;
  plt: Array<{ z: number; bytes: Uint8Array }>;
}

/**
 * Read the tile-part header at `bytes[0]` (an SOT marker at file offset `base`) up to SOD.
 * `limit` is the tile-part's length when known (the header must end inside it).
 * Throws {@link NeedMoreBytes} when the bytes end first, J2kError for bad data.
 */
export function readTilePartHeader(bytes: Uint8Array, base: number, siz: Siz, mainGlobal: GlobalStyle, limit?: number): TilePartHeader {
  if (bytes.length < 12) throw new NeedMoreBytes(12);
  if (be16(bytes, 0) !== M.SOT) throw new J2kError("BAD_SOT", `expected an SOT marker (FF90), found 0x${hex(be16(bytes, 0))}`, { offset: base });
  const Lsot = be16(bytes, 2);
  const tile = be16(bytes, 4);
  const Psot = be32(bytes, 6);
  const TPsot = bytes[10]!;
  const TNsot = bytes[11]!;
  if (Lsot !== 10) throw new J2kError("BAD_SOT", `invalid SOT marker segment (Lsot ${Lsot})`, { offset: base });
  if (tile >= siz.numTiles) throw new J2kError("BAD_SOT", `invalid SOT marker segment (tile index ${tile}, the image has ${siz.numTiles} tiles)`, { offset: base });
  if (Psot !== 0 && Psot < 14) throw new J2kError("BAD_SOT", `invalid SOT marker segment (tile-part length ${Psot})`, { offset: base });
  const end = Psot !== 0 ? Psot : limit ?? Infinity;
  const h: TilePartHeader = { tile, Psot, TPsot, TNsot, length: 0, segments: [{ marker: M.SOT, offset: base, length: 10 }], coc: [], poc: [], ppt: [], plt: [] };
  const C = siz.components.length;
  let o = 12;
  for (;;) {
    if (o + 2 > end) throw new J2kError("TILE_HEADER_BAD_MARKER", "tile-part header runs past the end of its tile-part (no SOD)", { offset: base + o });
    if (o + 2 > bytes.length) throw new NeedMoreBytes(o + 4);
    const at = base + o;
    const m = be16(bytes, o);
    if (m === M.SOD) {
      h.segments.push({ marker: m, offset: at, length: 0 });
      o += 2;
      break;
    }
    if (m < 0xff00 || m === M.SOT || m === M.EOC) throw new J2kError("TILE_HEADER_BAD_MARKER", `invalid marker segment 0x${hex(m)} in a tile-part header`, { offset: at });
    if (isNoLengthMarker(m)) {
      h.segments.push({ marker: m, offset: at, length: 0 });
      o += 2;
      continue;
    }
    if (o + 4 > bytes.length) throw new NeedMoreBytes(o + 4);
    const L = be16(bytes, o + 2);
    const e = o + 2 + L;
    if (L < 2 || e > end) throw new J2kError("TILE_HEADER_BAD_MARKER", `invalid marker segment 0x${hex(m)} in a tile-part header (length ${L})`, { offset: at });
    if (e > bytes.length) throw new NeedMoreBytes(e + 2);
    const s = o + 4;
    h.segments.push({ marker: m, offset: at, length: L });
    if (m === M.COD) {
      h.global = { ...(h.global ?? mainGlobal) };
      h.cod = readCod(bytes, s, L, at, h.global);
    } else if (m === M.COC) {
      h.coc.push(readCoc(bytes, s, L, at, C));
    } else if (m === M.POC) {
      readPoc(bytes, s, L, at, C, h.poc);
    } else if (m === M.PPT) {
      if (L < 3) throw new J2kError("BAD_PPT", "invalid PPT marker segment (no data)", { offset: at });
      h.ppt.push({ z: bytes[s]!, bytes: bytes.subarray(s + 1, e) });
    } else if (m === M.PLT) {
      if (L >= 3) h.plt.push({ z: bytes[s]!, bytes: bytes.subarray(s + 1, e) });
    } else if (isPart2Marker(m)) {
      throw new J2kError("UNSUPPORTED_PART2", `ISO/IEC 15444-2 (Part 2) extension is not supported (marker 0x${hex(m)})`, { offset: at });
    }
    o = e;
  }
  h.length = o;
  return h;
}

/** Hex of a marker code. */
export function hex(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(4, "0");
}
