// Diagnostic (not a benchmark): does the EBCOT encoder's recorded truncation length of each pass
// (PassRecord.rate, "the shortest prefix of the codeword that still decodes the passes up to it",
// docs/ARCHITECTURE.md Seam 1) decode those passes exactly as the whole codeword does? Random small
// blocks with magnitudes 2, 6, 10 (the pattern of truncated-block re-coding in codec/transcode.ts).
// Found on 2026-12-04: 6 of 20000 such blocks (styles 0, RESET, PTERM; e.g. 3x3 LL, RESET,
// [0,0,-10,0,6,0,0,0,-6]: pass 4 from a 1-byte prefix vs the 4-byte codeword) differed at an
// intermediate pass: mqTruncationLength ignored the interval's lower bound, so a prefix could stop
// just before "FF 80" and lose the carry coded after the 0xFF. Fixed on 2026-12-05 (0 of 200000;
// test/unit/t1.test.ts keeps it so); codec/transcode.ts still checks every re-coded block. Run after
// `npm run build`:  node bench/ebcot_prefix.mjs [iterations]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { callCore } = await import(join(root, "dist/wasm/load.js"));
const iterations = Number(process.argv[2] ?? 50000);
let seed = 12345;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const found = {};
callCore((c) => {
  const coef = c.alloc(4096 * 4), out = c.alloc(1 << 16), passes = c.alloc(90 * 16), info = c.alloc(16);
  const data = c.alloc(1 << 16), segLens = c.alloc(64), segPasses = c.alloc(64), dec = c.alloc(4096 * 4), full = c.alloc(4096 * 4);
  for (let iter = 0; iter < iterations; iter++) {
    const w = 1 + Math.floor(rnd() * 4), h = 1 + Math.floor(rnd() * 8);
    const style = [0, 0x08, 0x02, 0x10, 0x20][Math.floor(rnd() * 5)];
    const orient = Math.floor(rnd() * 4);
    let m = new Int32Array(c.memory.buffer);
    for (let i = 0; i < w * h; i++) m[coef / 4 + i] = rnd() < 0.5 ? 0 : (rnd() < 0.5 ? -1 : 1) * (4 * Math.floor(rnd() * 2) + 2 + (rnd() < 0.3 ? 4 : 0));
    c.ebcotEncodeBlock(coef, w, w, h, orient, style, 0, out, 1 << 16, passes, 88, 0, info);
    m = new Int32Array(c.memory.buffer);
    const nb = m[info / 4], np = m[info / 4 + 1], len = m[info / 4 + 2];
    if (nb === 0) continue;
    const rate = (k) => new Uint32Array(c.memory.buffer)[(passes + k * 16 + 8) / 4];
    for (let k = 0; k < np; k++) {
      for (const [dst, n] of [[full, len], [dec, rate(k)]]) {
        const u8 = new Uint8Array(c.memory.buffer);
        u8.copyWithin(data, out, out + n);
        u8.fill(0xff, data + n, data + n + 8);
        const v = new Uint32Array(c.memory.buffer);
        v[segLens / 4] = n;
        v[segPasses / 4] = k + 1;
        c.decodeCodeBlock(data, segLens, segPasses, 1, w, h, orient, nb, style, dst, w);
      }
      m = new Int32Array(c.memory.buffer);
      let same = true;
      for (let i = 0; i < w * h; i++) if (m[full / 4 + i] !== m[dec / 4 + i]) same = false;
      if (!same) {
        const key = `style 0x${style.toString(16)}`;
        found[key] = (found[key] ?? 0) + 1;
        if (found[key] <= 2) console.log("differs:", JSON.stringify({ w, h, style, orient, numBps: nb, passes: np, pass: k, prefix: rate(k), codeword: len, coefficients: Array.from(new Int32Array(c.memory.buffer, coef, w * h)) }));
        break;
      }
    }
  }
});
console.log(`blocks whose prefix decodes differently, of ${iterations}:`, found);
