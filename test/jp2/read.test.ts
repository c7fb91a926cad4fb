/** readJp2 on hand-built files: each rule of Annex I the reader enforces or tolerates. */
import { describe, expect, it } from "vitest";
import { J2kError } from "../../src/errors.js";
import { readJp2 } from "../../src/jp2/read.js";
import { SIGNATURE, ascii, be, cat, mkBox, mkCodestream, mkColrEnum, mkFtyp, mkIhdr, mkJp2 } from "./helpers.js";

const CS = mkCodestream(4, 3, [{ depth: 8, signed: false }]);

function error(bytes: Uint8Array): J2kError {
  try {
    readJp2(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(J2kError);
    return e as J2kError;
  }
  throw new Error("readJp2 did not throw");
}

/** pclr contents: NE, NPC, B[i], then rows of values of ceil(depth/8) bytes. */
function mkPclr(depthBytes: number[], rows: number[][]): Uint8Array {
  const widths = depthBytes.map((b) => ((b & 0x7f) + 8) >> 3);
  return mkBox("pclr", cat(be(rows.length, 2), be(depthBytes.length, 1), Uint8Array.from(depthBytes), ...rows.map((r) => cat(...r.map((v, i) => be(v, widths[i]!))))));
}

const cmap = (...entries: Array<[number, number, number]>): Uint8Array => mkBox("cmap", cat(...entries.map(([c, t, p]) => cat(be(c, 2), be(t, 1), be(p, 1)))));

describe("required structure", () => {
  it("reads a minimal JP2 file", () => {
    const f = readJp2(mkJp2());
    expect(f.header).toEqual({ height: 3, width: 4, nc: 1, bpc: 7, c: 7, unkC: 0, ipr: 0 });
    expect(f.colorSpace).toMatchObject({ meth: 1, enumCS: 17, name: "greyscale" });
    expect(f.warnings).toEqual([]);
  });

  it("signature: wrong bytes are invalid, a cut signature is truncated", () => {
    expect(error(cat(ascii("GIF89a"), new Uint8Array(20)))).toMatchObject({ code: "CONTAINER_INVALID", offset: 0, stage: "container" });
    expect(error(SIGNATURE.subarray(0, 7))).toMatchObject({ code: "CONTAINER_TRUNCATED", offset: 7 });
    expect(error(new Uint8Array(0))).toMatchObject({ code: "CONTAINER_TRUNCATED", offset: 0 });
    expect(error(CS)).toMatchObject({ code: "CONTAINER_INVALID", offset: 0 });
  });

  it("ftyp must follow the signature and hold brand and minor version", () => {
    expect(error(cat(SIGNATURE, mkBox("jp2h", cat(mkIhdr(3, 4, 1, 7), mkColrEnum(17))), mkFtyp(), mkBox("jp2c", CS)))).toMatchObject({
      code: "CONTAINER_INVALID",
      offset: 12,
    });
    expect(error(mkJp2({ ftyp: mkBox("ftyp", ascii("jp2 ")) }))).toMatchObject({ code: "CONTAINER_INVALID", offset: 12 });
    const f = readJp2(mkJp2({ ftyp: cat(mkBox("ftyp", cat(ascii("jp2 "), be(0, 4), ascii("jp2 "), Uint8Array.of(1, 2)))) }));
    expect(f.compatibility).toEqual(["jp2 "]);
    expect(f.warnings.join()).toMatch(/2 stray bytes after its compatibility list/);
  });

  it("compatibility lists: junk entries accepted, a list without 'jp2 ' warned about", () => {
    expect(readJp2(mkJp2({ ftyp: mkFtyp("jp2 ", [1, "jp2 "]) }))).toMatchObject({ compatibility: ["0x00000001", "jp2 "], jp2Compatible: true, warnings: [] });
    const jpx = readJp2(mkJp2({ ftyp: mkFtyp("jpx ", ["jpx ", "jpxb", "jp2 "]) }));
    expect(jpx).toMatchObject({ format: "jpx", jp2Compatible: true, warnings: [] });
    const odd = readJp2(mkJp2({ ftyp: mkFtyp("abcd", ["jpr "]) }));
    expect(odd.jp2Compatible).toBe(false);
    expect(odd.warnings.join("\n")).toMatch(/does not contain 'jp2 '[\s\S]*unknown brand 'abcd'/);
  });

  it("no jp2h, no ihdr, a short ihdr, NC = 0, no colr", () => {
    expect(error(cat(SIGNATURE, mkFtyp(), mkBox("jp2c", CS)))).toMatchObject({ code: "CONTAINER_INVALID" });
    expect(error(cat(SIGNATURE, mkFtyp(), mkBox("jp2h", mkColrEnum(17)), mkBox("jp2c", CS)))).toMatchObject({ code: "CONTAINER_INVALID", offset: 32 });
    expect(error(cat(SIGNATURE, mkFtyp(), mkBox("jp2h", cat(mkBox("ihdr", new Uint8Array(13)), mkColrEnum(17))), mkBox("jp2c", CS)))).toMatchObject({
      code: "CONTAINER_INVALID",
      offset: 40,
    });
    expect(error(cat(SIGNATURE, mkFtyp(), mkBox("jp2h", cat(mkIhdr(3, 4, 0, 7), mkColrEnum(17))), mkBox("jp2c", CS))).message).toMatch(/NC = 0/);
    expect(error(mkJp2({ header: [] })).message).toMatch(/no Colour Specification box/);
  });

  it("codestream box: missing, empty, not a codestream, or cut", () => {
    expect(error(cat(SIGNATURE, mkFtyp(), mkBox("jp2h", cat(mkIhdr(3, 4, 1, 7), mkColrEnum(17)))))).toMatchObject({ code: "CONTAINER_NO_CODESTREAM" });
    expect(error(cat(SIGNATURE, mkFtyp(), mkBox("jp2h", cat(mkIhdr(3, 4, 1, 7), mkColrEnum(17))), mkBox("jp2c")))).toMatchObject({ code: "CONTAINER_NO_CODESTREAM" });
    const notCs = cat(SIGNATURE, mkFtyp(), mkBox("jp2h", cat(mkIhdr(3, 4, 1, 7), mkColrEnum(17))), mkBox("jp2c", new Uint8Array(40)));
    expect(error(notCs)).toMatchObject({ code: "CONTAINER_NO_CODESTREAM", offset: notCs.length - 40 });
    const cut = mkJp2().subarray(0, mkJp2().length - 5);
    const f = readJp2(cut);
    expect(f.codestream).toMatchObject({ truncated: true, length: CS.length - 5 });
    expect(f.warnings.join()).toMatch(/cut at the end of the file/);
  });

  it("JPX codestreams held in fragment tables are reported as unsupported", () => {
    const bytes = cat(SIGNATURE, mkFtyp("jpx ", ["jpx "]), mkBox("jp2h", cat(mkIhdr(3, 4, 1, 7), mkColrEnum(17))), mkBox("ftbl", mkBox("flst", new Uint8Array(16))));
    expect(error(bytes)).toMatchObject({ code: "UNSUPPORTED_PART2", stage: "unsupported" });
  });

  it("header order and repetition are tolerated with warnings", () => {
    const late = cat(SIGNATURE, mkFtyp(), mkBox("jp2c", CS), mkBox("jp2h", cat(mkIhdr(3, 4, 1, 7), mkColrEnum(17))));
    expect(readJp2(late).warnings.join()).toMatch(/comes after the codestream box/);
    const two = mkJp2({ after: [mkBox("jp2h", cat(mkIhdr(9, 9, 3, 7), mkColrEnum(16)))] });
    const f = readJp2(two);
    expect(f.header.width).toBe(4);
    expect(f.warnings.join()).toMatch(/2 JP2 header boxes/);
    const ihdrSecond = cat(SIGNATURE, mkFtyp(), mkBox("jp2h", cat(mkColrEnum(17), mkIhdr(3, 4, 1, 7))), mkBox("jp2c", CS));
    expect(readJp2(ihdrSecond).warnings.join()).toMatch(/not the first box of the header/);
  });

  it("a JPX file without jp2h: header from jpch, colour from jplh/cgrp", () => {
    const bytes = cat(
      SIGNATURE,
      mkFtyp("jpx ", ["jpx "]),
      mkBox("jpch", mkIhdr(3, 4, 1, 7)),
      mkBox("jplh", mkBox("cgrp", mkColrEnum(14))),
      mkBox("jp2c", CS),
    );
    const f = readJp2(bytes);
    expect(f).toMatchObject({ format: "jpx", jp2Compatible: false });
    expect(f.header.width).toBe(4);
    expect(f.colorSpace).toMatchObject({ enumCS: 14, name: "CIELab" });
  });
});

describe("header boxes", () => {
  it("bpcc: used when BPC = 255, warned about otherwise", () => {
    const withBpcc = cat(SIGNATURE, mkFtyp(), mkBox("jp2h", cat(mkIhdr(3, 4, 2, 255), mkBox("bpcc", Uint8Array.of(0x8f, 0x00)), mkColrEnum(17))), mkBox("jp2c", CS));
    expect(readJp2(withBpcc).components).toEqual([
      { bitDepth: 16, signed: true },
      { bitDepth: 1, signed: false },
    ]);
    const missing = readJp2(cat(SIGNATURE, mkFtyp(), mkBox("jp2h", cat(mkIhdr(3, 4, 2, 255), mkColrEnum(17))), mkBox("jp2c", CS)));
    expect(missing.components).toBeUndefined();
    expect(missing.warnings.join()).toMatch(/BPC = 255/);
    const short = readJp2(cat(SIGNATURE, mkFtyp(), mkBox("jp2h", cat(mkIhdr(3, 4, 3, 255), mkBox("bpcc", Uint8Array.of(7)), mkColrEnum(17))), mkBox("jp2c", CS)));
    expect(short.components).toBeUndefined();
    const extra = readJp2(mkJp2({ header: [mkBox("bpcc", Uint8Array.of(3)), mkColrEnum(17)] }));
    expect(extra.components).toEqual([{ bitDepth: 8, signed: false }]);
    expect(extra.warnings.join()).toMatch(/it is ignored/);
  });

  it("colr: the first understood specification is used", () => {
    const f = readJp2(mkJp2({ header: [mkBox("colr", cat(Uint8Array.of(4, 0, 0), new Uint8Array(16))), mkColrEnum(99), mkColrEnum(18), mkColrEnum(16)] }));
    expect(f.colorSpecifications.map((c) => [c.meth, c.name, c.understood])).toEqual([
      [4, "unknown", false],
      [1, "unknown", false],
      [1, "sYCC", true],
      [1, "sRGB", true],
    ]);
    expect(f.colorSpace).toBe(f.colorSpecifications[2]);
    expect(f.colorSpecifications[0]!.parameters).toHaveLength(16);
    // PREC is signed; EnumCS parameters (CIELab EP) are kept.
    const lab = readJp2(mkJp2({ header: [mkBox("colr", cat(Uint8Array.of(1, 0xfe, 1), be(14, 4), be(100, 4), be(0, 4)))] }));
    expect(lab.colorSpace).toMatchObject({ prec: -2, approx: 1, enumCS: 14, name: "CIELab" });
    expect(lab.colorSpace!.parameters).toHaveLength(8);
    // None understood: the first is reported, with a warning.
    const none = readJp2(mkJp2({ header: [mkColrEnum(99)] }));
    expect(none.colorSpace).toMatchObject({ enumCS: 99, understood: false });
    expect(none.warnings.join()).toMatch(/no colour specification this reader understands/);
  });

  it("pclr: depths, signs, multi-byte values and limits", () => {
    // Columns: 8-bit unsigned, 12-bit signed (2 bytes), 16-bit unsigned.
    const pclr = mkPclr([0x07, 0x8b, 0x0f], [
      [255, 0xfff, 65535],
      [1, 0x800, 258],
      [0, 0x7ff, 0],
    ]);
    const f = readJp2(mkJp2({ header: [mkColrEnum(16), pclr, cmap([0, 1, 0], [0, 1, 1], [0, 1, 2])] }));
    expect(f.palette).toMatchObject({ entries: 3, columns: 3, bitDepths: [8, 12, 16], signed: [false, true, false] });
    expect(f.palette!.values.map((v) => [...v])).toEqual([
      [255, 1, 0],
      [-1, -2048, 2047],
      [65535, 258, 0],
    ]);
    expect(f.warnings).toEqual([]);

    const bad = (p: Uint8Array, m = cmap([0, 1, 0])) => error(mkJp2({ header: [mkColrEnum(16), p, m] }));
    expect(bad(mkPclr([7], [])).message).toMatch(/NE = 0/);
    expect(bad(mkBox("pclr", cat(be(1, 2), be(0, 1)))).message).toMatch(/NPC = 0/);
    expect(bad(mkBox("pclr", cat(be(2, 2), be(1, 1), Uint8Array.of(7), Uint8Array.of(5)))).message).toMatch(/need 6 bytes/);
    expect(bad(mkPclr([0x25 + 0x80], [[0, 0, 0, 0, 0]].map(() => [0])))).toMatchObject({ code: "UNSUPPORTED" });
    expect(bad(mkPclr([7], [[1]]), cmap([0, 2, 0])).message).toMatch(/MTYP = 2/);
    expect(bad(mkPclr([7], [[1]]), cmap([0, 1, 1])).message).toMatch(/palette column 1; the palette has 1/);
    expect(error(mkJp2({ header: [mkColrEnum(16), cmap([0, 1, 0])] })).message).toMatch(/no Palette box/);
    // A palette without cmap is only warned about.
    expect(readJp2(mkJp2({ header: [mkColrEnum(16), mkPclr([7], [[1]])] })).warnings.join()).toMatch(/without a component mapping/);
  });

  it("cdef problems make it ignored, not fatal", () => {
    const truncated = readJp2(mkJp2({ header: [mkColrEnum(17), mkBox("cdef", cat(be(2, 2), be(0, 6)))] }));
    expect(truncated.channels).toBeUndefined();
    expect(truncated.warnings.join()).toMatch(/Channel Definition box at byte \d+ is ignored: 2 entries need 14 bytes/);
    const empty = readJp2(mkJp2({ header: [mkColrEnum(17), mkBox("cdef", be(0, 2))] }));
    expect(empty.channels).toBeUndefined();
  });

  it("res: zero denominators ignored, exponents signed", () => {
    const resc = (vals: number[], ve: number, he: number) => mkBox("resc", cat(...vals.map((v) => be(v, 2)), Uint8Array.of(ve & 0xff, he & 0xff)));
    const ok = readJp2(mkJp2({ header: [mkColrEnum(17), mkBox("res ", resc([300, 3, 5, 1], -1, 2))] }));
    expect(ok.resolution).toEqual({ capture: { vertical: 10, horizontal: 500 } });
    const zero = readJp2(mkJp2({ header: [mkColrEnum(17), mkBox("res ", resc([300, 0, 5, 1], 0, 0))] }));
    expect(zero.resolution).toBeUndefined();
    expect(zero.warnings.join()).toMatch(/zero denominator/);
  });

  it("damage inside jp2h after ihdr and colr is a warning; before them it is fatal", () => {
    const after = readJp2(mkJp2({ header: [mkColrEnum(17), mkBox("cdef", new Uint8Array(8), 500)] }));
    expect(after.warnings.join()).toMatch(/boxes of the JP2 header box from byte 77 on were ignored/);
    expect(error(mkJp2({ header: [mkBox("colr", new Uint8Array(7), 500)] }))).toMatchObject({ code: "CONTAINER_TRUNCATED", offset: 62 });
  });
});

describe("metadata", () => {
  it("lists XML, UUID, UUID info and label boxes with their paths", () => {
    const uuid = Uint8Array.from({ length: 16 }, (_, i) => i);
    const f = readJp2(
      mkJp2({
        before: [mkBox("xml ", ascii("<a>\u0000\u0000"))],
        after: [
          mkBox("uuid", cat(uuid, ascii("data"))),
          mkBox("uinf", cat(mkBox("ulst", cat(be(1, 2), uuid)), mkBox("url ", cat(Uint8Array.of(0, 0, 0, 1), ascii("file:x\u0000"))))),
          mkBox("asoc", cat(mkBox("lbl ", ascii("name")), mkBox("xml ", ascii("<b/>")))),
        ],
      }),
    );
    expect(f.metadata.map((m) => [m.type, m.path.join("/"), m.text ?? m.uuid ?? m.uuids?.join()])).toEqual([
      ["xml ", "", "<a>"],
      ["uuid", "", "00010203-0405-0607-0809-0a0b0c0d0e0f"],
      ["ulst", "uinf", "00010203-0405-0607-0809-0a0b0c0d0e0f"],
      ["url ", "uinf", "file:x"],
      ["lbl ", "asoc", "name"],
      ["xml ", "asoc", "<b/>"],
    ]);
    expect(f.metadata[3]).toMatchObject({ version: 0, flags: 1 });
    expect([...f.metadata[1]!.data!]).toEqual([...ascii("data")]);
  });
});
