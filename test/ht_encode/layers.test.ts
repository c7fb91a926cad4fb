/**
 * HT quality layers (codec/rate/ht_layers.ts): an HT set is not embedded, so a block whose last
 * layer sends a finer set than its first carries both. Every layer of a layered encode must stay
 * within a bound of a single-layer encode of the same size, every layer within 97–100 % of its budget
 * with PSNR rising; Ccap15 bit 13 (more than one HT set per code-block) is set exactly when some
 * block sends two sets; the first layer decodes with ojph_expand (and, with one set per block,
 * opj_decompress -l 1) as with ours.
 *
 * Bounds come from bench/ht_layers.mjs (Kodak, CT, DX at 40/20/10 and 80/40/20/10): the last
 * layer was 1.2–9.9 dB under the single-layer encode with every layer free to pick its own set
 * (kodim03 40/20/10: −3.53 dB); with the joint choice and the default balance between the layers
 * (ht_layers.ts) Kodak's layers are 0.2–1.9 dB under, the CT's 2.0–6.2 dB.
 * @module
 */
import { describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import { decode, encodeDetailed, psnr, readHeader } from "../../src/index.js";
import { readPnm } from "../../src/io/pnm.js";
import { callCore } from "../../src/wasm/load.js";
import type { EncodeOptions, J2kImage } from "../../src/types.js";
import { BENCHCORPUS } from "../helpers/paths.js";
import { has } from "../helpers/tools.js";

const KODIM03 = resolve(BENCHCORPUS, "kodim03.ppm");
const CT = resolve(BENCHCORPUS, "ct_693_512x512_14bit.pgm");

function load(path: string): J2kImage {
  return readPnm(new Uint8Array(readFileSync(path)));
}

function budget(image: J2kImage, ratio: number): number {
  return (image.width * image.height * image.components * image.bitDepth) / 8 / ratio;
}

function psnrOf(image: J2kImage, bytes: Uint8Array, layers?: number): number {
  return psnr(image.data, decode(bytes, layers === undefined ? {} : { layers }).data, image.bitDepth);
}

/** Encode with a fixed earlier-layer weight (0: every block one set) instead of the default search. */
function encodeWithWeight(image: J2kImage, options: EncodeOptions, omega: number): ReturnType<typeof encodeDetailed> {
  callCore((c) => c.encoderSetHtLayerWeight(omega));
  try {
    return encodeDetailed(image, options);
  } finally {
    callCore((c) => c.encoderSetHtLayerWeight(-1));
  }
}

/** Every layer within 97-100 % of its budget, PSNR rising; returns the per-layer PSNRs. */
function checkLayers(image: J2kImage, r: ReturnType<typeof encodeDetailed>, ratios: number[]): number[] {
  const out: number[] = [];
  ratios.forEach((ratio, l) => {
    const b = budget(image, ratio);
    expect(r.layerBytes[l]!, `layer ${l + 1} bytes`).toBeLessThanOrEqual(b);
    expect(r.layerBytes[l]!, `layer ${l + 1} bytes`).toBeGreaterThanOrEqual(0.97 * b);
    const q = psnrOf(image, r.data, l + 1);
    if (l > 0) expect(q, `layer ${l + 1} PSNR`).toBeGreaterThan(out[l - 1]! + 0.5);
    out.push(q);
  });
  return out;
}

/** PSNR of a single-layer HT encode at each ratio (what each layer is compared with). */
function singles(image: J2kImage, ratios: number[]): number[] {
  return ratios.map((ratio) => psnrOf(image, encodeDetailed(image, { ht: true, ratios: [ratio] }).data));
}

describe("HT quality layers: every layer against a single-layer encode of its size", () => {
  const kodim = load(KODIM03);
  const ct = load(CT);

  // default balance (ht_layers.ts LAST_LAYER_FACTOR): bench/ht_layers.mjs kodim03 40/20/10
  // −1.30 / −0.91 / −0.85 dB; before the slopes were solved for all layers together (the model's
  // first layer 1.6 times over its budget, cut by the exact layers) −4.54 / −2.55 / −0.17
  test("kodim03 40/20/10: earlier layers within 2 dB, the last within 1.2 dB, layers 97-100 %, PSNR rising", () => {
    const ratios = [40, 20, 10];
    const r = encodeDetailed(kodim, { ht: true, ratios });
    const q = checkLayers(kodim, r, ratios);
    const s = singles(kodim, ratios);
    expect(q[0]!, "layer 1").toBeGreaterThan(s[0]! - 2);
    expect(q[1]!, "layer 2").toBeGreaterThan(s[1]! - 2);
    expect(q[2]!, "layer 3").toBeGreaterThan(s[2]! - 1.2);
    // every layer count decodes like the stream cut after that layer
    const cut = decode(r.data.subarray(0, r.layerBytes[0]!), { allowPartial: true });
    expect(psnr(kodim.data, cut.data, 8)).toBeCloseTo(q[0]!, 6);
  });

  // bench/ht_layers.mjs: −1.99 / −2.06 / −6.23 / −3.72 dB (before: −11.42 / −15.15 / −21.85 / −0.22)
  test("14-bit CT 80/40/20/10: every layer within 9 dB, the last within 6 dB, layers 97-100 %, PSNR rising", () => {
    const ratios = [80, 40, 20, 10];
    const r = encodeDetailed(ct, { ht: true, ratios });
    const q = checkLayers(ct, r, ratios);
    const s = singles(ct, ratios);
    ratios.forEach((_, l) => expect(q[l]!, `layer ${l + 1}`).toBeGreaterThan(s[l]! - 9));
    expect(q[3]!, "layer 4").toBeGreaterThan(s[3]! - 6);
  });

  // The earlier layers' weight must reach them: with omega 4 (earlier layers weigh 4 times the
  // last, in dB) layer 1 is near a single-layer encode of its size (kodim03 −0.38 dB, CT −0.51 dB
  // with bench/ht_layers.mjs). It stayed 4.5 dB (kodim03) and 15 dB (CT) under whatever the
  // weight while the slopes were set layer after layer in two rounds only.
  test("a weight favouring the earlier layers brings layer 1 near a single-layer encode of its size (kodim03, CT at 40/20/10)", () => {
    const ratios = [40, 20, 10];
    for (const [name, image, bound] of [["kodim03", kodim, 1], ["ct", ct, 2]] as const) {
      const r = encodeWithWeight(image, { ht: true, ratios }, 4);
      const q = checkLayers(image, r, ratios);
      const s = singles(image, [40]);
      expect(q[0]!, name).toBeGreaterThan(s[0]! - bound);
    }
  });

  // PSNR target lists go through PCRD (rate_control.ts): ht_layers.ts failed the host's check on
  // kodim03 and kodim08 at psnr 30/36/42 ("cannot be reached"), which this test catches
  test("psnr targets [30, 36, 42] and [32, 38, 44] on kodim03 and kodim08: every layer met (within 0.2 dB)", () => {
    const kodim08 = load(resolve(BENCHCORPUS, "kodim08.ppm"));
    for (const [name, image] of [["kodim03", kodim], ["kodim08", kodim08]] as const) {
      for (const targets of [[30, 36, 42], [32, 38, 44]]) {
        const r = encodeDetailed(image, { ht: true, psnr: targets });
        const q = targets.map((_, l) => psnrOf(image, r.data, l + 1));
        targets.forEach((t, l) => expect(q[l]!, `${name} ${targets.join("/")} layer ${l + 1}`).toBeGreaterThanOrEqual(t - 0.2));
      }
    }
  });
});

describe("HT quality layers: HT sets per code-block and other decoders", () => {
  const kodim = load(KODIM03);

  test("Ccap15 bit 13 is set when a block sends two sets, clear when every block sends one (weight 0)", () => {
    const ratios = [40, 20, 10];
    const multi = encodeDetailed(kodim, { ht: true, ratios });
    const one = encodeWithWeight(kodim, { ht: true, ratios }, 0);
    expect(readHeader(multi.data).htCapabilities?.multipleHtSets).toBe(true);
    expect(readHeader(one.data).htCapabilities?.multipleHtSets).toBe(false);
    // with one set per block nothing is sent twice: the last layer is the single-layer encode's
    // quality (within 0.1 dB), the first layer pays for it
    checkLayers(kodim, one, ratios);
    const single = psnrOf(kodim, encodeDetailed(kodim, { ht: true, ratios: [10] }).data);
    expect(psnrOf(kodim, one.data)).toBeGreaterThan(single - 0.1);
  });

  // (OpenJPEG 2.5 decodes an HT block's cleanup only when its SigProp/MagRef passes come in later
  // layers: it refuses the conformance streams ds0_ht_04_b11 and ds0_ht_05_b11 likewise; even with
  // -l 1 it reads the later layers' packet headers, and with two HT sets in a block it misreads
  // their lengths ("segment too long"), so it is given the one-set stream only. OpenJPH decodes the
  // first layer of either; Grok 10 fails on every layered HT stream with SigProp/MagRef in a later
  // layer, ours before this allocation too)
  test.skipIf(!has("opj_decompress"))("opj_decompress -l 1 decodes the first layer of a one-set-per-block stream as ours does (needs libopenjp2-tools)", () => {
    const ratios = [40, 20, 10];
    const dir = mkdtempSync(join(tmpdir(), "j2kit-htl-"));
    try {
      const r = encodeWithWeight(kodim, { ht: true, ratios }, 0);
      writeFileSync(join(dir, "in.j2c"), r.data);
      const out = join(dir, "o1.ppm");
      const p = spawnSync("opj_decompress", ["-i", join(dir, "in.j2c"), "-o", out, "-l", "1"], { encoding: "utf8", timeout: 60_000 });
      expect(p.status, `opj_decompress -l 1: ${p.stderr}`).toBe(0);
      const theirs = psnr(kodim.data, readPnm(new Uint8Array(readFileSync(out))).data, 8);
      expect(Math.abs(theirs - psnrOf(kodim, r.data, 1))).toBeLessThan(0.05);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.skipIf(!has("ojph_expand"))("ojph_expand decodes the first layer as ours does, with one or two sets per block (needs openjph-tools)", () => {
    const ratios = [40, 20, 10];
    const dir = mkdtempSync(join(tmpdir(), "j2kit-htl-"));
    try {
      for (const [name, r] of [["two sets", encodeDetailed(kodim, { ht: true, ratios })], ["one set", encodeWithWeight(kodim, { ht: true, ratios }, 0)]] as const) {
        writeFileSync(join(dir, "in.j2c"), r.data);
        const out = join(dir, "o1.ppm");
        const p = spawnSync("ojph_expand", ["-i", join(dir, "in.j2c"), "-o", out], { encoding: "utf8", timeout: 60_000 });
        expect(p.status, `${name}: ojph_expand: ${p.stderr}`).toBe(0);
        // (the 9/7 inverse rounds differently: PSNRs, not samples)
        const theirs = psnr(kodim.data, readPnm(new Uint8Array(readFileSync(out))).data, 8);
        expect(Math.abs(theirs - psnrOf(kodim, r.data, 1)), name).toBeLessThan(0.05);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a lossless last layer", () => {
  // ratio 1 (no target) for the last layer: every block must send its full set, so the whole
  // stream decodes to the source exactly (a layered allocator that stopped at a coarser set broke
  // the DICOM .203 "final ratio 1" case)
  test("HT ratios [40, 10, 1] and [20, 1]: all layers decode bit-exactly to the source", () => {
    const image = load(KODIM03);
    for (const ratios of [[40, 10, 1], [20, 1]]) {
      const bytes = encodeDetailed(image, { ht: true, ratios }).data;
      const got = decode(bytes).data;
      expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength)), `ratios ${ratios.join("/")}`).toBe(true);
      // and the earlier layers are lossy, not empty
      const first = psnrOf(image, bytes, 1);
      expect(first, `ratios ${ratios.join("/")} layer 1`).toBeGreaterThan(25);
      expect(first).toBeLessThan(Infinity);
    }
  });
});
