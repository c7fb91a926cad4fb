/**
 * transcodeBlockCoder on lossless input (src/transcode_block_coder.ts; coefficient-level by default,
 * test/transcode/coefficients.test.ts has the conformance streams and lossy input): the benchcorpus
 * images, encoded losslessly by j2kit (plain, and with tiles, precincts, RPCL, SOP/EPH, TLM, PLT and
 * tile-parts), to HT (decoded also by ojph_expand where it writes PNM) and back (images up to 2 MP),
 * bit-exact; JP2 ↔ JPH
 * files; layers and bad input.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decode, encode, isJ2kError, readHeader, transcodeBlockCoder } from "../../src/index.js";
import type { HeaderInfo, J2kImage } from "../../src/types.js";
import { interleaveImage, readPnm, readRaw } from "../helpers/images.js";
import { BENCHCORPUS, TESTDATA, readTestdata } from "../helpers/paths.js";
import { has } from "../helpers/tools.js";
import { ojphExpand } from "../ht/helpers.js";
import { readFileSync } from "node:fs";

const OJPH = has("ojph_expand");

function sameSamples(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The coding structure the transcoder promises to keep. */
function structure(h: HeaderInfo) {
  return {
    size: [h.x0, h.y0, h.width, h.height],
    tiles: [h.tileX0, h.tileY0, h.tileWidth, h.tileHeight],
    components: h.componentInfo.map((c) => [c.width, c.height, c.dx, c.dy, c.bitDepth, c.signed]),
    codeBlock: [h.codeBlockWidth, h.codeBlockHeight],
    progression: h.progression,
    mct: h.mct,
    precincts: h.precincts,
    sop: h.sop,
    eph: h.eph,
    reversible: h.reversible,
  };
}


interface CorpusImage {
  name: string;
  image: () => J2kImage;
}

const CORPUS: CorpusImage[] = [
  ...["kodim03.ppm", "kodim04.ppm", "kodim07.ppm", "kodim08.ppm", "saw_2725x2225.ppm", "ct_693_512x512_14bit.pgm", "dx_chest_966_2000x2128_12bit.pgm"].map((name) => ({
    name,
    image: () => interleaveImage(readPnm(new Uint8Array(readFileSync(join(BENCHCORPUS, name))))) as J2kImage,
  })),
  {
    name: "ct_693_512x512_s16le.raw (signed)",
    image: () =>
      interleaveImage(
        readRaw(new Uint8Array(readFileSync(join(BENCHCORPUS, "ct_693_512x512_s16le.raw"))), { width: 512, height: 512, components: 1, bytesPerSample: 2, bitDepth: 16, signed: true }),
      ) as J2kImage,
  },
];

describe("benchcorpus: j2kit lossless Part 1 → HT → Part 1 gives the original image back", () => {
  for (const c of CORPUS) {
    it(`${c.name}`, async () => {
      const img = c.image();
      const part1 = encode(img, { lossless: true });
      const ht = await transcodeBlockCoder(part1, { to: "ht" });
      expect(ht.warnings).toEqual([]);
      expect(ht.method).toBe("coefficients");
      expect(readHeader(ht.data).blockCoder).toBe("ht");
      expect(structure(readHeader(ht.data))).toEqual(structure(readHeader(part1)));
      expect(sameSamples(decode(ht.data).data, img.data)).toBe(true);
      if (OJPH && !img.signed && (img.components === 1 || img.components === 3)) {
        const planes = ojphExpand(ht.data, img.components === 1 ? "pgm" : "ppm", [{ width: img.width, height: img.height }]);
        const n = img.width * img.height;
        for (let k = 0; k < img.components; k++) {
          let same = true;
          for (let i = 0; i < n && same; i++) same = planes[k]!.data[i] === img.data[i * img.components + k];
          expect(same, `ojph_expand component ${k}`).toBe(true);
        }
      }
      // the way back (EBCOT coding of every block) on the smaller images: seconds, not minutes
      if (img.width * img.height > 2_000_000) return;
      const back = await transcodeBlockCoder(ht.data, { to: "part1" });
      expect(readHeader(back.data).blockCoder).toBe("part1");
      expect(sameSamples(decode(back.data).data, img.data)).toBe(true);
    });
  }

  it("kodim08 with tiles, precincts, RPCL, SOP/EPH, TLM, PLT and tile-parts by resolution: structure kept", async () => {
    const img = CORPUS[3]!.image();
    const part1 = encode(img, {
      lossless: true,
      tile: { width: 256, height: 200 },
      precincts: [[128, 128], [64, 64]],
      progression: "RPCL",
      sop: true,
      eph: true,
      tlm: true,
      plt: true,
      tileParts: "R",
      levels: 4,
      codeBlock: [32, 32],
    });
    const ht = await transcodeBlockCoder(part1, { to: "ht" });
    expect(ht.warnings).toEqual([]);
    const hIn = readHeader(part1);
    const hOut = readHeader(ht.data);
    expect(structure(hOut)).toEqual(structure(hIn));
    expect(hOut.levels).toBe(4);
    expect(hOut.tilesX * hOut.tilesY).toBe(hIn.tilesX * hIn.tilesY);
    expect(sameSamples(decode(ht.data).data, img.data)).toBe(true);
    const back = await transcodeBlockCoder(ht.data, { to: "part1" });
    expect(structure(readHeader(back.data))).toEqual(structure(hIn));
    expect(sameSamples(decode(back.data).data, img.data)).toBe(true);
  });
});

