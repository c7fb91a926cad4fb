/**
 * An independent reading of what a codestream contains, for checking the encoder's output against
 * its options without going through the library's own parser: the main COD/QCD fields, TLM
 * entries, every tile-part (SOT fields, PLT packet lengths, body extent) and the SOP/EPH markers in
 * the tile-part bodies. Clause and table numbers are those of ISO/IEC 15444-1.
 *
 * Also: the number of packets a tile holds (B.6, B.9), computed from the geometry alone.
 * @module
 */
import { readSiz, type SizInfo } from "../helpers/jp2_boxes.js";

const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** Main-header COD (A.6.1, Tables A.12-A.21). */
export interface CodFacts {
  /** Scod bit 0: precincts given; bit 1: SOP may be used; bit 2: EPH is used (Table A.13). */
  precinctsDefined: boolean;
  sop: boolean;
  eph: boolean;
  /** SGcod: progression order index (Table A.16: 0 LRCP … 4 CPRL), layers, multiple component transform. */
  progression: number;
  layers: number;
  mct: number;
  /** SPcod: decomposition levels, code-block exponents (xcb = value + 2), style byte (Table A.19), transform (Table A.20). */
  levels: number;
  xcb: number;
  ycb: number;
  cblkStyle: number;
  reversible: boolean;
  /** PPx/PPy per resolution, lowest first (Table A.21); undefined when not given (15/15 default). */
  precincts?: Array<[number, number]>;
}

/** Main-header QCD (A.6.4, Table A.28). */
export interface QcdFacts {
  guardBits: number;
  /** 0 no quantisation, 1 scalar derived, 2 scalar expounded. */
  style: number;
}

/** One tile-part (A.4.2 SOT, A.7.3 PLT) and the markers found in its body. */
export interface TilePartFacts {
  offset: number;
  Isot: number;
  Psot: number;
  TPsot: number;
  TNsot: number;
  /** Markers of the tile-part header, in order. */
  headerMarkers: number[];
  /** Packet lengths from the PLT segments of this tile-part (Iplt, A.7.3), in order. */
  pltLengths: number[];
  /** Offsets of the first body byte (after SOD) and one past the last. */
  bodyStart: number;
  bodyEnd: number;
  /** Offsets and Nsop values of SOP marker segments in the body (A.8.1). */
  sops: Array<{ offset: number; Nsop: number }>;
  /** Number of EPH markers in the body (A.8.2). */
  ephs: number;
}

/** Everything {@link codestreamFacts} found. */
export interface CodestreamFacts {
  siz: SizInfo;
  cod: CodFacts;
  qcd: QcdFacts;
  /** Markers of the main header, in order (SIZ first). */
  mainMarkers: number[];
  /** TLM entries (A.7.1), in the order of the segments: tile index (Ttlm; undefined when ST = 0) and tile-part length. */
  tlm: Array<{ Ttlm?: number; Ptlm: number }>;
  tileParts: TilePartFacts[];
  /** The codestream ends with EOC. */
  eoc: boolean;
}

function parseCod(b: Uint8Array, o: number, len: number): CodFacts {
  // o: first byte after Lcod
  const Scod = b[o]!;
  const levels = b[o + 5]!;
  const cod: CodFacts = {
    precinctsDefined: (Scod & 1) !== 0,
    sop: (Scod & 2) !== 0,
    eph: (Scod & 4) !== 0,
    progression: b[o + 1]!,
    layers: u16(b, o + 2),
    mct: b[o + 4]!,
    levels,
    xcb: (b[o + 6]! & 0x0f) + 2,
    ycb: (b[o + 7]! & 0x0f) + 2,
    cblkStyle: b[o + 8]!,
    reversible: b[o + 9] === 1,
  };
  if (cod.precinctsDefined) {
    const pp: Array<[number, number]> = [];
    for (let r = 0; r <= levels && 10 + r < len - 2; r++) {
      const v = b[o + 10 + r]!;
      pp.push([v & 0x0f, v >> 4]);
    }
    cod.precincts = pp;
  }
  return cod;
}

/** Variable-length packet lengths of a PLT segment (A.7.3: 7 bits per byte, high bit = more follows). */
function pltLengths(b: Uint8Array, from: number, to: number): number[] {
  const out: number[] = [];
  let v = 0;
  for (let i = from; i < to; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if ((b[i]! & 0x80) === 0) {
      out.push(v);
      v = 0;
    }
  }
  return out;
}

