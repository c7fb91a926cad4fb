// Micro-benchmark of the tier-1 block coder (codec/t1): EBCOT encode and decode of realistic
// code-blocks. A synthetic 8-bit image (smooth gradients + texture + noise) goes through a
// 5-level reversible 5/3 DWT (done here in JS); every 64×64 code-block of every sub-band is then
// encoded and decoded by the core. Prints ns per sample and ns per sample-pass.
//
//   node bench/t1_kernel.mjs [path/to/core.wasm] [--size 1024] [--style 0] [--reps 7] [--decode-only]
//
// The default core is wasm/j2kit.wasm (run `npm run build:wasm` first).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const wasmPath = args.find((a) => a.endsWith(".wasm")) ?? join(dirname(fileURLToPath(import.meta.url)), "..", "wasm", "j2kit.wasm");
const SIZE = opt("--size", 1024);
const STYLE = opt("--style", 0);
const LEVELS = 5;

const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmPath)), {
  env: {
    j2kFail(code, off, d0, d1) { throw new Error(`core failure ${code} (${off}, ${d0}, ${d1})`); },
    abort(_m, _f, l, c) { throw new Error(`core abort ${l}:${c}`); },
    trace() {},
    seed() { return 1; },
  },
});
const core = inst.exports;

// ---- synthetic image and 5/3 DWT (F.4.8.2 lifting, symmetric extension) -------------------------
let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
const img = new Int32Array(SIZE * SIZE);
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    const smooth = 128 + 60 * Math.sin(x / 97) * Math.cos(y / 71) + 30 * Math.sin((x + y) / 23);
    const texture = (x >> 5) % 3 === 0 && (y >> 5) % 2 === 0 ? 25 * Math.sin(x * 0.9) * Math.sin(y * 1.3) : 0;
    const v = Math.round(smooth + texture + (rnd() - 0.5) * 12);
    img[y * SIZE + x] = Math.max(0, Math.min(255, v)) - 128;
  }
}
function lift1d(a, n) {
  if (n < 2) return;
  const half = n >> 1, lo = (n + 1) >> 1;
  const s = a.slice(0, n);
  const at = (i) => s[i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i];
  const d = new Int32Array(half);
  for (let i = 0; i < half; i++) d[i] = s[2 * i + 1] - Math.floor((at(2 * i) + at(2 * i + 2)) / 2);
  const dd = (i) => d[i < 0 ? -i - 1 : i >= half ? 2 * half - 1 - i : i];
  for (let i = 0; i < lo; i++) a[i] = s[2 * i] + Math.floor((dd(i - 1) + dd(i) + 2) / 4);
  for (let i = 0; i < half; i++) a[lo + i] = d[i];
}
const bands = []; // {x0, y0, w, h, orient}
let w = SIZE, h = SIZE;
for (let l = 0; l < LEVELS; l++) {
  const row = new Int32Array(Math.max(w, h));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) row[x] = img[y * SIZE + x];
    lift1d(row, w);
    for (let x = 0; x < w; x++) img[y * SIZE + x] = row[x];
  }
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) row[y] = img[y * SIZE + x];
    lift1d(row, h);
    for (let y = 0; y < h; y++) img[y * SIZE + x] = row[y];
  }
  const lw = (w + 1) >> 1, lh = (h + 1) >> 1;
  bands.push({ x0: lw, y0: 0, w: w - lw, h: lh, orient: 1 });
  bands.push({ x0: 0, y0: lh, w: lw, h: h - lh, orient: 2 });
  bands.push({ x0: lw, y0: lh, w: w - lw, h: h - lh, orient: 3 });
  w = lw;
  h = lh;
}
bands.push({ x0: 0, y0: 0, w, h, orient: 0 });

const blocks = [];
for (const b of bands) {
  for (let by = 0; by < b.h; by += 64) {
    for (let bx = 0; bx < b.w; bx += 64) {
      const bw = Math.min(64, b.w - bx), bh = Math.min(64, b.h - by);
      const c = new Int32Array(bw * bh);
      for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) c[y * bw + x] = img[(b.y0 + by + y) * SIZE + b.x0 + bx + x];
      blocks.push({ w: bw, h: bh, orient: b.orient, coef: c });
    }
  }
}

