#!/usr/bin/env node
/**
 * A/B of two builds of the core's tier-1 block coder on real code-blocks: the first component of a
 * ../shared/benchcorpus image goes through a reversible 5/3 DWT (done here in JS; 5 levels, 6 above
 * 1500 pixels wide), optionally divided by a quantisation step (high bands), and every 64×64 block
 * is coded by ebcotEncodeBlock / ebcotDecodeBlock of both cores. Checks that both cores give the
 * same bytes, pass records and reconstructions, then times all blocks' decode and encode, alternating
 * the cores, in CPU time (steadier on a shared machine). Prints medians and the median of the pairs'
 * ratios A/B (> 1: B is faster).
 *
 *   npx asc codec/index.ts --target release -o /tmp/a.wasm    (the "before" core, from the old tree)
 *   node --no-liftoff bench/t1_ab.mjs /tmp/a.wasm wasm/j2kit.wasm kodim08.ppm [--quant 16] [--reps 9]
 *        [--wantd 1] [--style 0]
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
  console.error("usage: node --no-liftoff bench/t1_ab.mjs A.wasm B.wasm IMAGE [--quant q] [--reps n] [--wantd 1] [--style s]");
  process.exit(2);
}
const { readPnm } = await import(resolve(repoRoot, "dist/io/pnm.js"));
const im = readPnm(new Uint8Array(readFileSync(resolve(repoRoot, "../shared/benchcorpus", file))));
const W = im.width, H = im.height, nc = im.components;
const img = new Int32Array(W * H);
const half = 1 << (im.bitDepth - 1);
for (let i = 0; i < W * H; i++) img[i] = im.data[i * nc] - half;
const Q = opt("--quant", 1), wantD = opt("--wantd", 0), STYLE = opt("--style", 0);
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
const bands = [];
let w = W, h = H;
for (let l = 0; l < LEVELS; l++) {
  const row = new Int32Array(Math.max(w, h));
  for (let y = 0; y < h; y++) { for (let x = 0; x < w; x++) row[x] = img[y * W + x]; lift1d(row, w); for (let x = 0; x < w; x++) img[y * W + x] = row[x]; }
  for (let x = 0; x < w; x++) { for (let y = 0; y < h; y++) row[y] = img[y * W + x]; lift1d(row, h); for (let y = 0; y < h; y++) img[y * W + x] = row[y]; }
  const lw = (w + 1) >> 1, lh = (h + 1) >> 1;
  bands.push({ x0: lw, y0: 0, w: w - lw, h: lh, orient: 1, q: Q }, { x0: 0, y0: lh, w: lw, h: h - lh, orient: 2, q: Q }, { x0: lw, y0: lh, w: w - lw, h: h - lh, orient: 3, q: Q });
  w = lw; h = lh;
}
bands.push({ x0: 0, y0: 0, w, h, orient: 0, q: 1 });
const blocks = [];
for (const b of bands) for (let by = 0; by < b.h; by += 64) for (let bx = 0; bx < b.w; bx += 64) {
  const bw = Math.min(64, b.w - bx), bh = Math.min(64, b.h - by);
  const c = new Int32Array(bw * bh);
  for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) { const v = img[(b.y0 + by + y) * W + b.x0 + bx + x]; c[y * bw + x] = Math.sign(v) * Math.floor(Math.abs(v) / b.q); }
  blocks.push({ w: bw, h: bh, orient: b.orient, coef: c });
}
function mk(path) {
  const core = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), { env: { j2kFail(c, o, a, b) { throw new Error(`fail ${c} ${o} ${a} ${b}`); }, abort() { throw new Error("abort"); }, trace() {}, seed() { return 1; }, j2kStage() {} } }).exports;
  core.jobBegin();
  const P = { coef: core.alloc(4096 * 4), cw: core.alloc((1 << 20) + 8), pass: core.alloc(16 * 128), info: core.alloc(16), lens: core.alloc(512), cnt: core.alloc(512), dec: core.alloc(4096 * 4) };
  return { core, P };
}
const A = mk(wa), B = mk(wb);
function encodeAll(X, keep) {
  const { core, P } = X; const res = [];
  for (const b of blocks) {
    new Int32Array(core.memory.buffer, P.coef, b.w * b.h).set(b.coef);
    core.ebcotEncodeBlock(P.coef, b.w, b.w, b.h, b.orient, STYLE, 0, P.cw, 1 << 20, P.pass, 128, wantD, P.info);
    if (keep) {
      const [numBps, numPasses, total] = new Int32Array(core.memory.buffer, P.info, 3);
      const dv = new DataView(core.memory.buffer); const lens = [], cnt = [], recs = [];
      let start = 0, first = 0;
      for (let k = 0; k < numPasses; k++) { recs.push(dv.getUint32(P.pass + 16 * k + 8, true), dv.getFloat64(P.pass + 16 * k, true)); if (dv.getUint32(P.pass + 16 * k + 12, true) & 1) { const r = dv.getUint32(P.pass + 16 * k + 8, true); lens.push(r - start); cnt.push(k + 1 - first); start = r; first = k + 1; } }
      res.push({ numBps, numPasses, total, bytes: new Uint8Array(core.memory.buffer, P.cw, total).slice(), lens, cnt, recs });
    }
  }
  return res;
}
let coded;
function decodeAll(X, out) {
  const { core, P } = X;
  blocks.forEach((b, i) => {
    const cw = coded[i];
    new Uint8Array(core.memory.buffer).set(cw.bytes, P.cw);
    new Uint32Array(core.memory.buffer, P.lens, cw.lens.length).set(cw.lens);
    new Uint32Array(core.memory.buffer, P.cnt, cw.cnt.length).set(cw.cnt);
    core.ebcotDecodeBlock(P.cw, P.lens, P.cnt, cw.lens.length, b.w, b.h, b.orient, cw.numBps, STYLE, P.dec, b.w);
    if (out) out.push(new Int32Array(core.memory.buffer, P.dec, b.w * b.h).slice());
  });
}
// identity check
const ca = encodeAll(A, true), cb = encodeAll(B, true);
for (let i = 0; i < ca.length; i++) {
  if (ca[i].total !== cb[i].total || !ca[i].bytes.every((x, k) => x === cb[i].bytes[k]) || ca[i].recs.join() !== cb[i].recs.join()) throw new Error(`encode differs at block ${i}`);
}
coded = ca;
const oa = [], ob = []; decodeAll(A, oa); decodeAll(B, ob);
for (let i = 0; i < oa.length; i++) if (!oa[i].every((x, k) => x === ob[i][k])) throw new Error(`decode differs at block ${i}`);
let samples = 0, sp = 0, bytes = 0;
blocks.forEach((b, i) => { samples += b.w * b.h; sp += b.w * b.h * coded[i].numPasses; bytes += coded[i].total; });
const cpu = (fn) => { const c0 = process.cpuUsage(); fn(); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; };
const reps = opt("--reps", 9);
const r = { dec: [[], []], enc: [[], []] };
for (let k = 0; k < reps; k++) {
  for (const [j, X] of [[0, A], [1, B]]) { r.dec[j].push(cpu(() => decodeAll(X))); r.enc[j].push(cpu(() => encodeAll(X, false))); }
}
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const ratios = (t) => { const rr = t[0].map((x, i) => x / t[1][i]); return `A ${med(t[0]).toFixed(1)} ms  B ${med(t[1]).toFixed(1)} ms  A/B median-of-pairs ${med(rr).toFixed(3)}  min-ratio ${(Math.min(...t[0]) / Math.min(...t[1])).toFixed(3)}`; };
console.log(`${file} q=${Q} wantD=${wantD}: ${blocks.length} blocks, ${(sp / samples).toFixed(1)} passes/sample, ${(bytes * 8 / samples).toFixed(2)} bpp; identical outputs`);
console.log(`  decode ${ratios(r.dec)}`);
console.log(`  encode ${ratios(r.enc)}`);
