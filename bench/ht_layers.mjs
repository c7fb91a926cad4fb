#!/usr/bin/env node
/**
 * HT quality layers against single-layer HT encodes of the same size: for every benchcorpus image
 * (Kodak, CT, DX by default) and layer ratio list (default 40/20/10 and 80/40/20/10), j2kit encodes
 * with `ht: true, ratios: list` (9/7 + ICT, 64×64 blocks, LRCP, levels as PEERS.md) and decodes
 * every layer count; each layer's PSNR is printed with its bytes (% of its budget) and the
 * difference to a single-layer HT encode at that layer's ratio (same budget). Optionally the same
 * for the Part-1 coder (--part1) as a reference for what layering costs there.
 *
 *   node bench/ht_layers.mjs [--images kodim03,ct] [--lists 40/20/10,80/40/20/10] [--part1]
 *                            [--against /path/to/other/checkout] [--weight w]
 *
 * With --against, a second build (its dist/) is measured the same way (PSNR does not depend on the
 * machine's load; this script takes no times). Uses the built library (npm run build first).
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const corpus = resolve(repoRoot, "../shared/benchcorpus");
const argv = process.argv.slice(2);
const value = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const lists = (value("--lists") ?? "40/20/10,80/40/20/10").split(",").map((s) => s.split("/").map(Number));
const builds = [{ name: "this", dir: repoRoot }];
if (value("--against")) builds.push({ name: "other", dir: resolve(value("--against")) });
for (const b of builds) b.lib = await import(pathToFileURL(join(b.dir, "dist", "index.js")).href);
const { readPnm } = await import(pathToFileURL(join(repoRoot, "dist", "io", "pnm.js")).href);
const coders = argv.includes("--part1") ? [true, false] : [true];
// --weight w: the earlier layers' weight in the HT set choice (codec/rate/ht_layers.ts), this build only
if (value("--weight") !== undefined) {
  const load = await import(pathToFileURL(join(repoRoot, "dist", "wasm", "load.js")).href);
  load.callCore((c) => c.encoderSetHtLayerWeight(Number(value("--weight"))));
}

const IMAGES = [
  ["kodim03", "kodim03.ppm", 5],
  ["kodim04", "kodim04.ppm", 5],
  ["kodim07", "kodim07.ppm", 5],
  ["kodim08", "kodim08.ppm", 5],
  ["ct", "ct_693_512x512_14bit.pgm", 5],
  ["dx", "dx_chest_966_2000x2128_12bit.pgm", 6],
];
const wanted = value("--images")?.split(",");

function psnr(img, d) {
  const peak = 2 ** img.bitDepth - 1;
  let se = 0;
  for (let i = 0; i < img.data.length; i++) se += (img.data[i] - d[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((peak * peak * img.data.length) / se);
}

const head = ["image", "coder", "ratios", ...builds.map((b) => `${b.name}: per layer dB (% budget) [vs single-layer dB]`)];
console.log(`| ${head.join(" | ")} |`);
console.log(`| ${head.map(() => "---").join(" | ")} |`);
const worst = builds.map(() => ({ last: -Infinity, any: -Infinity }));
for (const [name, file, levels] of IMAGES) {
  if (wanted && !wanted.includes(name)) continue;
  const img = readPnm(new Uint8Array(readFileSync(join(corpus, file))));
  const raw = (img.width * img.height * img.components * img.bitDepth) / 8;
  for (const ht of coders) {
    const base = { levels, codeBlock: [64, 64], progression: "LRCP", ht };
    const single = new Map();
    const singleAt = (lib, R) => {
      const key = `${lib === builds[0].lib ? 0 : 1}/${R}`;
      if (!single.has(key)) single.set(key, psnr(img, lib.decode(lib.encode(img, { ...base, ratios: [R] })).data));
      return single.get(key);
    };
    for (const list of lists) {
      const cells = [name, ht ? "HT" : "Part 1", list.join("/")];
      builds.forEach((b, bi) => {
        const r = b.lib.encodeDetailed(img, { ...base, ratios: list });
        const parts = [];
        let prev = -Infinity;
        list.forEach((R, l) => {
          const q = psnr(img, b.lib.decode(r.data, { layers: l + 1 }).data);
          const s = singleAt(b.lib, R);
          const d = q - s;
          if (ht) {
            worst[bi].any = Math.max(worst[bi].any, -d);
            if (l === list.length - 1) worst[bi].last = Math.max(worst[bi].last, -d);
          }
          parts.push(`${q.toFixed(2)} (${((100 * r.layerBytes[l] * R) / raw).toFixed(1)}) [${d >= 0 ? "+" : ""}${d.toFixed(2)}]${q <= prev ? " NOT RISING" : ""}`);
          prev = q;
        });
        cells.push(parts.join(", "));
      });
      console.log(`| ${cells.join(" | ")} |`);
    }
  }
}
builds.forEach((b, bi) => console.log(`\n${b.name}: HT worst loss vs single layer: last layer ${worst[bi].last.toFixed(2)} dB, any layer ${worst[bi].any.toFixed(2)} dB`));
