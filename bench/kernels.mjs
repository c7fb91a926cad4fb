// Per-kernel throughput of the transform / quantisation kernels (codec/transform, codec/quant) on a
// 2048×2048 plane, scalar and SIMD builds, in mega-samples per second (MS/s; one "sample" is one
// plane element, so a 3-component kernel on 2048×2048 counts 3·2048² samples).
//
//   node bench/kernels.mjs [filter]        (run `npm run build:wasm` first)
//
// Loads wasm/j2kit.wasm and wasm/j2kit.simd.wasm directly (J2KIT_WASM_DIR overrides the folder).
// Each kernel runs on the same input several times; the best CPU time of this process is reported
// (less sensitive than wall time to other processes sharing the machine). "5 levels" rows count the
// 2048² image samples, while the work is 4/3 of that.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = process.env.J2KIT_WASM_DIR ?? join(root, "wasm");
const filter = process.argv[2] ?? "";
const W = 2048;
const H = 2048;
const N = W * H;
const REPEAT = Number(process.env.REPEAT ?? 11);

function instantiate(file) {
  const mod = new WebAssembly.Module(readFileSync(join(dir, file)));
  const inst = new WebAssembly.Instance(mod, {
    env: {
      j2kFail(code) {
        throw new Error(`core failed with code ${code}`);
      },
      abort() {
        throw new Error("abort");
      },
      trace() {},
      seed: () => 1,
    },
  });
  return inst.exports;
}

/** Deterministic pseudo-random fill. */
function fill(view, lo, hi, seed) {
  let x = seed >>> 0 || 1;
  const span = hi - lo + 1;
  for (let i = 0; i < view.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    view[i] = lo + ((x >>> 0) % span);
  }
}

function bestMs(fn, before) {
  let best = Infinity;
  for (let r = 0; r < REPEAT; r++) {
    before?.();
    const u0 = process.cpuUsage();
    fn();
    const u = process.cpuUsage(u0);
    best = Math.min(best, (u.user + u.system) / 1000);
  }
  return best;
}

