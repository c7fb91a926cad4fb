import { describe, expect, it } from "vitest";
import { J2kError } from "../../src/errors.js";
import { applyPalette, colorChannelsOf, orderChannels } from "../../src/jp2/palette.js";
import { readJp2 } from "../../src/jp2/read.js";
import type { Palette } from "../../src/jp2/types.js";
import { testFile } from "./helpers.js";

const palette: Palette = {
  entries: 4,
  columns: 3,
  bitDepths: [8, 8, 12],
  signed: [false, false, true],
  values: [Int32Array.of(10, 20, 30, 40), Int32Array.of(1, 2, 3, 4), Int32Array.of(-2048, -1, 0, 2047)],
};

describe("applyPalette (I.5.3.4, I.5.3.5)", () => {
  it("expands indices through the mapped columns, clamping indices outside the palette", () => {
    const idx = Int32Array.of(0, 1, 2, 3, -5, 99);
    const before = idx.slice();
    const r = applyPalette([idx], palette, [
      { component: 0, type: 1, paletteColumn: 2 },
      { component: 0, type: 1, paletteColumn: 0 },
    ]);
    expect(r.expanded).toBe(true);
    expect([...r.planes[0]!]).toEqual([-2048, -1, 0, 2047, -2048, 2047]);
    expect([...r.planes[1]!]).toEqual([10, 20, 30, 40, 10, 40]);
    expect(r.depths).toEqual([
      { bitDepth: 12, signed: true },
      { bitDepth: 8, signed: false },
    ]);
    expect(idx).toEqual(before);
  });

  it("mixes direct and palette channels and carries the component depths of direct ones", () => {
    const c0 = Int32Array.of(3, 2);
    const c1 = Int32Array.of(200, 100);
    const r = applyPalette([c0, c1], palette, [
      { component: 1, type: 0, paletteColumn: 0 },
      { component: 0, type: 1, paletteColumn: 1 },
    ], { componentDepths: [{ bitDepth: 2, signed: false }, { bitDepth: 8, signed: false }] });
    expect(r.planes[0]).toBe(c1); // passed through, not copied
    expect([...r.planes[1]!]).toEqual([4, 3]);
    expect(r.depths).toEqual([
      { bitDepth: 8, signed: false },
      { bitDepth: 8, signed: false },
    ]);
  });

  it("returns the raw indices when asked, or when there is no mapping", () => {
    const c0 = Int32Array.of(1, 2);
    const m = [{ component: 0, type: 1, paletteColumn: 0 }];
    expect(applyPalette([c0], palette, m, { indices: true })).toEqual({ planes: [c0], depths: [undefined], expanded: false });
    expect(applyPalette([c0], undefined, undefined).planes[0]).toBe(c0);
  });

  it("throws CONTAINER_INVALID for a component or column that does not exist", () => {
    const c0 = Int32Array.of(0);
    const cases = [
      () => applyPalette([c0], palette, [{ component: 1, type: 0, paletteColumn: 0 }]),
      () => applyPalette([c0], palette, [{ component: 0, type: 1, paletteColumn: 3 }]),
      () => applyPalette([c0], undefined, [{ component: 0, type: 1, paletteColumn: 0 }]),
    ];
    for (const f of cases) {
      expect(f).toThrow(J2kError);
      try {
        f();
      } catch (e) {
        expect(e).toMatchObject({ code: "CONTAINER_INVALID", stage: "container" });
      }
    }
  });

  it("palettedImage.jp2: indices 0, 1, 2, 3, 254, 255 give the entries read from the file by hand", () => {
    const f = readJp2(testFile("edge_cases/jpylyzer/palettedImage.jp2"));
    const r = applyPalette([Int32Array.of(0, 1, 2, 3, 254, 255)], f.palette, f.componentMapping);
    expect(r.planes.map((p) => [...p])).toEqual([
      [0, 1, 2, 4, 255, 255],
      [0, 1, 2, 3, 254, 255],
      [0, 0, 0, 0, 251, 255],
    ]);
  });

  it("issue235.jp2: the repaired mapping gives three palette channels", () => {
    const f = readJp2(testFile("edge_cases/openjpeg/issue235.jp2"));
    const idx = Int32Array.of(0, 128, 255);
    const r = applyPalette([idx], f.palette, f.componentMapping);
    expect(r.planes).toHaveLength(3);
    for (let c = 0; c < 3; c++) expect([...r.planes[c]!]).toEqual([...idx].map((i) => f.palette!.values[c]![i]!));
  });
});

