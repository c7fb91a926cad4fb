// Main header, tile-part index and tile-part headers (ISO/IEC 15444-1 A.2-A.4, A.7).
//
// parseCodestream(): SOC, SIZ, the main-header marker segments, then a scan of all tile-parts
// (SOT ... SOD ... data) building an index, without interpreting tile-part headers.
// resolveTile(): the coding parameters of one tile following the precedence rules of A.6
// (tile COC > tile COD > main COC > main COD; same for QCC/QCD), its POC list, and its packet data
// and packed packet headers (PPM / PPT) gathered into contiguous buffers.

import { Reader, readerInit, rdU8, rdU16, rdU32, skip, readerOffset, peekU16 } from "../io/reader";
import * as M from "./markers";
import {
  Siz, CompSiz, compSiz, CodingStyle, GlobalStyle, QuantStyle, PocList, PocEntry,
  newCodingStyle, newQuantStyle,
} from "./params";
import { readSiz } from "./siz";
import { readCod, readCoc } from "./cod";
import { readQcd, readQcc } from "./qcd";
import { readPoc, readRgn } from "./poc";
import { arenaAlloc, arenaAllocZeroed } from "../util/arena";
import { fail } from "../util/fail";
import * as E from "../util/error_codes";

/** One tile-part found by the scan (A.4.2). Offsets are relative to the codestream start. */
@unmanaged
export class TilePart {
  tile: i32;
  TPsot: i32;
  TNsot: i32;
  sotOffset: i32;
  /** First byte after the SOT segment. */
  hdrStart: i32;
  /** First byte after SOD. */
  dataStart: i32;
  /** End of the tile-part (exclusive). */
  dataEnd: i32;
  /** Packed packet headers of this tile-part taken from PPM (A.7.4), or 0. */
  ppmPtr: usize;
  ppmLen: i32;
}

/** A marker segment seen while parsing, for `j2kit info`. */
@unmanaged
export class MarkerRec {
  code: i32;
  offset: i32;
  length: i32;
  /** Tile-part index, or -1 for the main header. */
  part: i32;
}

const MAX_MARKER_LOG: i32 = 4096;

/** Everything known after the main header and the tile-part scan. */
@unmanaged
export class Codestream {
  data: usize;
  len: i32;
  siz: Siz;
  gcod: GlobalStyle;
  /** Main COD component part (default for every component). */
  cod: CodingStyle;
  /** usize[Csiz]: main-header COC per component, or 0. */
  coc: usize;
  qcd: QuantStyle;
  /** usize[Csiz]: main-header QCC per component, or 0. */
  qcc: usize;
  /** i32[Csiz]: ROI max-shift from main-header RGN (0 = none). */
  rgn: usize;
  poc: PocList;
  hasCod: i32;
  hasQcd: i32;
  /** CAP marker seen or Rsiz bit 14 (Part 15 HTJ2K). */
  htj2k: i32;
  /** CAP marker (ISO/IEC 15444-1 A.5.2 as amended by 15444-15 A.3): Pcap, and Ccap15 or -1. */
  pcap: i32;
  ccap15: i32;
  /** Concatenated PPM data (A.7.4), or 0. */
  ppm: usize;
  ppmLen: i32;
  numTileParts: i32;
  /** TilePart[numTileParts] in codestream order. */
  tileParts: usize;
  /** i32[numTiles]: number of tile-parts per tile. */
  partCount: usize;
  /** i32[numTiles]: index into partOrder of the tile's first tile-part. */
  partFirst: usize;
  /** i32[numTileParts]: tile-part indices grouped by tile, each group in codestream order. */
  partOrder: usize;
  /** 1 if the codestream ended before EOC / inside a tile-part. */
  truncated: i32;
  /** Offset of the end of the main header (first SOT). */
  mainHeaderEnd: i32;
  markers: usize;
  numMarkers: i32;
}

// @ts-ignore: decorator
@inline
export function tilePart(cs: Codestream, i: i32): TilePart {
  return changetype<TilePart>(cs.tileParts + <usize>i * offsetof<TilePart>());
}

