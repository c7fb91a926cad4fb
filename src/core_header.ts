/**
 * Reading the parsed main header out of the core (codec/api_decoder.ts getters) into plain objects.
 * @module
 */
import { CapField, CblkStyle, CodField, CompField, Progression, SizField, type CoreExports } from "./core_interface.js";
import type { CodeBlockStyleFlag, ComponentInfo, HtCapabilities, ProgressionOrder } from "./types.js";

/** The core's exports (typed, generated: src/core_interface.ts). */
export type DecoderExports = CoreExports;

/** Progression names in Table A.16 order (values from the generated interface). */
export const PROGRESSIONS: ProgressionOrder[] = (Object.keys(Progression) as ProgressionOrder[]).sort((a, b) => Progression[a] - Progression[b]);

/** Part 1 code-block style flags in Table A.19 bit order (bit i = 1 << i). */
export const CBLK_FLAGS: CodeBlockStyleFlag[] = (["bypass", "reset", "termall", "vcausal", "pterm", "segsym"] as const).filter(
  (f, i) => CblkStyle[f] === 1 << i,
);

/** Marker names (Table A.2 and Part 2/15 ones that can be met). */
export const MARKER_NAMES: Record<number, string> = {
  0xff4f: "SOC", 0xff51: "SIZ", 0xff52: "COD", 0xff53: "COC", 0xff55: "TLM", 0xff57: "PLM", 0xff58: "PLT",
  0xff5c: "QCD", 0xff5d: "QCC", 0xff5e: "RGN", 0xff5f: "POC", 0xff60: "PPM", 0xff61: "PPT", 0xff63: "CRG",
  0xff64: "COM", 0xff90: "SOT", 0xff91: "SOP", 0xff92: "EPH", 0xff93: "SOD", 0xffd9: "EOC", 0xff50: "CAP",
  0xff59: "CPF",
};

/** Main-header facts every caller needs. */
export interface CoreHeader {
  Rsiz: number;
  Xsiz: number;
  Ysiz: number;
  XOsiz: number;
  YOsiz: number;
  XTsiz: number;
  YTsiz: number;
  XTOsiz: number;
  YTOsiz: number;
  tilesX: number;
  tilesY: number;
  components: ComponentInfo[];
  levels: number;
  /** Smallest number of decomposition levels over the components (COD/COC of the main header). */
  minLevels: number;
  xcb: number;
  ycb: number;
  cblkStyle: number;
  reversible: boolean;
  userPrecincts: boolean;
  progression: number;
  layers: number;
  mct: boolean;
  sop: boolean;
  eph: boolean;
  guardBits: number;
  htj2k: boolean;
  truncated: boolean;
  numTileParts: number;
  /** Code-block style byte of each component's default coding style (main COD/COC). */
  componentCblkStyles: number[];
  /** Pcap of the CAP marker (0 when absent) and Ccap15 (-1 when absent), ISO/IEC 15444-15 A.3. */
  pcap: number;
  ccap15: number;
}

/** Read the header after `decoderParse`. */
export function readCoreHeader(c: DecoderExports): CoreHeader {
  const s = (f: SizField) => c.headerSiz(f);
  const cod = (f: CodField, comp = -1) => c.headerCod(comp, f);
  const C = s(SizField.Csiz);
  const components: ComponentInfo[] = [];
  let minLevels = cod(CodField.levels);
  const componentCblkStyles: number[] = [];
  for (let i = 0; i < C; i++) {
    const dx = c.headerComp(i, CompField.dx);
    const dy = c.headerComp(i, CompField.dy);
    components.push({
      width: Math.ceil(s(SizField.Xsiz) / dx) - Math.ceil(s(SizField.XOsiz) / dx),
      height: Math.ceil(s(SizField.Ysiz) / dy) - Math.ceil(s(SizField.YOsiz) / dy),
      bitDepth: c.headerComp(i, CompField.precision),
      signed: c.headerComp(i, CompField.signed) !== 0,
      dx,
      dy,
    });
    if (C <= 4096) {
      minLevels = Math.min(minLevels, cod(CodField.levels, i));
      componentCblkStyles.push(cod(CodField.cblkStyle, i));
    }
  }
  return {
    Rsiz: s(SizField.Rsiz),
    Xsiz: s(SizField.Xsiz),
    Ysiz: s(SizField.Ysiz),
    XOsiz: s(SizField.XOsiz),
    YOsiz: s(SizField.YOsiz),
    XTsiz: s(SizField.XTsiz),
    YTsiz: s(SizField.YTsiz),
    XTOsiz: s(SizField.XTOsiz),
    YTOsiz: s(SizField.YTOsiz),
    tilesX: s(SizField.tilesX),
    tilesY: s(SizField.tilesY),
    components,
    levels: cod(CodField.levels),
    minLevels,
    xcb: cod(CodField.xcb),
    ycb: cod(CodField.ycb),
    cblkStyle: cod(CodField.cblkStyle),
    reversible: cod(CodField.reversible) !== 0,
    userPrecincts: cod(CodField.userPrecincts) !== 0,
    progression: cod(CodField.progression),
    layers: cod(CodField.layers),
    mct: cod(CodField.mct) !== 0,
    sop: cod(CodField.sop) !== 0,
    eph: cod(CodField.eph) !== 0,
    guardBits: cod(CodField.guardBits),
    htj2k: cod(CodField.htj2k) !== 0,
    truncated: cod(CodField.truncated) !== 0,
    numTileParts: cod(CodField.numTileParts),
    componentCblkStyles,
    pcap: c.headerCap(CapField.Pcap),
    ccap15: c.headerCap(CapField.Ccap15),
  };
}

/** Which block coder the code-blocks use, from the code-block style bytes (bit 6 HT, bits 6-7 mixed). */
export function blockCoderOf(styles: number[]): "part1" | "ht" | "mixed" {
  const ht = styles.filter((s) => (s & CblkStyle.ht) !== 0);
  if (ht.some((s) => (s & 0x80) !== 0) || (ht.length > 0 && ht.length < styles.length)) return "mixed";
  return ht.length > 0 ? "ht" : "part1";
}

/**
 * The fields of Ccap15 (ISO/IEC 15444-15 A.3): bits 15-14 which code-blocks are HT (00 all, 10
 * declared per component/tile, 11 mixed within a tile-component), bit 13 more than one HT set per
 * code-block, bit 12 RGN present, bit 11 heterogeneous, bit 5 irreversible transforms, bits 4-0
 * MAGB, the magnitude bound B_p (MAGB < 20: MAGB + 8; < 31: 4·(MAGB − 19) + 27; 31: 74).
 */
export function htCapabilitiesOf(ccap15: number): HtCapabilities {
  const kind = (ccap15 >> 14) & 3;
  const magb = ccap15 & 31;
  return {
    codeBlocks: kind === 0 ? "all-ht" : kind === 3 ? "mixed" : kind === 2 ? "declared" : "reserved",
    multipleHtSets: (ccap15 & 0x2000) !== 0,
    rgn: (ccap15 & 0x1000) !== 0,
    heterogeneous: (ccap15 & 0x0800) !== 0,
    irreversible: (ccap15 & 0x0020) !== 0,
    magnitudeBound: magb < 20 ? magb + 8 : magb < 31 ? 4 * (magb - 19) + 27 : 74,
    ccap15,
  };
}

/** Code-block style flags as names. */
export function cblkFlags(style: number): CodeBlockStyleFlag[] {
  return CBLK_FLAGS.filter((_, i) => (style & (1 << i)) !== 0);
}
