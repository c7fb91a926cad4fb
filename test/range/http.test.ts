/**
 * Reading JPEG 2000 over HTTP by ranges (issue 10's checks), against a node:http server on
 * 127.0.0.1 that counts requests and bytes, serving files made here with opj_compress:
 * - 8192x8192, 512x512 tiles, TLM + PLT: a 512x512 region (straddling four tiles) equals the crop
 *   of the full image exactly, with at most 4 requests and at most 2x the bytes of the tile-parts
 *   it overlaps;
 * - the same tiles without any index marker: same pixels, a small fraction of the file;
 * - one tile, RPCL + PLT: `reduce: 4` reads at most 1.2x the bytes of the resolutions it needs
 *   (counted independently from the file's PLT marker);
 * - one tile, RPCL, no index marker (raw codestream): reduce 3 reads far less than the file.
 * The files are lossless, so the full decode is the generated source image itself: regions are
 * compared with its crop (and with a decode of the whole file with the same options).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readFileSync, statSync } from "node:fs";
import { decode } from "../../src/index.js";
import { openImage } from "../../src/range/open_image.js";
import { fixture, RECIPES, syntheticImage } from "./fixtures.js";
import { startRangeServer, type RangeServer } from "./http_server.js";
import { nativeTools, NATIVE_HINT } from "../helpers/peers.js";

let server: RangeServer;
const paths: Record<string, string> = {};

beforeAll(async () => {
  expect(nativeTools.opjCompress, `opj_compress must be on PATH (${NATIVE_HINT})`).toBeDefined();
  for (const r of [RECIPES.tiledIndexed, RECIPES.tiledPlain, RECIPES.singleRpclPlt, RECIPES.singlePlain]) paths[r.name] = fixture(r);
  server = await startRangeServer(Object.fromEntries(Object.entries(paths).map(([k, p]) => [k, { path: p }])));
}, 600_000);

afterAll(async () => {
  await server?.close();
});

/** The source image's crop (the lossless full decode). */
function sourceCrop(w: number, h: number, x: number, y: number, cw: number, ch: number): Uint8Array {
  const src = syntheticImage(w, h, 1);
  const out = new Uint8Array(cw * ch);
  for (let j = 0; j < ch; j++) out.set(src.subarray((y + j) * w + x, (y + j) * w + x + cw), j * cw);
  return out;
}

/** Tile-parts (SOT offset, Psot) of a codestream at `cs` in `file`, read independently of the index. */
function tilePartsOf(file: Uint8Array, cs: number): Array<{ tile: number; offset: number; length: number }> {
  const out: Array<{ tile: number; offset: number; length: number }> = [];
  let p = cs + 2;
  while (!(file[p] === 0xff && file[p + 1] === 0x90)) p += 2 + ((file[p + 2]! << 8) | file[p + 3]!);
  while (file[p] === 0xff && file[p + 1] === 0x90) {
    const Psot = (file[p + 6]! * 2 ** 24) + ((file[p + 7]! << 16) | (file[p + 8]! << 8) | file[p + 9]!);
    out.push({ tile: (file[p + 4]! << 8) | file[p + 5]!, offset: p, length: Psot });
    p += Psot;
  }
  return out;
}

/** Offset of the codestream (SOC) in a JP2 file: the jp2c box's content. */
function codestreamStart(file: Uint8Array): number {
  if (file[0] === 0xff && file[1] === 0x4f) return 0;
  let p = 0;
  for (;;) {
    const len = (file[p]! * 2 ** 24) + ((file[p + 1]! << 16) | (file[p + 2]! << 8) | file[p + 3]!);
    if (String.fromCharCode(...file.subarray(p + 4, p + 8)) === "jp2c") return p + 8;
    p += len;
  }
}

