// Part 1 <-> HT transcoding (transcodeBlockCoder, `j2kit transcode`): the coefficient-level path
// (codec/transcode.ts, no DWT) against the old full decode + lossless re-encode path, in one process,
// interleaved rounds, median times. Inputs: j2kit lossless Part 1 and HT encodes of each image (both
// paths apply) and a 9/7 rate-controlled Part 1 encode (only the coefficient path applies).
// Run after `npm run build`:  node bench/transcode.mjs [image.ppm|.pgm ...] [--rounds N]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { encode, decode, transcodeBlockCoder } = await import(join(root, "dist/index.js"));
const { readPnm } = await import(join(root, "dist/io/pnm.js"));

const args = process.argv.slice(2);
const ri = args.indexOf("--rounds");
const rounds = ri >= 0 ? Number(args.splice(ri, 2)[1]) : 5;
const files = args.length > 0 ? args : ["kodim03.ppm", "dx_chest_966_2000x2128_12bit.pgm"].map((f) => join(root, "../shared/benchcorpus", f));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(f) {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

console.log(`| image | input | to | coefficients (ms) | decode + re-encode (ms) | speed-up | j2kit decode of the input (ms) |`);
console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
for (const file of files) {
  const image = readPnm(new Uint8Array(readFileSync(file)));
  const name = file.split("/").pop();
  const inputs = [
    { what: "5/3 lossless Part 1", bytes: encode(image, { lossless: true }), to: "ht", old: true },
    { what: "5/3 lossless HT", bytes: encode(image, { lossless: true, ht: true }), to: "part1", old: true },
    { what: "9/7 Part 1, ratio 10", bytes: encode(image, { ratios: [10] }), to: "ht", old: false },
  ];
  for (const inp of inputs) {
    const coef = [], old = [], dec = [];
    for (let r = 0; r < rounds + 1; r++) {
      const a = await time(() => transcodeBlockCoder(inp.bytes, { to: inp.to, method: "coefficients" }));
      const b = inp.old ? await time(() => transcodeBlockCoder(inp.bytes, { to: inp.to, method: "reencode" })) : NaN;
      const c = await time(async () => decode(inp.bytes));
      if (r === 0) continue; // warm-up
      coef.push(a);
      old.push(b);
      dec.push(c);
    }
    const mc = median(coef), mo = median(old), md = median(dec);
    console.log(`| ${name} | ${inp.what} | ${inp.to} | ${mc.toFixed(0)} | ${inp.old ? mo.toFixed(0) : "n/a (refused)"} | ${inp.old ? (mo / mc).toFixed(2) + "x" : ""} | ${md.toFixed(0)} |`);
  }
}
