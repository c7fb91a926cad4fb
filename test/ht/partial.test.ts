/**
 * Partial decoding of HT streams: regions and component subsets equal crops of the full decode,
 * reduced resolutions agree with opj_decompress -r (reversible, exact), quality layers add up
 * (PSNR never falls, all layers = full decode), and truncated data with allowPartial keeps what it
 * fully has: cut at a layer boundary, an LRCP stream decodes exactly as `layers: k`.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { decode, J2kError } from "../../src/index.js";
import { compareComponent, planeOf, psnr } from "../helpers/images.js";
import { testdataPath } from "../helpers/paths.js";
import { nativeDecode } from "../helpers/peers.js";
import { decodeBoth, has, planesOf } from "./helpers.js";

const read = (p: string) => new Uint8Array(readFileSync(testdataPath(p)));
const CT1 = "htj2k/medical/CT1.j2c";

function crop(data: ArrayLike<number>, width: number, x0: number, y0: number, w: number, h: number): Int32Array {
  const out = new Int32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = data[(y0 + y) * width + x0 + x]!;
  return out;
}

describe("regions and component subsets equal crops of the full decode", () => {
  for (const [file, regions] of [
    [CT1, [[0, 0, 64, 64], [100, 37, 211, 190], [448, 500, 512, 512]]],
    ["htj2k/conformance/ds0_ht_05_b11.j2k", [[13, 7, 300, 200], [500, 600, 1024, 1024]]],
    ["htj2k/conformance/ds1_ht_05_b11.j2k", [[0, 0, 1, 1], [77, 11, 600, 333]]],
    ["htj2k/simple_dec_rev53_64x64_tiles_yuv.jph", [[31, 17, 290, 201]]],
  ] as Array<[string, Array<[number, number, number, number]>]>) {
    test(file, () => {
      const bytes = read(file);
      const full = decode(bytes, { layout: "components" });
      for (const [x0, y0, x1, y1] of regions) {
        const part = decodeBoth(bytes, { region: { x: x0, y: y0, width: Math.min(x1, full.width) - x0, height: Math.min(y1, full.height) - y0 } });
        full.componentInfo.forEach((info, c) => {
          // component bounds of the region (B-1 with XOsiz = 0 in these files)
          const cx0 = Math.ceil(x0 / info.dx), cy0 = Math.ceil(y0 / info.dy);
          const cx1 = Math.ceil(Math.min(x1, full.width) / info.dx), cy1 = Math.ceil(Math.min(y1, full.height) / info.dy);
          const want = crop(full.componentData![c]!, info.width, cx0, cy0, cx1 - cx0, cy1 - cy0);
          expect(Array.from(part.componentData![c]!), `component ${c}, region ${[x0, y0, x1, y1]}`).toEqual(Array.from(want));
        });
      }
      const one = decodeBoth(bytes, { components: [full.components - 1] });
      expect(Array.from(one.componentData![0]!)).toEqual(Array.from(full.componentData![full.components - 1]!));
    });
  }
});

describe.skipIf(!has("opj_decompress"))("reduced resolutions agree with opj_decompress -r (needs libopenjp2-tools)", () => {
  for (const file of [CT1, "htj2k/medical/MR2.j2c", "htj2k/simple_enc_rev53_tall_narrow1.j2c"]) {
    test(file, () => {
      const bytes = read(file);
      for (const reduce of [1, 2, 3]) {
        const ours = planesOf(decodeBoth(bytes, { reduce }));
        const ref = nativeDecode(bytes, { reduce }).planes;
        ref.forEach((p, c) => expect(compareComponent(p, ours[c]!), `reduce ${reduce}, component ${c}`).toEqual({ peak: 0, mse: 0 }));
      }
    });
  }
});

describe("quality layers", () => {
  for (const file of ["htj2k/conformance/ds0_ht_04_b11.j2k", "htj2k/conformance/ds0_ht_08_b11.j2k", "htj2k/conformance/ds1_ht_02_b11.j2k"]) {
    // The 9/7 synthesis is not orthogonal: while some sub-bands are still missing, adding exact
    // coefficients of another may raise the pixel error a little (ds0_ht_04/ds1_ht_02 carry nothing
    // in their first 17/16 layers, then whole HT sets), hence a 0.2 dB allowance for 9/7 streams.
    test(`${file}: PSNR against the full decode never falls as layers are added`, () => {
      const bytes = read(file);
      const full = decode(bytes, { layout: "components" });
      const info = full.componentInfo[0]!;
      const peak = 2 ** info.bitDepth - 1;
      const total = readLayers(bytes);
      let last = -Infinity;
      // about eight layer counts per stream (keeps the suite short), always including the last
      const step = Math.max(1, Math.floor(total / 8));
      const counts = [...Array.from({ length: Math.ceil(total / step) }, (_, i) => 1 + i * step).filter((k) => k < total), total];
      for (const k of counts) {
        const img = decode(bytes, { layout: "components", layers: k });
        const e = compareComponent(planeOf(full.componentData![0]!, info.width, info.height), planeOf(img.componentData![0]!, info.width, info.height));
        const q = psnr(e.mse, peak);
        expect(q, `layer ${k}`).toBeGreaterThanOrEqual(last - (readReversible(bytes) ? 1e-9 : 0.2));
        last = q;
        if (k === total) expect(e).toEqual({ peak: 0, mse: 0 });
      }
    });
  }
});

/** Wavelet of the COD (SPcod transform byte: 1 = 5/3), read independently of the library. */
function readReversible(cs: Uint8Array): boolean {
  for (let i = 0; i + 13 < cs.length; i++) if (cs[i] === 0xff && cs[i + 1] === 0x52) return cs[i + 13] === 1;
  throw new Error("no COD");
}

