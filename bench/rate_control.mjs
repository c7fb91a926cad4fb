#!/usr/bin/env node
/**
 * Rate-control benchmark: lossy encodes with PSNR targets and with ratio targets on
 * ../shared/benchcorpus, reporting time, size and the PSNR each layer reaches (decoded here). With
 * `--against DIR` a second build of j2kit (a checkout with its own dist/ and wasm/, e.g. an older
 * commit) runs in the same process, call by call alternating with this one, and the speed ratio is
 * printed — the way to compare rate-control changes on a shared machine.
 *
 *   node bench/rate_control.mjs [--against /path/to/other/checkout] [--runs N] [--images kodim03,ct,dx]
 *
 * Uses the built library (dist/: run `npm run build` first). Timings are medians of N runs.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
const { readPnm: parsePnm } = await import(new URL("../dist/io/pnm.js", import.meta.url).href);

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const corpus = resolve(repoRoot, "../shared/benchcorpus");
const argv = process.argv.slice(2);
const value = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
if (argv.includes("--help")) {
  console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("*/")[0].replace(/^#!.*\n\/\*\*\n/, "").replace(/^ \* ?/gm, ""));
  process.exit(0);
}
const runs = Number(value("--runs") ?? 3);
const builds = [{ name: "this", dir: repoRoot }];
if (value("--against")) builds.unshift({ name: "other", dir: resolve(value("--against")) });
for (const b of builds) b.lib = await import(pathToFileURL(join(b.dir, "dist", "index.js")).href);

/** A PGM/PPM file of the corpus, read by the library's own reader (src/io/pnm.ts). */
function readPnm(path) {
  return parsePnm(new Uint8Array(readFileSync(path)));
}

const IMAGES = {
  kodim03: "kodim03.ppm",
  ct: "ct_693_512x512_14bit.pgm",
  dx: "dx_chest_966_2000x2128_12bit.pgm",
};
const wanted = (value("--images") ?? "kodim03,ct,dx").split(",");
const CASES = [
  { psnr: [30, 40] },
  { psnr: [35, 40, 45] },
  { psnr: [45, 55] },
  { ratios: [20] },
  { ratios: [40, 20, 10] },
];

function psnr(img, d) {
  const peak = 2 ** img.bitDepth - 1;
  let se = 0;
  for (let i = 0; i < img.data.length; i++) se += (img.data[i] - d[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((peak * peak * img.data.length) / se);
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

console.log(`| image | targets | ${builds.map((b) => `${b.name} ms | ${b.name} bytes / PSNR per layer`).join(" | ")}${builds.length > 1 ? " | speed this/other" : ""} |`);
console.log(`| --- | --- | ${builds.map(() => "--- | ---").join(" | ")}${builds.length > 1 ? " | ---" : ""} |`);
for (const key of wanted) {
  const img = readPnm(join(corpus, IMAGES[key]));
  for (const opts of CASES) {
    const times = builds.map(() => []);
    const facts = [];
    for (let r = 0; r < runs; r++) {
      builds.forEach((b, k) => {
        const t0 = performance.now();
        const out = b.lib.encode(img, opts);
        times[k].push(performance.now() - t0);
        if (r === 0) {
          const L = (opts.psnr ?? opts.ratios).length;
          const db = Array.from({ length: L }, (_, l) => psnr(img, b.lib.decode(out, { layers: l + 1 }).data).toFixed(2));
          facts[k] = `${out.length} B / ${db.join(", ")} dB`;
        }
      });
    }
    const med = times.map(median);
    const cells = builds.map((_, k) => `${med[k].toFixed(0)} | ${facts[k]}`).join(" | ");
    const ratio = builds.length > 1 ? ` | ${(med[0] / med[1]).toFixed(2)}×` : "";
    console.log(`| ${key} | ${JSON.stringify(opts)} | ${cells}${ratio} |`);
  }
}