function logMarker(cs: Codestream, code: u32, offset: i32, length: i32, part: i32): void {
  if (cs.numMarkers >= MAX_MARKER_LOG) return;
  let m = changetype<MarkerRec>(cs.markers + <usize>cs.numMarkers * offsetof<MarkerRec>());
  m.code = <i32>code;
  m.offset = offset;
  m.length = length;
  m.part = part;
  cs.numMarkers++;
}

/** Segments of PPM or PPT waiting to be concatenated in Z order. */
@unmanaged
class ZSegs {
  count: i32;
  cap: i32;
  /** (z: i32, off: i32, len: i32) triples */
  items: usize;
}

function zsegsNew(cap: i32): ZSegs {
  let z = changetype<ZSegs>(arenaAllocZeroed(offsetof<ZSegs>()));
  z.cap = cap;
  z.items = arenaAlloc(<usize>cap * 12);
  return z;
}

function zsegsPush(z: ZSegs, idx: i32, off: i32, len: i32): void {
  if (z.count == z.cap) {
    let cap = z.cap * 2;
    let p = arenaAlloc(<usize>cap * 12);
    memory.copy(p, z.items, <usize>z.count * 12);
    z.items = p;
    z.cap = cap;
  }
  let q = z.items + <usize>z.count * 12;
  store<i32>(q, idx);
  store<i32>(q, off, 4);
  store<i32>(q, len, 8);
  z.count++;
}

/** Concatenate the segments' bytes in increasing Z (stable for equal Z). Returns the buffer; length in *lenOut. */
function zsegsConcat(z: ZSegs, data: usize, lenOut: usize): usize {
  // insertion sort by z (the count is small)
  for (let i = 1; i < z.count; i++) {
    let p = z.items + <usize>i * 12;
    let zi = load<i32>(p), oi = load<i32>(p, 4), li = load<i32>(p, 8);
    let j = i - 1;
    while (j >= 0 && load<i32>(z.items + <usize>j * 12) > zi) {
      memory.copy(z.items + <usize>(j + 1) * 12, z.items + <usize>j * 12, 12);
      j--;
    }
    let d = z.items + <usize>(j + 1) * 12;
    store<i32>(d, zi);
    store<i32>(d, oi, 4);
    store<i32>(d, li, 8);
  }
  let total: i32 = 0;
  for (let i = 0; i < z.count; i++) total += load<i32>(z.items + <usize>i * 12, 8);
  let buf = arenaAlloc(<usize>total + 8);
  let pos: usize = 0;
  for (let i = 0; i < z.count; i++) {
    let p = z.items + <usize>i * 12;
    let l = <usize>load<i32>(p, 8);
    memory.copy(buf + pos, data + <usize>load<i32>(p, 4), l);
    pos += l;
  }
  store<i32>(lenOut, total);
  return buf;
}

