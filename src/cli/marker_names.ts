/**
 * Names of JPEG 2000 markers for display (`j2kit info`).
 * @module
 */

/** Marker names (ISO/IEC 15444-1 Table A.2; CAP/CPF from 15444-15; Part 2 markers by name). */
const NAMES: Record<number, string> = {
  0xff4f: "SOC", 0xff51: "SIZ", 0xff52: "COD", 0xff53: "COC", 0xff55: "TLM", 0xff57: "PLM",
  0xff58: "PLT", 0xff5c: "QCD", 0xff5d: "QCC", 0xff5e: "RGN", 0xff5f: "POC", 0xff60: "PPM",
  0xff61: "PPT", 0xff63: "CRG", 0xff64: "COM", 0xff90: "SOT", 0xff91: "SOP", 0xff92: "EPH",
  0xff93: "SOD", 0xffd9: "EOC", 0xff50: "CAP", 0xff59: "CPF", 0xff56: "PRF", 0xff70: "CBD",
  0xff72: "DFS", 0xff73: "ADS", 0xff74: "MCT", 0xff75: "MCC", 0xff76: "NLT", 0xff77: "MCO",
  0xff79: "ATK",
};

/** Short name of marker `code` (e.g. `"SIZ"`), or its hex code (`"0xFF3A"`) when it has none. */
export function markerName(code: number): string {
  return NAMES[code] ?? `0x${code.toString(16).toUpperCase()}`;
}
