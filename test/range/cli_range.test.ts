/**
 * The CLI with URLs: `j2kit info URL [--verbose] [--json]` and `j2kit decode URL out.ppm --region
 * X,Y,W,H --reduce N --verbose` read by ranges from a counting node:http server, print the bytes and
 * requests they used (the server's own count), and write the same image as decoding the local
 * file; a server error is one `j2kit: [CODE] ...` line and exit status 1.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { decode } from "../../src/index.js";
import { testdataPath } from "../helpers/paths.js";
import { startRangeServer, type RangeServer } from "./http_server.js";

const FILE = "icc/sample.jp2";
let server: RangeServer;
let bytes: Uint8Array;
const tmp = mkdtempSync(join(tmpdir(), "j2kit-cli-range-"));

beforeAll(async () => {
  bytes = new Uint8Array(readFileSync(testdataPath(FILE)));
  server = await startRangeServer({ "scan.jp2": { bytes }, "broken.jp2": { bytes } });
  server.setHostility("broken.jp2", { fail5xx: 1000 });
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function run(...argv: string[]) {
  let stdout = "", stderr = "";
  const status = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { status, stdout, stderr };
}

describe("j2kit with URLs", () => {
  test("info URL --verbose: the header, tile-parts from TLM, and the bytes/requests the server counted", async () => {
    server.reset();
    const r = await run("info", server.url("scan.jp2"), "--verbose");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/image\s+1551 x 2183/);
    expect(r.stdout).toMatch(/tile-parts\s+20/);
    const c = server.counters("scan.jp2");
    expect(r.stdout).toContain(`read    ${c.bytes} bytes in ${c.requests} request(s)`);
    expect(c.bytes).toBeLessThan(bytes.length / 4);
  });

  test("info URL --json", async () => {
    const r = await run("info", server.url("scan.jp2"), "--json");
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { width: number; tileParts: unknown[]; fileSize: number; jp2: { boxes: Array<{ type: string }> } };
    expect(j.width).toBe(1551);
    expect(j.fileSize).toBe(bytes.length);
    expect(j.tileParts.length).toBe(20);
    expect(j.jp2.boxes.map((b) => b.type)).toContain("jp2c");
  });

  test("decode URL out.ppm --region --reduce --verbose: the image of the local file, bytes and requests printed", async () => {
    server.reset();
    const out = join(tmp, "r.ppm");
    const r = await run("decode", server.url("scan.jp2"), out, "--region", "600,700,400,300", "--reduce", "1", "--verbose");
    expect(r.status).toBe(0);
    const c = server.counters("scan.jp2");
    expect(r.stdout).toContain(`read    ${c.bytes} bytes in ${c.requests} request(s)`);
    const want = decode(bytes, { region: { x: 600, y: 700, width: 400, height: 300 }, reduce: 1 });
    const ppm = readFileSync(out);
    expect(ppm.subarray(ppm.length - want.data.length).equals(Buffer.from(want.data as Uint8Array))).toBe(true);
    expect(c.bytes).toBeLessThan(bytes.length / 2);
  });

  test("a failing server: one error line, status 1", async () => {
    const r = await run("info", server.url("broken.jp2"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^j2kit: \[SOURCE_READ_FAILED\] .*HTTP 503/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  }, 30_000);
});
