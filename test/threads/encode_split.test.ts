/**
 * One component on two threads (src/worker/encode_split.ts, codec/transform/dwt_split.ts): the
 * worker unpacks and transforms the rows below a cut, the calling thread the rows above, each with a
 * margin of rows across the cut, and the worker codes its part's blocks from the plane it keeps.
 * The codestream must be encode()'s bytes for awkward sizes, origins, levels, code-block sizes, 5/3
 * and 9/7, 8- to 16-bit, signed samples; a margin one step too small must change them (so that the
 * check can fail); a worker that fails leaves the calling thread to do its part; samples out of
 * range in the worker's rows fail as encode() fails. Workers run the built library (dist/).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { EncodeOptions, J2kImage } from "../../src/types.js";
import { REPO_ROOT } from "../helpers/paths.js";
import { photoLike } from "../encoder/photo_like.js";

const DIST = join(REPO_ROOT, "dist/index.js");
type Lib = typeof import("../../src/index.js");
type Split = typeof import("../../src/worker/encode_split.js");
type Threads = typeof import("../../src/encode_threads.js");

async function lib(): Promise<{ j: Lib; split: Split; threads: Threads }> {
  expect(existsSync(DIST), "dist/ is built (npm test runs the build first)").toBe(true);
  return {
    j: (await import(DIST)) as Lib,
    split: (await import(join(REPO_ROOT, "dist/worker/encode_split.js"))) as Split,
    threads: (await import(join(REPO_ROOT, "dist/encode_threads.js"))) as Threads,
  };
}

/** First differing byte (-1: equal). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** One component, `bits` bits, signed or not, with edges and texture (photoLike's grey plane, rescaled). */
function grey(width: number, height: number, bits: number, signed: boolean, seed: number): J2kImage {
  const base = photoLike(width, height, 1, 16, false, seed);
  const n = width * height;
  const data = bits > 16 ? new Int32Array(n) : signed ? new Int16Array(n) : bits <= 8 ? new Uint8Array(n) : new Uint16Array(n);
  const off = signed ? 2 ** (bits - 1) : 0;
  for (let i = 0; i < n; i++) data[i] = (bits > 16 ? base.data[i]! * 2 ** (bits - 16) + (i % 251) : base.data[i]! >> (16 - bits)) - off;
  return { width, height, components: 1, bitDepth: bits, signed, data };
}

const CASES: Array<[string, J2kImage, EncodeOptions]> = [
  ["8-bit 5/3, odd size, odd origin, 16x16 blocks", grey(301, 517, 8, false, 1), { levels: 5, codeBlock: [16, 16], origin: { x: 3, y: 7 } }],
  ["8-bit 9/7 ratio, odd size, odd origin", grey(301, 517, 8, false, 2), { levels: 5, codeBlock: [16, 16], origin: { x: 5, y: 9 }, ratios: [10] }],
  ["16-bit signed 9/7, 3 layers, 32x32 blocks", grey(400, 333, 16, true, 3), { levels: 3, codeBlock: [32, 32], ratios: [20, 8, 3] }],
  ["12-bit signed 5/3, 8x4 blocks, origin", grey(257, 700, 12, true, 4), { levels: 4, codeBlock: [8, 4], origin: { x: 0, y: 13 } }],
  ["8-bit signed 9/7, odd origin, 64x32 blocks", grey(350, 611, 8, true, 11), { levels: 6, codeBlock: [64, 32], origin: { x: 1, y: 3 }, ratios: [15] }],
  ["8-bit 9/7 one level, fixed step", grey(300, 301, 8, false, 5), { levels: 1, codeBlock: [32, 32], lossless: false, qstep: 1 / 64 }],
  ["10-bit 5/3, precincts, RPCL", grey(333, 420, 10, false, 6), { levels: 4, codeBlock: [32, 32], precincts: [[64, 64], [32, 32]], progression: "RPCL" }],
  ["20-bit 5/3 (4-byte samples)", grey(260, 530, 20, false, 13), { levels: 5, codeBlock: [32, 32] }],
  ["12-bit HT lossless", grey(290, 390, 12, false, 7), { levels: 5, codeBlock: [32, 32], ht: true }],
  ["12-bit PSNR target (layers formed again after the decode check)", grey(320, 560, 12, false, 10), { levels: 4, psnr: [46] }],
];

afterEach(async () => {
  const { split } = await lib();
  Object.assign(split.splitSettings, { levels: 2, minRows: 512, margin: undefined, failWorker: false });
});
afterAll(async () => (await lib()).j.terminateWorkers());