/** Parse SOC, SIZ and the main header, then index the tile-parts. */
export function parseCodestream(data: usize, len: i32): Codestream {
  let cs = changetype<Codestream>(arenaAllocZeroed(offsetof<Codestream>()));
  cs.data = data;
  cs.len = len;
  cs.markers = arenaAlloc(<usize>MAX_MARKER_LOG * offsetof<MarkerRec>());
  cs.ccap15 = -1;
  let r = changetype<Reader>(arenaAllocZeroed(offsetof<Reader>()));
  readerInit(r, data, data, data + <usize>len, E.ERR_MAIN_HEADER_TRUNCATED);
  if (len < 2 || rdU16(r) != M.SOC) fail(E.ERR_NOT_CODESTREAM, 0);
  logMarker(cs, M.SOC, 0, 0, -1);
  if (len < 4 || peekU16(r.pos) != M.SIZ) fail(E.ERR_MISSING_MARKER, 2, <i32>M.SIZ);

  cs.siz = changetype<Siz>(arenaAllocZeroed(offsetof<Siz>()));
  cs.gcod = changetype<GlobalStyle>(arenaAllocZeroed(offsetof<GlobalStyle>()));
  cs.cod = newCodingStyle();
  cs.qcd = newQuantStyle();
  cs.poc = changetype<PocList>(arenaAllocZeroed(offsetof<PocList>()));
  let ppmSegs = zsegsNew(8);
  let sawSiz = false;

  while (true) {
    let at = readerOffset(r);
    let m = rdU16(r);
    if (m == M.SOT) break;
    if (m == M.EOC) fail(E.ERR_NO_TILE_DATA, at);
    if (m < 0xff00) fail(E.ERR_MAIN_HEADER_BAD_MARKER, at, <i32>m);
    if (M.isNoLengthMarker(m)) {
      logMarker(cs, m, at, 0, -1);
      continue;
    }
    let L = <i32>rdU16(r);
    if (L < 2) fail(E.ERR_MAIN_HEADER_BAD_MARKER, at, <i32>m);
    let segStart = r.pos;
    let segEnd = segStart + <usize>(L - 2);
    if (segEnd > r.end) fail(E.ERR_MAIN_HEADER_TRUNCATED, at);
    logMarker(cs, m, at, L, -1);
    let sub = changetype<Reader>(arenaAllocZeroed(offsetof<Reader>()));
    readerInit(sub, data, segStart, segEnd, E.ERR_MAIN_HEADER_BAD_MARKER);
    if (m == M.SIZ) {
      if (sawSiz) fail(E.ERR_MAIN_HEADER_BAD_MARKER, at, <i32>m);
      sub.truncCode = E.ERR_BAD_SIZ;
      readSiz(sub, L, cs.siz);
      sawSiz = true;
      let C = cs.siz.Csiz;
      cs.coc = arenaAllocZeroed(<usize>C * sizeof<usize>());
      cs.qcc = arenaAllocZeroed(<usize>C * sizeof<usize>());
      cs.rgn = arenaAllocZeroed(<usize>C * 4);
      if ((cs.siz.Rsiz & 0x4000) != 0) cs.htj2k = 1;
    } else if (m == M.COD) {
      sub.truncCode = E.ERR_BAD_COD;
      readCod(sub, segEnd, cs.gcod, cs.cod);
      cs.hasCod = 1;
    } else if (m == M.COC) {
      sub.truncCode = E.ERR_BAD_COD;
      let s = newCodingStyle();
      let c = readCoc(sub, segEnd, cs.siz.Csiz, s);
      store<usize>(cs.coc + (<usize>c << alignof<usize>()), changetype<usize>(s));
    } else if (m == M.QCD) {
      sub.truncCode = E.ERR_BAD_QCD;
      readQcd(sub, segEnd, cs.qcd);
      cs.hasQcd = 1;
    } else if (m == M.QCC) {
      sub.truncCode = E.ERR_BAD_QCD;
      let q = newQuantStyle();
      let c = readQcc(sub, segEnd, cs.siz.Csiz, q);
      store<usize>(cs.qcc + (<usize>c << alignof<usize>()), changetype<usize>(q));
    } else if (m == M.RGN) {
      sub.truncCode = E.ERR_BAD_RGN;
      readRgn(sub, cs.siz.Csiz, cs.rgn);
    } else if (m == M.POC) {
      sub.truncCode = E.ERR_BAD_POC;
      readPoc(sub, L, cs.siz.Csiz, cs.poc);
    } else if (m == M.PPM) {
      if (L < 3) fail(E.ERR_BAD_PPM, at);
      let z = <i32>load<u8>(segStart);
      zsegsPush(ppmSegs, z, <i32>(segStart - data) + 1, L - 3);
    } else if (m == M.CAP) {
      cs.htj2k = 1;
      readCap(cs, segStart, segEnd);
    } else if (M.isPart2Marker(m)) {
      fail(E.ERR_UNSUPPORTED_PART2, at, <i32>m);
    } else if (m == M.SOD || m == M.SOP || m == M.EPH) {
      fail(E.ERR_MAIN_HEADER_BAD_MARKER, at, <i32>m);
    }
    // TLM, PLM, CRG, COM, CPF and unknown segments are skipped (A.7.1, A.7.2, A.9).
    r.pos = segEnd;
    if (!sawSiz) fail(E.ERR_MISSING_MARKER, at, <i32>M.SIZ);
  }
  if (cs.hasCod == 0) fail(E.ERR_MISSING_MARKER, readerOffset(r) - 2, <i32>M.COD);
  if (cs.hasQcd == 0) fail(E.ERR_MISSING_MARKER, readerOffset(r) - 2, <i32>M.QCD);
  cs.mainHeaderEnd = readerOffset(r) - 2;
  if (ppmSegs.count > 0) {
    let lenBox = arenaAllocZeroed(4);
    cs.ppm = zsegsConcat(ppmSegs, data, lenBox);
    cs.ppmLen = load<i32>(lenBox);
  }
  scanTileParts(cs, cs.mainHeaderEnd);
  return cs;
}

