// Alpha through the CLI (issue 13, item 5): a PNG with alpha becomes a JP2 whose cdef box marks the
// last channel as opacity (I.5.3.6), `--alpha` chooses straight / premultiplied / none, and a
// premultiplied JP2 decoded to PNG is converted to PNG's straight alpha. The cdef box is read with
// the tests' own box walker and, where installed, by jpylyzer (an independent JP2 validator).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writePng } from "../../src/io/png.js";
import { jp2Summary } from "../helpers/jp2_boxes.js";
import { REPO_ROOT } from "../helpers/paths.js";
import { has } from "../helpers/tools.js";
import { decodePngIndependently } from "../io/independent_png.js";

const tmp = mkdtempSync(join(tmpdir(), "j2kit-alpha-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const at = (name: string): string => join(tmp, name);

interface Run { status: number | null; stdout: string; stderr: string }
function j2kit(...args: string[]): Run {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/j2kit.js"), ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A W×H image with `components` channels whose last one varies from transparent to opaque. */
function withAlpha(width: number, height: number, components: 2 | 4) {
  const data = new Uint8Array(width * height * components);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * components;
      for (let c = 0; c < components - 1; c++) data[o + c] = (x * 7 + y * 3 + c * 50) & 0xff;
      data[o + components - 1] = Math.round((255 * x) / (width - 1));
    }
  }
  return { width, height, components, bitDepth: 8, signed: false, data };
}

const rgba = at("rgba.png");
const greyAlpha = at("ga.png");
writeFileSync(rgba, writePng(withAlpha(40, 24, 4)));
writeFileSync(greyAlpha, writePng(withAlpha(33, 17, 2)));

const cdefOf = (path: string) => jp2Summary(new Uint8Array(readFileSync(path))).cdef;

describe("j2kit encode: PNG alpha is marked as opacity in JP2", () => {
  it("RGBA PNG -> JP2 writes cdef: channels 0-2 colour 1-3, channel 3 opacity of the whole image", () => {
    const r = j2kit("encode", rgba, at("rgba.jp2"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(cdefOf(at("rgba.jp2"))).toEqual([
      { channel: 0, type: 0, association: 1 },
      { channel: 1, type: 0, association: 2 },
      { channel: 2, type: 0, association: 3 },
      { channel: 3, type: 1, association: 0 },
    ]);
    // and the alpha survives a lossless round trip to PNG (RGBA, colour type 6)
    expect(j2kit("decode", at("rgba.jp2"), at("back.png")).status).toBe(0);
    const back = decodePngIndependently(new Uint8Array(readFileSync(at("back.png"))));
    const orig = decodePngIndependently(new Uint8Array(readFileSync(rgba)));
    expect([back.colourType, back.channels]).toEqual([6, 4]);
    expect(back.samples).toEqual(orig.samples);
  });

  it("grey + alpha PNG -> JP2 marks channel 1 as opacity", () => {
    expect(j2kit("encode", greyAlpha, at("ga.jp2")).status).toBe(0);
    expect(cdefOf(at("ga.jp2"))).toEqual([
      { channel: 0, type: 0, association: 1 },
      { channel: 1, type: 1, association: 0 },
    ]);
  });

  it("--alpha premultiplied writes cdef type 2; --alpha none writes no cdef", () => {
    expect(j2kit("encode", rgba, at("pre.jp2"), "--alpha", "premultiplied").status).toBe(0);
    expect(cdefOf(at("pre.jp2")).map((c) => c.type)).toEqual([0, 0, 0, 2]);
    expect(j2kit("encode", rgba, at("none.jp2"), "--alpha", "none").status).toBe(0);
    expect(jp2Summary(new Uint8Array(readFileSync(at("none.jp2")))).hasCdef).toBe(false);
  });

  it("--alpha straight marks the last component of an input that has no alpha of its own (PPM of 3 components)", () => {
    const ppm = at("three.ppm");
    const header = new TextEncoder().encode("P6\n4 2\n255\n");
    const body = Uint8Array.from({ length: 4 * 2 * 3 }, (_, i) => i * 9);
    writeFileSync(ppm, new Uint8Array([...header, ...body]));
    expect(j2kit("encode", ppm, at("three.jp2")).status).toBe(0);
    expect(jp2Summary(new Uint8Array(readFileSync(at("three.jp2")))).hasCdef, "no alpha unless asked").toBe(false);
    expect(j2kit("encode", ppm, at("three_a.jp2"), "--alpha", "straight").status).toBe(0);
    expect(cdefOf(at("three_a.jp2")).map((c) => [c.type, c.association])).toEqual([[0, 1], [0, 2], [1, 0]]);
  });

  it("refuses --alpha for codestream output and for one component; warns when RGBA goes to .j2k", () => {
    const j2k = j2kit("encode", rgba, at("x.j2k"), "--alpha", "straight");
    expect(j2k.status).toBe(2);
    expect(j2k.stderr).toMatch(/^j2kit: \[INVALID_ARGUMENT\] --alpha straight needs JP2 output/);
    const pgm = at("one.pgm");
    writeFileSync(pgm, new Uint8Array([...new TextEncoder().encode("P5\n2 2\n255\n"), 1, 2, 3, 4]));
    expect(j2kit("encode", pgm, at("one.jp2"), "--alpha", "straight").stderr).toMatch(/needs an image with a colour and an alpha component; this one has 1/);
    const silent = j2kit("encode", rgba, at("rgba.j2k"));
    expect(silent.status).toBe(0);
    expect(silent.stderr).toMatch(/^j2kit: warning: the input's alpha channel is encoded as component 3, but a raw codestream cannot mark it as opacity/);
  });

  it("a premultiplied JP2 decoded to PNG gets straight alpha (colour divided by alpha) and a warning", () => {
    // Premultiplied data: colour = straight colour * alpha / 255.
    const straight = withAlpha(16, 4, 4);
    const pre = { ...straight, data: straight.data.map((v, i) => (i % 4 === 3 ? v : Math.round((v * straight.data[i - (i % 4) + 3]!) / 255))) };
    writeFileSync(at("pre_in.png"), writePng(pre));
    expect(j2kit("encode", at("pre_in.png"), at("pre2.jp2"), "--alpha", "premultiplied").status).toBe(0);
    const r = j2kit("decode", at("pre2.jp2"), at("pre2.png"));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/premultiplied alpha \(cdef Typ 2\)/);
    const out = decodePngIndependently(new Uint8Array(readFileSync(at("pre2.png"))));
    for (let i = 0; i < out.samples.length; i++) {
      const a = pre.data[i - (i % 4) + 3]!;
      if (i % 4 === 3) expect(out.samples[i]).toBe(a);
      else if (a === 0) expect(out.samples[i]).toBe(0);
      else expect(Math.abs(out.samples[i]! - straight.data[i]!), `sample ${i} (alpha ${a})`).toBeLessThanOrEqual(Math.ceil(255 / a / 2) + 1);
    }
  });

  it.skipIf(!has("jpylyzer"))("jpylyzer (independent validator) finds the JP2 valid and reads the opacity channel (needs jpylyzer: python3-jpylyzer)", () => {
    const r = spawnSync("jpylyzer", [at("rgba.jp2")], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/<isValid[^>]*>True<\/isValid>/);
    const cdef = /<channelDefinitionBox>([\s\S]*?)<\/channelDefinitionBox>/.exec(r.stdout)?.[1] ?? "";
    expect([...cdef.matchAll(/<cTyp>([^<]*)<\/cTyp>/g)].map((m) => m[1])).toEqual(["colour", "colour", "colour", "opacity"]);
  });
});
