/**
 * Helpers of the DICOM HTJ2K tests (ht_*.test.ts): frames taken out of a Part 10 file with dcmjs
 * (not src/dicom), the codestream facts PS3.5 §10.18 asks about read with src/codestream's index,
 * and independent decodes of a frame with OpenJPEG's opj_decompress and OpenJPH's ojph_expand.
 */
import { CodestreamIndex, memorySource } from "../../src/codestream/index.js";
import { nativeDecode } from "../helpers/peers.js";
import { ojphExpand } from "../ht/helpers.js";
import { dcmjsRead, tagValue } from "./helpers.js";

/**
 * The frames of encapsulated Pixel Data as dcmjs returns them (j2kit writes one fragment per frame),
 * without the zero byte that pads an odd-length codestream to the even item length (PS3.5 A.4).
 */
export function dcmjsFrames(part10: Uint8Array): Uint8Array[] {
  const { dict } = dcmjsRead(part10);
  return (dict["7FE00010"].Value as ArrayBuffer[]).map((b) => {
    const f = new Uint8Array(b);
    const n = f.length;
    return n >= 3 && f[n - 1] === 0 && f[n - 3] === 0xff && f[n - 2] === 0xd9 ? f.subarray(0, n - 1) : f;
  });
}

/** Transfer Syntax UID of a Part 10 file, as dcmjs reads it. */
export function transferSyntaxOf(part10: Uint8Array): string {
  return tagValue(dcmjsRead(part10).meta, "00020010");
}

/** What a codestream declares, read with the codestream index (main header, tile-parts, packets of tile 0). */
export interface CodestreamFacts {
  width: number;
  height: number;
  levels: number;
  /** Table A.16 index: 0 LRCP, 1 RLCP, 2 RPCL, 3 PCRL, 4 CPRL. */
  progression: number;
  /** Every code-block HT (SPcod code-block style bit 6) and the Part 15 signalling (CAP / Rsiz bit 14). */
  ht: boolean;
  reversible: boolean;
  mct: number;
  /** TLM segments in the main header, and whether the index located the tile-parts from them. */
  tlmSegments: number;
  tilePartsFromTlm: boolean;
  tileParts: number;
  /** Where the packet lengths of tile 0 came from. */
  packetLengths: "PLT" | "PLM" | "headers";
  /** Width and height of the lowest resolution (resolution 0) of the image, B.5 with zero offsets. */
  lowest: { width: number; height: number };
  indexWarnings: string[];
}

export async function codestreamFacts(cs: Uint8Array): Promise<CodestreamFacts> {
  const index = await CodestreamIndex.open(memorySource(cs));
  const m = index.main;
  const parts = await index.allTileParts();
  const packets = await index.packets(0);
  const L = m.cod.levels;
  const width = m.siz.Xsiz - m.siz.XOsiz;
  const height = m.siz.Ysiz - m.siz.YOsiz;
  return {
    width,
    height,
    levels: L,
    progression: m.global.progression,
    ht: m.htj2k && (m.cod.cblkStyle & 0x40) !== 0,
    reversible: m.cod.reversible,
    mct: m.global.mct,
    tlmSegments: m.tlm.length,
    tilePartsFromTlm: index.tilePartSource === "TLM",
    tileParts: parts.length,
    packetLengths: packets.source,
    lowest: { width: Math.ceil(m.siz.Xsiz / 2 ** L) - Math.ceil(m.siz.XOsiz / 2 ** L), height: Math.ceil(m.siz.Ysiz / 2 ** L) - Math.ceil(m.siz.YOsiz / 2 ** L) },
    indexWarnings: index.warnings,
  };
}

/** A frame decoded by opj_decompress (OpenJPEG), interleaved like native Pixel Data. */
export function opjInterleaved(cs: Uint8Array): number[] {
  return interleave(nativeDecode(cs).planes.map((p) => p.data));
}

/** A frame decoded by ojph_expand (OpenJPH; unsigned data only: it writes PGM / PPM), interleaved. */
export function ojphInterleaved(cs: Uint8Array, width: number, height: number, components: 1 | 3): number[] {
  return interleave(ojphExpand(cs, components === 1 ? "pgm" : "ppm", [{ width, height }]).map((p) => p.data));
}

function interleave(planes: ArrayLike<number>[]): number[] {
  const n = planes[0]!.length;
  const c = planes.length;
  const out: number[] = new Array(n * c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) out[i * c + k] = planes[k]![i]!;
  return out;
}
