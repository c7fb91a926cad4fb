/**
 * Packet lengths read from the packet headers (the index's fallback when there is no PLT/PLM):
 * - where a file has PLT, the lengths read from the headers must equal PLT's, packet by packet;
 * - for HTJ2K codestreams (HT code-blocks: cleanup and refinement segments, placeholder passes,
 *   up to 30 layers in the conformance set), the packets found by reading every header must fill
 *   each tile's data exactly — one wrong segment length and the walk ends inside a packet or
 *   short of the data's end.
 */
import { describe, expect, test } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { locateCodestream } from "../../src/decode.js";
import { CodestreamIndex, memorySource, type TilePackets } from "../../src/codestream/index.js";
import { testdataPath } from "../helpers/paths.js";

async function indexOf(file: Uint8Array, packetLengthMarkers: boolean): Promise<CodestreamIndex> {
  const loc = locateCodestream(file);
  return CodestreamIndex.open(memorySource(file), { offset: loc.codestream.byteOffset - file.byteOffset, length: loc.codestream.length, packetLengthMarkers });
}

/** Bytes of packet data in the tile's tile-parts, and what the located packets cover. */
function coverage(pk: TilePackets): { data: number; covered: number } {
  const data = pk.parts.reduce((s, p) => s + p.length - p.headerLength!, 0);
  let covered = 0;
  for (let k = 0; k < pk.present; k++) covered += pk.dataLength(k);
  return { data, covered };
}

describe("packet headers give the same lengths as PLT", () => {
  for (const name of ["realworld/sentinel.jp2", "icc/sample.jp2", "realworld/erdas-sandiego3i_5.5.jp2"]) {
    test(name, async () => {
      const file = new Uint8Array(readFileSync(testdataPath(name)));
      const withPlt = await indexOf(file, true);
      const walked = await indexOf(file, false);
      const tiles = Math.min(withPlt.siz.numTiles, 6);
      for (let t = 0; t < tiles; t++) {
        const a = await withPlt.packets(t);
        const b = await walked.packets(t);
        expect(a.source, `tile ${t}`).toBe("PLT");
        expect(b.source).toBe("headers");
        expect(b.present).toBe(a.present);
        for (let k = 0; k < a.present; k++) {
          if (a.dataLength(k) !== b.dataLength(k)) expect.fail(`${name} tile ${t} packet ${k}: PLT ${a.dataLength(k)}, headers ${b.dataLength(k)}`);
        }
        const c = coverage(b);
        expect(c.covered).toBe(c.data);
      }
    });
  }
});

describe("HTJ2K packet headers fill each tile's data exactly", () => {
  const dir = testdataPath("htj2k/conformance");
  const names = readdirSync(dir).filter((n) => n.endsWith(".j2k") && n.startsWith("ds"));
  const extra = ["htj2k/byte.jph", "htj2k/byte_causal.jhc", "htj2k/htj2k_cpf_broadcast.jhc", "htj2k/simple_dec_rev53_64x64_tiles_yuv.jph", "htj2k/simple_enc_irv97_tall_narrow.j2c"];
  for (const name of [...names.map((n) => `htj2k/conformance/${n}`), ...extra]) {
    test(name, async () => {
      const file = new Uint8Array(readFileSync(testdataPath(name)));
      if (name.includes("ds0_hm_")) {
        // mixed HT / Part-1 code-blocks (style 0xC0) are refused with a typed error, as the core does
        await expect(indexOf(file, false)).rejects.toMatchObject({ name: "J2kError", code: "UNSUPPORTED_PART2" });
        return;
      }
      const index = await indexOf(file, false);
      expect(index.main.cod.cblkStyle & 0x40, "HT code-block style").toBe(0x40);
      for (let t = 0; t < index.siz.numTiles; t++) {
        const pk = await index.packets(t);
        const c = coverage(pk);
        expect(c.covered, `${name} tile ${t}: ${pk.present} of ${pk.order.count} packets`).toBe(c.data);
      }
    });
  }
});
