/**
 * Pieces the A/B and per-image benchmark scripts share (bench/lib_ab.mjs, bench/tail_ab.mjs,
 * bench/early_stop.mjs): the benchmark corpus with each image's decomposition levels (as
 * bench/run.mjs and ../shared/benchcorpus/PEERS.md: 5 for Kodak and CT, 6 for saw and DX), and a
 * private copy of the built library running a given core build, so two builds can alternate in one
 * process with their own instances and memories.
 */
import { readFileSync, cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (bench/..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The benchmark corpus (../shared/benchcorpus from the repository root). */
export const corpusDir = resolve(repoRoot, "../shared/benchcorpus");

/** Benchmark images: name → [file in the corpus, decomposition levels]. */
export const BENCH_IMAGES = {
  kodim03: ["kodim03.ppm", 5], kodim04: ["kodim04.ppm", 5], kodim07: ["kodim07.ppm", 5], kodim08: ["kodim08.ppm", 5],
  saw: ["saw_2725x2225.ppm", 6], ct: ["ct_693_512x512_14bit.pgm", 5], dx: ["dx_chest_966_2000x2128_12bit.pgm", 6],
};

/** `--name value` from `args`, else `fallback`. */
export function argValue(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

/** A benchmark image read with `readPnm` (the library's reader): { img, levels }; unknown names throw. */
export function benchImage(name, readPnm) {
  if (!BENCH_IMAGES[name]) throw new Error(`unknown image ${name} (${Object.keys(BENCH_IMAGES).join(", ")})`);
  const [file, levels] = BENCH_IMAGES[name];
  return { img: readPnm(new Uint8Array(readFileSync(join(corpusDir, file)))), levels };
}

/**
 * A private copy of the built library (dist/ and the embedded core, copied to .scratch/<scratch>/<name>)
 * initialised with the core build at `wasm`: { lib, dir } (dir holds its dist/ for further imports).
 */
export async function privateLibrary(scratch, name, wasm) {
  const dir = join(repoRoot, ".scratch", scratch, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "wasm"), { recursive: true });
  cpSync(join(repoRoot, "dist"), join(dir, "dist"), { recursive: true });
  cpSync(join(repoRoot, "wasm/embedded.js"), join(dir, "wasm/embedded.js"));
  const lib = await import(join(dir, "dist/index.js"));
  lib.initSync(readFileSync(wasm));
  return { lib, dir };
}
