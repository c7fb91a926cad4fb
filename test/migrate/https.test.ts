// `j2kit migrate` with https:// sources (issue 9 item 3): a node:https server on 127.0.0.1 with a
// self-signed certificate made here (ECDSA P-256, DER built by hand, no openssl needed) serves a
// JP2 by byte ranges. Trusted through NODE_EXTRA_CA_CERTS, the file converts to exactly the JPEG
// the same file gives from disk, read by ranges; untrusted, it fails with SOURCE_READ_FAILED and
// says why (the certificate), so TLS really was in the way.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateKeyPairSync, sign } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "../../src/index.js";
import { ledgerRecords, runCli } from "./helpers.js";

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 128 ? Buffer.from([n]) : n < 256 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 255]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...p: Buffer[]) => der(0x30, ...p);
const oid = (hex: string) => der(0x06, Buffer.from(hex, "hex"));

/** A self-signed X.509 v3 certificate for an IP address (RFC 5280: CN and an iPAddress subjectAltName). */
function selfSignedCert(ip: string): { cert: string; key: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const ecdsaSha256 = seq(oid("2a8648ce3d040302")); // 1.2.840.10045.4.3.2
  const name = seq(der(0x31, seq(oid("550403"), der(0x0c, Buffer.from(ip))))); // CN
  const validity = seq(der(0x17, Buffer.from("250101000000Z")), der(0x17, Buffer.from("491231000000Z")));
  const extensions = der(0xa3, seq(
    seq(oid("551d13"), der(0x01, Buffer.from([0xff])), der(0x04, seq(der(0x01, Buffer.from([0xff]))))), // basicConstraints CA
    seq(oid("551d11"), der(0x04, seq(der(0x87, Buffer.from(ip.split(".").map(Number)))))), // subjectAltName iPAddress
  ));
  const tbs = seq(der(0xa0, der(0x02, Buffer.from([2]))), der(0x02, Buffer.from([0x2a, 0x17])), ecdsaSha256, name, validity, name, publicKey.export({ type: "spki", format: "der" }), extensions);
  const cert = seq(tbs, ecdsaSha256, der(0x03, Buffer.concat([Buffer.from([0]), sign("sha256", tbs, privateKey)])));
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${cert.toString("base64").match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`,
    key: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  };
}

let tmp: string;
let server: Server;
let url: string;
let caFile: string;
const ranged: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "j2kit-https-"));
  const w = 240, h = 160;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i / 3 / w) | 0) * 5) & 255;
  const jp2 = encode({ width: w, height: h, components: 3, bitDepth: 8, signed: false, data }, { format: "jp2", ratios: [10], tile: { width: 128, height: 128 } });
  mkdirSync(join(tmp, "local"));
  writeFileSync(join(tmp, "local", "scan.jp2"), jp2);
  const { cert, key } = selfSignedCert("127.0.0.1");
  caFile = join(tmp, "ca.pem");
  writeFileSync(caFile, cert);
  server = createServer({ cert, key }, (req, res) => {
    if (req.url !== "/scan.jp2") return void res.writeHead(404).end();
    const headers: Record<string, string> = { ETag: '"scan-v1"', "Accept-Ranges": "bytes", "Content-Type": "image/jp2" };
    if (req.method === "HEAD") return void res.writeHead(200, { ...headers, "Content-Length": String(jp2.length) }).end();
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
    if (!m) return void res.writeHead(200, { ...headers, "Content-Length": String(jp2.length) }).end(jp2);
    const start = Number(m[1]), end = Math.min(jp2.length - 1, Number(m[2]));
    ranged.push(`${start}-${end}`);
    res.writeHead(206, { ...headers, "Content-Range": `bytes ${start}-${end}/${jp2.length}`, "Content-Length": String(end - start + 1) }).end(jp2.subarray(start, end + 1));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/scan.jp2`;
  writeFileSync(join(tmp, "manifest.csv"), `id,path\nscan,${url}\n`);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("migrate: https:// sources", () => {
  test("a trusted certificate: converted by ranges, the same JPEG as from disk", async () => {
    const out = join(tmp, "out-https");
    const r = await runCli(["migrate", join(tmp, "manifest.csv"), "--to", out, "--target", "{id}.jpg", "--jobs", "1"], { NODE_EXTRA_CA_CERTS: caFile });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const done = ledgerRecords(join(out, "j2kit-migrate.ledger.jsonl")).find((x) => x.kind === "done")!;
    expect(done.source).toBe(url);
    expect(done.fingerprint).toMatch(/^http:"scan-v1":\d+$/);
    expect(ranged.length, "the source was read by byte ranges").toBeGreaterThan(0);
    const local = join(tmp, "out-local");
    const l = await runCli(["migrate", join(tmp, "local"), "--to", local, "--jobs", "1"]);
    expect(l.code, l.stderr).toBe(0);
    expect(Buffer.compare(readFileSync(join(out, "scan.jpg")), readFileSync(join(local, "scan.jpg")))).toBe(0);
  }, 60_000);

  test("an untrusted certificate: SOURCE_READ_FAILED naming the certificate problem, nothing written", async () => {
    const out = join(tmp, "out-untrusted");
    const r = await runCli(["migrate", join(tmp, "manifest.csv"), "--to", out, "--target", "{id}.jpg", "--jobs", "1", "--retries", "0"], { NODE_EXTRA_CA_CERTS: "" });
    expect(r.code, r.stderr + r.stdout).toBe(3);
    const failed = ledgerRecords(join(out, "j2kit-migrate.ledger.jsonl")).find((x) => x.kind === "failed")!;
    expect(failed.code).toBe("SOURCE_READ_FAILED");
    expect(String(failed.message)).toMatch(/SELF_SIGNED|certificate/i);
    expect(existsSync(join(out, "scan.jpg"))).toBe(false);
  }, 60_000);
});
