/**
 * `openImage` over bytes in memory and local paths against `decode`/`readHeader` of the whole
 * file: JP2 features the range path must carry over (palette + cmap, cdef, ICC, sYCC, JPX brand,
 * 64-bit box lengths, boxes after the codestream, XML/uuid boxes it does not read), the same
 * samples and warnings for the same options, the header equal field for field, and a file handle
 * that reads only part of a large file.
 */
import { describe, expect, test } from "vitest";
import { readFileSync, statSync } from "node:fs";
import { decode, readHeader } from "../../src/index.js";
import { openImage } from "../../src/range/open_image.js";
import type { DecodeOptions, DecodedImage, HeaderInfo } from "../../src/types.js";
import { testdataPath } from "../helpers/paths.js";

const FILES = [
  "edge_cases/openjpeg/issue412.jp2", // palette
  "edge_cases/openjpeg/issue236-ESYCC-CDEF.jp2", // cdef
  "edge_cases/openjpeg/issue188_beach_64bitsbox.jp2", // XLBox
  "edge_cases/openjpeg/issue104_jpxstream.jp2",
  "edge_cases/jpylyzer/palettedImage.jp2", // palette, a PLT that does not match its packets (ignored)
  "edge_cases/jpylyzer/erdas-nullinput-uint8-rgb-null-2tileparts.jp2", // asoc, uuid, all PLT in the first tile-part
  "edge_cases/openjpeg/issue235.jp2", // cmap after jp2h, TNsot 5 for 6 tile-parts per tile
  "conformance/richter_jp2/subsampling_1.jp2", // sYCC 4:2:0
  "realworld/null_terminated_content_in_xml_box.jp2",
  "icc/sample.jp2", // ICC with warnings, TLM, PLT
  "conformance/part4_jp2/file1.jp2",
  "conformance/part4_jp2/file5.jp2",
  "htj2k/byte.jph",
] as const;

/** `extra`: warnings of the range path itself (ignored TLM/PLT, ...), which a whole-file decode does not give. */
function sameImage(got: DecodedImage, want: DecodedImage, what: string, extra: readonly string[] = []): void {
  expect({ w: got.width, h: got.height, c: got.components, d: got.bitDepth, s: got.signed, cs: got.colorSpace }, what).toEqual({
    w: want.width,
    h: want.height,
    c: want.components,
    d: want.bitDepth,
    s: want.signed,
    cs: want.colorSpace,
  });
  expect(got.data.constructor.name).toBe(want.data.constructor.name);
  expect(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength).equals(Buffer.from(want.data.buffer, want.data.byteOffset, want.data.byteLength)), `${what}: samples differ`).toBe(true);
  expect(got.warnings.filter((w) => !extra.includes(w)), what).toEqual(want.warnings);
}

function withoutBoxes(h: HeaderInfo): HeaderInfo {
  const c = structuredClone(h);
  if (c.jp2) c.jp2.boxes = [];
  c.warnings = [];
  return c;
}

describe("openImage over a file equals decode / readHeader of the whole file", () => {
  for (const name of FILES) {
    test(name, async () => {
      const path = testdataPath(name);
      const file = new Uint8Array(readFileSync(path));
      let wantHeader: HeaderInfo;
      try {
        wantHeader = readHeader(file);
      } catch (e) {
        await expect(openImage(path)).rejects.toMatchObject({ name: "J2kError" });
        return;
      }
      const img = await openImage(path, { worker: false });
      try {
        expect(withoutBoxes(img.header)).toEqual(withoutBoxes(wantHeader));
        if (wantHeader.jp2) {
          // every top-level box up to the codestream, with the file's offsets
          const upTo = wantHeader.jp2.boxes.findIndex((b) => b.type === "jp2c");
          expect(img.header.jp2!.boxes.slice(0, upTo + 1)).toEqual(wantHeader.jp2.boxes.slice(0, upTo + 1));
        }
        const cases: DecodeOptions[] = [{}, { reduce: 1 }, { region: { x: 3, y: 5, width: 17, height: 9 } }];
        for (const o of cases) {
          let want: DecodedImage;
          try {
            want = decode(file, o);
          } catch (e) {
            await expect(img.decode(o)).rejects.toMatchObject({ name: "J2kError", code: (e as { code: string }).code });
            continue;
          }
          const got = await img.decode(o);
          sameImage(got, want, `${name} ${JSON.stringify(o)}`, img.warnings);
        }
      } finally {
        await img.close();
      }
    });
  }
});

test("a region of a large local file is read by file-handle reads of a fraction of the file", async () => {
  const path = testdataPath("realworld/sentinel.jp2");
  const size = statSync(path).size;
  const img = await openImage(path, { worker: false });
  const o = { region: { x: 100, y: 100, width: 64, height: 64 }, reduce: 2 };
  const got = await img.decode(o);
  sameImage(got, decode(new Uint8Array(readFileSync(path)), o), "sentinel region");
  const s = img.stats();
  expect(s.fileSize).toBe(size);
  expect(s.bytes).toBeLessThan(size / 4);
  await img.close();
});

test("PLT written for the whole tile into its first tile-part (ERDAS) is used, not ignored", async () => {
  const img = await openImage(testdataPath("edge_cases/jpylyzer/erdas-nullinput-uint8-rgb-null-2tileparts.jp2"), { worker: false });
  const pk = await img.index.packets(0);
  expect(pk.source).toBe("PLT");
  expect(img.warnings).toEqual([]);
  await img.close();
});

describe("a user RangeReader", () => {
  const file = new Uint8Array(readFileSync(testdataPath("conformance/kakadu_j2c/a3_mono.j2c")));
  const o = { region: { x: 100, y: 40, width: 80, height: 60 } };
  test("with size: same image as decode(), reads counted", async () => {
    const calls: Array<[number, number]> = [];
    const img = await openImage({ size: file.length, read: async (off, len) => (calls.push([off, len]), file.slice(off, off + len)) }, { worker: false });
    sameImage(await img.decode(o), decode(file, o), "RangeReader");
    expect(img.stats().requests).toBe(calls.length);
    expect(calls.every(([off, len]) => off >= 0 && len > 0 && off + len <= file.length)).toBe(true);
  });
  test("without size: a file smaller than the first read tells its size; a larger one is an error", async () => {
    const img = await openImage({ read: async (off, len) => file.slice(off, off + len) }, { worker: false, initialRead: 65536 });
    sameImage(await img.decode(o), decode(file, o), "RangeReader without size");
    await expect(openImage({ read: async (off, len) => file.slice(off, off + len) }, { initialRead: 1024 })).rejects.toMatchObject({ name: "J2kError", code: "INVALID_ARGUMENT" });
  });
  test("a reader that returns short or throws: SOURCE_READ_FAILED", async () => {
    const short = await openImage({ size: file.length, read: async (off, len) => file.slice(off, off + Math.max(1, len - 1)) }).catch((e: unknown) => e);
    expect(short).toMatchObject({ name: "J2kError", code: "SOURCE_READ_FAILED" });
    const img = await openImage({ size: file.length, read: async (off, len) => { if (off > 20000) throw new Error("disk on fire"); return file.slice(off, off + len); } }, { worker: false, initialRead: 1024 });
    await expect(img.decode({})).rejects.toMatchObject({ name: "J2kError", code: "SOURCE_READ_FAILED", message: expect.stringMatching(/disk on fire/) });
  });
});
