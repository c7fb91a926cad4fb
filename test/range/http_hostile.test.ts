/**
 * Servers that misbehave, and what `openImage` does about each (issue 10):
 * Range ignored (200 + whole file: one full read, a warning, correct pixels), the ETag changing
 * mid-read (SOURCE_CHANGED), 416 (SOURCE_RANGE_NOT_SATISFIABLE), 5xx then success and a connection
 * dropped mid-body (retried, counted), a wrong Content-Range and 404 (SOURCE_READ_FAILED). Also a
 * lossy multi-layer RGB file with precincts, tile-parts by resolution and SOP/EPH over HTTP: every
 * option combination decodes exactly as the whole file does.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { decode } from "../../src/index.js";
import { openImage } from "../../src/range/open_image.js";
import type { DecodeOptions } from "../../src/types.js";
import { testdataPath } from "../helpers/paths.js";
import { fixture, RECIPES } from "./fixtures.js";
import { startRangeServer, type RangeServer } from "./http_server.js";

const SAMPLE = "icc/sample.jp2"; // 20 tiles, TLM, PLT, SOP/EPH, ICC
let server: RangeServer;
let sample: Uint8Array;
let rgbPath: string;
const region = { x: 600, y: 700, width: 300, height: 200 };

beforeAll(async () => {
  sample = new Uint8Array(readFileSync(testdataPath(SAMPLE)));
  rgbPath = fixture(RECIPES.rgbLayers);
  const names = ["ignore", "etag", "416", "5xx", "drop", "wrongrange", "ok"];
  server = await startRangeServer({ ...Object.fromEntries(names.map((n) => [n, { bytes: sample }])), rgb: { path: rgbPath } });
  server.setHostility("ignore", { ignoreRange: true });
  server.setHostility("etag", { etagChangesAfter: 1 });
  server.setHostility("416", { always416: true });
  server.setHostility("5xx", { fail5xx: 2 });
  server.setHostility("drop", { dropBody: 1 });
  server.setHostility("wrongrange", { wrongContentRange: true });
}, 300_000);

afterAll(async () => {
  await server?.close();
});

const same = (a: { data: ArrayBufferView }, b: { data: ArrayBufferView }) =>
  Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));

describe("hostile HTTP servers", () => {
  test("Range ignored: one full read, a warning, the right pixels", async () => {
    const img = await openImage(server.url("ignore"), { worker: false });
    const got = await img.decode({ region });
    expect(same(got, decode(sample, { region }))).toBe(true);
    expect(server.counters("ignore")).toEqual({ requests: 1, bytes: sample.length });
    expect(img.warnings.join(" ")).toMatch(/ignores Range/);
    expect(got.warnings.join(" ")).toMatch(/ignores Range/);
    await img.decode({ reduce: 2 });
    expect(server.counters("ignore").requests).toBe(1);
  });

  test("ETag changes between requests: SOURCE_CHANGED", async () => {
    const img = await openImage(server.url("etag"), { worker: false });
    await expect(img.decode({ region })).rejects.toMatchObject({ name: "J2kError", code: "SOURCE_CHANGED" });
  });

  test("416: SOURCE_RANGE_NOT_SATISFIABLE with the server's answer in the message", async () => {
    const e = await openImage(server.url("416")).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: "J2kError", code: "SOURCE_RANGE_NOT_SATISFIABLE" });
    expect(String((e as Error).message)).toMatch(/416/);
  });

  test("5xx then success: retried with backoff, every attempt counted", async () => {
    const img = await openImage(server.url("5xx"), { worker: false, retryDelay: 5 });
    const got = await img.decode({ region });
    expect(same(got, decode(sample, { region }))).toBe(true);
    expect(img.stats().requests).toBe(server.counters("5xx").requests);
    expect(server.counters("5xx").requests).toBeGreaterThanOrEqual(3);
  });

  test("5xx every time: SOURCE_READ_FAILED after the retries", async () => {
    server.setHostility("ok", { fail5xx: 1000 });
    const e = await openImage(server.url("ok"), { retries: 2, retryDelay: 1 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: "J2kError", code: "SOURCE_READ_FAILED" });
    expect(server.counters("ok").requests).toBe(3);
    server.setHostility("ok", {});
  });

  test("connection dropped mid-body: retried", async () => {
    const img = await openImage(server.url("drop"), { worker: false, retryDelay: 5 });
    const got = await img.decode({ region });
    expect(same(got, decode(sample, { region }))).toBe(true);
    expect(server.counters("drop").requests).toBeGreaterThanOrEqual(2);
  });

  test("a Content-Range that is not the range asked for, and 404: SOURCE_READ_FAILED", async () => {
    await expect(openImage(server.url("wrongrange"))).rejects.toMatchObject({ name: "J2kError", code: "SOURCE_READ_FAILED" });
    await expect(openImage(server.url("missing"))).rejects.toMatchObject({ name: "J2kError", code: "SOURCE_READ_FAILED" });
  });
});

describe("lossy RGB, 3 layers, precincts, tile-parts by resolution, SOP/EPH, over HTTP", () => {
  test("every request decodes as the whole file does, reading less", async () => {
    const file = new Uint8Array(readFileSync(rgbPath));
    const img = await openImage(server.url("rgb"), { worker: false });
    const cases: DecodeOptions[] = [
      { reduce: 3 },
      { layers: 1, reduce: 1 },
      { region: { x: 1000, y: 900, width: 200, height: 300 } },
      { region: { x: 1000, y: 900, width: 200, height: 300 }, layers: 2, components: [1] },
      { region: { x: 17, y: 2040, width: 300, height: 8 }, reduce: 2, layout: "components" },
    ];
    for (const o of cases) {
      server.reset();
      const got = await img.decode(o);
      const want = decode(file, o);
      expect(same(got, want), JSON.stringify(o)).toBe(true);
      expect(got.warnings).toEqual(want.warnings);
      const c = server.counters("rgb");
      console.log(`${JSON.stringify(o)}: ${c.requests} requests, ${c.bytes} bytes of ${file.length}`);
      // no PLT here: packets are found by reading their headers, so a region at full resolution
      // in all four tiles reads most of them; reduced resolutions read a prefix of each tile
      expect(c.bytes, JSON.stringify(o)).toBeLessThan(o.reduce && o.reduce >= 2 ? file.length / 4 : file.length);
    }
    await img.close();
  });
});

test("concurrent decodes of the same area share their reads (no request made twice)", async () => {
  const one = await openImage(server.url("ok"), { worker: false });
  server.reset();
  await one.decode({ region });
  const single = server.counters("ok");
  const many = await openImage(server.url("ok"), { worker: false });
  server.reset();
  const images = await Promise.all(Array.from({ length: 6 }, () => many.decode({ region })));
  const shared = server.counters("ok");
  for (const im of images) expect(same(im, images[0]!)).toBe(true);
  expect(shared.requests).toBe(single.requests);
  expect(shared.bytes).toBe(single.bytes);
});
