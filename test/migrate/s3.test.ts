/**
 * `j2kit migrate` from S3 to S3 through s3rver (an S3 implementation from npm, started here on
 * 127.0.0.1) behind a small fault-injecting proxy that answers some requests with 503 and drops
 * the connection of others before they reach the store: every good file arrives whole (multipart
 * upload completed), damaged files fail with their codes, the ledger lives on S3 and `status`
 * reads it back, and a second run converts nothing. Killed with SIGKILL half way (before the S3
 * ledger's first snapshot, so its records are lost) and run again: the outputs already in the bucket
 * are recognised by their provenance metadata and adopted, never converted a second time.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import S3rver from "s3rver";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { has } from "../helpers/tools.js";
import { buildArchive, runCli, startCli, targetOf, TEMPLATE, waitFor, type Archive } from "./helpers.js";

const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const ENV = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" };
let server: S3rver;
let proxy: Server;
let dir: string;
let tmp: string;
let direct: string;
let viaProxy: string;
let client: S3Client;
let archive: Archive;
const faults = { requests: 0, errors503: 0, dropped: 0 };

/**
 * Forward to s3rver; every 7th request gets a 503 (SlowDown), every 11th has its connection dropped
 * before it is forwarded (so no request is applied twice by the client's retry).
 */