describe("tiled 8192x8192 files", () => {
  const region = { x: 1000, y: 1300, width: 512, height: 512 };
  const want = () => sourceCrop(8192, 8192, region.x, region.y, region.width, region.height);

  test("TLM + PLT: 512x512 region = crop of the full image, <= 4 requests, <= 2x the overlapped tile-parts", async () => {
    const name = RECIPES.tiledIndexed.name;
    const file = new Uint8Array(readFileSync(paths[name]!));
    server.reset();
    const img = await openImage(server.url(name), { worker: false });
    const got = await img.decode({ region });
    expect(got.width).toBe(512);
    expect(Buffer.from(got.data as Uint8Array).equals(Buffer.from(want())), "region samples").toBe(true);
    const c = server.counters(name);
    const s = img.stats();
    expect(s.requests).toBe(c.requests);
    expect(s.bytes).toBe(c.bytes);
    // tiles meeting the region: columns 1-2, rows 2-3 of 512x512 tiles
    const overlapped = tilePartsOf(file, codestreamStart(file)).filter((tp) => [33, 34, 49, 50].includes(tp.tile));
    const tpBytes = overlapped.reduce((a, t) => a + t.length, 0);
    console.log(`TLM+PLT region: ${c.requests} requests, ${c.bytes} bytes; overlapped tile-parts ${tpBytes} bytes; file ${file.length}`);
    expect(c.requests).toBeLessThanOrEqual(4);
    expect(c.bytes).toBeLessThanOrEqual(2 * tpBytes);
    expect(Buffer.from(decode(file, { region }).data as Uint8Array).equals(Buffer.from(got.data as Uint8Array))).toBe(true);
    await img.close();
  });

  test("no index marker: the same region reads a small fraction of the file", async () => {
    const name = RECIPES.tiledPlain.name;
    const size = statSync(paths[name]!).size;
    server.reset();
    const img = await openImage(server.url(name), { worker: false });
    expect(img.index.main.tlm).toEqual([]);
    const got = await img.decode({ region });
    expect(Buffer.from(got.data as Uint8Array).equals(Buffer.from(want())), "region samples").toBe(true);
    const c = server.counters(name);
    console.log(`no index: ${c.requests} requests, ${c.bytes} bytes of ${size}`);
    expect(c.bytes).toBeLessThan(size / 20);
    await img.close();
  });
});

describe("single-tile files", () => {
  test("RPCL + PLT, reduce 4: <= 1.2x the bytes of the resolutions it needs", async () => {
    const name = RECIPES.singleRpclPlt.name;
    const file = new Uint8Array(readFileSync(paths[name]!));
    server.reset();
    const img = await openImage(server.url(name), { worker: false });
    const got = await img.decode({ reduce: 4 });
    const ref = decode(file, { reduce: 4 });
    expect(got.width).toBe(512);
    expect(Buffer.from(got.data as Uint8Array).equals(Buffer.from(ref.data as Uint8Array))).toBe(true);
    // Needed bytes, from the file's own PLT: main header, tile-part header, the packets of
    // resolutions 0..NL-4 (RPCL, one component, one layer, one precinct per resolution: the first NL-3 packets).
    const cs = codestreamStart(file);
    const [tp] = tilePartsOf(file, cs);
    let p = tp!.offset + 12;
    const lengths: number[] = [];
    while (!(file[p] === 0xff && file[p + 1] === 0x93)) {
      const L = (file[p + 2]! << 8) | file[p + 3]!;
      if (file[p] === 0xff && file[p + 1] === 0x58) {
        let v = 0;
        for (let i = p + 5; i < p + 2 + L; i++) {
          v = v * 128 + (file[i]! & 0x7f);
          if (!(file[i]! & 0x80)) {
            lengths.push(v);
            v = 0;
          }
        }
      }
      p += 2 + L;
    }
    const NL = img.header.levels;
    expect(lengths.length).toBe(NL + 1);
    const needed = (tp!.offset - cs) + (p + 2 - tp!.offset) + lengths.slice(0, NL - 3).reduce((a, b) => a + b, 0);
    const c = server.counters(name);
    console.log(`RPCL+PLT reduce 4: ${c.requests} requests, ${c.bytes} bytes; needed ${needed}; file ${file.length}`);
    expect(c.bytes).toBeLessThanOrEqual(1.2 * needed);
    await img.close();
  });

  test("RPCL without index markers (raw codestream), reduce 3: far less than the file, same pixels", async () => {
    const name = RECIPES.singlePlain.name;
    const file = new Uint8Array(readFileSync(paths[name]!));
    server.reset();
    const img = await openImage(server.url(name), { worker: false });
    expect(img.header.format).toBe("j2k");
    const got = await img.decode({ reduce: 3 });
    expect(Buffer.from(got.data as Uint8Array).equals(Buffer.from(decode(file, { reduce: 3 }).data as Uint8Array))).toBe(true);
    const c = server.counters(name);
    console.log(`RPCL no index reduce 3: ${c.requests} requests, ${c.bytes} bytes of ${file.length}`);
    expect(c.bytes).toBeLessThan(file.length / 10);
    const pk = await img.index.packets(0);
    expect(pk.source).toBe("headers");
    await img.close();
  });
});
