/**
 * readJp2 on every JP2/JPX/JPF/JPH file under ../shared/testdata, checked against the README's
 * description of each file (its "what it is (parsed)" column) and against facts read from the
 * bytes by hand (offsets and values quoted in the comments).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { J2kError } from "../../src/errors.js";
import { codestreamOf, readJp2, toJp2Info } from "../../src/jp2/read.js";
import { validateIcc } from "../../src/jp2/icc.js";
import type { Jp2File } from "../../src/jp2/types.js";
import { TESTDATA, findTestFiles, testFile } from "./helpers.js";

const FILES = findTestFiles([".jp2", ".jpx", ".jpf", ".jph"]);
const README = readFileSync(join(TESTDATA, "README.md"), "utf8");

/** The README table row describing a file (rows start with "| `name`"). */
function readmeRow(rel: string): string {
  const name = rel.split("/").pop()!;
  const row = README.split("\n").find((l) => l.startsWith("| `" + name + "`"));
  if (!row) throw new Error(`README has no row for ${name}`);
  return row;
}

type Outcome = { ok: true; file: Jp2File } | { ok: false; error: unknown };

function attempt(bytes: Uint8Array): Outcome {
  try {
    return { ok: true, file: readJp2(bytes) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Folders whose files the README says decode (or are valid per jpylyzer): they must parse. */
const MUST_PARSE_FOLDERS = ["conformance/", "edge_cases/", "realworld/", "icc/", "htj2k/"];

/**
 * Files that must be rejected by the container layer, with the code and the offset of the
 * problem (offsets from the README's "!badlen:... at N" notes, or by inspection noted here).
 */
const MUST_THROW: Record<string, { code: string; offset?: number[] }> = {
  "malformed/jpylyzer/empty.jp2": { code: "CONTAINER_TRUNCATED", offset: [0] },
  // README: "codestream: no SOC"; the jp2c box starts at 103 (contents at 111).
  "malformed/jpylyzer/triggerUnboundLocalError.jp2": { code: "CONTAINER_NO_CODESTREAM", offset: [111] },
  // README: "!badlen:0x3263ff4f at 2095; codestream: no codestream".
  "malformed/jpylyzer/bitwiser-headerbox-corrupted-boxlength-22181.jp2": { code: "CONTAINER_TRUNCATED", offset: [2095] },
  // README: "NO valid JP2 signature box" (these are raw codestreams named .jp2).
  "malformed/openjpeg/1802.pdf.SIGSEGV.36e.894.jp2": { code: "CONTAINER_INVALID", offset: [0] },
  "malformed/openjpeg/oss-fuzz2785.jp2": { code: "CONTAINER_INVALID", offset: [0] },
  // README: "!badlen:jp2h at 54; codestream: no codestream".
  "malformed/openjpeg/1851.pdf.SIGSEGV.ce9.948.jp2": { code: "CONTAINER_INVALID", offset: [54] },
  // README: "!badlen:colr at 62" - the only colr box is lost.
  "malformed/openjpeg/broken1.jp2": { code: "CONTAINER_TRUNCATED", offset: [62] },
  "malformed/openjpeg/broken3.jp2": { code: "CONTAINER_TRUNCATED", offset: [62] },
  // README: "!badlen:ftyp at 12".
  "malformed/openjpeg/issue362-2866.jp2": { code: "CONTAINER_TRUNCATED", offset: [12] },
  "malformed/openjpeg/issue362-2894.jp2": { code: "CONTAINER_TRUNCATED", offset: [12] },
  // README: "!badlen:0x00000006 at 174; !badlen:0x00000006 at 198; codestream: no codestream".
  "malformed/openjpeg/issue364-38.jp2": { code: "CONTAINER_INVALID", offset: [174, 198] },
  // README: "pdfium fuzzer: no ihdr box" ('ihdi' at 40 inside the jp2h at 32).
  "malformed/openjpeg/issue364-903.jp2": { code: "CONTAINER_INVALID", offset: [32, 40] },
  // README: "0 entries in PCLR box" (pclr at 115).
  "malformed/openjpeg/issue429.jp2": { code: "CONTAINER_INVALID", offset: [115] },
  // README: "malformed PCLR box" (pclr at 115: NE 1, NPC 4, no values).
  "malformed/openjpeg/mem-b2ace68c-1381.jp2": { code: "CONTAINER_INVALID", offset: [115] },
};

/**
 * Files with damaged box lengths that are read anyway (the damage lies after what is needed),
 * with a warning naming the damaged offset (README "!badlen"/"!trailing" notes).
 */
const DEGRADE: Record<string, { warnsAbout: number; truncatedCodestream?: boolean }> = {
  // README: "!badlen:jp2c at 103": LBox is the file size, 103 bytes too long; must decode.
  "edge_cases/openjpeg/db11217111510058.jp2": { warnsAbout: 103, truncatedCodestream: true },
  // README: "!trailing at 8191"; must decode.
  "edge_cases/openjpeg/issue211.jp2": { warnsAbout: 8191 },
  // README: "!trailing at 2075; !badlen:0x73631c20 at 2077" inside jp2h, after ihdr/colr/cdef.
  "malformed/jpylyzer/bitwiser-resolutionbox-corrupted-boxlength-8127.jp2": { warnsAbout: 2077 },
  // README: "!badlen:resc at 2075".
  "malformed/jpylyzer/bitwiser-resolutionbox-corrupted-boxlength-8154.jp2": { warnsAbout: 2075 },
  // README: "!badlen:jp2c at 77" (the codestream inside is itself corrupt; that is the decoder's part).
  "malformed/openjpeg/edf_c2_1000290.jp2": { warnsAbout: 77, truncatedCodestream: true },
  // README: "!badlen:0xb4eaa050 at 17943", after the codestream box.
  "malformed/openjpeg/edf_c2_1013627.jp2": { warnsAbout: 17943 },
  // README: "!badlen:0xab97555d at 436" / "!badlen:0x01010701 at 436", after the codestream box.
  "malformed/openjpeg/issue476.jp2": { warnsAbout: 436 },
  "malformed/openjpeg/issue826.jp2": { warnsAbout: 436 },
};

describe("readJp2 on every JP2/JPX/JPF/JPH test file", () => {
  it("finds the test files", () => {
    expect(FILES.length).toBeGreaterThanOrEqual(130);
    for (const f of [...Object.keys(MUST_THROW), ...Object.keys(DEGRADE)]) expect(FILES).toContain(f);
  });

  it.each(FILES)("%s: parses to a codestream starting FF 4F FF 51, or throws a container error", (rel) => {
    const bytes = testFile(rel);
    const r = attempt(bytes);
    if (r.ok) {
      const cs = codestreamOf(bytes, r.file);
      expect([...cs.subarray(0, 4)]).toEqual([0xff, 0x4f, 0xff, 0x51]);
      expect(r.file.codestream.offset + r.file.codestream.length).toBeLessThanOrEqual(bytes.length);
    } else {
      expect(r.error).toBeInstanceOf(J2kError);
      expect((r.error as J2kError).stage).toBe("container");
    }
    const mustThrow = MUST_THROW[rel];
    if (mustThrow) {
      expect(r.ok, `${rel} must be rejected`).toBe(false);
      const e = (r as { error: J2kError }).error;
      expect(e.code).toBe(mustThrow.code);
      if (mustThrow.offset) expect(mustThrow.offset).toContain(e.offset);
    } else if (MUST_PARSE_FOLDERS.some((p) => rel.startsWith(p)) || DEGRADE[rel]) {
      expect(r.ok, `${rel} must parse: ${r.ok ? "" : String((r as { error: unknown }).error)}`).toBe(true);
    }
    const degrade = DEGRADE[rel];
    if (degrade && r.ok) {
      expect(r.file.warnings.join("\n")).toContain(`byte ${degrade.warnsAbout}`);
      expect(r.file.codestream.truncated).toBe(degrade.truncatedCodestream ?? false);
    }
  });

  it.each(FILES)("%s: agrees with the README's parsed description", (rel) => {
    const r = attempt(testFile(rel));
    if (!r.ok) return void expect(MUST_THROW[rel] ?? rel.startsWith("malformed/")).toBeTruthy();
    const f = r.file;
    const row = readmeRow(rel);

    const brand = /brand (?:'(.{4})'|(0x[0-9a-f]{8})) compat \[([^\]]*)\]/.exec(row);
    expect(brand, "README row names the brand").not.toBeNull();
    expect(f.brand).toBe(brand![1] ?? brand![2]);
    const compat = brand![3]!.split(",").map((s) => s.replace(/^'|'$/g, ""));
    expect(f.compatibility).toEqual(compat);

    const ihdr = /ihdr (\d+)x(\d+) nc=(\d+) bpc=(?:([us])(\d+)|varies)/.exec(row);
    if (ihdr) {
      expect([f.header.width, f.header.height, f.header.nc]).toEqual([+ihdr[1]!, +ihdr[2]!, +ihdr[3]!]);
      if (ihdr[4]) {
        expect(f.header.bpc).not.toBe(255);
        expect(f.components?.[0]).toEqual({ bitDepth: +ihdr[5]!, signed: ihdr[4] === "s" });
      } else {
        expect(f.header.bpc).toBe(255);
      }
    }

    const colr = /colr (?:enum (\d+)|meth (\d+))/.exec(row);
    expect(colr, "README row names the first colr").not.toBeNull();
    const first = f.colorSpecifications[0]!;
    if (colr![1]) {
      expect(first.meth).toBe(1);
      expect(first.enumCS).toBe(+colr![1]);
    } else {
      expect(first.meth).toBe(+colr![2]!);
      const icc = /ICC v\d\.\d class '(\w{4})' (\w+)->(\w+), (\d+) bytes, (?:(\d+) tags|tag count (\d+))/.exec(row);
      const short = /no\/short ICC payload: (\d+) bytes/.exec(row);
      if (icc) {
        expect(first.icc!.length).toBe(+icc[4]!);
        const v = validateIcc(first.icc!);
        expect(v.header!.deviceClass).toBe(icc[1]);
        expect(v.header!.colorSpace.trim()).toBe(icc[2]);
        expect(v.header!.pcs.trim()).toBe(icc[3]);
        if (icc[5]) expect(v.tags).toHaveLength(+icc[5]);
        if (icc[6]) expect(v.problems.join()).toContain(`tag count ${icc[6]}`);
      } else if (short) {
        expect(first.icc!.length).toBe(+short[1]!);
        expect(first.understood).toBe(false);
      }
    }

    const pclr = /pclr (\d+) entries x (\d+) cols/.exec(row);
    if (pclr) {
      expect([f.palette!.entries, f.palette!.columns]).toEqual([+pclr[1]!, +pclr[2]!]);
      expect(f.componentMapping).toBeDefined();
    } else {
      expect(f.palette).toBeUndefined();
    }
    expect(f.channels !== undefined).toBe(/; cdef;/.test(row));
    if (/; res; resc/.test(row)) expect(f.resolution?.capture).toBeDefined();
    if (/; res; resd/.test(row)) expect(f.resolution?.display).toBeDefined();
    for (const kind of ["xml", "uuid", "asoc", "ulst", "url"]) {
      const named = new RegExp(`; ${kind};`).test(row);
      const has = kind === "asoc" ? f.boxes.some((b) => b.type === "asoc") : f.metadata.some((m) => m.type.trim() === kind);
      if (named) expect(has, `${kind} box listed`).toBe(true);
    }
  });
});

describe("specific files", () => {
  const read = (rel: string): Jp2File => readJp2(testFile(rel));

  it("file1..file8: brand, junk CL entry and colour specifications (README part4_jp2 table)", () => {
    const enums: Record<string, [number, string]> = {
      file1: [16, "sRGB"],
      file2: [18, "sYCC"],
      file4: [17, "greyscale"],
      file6: [17, "greyscale"],
    };
    for (const [name, [enumCS, cs]] of Object.entries(enums)) {
      const f = read(`conformance/part4_jp2/${name}.jp2`);
      expect(f.compatibility).toEqual(["0x00000001", "jp2 "]);
      expect(f.jp2Compatible).toBe(true);
      expect(f.colorSpecifications).toHaveLength(1);
      expect(f.colorSpace).toMatchObject({ meth: 1, enumCS, name: cs, understood: true });
    }
    expect(read("conformance/part4_jp2/file6.jp2").components).toEqual([{ bitDepth: 12, signed: false }]);

    // file5: JPX brand, JP2-compatible; restricted ICC (546 bytes) first, then enumerated ROMM-RGB (21).
    const f5 = read("conformance/part4_jp2/file5.jp2");
    expect(f5.brand).toBe("jpx ");
    expect(f5.format).toBe("jpx");
    expect(f5.compatibility).toEqual(["0x00000003", "jp2 ", "jpx ", "jpxb"]);
    expect(f5.jp2Compatible).toBe(true);
    expect(f5.boxes.map((b) => b.type)).toEqual(["jP  ", "ftyp", "rreq", "jp2h", "jp2c"]);
    expect(f5.colorSpecifications.map((c) => [c.meth, c.enumCS, c.icc?.length])).toEqual([
      [2, undefined, 546],
      [1, 21, undefined],
    ]);
    expect(f5.colorSpecifications[1]!.name).toBe("ROMM-RGB");
    expect(f5.colorSpace).toBe(f5.colorSpecifications[0]); // the first one understood
    expect(f5.colorSpace!.iccProblems).toEqual([]);
    expect(toJp2Info(f5).colorSpace).toMatchObject({ name: "icc" });
    expect(toJp2Info(f5).colorSpace!.icc).toHaveLength(546);

    const f8 = read("conformance/part4_jp2/file8.jp2");
    expect(f8.colorSpace).toMatchObject({ meth: 2, name: "icc" });
    expect(f8.colorSpace!.icc).toHaveLength(414);
  });

  it("XML boxes are listed, before and after jp2h and after the codestream", () => {
    // file1: xml at 36 (439 bytes) and 520 (749 bytes); file8: xml at 491 (385) and 149709 (910).
    const f1 = read("conformance/part4_jp2/file1.jp2");
    expect(f1.metadata.map((m) => [m.type, m.offset, m.length])).toEqual([
      ["xml ", 36, 439],
      ["xml ", 520, 749],
    ]);
    expect(f1.metadata[0]!.text).toMatch(/^<\?xml/);
    const f8 = read("conformance/part4_jp2/file8.jp2");
    expect(f8.metadata.map((m) => [m.offset, m.length])).toEqual([
      [491, 385],
      [149709, 910],
    ]);
    expect(f8.codestream.boxOffset).toBe(876);
    // The SDO/AIA file ends its XML with a NUL.
    const sdo = read("realworld/null_terminated_content_in_xml_box.jp2");
    const xml = sdo.metadata.find((m) => m.type === "xml ")!;
    expect(xml.text!.endsWith("\0")).toBe(false);
    expect(xml.text!.trimEnd().endsWith(">")).toBe(true);
  });

  it("issue188: a box with a 64-bit XLBox length", () => {
    // At 77: 00000001 'XML ' 0000000000000060, then jp2c at 173 with LBox 0.
    const f = read("edge_cases/openjpeg/issue188_beach_64bitsbox.jp2");
    expect(f.boxes[3]).toMatchObject({ type: "XML ", offset: 77, headerLength: 16, length: 96, contentOffset: 93 });
    expect(f.codestream).toMatchObject({ boxOffset: 173, offset: 181 });
    expect(f.boxes[4]!.toEnd).toBe(true);
  });

  it("issue653: an unknown last box with length 0", () => {
    const bytes = testFile("edge_cases/openjpeg/issue653-zero-unknownbox.jp2");
    const f = readJp2(bytes);
    expect(f.boxes.map((b) => b.type)).toEqual(["jP  ", "ftyp", "jp2h", "jp2c", "0x00000000"]);
    expect(f.boxes[4]).toMatchObject({ offset: 335, toEnd: true, length: bytes.length - 335 });
    expect(f.codestream).toMatchObject({ boxOffset: 99, offset: 107, length: 228 });
    expect(f.warnings).toEqual([]);
  });

  it("issue235: cmap outside jp2h is found, and its mapping repaired", () => {
    // cmap at 897 (top level, after jp2h): 0000 01 00 | 0000 00 00 | 0000 00 00: only the first channel
    // goes through the 3-column palette, the other two would be raw indices ("CMAP is buggy").
    const f = read("edge_cases/openjpeg/issue235.jp2");
    expect(f.boxes.map((b) => [b.type, b.offset])).toContainEqual(["cmap", 897]);
    expect(f.componentMapping).toEqual([
      { component: 0, type: 1, paletteColumn: 0 },
      { component: 0, type: 1, paletteColumn: 1 },
      { component: 0, type: 1, paletteColumn: 2 },
    ]);
    expect(f.palette).toMatchObject({ entries: 256, columns: 3 });
    const w = f.warnings.join("\n");
    expect(w).toMatch(/'cmap' box was found outside/);
    expect(w).toMatch(/palette column\(s\) 1, 2 unused/);
    // A well-formed mapping (issue104: 0000 01 00 | 0000 01 01 | 0000 01 02) is left alone.
    const f104 = read("edge_cases/openjpeg/issue104_jpxstream.jp2");
    expect(f104.componentMapping!.map((m) => m.paletteColumn)).toEqual([0, 1, 2]);
    expect(f104.warnings).toEqual([]);
  });

  it("palettedImage / issue412: palette entries, depths and values", () => {
    // palettedImage pclr at 77: NE 0x0100, NPC 3, B 07 07 07, then 00 00 00 | 01 01 00 | 02 02 00 | 04 03 00 ...
    // and the last two entries end at byte 858: ff fe fb | ff ff ff.
    const p = read("edge_cases/jpylyzer/palettedImage.jp2").palette!;
    expect(p.entries).toBe(256);
    expect(p.bitDepths).toEqual([8, 8, 8]);
    expect(p.signed).toEqual([false, false, false]);
    expect([0, 1, 2, 3].map((e) => [p.values[0]![e], p.values[1]![e], p.values[2]![e]])).toEqual([
      [0, 0, 0],
      [1, 1, 0],
      [2, 2, 0],
      [4, 3, 0],
    ]);
    expect([254, 255].map((e) => [p.values[0]![e], p.values[1]![e], p.values[2]![e]])).toEqual([
      [255, 254, 251],
      [255, 255, 255],
    ]);
    const f412 = read("edge_cases/openjpeg/issue412.jp2");
    expect(f412.palette).toMatchObject({ entries: 256, columns: 3, bitDepths: [8, 8, 8] });
    expect(f412.componentMapping).toHaveLength(3);
    // issue412 resc at 915: 6ebe 0001 6ebe 0001 ff ff = 28350/1 * 10^-1 both ways.
    expect(f412.resolution).toEqual({ capture: { horizontal: 2835, vertical: 2835 } });
    expect(toJp2Info(f412).resolution).toEqual({ capture: [2835, 2835] });
  });

  it("channel definitions of file2, basn6a08 and issue414", () => {
    // file2 cdef at 81: 0003 | 0000 0000 0003 | 0001 0000 0002 | 0002 0000 0001.
    expect(read("conformance/part4_jp2/file2.jp2").channels).toEqual([
      { channel: 0, type: 0, association: 3 },
      { channel: 1, type: 0, association: 2 },
      { channel: 2, type: 0, association: 1 },
    ]);
    // basn6a08: RGB + opacity for the whole image.
    expect(read("edge_cases/openjpeg/basn6a08.jp2").channels).toEqual([
      { channel: 0, type: 0, association: 1 },
      { channel: 1, type: 0, association: 2 },
      { channel: 2, type: 0, association: 3 },
      { channel: 3, type: 1, association: 0 },
    ]);
    // issue414: 6 definitions for 5 channels (channel 0 twice).
    const f414 = read("edge_cases/openjpeg/issue414.jp2");
    expect(f414.channels).toEqual([
      { channel: 4, type: 0, association: 1 },
      { channel: 2, type: 0, association: 2 },
      { channel: 3, type: 0, association: 3 },
      { channel: 0, type: 1, association: 1 },
      { channel: 0, type: 1, association: 2 },
      { channel: 1, type: 1, association: 3 },
    ]);
    expect(f414.warnings.join()).toMatch(/channel 0 is defined more than once/);
  });

  it("sentinel: display resolution and the GeoJP2 UUID box", () => {
    // resd at 85: 3265 8000 3265 8000 02 02 = 12901/32768 * 10^2 pixels per metre.
    const f = read("realworld/sentinel.jp2");
    expect(f.resolution).toEqual({ display: { horizontal: (12901 / 32768) * 100, vertical: (12901 / 32768) * 100 } });
    const uuid = f.metadata.find((m) => m.type === "uuid")!;
    expect(uuid).toMatchObject({ offset: 103, length: 413, uuid: "b14bf8bd-083d-4b43-a5ae-8cd7d5a6ce03" });
    expect([...uuid.data!.subarray(0, 4)]).toEqual([0x49, 0x49, 0x2a, 0x00]); // a little-endian TIFF
    expect(f.components).toEqual([{ bitDepth: 16, signed: false }]);
  });

  it("reference.jp2: UUID info box with ulst and url", () => {
    const f = read("realworld/reference.jp2");
    const ulst = f.metadata.find((m) => m.type === "ulst")!;
    expect(ulst.path).toEqual(["uinf"]);
    expect(ulst.uuids).toEqual(["6a706a70-6a70-6a70-6a70-6a706a706a70", "61626162-6162-6162-6162-616261626162"]);
    const url = f.metadata.find((m) => m.type === "url ")!;
    expect(url).toMatchObject({ version: 0, flags: 0, text: "http://www.openplanetsfoundation.org/" });
  });

  it("erdas: nested asoc boxes with label and XML", () => {
    const f = read("realworld/erdas-sandiego3i_5.5.jp2");
    expect(f.metadata.map((m) => [m.type, m.offset, m.path.join("/")])).toEqual([
      ["lbl ", 117, "asoc"],
      ["lbl ", 141, "asoc/asoc"],
      ["xml ", 166, "asoc/asoc"],
      ["uuid", 1393, ""],
    ]);
  });

  it("issue458: bpcc with mixed depths", () => {
    // bpcc at 62: 04 04 04 00 = 5, 5, 5, 1 bits unsigned.
    const f = read("edge_cases/openjpeg/issue458.jp2");
    expect(f.header.bpc).toBe(255);
    expect(f.components).toEqual([
      { bitDepth: 5, signed: false },
      { bitDepth: 5, signed: false },
      { bitDepth: 5, signed: false },
      { bitDepth: 1, signed: false },
    ]);
  });

  it("JPH files read like JP2 files", () => {
    const f = read("htj2k/byte.jph");
    expect(f).toMatchObject({ brand: "jph ", format: "jp2", jp2Compatible: false });
    expect(f.warnings).toEqual([]);
  });

  it("toJp2Info fills the public Jp2Info", () => {
    const info = toJp2Info(read("edge_cases/openjpeg/issue412.jp2"));
    expect(info.brand).toBe("jp2 ");
    expect(info.boxes.map((b) => b.type)).toEqual(["jP  ", "ftyp", "jp2h", "jp2c"]);
    expect(info.colorSpace).toEqual({ name: "sRGB", enumerated: 16 });
    expect(info.palette).toEqual({ entries: 256, columns: 3, bitDepths: [8, 8, 8], signed: [false, false, false] });
    expect(info.channels).toHaveLength(3);
  });
});