/**
 * CAP (ISO/IEC 15444-15 A.3): Pcap (32 bits; bit 32 - i set when Ccap_i follows), then one 16-bit
 * Ccap_i per set bit in increasing i. Keeps Pcap and Ccap15; a short segment keeps what it has.
 */
function readCap(cs: Codestream, start: usize, end: usize): void {
  if (end - start < 4) return;
  let pcap = (<u32>load<u8>(start) << 24) | (<u32>load<u8>(start + 1) << 16) | (<u32>load<u8>(start + 2) << 8) | <u32>load<u8>(start + 3);
  cs.pcap = <i32>pcap;
  if ((pcap & (1 << 17)) == 0) return; // no Ccap15
  // Ccap_i for i < 15 come first: the set bits above bit 17
  let before = <i32>popcnt<u32>(pcap >>> 18);
  let at = start + 4 + <usize>(2 * before);
  if (at + 2 > end) return;
  cs.ccap15 = (<i32>load<u8>(at) << 8) | <i32>load<u8>(at + 1);
}

/**
 * Walk SOT / tile-part header / SOD / data from `start` to EOC (or the end of the input),
 * tolerating a missing EOC and trailing bytes. Two passes: count, then fill.
 */
function scanTileParts(cs: Codestream, start: i32): void {
  let n = walkTileParts(cs, start, false);
  cs.numTileParts = n;
  cs.tileParts = arenaAllocZeroed(<usize>max(n, 1) * offsetof<TilePart>());
  walkTileParts(cs, start, true);
  let T = cs.siz.numTiles;
  cs.partCount = arenaAllocZeroed(<usize>T * 4);
  cs.partFirst = arenaAllocZeroed(<usize>T * 4);
  cs.partOrder = arenaAlloc(<usize>max(n, 1) * 4);
  for (let i = 0; i < n; i++) {
    let t = tilePart(cs, i).tile;
    store<i32>(cs.partCount + (<usize>t << 2), load<i32>(cs.partCount + (<usize>t << 2)) + 1);
  }
  let acc = 0;
  for (let t = 0; t < T; t++) {
    store<i32>(cs.partFirst + (<usize>t << 2), acc);
    acc += load<i32>(cs.partCount + (<usize>t << 2));
  }
  let fillPos = arenaAllocZeroed(<usize>T * 4);
  for (let i = 0; i < n; i++) {
    let tp = tilePart(cs, i);
    let t = tp.tile;
    let k = load<i32>(fillPos + (<usize>t << 2));
    // A.4.2: the tile-parts of a tile appear in order, TPsot = 0, 1, 2, ...
    if (tp.TPsot != k) fail(E.ERR_BAD_SOT, tp.sotOffset, t, tp.TPsot);
    store<i32>(cs.partOrder + (<usize>(load<i32>(cs.partFirst + (<usize>t << 2)) + k) << 2), i);
    store<i32>(fillPos + (<usize>t << 2), k + 1);
  }
  // A.7.4: PPM holds, for every tile-part in codestream order, Nppm (32 bits) then Nppm bytes.
  if (cs.ppm != 0) {
    let pos: i32 = 0;
    for (let i = 0; i < n; i++) {
      let tp = tilePart(cs, i);
      if (pos + 4 > cs.ppmLen) fail(E.ERR_BAD_PPM, tp.sotOffset);
      let p = cs.ppm + <usize>pos;
      let N = (<u32>load<u8>(p) << 24) | (<u32>load<u8>(p + 1) << 16) | (<u32>load<u8>(p + 2) << 8) | <u32>load<u8>(p + 3);
      pos += 4;
      if (<u64>pos + <u64>N > <u64>cs.ppmLen) fail(E.ERR_BAD_PPM, tp.sotOffset);
      tp.ppmPtr = cs.ppm + <usize>pos;
      tp.ppmLen = <i32>N;
      pos += <i32>N;
    }
  }
}

