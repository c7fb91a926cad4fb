/**
 * `openImage("s3://bucket/key")` through s3rver (an S3 implementation from npm, started here on
 * 127.0.0.1): ranged GetObject calls, the same pixels and the same request budget as over HTTP for
 * the tiled TLM + PLT file, and typed errors for a missing key and a missing bucket.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { decode } from "../../src/index.js";
import { openImage } from "../../src/range/open_image.js";
import { fixture, RECIPES } from "./fixtures.js";

let server: S3rver;
let dir: string;
let endpoint: string;
let file: Uint8Array;
const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

beforeAll(async () => {
  file = new Uint8Array(readFileSync(fixture(RECIPES.tiledIndexed)));
  dir = mkdtempSync(join(tmpdir(), "j2kit-s3rver-"));
  server = new S3rver({ address: "127.0.0.1", port: 0, directory: dir, silent: true });
  const info = (await server.run()) as { port: number };
  endpoint = `http://127.0.0.1:${info.port}`;
  const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
  await client.send(new CreateBucketCommand({ Bucket: "images" }));
  await client.send(new PutObjectCommand({ Bucket: "images", Key: "deep/zoom image.jp2", Body: file }));
  client.destroy();
}, 600_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("s3:// through s3rver", () => {
  test("a 512x512 region: same pixels as the whole file, <= 4 ranged GetObject calls, bytes close to the tiles'", async () => {
    const region = { x: 1000, y: 1300, width: 512, height: 512 };
    const img = await openImage("s3://images/deep/zoom%20image.jp2", { worker: false, s3: { endpoint, credentials, region: "us-east-1" } });
    const got = await img.decode({ region });
    const want = decode(file, { region });
    expect(Buffer.from(got.data as Uint8Array).equals(Buffer.from(want.data as Uint8Array))).toBe(true);
    const s = img.stats();
    console.log(`s3 region: ${s.requests} requests, ${s.bytes} bytes of ${file.length}`);
    expect(s.requests).toBeLessThanOrEqual(4);
    expect(s.bytes).toBeLessThan(file.length / 20);
    expect(img.version).toMatch(/^"/); // the object's ETag
    await img.close();
  });

  test("missing key and missing bucket: SOURCE_READ_FAILED", async () => {
    const o = { s3: { endpoint, credentials, region: "us-east-1" }, retries: 0 };
    await expect(openImage("s3://images/nope.jp2", o)).rejects.toMatchObject({ name: "J2kError", code: "SOURCE_READ_FAILED" });
    await expect(openImage("s3://no-such-bucket/x.jp2", o)).rejects.toMatchObject({ name: "J2kError", code: "SOURCE_READ_FAILED" });
  });
});