function startProxy(target: number): Promise<number> {
  proxy = createServer((req, res) => {
    const n = ++faults.requests;
    if (n % 7 === 0) {
      faults.errors503++;
      req.resume();
      res.writeHead(503, { "content-type": "application/xml" });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected</Message></Error>');
      return;
    }
    if (n % 11 === 0) {
      faults.dropped++;
      req.socket.destroy();
      return;
    }
    const up = request({ host: "127.0.0.1", port: target, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) => proxy.listen(0, "127.0.0.1", () => resolve((proxy.address() as { port: number }).port)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "j2kit-migrate-s3rver-"));
  tmp = mkdtempSync(join(tmpdir(), "j2kit-migrate-s3-"));
  server = new S3rver({ address: "127.0.0.1", port: 0, directory: dir, silent: true });
  const info = await server.run();
  direct = `http://127.0.0.1:${info.port}`;
  viaProxy = `http://127.0.0.1:${await startProxy(info.port)}`;
  client = new S3Client({ endpoint: direct, region: "us-east-1", forcePathStyle: true, credentials });
  await client.send(new CreateBucketCommand({ Bucket: "archive" }));
  await client.send(new CreateBucketCommand({ Bucket: "derivatives" }));
  archive = buildArchive(join(tmp, "archive"));
  for (const f of archive.files) {
    await client.send(new PutObjectCommand({ Bucket: "archive", Key: f.rel, Body: readFileSync(join(archive.root, f.rel)) }));
  }
  // the manifest names s3:// sources (the CSV export with its path column rewritten)
  const lines = readFileSync(archive.manifest, "utf8").split("\r\n");
  writeFileSync(archive.manifest, lines.map((l) => l.replace(/,(reps\/[^,]+)$/, ",s3://archive/$1")).join("\r\n"));
}, 300_000);

afterAll(async () => {
  client?.destroy();
  await new Promise((r) => proxy?.close(r));
  await server?.close();
  for (const d of [dir, tmp]) if (d) rmSync(d, { recursive: true, force: true });
});

async function keys(bucket: string, prefix: string): Promise<string[]> {
  const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (r.Contents ?? []).map((c) => c.Key!).sort();
}

describe("j2kit migrate through s3rver with injected faults", () => {
  test.skipIf(!has("jpeginfo"))("s3:// sources to an s3:// prefix with an S3 ledger: good files whole, damaged failed, status, rerun idle (needs jpeginfo)", async () => {
    const ledger = "s3://derivatives/ledgers/run.jsonl";
    const args = ["migrate", archive.manifest, "--to", "s3://derivatives/jpeg", "--target", TEMPLATE, "--group-column", "representation_uuid", "--jobs", "2", "--ledger", ledger, "--s3-endpoint", viaProxy, "--retries", "3"];
    const first = await runCli(args, ENV);
    expect(first.code, first.stderr + first.stdout).toBe(3);
    console.log(`s3 migrate: ${faults.requests} requests through the proxy, ${faults.errors503} answered 503, ${faults.dropped} dropped`);
    expect(faults.errors503 + faults.dropped, "the proxy injected faults").toBeGreaterThan(3);

    const made = await keys("derivatives", "jpeg/");
    expect(made).toEqual(archive.good.map((f) => `jpeg/${targetOf(f)}`).sort());
    for (const key of made) {
      const r = await client.send(new GetObjectCommand({ Bucket: "derivatives", Key: key }));
      const path = join(tmp, "check.jpg");
      writeFileSync(path, await r.Body!.transformToByteArray());
      const info = spawnSync("jpeginfo", ["-c", path], { encoding: "utf8" });
      expect(info.stdout.trim(), key).toMatch(/OK$/);
    }

    const st = await runCli(["migrate", "status", ledger, "--json", "--s3-endpoint", direct], ENV);
    expect(st.code, st.stderr).toBe(0);
    const s = JSON.parse(st.stdout);
    const damagedGroups = new Set(archive.files.filter((f) => f.damaged).map((f) => f.group));
    expect(s.files).toEqual({ total: archive.files.length, done: archive.good.length, failed: archive.files.length - archive.good.length, pending: 0 });
    expect(s.groups).toEqual({ total: archive.groups.length, complete: archive.groups.length - damagedGroups.size, incomplete: damagedGroups.size });
    for (const f of archive.files.filter((x) => x.damaged)) {
      const failure = s.failures.find((x: { source: string }) => x.source === `s3://archive/${f.rel}`);
      expect(failure, f.rel).toBeDefined();
      expect(failure.code, f.rel).toMatch(f.damaged!);
    }

    const second = await runCli(args, ENV);
    expect(second.code, second.stderr).toBe(3);
    expect(second.stdout).toMatch(/converted 0, skipped/);
    expect(await keys("derivatives", "jpeg/")).toEqual(made);
  }, 300_000);
});

/** Events of an NDJSON log (none when the file is missing). */
function events(path: string): Array<Record<string, unknown>> {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe("j2kit migrate to S3: kill -9 half way, resume", () => {
  test.skipIf(!has("jpeginfo"))("outputs finished before the kill are adopted by provenance, not converted again; all good files whole (needs jpeginfo)", async () => {
    const ledger = "s3://derivatives/ledgers/kill.jsonl";
    const logs = [join(tmp, "kill-1.ndjson"), join(tmp, "kill-2.ndjson")];
    const args = (log: string) => ["migrate", archive.manifest, "--to", "s3://derivatives/killed", "--target", TEMPLATE, "--group-column", "representation_uuid", "--jobs", "2", "--ledger", ledger, "--s3-endpoint", direct, "--log", log];
    const first = startCli(args(logs[0]!), ENV);
    const half = await waitFor(() => events(logs[0]!).filter((e) => e.event === "done").length >= 4, 120_000);
    first.child.kill("SIGKILL");
    expect((await first.done).signal).toBe("SIGKILL");
    expect(half, "four files done before the kill").toBe(true);
    const doneBefore = new Set(events(logs[0]!).filter((e) => e.event === "done").map((e) => e.source));
    expect(doneBefore.size).toBeLessThan(archive.good.length);

    // the resumed run also reads every S3 output back (--verify: GetObject after the upload completes)
    const second = await runCli([...args(logs[1]!), "--verify"], ENV);
    expect(second.code, second.stderr + second.stdout).toBe(3);
    const run2 = events(logs[1]!);
    for (const e of run2.filter((x) => x.event === "done")) expect(typeof e.psnr, `${String(e.source)} verified`).toBe("number");
    for (const f of archive.good) {
      const src = `s3://archive/${f.rel}`;
      const conversions = [...events(logs[0]!), ...run2].filter((e) => e.event === "done" && e.source === src).length;
      const adopted = run2.some((e) => e.event === "recovered" && e.source === src);
      expect(conversions, `${f.rel} converted at most once`).toBeLessThanOrEqual(1);
      // converted once; or its upload completed just before the kill, before the log said so, and adopted
      expect(conversions === 1 || adopted, `${f.rel} converted or adopted`).toBe(true);
      if (doneBefore.has(src)) {
        expect(adopted, `${f.rel} was done before the kill: adopted`).toBe(true);
        expect(run2.some((e) => e.event === "done" && e.source === src), `${f.rel} converted again`).toBe(false);
      }
    }
    const made = await keys("derivatives", "killed/");
    expect(made).toEqual(archive.good.map((f) => `killed/${targetOf(f)}`).sort());
    for (const key of made) {
      const r = await client.send(new GetObjectCommand({ Bucket: "derivatives", Key: key }));
      const path = join(tmp, "check-kill.jpg");
      writeFileSync(path, await r.Body!.transformToByteArray());
      expect(spawnSync("jpeginfo", ["-c", path], { encoding: "utf8" }).stdout.trim(), key).toMatch(/OK$/);
    }
    const st = JSON.parse((await runCli(["migrate", "status", ledger, "--json", "--s3-endpoint", direct], ENV)).stdout);
    expect(st.files.done).toBe(archive.good.length);
    expect(st.files.pending).toBe(0);
  }, 300_000);
});