function walkTileParts(cs: Codestream, start: i32, fill: bool): i32 {
  let data = cs.data;
  let len = cs.len;
  let pos = start;
  let count = 0;
  let r = changetype<Reader>(arenaAllocZeroed(offsetof<Reader>()));
  let sawEoc = false;
  while (pos + 2 <= len) {
    let m = peekU16(data + <usize>pos);
    if (m == M.EOC) {
      sawEoc = true;
      break;
    }
    if (m != M.SOT) {
      // Bytes after the last tile-part that are not SOT/EOC: a codestream without any tile-part is
      // an error; otherwise some encoders wrote a Psot a few bytes short, so the last tile-part is
      // extended to EOC (or the end of the data). Extra bytes after the last packet are never read.
      if (count == 0) fail(E.ERR_BAD_SOT, pos, -1, 0);
      let end = len;
      if (len >= 2 && peekU16(data + <usize>(len - 2)) == M.EOC) {
        end = len - 2;
        sawEoc = true;
      }
      if (fill) {
        let last = tilePart(cs, count - 1);
        if (end > last.dataEnd) last.dataEnd = end;
      }
      break;
    }
    let sot = pos;
    if (pos + 12 > len) {
      cs.truncated = 1;
      break;
    }
    readerInit(r, data, data + <usize>(pos + 2), data + <usize>len, E.ERR_TILE_HEADER_TRUNCATED);
    let Lsot = rdU16(r);
    let Isot = <i32>rdU16(r);
    let Psot = rdU32(r);
    let TPsot = <i32>rdU8(r);
    let TNsot = <i32>rdU8(r);
    if (Lsot != 10) fail(E.ERR_BAD_SOT, sot, Isot, <i32>Lsot);
    if (Isot >= cs.siz.numTiles) fail(E.ERR_BAD_SOT, sot, Isot, <i32>Psot);
    let end: i64;
    if (Psot == 0) {
      // A.4.2: Psot = 0 only for the last tile-part; it runs to EOC
      end = <i64>len;
      if (len >= 2 && peekU16(data + <usize>(len - 2)) == M.EOC) {
        end = <i64>(len - 2);
        sawEoc = true;
      }
    } else {
      if (Psot < 14) fail(E.ERR_BAD_SOT, sot, Isot, <i32>Psot);
      end = <i64>sot + <i64>Psot;
      if (end > <i64>len) {
        cs.truncated = 1;
        end = <i64>len;
      }
    }
    // tile-part header: marker segments up to SOD
    let hdrStart = readerOffset(r);
    let dataStart = -1;
    while (<i64>readerOffset(r) + 2 <= end) {
      let at = readerOffset(r);
      let mk = rdU16(r);
      if (mk == M.SOD) {
        dataStart = readerOffset(r);
        break;
      }
      if (mk < 0xff00) fail(E.ERR_TILE_HEADER_BAD_MARKER, at, <i32>mk);
      if (M.isNoLengthMarker(mk)) continue;
      if (mk == M.SOT || mk == M.EOC) fail(E.ERR_TILE_HEADER_BAD_MARKER, at, <i32>mk);
      if (at + 4 > len) {
        // the data ends inside this marker segment's length field
        cs.truncated = 1;
        break;
      }
      let L = <i32>rdU16(r);
      if (L < 2 || <i64>at + 2 + <i64>L > end) {
        if (<i64>at + 2 + <i64>L > <i64>len) {
          cs.truncated = 1;
          break;
        }
        fail(E.ERR_TILE_HEADER_BAD_MARKER, at, <i32>mk);
      }
      if (fill) logMarker(cs, mk, at, L, count);
      skip(r, <usize>(L - 2));
    }
    if (dataStart < 0) {
      // No SOD inside this tile-part: the file was cut in the header (or is corrupt).
      if (end >= <i64>len) {
        cs.truncated = 1;
        break;
      }
      fail(E.ERR_TILE_HEADER_BAD_MARKER, sot, M.SOD);
    }
    if (fill) {
      let tp = tilePart(cs, count);
      tp.tile = Isot;
      tp.TPsot = TPsot;
      tp.TNsot = TNsot;
      tp.sotOffset = sot;
      tp.hdrStart = hdrStart;
      tp.dataStart = dataStart;
      tp.dataEnd = <i32>end;
      logMarker(cs, M.SOT, sot, 10, count);
    }
    count++;
    pos = <i32>end;
    if (Psot == 0) break;
  }
  if (count == 0) fail(E.ERR_NO_TILE_DATA, start);
  // The data ended without EOC: later tiles or tile-parts may be missing (A.3: EOC ends a codestream)
  if (!sawEoc) cs.truncated = 1;
  return count;
}