describe("orderChannels (I.5.3.6)", () => {
  const planes = (n: number): string[] => Array.from({ length: n }, (_, i) => `p${i}`);

  it("file2: colour channels reordered by association (0->3, 1->2, 2->1)", () => {
    const f = readJp2(testFile("conformance/part4_jp2/file2.jp2"));
    const r = orderChannels(planes(3), f.channels, 3);
    expect(r.planes).toEqual(["p2", "p1", "p0"]);
    expect(r.channels.map((c) => [c.source, c.role, c.association])).toEqual([
      [2, "color", 1],
      [1, "color", 2],
      [0, "color", 3],
    ]);
    expect(r.colorChannels).toBe(3);
    expect(r.alpha).toBe(-1);
  });

  it("basn6a08: RGB then opacity for the whole image", () => {
    const f = readJp2(testFile("edge_cases/openjpeg/basn6a08.jp2"));
    const r = orderChannels(planes(4), f.channels, 3);
    expect(r.planes).toEqual(["p0", "p1", "p2", "p3"]);
    expect(r.channels[3]).toEqual({ source: 3, role: "opacity", association: 0 });
    expect(r.alpha).toBe(3);
  });

  it("issue414: per-colour opacity; a channel defined twice takes its first definition", () => {
    const f = readJp2(testFile("edge_cases/openjpeg/issue414.jp2"));
    const r = orderChannels(planes(5), f.channels, 3);
    expect(r.planes).toEqual(["p4", "p2", "p3", "p0", "p1"]);
    expect(r.channels.map((c) => [c.role, c.association])).toEqual([
      ["color", 1],
      ["color", 2],
      ["color", 3],
      ["opacity", 1],
      ["opacity", 3],
    ]);
    expect(r.alpha).toBe(-1);
  });

  it("Marrin: grey with colour association 0, and whole-image opacity", () => {
    const f = readJp2(testFile("edge_cases/openjpeg/Marrin.jp2"));
    const r = orderChannels(planes(2), f.channels, 1);
    expect(r.channels).toEqual([
      { source: 0, role: "color", association: 0 },
      { source: 1, role: "opacity", association: 0 },
    ]);
    expect(r.colorChannels).toBe(1);
    expect(r.alpha).toBe(1);
  });

  it("without cdef: the first channels are colour, the rest unspecified", () => {
    const r = orderChannels(planes(4), undefined, 3);
    expect(r.planes).toEqual(["p0", "p1", "p2", "p3"]);
    expect(r.channels.map((c) => c.role)).toEqual(["color", "color", "color", "unspecified"]);
    expect(r.alpha).toBe(-1);
  });

  it("a premultiplied opacity and an undescribed channel", () => {
    const r = orderChannels(planes(3), [
      { channel: 2, type: 0, association: 1 },
      { channel: 0, type: 2, association: 0 },
    ], 1);
    expect(r.planes).toEqual(["p2", "p0", "p1"]);
    expect(r.channels.map((c) => c.role)).toEqual(["color", "premultiplied-opacity", "unspecified"]);
    expect(r.alpha).toBe(1);
  });

  it("rejects a definition of a channel that does not exist", () => {
    expect(() => orderChannels(planes(2), [{ channel: 2, type: 0, association: 1 }], 1)).toThrow(/describes channel 2, but the image has 2 channels/);
  });
});

describe("colorChannelsOf", () => {
  it("from enumerated colour spaces and ICC headers", () => {
    const cs = (rel: string) => colorChannelsOf(readJp2(testFile(rel)).colorSpace);
    expect(cs("conformance/part4_jp2/file1.jp2")).toBe(3); // sRGB
    expect(cs("conformance/part4_jp2/file4.jp2")).toBe(1); // greyscale
    expect(cs("edge_cases/openjpeg/issue205.jp2")).toBe(4); // CMYK
    expect(cs("conformance/part4_jp2/file5.jp2")).toBe(3); // RGB ICC
    expect(cs("conformance/part4_jp2/file8.jp2")).toBe(1); // GRAY ICC
    expect(cs("edge_cases/openjpeg/issue211.jp2")).toBeUndefined(); // METH 4
    expect(colorChannelsOf(undefined)).toBeUndefined();
  });
});
