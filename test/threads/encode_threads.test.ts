/**
 * One encode on several threads (src/encode_threads.ts): encodeAsync({ threads }) defers block
 * coding to the worker pool while the calling thread transforms and runs rate control and T2. The
 * codestream must be the same bytes as the synchronous encode() with the same options, for every
 * path of the encoder that codes blocks: lossless, fixed step, rate control with one and several
 * layers (pilots + early stops), PSNR targets (layers formed again after the decode check), HT with
 * and without rate control (one tile: lower resolutions coded last, at a coarser step, and coded
 * again), several tiles (rate control giving the tiles again), sub-sampled planes. Workers run the
 * built library (dist/).
 *
 * Reproduce a property failure with the seed and path fast-check prints: FC_SEED=<seed> FC_PATH=<path>.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { EncodeOptions, J2kImage } from "../../src/types.js";
import { BENCHCORPUS, REPO_ROOT } from "../helpers/paths.js";
import { readPnm } from "../../src/io/pnm.js";
import { makeImage, CONTENT_KINDS } from "../helpers/synthetic.js";
import { photoLike } from "../encoder/photo_like.js";

const DIST = join(REPO_ROOT, "dist/index.js");
type Lib = typeof import("../../src/index.js");

async function lib(): Promise<Lib> {
  expect(existsSync(DIST), "dist/ is built (npm test runs the build first)").toBe(true);
  return (await import(DIST)) as Lib;
}

const fcParams = {
  seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined,
  path: process.env.FC_PATH,
  endOnFailure: true,
};

/** First differing byte (-1: equal), for a readable failure. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** Planes of an interleaved image, component c sub-sampled by (dx, dy) (planar input). */
function subsampledPlanar(image: J2kImage, sub: Array<[number, number]>): J2kImage {
  const { width: W, height: H, components: C } = image;
  const planes: number[] = [];
  for (let c = 0; c < C; c++) {
    const [dx, dy] = sub[c]!;
    for (let y = 0; y < Math.ceil(H / dy); y++) for (let x = 0; x < Math.ceil(W / dx); x++) planes.push(image.data[(y * dy * W + x * dx) * C + c]!);
  }
  return { ...image, data: Uint8Array.from(planes) };
}

afterAll(async () => (await lib()).terminateWorkers());

