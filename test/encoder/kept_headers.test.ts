/**
 * Rate control reuses what its earlier T2 runs coded (codec/rate/measure.ts): the final write
 * copies the packet headers the trials coded (measureSeal / measureTakeHeaders,
 * codec/t2/packet_encoder.ts encodeKeptPacket), the state after a layer comes from its last trial
 * (flatCommitTrial), and a trial codes only the packets whose blocks' assignment changed since the
 * last one (flatRun). A packet's header depends only on its precinct's state after the earlier
 * layers and on its own layer's assignment (ISO/IEC 15444-1 B.10), so the sizes and bytes must be
 * those of coding every packet every time: each case encodes with the reuse off and on in the same
 * core, compares the codestreams (a trial measured wrong would move a layer's threshold), and checks
 * whether the paths were taken (else the comparison proves nothing).
 */
import { afterAll, describe, expect, test } from "vitest";
import { encode, encodeAsync, type EncodeOptions } from "../../src/index.js";
import { callCore, useFlavor } from "../../src/wasm/load.js";
import type { J2kImage } from "../../src/types.js";
import { corpusImage, cropImage as crop } from "../roundtrip/benchcorpus_images.js";

interface Counts {
  /** Final writes from kept headers. */
  used: number;
  /** Incremental trials. */
  inc: number;
  /** States after a layer moved on from its last trial. */
  commits: number;
}

/** How often each reuse happened so far. */
function counts(): Counts {
  return callCore((c) => ({ used: c.encoderKeptWrites(0), inc: c.encoderKeptWrites(1), commits: c.encoderKeptWrites(2) }));
}

function keptWrites(): number {
  return counts().used;
}

/** Encode with the reuse off, then on; the second's counts (writes from kept headers, incremental trials, states from a trial). */
function both(img: J2kImage, opts: EncodeOptions): Counts & { coded: Uint8Array; kept: Uint8Array } {
  let coded: Uint8Array;
  let kept: Uint8Array;
  let n: Counts;
  try {
    callCore((c) => c.encoderSetKeptHeaders(0));
    const n0 = counts();
    coded = encode(img, opts);
    expect(counts()).toEqual(n0); // (off: never used)
    callCore((c) => c.encoderSetKeptHeaders(1));
    kept = encode(img, opts);
    const n1 = counts();
    n = { used: n1.used - n0.used, inc: n1.inc - n0.inc, commits: n1.commits - n0.commits };
  } finally {
    callCore((c) => c.encoderSetKeptHeaders(1));
  }
  return { coded, kept, ...n };
}

const kodim = crop(corpusImage("kodim03.ppm"), 384, 256);
const dx = crop(corpusImage("dx_chest_966_2000x2128_12bit.pgm"), 320, 288);

/**
 * `used`: whether the final write can take the kept headers (one tile-part per tile, no POC, one
 * codeword segment per contribution, Part 1); `commits`: a layer's state comes from its last trial.
 */
const CASES: Array<{ name: string; img: J2kImage; opts: EncodeOptions; used: boolean; commits?: boolean }> = [
  { name: "kodim03 ratio 20", img: kodim, opts: { ratios: [20] }, used: true },
  { name: "kodim03 ratios 40/20/10", img: kodim, opts: { ratios: [40, 20, 10] }, used: true, commits: true },
  { name: "dx 12-bit five layers", img: dx, opts: { ratios: [160, 80, 40, 16, 6] }, used: true, commits: true },
  { name: "kodim03 RLCP", img: kodim, opts: { ratios: [40, 20, 10], progression: "RLCP" }, used: true },
  {
    name: "kodim03 RPCL, precincts, SOP + EPH",
    img: kodim,
    opts: { ratios: [40, 20, 10], progression: "RPCL", precincts: [[64, 64], [32, 32]], codeBlock: [16, 16], sop: true, eph: true },
    used: true,
  },
  { name: "kodim03 PCRL, PLT + TLM", img: kodim, opts: { ratios: [30, 12], progression: "PCRL", precincts: [[32, 32]], codeBlock: [32, 32], plt: true, tlm: true }, used: true },
  { name: "kodim03 CPRL, 6 tiles", img: kodim, opts: { ratios: [40, 20, 10], progression: "CPRL", tile: { width: 128, height: 128 } }, used: true },
  { name: "dx tiles at an offset, 2 layers", img: dx, opts: { ratios: [30, 10], tile: { width: 100, height: 90, x0: 0, y0: 0 }, sop: true }, used: true },
  { name: "kodim03 reset+segsym+vcausal+pterm", img: kodim, opts: { ratios: [15], codeBlockStyle: ["reset", "segsym", "vcausal", "pterm"] }, used: true },
  // not taken: tile-parts by layer, a lossless last layer (no target), several segments per block, PSNR targets
  { name: "kodim03 tile-parts by layer", img: kodim, opts: { ratios: [40, 20, 10], tileParts: "L" }, used: false },
  { name: "dx lossless last layer", img: dx, opts: { lossless: true, ratios: [20, 1] }, used: false },
  { name: "kodim03 bypass", img: kodim, opts: { ratios: [20], codeBlockStyle: ["bypass"] }, used: false },
  { name: "kodim03 termall", img: kodim, opts: { ratios: [20, 8], codeBlockStyle: ["termall"] }, used: false },
  { name: "dx PSNR 40/46", img: dx, opts: { psnr: [40, 46] }, used: false },
];

describe.each(["scalar", "simd"] as const)("final write from kept packet headers, %s build: output identical", (flavor) => {
  afterAll(() => useFlavor(null));
  test.each(CASES)("$name", ({ img, opts, used, commits }) => {
    useFlavor(flavor);
    const r = both(img, opts);
    expect(r.used).toBe(used ? 1 : 0);
    if (used) expect(r.inc).toBeGreaterThan(0);
    // (a layer's state comes from its last trial when that trial ran the final assignment: usual, not always)
    if (commits) expect(r.commits).toBeGreaterThan(0);
    expect(r.kept.length).toBe(r.coded.length);
    expect(Buffer.compare(Buffer.from(r.kept), Buffer.from(r.coded))).toBe(0);
  });
});

describe("final write from kept packet headers, threaded encode", () => {
  test("kodim03 ratios 40/20/10 on two threads: same bytes as one thread, headers kept", async () => {
    useFlavor(null);
    const opts: EncodeOptions = { ratios: [40, 20, 10] };
    callCore((c) => c.encoderSetKeptHeaders(0));
    let coded: Uint8Array;
    try {
      coded = encode(kodim, opts);
    } finally {
      callCore((c) => c.encoderSetKeptHeaders(1));
    }
    const w0 = keptWrites();
    const two = await encodeAsync(kodim, { ...opts, threads: 2 });
    expect(keptWrites()).toBe(w0 + 1);
    expect(Buffer.compare(Buffer.from(two), Buffer.from(coded))).toBe(0);
  });
});