// ---- core buffers --------------------------------------------------------------------------------
core.jobBegin();
const coefPtr = core.alloc(4096 * 4);
const outCap = 1 << 20;
const cwPtr = core.alloc(outCap + 8);
const passPtr = core.alloc(16 * 128);
const infoPtr = core.alloc(12);
const lensPtr = core.alloc(4 * 128);
const cntPtr = core.alloc(4 * 128);
const decPtr = core.alloc(4096 * 4);
// encode every block once to get codewords (kept in JS)
const coded = blocks.map((b) => {
  new Int32Array(core.memory.buffer, coefPtr, b.w * b.h).set(b.coef);
  core.ebcotEncodeBlock(coefPtr, b.w, b.w, b.h, b.orient, STYLE, 0, cwPtr, outCap, passPtr, 128, 0, infoPtr);
  const [numBps, numPasses, total] = new Int32Array(core.memory.buffer, infoPtr, 3);
  const dv = new DataView(core.memory.buffer);
  const lens = [], cnt = [];
  let start = 0, first = 0;
  for (let k = 0; k < numPasses; k++) {
    if (dv.getUint32(passPtr + 16 * k + 12, true) & 1) {
      const r = dv.getUint32(passPtr + 16 * k + 8, true);
      lens.push(r - start); cnt.push(k + 1 - first); start = r; first = k + 1;
    }
  }
  return { numBps, numPasses, total, bytes: new Uint8Array(core.memory.buffer, cwPtr, total).slice(), lens, cnt };
});
let samples = 0, samplePasses = 0, bytes = 0;
blocks.forEach((b, i) => { samples += b.w * b.h; samplePasses += b.w * b.h * coded[i].numPasses; bytes += coded[i].total; });

function encodeAll(wantD) {
  for (const b of blocks) {
    new Int32Array(core.memory.buffer, coefPtr, b.w * b.h).set(b.coef);
    core.ebcotEncodeBlock(coefPtr, b.w, b.w, b.h, b.orient, STYLE, 0, cwPtr, outCap, passPtr, 128, wantD, infoPtr);
  }
}
function decodeAll(check) {
  const mem = () => new Uint8Array(core.memory.buffer);
  blocks.forEach((b, i) => {
    const cw = coded[i];
    mem().set(cw.bytes, cwPtr);
    new Uint32Array(core.memory.buffer, lensPtr, cw.lens.length).set(cw.lens);
    new Uint32Array(core.memory.buffer, cntPtr, cw.cnt.length).set(cw.cnt);
    core.ebcotDecodeBlock(cwPtr, lensPtr, cntPtr, cw.lens.length, b.w, b.h, b.orient, cw.numBps, STYLE, decPtr, b.w);
    if (check) {
      const d = new Int32Array(core.memory.buffer, decPtr, b.w * b.h);
      for (let k = 0; k < d.length; k++) {
        const got = d[k] === 0 ? 0 : Math.sign(d[k]) * (Math.abs(d[k]) >> 1);
        if (got !== b.coef[k]) throw new Error(`mismatch in block ${i} at ${k}`);
      }
    }
  });
}
function time(fn, reps) {
  if (process.env.T1_CPU) return timeCpu(fn, reps);
  fn();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
/** CPU time instead of wall time (T1_CPU=1): steadier on a shared machine. */
function timeCpu(fn, reps) {
  fn();
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  return best;
}
decodeAll(true);
const reps = opt("--reps", 7);
const only = args.includes("--decode-only");
const tDec = time(() => decodeAll(false), reps);
const tEnc = only ? NaN : time(() => encodeAll(0), reps);
const tEncD = only ? NaN : time(() => encodeAll(1), reps);
const ns = (ms, n) => ((ms * 1e6) / n).toFixed(2);
console.log(`t1 kernel: ${wasmPath.split("/").pop()}, ${SIZE}x${SIZE} synthetic 8-bit image, 5/3 x${LEVELS}, style 0x${STYLE.toString(16)}`);
console.log(`  ${blocks.length} blocks, ${samples} samples, ${(samplePasses / samples).toFixed(1)} passes/sample avg, ${(bytes * 8 / samples).toFixed(2)} bpp`);
console.log(`  decode           ${tDec.toFixed(1)} ms  ${ns(tDec, samples)} ns/sample  ${ns(tDec, samplePasses)} ns/sample-pass`);
console.log(`  encode           ${tEnc.toFixed(1)} ms  ${ns(tEnc, samples)} ns/sample  ${ns(tEnc, samplePasses)} ns/sample-pass`);
console.log(`  encode+distortion ${tEncD.toFixed(1)} ms  ${ns(tEncD, samples)} ns/sample  ${ns(tEncD, samplePasses)} ns/sample-pass`);
