/**
 * One image on several threads (src/worker/threads.ts): decodeAsync({ threads }) splits the image
 * into row bands decoded as regions by the worker pool; the stitched result must equal the
 * single-threaded decode exactly, in every layout. Workers run the built library (dist/).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, readTestdata } from "../helpers/paths.js";
import { makeImage } from "../helpers/synthetic.js";

const DIST = join(REPO_ROOT, "dist/index.js");
type Lib = typeof import("../../src/index.js");
type Threads = typeof import("../../src/worker/threads.js");

async function lib(): Promise<Lib> {
  expect(existsSync(DIST), "dist/ is built (npm test runs the build first)").toBe(true);
  return (await import(DIST)) as Lib;
}
async function threadsModule(): Promise<Threads> {
  return (await import(join(REPO_ROOT, "dist/worker/threads.js"))) as Threads;
}

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

afterAll(async () => (await lib()).terminateWorkers());

describe("threaded decode (row bands)", () => {
  it("band boundaries: multiples of 64 rows, bands of at least 256 rows, cover the image", async () => {
    const { bandRows } = await threadsModule();
    expect(bandRows(2128, 2)).toEqual([[0, 1088], [1088, 2128]]);
    expect(bandRows(511, 2), "too short to split").toBeNull();
    expect(bandRows(4000, 1)).toBeNull();
    const b = bandRows(3000, 5)!;
    expect(b[0]![0]).toBe(0);
    expect(b[b.length - 1]![1]).toBe(3000);
    for (let k = 1; k < b.length; k++) expect(b[k]![0]).toBe(b[k - 1]![1]);
    for (const [y0] of b) expect(y0 % 64).toBe(0);
  });

  it("automatic thread count: every core for ≥ 2 MP while the pool is idle, else one", async () => {
    const { autoThreadCount, THREADED_MIN_PIXELS } = await threadsModule();
    expect(autoThreadCount(THREADED_MIN_PIXELS, 0, 4)).toBe(4);
    expect(autoThreadCount(THREADED_MIN_PIXELS - 1, 0, 4)).toBe(1);
    expect(autoThreadCount(10 * THREADED_MIN_PIXELS, 1, 4), "other jobs pending").toBe(1);
  });

  it("decodeAsync with threads 2 and 3 equals decode: lossless and 9/7, RGB and 12-bit grey, all layouts", async () => {
    const { decode, decodeAsync, encode, setWorkerCount, workerPoolInfo } = await lib();
    setWorkerCount(3);
    const rgb = makeImage({ width: 300, height: 777, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 5 });
    const grey = makeImage({ width: 257, height: 900, components: 1, bitDepth: 12, signed: true, content: "gradient", seed: 9 });
    const streams = [
      encode(rgb, { levels: 5 }),
      encode(rgb, { levels: 4, ratios: [30], codeBlock: [32, 32], progression: "RPCL" }),
      encode(grey, { levels: 6, ratios: [12, 4], tile: { width: 128, height: 200 } }),
      encode(grey, { levels: 3, lossless: true, precincts: [[64, 64]] }),
    ];
    for (const [i, bytes] of streams.entries()) {
      for (const layout of ["interleaved", "planar", "components"] as const) {
        const ref = decode(bytes, { layout });
        for (const threads of [2, 3]) {
          const before = workerPoolInfo().jobsDone;
          const got = await decodeAsync(bytes, { layout, threads });
          // one "split" job per band (src/worker/split_decode.ts) but the calling thread's (band 0)
          expect(workerPoolInfo().jobsDone - before, `stream ${i} was split into ${threads} bands, one on the calling thread`).toBe(threads - 1);
          expect([got.width, got.height, got.components, got.layout]).toEqual([ref.width, ref.height, ref.components, ref.layout]);
          expect(got.data.constructor).toBe(ref.data.constructor);
          expect(got.componentInfo).toEqual(ref.componentInfo);
          expect(got.partial).toBe(false);
          expect(same(got.data, ref.data), `stream ${i} ${layout} threads ${threads}`).toBe(true);
          if (layout === "components") {
            expect(got.componentData!.length).toBe(ref.componentData!.length);
            ref.componentData!.forEach((c, k) => expect(same(got.componentData![k]!, c), `component ${k}`).toBe(true));
          }
        }
      }
    }
  });

  it("a large real-world JP2 (9/7, 8 levels, 8 layers) decodes identically on 2 threads by default", async () => {
    const { decode, decodeAsync, setWorkerCount, workerPoolInfo } = await lib();
    setWorkerCount(2);
    const bytes = readTestdata("realworld/kakadu71.jp2");
    const ref = decode(bytes);
    expect(ref.width * ref.height, "above the automatic threshold").toBeGreaterThanOrEqual((await threadsModule()).THREADED_MIN_PIXELS);
    const before = workerPoolInfo().jobsDone;
    const got = await decodeAsync(bytes); // no threads option: every core (at least 2 here, see setWorkerCount)
    const jobs = workerPoolInfo().jobsDone - before;
    expect(jobs, "split into bands unless the machine has one core").toBeGreaterThanOrEqual(1);
    expect(same(got.data, ref.data)).toBe(true);
    expect(got.colorSpace).toEqual(ref.colorSpace);
  });

  it("work-balanced bands: the cut moves towards the busy rows, mid code-block, and the bands tile the image", async () => {
    const { encode } = await lib();
    const { balancedBands, bandRows, MIN_BAND_ROWS } = await threadsModule();
    // flat top, noise at the bottom: the bottom rows hold nearly all the coded bytes
    const W = 256, H = 1024;
    const img = makeImage({ width: W, height: H, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 3 });
    const data = img.data as Uint8Array;
    data.fill(77, 0, (H / 2) * W);
    const bytes = encode(img, { levels: 5, lossless: true, codeBlock: [64, 64] });
    const bands = balancedBands(bytes, H, 2, {})!;
    expect(bands.length).toBe(2);
    expect(bands[0]![0]).toBe(0);
    expect(bands[1]![1]).toBe(H);
    expect(bands[1]![0]).toBe(bands[0]![1]);
    const cut = bands[0]![1];
    expect(cut, "more rows to the band with the flat half").toBeGreaterThan(bandRows(H, 2)![0]![1]);
    expect(cut % 128, "mid code-block: 64 mod 128 for 64-row blocks").toBe(64);
    expect(H - cut).toBeGreaterThanOrEqual(MIN_BAND_ROWS);
    // 32-row blocks: cuts at 32 mod 64
    const b32 = balancedBands(encode(img, { levels: 5, lossless: true, codeBlock: [32, 32] }), H, 3, {})!;
    expect(b32.length).toBe(3);
    for (const [y0, y1] of b32) expect(y1 - y0).toBeGreaterThanOrEqual(MIN_BAND_ROWS);
    for (let k = 1; k < 3; k++) expect(b32[k]![0] % 64, `cut ${k}`).toBe(32);
    // damaged data: equal bands (the band decodes then report the error)
    expect(balancedBands(bytes.subarray(0, 400), H, 2, {})).toEqual(bandRows(H, 2));
  });

  it("random images and coding options: 2 and 3 threads decode exactly as one", async () => {
    const { decode, decodeAsync, encode, setWorkerCount } = await lib();
    setWorkerCount(3);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          width: fc.integer({ min: 17, max: 90 }),
          height: fc.integer({ min: 512, max: 1400 }),
          components: fc.constantFrom(1, 3),
          busy: fc.double({ min: 0, max: 1, noNaN: true }),
          levels: fc.integer({ min: 1, max: 7 }),
          block: fc.constantFrom(16, 32, 64),
          lossless: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1 << 30 }),
          threads: fc.constantFrom(2, 3),
        }),
        async (p) => {
          const img = makeImage({ width: p.width, height: p.height, components: p.components, bitDepth: 8, signed: false, content: "noise", seed: p.seed });
          (img.data as Uint8Array).fill(128, 0, Math.floor(p.busy * p.height) * p.width * p.components); // flat rows on top
          const bytes = encode(img, { levels: p.levels, codeBlock: [p.block, p.block], ...(p.lossless ? { lossless: true } : { ratios: [8] }) });
          const got = await decodeAsync(bytes, { threads: p.threads });
          expect(same(got.data, decode(bytes).data)).toBe(true);
        },
      ),
      { numRuns: 12, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {}) },
    );
  });

  it("a damaged codestream on 2 threads: the same J2kError as one thread, and allowPartial works", async () => {
    const { decode, decodeAsync, encode, J2kError } = await lib();
    const img = makeImage({ width: 120, height: 800, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 8 });
    const cut = encode(img, { levels: 4, lossless: true }).slice(0, 20_000);
    const err = await decodeAsync(cut, { threads: 2 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(J2kError);
    expect((err as InstanceType<typeof J2kError>).code).toBe("PACKET_TRUNCATED");
    const partial = await decodeAsync(cut, { threads: 2, allowPartial: true });
    expect(partial.partial).toBe(true);
    expect(same(partial.data, decode(cut, { allowPartial: true }).data)).toBe(true);
  });

  it("fewer workers than bands: the band jobs run one after the other, nothing waits; workers stopped mid-decode: a J2kError", async () => {
    const { decode, decodeAsync, encode, setWorkerCount, startWorkers, terminateWorkers, workerPoolInfo, J2kError } = await lib();
    const img = makeImage({ width: 160, height: 900, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 12 });
    const bytes = encode(img, { levels: 5, ratios: [6] });
    const ref = decode(bytes).data;
    // one worker, three bands (one on the calling thread): each worker band's job runs alone, so
    // the later bands' shares never reach the earlier ones (they decode those blocks themselves) —
    // the decode still completes, identical
    setWorkerCount(1);
    const before = workerPoolInfo().jobsDone;
    expect(same((await decodeAsync(bytes, { threads: 3 })).data, ref)).toBe(true);
    expect(workerPoolInfo().jobsDone - before, "two band jobs on one worker").toBe(2);
    // workers stopped while the worker's band job runs (posted before decodeAsync returns; the
    // calling thread's band is decoded by then). The band comes back in its answer here (no shared
    // buffer): the answer never comes
    const { sharedBandsPolicy } = await threadsModule();
    setWorkerCount(2);
    expect(await startWorkers()).toBe(2);
    sharedBandsPolicy.on = false;
    try {
      const pending = decodeAsync(bytes, { threads: 2 });
      expect(workerPoolInfo().running, "the other band's job was posted").toBe(1);
      terminateWorkers();
      const err = await pending.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(J2kError);
      expect((err as InstanceType<typeof J2kError>).code).toBe("INTERNAL");
    } finally {
      sharedBandsPolicy.on = true;
    }
    expect(same((await decodeAsync(bytes, { threads: 2 })).data, ref), "new workers decode the next call").toBe(true);
    // with a shared buffer the calling thread may have the worker's band complete before decodeAsync
    // returns (it copies the rows as the job writes them, and takes the job's answer from its port):
    // then stopping the workers changes nothing; else the same J2kError
    for (let round = 0; round < 3; round++) {
      const pending = decodeAsync(bytes, { threads: 2 });
      terminateWorkers();
      const out = await pending.then((img) => img, (e: unknown) => e);
      if (out instanceof J2kError) expect((out as InstanceType<typeof J2kError>).code).toBe("INTERNAL");
      else expect(same((out as { data: Uint8Array }).data, ref), `round ${round}: complete before the workers stopped`).toBe(true);
    }
    expect(same((await decodeAsync(bytes, { threads: 2 })).data, ref), "new workers decode the next call").toBe(true);
  });

  it("on a browser window's main thread the calling thread decodes no band: threads workers do; elsewhere it decodes band 0", async () => {
    const { decode, decodeAsync, encode, setWorkerCount, workerPoolInfo } = await lib();
    const { callerPolicy } = await threadsModule();
    setWorkerCount(3);
    const img = makeImage({ width: 120, height: 800, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 41 });
    const bytes = encode(img, { levels: 5, ratios: [10] });
    const ref = decode(bytes).data;
    try {
      for (const [mayWork, threads, jobs] of [[false, 2, 2], [false, 3, 3], [true, 2, 1], [true, 3, 2]] as const) {
        callerPolicy.override = mayWork;
        const before = workerPoolInfo().jobsDone;
        const got = await decodeAsync(bytes, { threads });
        expect(workerPoolInfo().jobsDone - before, `calling thread may work: ${mayWork}, threads ${threads}`).toBe(jobs);
        expect(same(got.data, ref)).toBe(true);
      }
    } finally {
      callerPolicy.override = undefined;
    }
  });

  it("a codestream given as a view into a larger buffer decodes on 2 threads as in one piece", async () => {
    const { decode, decodeAsync, encode, setWorkerCount } = await lib();
    setWorkerCount(2);
    const img = makeImage({ width: 90, height: 640, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 21 });
    const bytes = encode(img, { levels: 4, ratios: [4] });
    const big = new Uint8Array(bytes.length + 5000).fill(0x5a);
    big.set(bytes, 13);
    const view = big.subarray(13, 13 + bytes.length);
    const got = await decodeAsync(view, { threads: 2 });
    expect(same(got.data, decode(bytes).data)).toBe(true);
    expect(Array.from(big.subarray(0, 13)), "the caller's buffer is left alone").toEqual(new Array(13).fill(0x5a));
  });

  it("threads 1, region and reduce decode in one piece; bad thread counts are INVALID_ARGUMENT", async () => {
    const { decode, decodeAsync, encode, workerPoolInfo } = await lib();
    const img = makeImage({ width: 200, height: 700, components: 1, bitDepth: 8, signed: false, content: "checker", seed: 1 });
    const bytes = encode(img, { levels: 3 });
    for (const opts of [{ threads: 1 }, { threads: 4, reduce: 1 }, { threads: 4, region: { x: 3, y: 10, width: 50, height: 600 } }]) {
      const before = workerPoolInfo().jobsDone;
      const got = await decodeAsync(bytes, opts);
      expect(workerPoolInfo().jobsDone - before, JSON.stringify(opts)).toBe(1);
      const { threads: _t, ...rest } = opts;
      expect(same(got.data, decode(bytes, rest).data)).toBe(true);
    }
    for (const threads of [0, 1.5, 65, "2"]) {
      await expect(decodeAsync(bytes, { threads: threads as number })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
  });
});
