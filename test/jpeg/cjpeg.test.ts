// The encoder against libjpeg-turbo's cjpeg: identical files for the same settings (quality,
// sampling, restart interval, optimised tables), the quantisation tables of quality 92, the
// sampling chosen by "auto", and PSNR / size on the benchmark corpus.
import { describe, expect, test } from "vitest";
import { resolve } from "node:path";
import { encodeJpeg } from "../../src/index.js";
import { BENCHCORPUS } from "../helpers/paths.js";
import { asImage, cjpeg, djpeg, frameOf, has, psnr, quantTables, readPnm, synthetic, type Pixels } from "./helpers.js";

const HAS = has("cjpeg") && has("djpeg");
const SAMPLE = { "444": "1x1", "422": "2x1", "420": "2x2" } as const;

function crop(p: Pixels, x: number, y: number, w: number, h: number): Pixels {
  const data = new Uint8Array(w * h * p.components);
  for (let r = 0; r < h; r++) {
    data.set(p.data.subarray(((y + r) * p.width + x) * p.components, ((y + r) * p.width + x + w) * p.components), r * w * p.components);
  }
  return { width: w, height: h, components: p.components, data };
}

function grey(p: Pixels): Pixels {
  const data = new Uint8Array(p.width * p.height);
  for (let i = 0; i < data.length; i++) data[i] = p.data[i * 3 + 1]!;
  return { width: p.width, height: p.height, components: 1, data };
}

describe.skipIf(!HAS)("JPEG encoder equals cjpeg (needs cjpeg/djpeg from libjpeg-turbo-progs)", () => {
  const kodim = readPnm(resolve(BENCHCORPUS, "kodim04.ppm"));
  const images: Array<[string, Pixels]> = [
    ["1x1", crop(kodim, 100, 100, 1, 1)],
    ["17x9", crop(kodim, 3, 5, 17, 9)],
    ["33x31", crop(kodim, 200, 7, 33, 31)],
    ["131x67", crop(kodim, 1, 2, 131, 67)],
    ["9x130", crop(kodim, 300, 40, 9, 130)],
    ["synthetic 70x45", synthetic(70, 45, 3, 7)],
  ];

  for (const [name, img] of images) {
    for (const sub of ["444", "422", "420"] as const) {
      test(`${name} RGB ${sub}: qualities 1, 25, 50, 75, 92, 100 byte-identical`, () => {
        for (const q of [1, 25, 50, 75, 92, 100]) {
          const ours = encodeJpeg(asImage(img), { quality: q, subsampling: sub });
          const ref = cjpeg(img, ["-quality", String(q), "-sample", SAMPLE[sub], "-baseline", "-dct", "int"]);
          expect(Buffer.from(ours).equals(Buffer.from(ref)), `q${q}`).toBe(true);
        }
      });
    }
    test(`${name} grey: qualities 1, 50, 92, 100 byte-identical`, () => {
      const g = grey(img);
      for (const q of [1, 50, 92, 100]) {
        const ours = encodeJpeg(asImage(g), { quality: q });
        const ref = cjpeg(g, ["-quality", String(q), "-baseline", "-dct", "int", "-sample", "1x1"]);
        expect(Buffer.from(ours).equals(Buffer.from(ref)), `q${q}`).toBe(true);
      }
    });
  }

  test("restart intervals and optimised Huffman tables byte-identical (cjpeg -restart NB, -optimize)", () => {
    const cases: Array<[Pixels, "444" | "420", number, boolean]> = [
      [crop(kodim, 1, 2, 131, 67), "420", 1, false],
      [crop(kodim, 1, 2, 131, 67), "420", 3, true],
      [crop(kodim, 10, 20, 77, 41), "444", 5, false],
      [crop(kodim, 10, 20, 77, 41), "444", 0, true],
      [grey(crop(kodim, 10, 20, 77, 41)), "444", 7, true],
      [crop(kodim, 0, 0, 1, 1), "420", 0, true],
      [kodim, "420", 0, true],
    ];
    for (const [img, sub, ri, opt] of cases) {
      const ours = encodeJpeg(asImage(img), { quality: 80, subsampling: sub, restartInterval: ri, optimizeHuffman: opt });
      const args = ["-quality", "80", "-baseline", "-dct", "int", "-sample", img.components === 1 ? "1x1" : SAMPLE[sub]];
      if (ri > 0) args.push("-restart", `${ri}B`);
      if (opt) args.push("-optimize");
      expect(Buffer.from(ours).equals(Buffer.from(cjpeg(img, args))), `${img.width}x${img.height} ${sub} ri=${ri} opt=${opt}`).toBe(true);
    }
  });

  test("quality 92: DQT tables equal cjpeg -quality 92's and every component is sampled 1x1 (auto)", () => {
    const img = crop(kodim, 0, 0, 64, 48);
    const ours = encodeJpeg(asImage(img), { quality: 92 });
    const ref = cjpeg(img, ["-quality", "92"]);
    const q = quantTables(ours);
    expect([...q.keys()].sort()).toEqual([0, 1]);
    expect(q).toEqual(quantTables(ref));
    expect(q.get(0)![0]).toBe(3); // K.1's 16 at scale 16 % → (16*16+50)/100 = 3
    const f = frameOf(ours);
    expect(f.marker).toBe(0xc0);
    expect(f.comps.map((c) => [c[1], c[2]])).toEqual([[1, 1], [1, 1], [1, 1]]);
  });

  test("quality 75 with auto subsampling: luminance 2x2, chrominance 1x1 (4:2:0); 89 → 4:2:0, 90 → 4:4:4", () => {
    const img = synthetic(40, 24, 3, 3);
    expect(frameOf(encodeJpeg(asImage(img), { quality: 75, subsampling: "auto" })).comps.map((c) => [c[1], c[2]])).toEqual([[2, 2], [1, 1], [1, 1]]);
    expect(frameOf(encodeJpeg(asImage(img), { quality: 89 })).comps[0]!.slice(1, 3)).toEqual([2, 2]);
    expect(frameOf(encodeJpeg(asImage(img), { quality: 90 })).comps[0]!.slice(1, 3)).toEqual([1, 1]);
  });

  test("PSNR within 0.1 dB of cjpeg -quality 92 -sample 1x1 -baseline and size within 2 % (kodim03/04/07/08, saw)", () => {
    const rows: string[] = ["| image | ours bytes | cjpeg bytes | size Δ | ours PSNR | cjpeg PSNR | Δ dB |", "|---|---|---|---|---|---|---|"];
    for (const f of ["kodim03.ppm", "kodim04.ppm", "kodim07.ppm", "kodim08.ppm", "saw_2725x2225.ppm"]) {
      const img = readPnm(resolve(BENCHCORPUS, f));
      const ours = encodeJpeg(asImage(img), { quality: 92, subsampling: "444" });
      const ref = cjpeg(img, ["-quality", "92", "-sample", "1x1", "-baseline"]);
      const pOurs = psnr(img.data, djpeg(ours).data);
      const pRef = psnr(img.data, djpeg(ref).data);
      const dSize = (ours.length - ref.length) / ref.length;
      rows.push(`| ${f} | ${ours.length} | ${ref.length} | ${(dSize * 100).toFixed(2)} % | ${pOurs.toFixed(3)} | ${pRef.toFixed(3)} | ${(pOurs - pRef).toFixed(3)} |`);
      expect(Math.abs(pOurs - pRef), f).toBeLessThanOrEqual(0.1);
      expect(Math.abs(dSize), f).toBeLessThanOrEqual(0.02);
      expect(pOurs, f).toBeGreaterThan(30);
    }
    console.log(rows.join("\n"));
  });
});