describe("one component split by rows (2 threads): the same bytes as encode()", () => {
  it("awkward sizes, origins, levels, 5/3 and 9/7, 8- to 16-bit, signed; 1, 2 and 3 split levels", async () => {
    const { j, split, threads } = await lib();
    split.splitSettings.minRows = 64;
    for (const levels of [1, 2, 3]) {
      split.splitSettings.levels = levels;
      for (const [name, image, options] of CASES) {
        const ref = j.encode(image, options);
        const out = await j.encodeAsync(image, { ...options, threads: 2 });
        expect(firstDifference(out, ref), `${name}, ${levels} split level(s)`).toBe(-1);
        expect(threads.threadedEarlyStops.split, `${name}: split`).toBe(1);
      }
    }
    // no split: levels = 0, too few rows, three threads
    split.splitSettings.levels = 1;
    const image = grey(200, 300, 8, false, 8);
    for (const [options, t] of [[{ levels: 0 }, 2], [{}, 3]] as Array<[EncodeOptions, number]>) {
      expect(firstDifference(await j.encodeAsync(image, { ...options, threads: t }), j.encode(image, options))).toBe(-1);
      expect(threads.threadedEarlyStops.split).toBe(0);
    }
    split.splitSettings.minRows = 301;
    expect(firstDifference(await j.encodeAsync(image, { threads: 2 }), j.encode(image))).toBe(-1);
    expect(threads.threadedEarlyStops.split).toBe(0);
  });

  it("a margin one step short of the lifting's reach changes the output (the check above can fail)", async () => {
    const { j, split, threads } = await lib();
    split.splitSettings.minRows = 64;
    for (const [name, image, options, margin] of [
      ["5/3", CASES[0]![1], CASES[0]![2], 0],
      ["9/7", CASES[1]![1], CASES[1]![2], 2],
    ] as Array<[string, J2kImage, EncodeOptions, number]>) {
      split.splitSettings.margin = margin;
      const out = await j.encodeAsync(image, { ...options, threads: 2 });
      expect(threads.threadedEarlyStops.split).toBe(1);
      expect(firstDifference(out, j.encode(image, options)), `${name} with margin ${margin}`).toBeGreaterThanOrEqual(0);
    }
  });

  it("a worker that refuses its part: this thread transforms it, the same bytes", async () => {
    const { j, split, threads } = await lib();
    split.splitSettings.minRows = 64;
    split.splitSettings.failWorker = true;
    for (const [name, image, options] of CASES.slice(0, 3)) {
      const out = await j.encodeAsync(image, { ...options, threads: 2 });
      expect(threads.threadedEarlyStops.split, `${name}: nothing kept`).toBe(0);
      expect(firstDifference(out, j.encode(image, options)), name).toBe(-1);
    }
  });

  it("workers stopped during the split: this thread does the worker's part (the same bytes) or a J2kError; no hang", async () => {
    const { j } = await lib();
    const { jobsPending } = (await import(join(REPO_ROOT, "dist/worker/pool.js"))) as typeof import("../../src/worker/pool.js");
    j.setWorkerCount(2);
    const image = grey(1024, 768, 12, false, 12);
    let stopped = false;
    const outcome = j.encodeAsync(image, { threads: 2 }).then((v) => v, (e: unknown) => e);
    while (!stopped) {
      const settled = await Promise.race([outcome, new Promise((r) => setImmediate(() => r(undefined)))]);
      if (settled !== undefined) break;
      if (jobsPending() > 0) {
        j.terminateWorkers();
        stopped = true;
      }
    }
    expect(stopped, "the split's job was seen in flight").toBe(true);
    const got = await outcome;
    if (got instanceof Uint8Array) expect(firstDifference(got, j.encode(image))).toBe(-1);
    else expect(got).toMatchObject({ name: "J2kError", code: "INTERNAL" });
    expect(firstDifference(await j.encodeAsync(image, { threads: 2 }), j.encode(image)), "the pool starts again").toBe(-1);
  });

  it("a sample out of range in either part fails as encode() fails", async () => {
    const { j, split } = await lib();
    split.splitSettings.minRows = 64;
    for (const row of [3, 500]) {
      const image = grey(301, 517, 12, false, 9);
      image.data[row * 301 + 17] = 4096; // (13 bits in a 12-bit image)
      let code = "";
      try {
        j.encode(image, { levels: 3 });
      } catch (e) {
        code = (e as { code: string }).code;
      }
      expect(code, "the one-thread encode refuses it").not.toBe("");
      await expect(j.encodeAsync(image, { levels: 3, threads: 2 }), `row ${row}`).rejects.toMatchObject({ name: "J2kError", code });
    }
  });
});
