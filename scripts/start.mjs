// `npm start`: encode a sample image losslessly with the built library (dist/), decode it back,
// check that every sample survived, and print the size, ratio and timings.
// Sample: ../shared/benchcorpus/kodim03.ppm when present; otherwise a synthetic RGB image made in
// memory, so a fresh clone without ../shared still runs.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
if (!existsSync(join(dist, "index.js"))) {
  console.error("j2kit: dist/ is missing; run `npm run build` first");
  process.exit(1);
}
const { encode, decode, isJ2kError } = await import(join(dist, "index.js"));
const { readPnm } = await import(join(dist, "io", "pnm.js"));

function syntheticImage(width, height) {
  // Smooth gradients plus a deterministic texture: compressible, but not trivially.
  const data = new Uint8Array(width * height * 3);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const noise = (seed >>> 28) - 8;
      const ring = Math.round(40 * Math.sin(Math.hypot(x - width / 2, y - height / 2) / 9));
      const o = (y * width + x) * 3;
      data[o] = clamp((x * 255) / (width - 1) + noise);
      data[o + 1] = clamp((y * 255) / (height - 1) + ring);
      data[o + 2] = clamp(128 + ring - noise);
    }
  }
  return { width, height, components: 3, bitDepth: 8, signed: false, data };
}

function clamp(v) {
  return Math.max(0, Math.min(255, Math.round(v)));
}

const samplePath = join(root, "..", "shared", "benchcorpus", "kodim03.ppm");
let image;
let source;
if (existsSync(samplePath)) {
  image = readPnm(new Uint8Array(readFileSync(samplePath)));
  source = relative(process.cwd(), samplePath) || samplePath;
} else {
  image = syntheticImage(512, 384);
  source = "synthetic 512x384 RGB gradient (../shared/benchcorpus/kodim03.ppm not found)";
}

try {
  const rawBytes = (image.width * image.height * image.components * image.bitDepth) / 8;
  const t0 = performance.now();
  const j2k = encode(image, { lossless: true });
  const t1 = performance.now();
  const back = decode(j2k);
  const t2 = performance.now();

  let mismatches = 0;
  const n = image.width * image.height * image.components;
  if (back.width !== image.width || back.height !== image.height || back.components !== image.components) {
    mismatches = n;
  } else {
    for (let i = 0; i < n; i++) if (back.data[i] !== image.data[i]) mismatches++;
  }
  const mp = (image.width * image.height) / 1e6;
  console.log(`image     ${source}`);
  console.log(`          ${image.width} x ${image.height}, ${image.components} component(s), ${image.bitDepth}-bit`);
  console.log(`encoded   ${j2k.length} bytes (raw ${rawBytes}), ratio ${(rawBytes / j2k.length).toFixed(2)}:1, ${((j2k.length * 8) / (image.width * image.height)).toFixed(3)} bpp`);
  console.log(`encode    ${(t1 - t0).toFixed(1)} ms (${(mp / ((t1 - t0) / 1000)).toFixed(1)} MP/s)`);
  console.log(`decode    ${(t2 - t1).toFixed(1)} ms (${(mp / ((t2 - t1) / 1000)).toFixed(1)} MP/s)`);
  if (mismatches === 0) {
    console.log("round trip bit-exact: yes");
  } else {
    console.log(`round trip bit-exact: NO (${mismatches} of ${n} samples differ)`);
    process.exitCode = 1;
  }
} catch (e) {
  const what = isJ2kError(e) ? `[${e.code}] ${e.message}` : String(e && e.message ? e.message : e);
  console.error(`j2kit: ${what}`);
  process.exitCode = 1;
}
