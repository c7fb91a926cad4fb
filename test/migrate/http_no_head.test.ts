// `j2kit migrate` fingerprints http(s) sources with HEAD. Some servers refuse HEAD (405/501; URLs
// presigned for GET answer 403): the fingerprint then comes from a 1-byte ranged GET (ETag and the
// size in Content-Range), the file converts, and a second run recognises it as done.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "../../src/index.js";
import { ledgerRecords, runCli } from "./helpers.js";

let tmp: string;
let server: Server;
let base: string;
let jp2: Uint8Array;
const heads: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "j2kit-nohead-"));
  const w = 96, h = 64;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 29 + ((i / 3 / w) | 0) * 3) & 255;
  jp2 = encode({ width: w, height: h, components: 3, bitDepth: 8, signed: false, data }, { format: "jp2", ratios: [8] });
  server = createServer((req, res) => {
    // /405/a.jp2 refuses HEAD with 405, /403/a.jp2 with 403, /404/a.jp2 is missing
    const status = Number(req.url!.split("/")[1]);
    if (status === 404) return void res.writeHead(404).end();
    const headers: Record<string, string> = { ETag: '"v1"', "Accept-Ranges": "bytes", "Content-Type": "image/jp2" };
    if (req.method === "HEAD") {
      heads.push(req.url!);
      return void res.writeHead(status).end();
    }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
    if (!m) return void res.writeHead(200, { ...headers, "Content-Length": String(jp2.length) }).end(jp2);
    const start = Number(m[1]), end = Math.min(jp2.length - 1, Number(m[2]));
    res.writeHead(206, { ...headers, "Content-Range": `bytes ${start}-${end}/${jp2.length}`, "Content-Length": String(end - start + 1) }).end(jp2.subarray(start, end + 1));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("migrate: http sources whose server refuses HEAD", () => {
  for (const status of [405, 403]) {
    test(`HEAD answered ${status}: fingerprint from a ranged GET, converted, and skipped on the next run`, async () => {
      const url = `${base}/${status}/a.jp2`;
      const manifest = join(tmp, `m${status}.csv`);
      writeFileSync(manifest, `id,path\na,${url}\n`);
      const out = join(tmp, `out${status}`);
      const args = ["migrate", manifest, "--to", out, "--target", "{id}.jpg", "--jobs", "1"];
      const r = await runCli(args);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(heads).toContain(`/${status}/a.jp2`);
      const ledger = join(out, "j2kit-migrate.ledger.jsonl");
      const done = ledgerRecords(ledger).filter((x) => x.kind === "done");
      expect(done.length).toBe(1);
      expect(done[0]!.fingerprint).toBe(`http:"v1":${jp2.length}`);
      expect(readFileSync(join(out, "a.jpg")).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      const again = await runCli(args);
      expect(again.code, again.stderr + again.stdout).toBe(0);
      const starts = ledgerRecords(ledger).filter((x) => x.kind === "start");
      expect(starts.length, "the second run found the file done under the same fingerprint").toBe(1);
    }, 60_000);
  }

  test("a missing file (404 to HEAD) is still SOURCE_READ_FAILED naming HTTP 404", async () => {
    const manifest = join(tmp, "m404.csv");
    writeFileSync(manifest, `id,path\na,${base}/404/a.jp2\n`);
    const out = join(tmp, "out404");
    const r = await runCli(["migrate", manifest, "--to", out, "--target", "{id}.jpg", "--jobs", "1", "--retries", "0"]);
    expect(r.code, r.stderr + r.stdout).toBe(3);
    const failed = ledgerRecords(join(out, "j2kit-migrate.ledger.jsonl")).find((x) => x.kind === "failed")!;
    expect(failed.code).toBe("SOURCE_READ_FAILED");
    expect(String(failed.message)).toMatch(/HTTP 404/);
  }, 60_000);
});