function run(flavor, file) {
  const c = instantiate(file);
  c.jobBegin();
  c.setMemoryLimit(0xf000_0000);
  const planes = [0, 1, 2].map(() => c.alloc(N * 4));
  const src = c.alloc(N * 4);
  const host = c.alloc(N * 4 * 4);
  const tmp = c.alloc(c.dwtScratchBytes(Math.max(W, H)));
  const ptrs = c.alloc(16);
  const mem = () => c.memory.buffer;
  new Uint32Array(mem(), ptrs, 4).set([planes[0], planes[1], planes[2], planes[0]]);
  const i32 = (p) => new Int32Array(mem(), p, N);
  const f32 = (p) => new Float32Array(mem(), p, N);
  fill(i32(src), -2048, 2047, 7);
  const srcF = new Float32Array(N);
  for (let i = 0; i < N; i++) srcF[i] = i32(src)[i] + 0.25;
  const loadI32 = () => planes.forEach((p) => i32(p).set(i32(src)));
  const loadF32 = () => planes.forEach((p) => f32(p).set(srcF));
  const rows = [];
  const add = (name, samples, fn, before) => {
    if (!name.includes(filter)) return;
    const ms = bestMs(fn, before);
    rows.push({ name, ms, msps: samples / ms / 1000 });
  };
  const [p0, p1, p2] = planes;

  add("dwt53InverseLevel 2048x2048 (1 level)", N, () => c.dwt53InverseLevel(p0, W, W, H, 0, 0, tmp), loadI32);
  add("dwt53ForwardLevel 2048x2048 (1 level)", N, () => c.dwt53ForwardLevel(p0, W, W, H, 0, 0, tmp), loadI32);
  add("dwt53 inverse, 5 levels (full decode)", N, () => {
    for (let r = 4; r >= 0; r--) c.dwt53InverseLevel(p0, W, W >> r, H >> r, 0, 0, tmp);
  }, loadI32);
  add("dwt97InverseLevel 2048x2048 (1 level)", N, () => c.dwt97InverseLevel(p0, W, W, H, 0, 0, tmp), loadF32);
  add("dwt97ForwardLevel 2048x2048 (1 level)", N, () => c.dwt97ForwardLevel(p0, W, W, H, 0, 0, tmp), loadF32);
  add("dwt97 inverse, 5 levels (full decode)", N, () => {
    for (let r = 4; r >= 0; r--) c.dwt97InverseLevel(p0, W, W >> r, H >> r, 0, 0, tmp);
  }, loadF32);
  add("rctInverseToOutput (3 planes)", 3 * N, () => c.rctInverseToOutput(p0, p1, p2, W, W, H, 128, 128, 128, 0, 0, 0, 255, 255, 255), loadI32);
  add("rctForward (3 planes)", 3 * N, () => c.rctForward(p0, p1, p2, W, W, H), loadI32);
  add("ictInverseToOutput f32->i32 (3 planes)", 3 * N, () => c.ictInverseToOutput(p0, p1, p2, W, p0, p1, p2, W, W, H, 128, 128, 128, 0, 0, 0, 255, 255, 255), loadF32);
  add("ictForward (3 planes)", 3 * N, () => c.ictForward(p0, p1, p2, W, W, H), loadF32);
  add("shiftClampI32", N, () => c.shiftClampI32(p0, W, W, H, 2048, 0, 4095), loadI32);
  add("roundShiftClampF32", N, () => c.roundShiftClampF32(p0, W, p0, W, W, H, 2048, 0, 4095), loadF32);
  add("packComponent -> u8 planar", N, () => c.packComponent(p0, W, W, H, host, 1, W, 1, 0), loadI32);
  add("packComponent -> u16 planar", N, () => c.packComponent(p0, W, W, H, host, 1, W, 2, 0), loadI32);
  add("packInterleaved 3 comps -> u8", 3 * N, () => c.packInterleaved(ptrs, 3, W, W, H, host, 3 * W, 1, 0), loadI32);
  add("packInterleaved 3 comps -> u16", 3 * N, () => c.packInterleaved(ptrs, 3, W, W, H, host, 3 * W, 2, 0), loadI32);
  add("packInterleaved 4 comps -> u8", 4 * N, () => c.packInterleaved(ptrs, 4, W, W, H, host, 4 * W, 1, 0), loadI32);
  add("unpackComponent u8 planar", N, () => c.unpackComponent(host, 1, W, 1, 0, W, H, p0, W, 128));
  add("unpackComponent u16 planar", N, () => c.unpackComponent(host, 1, W, 2, 0, W, H, p0, W, 2048));
  add("unpackComponent u8 interleaved (1 of 3)", N, () => c.unpackComponent(host, 3, 3 * W, 1, 0, W, H, p0, W, 128));
  add("unpackComponentF32 u8 planar", N, () => c.unpackComponentF32(host, 1, W, 1, 0, W, H, p0, W, 128));
  add("dequantCopyRev (64x64 blocks)", N, () => {
    for (let y = 0; y < H; y += 64) for (let x = 0; x < W; x += 64) c.dequantCopyRev(src + (y * W + x) * 4, 64, 64, W, p0 + (y * W + x) * 4, W, 0);
  });
  add("dequantCopyRev, ROI shift 5 (64x64 blocks)", N, () => {
    for (let y = 0; y < H; y += 64) for (let x = 0; x < W; x += 64) c.dequantCopyRev(src + (y * W + x) * 4, 64, 64, W, p0 + (y * W + x) * 4, W, 5);
  });
  add("dequantCopyIrr (64x64 blocks)", N, () => {
    for (let y = 0; y < H; y += 64) for (let x = 0; x < W; x += 64) c.dequantCopyIrr(src + (y * W + x) * 4, 64, 64, W, p0 + (y * W + x) * 4, W, 0.37, 0);
  });
  add("quantizeCopyIrr (64x64 blocks)", N, () => {
    for (let y = 0; y < H; y += 64) for (let x = 0; x < W; x += 64) c.quantizeCopyIrr(p1 + (y * W + x) * 4, W, 64, 64, p0 + (y * W + x) * 4, W, 0.37, 6);
  }, loadF32);
  return rows.map((r) => ({ ...r, flavor }));
}

const scalar = run("scalar", "j2kit.wasm");
const simd = run("simd", "j2kit.simd.wasm");
const pad = (s, n) => String(s).padEnd(n);
const num = (v) => v.toFixed(1).padStart(9);
console.log(`kernel throughput on ${W}x${H}, MS/s (best CPU time of ${REPEAT} runs); node ${process.version}`);
console.log(`${pad("kernel", 46)}${"scalar".padStart(9)}${"simd".padStart(9)}${"ms simd".padStart(10)}`);
for (let i = 0; i < scalar.length; i++) {
  console.log(`${pad(scalar[i].name, 46)}${num(scalar[i].msps)}${num(simd[i].msps)}${simd[i].ms.toFixed(2).padStart(10)}`);
}
