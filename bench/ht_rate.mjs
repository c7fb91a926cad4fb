#!/usr/bin/env node
/**
 * HT rate control against OpenJPH at equal size, and its cost against a fixed step: for every
 * benchcorpus image and ratio (default 8, 20, 50), j2kit encodes with `ht: true, ratios: [R]`
 * (9/7 + ICT, 64×64 blocks, LRCP, 5 levels for Kodak and CT, 6 for saw and DX as PEERS.md); then
 * OpenJPH-WASM's qstep is bisected (log scale) to the largest codestream not above ours, and the
 * PSNR of both is printed (decoded by j2kit) with the difference. The time of the rate-controlled
 * encode is compared with j2kit's fixed-step HT encode at that qstep (CPU time of this process,
 * the two alternating call by call, median of --runs).
 *
 *   node bench/ht_rate.mjs [--images kodim03,ct] [--ratios 8,20,50] [--runs 5] [--no-time]
 *                          [--against /path/to/other/checkout]
 *
 * With --against, a second build (its dist/) is measured the same way in the same process (its
 * PSNR delta and its time ratio next to ours). Uses the built library (npm run build first).
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadOpenJphWasm } from "./peers/openjph_wasm.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const corpus = resolve(repoRoot, "../shared/benchcorpus");
const argv = process.argv.slice(2);
const value = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(value("--runs") ?? 5);
const ratios = (value("--ratios") ?? "8,20,50").split(",").map(Number);
const timing = !argv.includes("--no-time");
const builds = [{ name: "this", dir: repoRoot }];
if (value("--against")) builds.push({ name: "other", dir: resolve(value("--against")) });
for (const b of builds) b.lib = await import(pathToFileURL(join(b.dir, "dist", "index.js")).href);
const { readPnm } = await import(pathToFileURL(join(repoRoot, "dist", "io", "pnm.js")).href);
const ojph = await loadOpenJphWasm();

const IMAGES = [
  ["kodim03", "kodim03.ppm", 5],
  ["kodim04", "kodim04.ppm", 5],
  ["kodim07", "kodim07.ppm", 5],
  ["kodim08", "kodim08.ppm", 5],
  ["ct", "ct_693_512x512_14bit.pgm", 5],
  ["dx", "dx_chest_966_2000x2128_12bit.pgm", 6],
  ["saw", "saw_2725x2225.ppm", 6],
];
const wanted = value("--images")?.split(",");

function psnr(img, d) {
  const peak = 2 ** img.bitDepth - 1;
  let se = 0;
  for (let i = 0; i < img.data.length; i++) se += (img.data[i] - d[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((peak * peak * img.data.length) / se);
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** OpenJPH-WASM at the largest qstep whose codestream is not above `size`. */
function ojphAt(img, levels, size) {
  let lo = Math.log(1e-6), hi = 0, best;
  for (let it = 0; it < 40; it++) {
    const mid = (lo + hi) / 2;
    const cs = ojph.encode(img, { levels, qstep: Math.exp(mid) });
    if (cs.length <= size) {
      hi = mid;
      if (!best || cs.length > best.cs.length) best = { q: Math.exp(mid), cs };
      if (cs.length >= 0.999 * size) break;
    } else lo = mid;
  }
  return best;
}

const head = ["image", "ratio", ...builds.flatMap((b) => [`${b.name} bytes (% budget)`, `${b.name} dB`, `${b.name} − OpenJPH dB`, ...(timing ? [`${b.name} rate/fixed time`] : [])])];
console.log(`| ${head.join(" | ")} |`);
console.log(`| ${head.map(() => "---").join(" | ")} |`);
for (const [name, file, levels] of IMAGES) {
  if (wanted && !wanted.includes(name)) continue;
  const img = readPnm(new Uint8Array(readFileSync(join(corpus, file))));
  const base = { levels, codeBlock: [64, 64], progression: "LRCP", ht: true };
  const budget = (img.width * img.height * img.components * img.bitDepth) / 8;
  for (const R of ratios) {
    const cells = [name, String(R)];
    for (const b of builds) {
      const cs = b.lib.encode(img, { ...base, ratios: [R] });
      const ours = psnr(img, b.lib.decode(cs).data);
      const peer = ojphAt(img, levels, cs.length);
      const theirs = psnr(img, b.lib.decode(peer.cs).data);
      cells.push(`${cs.length} (${((100 * cs.length * R) / budget).toFixed(1)})`, ours.toFixed(3), (ours - theirs >= 0 ? "+" : "") + (ours - theirs).toFixed(3));
      if (timing) {
        const tr = [], tf = [];
        const fixed = { ...base, qstep: peer.q };
        b.lib.encode(img, fixed);
        for (let r = 0; r < runs; r++) {
          let t0 = cpu();
          b.lib.encode(img, { ...base, ratios: [R] });
          tr.push(cpu() - t0);
          t0 = cpu();
          b.lib.encode(img, fixed);
          tf.push(cpu() - t0);
        }
        cells.push(`${(median(tr) / median(tf)).toFixed(2)} (${median(tr).toFixed(0)}/${median(tf).toFixed(0)} ms)`);
      }
    }
    console.log(`| ${cells.join(" | ")} |`);
  }
}
console.log(`\nOpenJPH: ${ojph.version}; times are CPU ms of this process (median of ${runs}); the machine may be shared.`);
