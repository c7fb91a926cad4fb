// Decoding a codestream cut short, as during a download: PSNR of what `allowPartial` gives for a
// growing share of the bytes of a 3-layer (40/20/10) kodim03 codestream. Run after `npm run build`:
//   node bench/truncated.mjs [image.ppm]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { encode, decode } = await import(join(root, "dist/index.js"));
const { readPnm } = await import(join(root, "dist/io/pnm.js"));

const file = process.argv[2] ?? join(root, "../shared/benchcorpus/kodim03.ppm");
const image = readPnm(new Uint8Array(readFileSync(file)));
const j2k = encode(image, { ratios: [40, 20, 10] });
const peak = 2 ** image.bitDepth - 1;
const psnr = (a, b) => {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((peak * peak * a.length) / se);
};
const shares = [0.1, 0.25, 0.5, 0.75, 0.9, 1];
const row = shares.map((f) => psnr(image.data, decode(j2k.subarray(0, Math.floor(j2k.length * f)), { allowPartial: true }).data).toFixed(2));
console.log(`| bytes kept | ${shares.map((f) => `${f * 100} %`).join(" | ")} |`);
console.log(`| --- | ${shares.map(() => "---").join(" | ")} |`);
console.log(`| PSNR (dB) | ${row.join(" | ")} |`);
