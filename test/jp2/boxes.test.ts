import { describe, expect, it } from "vitest";
import { J2kError } from "../../src/errors.js";
import { BOX, boxCode, fourCC, readBoxes, sniffFormat } from "../../src/jp2/boxes.js";
import { SIGNATURE, ascii, be, cat, mkBox, mkCodestream, mkFtyp, mkJp2, mkLongBox, testFile } from "./helpers.js";

describe("readBoxes (I.4)", () => {
  it("reads LBox/TBox boxes and their offsets", () => {
    const bytes = cat(mkBox("abcd", new Uint8Array(4)), mkBox("efgh"));
    const { boxes, damage, trailing } = readBoxes(bytes);
    expect(damage).toBeUndefined();
    expect(trailing).toBeUndefined();
    expect(boxes.map((b) => [b.type, b.offset, b.length, b.contentOffset, b.contentLength])).toEqual([
      ["abcd", 0, 12, 8, 4],
      ["efgh", 12, 8, 20, 0],
    ]);
  });

  it("reads a 64-bit XLBox length (LBox = 1)", () => {
    const bytes = cat(mkLongBox("xml ", ascii("<a/>")), mkBox("jp2c", new Uint8Array(2)));
    const { boxes } = readBoxes(bytes);
    expect(boxes[0]).toMatchObject({ type: "xml ", headerLength: 16, length: 20, contentOffset: 16, contentLength: 4 });
    expect(boxes[1]).toMatchObject({ type: "jp2c", offset: 20 });
  });

  it("treats LBox = 0 as 'to the end of the file'", () => {
    const bytes = cat(mkBox("abcd"), mkBox("jp2c", new Uint8Array(10), 0));
    const { boxes } = readBoxes(bytes);
    expect(boxes[1]).toMatchObject({ type: "jp2c", toEnd: true, length: 18, contentLength: 10 });
  });

  it("descends into superboxes, including nested ones", () => {
    const bytes = mkBox("asoc", cat(mkBox("lbl ", ascii("x")), mkBox("asoc", mkBox("xml ", ascii("<b/>")))));
    const [asoc] = readBoxes(bytes).boxes;
    expect(asoc!.children!.map((b) => b.type)).toEqual(["lbl ", "asoc"]);
    expect(asoc!.children![1]!.children![0]).toMatchObject({ type: "xml ", offset: 8 + 9 + 8 });
  });

  it("records a box running past its container as damage and keeps the boxes before it", () => {
    const bytes = cat(mkBox("abcd"), mkBox("efgh", new Uint8Array(4), 1000));
    const seq = readBoxes(bytes);
    expect(seq.boxes.map((b) => b.type)).toEqual(["abcd"]);
    expect(seq.damage).toMatchObject({ offset: 8, code: "CONTAINER_TRUNCATED" });
  });

  it("records a length shorter than the box header as invalid", () => {
    for (const lbox of [2, 7]) {
      const seq = readBoxes(cat(mkBox("abcd"), mkBox("efgh", new Uint8Array(4), lbox)));
      expect(seq.damage).toMatchObject({ offset: 8, code: "CONTAINER_INVALID" });
    }
    const xl = cat(be(1, 4), ascii("efgh"), be(15, 8));
    expect(readBoxes(xl).damage).toMatchObject({ offset: 0, code: "CONTAINER_INVALID" });
  });

  it("rejects a 64-bit length beyond the input, even beyond 2^53", () => {
    const huge = cat(be(1, 4), ascii("efgh"), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(readBoxes(huge).damage).toMatchObject({ offset: 0, code: "CONTAINER_TRUNCATED" });
    const big = cat(be(1, 4), ascii("efgh"), be(2 ** 40, 8));
    expect(readBoxes(big).damage).toMatchObject({ offset: 0, code: "CONTAINER_TRUNCATED" });
  });

  it("damage inside a superbox stays on that superbox", () => {
    const bytes = cat(mkBox("jp2h", cat(mkBox("ihdr", new Uint8Array(14)), mkBox("colr", new Uint8Array(7), 99))), mkBox("jp2c"));
    const seq = readBoxes(bytes);
    expect(seq.damage).toBeUndefined();
    expect(seq.boxes.map((b) => b.type)).toEqual(["jp2h", "jp2c"]);
    expect(seq.boxes[0]!.children!.map((b) => b.type)).toEqual(["ihdr"]);
    expect(seq.boxes[0]!.damage).toMatchObject({ offset: 8 + 22, code: "CONTAINER_TRUNCATED" });
  });

  it("cuts only a top-level jp2c that runs past the end of the input", () => {
    const cs = new Uint8Array(20);
    const top = readBoxes(mkBox("jp2c", cs, 500));
    expect(top.damage).toBeUndefined();
    expect(top.boxes[0]).toMatchObject({ type: "jp2c", truncated: true, length: 28, contentLength: 20 });
    const xl = readBoxes(cat(be(1, 4), ascii("jp2c"), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), cs));
    expect(xl.boxes[0]).toMatchObject({ type: "jp2c", truncated: true, headerLength: 16, contentLength: 20 });
    const nested = readBoxes(mkBox("asoc", mkBox("jp2c", cs, 500)));
    expect(nested.boxes[0]!.damage).toMatchObject({ code: "CONTAINER_TRUNCATED" });
  });

  it("reports fewer than 8 bytes after the last box as trailing bytes", () => {
    const seq = readBoxes(cat(mkBox("abcd"), new Uint8Array(5)));
    expect(seq.trailing).toEqual({ offset: 8, length: 5 });
    expect(seq.damage).toBeUndefined();
  });

  it("stops descending at the depth limit", () => {
    let inner = mkBox("xml ");
    for (let i = 0; i < 40; i++) inner = mkBox("asoc", inner);
    let depth = 0;
    let box = readBoxes(inner, { maxDepth: 5 }).boxes[0];
    while (box?.children) {
      depth++;
      box = box.children[0];
    }
    expect(depth).toBe(4);
  });

  it("throws CONTAINER_INVALID past the box count limit", () => {
    const many = cat(...Array.from({ length: 50 }, () => mkBox("free")));
    expect(readBoxes(many, { maxBoxes: 50 }).boxes).toHaveLength(50);
    let err: unknown;
    try {
      readBoxes(many, { maxBoxes: 49 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(J2kError);
    expect(err).toMatchObject({ code: "CONTAINER_INVALID", stage: "container" });
  });

  it("names box types, hex for unprintable ones", () => {
    expect(fourCC(boxCode("jp2c"))).toBe("jp2c");
    expect(fourCC(0x00000001)).toBe("0x00000001");
    expect(BOX.resolution).toBe(0x72657320);
  });
});

describe("sniffFormat", () => {
  it("tells codestreams, JP2, JPX and other bytes apart", () => {
    expect(sniffFormat(mkCodestream(1, 1, [{ depth: 8, signed: false }]))).toBe("j2k");
    expect(sniffFormat(mkJp2())).toBe("jp2");
    expect(sniffFormat(mkJp2({ ftyp: mkFtyp("jpx ", ["jpx ", "jp2 "]) }))).toBe("jpx");
    expect(sniffFormat(mkJp2({ ftyp: mkFtyp("abcd", ["jpx "]) }))).toBe("jpx");
    expect(sniffFormat(mkJp2({ ftyp: mkFtyp("jph ", ["jph "]) }))).toBe("jp2");
    expect(sniffFormat(new Uint8Array(0))).toBe("unknown");
    expect(sniffFormat(SIGNATURE.subarray(0, 11))).toBe("unknown");
    expect(sniffFormat(ascii("GIF89a"))).toBe("unknown");
  });

  it("on real files", () => {
    expect(sniffFormat(testFile("conformance/part4_jp2/file1.jp2"))).toBe("jp2");
    expect(sniffFormat(testFile("conformance/part4_jp2/file5.jp2"))).toBe("jpx");
    expect(sniffFormat(testFile("htj2k/byte.jph"))).toBe("jp2");
    expect(sniffFormat(testFile("conformance/part4_j2k/p0_01.j2k"))).toBe("j2k");
    // Named .jp2 but a raw codestream (README: "NO valid JP2 signature box").
    expect(sniffFormat(testFile("malformed/openjpeg/1802.pdf.SIGSEGV.36e.894.jp2"))).toBe("j2k");
    expect(sniffFormat(testFile("malformed/jpylyzer/empty.jp2"))).toBe("unknown");
  });
});
