// `j2kit info`: the report on real files (marker facts from ../shared/testdata/README.md) and the
// text form. The report needs the core's header parser; the text form is checked on a report made
// here by hand.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatInfo, infoReport, profileName, type InfoReport } from "../../src/cli/info_command.js";
import { markerName } from "../../src/cli/marker_names.js";

const TESTDATA = "../shared/testdata";
const report = (path: string): InfoReport => infoReport(path, new Uint8Array(readFileSync(`${TESTDATA}/${path}`)));
const mainHeader = (r: InfoReport): string[] => r.markers.filter((m) => m.tilePart < 0).map((m) => m.name);
const inTileParts = (r: InfoReport, name: string): number => r.markers.filter((m) => m.tilePart >= 0 && m.name === name).length;

describe("info report on conformance files", () => {
  it("p0_01: SOC at 0, SIZ at 2, COD and QCD in the main header, one tile-part", () => {
    const r = report("conformance/part4_j2k/p0_01.j2k");
    expect(r.markers[0]).toMatchObject({ name: "SOC", offset: 0, tilePart: -1 });
    expect(r.markers[1]).toMatchObject({ name: "SIZ", code: 0xff51, offset: 2, tilePart: -1 });
    expect(mainHeader(r)).toEqual(expect.arrayContaining(["COD", "QCD"]));
    expect(r.tileParts).toHaveLength(1);
    expect(r.codestreamOffset).toBe(0);
    expect(r.fileSize).toBe(7390);
  });

  it("p0_03: main header COM/CRG/POC/QCC/TLM, RGN in tile-part headers, 4 tiles", () => {
    const r = report("conformance/part4_j2k/p0_03.j2k");
    expect(mainHeader(r)).toEqual(expect.arrayContaining(["COM", "CRG", "POC", "QCC", "TLM"]));
    expect(inTileParts(r, "RGN")).toBeGreaterThanOrEqual(1);
    expect(new Set(r.tileParts.map((p) => p.tile)).size).toBe(4);
  });

  it("p0_10 and e1_colr have 9 tile-parts; e1_colr has POC in tile-part headers", () => {
    expect(report("conformance/part4_j2k/p0_10.j2k").tileParts).toHaveLength(9);
    const e1 = report("conformance/kakadu_j2c/e1_colr.j2c");
    expect(e1.tileParts).toHaveLength(9);
    expect(inTileParts(e1, "POC")).toBeGreaterThanOrEqual(1);
  });

  it("finds PPM in a main header and PPT in tile-part headers", () => {
    expect(mainHeader(report("conformance/kakadu_j2c/g1_colr.j2c"))).toContain("PPM");
    expect(inTileParts(report("conformance/part4_j2k/p1_02.j2k"), "PPT")).toBeGreaterThanOrEqual(1);
  });

  it("file1.jp2: offsets are file offsets past the boxes before jp2c", () => {
    const bytes = new Uint8Array(readFileSync(`${TESTDATA}/conformance/part4_jp2/file1.jp2`));
    const r = infoReport("file1.jp2", bytes);
    expect(r.format).toBe("jp2");
    const jp2c = r.jp2!.boxes.find((b) => b.type === "jp2c")!;
    expect(r.codestreamOffset).toBe(jp2c.offset + 8);
    expect(r.markers[0]).toMatchObject({ name: "SOC", offset: r.codestreamOffset });
    expect([bytes[r.markers[1]!.offset], bytes[r.markers[1]!.offset + 1]]).toEqual([0xff, 0x51]);
    const text = formatInfo(r);
    expect(text).toContain("box 'jp2c'");
    expect(text).toContain("768 x 512");
  });
});

describe("info text", () => {
  it("names markers and profiles", () => {
    expect(markerName(0xff52)).toBe("COD");
    expect(markerName(0xff50)).toBe("CAP");
    expect(markerName(0xff3a)).toBe("0xFF3A");
    expect(profileName(1)).toBe("0x0001 (Profile 0)");
    expect(profileName(0x4000)).toBe("0x4000 (no restrictions, HTJ2K (Part 15))");
    expect(profileName(0x8000)).toBe("0x8000 (no restrictions, Part 2 extensions)");
  });

  it("shows geometry, coding parameters, JP2 boxes, markers and tile-parts", () => {
    const r: InfoReport = {
      file: "x.jp2", fileSize: 1234, codestreamOffset: 85, warnings: [],
      format: "jp2", width: 640, height: 480, x0: 0, y0: 0, components: 3, bitDepth: 8, signed: false,
      componentInfo: [0, 1, 2].map((c) => ({ width: c ? 320 : 640, height: c ? 240 : 480, bitDepth: 8, signed: false, dx: c ? 2 : 1, dy: c ? 2 : 1 })),
      levels: 5, layers: 3, progression: "RPCL", codeBlockWidth: 64, codeBlockHeight: 32, reversible: false, mct: true,
      tileWidth: 256, tileHeight: 256, tileX0: 0, tileY0: 0, tilesX: 3, tilesY: 2, profile: 0,
      codeBlockStyle: ["termall", "segsym"], guardBits: 2, precincts: [[128, 128], [256, 256]],
      sop: true, eph: false, htj2k: false, blockCoder: "part1", comments: ["Created by j2kit"],
      jp2: {
        brand: "jp2 ", compatibility: ["jp2 "], colorSpace: { name: "sRGB", enumerated: 16 },
        boxes: [{ type: "jP  ", offset: 0, length: 12 }, { type: "jp2c", offset: 77, length: 1157 }],
      },
      markers: [
        { name: "SOC", code: 0xff4f, offset: 85, length: 0, tilePart: -1 },
        { name: "SIZ", code: 0xff51, offset: 87, length: 47, tilePart: -1 },
        { name: "SOT", code: 0xff90, offset: 300, length: 10, tilePart: 0 },
        { name: "PLT", code: 0xff58, offset: 312, length: 9, tilePart: 0 },
      ],
      tileParts: [{ tile: 4, TPsot: 0, TNsot: 2, offset: 300, dataStart: 325, dataEnd: 425 }],
    };
    const text = formatInfo(r);
    for (const want of [
      "640 x 480", "320 x 240, 8-bit unsigned, sub-sampled 2x2", "9/7 irreversible", "5 decomposition level(s)", "MCT yes",
      "3, progression RPCL", "64 x 32", "termall+segsym", "6 (3 x 2) of 256 x 256", "128x128 256x256",
      "SOP / EPH     yes / no", "\"Created by j2kit\"", "'jp2 '", "sRGB (EnumCS 16)", "box 'jp2c' at 77, 1157 bytes",
      "SIZ   47", "tile-parts    1", "tile     4 part 0/2 at 300: 100 data bytes, header PLT",
    ]) {
      expect(text, want).toContain(want);
    }
    expect(text).not.toMatch(/header SOT/);
  });
});