describe("encodeAsync on several threads: the same bytes as encode()", () => {
  it("every block-coding path of the encoder, 2 and 3 threads", async () => {
    const { encode, encodeAsync, setWorkerCount, workerPoolInfo } = await lib();
    setWorkerCount(3);
    const rgb = photoLike(301, 263, 3, 8, false, 7);
    const grey12 = photoLike(257, 190, 1, 12, true, 3);
    const rgba16 = photoLike(140, 120, 4, 16, false, 11);
    const ct = readPnm(new Uint8Array(readFileSync(join(BENCHCORPUS, "ct_693_512x512_14bit.pgm"))));
    const cases: Array<[string, J2kImage, EncodeOptions]> = [
      ["lossless RGB", rgb, { codeBlock: [32, 32] }],
      ["lossless signed 12-bit grey, 3 levels", grey12, { levels: 3, codeBlock: [16, 16] }],
      ["lossless 16-bit RGBA, RPCL, precincts", rgba16, { progression: "RPCL", precincts: [[64, 64]], codeBlock: [16, 16] }],
      ["9/7 fixed step", rgb, { lossless: false, qstep: 0.02, codeBlock: [32, 32] }],
      ["9/7 ratio 20 (pilots + early stops)", rgb, { lossless: false, ratios: [20], codeBlock: [32, 32] }],
      ["9/7 ratio 20, origin 7,9 (odd resolution bounds)", rgb, { lossless: false, ratios: [20], origin: { x: 7, y: 9 }, levels: 4 }],
      ["9/7 ratio 12, 12-bit grey (one component)", grey12, { lossless: false, ratios: [12] }],
      ["9/7 layers 80/40/10, segsym, SOP/EPH", rgb, { lossless: false, ratios: [80, 40, 10], codeBlockStyle: ["segsym"], sop: true, eph: true }],
      ["9/7 ratio 8, bypass + termall (no early stop)", grey12, { lossless: false, ratios: [8], codeBlockStyle: ["bypass", "termall"] }],
      ["9/7 PSNR layers (decode check, layers formed again)", rgb, { lossless: false, psnr: [30, 38], codeBlock: [32, 32] }],
      ["9/7 PSNR then lossless last layer", grey12, { psnr: [40, Infinity] }],
      ["lossless layers 30/10/1", grey12, { ratios: [30, 10, 1] }],
      ["HT lossless", rgb, { ht: true, codeBlock: [32, 32] }],
      ["HT ratio 20 (step chosen, sets planned)", rgb, { ht: true, lossless: false, ratios: [20] }],
      // one tile, one layer: the top two resolutions' blocks are coded with one set first, the lower
      // ones last (htLowCode), with a coarser step of their own when the estimate is over the budget;
      // when PCRD still leaves out blocks worth more than a little, the lower ones are coded again
      // with more sets (htLiteCheck: listed for the workers from rate control). Which of these each
      // case takes is asserted below (HT_PATHS), so that a case cannot stop exercising its path unseen
      ["HT ratio 8", rgb, { ht: true, lossless: false, ratios: [8] }],
      ["HT ratio 20, 14-bit CT (lower resolutions coded last, coarser step)", ct, { ht: true, ratios: [20] }],
      ["HT ratio 50, 14-bit CT (coarser lower step, then blocks coded again)", ct, { ht: true, ratios: [50] }],
      ["HT layers 40/10", grey12, { ht: true, lossless: false, ratios: [40, 10] }],
      ["tiles 128×96, lossless, tile-parts by resolution", rgb, { tile: { width: 128, height: 96 }, tileParts: "R", tlm: true }],
      ["tiles 100×100, 9/7 ratio 30 (tiles given again)", rgb, { lossless: false, ratios: [30], tile: { width: 100, height: 100 } }],
      ["tiles with offset origin, HT ratio 15", grey12, { ht: true, lossless: false, ratios: [15], tile: { width: 96, height: 64, x0: 5, y0: 3 }, origin: { x: 7, y: 9 } }],
      ["JP2 file, 9/7 quality", rgb, { format: "jp2", quality: 60 }],
      ["sub-sampled planes 4:2:0", subsampledPlanar(rgb, [[1, 1], [2, 2], [2, 2]]), { planar: true, subsampling: [[1, 1], [2, 2], [2, 2]], mct: false }],
      ["sub-sampled planes 4:2:0, 9/7 ratio 30", subsampledPlanar(rgb, [[1, 1], [2, 2], [2, 2]]), { planar: true, subsampling: [[1, 1], [2, 2], [2, 2]], mct: false, lossless: false, ratios: [30] }],
      ["planar RGB, ICT, 9/7 ratio 20 (the core applies the ICT: no component transformed in a worker)", subsampledPlanar(rgb, [[1, 1], [1, 1], [1, 1]]), { planar: true, lossless: false, ratios: [20] }],
    ];
    // the cases whose component 1 a worker transforms (one tile, early stops, samples final
    // before encoderTileCode: codec/api_encoder.ts encoderTileDwtOffload; its blocks are then
    // packed from the plane the worker sent back); none of the others
    const OFFLOADED = new Set([
      "9/7 ratio 20 (pilots + early stops)",
      "9/7 ratio 20, origin 7,9 (odd resolution bounds)",
      "9/7 layers 80/40/10, segsym, SOP/EPH",
      "9/7 PSNR layers (decode check, layers formed again)",
      "sub-sampled planes 4:2:0, 9/7 ratio 30",
    ]);
    // with two threads (one worker), every case given interleaved with an MCT (the RCT or the ICT),
    // one tile, no HT: src/encode.ts hands the raw rows over, the worker unpacks component 1 itself
    const RAW = new Set([
      "lossless RGB",
      "lossless 16-bit RGBA, RPCL, precincts",
      "9/7 fixed step",
      "9/7 ratio 20 (pilots + early stops)",
      "9/7 ratio 20, origin 7,9 (odd resolution bounds)",
      "9/7 layers 80/40/10, segsym, SOP/EPH",
      "9/7 PSNR layers (decode check, layers formed again)",
      "JP2 file, 9/7 quality",
    ]);
    // of those, the ones whose chroma planes the worker makes both (the ICT, ratios of 4 or more)
    const TWO_PLANES = new Set(["9/7 ratio 20 (pilots + early stops)", "9/7 ratio 20, origin 7,9 (odd resolution bounds)", "9/7 layers 80/40/10, segsym, SOP/EPH"]);
    // the HT paths a case must take (the core's encoderEarlyStops 7-10, counted per encode):
    // [htLowCode ran, it set a coarser lower step, htLiteCheck recoded]; the threaded encode must take
    // the same ones, and list every recode's blocks for the workers
    const HT_PATHS: Record<string, [number, number, number]> = {
      "HT ratio 20, 14-bit CT (lower resolutions coded last, coarser step)": [1, 1, 0],
      "HT ratio 50, 14-bit CT (coarser lower step, then blocks coded again)": [1, 1, 1],
    };
    const stops = ((await import(join(REPO_ROOT, "dist/encode_threads.js"))) as typeof import("../../src/encode_threads.js")).threadedEarlyStops;
    const { callCore } = (await import(join(REPO_ROOT, "dist/wasm/load.js"))) as typeof import("../../src/wasm/load.js");
    let coded = 0;
    for (const [name, image, options] of cases) {
      const { want, paths } = callCore((c) => ({ want: encode(image, options), paths: [7, 8, 9, 10].map((w) => c.encoderEarlyStops(w)) }));
      const htPaths = HT_PATHS[name];
      if (htPaths) expect(paths, `${name}, one thread: HT paths taken (htLowCode, coarser step, recode, recode listed)`).toEqual([...htPaths, 0]);
      for (const threads of [2, 3]) {
        const before = workerPoolInfo().jobsDone;
        const got = await encodeAsync(image, { ...options, threads });
        expect(firstDifference(got, want), `${name}, ${threads} threads: first differing byte`).toBe(-1);
        expect(workerPoolInfo().jobsDone - before, `${name}: blocks went to workers in several batches`).toBeGreaterThanOrEqual(2);
        if (htPaths) expect(stops.ht, `${name}, ${threads} threads: HT paths taken, every recode listed for the workers`).toEqual([...htPaths, htPaths[2]]);
        const raw = threads === 2 && RAW.has(name);
        expect(stops.offloaded, `${name}, ${threads} threads: components transformed in a worker`).toBe(OFFLOADED.has(name) || raw ? 1 : 0);
        // with one worker it keeps the plane and codes that component's blocks from it
        expect(stops.kept, `${name}, ${threads} threads: planes kept by the worker`).toBe((OFFLOADED.has(name) || raw) && threads === 2 ? 1 : 0);
        // interleaved samples, an MCT, one tile, no HT: with one worker it unpacks component 1 from the raw rows itself
        expect(stops.raw, `${name}, ${threads} threads: planes unpacked from the raw rows in the worker`).toBe(raw ? 1 : 0);
        // and its blocks listed at the hand-off, before this thread unpacked the others (encoderTileLead)
        expect(stops.lead, `${name}, ${threads} threads: component 1's blocks listed at the hand-off`).toBe(raw ? 1 : 0);
        // with the ICT (9/7) at ratios of 4 or more component 2 too, in the same pass over the rows;
        // else (the RCT, no ratio given) component 1 only
        expect(stops.rawComps, `${name}, ${threads} threads: components handed over as raw rows`).toBe(raw ? (TWO_PLANES.has(name) ? 6 : 2) : 0);
        // threads - 1 workers of the pool's 3 beside the calling thread, which codes blocks too
        expect(stops.workers, `${name}, ${threads} threads: workers used`).toBeLessThanOrEqual(threads - 1);
        coded += stops.local;
      }
    }
    expect(coded, "blocks coded on the calling thread").toBeGreaterThan(0);
  });

  it("blocks sent back by rate control resume in the workers where they stopped, as on one thread", async () => {
    const { encode, encodeAsync, setWorkerCount } = await lib();
    setWorkerCount(2);
    const stops = ((await import(join(REPO_ROOT, "dist/encode_threads.js"))) as typeof import("../../src/encode_threads.js")).threadedEarlyStops;
    const { callCore } = (await import(join(REPO_ROOT, "dist/wasm/load.js"))) as typeof import("../../src/wasm/load.js");
    const grey = photoLike(384, 320, 1, 12, false, 9);
    const rgb = photoLike(301, 263, 3, 8, false, 7);
    const cases: Array<[string, J2kImage, EncodeOptions]> = [
      ["12-bit grey, ratio 20", grey, { ratios: [20] }],
      ["RGB, layers 40/20/10, 32x32 blocks", rgb, { lossless: false, ratios: [40, 20, 10], codeBlock: [32, 32] }],
      ["12-bit grey, PSNR 44 (layers formed again)", grey, { psnr: [44] }],
    ];
    try {
      for (const [name, image, options] of cases) {
        const want = encode(image, options);
        // stops 64 times too early: rate control sends most stopped blocks back, and they resume
        // where they stopped (a resumed block may stop again; the third time it codes every pass).
        // The one-thread encoder's counts at that setting, which the threaded one must repeat:
        // a worker that coded a sent-back block from the top would stop it elsewhere
        const one = callCore((c) => {
          c.encoderSetEarlyStop(64);
          try {
            const out = encode(image, options);
            return { out, stopped: c.encoderEarlyStops(0), recoded: c.encoderEarlyStops(1), resumed: c.encoderEarlyStops(3) };
          } finally {
            c.encoderSetEarlyStop(1);
          }
        });
        expect(firstDifference(one.out, want), `${name}, one thread: first differing byte`).toBe(-1);
        expect(one.recoded, `${name}: blocks were sent back`).toBeGreaterThan(0);
        expect(one.resumed, `${name}: and resumed`).toBe(one.recoded);
        stops.mode = 64;
        const got = await encodeAsync(image, { ...options, threads: 2 });
        expect(firstDifference(got, want), `${name}, 2 threads: first differing byte`).toBe(-1);
        expect({ mode: 64, stopped: stops.stopped, recoded: stops.recoded, resumed: stops.resumed }, `${name}: the threaded encode stopped, sent back and resumed the same blocks`).toEqual({ mode: 64, stopped: one.stopped, recoded: one.recoded, resumed: one.resumed });
      }
    } finally {
      stops.mode = 1;
    }
  });

  it("encodeDetailedAsync gives encodeDetailed's layer sizes and warnings", async () => {
    const { encodeDetailed, encodeDetailedAsync } = await lib();
    const image = photoLike(200, 150, 3, 8);
    const options: EncodeOptions = { lossless: false, ratios: [200000, 20], levels: 9 };
    const want = encodeDetailed(image, options);
    const got = await encodeDetailedAsync(image, { ...options, threads: 2 });
    expect(firstDifference(got.data, want.data)).toBe(-1);
    expect(got.layerBytes).toEqual(want.layerBytes);
    expect(got.levels).toBe(want.levels);
    expect(got.warnings).toEqual(want.warnings);
    expect(got.warnings.length, "levels clamped and a budget below the headers are reported").toBeGreaterThanOrEqual(2);
  });

  it("property: small random images and options, 2 threads = one thread", async () => {
    const { encode, encodeAsync, setWorkerCount } = await lib();
    setWorkerCount(2);
    const arb = fc.record({
      width: fc.integer({ min: 1, max: 90 }),
      height: fc.integer({ min: 1, max: 90 }),
      components: fc.integer({ min: 1, max: 4 }),
      bitDepth: fc.integer({ min: 1, max: 16 }),
      signed: fc.boolean(),
      content: fc.constantFrom(...CONTENT_KINDS),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
      mode: fc.constantFrom("lossless", "ratio", "layers", "qstep", "ht", "htRatio"),
      cb: fc.constantFrom<[number, number]>([4, 4], [8, 8], [16, 16], [32, 8], [64, 64]),
      levels: fc.integer({ min: 0, max: 5 }),
      tiled: fc.boolean(),
    });
    let coded = 0;
    await fc.assert(
      fc.asyncProperty(arb, async (p) => {
        const image = makeImage(p);
        const options: EncodeOptions = { codeBlock: p.cb, levels: p.levels };
        if (p.mode !== "lossless" && p.mode !== "ht") options.lossless = false;
        if (p.mode === "ratio" || p.mode === "htRatio") options.ratios = [6];
        if (p.mode === "layers") options.ratios = [30, 12, 4];
        if (p.mode === "qstep") options.qstep = 0.03;
        if (p.mode === "ht" || p.mode === "htRatio") options.ht = true;
        if (p.tiled) options.tile = { width: 32, height: 48 };
        let want: Uint8Array;
        try {
          want = encode(image, options);
        } catch (e) {
          // options this image cannot take: the threaded encode must refuse them the same way
          await expect(encodeAsync(image, { ...options, threads: 2 })).rejects.toMatchObject({ code: (e as { code: string }).code });
          return;
        }
        const got = await encodeAsync(image, { ...options, threads: 2 });
        expect(firstDifference(got, want)).toBe(-1);
        coded++;
      }),
      { ...fcParams, numRuns: 40 },
    );
    expect(coded, "most generated cases are encodable (the property is not vacuous)").toBeGreaterThanOrEqual(20);
  });
});

