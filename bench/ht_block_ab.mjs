#!/usr/bin/env node
/**
 * A/B of two builds of the core's HT block decoder (codec/t1/ht_decoder.ts) on real code-blocks,
 * without T2, the DWT or the output path: the components of a ../shared/benchcorpus image go through
 * a reversible 5/3 DWT (done here in JS; 5 levels, 6 above 1500 pixels wide) and every 64×64 block
 * (its coefficients divided by --quant q, default 1) is HT-coded once by core B's encoder (its default
 * configuration: one HT cleanup pass at bit-plane 0). Both cores decode every block
 * (decodeCodeBlock) and must give exactly ±(2|c| + 1) or 0 for every coefficient c; then
 * all blocks' decode is timed, alternating the cores, in CPU time. Prints medians and the median of
 * the per-round ratios A/B (> 1: B is faster).
 *
 *   npx asc codec/index.ts --target simd -o /tmp/a.wasm      (the "before" core, from the old tree)
 *   node --no-liftoff bench/ht_block_ab.mjs /tmp/a.wasm wasm/j2kit.simd.wasm kodim03.ppm
 *        [--reps 15] [--quant 1] [--comps 3]
 * Uses the built library's PNM reader (dist/: `npm run build` first).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(n); return i >= 0 ? Number(args[i + 1]) : d; };
const [wa, wb, file] = args;
if (!wa || !wb || !file) {
  console.error("usage: node --no-liftoff bench/ht_block_ab.mjs A.wasm B.wasm IMAGE [--reps n] [--quant q] [--comps n]");
  process.exit(2);
}
const Q = opt("--quant", 1);
const { readPnm } = await import(resolve(repoRoot, "dist/io/pnm.js"));
const im = readPnm(new Uint8Array(readFileSync(resolve(repoRoot, "../shared/benchcorpus", file))));
const W = im.width, H = im.height, nc = im.components;
const comps = Math.min(opt("--comps", nc), nc);
const LEVELS = W > 1500 ? 6 : 5;
function lift1d(a, n) {
  if (n < 2) return;
  const lo = (n + 1) >> 1, hf = n >> 1;
  const s = a.slice(0, n);
  const at = (i) => s[i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i];
  const d = new Int32Array(hf);
  for (let i = 0; i < hf; i++) d[i] = s[2 * i + 1] - Math.floor((at(2 * i) + at(2 * i + 2)) / 2);
  const dd = (i) => d[i < 0 ? -i - 1 : i >= hf ? 2 * hf - 1 - i : i];
  for (let i = 0; i < lo; i++) a[i] = s[2 * i] + Math.floor((dd(i - 1) + dd(i) + 2) / 4);
  for (let i = 0; i < hf; i++) a[lo + i] = d[i];
}
const blocks = [];
const half = 1 << (im.bitDepth - 1);
for (let c = 0; c < comps; c++) {
  const img = new Int32Array(W * H);
  for (let i = 0; i < W * H; i++) img[i] = im.data[i * nc + c] - half;
  const bands = [];
  let w = W, h = H;
  for (let l = 0; l < LEVELS; l++) {
    const row = new Int32Array(Math.max(w, h));
    for (let y = 0; y < h; y++) { for (let x = 0; x < w; x++) row[x] = img[y * W + x]; lift1d(row, w); for (let x = 0; x < w; x++) img[y * W + x] = row[x]; }
    for (let x = 0; x < w; x++) { for (let y = 0; y < h; y++) row[y] = img[y * W + x]; lift1d(row, h); for (let y = 0; y < h; y++) img[y * W + x] = row[y]; }
    const lw = (w + 1) >> 1, lh = (h + 1) >> 1;
    bands.push({ x0: lw, y0: 0, w: w - lw, h: lh }, { x0: 0, y0: lh, w: lw, h: h - lh }, { x0: lw, y0: lh, w: w - lw, h: h - lh });
    w = lw; h = lh;
  }
  bands.push({ x0: 0, y0: 0, w, h });
  for (const b of bands) for (let by = 0; by < b.h; by += 64) for (let bx = 0; bx < b.w; bx += 64) {
    const bw = Math.min(64, b.w - bx), bh = Math.min(64, b.h - by);
    const co = new Int32Array(bw * bh);
    for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) { const v = img[(b.y0 + by + y) * W + b.x0 + bx + x]; co[y * bw + x] = Math.sign(v) * Math.floor(Math.abs(v) / Q); }
    blocks.push({ w: bw, h: bh, coef: co });
  }
}
const imports = { env: { j2kFail(c, o, a, b) { throw new Error(`fail ${c} ${o} ${a} ${b}`); }, abort() { throw new Error("abort"); }, trace() {}, seed() { return 1; }, j2kStage() {} } };
function mk(path) {
  const core = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), imports).exports;
  core.jobBegin();
  const P = { coef: core.alloc(4096 * 4), cw: core.alloc((1 << 20) + 8), pass: core.alloc(16 * 128), info: core.alloc(16), lens: core.alloc(512), cnt: core.alloc(512), dec: core.alloc(4096 * 4) };
  return { core, P };
}
const A = mk(wa), B = mk(wb);
// code every block once with B's encoder: one HT set, the cleanup at bit-plane 0
const coded = [];
{
  const { core, P } = B;
  for (const b of blocks) {
    new Int32Array(core.memory.buffer, P.coef, b.w * b.h).set(b.coef);
    core.encodeCodeBlock(P.coef, b.w, b.w, b.h, 0, 0x40, 0, P.cw, 1 << 20, P.pass, 128, 0, P.info);
    const [numBps, numPasses] = new Int32Array(core.memory.buffer, P.info, 3);
    if (numBps === 0 || numPasses === 0) { coded.push(null); continue; }
    const dv = new DataView(core.memory.buffer);
    const k = Math.floor((numPasses - 1) / 3); // the coded set
    const off = dv.getUint32(P.cw + 4 * k, true);
    const rate = (j) => dv.getUint32(P.pass + 16 * (3 * k + j) + 8, true); // PassRecord.rate
    const lcup = rate(0), len = numPasses > 3 * k + 1 ? rate(numPasses - 1 - 3 * k) : lcup;
    const lens = new Array(2 * k + 1).fill(0), cnt = new Array(2 * k + 1).fill(0);
    lens[2 * k] = lcup; cnt[2 * k] = 1;
    if (len > lcup) { lens.push(len - lcup); cnt.push(numPasses - 1 - 3 * k); }
    coded.push({ numBps, bytes: new Uint8Array(core.memory.buffer, P.cw + off, len).slice(), lens, cnt });
  }
}
function decodeAll(X, out) {
  const { core, P } = X;
  const u8 = new Uint8Array(core.memory.buffer);
  blocks.forEach((b, i) => {
    const cw = coded[i];
    if (!cw) return;
    u8.set(cw.bytes, P.cw);
    u8.fill(0xff, P.cw + cw.bytes.length, P.cw + cw.bytes.length + 8);
    new Uint32Array(core.memory.buffer, P.lens, cw.lens.length).set(cw.lens);
    new Uint32Array(core.memory.buffer, P.cnt, cw.cnt.length).set(cw.cnt);
    core.decodeCodeBlock(P.cw, P.lens, P.cnt, cw.lens.length, b.w, b.h, 0, cw.numBps, 0x40, P.dec, b.w);
    if (out) out.push(new Int32Array(core.memory.buffer, P.dec, b.w * b.h).slice());
  });
}
const oa = [], ob = [];
decodeAll(A, oa); decodeAll(B, ob);
let j = 0;
blocks.forEach((b, i) => {
  if (!coded[i]) return;
  const x = oa[j], y = ob[j]; j++;
  for (let k = 0; k < x.length; k++) {
    if (x[k] !== y[k]) throw new Error(`decode differs at block ${i} sample ${k}: ${x[k]} vs ${y[k]}`);
    const c = b.coef[k], e = c === 0 ? 0 : Math.sign(c) * (2 * Math.abs(c) + 1);
    if (x[k] !== e) throw new Error(`block ${i} (${b.w}x${b.h}, ${coded[i].numBps} bps, ${coded[i].bytes.length} bytes, lens ${coded[i].lens}) sample ${k}: ${x[k]}, expected ${e}; ${x.slice(0, 16)} / ${b.coef.slice(0, 16)}`);
  }
});
let samples = 0, bytes = 0;
blocks.forEach((b, i) => { samples += b.w * b.h; bytes += coded[i]?.bytes.length ?? 0; });
const cpu = (fn) => { const c0 = process.cpuUsage(); fn(); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; };
const reps = opt("--reps", 15);
const t = [[], []];
for (let k = 0; k < reps; k++) {
  const order = k & 1 ? [[1, B], [0, A]] : [[0, A], [1, B]];
  for (const [i, X] of order) t[i].push(cpu(() => decodeAll(X)));
}
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const rr = t[0].map((x, i) => x / t[1][i]);
console.log(`${file} comps ${comps} quant ${Q}: ${blocks.length} blocks, ${(bytes * 8 / samples).toFixed(2)} bpp; identical outputs`);
console.log(`  decode A ${med(t[0]).toFixed(1)} ms  B ${med(t[1]).toFixed(1)} ms  A/B median-of-pairs ${med(rr).toFixed(3)}  min-ratio ${(Math.min(...t[0]) / Math.min(...t[1])).toFixed(3)}`);
