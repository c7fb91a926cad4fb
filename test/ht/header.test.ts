/**
 * readHeader on HTJ2K input: the block coder (from the COD/COC code-block styles) and the Part 15
 * capabilities of the CAP marker (Ccap15, ISO/IEC 15444-15 A.3), checked against facts of the files
 * read independently (the COD style byte, the presence of RGN, the wavelet).
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { readHeader } from "../../src/index.js";
import { testdataPath } from "../helpers/paths.js";

const read = (p: string) => new Uint8Array(readFileSync(testdataPath(p)));

/** Marker codes of the main header (before the first SOT), read without the library. */
function mainMarkers(cs: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  let i = 2;
  while (i + 4 <= cs.length) {
    const m = (cs[i]! << 8) | cs[i + 1]!;
    if (m === 0xff90) break;
    const len = (cs[i + 2]! << 8) | cs[i + 3]!;
    if (!out.has(m)) out.set(m, cs.subarray(i + 4, i + 2 + len));
    i += 2 + len;
  }
  return out;
}

describe("readHeader: block coder and Ccap15", () => {
  test("a Part-1 codestream: part1, no CAP", () => {
    const h = readHeader(read("conformance/part4_j2k/p0_01.j2k"));
    expect(h.blockCoder).toBe("part1");
    expect(h.htCapabilities).toBeUndefined();
  });

  for (const f of ["ds0_hm_06_b11", "ds0_hm_15_b8", "ds0_ht_01_b11", "ds0_ht_06_b15", "ds0_ht_09_b11", "ds1_ht_05_b11"]) {
    test(f, () => {
      const bytes = read(`htj2k/conformance/${f}.j2k`);
      const h = readHeader(bytes);
      const mk = mainMarkers(bytes);
      const codStyle = mk.get(0xff52)![8]!; // Scod, SGcod (4), SPcod: levels, xcb, ycb, style
      expect(h.blockCoder).toBe((codStyle & 0xc0) === 0xc0 ? "mixed" : "ht");
      expect(h.profile & 0x4000, "Rsiz bit 14").toBe(0x4000);
      const cap = mk.get(0xff50)!;
      const pcap = ((cap[0]! << 24) | (cap[1]! << 16) | (cap[2]! << 8) | cap[3]!) >>> 0;
      expect(pcap & 0x00020000, "Pcap announces Ccap15").toBe(0x00020000);
      const c = h.htCapabilities!;
      expect(c.ccap15).toBe((cap[4]! << 8) | cap[5]!);
      expect(c.codeBlocks).toBe((codStyle & 0xc0) === 0xc0 ? "mixed" : "all-ht");
      if (mk.has(0xff5e)) expect(c.rgn, "RGN in the main header: the RGN bit is set").toBe(true);
      expect(c.irreversible, "irreversible bit").toBe(!h.reversible);
      expect(c.magnitudeBound).toBeGreaterThanOrEqual(8);
    });
  }
});
