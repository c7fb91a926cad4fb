/**
 * Reading the parsed main header out of the core (codec/api_decoder.ts getters) into plain objects.
 * @module
 */
import type { CoreExports } from "./wasm/load.js";
import type { CodeBlockStyleFlag, ComponentInfo, HtCapabilities, ProgressionOrder } from "./types.js";

/** Core getters used here (codec/api_decoder.ts). */
export interface DecoderExports extends CoreExports {
  decoderParse(ptr: number, len: number): number;
  headerSiz(field: number): number;
  headerComp(c: number, field: number): number;
  headerCod(c: number, field: number): number;
  headerPrecinct(r: number): number;
  headerCap(field: number): number;
  headerMarkerCount(): number;
  headerMarker(i: number, field: number): number;
  headerTilePart(i: number, field: number): number;
  decoderRun(reduce: number, layers: number, rx0: number, ry0: number, rx1: number, ry1: number, allowPartial: number, wantMask: number, maxCblks: number): number;
  decoderPlane(c: number, field: number): number;
  decoderWarnings(field: number): number;
  packComponent(src: number, srcStride: number, w: number, h: number, dst: number, dstStep: number, dstStride: number, bytesPerSample: number, signed: number): void;
  packInterleaved(planes: number, numComps: number, srcStride: number, w: number, h: number, dst: number, dstStride: number, bytesPerSample: number, signed: number): void;
  packComponentUpsampled(
    src: number, srcStride: number, cx0: number, cy0: number, cw: number, ch: number, dx: number, dy: number,
    gx0: number, gy0: number, w: number, h: number, dst: number, dstStep: number, dstStride: number, bytesPerSample: number, signed: number,
  ): void;
}

/** Progression names in Table A.16 order. */
export const PROGRESSIONS: ProgressionOrder[] = ["LRCP", "RLCP", "RPCL", "PCRL", "CPRL"];

/** Code-block style flags in Table A.19 bit order. */
export const CBLK_FLAGS: CodeBlockStyleFlag[] = ["bypass", "reset", "termall", "vcausal", "pterm", "segsym"];

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
  const s = (f: number) => c.headerSiz(f);
  const C = s(9);
  const components: ComponentInfo[] = [];
  let minLevels = c.headerCod(-1, 0);
  const componentCblkStyles: number[] = [];
  for (let i = 0; i < C; i++) {
    const dx = c.headerComp(i, 2);
    const dy = c.headerComp(i, 3);
    components.push({
      width: Math.ceil(s(1) / dx) - Math.ceil(s(3) / dx),
      height: Math.ceil(s(2) / dy) - Math.ceil(s(4) / dy),
      bitDepth: c.headerComp(i, 0),
      signed: c.headerComp(i, 1) !== 0,
      dx,
      dy,
    });
    if (C <= 4096) {
      minLevels = Math.min(minLevels, c.headerCod(i, 0));
      componentCblkStyles.push(c.headerCod(i, 3));
    }
  }
  return {
    Rsiz: s(0),
    Xsiz: s(1),
    Ysiz: s(2),
    XOsiz: s(3),
    YOsiz: s(4),
    XTsiz: s(5),
    YTsiz: s(6),
    XTOsiz: s(7),
    YTOsiz: s(8),
    tilesX: s(10),
    tilesY: s(11),
    components,
    levels: c.headerCod(-1, 0),
    minLevels,
    xcb: c.headerCod(-1, 1),
    ycb: c.headerCod(-1, 2),
    cblkStyle: c.headerCod(-1, 3),
    reversible: c.headerCod(-1, 4) !== 0,
    userPrecincts: c.headerCod(-1, 5) !== 0,
    progression: c.headerCod(-1, 6),
    layers: c.headerCod(-1, 7),
    mct: c.headerCod(-1, 8) !== 0,
    sop: c.headerCod(-1, 9) !== 0,
    eph: c.headerCod(-1, 10) !== 0,
    guardBits: c.headerCod(-1, 11),
    htj2k: c.headerCod(-1, 13) !== 0,
    truncated: c.headerCod(-1, 14) !== 0,
    numTileParts: c.headerCod(-1, 15),
    componentCblkStyles,
    pcap: c.headerCap(0),
    ccap15: c.headerCap(1),
  };
}

/** Which block coder the code-blocks use, from the code-block style bytes (bit 6 HT, bits 6-7 mixed). */
export function blockCoderOf(styles: number[]): "part1" | "ht" | "mixed" {
  const ht = styles.filter((s) => (s & 0x40) !== 0);
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