/** Number of quality layers (COD SGcod), read independently of the library. */
function readLayers(cs: Uint8Array): number {
  for (let i = 0; i + 9 < cs.length; i++) if (cs[i] === 0xff && cs[i + 1] === 0x52) return (cs[i + 6]! << 8) | cs[i + 7]!;
  throw new Error("no COD");
}

describe("truncated HT data with allowPartial keeps what it fully has", () => {
  // ds0_ht_02_b11: LRCP, 6 layers, one tile, an SOP marker segment in front of every packet
  const file = "htj2k/conformance/ds0_ht_02_b11.j2k";
  const bytes = read(file);
  const sops: number[] = [];
  for (let i = 0; i + 5 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === 0x91 && bytes[i + 2] === 0 && bytes[i + 3] === 4) sops.push(i);
  const layers = readLayers(bytes);

  test("the packets divide evenly into the layers", () => {
    expect(sops.length % layers).toBe(0);
    expect(sops.length).toBeGreaterThan(layers);
  });

  test("cut at the first packet of layer k+1 = decoded with layers: k", () => {
    const perLayer = sops.length / layers;
    for (let k = 1; k < layers; k++) {
      const cut = bytes.slice(0, sops[k * perLayer]!);
      expect(() => decode(cut), "without allowPartial the cut is an error").toThrow(J2kError);
      const part = decodeBoth(cut, { allowPartial: true });
      expect(part.partial).toBe(true);
      const want = decode(bytes, { layout: "components", layers: k });
      expect(Array.from(part.componentData![0]!), `layer ${k}`).toEqual(Array.from(want.componentData![0]!));
    }
  });

  test("every cut position decodes (or fails with a typed error) and never beats the full image", () => {
    const full = decode(bytes, { layout: "components" });
    const info = full.componentInfo[0]!;
    const start = sops[0]!;
    for (let cut = start; cut < bytes.length; cut += 97) {
      try {
        const img = decode(bytes.slice(0, cut), { layout: "components", allowPartial: true });
        expect(img.partial).toBe(true);
        expect(img.componentData![0]!.length).toBe(info.width * info.height);
      } catch (e) {
        expect(e).toBeInstanceOf(J2kError);
        expect((e as J2kError).code).not.toBe("INTERNAL");
      }
    }
  });
});
