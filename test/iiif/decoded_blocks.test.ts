/**
 * Decoded blocks (src/iiif/decoded_blocks.ts): tiles cropped from an aligned block decoded once
 * must be the very bytes a server decoding every request alone returns — on images whose origin
 * is not 0 (the reduced grid starts at ceil(XOsiz / 2^r)), lossy (9/7) and lossless, tiled and not,
 * for the tiles of every scale factor and for regions that straddle blocks. And the block path
 * must actually be taken (render stats), with concurrent requests sharing one decode.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockFor, DecodedBlocks } from "../../src/iiif/decoded_blocks.js";
import type { RenderStats } from "../../src/iiif/pipeline.js";
import type { Pixels } from "../../src/iiif/pixels.js";
import type { HeaderInfo, J2kImage } from "../../src/types.js";
import { Prng } from "../helpers/prng.js";
import { makeGridFolder, startIiifServer, type GridFolder, type TestServer } from "./fixtures.js";

/** Smooth gradients plus noise: any shifted or mis-cropped sample shows. */
function texture(width: number, height: number): J2kImage {
  const rng = new Prng(7);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = (x * 255) / width;
      data[o + 1] = (y * 255) / height;
      data[o + 2] = 128 + 60 * Math.sin(x / 7) * Math.cos(y / 5) + rng.int(41) - 20;
    }
  }
  return { width, height, components: 3, bitDepth: 8, signed: false, data };
}

const BLOCK = 64;
let folder: GridFolder;
let alone: TestServer;
let blocked: TestServer;
const stats: Array<RenderStats | "cached"> = [];

beforeAll(async () => {
  folder = makeGridFolder(
    {
      "lossy.jp2": { levels: 4, ratios: [12], origin: { x: 13, y: 7 } },
      "lossless.jp2": { levels: 3, origin: { x: 5, y: 30 }, precincts: [[32, 32]], progression: "RPCL" },
      "tiled.jp2": { levels: 3, ratios: [8], tile: { width: 96, height: 80 } },
    },
    texture(333, 270),
  );
  alone = await startIiifServer({ root: folder.dir, cacheMiB: 32, workers: 1, decodeBlock: 0 });
  blocked = await startIiifServer({ root: folder.dir, cacheMiB: 32, workers: 1, decodeBlock: BLOCK, onRender: (_i, _c, s) => stats.push(s) });
});

afterAll(async () => {
  await alone?.close();
  await blocked?.close();
  folder?.cleanup();
});

async function bytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  const b = new Uint8Array(await r.arrayBuffer());
  if (r.status !== 200) throw new Error(`${url}: ${r.status} ${Buffer.from(b).toString()}`);
  return b;
}

describe("tiles cropped from decoded blocks", () => {
  for (const name of ["lossy.jp2", "lossless.jp2", "tiled.jp2"]) {
    it(`${name}: every tile of every scale factor and straddling regions equal decoding each request alone`, async () => {
      stats.length = 0;
      const info = (await (await fetch(`${alone.url}/iiif/3/${name}/info.json`)).json()) as { width: number; height: number };
      const W = info.width, H = info.height;
      const paths: string[] = [];
      // the viewer's tiles (32 px, so that several fall in one block) at every scale
      for (const s of [1, 2, 4, 8]) {
        const step = 32 * s;
        for (let y = 0; y < H; y += step) {
          for (let x = 0; x < W; x += step) {
            const w = Math.min(step, W - x), h = Math.min(step, H - y);
            paths.push(`${x},${y},${w},${h}/${Math.ceil(w / s)},${Math.ceil(h / s)}/0/default.png`);
          }
        }
      }
      // regions straddling block edges (decoded alone), odd offsets, resampled sizes, gray
      paths.push("50,40,40,40/max/0/default.png", "60,0,10,100/max/0/gray.png", "1,1,63,63/21,/0/default.png", "100,37,120,90/!30,30/90/default.png");
      for (const p of paths) {
        const [a, b] = await Promise.all([bytes(`${alone.url}/iiif/3/${name}/${p}`), bytes(`${blocked.url}/iiif/3/${name}/${p}`)]);
        expect(Buffer.compare(Buffer.from(a), Buffer.from(b)), `${name} ${p}`).toBe(0);
      }
      // the block path was taken, and blocks were reused
      const rendered = stats.filter((s): s is RenderStats => s !== "cached");
      expect(rendered.filter((s) => s.block === "cached" || s.block === "shared").length).toBeGreaterThan(paths.length / 2);
      expect(rendered.some((s) => s.block === "decoded")).toBe(true);
      expect(rendered.some((s) => s.block === undefined)).toBe(true); // the straddling ones
    });
  }
});