describe("JP2 / JPH files and refusals", () => {
  it("conformance/part4_jp2: every JP2 file becomes JPH with the same boxes and decodes to the same samples (JPX refused)", async () => {
    const dir = "conformance/part4_jp2";
    const done: string[] = [];
    for (const f of readdirSync(join(TESTDATA, dir)).filter((x) => x.endsWith(".jp2")).sort()) {
      const input = readTestdata(`${dir}/${f}`);
      const hIn = readHeader(input);
      let r;
      try {
        r = await transcodeBlockCoder(input, { to: "ht" });
      } catch (e) {
        expect(isJ2kError(e, "UNSUPPORTED"), `${f}: ${String(e)}`).toBe(true);
        expect(hIn.format, f).toBe("jpx");
        continue;
      }
      const h = readHeader(r.data);
      expect([h.blockCoder, h.jp2!.brand], f).toEqual(["ht", "jph "]);
      expect(h.jp2!.boxes.map((b) => b.type), f).toEqual(hIn.jp2!.boxes.map((b) => b.type));
      expect(sameSamples(decode(r.data).data, decode(input).data), f).toBe(true);
      done.push(f);
    }
    expect(done.length).toBeGreaterThanOrEqual(5);
  });


  it("a JP2 file becomes a JPH file (brand 'jph ', the other boxes kept) and back", async () => {
    const img = CORPUS[0]!.image();
    const jp2 = encode(img, { lossless: true, format: "jp2" });
    const hIn = readHeader(jp2);
    expect(hIn.jp2!.brand).toBe("jp2 ");
    const jph = await transcodeBlockCoder(jp2, { to: "ht" });
    const h = readHeader(jph.data);
    expect(h.blockCoder).toBe("ht");
    expect(h.jp2!.brand).toBe("jph ");
    expect(h.jp2!.compatibility).toContain("jph ");
    expect(h.jp2!.boxes.map((b) => b.type)).toEqual(hIn.jp2!.boxes.map((b) => b.type));
    expect(h.jp2!.colorSpace).toEqual(hIn.jp2!.colorSpace);
    expect(sameSamples(decode(jph.data).data, img.data)).toBe(true);
    const back = await transcodeBlockCoder(jph.data, { to: "part1" });
    const hb = readHeader(back.data);
    expect([hb.jp2!.brand, hb.blockCoder]).toEqual(["jp2 ", "part1"]);
    expect(hb.jp2!.compatibility).toContain("jp2 ");
    expect(sameSamples(decode(back.data).data, img.data)).toBe(true);
  });

  it("irreversible input is transcoded at the coefficient level; bad options and non-JPEG 2000 bytes are typed errors", async () => {
    const img = CORPUS[0]!.image();
    const lossy = encode(img, { ratios: [20] });
    const r = await transcodeBlockCoder(lossy, { to: "ht" });
    expect(r.method).toBe("coefficients");
    expect(sameSamples(decode(r.data).data, decode(lossy).data)).toBe(true);
    const e2 = await transcodeBlockCoder(encode(img), { to: "jpeg" as "ht" }).catch((e: unknown) => e);
    expect(isJ2kError(e2, "INVALID_ARGUMENT")).toBe(true);
    const e3 = await transcodeBlockCoder(new Uint8Array(100), { to: "ht" }).catch((e: unknown) => e);
    expect(isJ2kError(e3)).toBe(true);
    expect((e3 as { code: string }).code).not.toBe("INTERNAL");
  });

  it("quality layers become one layer, with a warning", async () => {
    const img = CORPUS[0]!.image();
    const layered = encode(img, { ratios: [40, 10, 1] });
    expect(readHeader(layered).layers).toBe(3);
    const ht = await transcodeBlockCoder(layered, { to: "ht" });
    expect(readHeader(ht.data).layers).toBe(1);
    expect(ht.warnings.join("\n")).toMatch(/3 quality layers; the output has one layer/);
    expect(sameSamples(decode(ht.data).data, img.data)).toBe(true);
  });
});