/** Coding parameters and data of one tile, resolved from the main and tile-part headers. */
@unmanaged
export class TileParams {
  index: i32;
  /** Tile bounds on the reference grid (B-7). */
  tx0: i32;
  ty0: i32;
  tx1: i32;
  ty1: i32;
  g: GlobalStyle;
  /** usize[Csiz] CodingStyle per component. */
  styles: usize;
  /** usize[Csiz] QuantStyle per component. */
  quants: usize;
  /** i32[Csiz] ROI max-shift per component. */
  roi: usize;
  poc: PocList;
  /** Tile data: the bodies of all its tile-parts, concatenated. */
  data: usize;
  dataLen: i32;
  /** Codestream offset of each byte run (for error offsets): start of the first tile-part body. */
  dataOffset: i32;
  /** Packed packet headers (PPT or PPM) concatenated, or 0 when headers are in the bodies. */
  hdr: usize;
  hdrLen: i32;
  /** 1 if the tile's data may be incomplete (truncated codestream or missing tile-parts). */
  truncated: i32;
}

// @ts-ignore: decorator
@inline
export function tileStyle(tp: TileParams, c: i32): CodingStyle {
  return changetype<CodingStyle>(load<usize>(tp.styles + (<usize>c << alignof<usize>())));
}
// @ts-ignore: decorator
@inline
export function tileQuant(tp: TileParams, c: i32): QuantStyle {
  return changetype<QuantStyle>(load<usize>(tp.quants + (<usize>c << alignof<usize>())));
}
// @ts-ignore: decorator
@inline
export function tileRoi(tp: TileParams, c: i32): i32 {
  return load<i32>(tp.roi + (<usize>c << 2));
}

/** Tile bounds on the reference grid, B.3 (B-7). */
export function tileBounds(cs: Codestream, t: i32, tp: TileParams): void {
  let siz = cs.siz;
  let p = t % siz.tilesX;
  let q = t / siz.tilesX;
  tp.tx0 = <i32>max(<i64>siz.XTOsiz + <i64>p * <i64>siz.XTsiz, <i64>siz.XOsiz);
  tp.ty0 = <i32>max(<i64>siz.YTOsiz + <i64>q * <i64>siz.YTsiz, <i64>siz.YOsiz);
  tp.tx1 = <i32>min(<i64>siz.XTOsiz + <i64>(p + 1) * <i64>siz.XTsiz, <i64>siz.Xsiz);
  tp.ty1 = <i32>min(<i64>siz.YTOsiz + <i64>(q + 1) * <i64>siz.YTsiz, <i64>siz.Ysiz);
}