/** Parse the headers of a raw codestream. Throws on a structure it cannot follow. */
export function codestreamFacts(cs: Uint8Array): CodestreamFacts {
  if (u16(cs, 0) !== 0xff4f) throw new Error("no SOC");
  const siz = readSiz(cs);
  if (!siz) throw new Error("no readable SIZ");
  let pos = 2;
  const mainMarkers: number[] = [];
  let cod: CodFacts | undefined;
  let qcd: QcdFacts | undefined;
  const tlm: CodestreamFacts["tlm"] = [];
  while (pos + 4 <= cs.length) {
    const m = u16(cs, pos);
    if (m === 0xff90) break;
    const len = u16(cs, pos + 2);
    mainMarkers.push(m);
    const o = pos + 4;
    if (m === 0xff52) cod = parseCod(cs, o, len);
    else if (m === 0xff5c) qcd = { guardBits: cs[o]! >> 5, style: cs[o]! & 0x1f };
    else if (m === 0xff55) {
      // TLM: Ztlm, Stlm (ST = bits 4-5: bytes of Ttlm; SP = bit 6: Ptlm is 16 or 32 bits), entries
      const Stlm = cs[o + 1]!;
      const st = (Stlm >> 4) & 3;
      const sp = (Stlm >> 6) & 1;
      const entry = st + (sp ? 4 : 2);
      for (let e = o + 2; e + entry <= pos + 2 + len; e += entry) {
        const Ttlm = st === 0 ? undefined : st === 1 ? cs[e]! : u16(cs, e);
        const Ptlm = sp ? u32(cs, e + st) : u16(cs, e + st);
        tlm.push(Ttlm === undefined ? { Ptlm } : { Ttlm, Ptlm });
      }
    }
    pos += 2 + len;
  }
  if (!cod || !qcd) throw new Error("main header lacks COD or QCD");
  const tileParts: TilePartFacts[] = [];
  let eoc = false;
  while (pos + 2 <= cs.length) {
    const m = u16(cs, pos);
    if (m === 0xffd9) {
      eoc = pos + 2 === cs.length;
      break;
    }
    if (m !== 0xff90) throw new Error(`expected SOT at ${pos}, found ${m.toString(16)}`);
    const start = pos;
    const Isot = u16(cs, pos + 4);
    const Psot = u32(cs, pos + 6);
    const TPsot = cs[pos + 10]!;
    const TNsot = cs[pos + 11]!;
    const end = Psot === 0 ? cs.length - 2 : start + Psot;
    pos += 12;
    const headerMarkers: number[] = [];
    const plt: number[] = [];
    while (u16(cs, pos) !== 0xff93) {
      const hm = u16(cs, pos);
      const len = u16(cs, pos + 2);
      headerMarkers.push(hm);
      if (hm === 0xff58) plt.push(...pltLengths(cs, pos + 5, pos + 2 + len));
      pos += 2 + len;
      if (pos >= end) throw new Error("tile-part header runs past Psot");
    }
    const bodyStart = pos + 2;
    const sops: TilePartFacts["sops"] = [];
    let ephs = 0;
    // In packet data 0xFF is never followed by a byte above 0x8F (B.10.1, C.3.4, D.6), so FF91 / FF92 are markers.
    for (let i = bodyStart; i + 1 < end; i++) {
      if (cs[i] !== 0xff) continue;
      if (cs[i + 1] === 0x91 && u16(cs, i + 2) === 4) sops.push({ offset: i, Nsop: u16(cs, i + 4) });
      else if (cs[i + 1] === 0x92) ephs++;
    }
    tileParts.push({ offset: start, Isot, Psot, TPsot, TNsot, headerMarkers, pltLengths: plt, bodyStart, bodyEnd: end, sops, ephs });
    pos = end;
  }
  return { siz, cod, qcd, mainMarkers, tlm, tileParts, eoc };
}

/** Names of the code-block style bits (Table A.19), as the public API spells them. */
export const CBLK_STYLE_BITS: Array<[number, string]> = [
  [0x01, "bypass"],
  [0x02, "reset"],
  [0x04, "termall"],
  [0x08, "vcausal"],
  [0x10, "pterm"],
  [0x20, "segsym"],
];

/** Tiles of the grid (B.3): index → [tx0, ty0, tx1, ty1] on the reference grid. */
export function tileRects(siz: SizInfo): Array<[number, number, number, number]> {
  const nx = Math.ceil((siz.Xsiz - siz.XTOsiz) / siz.XTsiz);
  const ny = Math.ceil((siz.Ysiz - siz.YTOsiz) / siz.YTsiz);
  const out: Array<[number, number, number, number]> = [];
  for (let q = 0; q < ny; q++) {
    for (let p = 0; p < nx; p++) {
      out.push([
        Math.max(siz.XTOsiz + p * siz.XTsiz, siz.XOsiz),
        Math.max(siz.YTOsiz + q * siz.YTsiz, siz.YOsiz),
        Math.min(siz.XTOsiz + (p + 1) * siz.XTsiz, siz.Xsiz),
        Math.min(siz.YTOsiz + (q + 1) * siz.YTsiz, siz.Ysiz),
      ]);
    }
  }
  return out;
}

/**
 * Packets in each tile (B.9: one per layer, component, resolution and precinct), from the tile
 * geometry (B.3, B.5) and the precinct partition (B.6): a resolution with no samples has no precincts.
 * `precincts` are PPx/PPy exponents per resolution, lowest first (15/15 when undefined).
 */
export function packetsPerTile(siz: SizInfo, levels: number, layers: number, precincts?: Array<[number, number]>): number[] {
  return tileRects(siz).map(([tx0, ty0, tx1, ty1]) => {
    let n = 0;
    for (const comp of siz.components) {
      const tcx0 = Math.ceil(tx0 / comp.dx);
      const tcy0 = Math.ceil(ty0 / comp.dy);
      const tcx1 = Math.ceil(tx1 / comp.dx);
      const tcy1 = Math.ceil(ty1 / comp.dy);
      for (let r = 0; r <= levels; r++) {
        const s = 2 ** (levels - r);
        const [ppx, ppy] = precincts?.[r] ?? [15, 15];
        const trx0 = Math.ceil(tcx0 / s);
        const try0 = Math.ceil(tcy0 / s);
        const trx1 = Math.ceil(tcx1 / s);
        const try1 = Math.ceil(tcy1 / s);
        if (trx1 <= trx0 || try1 <= try0) continue;
        const px = Math.ceil(trx1 / 2 ** ppx) - Math.floor(trx0 / 2 ** ppx);
        const py = Math.ceil(try1 / 2 ** ppy) - Math.floor(try0 / 2 ** ppy);
        n += px * py;
      }
    }
    return n * layers;
  });
}
