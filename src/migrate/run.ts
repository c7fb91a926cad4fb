/**
 * `j2kit migrate`: plan (manifest or folder, shard), read the ledger, convert what is not done in
 * the worker pool, journal every attempt, report progress, and say how it went (exit status 0 when
 * every file is done, 3 when some failed).
 * @module
 */
import { createReadStream } from "node:fs";
import { stat, open, type FileHandle } from "node:fs/promises";
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { J2kError } from "../errors.js";
import { Ledger, fileStates, TRANSIENT_CODES, summarize, type FileState, type LedgerRecord, type StatusSummary } from "./ledger.js";
import { planDirectory, planManifest, shardOf, type Plan, type PlannedFile } from "./manifest.js";
import { MigratePool, type PoolOutcome } from "./pool.js";
import { PROVENANCE_KEY, provenanceOf, removeLeftovers } from "./sinks.js";
import { s3Head, s3Join, type MigrateS3Options } from "./s3.js";
import type { JpegSubsampling } from "../jpeg/index.js";
import { Progress } from "./progress.js";

/** Everything `j2kit migrate` was asked. */
export interface MigrateOptions {
  /** A CSV manifest, or a folder of JPEG 2000 files. */
  manifest?: string;
  sourceDir?: string;
  /** Output folder or s3://bucket/prefix. */
  to: string;
  sourceColumn?: string;
  target?: string;
  groupColumn?: string;
  quality?: number;
  subsampling?: JpegSubsampling;
  jobs?: number;
  /** Ledger path or s3:// URL (default: next to the output). */
  ledger?: string;
  /** MiB for all conversions together (default 1024). */
  maxMemoryMiB?: number;
  maxPixels?: number;
  maxSize?: number;
  shard?: { index: number; count: number };
  retries?: number;
  /** NDJSON log file. */
  log?: string;
  /** Read every output back and record its PSNR (see ConvertOptions.verify). */
  verify?: boolean;
  dryRun?: boolean;
  s3?: MigrateS3Options;
}

/** Where the run writes its human output. */
export interface MigrateIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Progress on a terminal: a line rewritten in place. */
  isTTY: boolean;
}

/** How a run ended. */
export interface MigrateOutcome {
  exitCode: 0 | 1 | 3;
  summary: StatusSummary;
  /** This run: conversions, skips, adoptions. */
  converted: number;
  skipped: number;
  recovered: number;
  failedNow: Array<{ source: string; code: string; message: string }>;
}

const isS3 = (s: string) => /^s3:\/\//i.test(s);

/** Default ledger location: next to the output, one per shard. */
export function defaultLedger(to: string, shard?: { index: number; count: number }): string {
  const name = `j2kit-migrate${shard && shard.count > 1 ? `-shard-${shard.index}-of-${shard.count}` : ""}.ledger.jsonl`;
  return isS3(to) ? s3Join(to, name) : join(resolve(to), name);
}