/** Resolve parameters for tile `t` from its tile-part headers; gathers data and packed headers. */
export function resolveTile(cs: Codestream, t: i32): TileParams {
  let siz = cs.siz;
  let C = siz.Csiz;
  let tp = changetype<TileParams>(arenaAllocZeroed(offsetof<TileParams>()));
  tp.index = t;
  tileBounds(cs, t, tp);
  tp.g = changetype<GlobalStyle>(arenaAlloc(offsetof<GlobalStyle>()));
  memory.copy(changetype<usize>(tp.g), changetype<usize>(cs.gcod), offsetof<GlobalStyle>());
  tp.styles = arenaAlloc(<usize>C * sizeof<usize>());
  tp.quants = arenaAlloc(<usize>C * sizeof<usize>());
  tp.roi = arenaAlloc(<usize>C * 4);
  memory.copy(tp.roi, cs.rgn, <usize>C * 4);
  // Tile-level overrides
  let tCod: CodingStyle = changetype<CodingStyle>(0);
  let tQcd: QuantStyle = changetype<QuantStyle>(0);
  let tCoc = arenaAllocZeroed(<usize>C * sizeof<usize>());
  let tQcc = arenaAllocZeroed(<usize>C * sizeof<usize>());
  let tPoc = changetype<PocList>(arenaAllocZeroed(offsetof<PocList>()));
  let pptSegs = zsegsNew(4);

  let nParts = load<i32>(cs.partCount + (<usize>t << 2));
  let first = load<i32>(cs.partFirst + (<usize>t << 2));
  let totalData: i64 = 0;
  let r = changetype<Reader>(arenaAllocZeroed(offsetof<Reader>()));
  let sawPpt = false;
  for (let k = 0; k < nParts; k++) {
    let part = tilePart(cs, load<i32>(cs.partOrder + (<usize>(first + k) << 2)));
    totalData += <i64>(part.dataEnd - part.dataStart);
    readerInit(r, cs.data, cs.data + <usize>part.hdrStart, cs.data + <usize>(part.dataStart - 2), E.ERR_TILE_HEADER_TRUNCATED);
    while (r.pos + 2 <= r.end) {
      let at = readerOffset(r);
      let m = rdU16(r);
      if (M.isNoLengthMarker(m)) continue;
      let L = <i32>rdU16(r);
      let segStart = r.pos;
      let segEnd = segStart + <usize>(L - 2);
      let sub = changetype<Reader>(arenaAllocZeroed(offsetof<Reader>()));
      readerInit(sub, cs.data, segStart, segEnd, E.ERR_TILE_HEADER_BAD_MARKER);
      if (m == M.COD) {
        sub.truncCode = E.ERR_BAD_COD;
        if (changetype<usize>(tCod) == 0) tCod = newCodingStyle();
        readCod(sub, segEnd, tp.g, tCod);
      } else if (m == M.COC) {
        sub.truncCode = E.ERR_BAD_COD;
        let s = newCodingStyle();
        let c = readCoc(sub, segEnd, C, s);
        store<usize>(tCoc + (<usize>c << alignof<usize>()), changetype<usize>(s));
      } else if (m == M.QCD) {
        sub.truncCode = E.ERR_BAD_QCD;
        if (changetype<usize>(tQcd) == 0) tQcd = newQuantStyle();
        readQcd(sub, segEnd, tQcd);
      } else if (m == M.QCC) {
        sub.truncCode = E.ERR_BAD_QCD;
        let q = newQuantStyle();
        let c = readQcc(sub, segEnd, C, q);
        store<usize>(tQcc + (<usize>c << alignof<usize>()), changetype<usize>(q));
      } else if (m == M.RGN) {
        sub.truncCode = E.ERR_BAD_RGN;
        readRgn(sub, C, tp.roi);
      } else if (m == M.POC) {
        sub.truncCode = E.ERR_BAD_POC;
        readPoc(sub, L, C, tPoc);
      } else if (m == M.PPT) {
        if (L < 3) fail(E.ERR_BAD_PPT, at);
        if (cs.ppm != 0) fail(E.ERR_BAD_PPT, at); // A.7.5: PPT and PPM are exclusive
        zsegsPush(pptSegs, <i32>load<u8>(segStart), <i32>(segStart - cs.data) + 1, L - 3);
        sawPpt = true;
      } else if (M.isPart2Marker(m)) {
        fail(E.ERR_UNSUPPORTED_PART2, at, <i32>m);
      }
      r.pos = segEnd;
    }
  }
  // A.6 precedence: tile COC > tile COD > main COC > main COD (and likewise for quantization)
  for (let c = 0; c < C; c++) {
    let s = load<usize>(tCoc + (<usize>c << alignof<usize>()));
    if (s == 0) s = changetype<usize>(tCod);
    if (s == 0) s = load<usize>(cs.coc + (<usize>c << alignof<usize>()));
    if (s == 0) s = changetype<usize>(cs.cod);
    store<usize>(tp.styles + (<usize>c << alignof<usize>()), s);
    let q = load<usize>(tQcc + (<usize>c << alignof<usize>()));
    if (q == 0) q = changetype<usize>(tQcd);
    if (q == 0) q = load<usize>(cs.qcc + (<usize>c << alignof<usize>()));
    if (q == 0) q = changetype<usize>(cs.qcd);
    store<usize>(tp.quants + (<usize>c << alignof<usize>()), q);
  }
  // A.6.6: a tile-part POC overrides the main-header POC for this tile
  tp.poc = tPoc.count > 0 ? tPoc : cs.poc;

  // The tile's data: the body of a single tile-part is used in place; the bodies of several
  // tile-parts are gathered into one contiguous buffer (packets may not span them, but a packet
  // sequence does).
  if (totalData > 0x7ffffff0) fail(E.ERR_LIMIT_MEMORY, -1, <i32>min(totalData >> 10, <i64>0x7fffffff), 0x1fffffc);
  let hdrTotal: i32 = 0;
  if (nParts == 1) {
    let part = tilePart(cs, load<i32>(cs.partOrder + (<usize>first << 2)));
    tp.data = cs.data + <usize>part.dataStart;
    tp.dataOffset = part.dataStart;
    hdrTotal = part.ppmLen;
  } else {
    tp.data = arenaAlloc(<usize>totalData + 8);
    let pos: usize = 0;
    for (let k = 0; k < nParts; k++) {
      let part = tilePart(cs, load<i32>(cs.partOrder + (<usize>(first + k) << 2)));
      let n = <usize>(part.dataEnd - part.dataStart);
      if (k == 0) tp.dataOffset = part.dataStart;
      memory.copy(tp.data + pos, cs.data + <usize>part.dataStart, n);
      pos += n;
      hdrTotal += part.ppmLen;
    }
  }
  tp.dataLen = <i32>totalData;
  if (cs.ppm != 0) {
    tp.hdr = arenaAlloc(<usize>hdrTotal + 8);
    let hp: usize = 0;
    for (let k = 0; k < nParts; k++) {
      let part = tilePart(cs, load<i32>(cs.partOrder + (<usize>(first + k) << 2)));
      memory.copy(tp.hdr + hp, part.ppmPtr, <usize>part.ppmLen);
      hp += <usize>part.ppmLen;
    }
    memory.fill(tp.hdr + hp, 0, 8);
    tp.hdrLen = hdrTotal;
  } else if (sawPpt) {
    let lenBox = arenaAllocZeroed(4);
    tp.hdr = zsegsConcat(pptSegs, cs.data, lenBox);
    tp.hdrLen = load<i32>(lenBox);
  }
  // Truncation: the codestream was cut, or fewer tile-parts than TNsot announced
  if (cs.truncated != 0 && nParts > 0) {
    let last = tilePart(cs, load<i32>(cs.partOrder + (<usize>(first + nParts - 1) << 2)));
    if (last.dataEnd >= cs.len - 1) tp.truncated = 1;
  }
  if (nParts > 0) {
    let p0 = tilePart(cs, load<i32>(cs.partOrder + (<usize>first << 2)));
    if (p0.TNsot != 0 && nParts < p0.TNsot) tp.truncated = 1;
  }
  return tp;
}