describe("blockFor", () => {
  const header = (w: number, h: number, x0: number, y0: number, dx = 1) =>
    ({ width: w, height: h, x0, y0, componentInfo: [{ width: w, height: h, bitDepth: 8, signed: false, dx, dy: 1 }] }) as unknown as HeaderInfo;

  it("places a region's reduced samples in the block that holds them, counted from the reduced origin", () => {
    // origin 13: at reduce 2 the reduced image starts at ceil(13/4) = 4
    const h = header(1000, 500, 13, 0);
    const p = blockFor(h, { x: 300, y: 0, w: 100, h: 100 }, 2, 64)!;
    // region x 300..400 -> reduced [ceil(313/4), ceil(413/4)) = [79, 104) -> relative [75, 100): block 1
    expect(p.col).toBe(1);
    expect(p.offsetX).toBe(75 - 64);
    // block 1 = relative [64, 128) = absolute reduced [68, 132) = full-res x [4*68-13, 4*132-13) = [259, 515)
    expect(p.region.x).toBe(259);
    expect(p.region.w).toBe(256);
    expect(p.width).toBe(64);
    // last block clipped at the image edge: relative [128, 192) but the image ends at ceil(1013/4) - 4 = 250 -> [192, 250)
    const last = blockFor(h, { x: 990, y: 0, w: 10, h: 10 }, 2, 64)!;
    expect(last.col).toBe(3);
    expect(last.region.x + last.region.w).toBe(1000);
    expect(last.width).toBe(250 - 192);
  });

  it("refuses regions straddling two blocks and sub-sampled images", () => {
    expect(blockFor(header(1000, 500, 0, 0), { x: 60, y: 0, w: 10, h: 10 }, 0, 64)).toBeUndefined();
    expect(blockFor(header(1000, 500, 0, 0), { x: 0, y: 0, w: 10, h: 10 }, 0, 64)).toBeDefined();
    expect(blockFor(header(1000, 500, 0, 0, 2), { x: 0, y: 0, w: 10, h: 10 }, 0, 64)).toBeUndefined();
  });
});

describe("DecodedBlocks", () => {
  const px = (v: number): Pixels => ({ width: 1, height: 1, channels: 1, data: new Uint8Array([v]) });
  it("requests for a block being decoded share one decode; a failure is not kept", async () => {
    const store = new Map<string, unknown>();
    const blocks = new DecodedBlocks(64, { get: (k) => store.get(k), set: (k, v) => void store.set(k, v) });
    let makes = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const make = async () => {
      makes++;
      await gate;
      return px(9);
    };
    const all = [blocks.obtain("a", make), blocks.obtain("a", make), blocks.obtain("a", make)];
    release();
    const got = await Promise.all(all);
    expect(makes).toBe(1);
    expect(got.map((g) => g.pixels.data[0])).toEqual([9, 9, 9]);
    expect(got.map((g) => g.from)).toEqual(["decoded", "shared", "shared"]);
    expect((await blocks.obtain("a", make)).from).toBe("cached");
    await expect(blocks.obtain("b", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect((await blocks.obtain("b", async () => px(3))).pixels.data[0]).toBe(3);
  });
});