/** Identity of a source's bytes: size and modification time (files), ETag and size (S3), ETag or Last-Modified (HTTP). */
export async function fingerprint(source: string, s3: MigrateS3Options): Promise<string> {
  if (isS3(source)) {
    const h = await s3Head(source, s3);
    if (!h) throw new J2kError("SOURCE_READ_FAILED", `no object at ${source}`);
    return `etag:${h.etag}:${h.size}`;
  }
  if (/^https?:\/\//i.test(source)) return httpFingerprint(source);
  try {
    const s = await stat(source);
    if (!s.isFile()) throw new J2kError("SOURCE_READ_FAILED", `'${source}' is not a file`);
    return `${s.size}:${Math.round(s.mtimeMs)}`;
  } catch (e) {
    if (e instanceof J2kError) throw e;
    const code = (e as { code?: string }).code;
    throw new J2kError("SOURCE_READ_FAILED", `cannot read '${source}': ${code === "ENOENT" ? "no such file" : (e as Error).message}`, { cause: e });
  }
}

/** HEAD statuses that mean "not for HEAD" rather than "not there": a 1-byte ranged GET is tried instead. */
const HEAD_REFUSED = new Set([400, 403, 405, 501]);

/**
 * ETag (or Last-Modified) and size of an http(s) source. HEAD first; a server that refuses HEAD
 * (405/501, or 403/400 as URLs presigned for GET give) is asked for byte 0 with a ranged GET, and the
 * size is read from Content-Range (RFC 9110 14.4), so the fingerprint is the same either way.
 */
async function httpFingerprint(source: string): Promise<string> {
  const ask = async (init: RequestInit): Promise<Response> => {
    try {
      return await fetch(source, init);
    } catch (e) {
      const why = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new J2kError("SOURCE_READ_FAILED", `cannot reach ${source}: ${(e as Error).message}${why?.code || why?.message ? ` (${why.code ?? why.message})` : ""}`, { cause: e });
    }
  };
  const tagOf = (r: Response) => r.headers.get("etag") ?? r.headers.get("last-modified") ?? "";
  const head = await ask({ method: "HEAD" });
  if (head.ok) return `http:${tagOf(head)}:${head.headers.get("content-length") ?? ""}`;
  if (!HEAD_REFUSED.has(head.status)) throw new J2kError("SOURCE_READ_FAILED", `HEAD ${source}: HTTP ${head.status}`);
  const get = await ask({ headers: { Range: "bytes=0-0" } });
  await get.body?.cancel().catch(() => undefined);
  if (get.status === 206) {
    const total = /\/(\d+)\s*$/.exec(get.headers.get("content-range") ?? "")?.[1] ?? "";
    return `http:${tagOf(get)}:${total}`;
  }
  if (get.ok) return `http:${tagOf(get)}:${get.headers.get("content-length") ?? ""}`;
  throw new J2kError("SOURCE_READ_FAILED", `HEAD ${source}: HTTP ${head.status}; a ranged GET of its first byte: HTTP ${get.status}`);
}

/**
 * A complete target of this source (an interrupted attempt that finished its output)? Local: written
 * at or after `since`. S3: an object whose provenance metadata names this source and fingerprint.
 */
async function finishedTarget(target: string, since: string, s3: MigrateS3Options, provenance: string): Promise<{ bytes: number; sha256?: string } | undefined> {
  const t0 = Date.parse(since) - 2000; // file systems store coarse times
  if (isS3(target)) {
    const h = await s3Head(target, s3).catch(() => undefined);
    return h && h.metadata[PROVENANCE_KEY] === provenance ? { bytes: h.size } : undefined;
  }
  try {
    const s = await stat(target);
    if (!s.isFile() || s.mtimeMs < t0) return undefined;
    const hash = createHash("sha256");
    await new Promise<void>((res, rej) => createReadStream(target).on("data", (d) => hash.update(d)).on("end", res).on("error", rej));
    return { bytes: s.size, sha256: hash.digest("hex") };
  } catch {
    return undefined;
  }
}

/** The plan's identity (what it covers), for the ledger's plan record. */
function planId(o: MigrateOptions): string {
  const h = createHash("sha256");
  h.update(JSON.stringify([o.manifest && resolve(o.manifest), o.sourceDir && resolve(o.sourceDir), o.to, o.sourceColumn, o.target, o.groupColumn, o.maxSize]));
  return h.digest("hex").slice(0, 16);
}

/** Plan the run (manifest or folder, then the shard). */
export async function planRun(o: MigrateOptions): Promise<Plan> {
  const full = o.manifest
    ? await planManifest(o.manifest, { sourceColumn: o.sourceColumn ?? "path", ...(o.target ? { target: o.target } : {}), ...(o.groupColumn ? { groupColumn: o.groupColumn } : {}) })
    : await planDirectory(o.sourceDir!);
  return shardOf(full, o.shard);
}

/** Run a migration (see the module description). */
export async function runMigration(o: MigrateOptions, io: MigrateIo): Promise<MigrateOutcome> {
  const s3 = o.s3 ?? {};
  const plan = await planRun(o);
  const retries = o.retries ?? 2;
  const outPath = (t: string) => (isS3(o.to) ? s3Join(o.to, t) : join(resolve(o.to), t));
  const shardText = o.shard ? `${o.shard.index}/${o.shard.count}` : "0/1";
  const groupsPlanned: Record<string, number> = {};
  for (const f of plan.files) groupsPlanned[f.group] = (groupsPlanned[f.group] ?? 0) + 1;
  for (const f of plan.invalid) groupsPlanned[f.group] = (groupsPlanned[f.group] ?? 0) + 1;

  if (o.dryRun) {
    io.stdout(`dry run: ${plan.files.length + plan.invalid.length} file(s) in ${plan.groups.length} group(s) (shard ${shardText}); output ${o.to}\n`);
    for (const f of plan.files.slice(0, 20)) io.stdout(`  ${f.given} -> ${outPath(f.target)}\n`);
    if (plan.files.length > 20) io.stdout(`  ... and ${plan.files.length - 20} more\n`);
    for (const f of plan.invalid) io.stdout(`  row ${f.index + 2}: ${f.message}\n`);
    const summary: StatusSummary = { files: { total: plan.files.length + plan.invalid.length, done: 0, failed: 0, pending: plan.files.length + plan.invalid.length }, groups: { total: plan.groups.length, complete: 0, incomplete: plan.groups.length }, bytesIn: 0, bytesOut: 0, failures: [] };
    return { exitCode: 0, summary, converted: 0, skipped: 0, recovered: 0, failedNow: [] };
  }

  const ledger = await Ledger.open(o.ledger ?? defaultLedger(o.to, o.shard), { s3 });
  const log = o.log ? await openLog(o.log) : undefined;
  const states = fileStates(ledger.records);
  ledger.append({ kind: "plan", plan: planId(o), shard: shardText, files: plan.files.length + plan.invalid.length, groups: groupsPlanned });
  log?.write({ event: "start", plan: planId(o), shard: shardText, files: plan.files.length + plan.invalid.length, groups: plan.groups.length, to: o.to, ledger: ledger.location });

  // rows that cannot be converted at all
  for (const f of plan.invalid) {
    const key = `row:${f.index}`;
    if (states.get(key)?.failed?.message !== f.message) ledger.append({ kind: "failed", source: key, group: f.group, fingerprint: "", attempt: 1, code: f.code, message: f.message });
  }

  const jobs = Math.max(1, o.jobs ?? Math.max(1, availableParallelism() - 1));
  const budget = (o.maxMemoryMiB ?? 1024) * 2 ** 20;
  const pool = new MigratePool(jobs, budget);
  const progress = new Progress(io, plan.files.length + plan.invalid.length, () => pool.memory());
  progress.failed += plan.invalid.length;
  const failedNow: MigrateOutcome["failedNow"] = plan.invalid.map((f) => ({ source: f.given || `row ${f.index + 2}`, code: f.code, message: f.message }));
  let converted = 0, skipped = 0, recovered = 0;
  let stopping = false;
  const onSignal = () => {
    stopping = true;
    io.stderr("\nj2kit: stopping: waiting for the files in flight (the ledger records them)\n");
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  /** Convert or skip one file; attempts while transient failures allow. */
  const handle = async (f: PlannedFile): Promise<void> => {
    const target = outPath(f.target);
    let fp: string;
    try {
      fp = await fingerprint(f.source, s3);
    } catch (e) {
      const err = e as J2kError;
      ledger.append({ kind: "failed", source: f.source, target, group: f.group, attempt: 0, code: err.code ?? "INTERNAL", message: err.message });
      failedNow.push({ source: f.source, code: err.code ?? "INTERNAL", message: err.message });
      progress.failed++;
      log?.write({ event: "failed", source: f.source, target, code: err.code, message: err.message });
      return;
    }
    let st: FileState | undefined = states.get(f.source);
    if (st && st.fingerprint !== fp) st = undefined;
    if (st?.done) {
      skipped++;
      progress.skipped++;
      return;
    }
    let attempts = st?.attempts ?? 0;
    const provenance = provenanceOf(f.source, fp);
    // cut off by a crash: the output may have been completed before the crash. An S3 target the
    // ledger does not know may be one whose records a crash lost (S3 ledgers are snapshots).
    if (st?.open || (!st && isS3(target))) {
      const found = await finishedTarget(target, st?.open?.t ?? new Date(0).toISOString(), s3, provenance);
      if (found) {
        ledger.append({ kind: "done", source: f.source, target, group: f.group, fingerprint: fp, attempt: attempts, bytesOut: found.bytes, ...(found.sha256 ? { sha256: found.sha256 } : {}), recovered: true });
        recovered++;
        progress.skipped++;
        log?.write({ event: "recovered", source: f.source, target });
        return;
      }
    }
    if (st?.open) await removeLeftovers(target, s3);
    const lastCode = st?.failed?.code ?? (st?.open ? "INTERRUPTED" : undefined);
    if (lastCode !== undefined && (!TRANSIENT_CODES.has(lastCode) || attempts > retries)) {
      // failed for good (the data, or attempts used up): counted, not tried again
      progress.failed++;
      failedNow.push({ source: f.source, code: lastCode, message: st?.failed?.message ?? "the conversion was interrupted (the process stopped) too many times" });
      return;
    }
    for (;;) {
      if (stopping) return;
      attempts++;
      let t0 = performance.now();
      const attempt = attempts;
      const out: PoolOutcome = await pool.convert(
        f.source, target, { quality: o.quality ?? 92, subsampling: o.subsampling ?? "auto", ...(o.maxSize ? { maxSize: o.maxSize } : {}), ...(o.maxPixels ? { maxPixels: o.maxPixels } : {}), ...(o.verify ? { verify: true } : {}) }, s3,
        () => {
          ledger.append({ kind: "start", source: f.source, target, group: f.group, fingerprint: fp, attempt });
          t0 = performance.now();
        },
        provenance,
      );
      const ms = Math.round(performance.now() - t0);
      if (out.ok) {
        const r = out.result;
        ledger.append({
          kind: "done", source: f.source, target, group: f.group, fingerprint: fp, attempt: attempts, bytesIn: r.bytesIn, bytesOut: r.bytesOut, sha256: r.sha256,
          width: r.width, height: r.height, ms, ...(r.verify ? { psnr: r.verify.psnr, verified: true } : {}), ...(r.notes.length ? { notes: r.notes } : {}),
        });
        converted++;
        progress.converted(r.bytesIn, r.bytesOut);
        log?.write({ event: "done", source: f.source, target, bytesIn: r.bytesIn, bytesOut: r.bytesOut, width: r.width, height: r.height, ms, reduce: r.reduce, strips: r.strips.strips, wasmPeak: r.strips.linearBytes, ...(r.verify ? { psnr: r.verify.psnr, mse: r.verify.mse, verifyMs: r.verify.ms } : {}), notes: r.notes });
        return;
      }
      ledger.append({ kind: "failed", source: f.source, target, group: f.group, fingerprint: fp, attempt: attempts, code: out.code, message: out.message, ms });
      log?.write({ event: "failed", source: f.source, target, code: out.code, message: out.message, attempt: attempts, ms });
      if (TRANSIENT_CODES.has(out.code) && attempts <= retries && !stopping) {
        await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** (attempts - 1))));
        continue;
      }
      progress.failed++;
      failedNow.push({ source: f.source, code: out.code, message: out.message });
      return;
    }
  };

  let exitCode: 0 | 1 | 3 = 0;
  try {
    // as many files in flight as workers (+ one waiting each, so workers never idle)
    const inFlight = new Set<Promise<void>>();
    for (const f of plan.files) {
      if (stopping) break;
      const p = handle(f).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= jobs * 2) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    progress.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await pool.close();
    await ledger.close();
  }
  const summary = summarize([ledger.records]).summary;
  if (stopping) exitCode = 1;
  else if (failedNow.length > 0 || summary.files.failed > 0) exitCode = 3;
  else if (summary.files.pending > 0) exitCode = 1;
  log?.write({ event: "end", exitCode, converted, skipped, recovered, failedNow: failedNow.length, ...summary.files });
  await log?.close();
  return { exitCode, summary, converted, skipped, recovered, failedNow };
}

/** NDJSON log (`--log`): one JSON object per line, with a time. */
async function openLog(path: string): Promise<{ write(e: Record<string, unknown>): void; close(): Promise<void> }> {
  let fh: FileHandle;
  try {
    fh = await open(path, "a");
  } catch (e) {
    throw new J2kError("INVALID_ARGUMENT", `cannot open the log '${path}': ${(e as Error).message}`, { cause: e });
  }
  let chain = Promise.resolve();
  return {
    write(e) {
      const line = JSON.stringify({ t: new Date().toISOString(), ...e }) + "\n";
      chain = chain.then(() => fh.appendFile(line)).catch(() => undefined);
    },
    async close() {
      await chain;
      await fh.close();
    },
  };
}

export type { LedgerRecord };
