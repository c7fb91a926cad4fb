// Marker codes, ISO/IEC 15444-1 Table A.2 (and Part 2 / Part 15 codes we must recognise).

export const SOC: u32 = 0xff4f;
export const SOT: u32 = 0xff90;
export const SOD: u32 = 0xff93;
export const EOC: u32 = 0xffd9;
export const SIZ: u32 = 0xff51;
export const COD: u32 = 0xff52;
export const COC: u32 = 0xff53;
export const RGN: u32 = 0xff5e;
export const QCD: u32 = 0xff5c;
export const QCC: u32 = 0xff5d;
export const POC: u32 = 0xff5f;
export const TLM: u32 = 0xff55;
export const PLM: u32 = 0xff57;
export const PLT: u32 = 0xff58;
export const PPM: u32 = 0xff60;
export const PPT: u32 = 0xff61;
export const SOP: u32 = 0xff91;
export const EPH: u32 = 0xff92;
export const CRG: u32 = 0xff63;
export const COM: u32 = 0xff64;
// Part 15 (HTJ2K)
export const CAP: u32 = 0xff50;
export const CPF: u32 = 0xff59;
// Part 2 markers that change decoding (DCO, VMS, DFS, ADS, ATK, CBD, MCT, MCC, MCO, NLT)
export const DCO: u32 = 0xff70;
export const VMS: u32 = 0xff54;
export const DFS: u32 = 0xff72;
export const ADS: u32 = 0xff73;
export const ATK: u32 = 0xff79;
export const CBD: u32 = 0xff78;
export const MCT: u32 = 0xff74;
export const MCC: u32 = 0xff75;
export const MCO: u32 = 0xff77;
export const NLT: u32 = 0xff76;

/** Markers 0xFF30-0xFF3F have no length field (A.1.3) and are skipped. */
// @ts-ignore: decorator
@inline
export function isNoLengthMarker(m: u32): bool {
  return m >= 0xff30 && m <= 0xff3f;
}

/** Part-2 marker segments that would change the decoded result. */
export function isPart2Marker(m: u32): bool {
  return m == DCO || m == VMS || m == DFS || m == ADS || m == ATK || m == CBD || m == MCT || m == MCC || m == MCO || m == NLT;
}
