/**
 * The IIIF server over `s3://bucket/prefix`: s3rver (an S3 implementation from npm) started here on
 * 127.0.0.1; identifiers are keys below the prefix, images are read with ranged GetObject.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, expect, it } from "vitest";
import { encode } from "../../src/encode.js";
import { Prng } from "../helpers/prng.js";
import { colourNear, decodePng, gridImage, squareColour, startIiifServer, type TestServer } from "./fixtures.js";

const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
let s3: S3rver;
let dir: string;
let srv: TestServer;
let objectSize = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "j2kit-iiif-s3-"));
  s3 = new S3rver({ address: "127.0.0.1", port: 0, directory: dir, silent: true });
  const { port } = (await s3.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
  await client.send(new CreateBucketCommand({ Bucket: "archive" }));
  const jp2 = encode(gridImage(), { format: "jp2", levels: 4, precincts: [[128, 128]], progression: "RPCL", tlm: true, plt: true, tileParts: "R" });
  for (const key of ["iiif/maps/grid 1.jp2", "iiif/.hidden.jp2", "iiif/notes.txt", "elsewhere/secret.jp2"]) {
    await client.send(new PutObjectCommand({ Bucket: "archive", Key: key, Body: jp2 }));
  }
  // a noisy 2048×2048 picture, where the full resolution holds most of the bytes
  const noisy = gridImage(2048, 2048);
  const rnd = new Prng(3);
  for (let i = 0; i < noisy.data.length; i++) noisy.data[i] = Math.min(255, noisy.data[i]! + rnd.int(48));
  const big = encode(noisy, { format: "jp2", ratios: [6], levels: 5, precincts: [[256, 256]], progression: "RPCL", tlm: true, plt: true, tileParts: "R" });
  objectSize = big.length;
  await client.send(new PutObjectCommand({ Bucket: "archive", Key: "iiif/b.jp2", Body: big }));
  client.destroy();
  srv = await startIiifServer({ root: "s3://archive/iiif", s3: { endpoint, region: "us-east-1", credentials }, workers: 1 });
}, 120_000);

afterAll(async () => {
  await srv?.handler.close();
  await srv?.close();
  await s3?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("serves info.json and tiles of objects below the prefix, reading by ranges", async () => {
  const id = encodeURIComponent("maps/grid 1.jp2");
  const info = (await (await fetch(`${srv.url}/iiif/3/${id}/info.json`)).json()) as { width: number; tiles: unknown };
  expect(info.width).toBe(1000);
  expect(info.tiles).toEqual([{ width: 128, height: 128, scaleFactors: [1, 2, 4, 8, 16] }]);
  const r = await fetch(`${srv.url}/iiif/3/${id}/512,256,256,256/128,128/0/default.png`);
  expect(r.status).toBe(200);
  const img = decodePng(new Uint8Array(await r.arrayBuffer()));
  expect(colourNear(img, 25, 12, 8, squareColour(5, 2))).toBe(true);
  const etag = r.headers.get("etag")!;
  expect((await fetch(`${srv.url}/iiif/3/${id}/512,256,256,256/128,128/0/default.png`, { headers: { "If-None-Match": etag } })).status).toBe(304);
});

it("reads far less than the object for a small tile", async () => {
  const src = await srv.handler.store.open("b.jp2", "v");
  await src.decode({ region: { x: 0, y: 0, width: 128, height: 128 }, reduce: 0, maxPixels: 1e6 });
  const { bytes } = src.readStats();
  expect(bytes, `${bytes} of ${objectSize} bytes`).toBeLessThan(objectSize * 0.4);
  await src.close();
});

it("lists images for the viewer and refuses what is not below the prefix", async () => {
  const list = (await (await fetch(`${srv.url}/viewer/images.json`)).json()) as { images: string[] };
  expect(list.images).toEqual(["b.jp2", "maps/grid 1.jp2"]);
  expect((await fetch(`${srv.url}/iiif/3/..%2Felsewhere%2Fsecret.jp2/info.json`)).status).toBe(403);
  expect((await fetch(`${srv.url}/iiif/3/missing.jp2/info.json`)).status).toBe(404);
  expect((await fetch(`${srv.url}/iiif/3/.hidden.jp2/info.json`)).status).toBe(404);
  expect((await fetch(`${srv.url}/iiif/3/notes.txt/info.json`)).status).toBe(404);
});
