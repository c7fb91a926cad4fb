/**
 * The JPIP server and client end to end on 127.0.0.1, against j2kit's own decoder on the whole
 * file (itself cross-checked against OpenJPEG elsewhere): full windows are bit-exact (lossless) /
 * identical to a full decode (lossy); fsiz selects the resolution as `reduce` does; roff/rsiz give a
 * region decode; layers a layer-limited decode — for fixtures made with opj_compress here (LRCP and
 * RPCL, tiles and precincts, SOP/EPH, TLM/PLT, 3 layers) and real JP2/JPX/HT files.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decode } from "../../src/decode.js";
import { openJpip, type JpipView } from "../../src/jpip/index.js";
import type { DecodeOptions } from "../../src/types.js";
import { servedFolder, startJpip, type TestServer } from "./fixtures.js";

let folder: ReturnType<typeof servedFolder>;
let server: TestServer;

beforeAll(async () => {
  folder = servedFolder();
  server = await startJpip(folder.dir);
});
afterAll(async () => {
  await server?.close();
  folder?.cleanup();
});

function fileBytes(key: string): Uint8Array {
  return new Uint8Array(readFileSync(join(folder.dir, folder.names[key]!)));
}

function expectSameImage(view: JpipView, ref: ReturnType<typeof decode>): void {
  expect([view.image.width, view.image.height, view.image.components]).toEqual([ref.width, ref.height, ref.components]);
  const a = view.image.data, b = ref.data;
  expect(a.length).toBe(b.length);
  let diff = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
  expect(diff).toBe(0);
}

const ALL = ["losslessLrcp", "lossyRpcl", "greyPlain", "lossyTiles", "jpxIcc", "greyIcc", "ht"];

describe.each(ALL)("%s", (key) => {
  test("the full window equals a decode of the whole file", async () => {
    const c = await openJpip(server.url, { target: folder.names[key]! });
    try {
      const { width, height } = c.info;
      const v = await c.fetchWindow({ fsiz: [width, height] });
      const ref = decode(fileBytes(key));
      expectSameImage(v, ref);
      expect(v.complete).toBe(true);
      expect(v.emptyPackets).toBe(0);
      if (ref.colorSpace) expect(v.image.colorSpace).toEqual(ref.colorSpace);
    } finally {
      await c.close();
    }
  });

  test("fsiz of a quarter size equals reduce 2; roff/rsiz equals a region decode; layers=1 a one-layer decode", async () => {
    const c = await openJpip(server.url, { target: folder.names[key]! });
    try {
      const { width, height, levels, layers } = c.info;
      const bytes = fileBytes(key);
      const check = async (w: Parameters<typeof c.fetchWindow>[0], o: DecodeOptions) => {
        const v = await c.fetchWindow(w);
        expectSameImage(v, decode(bytes, o));
        return v;
      };
      const d = Math.min(2, levels);
      const W = Math.ceil(width / 2 ** d), H = Math.ceil(height / 2 ** d);
      const q = await check({ fsiz: [W, H] }, { reduce: d });
      expect(q.window.reduce).toBe(d);
      // a region at full resolution and one at half resolution
      const rx = Math.floor(width / 3), ry = Math.floor(height / 4), rw = Math.max(1, Math.floor(width / 4)), rh = Math.max(1, Math.floor(height / 3));
      await check({ fsiz: [width, height], roff: [rx, ry], rsiz: [rw, rh] }, { region: { x: rx, y: ry, width: rw, height: rh } });
      if (levels >= 1) {
        const hw = Math.ceil(width / 2), hh = Math.ceil(height / 2);
        const x = Math.floor(hw / 5), y = Math.floor(hh / 2);
        const w = Math.min(hw - x, 40), h = Math.min(hh - y, 30);
        await check({ fsiz: [hw, hh], roff: [x, y], rsiz: [w, h] }, { reduce: 1, region: { x: 2 * x, y: 2 * y, width: 2 * w, height: 2 * h } });
      }
      if (layers > 1) await check({ fsiz: [width, height], layers: 1 }, { layers: 1 });
    } finally {
      await c.close();
    }
  });
});

test("progressive: images come coarse first and end complete, each a valid decode of what had arrived", async () => {
  const c = await openJpip(server.url, { target: folder.names.losslessLrcp!, decodeEveryBytes: 60000, decodeEveryMs: 1e9, maxDecodeShare: 1 }); // by bytes alone, whatever the machine's load
  try {
    const views: JpipView[] = [];
    for await (const v of c.view({ fsiz: [1000, 700] })) views.push(v);
    expect(views.length).toBeGreaterThan(2);
    expect(views.slice(0, -1).every((v) => !v.final)).toBe(true);
    expect(views[0]!.emptyPackets).toBeGreaterThan(0);
    const last = views[views.length - 1]!;
    expect(last.final && last.complete).toBe(true);
    // error against the final image shrinks as data arrives (first vs last intermediate)
    const mse = (v: JpipView) => {
      let s = 0;
      for (let i = 0; i < v.image.data.length; i++) s += (v.image.data[i]! - last.image.data[i]!) ** 2;
      return s / v.image.data.length;
    };
    expect(mse(views[0]!)).toBeGreaterThan(mse(views[views.length - 2]!));
    expect(mse(last)).toBe(0);
  } finally {
    await c.close();
  }
});

test("JPT-stream (tile data-bins) gives the same images", async () => {
  const c = await openJpip(server.url, { target: folder.names.lossyTiles!, type: "jpt-stream" });
  try {
    const v = await c.fetchWindow({ fsiz: [1024, 1024], roff: [600, 100], rsiz: [200, 300] });
    expectSameImage(v, decode(fileBytes("lossyTiles"), { region: { x: 600, y: 100, width: 200, height: 300 } }));
    expect(server.log.at(-1)!.query).toContain("type=jpt-stream");
  } finally {
    await c.close();
  }
});

test("a stateless client (no channel) works with the model field", async () => {
  const c = await openJpip(server.url, { target: folder.names.greyPlain!, channel: false });
  const v1 = await c.fetchWindow({ fsiz: [200, 150] });
  expectSameImage(v1, decode(fileBytes("greyPlain"), { reduce: 2 }));
  const before = c.stats().bytes;
  const v2 = await c.fetchWindow({ fsiz: [400, 300] });
  expectSameImage(v2, decode(fileBytes("greyPlain"), { reduce: 1 }));
  expect(c.channel).toBeUndefined();
  // the second request declared what the first brought: it did not come again
  const log = server.log.at(-1)!;
  expect(log.query).toContain("model=");
  expect(c.stats().bytes - before).toBeLessThan(fileBytes("greyPlain").length);
});