describe("threads: API and failures", () => {
  it("encode() stays on the calling thread; threads is validated", async () => {
    const { encode, encodeAsync, workerPoolInfo } = await lib();
    const image = photoLike(64, 64, 1, 8);
    const before = workerPoolInfo().jobsDone;
    encode(image, { lossless: false, ratios: [10] });
    expect(workerPoolInfo().jobsDone, "the synchronous API uses no worker").toBe(before);
    for (const bad of [0, 1.5, 65, Number.NaN]) {
      await expect(encodeAsync(image, { threads: bad }), `threads ${bad}`).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    }
  });

  it("an error raised while a worker codes a block is the J2kError encode() raises", async () => {
    const { encode, encodeAsync } = await lib();
    // 24-bit samples at a tiny step: the quantised magnitudes do not fit the block coder (the
    // check runs where the block is quantised, i.e. in the worker)
    const image = photoLike(96, 80, 1, 24, false, 5);
    const options: EncodeOptions = { lossless: false, qstep: 1e-9, guardBits: 7 };
    let code = "";
    try {
      encode(image, options);
    } catch (e) {
      code = (e as { code: string }).code;
    }
    expect(code, "the one-thread encode refuses this").not.toBe("");
    await expect(encodeAsync(image, { ...options, threads: 2 })).rejects.toMatchObject({ name: "J2kError", code });
  });

  it("sample buffers go back and forth between batches and encodes: stale samples beyond a batch are never read", async () => {
    const { encode, encodeAsync, setWorkerCount } = await lib();
    setWorkerCount(2);
    const big = photoLike(700, 500, 3, 8, false, 4);
    const small = photoLike(300, 90, 1, 12, false, 5);
    for (const [image, options] of [
      [big, { ratios: [12], codeBlock: [64, 64] }],
      [small, { codeBlock: [16, 16] }],
      [big, { codeBlock: [32, 32], levels: 3 }],
      [small, { ratios: [5, 2] }],
    ] as Array<[J2kImage, EncodeOptions]>) {
      expect(firstDifference(await encodeAsync(image, { ...options, threads: 2 }), encode(image, options)), JSON.stringify(options)).toBe(-1);
    }
    const { codeBlockBatch } = (await import(join(REPO_ROOT, "dist/encode_threads.js"))) as typeof import("../../src/encode_threads.js");
    const buf = new ArrayBuffer(64);
    expect(codeBlockBatch(new ArrayBuffer(0), buf, 16).samples, "the sample buffer comes back").toBe(buf);
    for (const bytes of [65, -4, 1.5]) {
      expect(() => codeBlockBatch(new ArrayBuffer(0), buf, bytes)).toThrow(expect.objectContaining({ code: "INTERNAL" }));
    }
  });

  it("the worker makes one plane or two from the raw rows (the ICT, the RCT): the same bytes either way", async () => {
    const { encode, encodeAsync, setWorkerCount } = await lib();
    const { threadedEarlyStops: stops } = (await import(join(REPO_ROOT, "dist/encode_threads.js"))) as typeof import("../../src/encode_threads.js");
    setWorkerCount(2);
    const image = photoLike(301, 263, 3, 8, false, 11);
    try {
      for (const options of [{ lossless: false, ratios: [20], codeBlock: [32, 32] }, { codeBlock: [32, 32] }, { lossless: false, ratios: [40, 10], codeBlock: [32, 32], origin: { x: 7, y: 9 } }] as EncodeOptions[]) {
        const want = encode(image, options);
        for (const planes of [1, 2]) {
          stops.rawPlanes = planes;
          expect(firstDifference(await encodeAsync(image, { ...options, threads: 2 }), want), `${JSON.stringify(options)}, ${planes} planes: first differing byte`).toBe(-1);
          expect(stops.rawComps, `${JSON.stringify(options)}, ${planes} planes: components handed over`).toBe(planes === 2 ? 6 : 2);
          expect(stops.raw, "made in the worker").toBe(1);
          expect(stops.lead, "their blocks listed at the hand-off").toBe(1);
        }
      }
    } finally {
      stops.rawPlanes = 0;
    }
    // unforced: both chroma planes at ratios of 4 or more (the finest layer's), else component 1 only
    for (const [ratios, comps] of [[[20], 6], [[40, 4], 6], [[40, 3], 2], [[2], 2]] as Array<[number[], number]>) {
      const options: EncodeOptions = { lossless: false, ratios, codeBlock: [32, 32] };
      expect(firstDifference(await encodeAsync(image, { ...options, threads: 2 }), encode(image, options)), `ratios ${ratios.join("/")}: first differing byte`).toBe(-1);
      expect(stops.rawComps, `ratios ${ratios.join("/")}: components handed over`).toBe(comps);
    }
  });

  it("the raw rows go in a kept SharedArrayBuffer where one can be posted, else in a transferred ArrayBuffer: the same bytes; concurrent encodes never share one", async () => {
    const { encode, encodeAsync, setWorkerCount } = await lib();
    const { threadedEarlyStops: stops, rawBuffersKept, transferOf } = (await import(join(REPO_ROOT, "dist/encode_threads.js"))) as typeof import("../../src/encode_threads.js");
    setWorkerCount(2);
    const a = photoLike(301, 263, 3, 8, false, 11);
    const b = photoLike(301, 263, 3, 8, false, 12);
    const small = photoLike(120, 70, 3, 8, false, 13);
    // (a raw-row buffer holds the rows, then, 8-byte aligned, the progress word: RawRows.progress)
    const rawBytes = ((301 * 263 * 3 + 7) & ~7) + 8;
    const options: EncodeOptions = { lossless: false, ratios: [20], codeBlock: [32, 32] };
    const lossless: EncodeOptions = { codeBlock: [32, 32] };
    const want = new Map<J2kImage, Uint8Array>([a, b, small].map((image) => [image, encode(image, options)]));
    expect(transferOf(new SharedArrayBuffer(8)), "a SharedArrayBuffer is posted, not transferred").toEqual([]);
    const ab = new ArrayBuffer(8);
    expect(transferOf(ab), "an ArrayBuffer is transferred").toEqual([ab]);
    rawBuffersKept(true);
    try {
      for (const shared of [true, false]) {
        stops.shared = shared;
        rawBuffersKept(true);
        const label = shared ? "shared" : "fallback";
        // one at a time: the buffer is kept and used again (shared), or never kept (fallback)
        for (let i = 0; i < 2; i++) {
          expect(firstDifference(await encodeAsync(a, { ...options, threads: 2 }), want.get(a)!), `${label}, encode ${i}: first differing byte`).toBe(-1);
          expect(stops.rawShared, `${label}: the rows went in a SharedArrayBuffer`).toBe(shared);
          expect(stops.raw, `${label}: made in the worker`).toBe(1);
          expect(rawBuffersKept(), `${label}: buffers kept`).toEqual(shared ? [rawBytes] : []);
        }
        expect(firstDifference(await encodeAsync(a, { ...lossless, threads: 2 }), encode(a, lossless)), `${label}, lossless (the RCT): first differing byte`).toBe(-1);
        // several at once (the pool runs their raw-row jobs one after the other on its workers):
        // each has a buffer of its own, or a later copy would overwrite rows a worker has yet to read
        const images = [a, b, small, b];
        const outs = await Promise.all(images.map((image) => encodeAsync(image, { ...options, threads: 2 })));
        outs.forEach((out, i) => expect(firstDifference(out, want.get(images[i]!)!), `${label}, encode ${i} of ${images.length} at once: first differing byte`).toBe(-1));
        const kept = rawBuffersKept();
        // (at most two kept, the largest first)
        if (shared) expect(kept, "buffers kept after encodes at once").toEqual([rawBytes, rawBytes]);
        else expect(kept).toEqual([]);
      }
    } finally {
      stops.shared = true;
    }
    expect(rawBuffersKept(true), "dropped").toEqual([]);
  });

  it("shared raw rows are copied after the job goes, a part at a time: the worker reads only the rows there so far (the same bytes as all at once)", async () => {
    const { encode, encodeAsync, setWorkerCount } = await lib();
    const { threadedEarlyStops: stops, transformResident, releaseResident } = (await import(join(REPO_ROOT, "dist/encode_threads.js"))) as typeof import("../../src/encode_threads.js");
    setWorkerCount(2);
    // (3.7 MB of rows: four parts of 1 MiB)
    const image = photoLike(1100, 1120, 3, 8, false, 21);
    for (const options of [{ lossless: false, ratios: [20] }, { lossless: false, ratios: [40, 10], origin: { x: 3, y: 5 } }, {}] as EncodeOptions[]) {
      const want = encode(image, options);
      try {
        for (const whole of [false, true, false]) {
          stops.wholeRaw = whole;
          expect(firstDifference(await encodeAsync(image, { ...options, threads: 2 }), want), `${JSON.stringify(options)}, rows ${whole ? "all at once" : "in parts"}: first differing byte`).toBe(-1);
          expect(stops.rawShared && stops.raw, "shared rows, made in the worker").toBe(1);
        }
      } finally {
        stops.wholeRaw = false;
      }
    }
    // worker side: the progress word lies in the shared buffer past the rows; -1: no rows will come
    const g = { stride: 8, width: 8, height: 4, x0: 0, y0: 0, levels: 1, reversible: false };
    const rows = { rows: 4, rowBytes: 24, components: 3, bps: 1, signed: false, width: 8, dc: 128, mct: 2 };
    const withProgress = (n: number) => {
      const b = new SharedArrayBuffer(104);
      new Int32Array(b, 96, 1)[0] = n;
      return b;
    };
    expect(transformResident(withProgress(4), g, 99, { ...rows, progress: 96 }).byteLength, "every row there").toBe(104);
    expect(() => transformResident(withProgress(-1), g, 99, { ...rows, progress: 96 }), "none will come").toThrow(expect.objectContaining({ code: "INTERNAL" }));
    for (const [buffer, progress] of [[new ArrayBuffer(104), 96], [withProgress(4), 94], [withProgress(4), 92], [withProgress(4), 104], [withProgress(4), 1.5]] as Array<[ArrayBufferLike, number]>) {
      expect(() => transformResident(buffer, g, 99, { ...rows, progress }), `progress at ${progress} of ${buffer.byteLength}`).toThrow(expect.objectContaining({ code: "INTERNAL" }));
    }
    releaseResident(99);
  });

  it("a worker that refuses the raw rows of component 1: this thread unpacks it, the same bytes", async () => {
    const { encode, encodeAsync, setWorkerCount } = await lib();
    const { threadedEarlyStops: stops, transformResident, releaseResident } = (await import(join(REPO_ROOT, "dist/encode_threads.js"))) as typeof import("../../src/encode_threads.js");
    setWorkerCount(2);
    const image = photoLike(301, 263, 3, 8, false, 7);
    stops.breakRaw = true;
    try {
      // the ICT (9/7) and the RCT (5/3, lossless)
      for (const options of [{ lossless: false, ratios: [20], codeBlock: [32, 32] }, { codeBlock: [32, 32] }] as EncodeOptions[]) {
        const got = await encodeAsync(image, { ...options, threads: 2 });
        expect(firstDifference(got, encode(image, options)), `${JSON.stringify(options)}: first differing byte`).toBe(-1);
        expect(stops.raw, "no plane unpacked in the worker").toBe(0);
        expect(stops.offloaded, "no component transformed in a worker").toBe(0);
        // (component 1's blocks went to the worker before its refusal came back: it answers them
        // `missing`, and this thread codes them from the plane it made itself)
        expect(stops.lost, "batches of the refused plane coded on this thread").toBeGreaterThan(0);
        expect(stops.lead, "its blocks listed at the hand-off all the same").toBe(1);
      }
    } finally {
      stops.breakRaw = false;
    }
    // raw rows that do not match the plane are refused with a J2kError
    const g = { stride: 8, width: 8, height: 4, x0: 0, y0: 0, levels: 1, reversible: false };
    const rows = { rows: 4, rowBytes: 24, components: 3, bps: 1, signed: false, width: 8, dc: 128, mct: 2 };
    expect(transformResident(new ArrayBuffer(96), g, 99, rows).byteLength, "fitting rows are taken").toBe(96);
    for (const bad of [{ ...rows, rows: 5 }, { ...rows, rowBytes: 23 }, { ...rows, width: 7 }, { ...rows, bps: 3 }, { ...rows, components: 2, rowBytes: 16 }, { ...rows, mct: 1 }, { ...rows, mct: 0 }]) {
      expect(() => transformResident(new ArrayBuffer(96), g, 99, bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: "INTERNAL" }));
    }
    // a second plane (component 2) past the first, with the same rows: taken; overlapping or of other rows: refused
    expect(transformResident(new ArrayBuffer(96), g, 99, { ...rows, second: { geometry: g, at: 160 } }).byteLength, "a fitting second plane is taken").toBe(96);
    for (const second of [{ geometry: g, at: 64 }, { geometry: g, at: 130 }, { geometry: { ...g, stride: 9 }, at: 128 }, { geometry: { ...g, height: 3 }, at: 128 }, { geometry: { ...g, reversible: true }, at: 128 }, { geometry: g, at: 2 ** 31 }]) {
      expect(() => transformResident(new ArrayBuffer(96), g, 99, { ...rows, second }), JSON.stringify(second)).toThrow(expect.objectContaining({ code: "INTERNAL" }));
    }
    expect(() => transformResident(new ArrayBuffer(95), g, 99, rows), "rows beyond the buffer").toThrow(expect.objectContaining({ code: "INTERNAL" }));
    releaseResident(99);
    // a batch of a plane this worker does not hold: nothing coded, answered `missing`
    const { codeResidentBatch } = (await import(join(REPO_ROOT, "dist/encode_threads.js"))) as typeof import("../../src/encode_threads.js");
    const samples = new ArrayBuffer(16);
    const none = codeResidentBatch(new ArrayBuffer(0), 99, 0, samples);
    expect(none.missing, "a plane not held").toBe(true);
    expect(none.samples, "the sample buffer comes back").toBe(samples);
  });

  it("on a browser window's main thread the calling thread codes no blocks: threads workers do", async () => {
    const { encode, encodeAsync, setWorkerCount } = await lib();
    const { callerMayWork, callerPolicy } = (await import(join(REPO_ROOT, "dist/worker/threads.js"))) as typeof import("../../src/worker/threads.js");
    const { threadedEarlyStops: stops } = (await import(join(REPO_ROOT, "dist/encode_threads.js"))) as typeof import("../../src/encode_threads.js");
    expect(callerMayWork(), "Node").toBe(true);
    expect(callerMayWork({ document: {} }), "a window's main thread").toBe(false);
    expect(callerMayWork({}), "a Web Worker (no document)").toBe(true);
    expect(callerMayWork({ document: {}, process: { versions: { node: "20.0.0" } } }), "Node with a DOM shim").toBe(true);
    setWorkerCount(3);
    const image = photoLike(700, 500, 3, 8, false, 4);
    for (const options of [{ lossless: false, ratios: [20], codeBlock: [32, 32] }, { codeBlock: [32, 32] }] as EncodeOptions[]) {
      const want = encode(image, options);
      callerPolicy.override = false;
      try {
        expect(firstDifference(await encodeAsync(image, { ...options, threads: 2 }), want), "first differing byte").toBe(-1);
        expect(stops.local, "blocks coded on the calling thread").toBe(0);
        // (how many of them took a job depends on timing: one worker can take every batch)
        expect(stops.allowed, "workers the encode may use").toBe(2);
        expect(stops.workers, "workers used").toBeGreaterThanOrEqual(1);
        expect(stops.workers, "workers used").toBeLessThanOrEqual(2);
      } finally {
        callerPolicy.override = undefined;
      }
      await encodeAsync(image, { ...options, threads: 2 });
      expect(stops.local, "Node: the calling thread codes blocks").toBeGreaterThan(0);
      expect(stops.allowed, "Node: workers the encode may use").toBe(1);
      expect(stops.workers, "Node: workers used").toBe(1);
    }
  });

  it("workers stopped in the middle of an encode: a J2kError, no hang; the next encode works", async () => {
    const { encode, encodeAsync, terminateWorkers, setWorkerCount } = await lib();
    const { jobsPending } = (await import(join(REPO_ROOT, "dist/worker/pool.js"))) as typeof import("../../src/worker/pool.js");
    // wait (event-loop turns, not time) until the encode's first job is in flight, then stop the workers
    const stopMidway = async (image: J2kImage): Promise<unknown> => {
      setWorkerCount(2);
      let stopped = false;
      const outcome = encodeAsync(image, { threads: 2, codeBlock: [32, 32] }).then((v) => v, (e: unknown) => e);
      while (!stopped) {
        const settled = await Promise.race([outcome, new Promise((r) => setImmediate(() => r(undefined)))]);
        if (settled !== undefined) break;
        if (jobsPending() > 0) {
          terminateWorkers();
          stopped = true;
        }
      }
      expect(stopped, "jobs were seen in flight").toBe(true);
      return outcome;
    };
    // one component: the first jobs are batches of blocks (fewer rows than src/worker/encode_split.ts
    // splits: its first job would be the worker's part of the DWT, which this thread takes over)
    const err = await stopMidway(photoLike(1024, 500, 1, 8, false, 2));
    expect(err).toMatchObject({ name: "J2kError", code: "INTERNAL" });
    expect(String((err as Error).message)).toMatch(/worker/);
    // RGB with the RCT: the first job is the worker's unpack and DWT of component 1 from the raw
    // rows; stopped then, the calling thread unpacks and transforms it itself (the same bytes), or
    // batches in flight too fail the encode
    const rgb = photoLike(1024, 768, 3, 8, false, 2);
    const got = await stopMidway(rgb);
    if (got instanceof Uint8Array) expect(firstDifference(got, encode(rgb, { codeBlock: [32, 32] })), "first differing byte").toBe(-1);
    else expect(got).toMatchObject({ name: "J2kError", code: "INTERNAL" });
    // the pool starts again and the result is right
    const small = photoLike(200, 120, 3, 8);
    expect(firstDifference(await encodeAsync(small, { threads: 2 }), encode(small))).toBe(-1);
  });
});
