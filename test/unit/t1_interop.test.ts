// Tier-1 against an independent implementation: codestreams whose code-blocks use each of the
// 64 combinations of the code-block style flags (Table A.19), made by j2kit and decoded by
// OpenJPEG, and made by OpenJPEG (opj_compress -M) and decoded by j2kit — bit-exact, lossless.
// Round trips through our own encoder and decoder cannot catch a rule both sides get wrong in the
// same way (a context table, the vertically causal mode, the segmentation symbol); this can.
import { describe, it, expect } from "vitest";
import { encode, decode } from "../../src/index.js";
import type { CodeBlockStyleFlag } from "../../src/types.js";
import { opjDecode } from "../helpers/peers.js";
import { has, toolPath } from "../helpers/tools.js";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FLAGS: CodeBlockStyleFlag[] = ["bypass", "reset", "termall", "vcausal", "pterm", "segsym"];
const flagsOf = (style: number) => FLAGS.filter((_, i) => (style >> i) & 1);

/** A textured 1-component image: smooth ramps, edges and noise give every sub-band real work. */
function image(width: number, height: number, bitDepth: number, seed: number) {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
  const max = 2 ** bitDepth - 1;
  const data = bitDepth <= 8 ? new Uint8Array(width * height) : new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = 0.5 + 0.3 * Math.sin(x / 7) * Math.cos(y / 5) + ((x >> 3) + (y >> 4)) % 2 * 0.15 + (rnd() - 0.5) * 0.1;
      data[y * width + x] = Math.max(0, Math.min(max, Math.round(v * max)));
    }
  }
  return { width, height, components: 1, bitDepth, signed: false, data };
}

describe("code-block styles against OpenJPEG", () => {
  it("j2kit encodes every style combination so that OpenJPEG decodes it bit-exactly", async () => {
    for (let style = 0; style < 64; style++) {
      const img = style % 2 ? image(75, 53, 12, style + 1) : image(75, 53, 8, style + 1);
      const cs = encode(img, { lossless: true, levels: 2, codeBlock: [16, 16], codeBlockStyle: flagsOf(style) });
      const peer = await opjDecode(cs);
      expect(peer.width * peer.height).toBe(img.width * img.height);
      let diff = -1;
      for (let i = 0; i < img.data.length; i++) {
        if (peer.data[i] !== img.data[i]) {
          diff = i;
          break;
        }
      }
      expect(diff, `style ${flagsOf(style).join("+") || "none"}`).toBe(-1);
    }
  });

  it.skipIf(!has("opj_compress"))("j2kit decodes OpenJPEG's codestreams of every style combination bit-exactly (needs opj_compress: libopenjp2-tools)", () => {
    const tool = toolPath("opj_compress")!;
    const dir = mkdtempSync(join(tmpdir(), "j2kit-t1-"));
    try {
      const img = image(96, 80, 8, 3);
      const raw = join(dir, "in.rawl");
      writeFileSync(raw, img.data);
      for (let style = 0; style < 64; style++) {
        const out = join(dir, `s${style}.j2k`);
        const r = spawnSync(tool, ["-i", raw, "-F", "96,80,1,8,u", "-o", out, "-n", "3", "-b", "16,16", "-M", String(style)], { encoding: "utf8" });
        expect(r.status, r.stderr).toBe(0);
        const dec = decode(new Uint8Array(readFileSync(out)));
        expect(dec.width).toBe(96);
        let diff = -1;
        for (let i = 0; i < img.data.length; i++) {
          if (dec.data[i] !== img.data[i]) {
            diff = i;
            break;
          }
        }
        expect(diff, `opj_compress -M ${style}`).toBe(-1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
