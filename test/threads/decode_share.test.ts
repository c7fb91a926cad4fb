/**
 * Threaded decoding's shared code-blocks (src/worker/threads.ts decodeShare, the core's
 * decoderBandShare + decoderSupplyBlocks): the blocks several row bands need are T1-decoded once,
 * by one band's worker, and supplied to every band's decoder. Run here on the calling thread, band
 * after band, against the one-piece decode of the built library (dist/).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/paths.js";
import { makeImage } from "../helpers/synthetic.js";

const DIST = join(REPO_ROOT, "dist/index.js");
type Lib = typeof import("../../src/index.js");
type Threads = typeof import("../../src/worker/threads.js");
type Decode = typeof import("../../src/decode.js");

async function mods(): Promise<{ lib: Lib; th: Threads; dec: Decode }> {
  expect(existsSync(DIST), "dist/ is built (npm test runs the build first)").toBe(true);
  return {
    lib: (await import(DIST)) as Lib,
    th: (await import(join(REPO_ROOT, "dist/worker/threads.js"))) as Threads,
    dec: (await import(join(REPO_ROOT, "dist/decode.js"))) as Decode,
  };
}

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Records of a shared-blocks table (codec/supplied_blocks.ts): 8 i32 fields, then w × h i32. */
function records(buf: ArrayBuffer): Array<{ at: number; w: number; h: number }> {
  const v = new DataView(buf);
  const out: Array<{ at: number; w: number; h: number }> = [];
  for (let at = 0; at < buf.byteLength; ) {
    const w = v.getInt32(at + 24, true), h = v.getInt32(at + 28, true);
    out.push({ at, w, h });
    at += 32 + 4 * w * h;
  }
  return out;
}

/** Decode `bytes` as the threaded path does, band after band on this thread; returns the stitched image and the shares. */
async function splitDecode(bytes: Uint8Array, threads: number, override?: (blocks: ArrayBuffer[]) => ArrayBuffer[]) {
  const { lib, th, dec } = await mods();
  const h = lib.readHeader(bytes);
  const n = th.bandRows(h.height, threads)!.length; // (bands of at least MIN_BAND_ROWS rows)
  const shares = Array.from({ length: n }, (_, k) => th.decodeShare(bytes, {}, k, n, h.height));
  const blocks = override ? override(shares.map((s) => s.blocks)) : shares.map((s) => s.blocks);
  const parts = shares.map((_, k) => th.decodeBand(bytes, {}, k, n, h.height, h.width, (b, o, rows) => dec.decodeWithBlocks(b, o, rows, blocks), shares[0]!.cuts));
  const image = th.stitch(parts.map((p) => p.image), parts.map((p) => p.rows));
  return { image, shares, rows: parts.map((p) => p.rows) };
}

describe("threaded decode: code-blocks shared by bands are decoded once", () => {
  it("every worker cuts alike; the bands with the shared blocks supplied equal the one-piece decode", async () => {
    const { lib } = await mods();
    const img = makeImage({ width: 150, height: 900, components: 3, bitDepth: 8, signed: false, content: "noise", seed: 21 });
    for (const opts of [{ levels: 5, lossless: true }, { levels: 4, ratios: [10], codeBlock: [32, 32] as [number, number] }]) {
      const bytes = lib.encode(img, opts);
      for (const n of [2, 3]) {
        const { image, shares, rows } = await splitDecode(bytes, n);
        expect(shares.length).toBe(n);
        for (const s of shares) expect(s.cuts, "the same cuts in every worker").toEqual(shares[0]!.cuts);
        expect(rows.map((r) => r[0])).toEqual(shares[0]!.cuts.slice(0, n));
        const counts = shares.map((s) => records(s.blocks).length);
        for (const [k, c] of counts.entries()) expect(c, `band ${k} decodes a share of the shared blocks`).toBeGreaterThan(0);
        expect(same(image.data, lib.decode(bytes).data), `${JSON.stringify(opts)} n=${n}`).toBe(true);
      }
    }
  });

  it("the decoder takes supplied blocks instead of decoding them (altered blocks change the output), and only for that decode", async () => {
    const { lib } = await mods();
    const img = makeImage({ width: 120, height: 700, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 4 });
    const bytes = lib.encode(img, { levels: 4, lossless: true });
    const ref = lib.decode(bytes).data;
    const altered = (blocks: ArrayBuffer[]) =>
      blocks.map((b) => {
        const copy = b.slice(0);
        const v = new DataView(copy);
        for (const r of records(copy)) for (let i = 0; i < r.w * r.h; i++) v.setInt32(r.at + 32 + 4 * i, v.getInt32(r.at + 32 + 4 * i, true) + 4, true);
        return copy;
      });
    const { image } = await splitDecode(bytes, 2, altered);
    expect(same(image.data, ref), "the altered blocks were used").toBe(false);
    expect(same(lib.decode(bytes).data, ref), "the next decode does not see them").toBe(true);
  });

  it("a malformed table of supplied blocks is INVALID_ARGUMENT, not a crash", async () => {
    const { lib, dec } = await mods();
    const img = makeImage({ width: 64, height: 600, components: 1, bitDepth: 8, signed: false, content: "noise", seed: 2 });
    const bytes = lib.encode(img, { levels: 3, lossless: true });
    const short = new ArrayBuffer(20);
    const zero = new ArrayBuffer(64); // a record of a 0 × 0 block
    const long = new ArrayBuffer(32 + 16);
    new DataView(long).setInt32(24, 64, true);
    new DataView(long).setInt32(28, 64, true); // 64 × 64 samples announced, 4 present
    const huge = new ArrayBuffer(32);
    new DataView(huge).setInt32(24, 1 << 16, true);
    new DataView(huge).setInt32(28, 1 << 16, true);
    for (const blocks of [[short], [zero], [long], [huge]]) {
      expect(() => dec.decodeWithBlocks(bytes, {}, 0, blocks)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
    expect(same(lib.decode(bytes).data, lib.decode(bytes, { threads: 1 } as never).data)).toBe(true);
    expect(dec.decodeWithBlocks(bytes, {}, 0, []).height, "no blocks: a plain decode").toBe(600);
  });

  it("random images and coding options: shared-block band decodes equal the one-piece decode", async () => {
    const { lib } = await mods();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          width: fc.integer({ min: 9, max: 70 }),
          height: fc.integer({ min: 512, max: 1100 }),
          components: fc.constantFrom(1, 3),
          busy: fc.double({ min: 0, max: 1, noNaN: true }),
          levels: fc.integer({ min: 0, max: 7 }),
          block: fc.constantFrom(16, 32, 64),
          lossless: fc.boolean(),
          tiled: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1 << 30 }),
          n: fc.constantFrom(2, 3),
        }),
        async (p) => {
          const img = makeImage({ width: p.width, height: p.height, components: p.components, bitDepth: 8, signed: false, content: "noise", seed: p.seed });
          (img.data as Uint8Array).fill(128, 0, Math.floor(p.busy * p.height) * p.width * p.components); // flat rows on top
          const bytes = lib.encode(img, {
            levels: p.levels,
            codeBlock: [p.block, p.block],
            ...(p.lossless ? { lossless: true } : { ratios: [8] }),
            ...(p.tiled ? { tile: { width: 64, height: 300 } } : {}),
          });
          const { image } = await splitDecode(bytes, p.n);
          expect(same(image.data, lib.decode(bytes).data)).toBe(true);
        },
      ),
      { numRuns: 25, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {}) },
    );
  });
});
