/**
 * Large test files made with OpenJPEG's `opj_compress` at test time (never committed): the source
 * image is generated here, encoded once, and kept in a gitignored folder keyed by a hash of the
 * recipe and the encoder's version, so later runs reuse it.
 * @module
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/paths.js";

/** Where generated files are kept (inside the gitignored .scratch folder). */
export const FIXTURE_DIR = join(REPO_ROOT, ".scratch", "range-fixtures");

/** A generated test image: size, components and `opj_compress` arguments. */
export interface Recipe {
  name: string;
  width: number;
  height: number;
  components: 1 | 3;
  opj: string[];
}

/** The files of the byte-range tests (issue 10's checks). */
export const RECIPES = {
  /** 8192x8192, 512x512 tiles, TLM and PLT. */
  tiledIndexed: { name: "tiled_tlm_plt.jp2", width: 8192, height: 8192, components: 1, opj: ["-t", "512,512", "-TLM", "-PLT"] },
  /** The same tiles without any index marker. */
  tiledPlain: { name: "tiled_plain.jp2", width: 8192, height: 8192, components: 1, opj: ["-t", "512,512"] },
  /** One 8192x8192 tile, RPCL, PLT. */
  singleRpclPlt: { name: "single_rpcl_plt.jp2", width: 8192, height: 8192, components: 1, opj: ["-p", "RPCL", "-PLT"] },
  /** One 4096x4096 tile, RPCL, no index marker (raw codestream). */
  singlePlain: { name: "single_rpcl_plain.j2k", width: 4096, height: 4096, components: 1, opj: ["-p", "RPCL"] },
  /** RGB, 4 tiles, 3 lossy layers, precincts, tile-parts by resolution, SOP/EPH. */
  rgbLayers: {
    name: "rgb_layers.jp2",
    width: 2048,
    height: 2048,
    components: 3,
    opj: ["-t", "1024,1024", "-p", "RLCP", "-r", "40,10,4", "-c", "[256,256],[128,128]", "-TP", "R", "-SOP", "-EPH", "-I"],
  },
} as const satisfies Record<string, Recipe>;

/** Samples of the generated image: tiles of patterns plus noise, so every resolution carries data. */
export function syntheticImage(width: number, height: number, components: number): Uint8Array {
  const px = new Uint8Array(width * height * components);
  let s = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const n = (s >>> 28) & 7;
      const i = (y * width + x) * components;
      px[i] = (((x >> 4) ^ (y >> 4)) * 3 + ((x * y) >> 14) + n) & 255;
      if (components === 3) {
        px[i + 1] = (((x * 3) >> 5) + ((y * 5) >> 6) + n) & 255;
        px[i + 2] = (Math.round(Math.sin(x / 97) * 60 + Math.cos(y / 53) * 60) + 128 + n) & 255;
      }
    }
  }
  return px;
}

function opjVersion(): string {
  const r = spawnSync("opj_compress", ["-h"], { encoding: "utf8" });
  return /openjp2 library v([\d.]+)/.exec((r.stdout ?? "") + (r.stderr ?? ""))?.[1] ?? "unknown";
}

/** Path of the file made by `recipe` (made now if not cached). */
export function fixture(recipe: Recipe): string {
  const key = createHash("sha256").update(JSON.stringify({ v: 1, recipe, opj: opjVersion() })).digest("hex").slice(0, 16);
  const dir = join(FIXTURE_DIR, key);
  const out = join(dir, recipe.name);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const src = join(dir, recipe.components === 3 ? "source.ppm" : "source.pgm");
  const header = `${recipe.components === 3 ? "P6" : "P5"}\n${recipe.width} ${recipe.height}\n255\n`;
  const px = syntheticImage(recipe.width, recipe.height, recipe.components);
  const file = new Uint8Array(header.length + px.length);
  file.set(new TextEncoder().encode(header));
  file.set(px, header.length);
  writeFileSync(src, file);
  const tmp = out + ".part" + (recipe.name.endsWith(".j2k") ? ".j2k" : ".jp2");
  const r = spawnSync("opj_compress", ["-i", src, "-o", tmp, ...recipe.opj], { encoding: "utf8", timeout: 600_000 });
  rmSync(src, { force: true });
  if (r.status !== 0) throw new Error(`opj_compress ${recipe.opj.join(" ")} failed: ${(r.stderr || r.stdout || "").slice(-500)}`);
  renameSync(tmp, out);
  return out;
}
