/**
 * The migration ledger: an append-only journal of JSON lines, each fsynced before the work it
 * describes goes on. A `plan` record says what the run (shard) covers; per file, a `start` record
 * before each attempt and a `done` or `failed` record after it, with the source's fingerprint (size
 * and modification time, or ETag), target, attempt number, error code and message, output bytes and
 * SHA-256, timings and what changed on the way (alpha dropped, ...).
 *
 * A rerun reads the ledger back: a file done with the same fingerprint is skipped; one that failed
 * is retried while attempts remain (`--retries`) and its failure looks transient; an attempt cut
 * off by `kill -9` (a `start` without an outcome) is either adopted — its target exists and was
 * written after the attempt started, and targets only ever appear whole (rename / completed
 * upload) — or tried again. So no file is converted twice, and a crash loses at most the files in
 * flight. A torn last line (a crash mid-write) is ignored.
 *
 * Ledgers may live on S3 (`s3://bucket/key`): the journal is kept in a local file and the object is
 * replaced with it every `snapshotSeconds` and at the end (a crash there can lose the records since
 * the last snapshot; adoption of existing targets still prevents double conversion).
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { randomBytes } from "node:crypto";
import { J2kError } from "../errors.js";
import { s3GetBytes, s3PutBytes, type MigrateS3Options } from "./s3.js";

/** One line of the ledger. */
export interface LedgerRecord {
  /** Format version (1). */
  v: 1;
  /** ISO 8601 time of writing. */
  t: string;
  kind: "plan" | "start" | "done" | "failed";
  // plan
  /** Identity of the plan (manifest + options); with `shard`, what a run covers. */
  plan?: string;
  shard?: string;
  files?: number;
  /** Planned files per group. */
  groups?: Record<string, number>;
  // files
  source?: string;
  target?: string;
  group?: string;
  fingerprint?: string;
  attempt?: number;
  code?: string;
  message?: string;
  bytesIn?: number;
  bytesOut?: number;
  sha256?: string;
  width?: number;
  height?: number;
  /** Milliseconds of the attempt. */
  ms?: number;
  notes?: string[];
  /** A `done` written for an output found complete after an interrupted attempt. */
  recovered?: boolean;
  /** `--verify`: the output was read back and matched; PSNR in dB of the JPEG against the pixels encoded (null: identical). */
  verified?: boolean;
  psnr?: number | null;
}

/** What the ledger knows of one source (its latest fingerprint). */
export interface FileState {
  fingerprint: string;
  /** Attempts started with this fingerprint. */
  attempts: number;
  done?: LedgerRecord;
  failed?: LedgerRecord;
  /** A start with no outcome after it (the attempt was cut off). */
  open?: LedgerRecord;
  group?: string;
}

/** Parse ledger text; lines that do not parse (a torn last line) are skipped and counted. */
export function parseLedger(text: string): { records: LedgerRecord[]; skipped: number } {
  const records: LedgerRecord[] = [];
  let skipped = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as LedgerRecord;
      if (r && r.v === 1 && typeof r.kind === "string") records.push(r);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { records, skipped };
}

/** Fold records (in order) into per-source states. */
export function fileStates(records: readonly LedgerRecord[]): Map<string, FileState> {
  const states = new Map<string, FileState>();
  for (const r of records) {
    if (r.kind === "plan" || !r.source) continue;
    let s = states.get(r.source);
    // a new version of the file (another fingerprint) starts over
    if (!s || (r.fingerprint !== undefined && r.fingerprint !== s.fingerprint)) {
      s = { fingerprint: r.fingerprint ?? "", attempts: 0 };
      states.set(r.source, s);
    }
    if (r.group !== undefined) s.group = r.group;
    if (r.kind === "start") {
      s.attempts++;
      s.open = r;
    } else if (r.kind === "done") {
      s.done = r;
      s.failed = undefined;
      s.open = undefined;
    } else if (r.kind === "failed") {
      s.failed = r;
      s.open = undefined;
    }
  }
  return states;
}

/** Error codes worth another attempt (the file itself may be fine). */
export const TRANSIENT_CODES = new Set(["SOURCE_READ_FAILED", "SOURCE_CHANGED", "TARGET_WRITE_FAILED", "INTERRUPTED", "WORKER_FAILED", "VERIFY_FAILED"]);

/** An append-only ledger open for writing. */
export class Ledger {
  private fd: number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private dirty = false;

  private constructor(
    /** Where the ledger is (path or s3:// URL) and the local journal file. */
    readonly location: string,
    readonly localPath: string,
    readonly records: LedgerRecord[],
    private readonly s3: MigrateS3Options | undefined,
  ) {
    try {
      mkdirSync(dirname(localPath), { recursive: true });
      this.fd = openSync(localPath, "a");
    } catch (e) {
      throw new J2kError("TARGET_WRITE_FAILED", `cannot open the ledger '${localPath}': ${(e as Error).message}`, { cause: e });
    }
  }

  /** Open (creating) the ledger at `location` and read what it holds. */
  static async open(location: string, o: { s3?: MigrateS3Options; snapshotSeconds?: number } = {}): Promise<Ledger> {
    if (/^s3:\/\//i.test(location)) {
      const existing = await s3GetBytes(location, o.s3 ?? {});
      const local = join(tmpdir(), `j2kit-ledger-${process.pid}-${randomBytes(4).toString("hex")}.jsonl`);
      const text = existing ? new TextDecoder().decode(existing) : "";
      const { records } = parseLedger(text);
      const ledger = new Ledger(location, local, records, o.s3 ?? {});
      if (text) {
        writeSync(ledger.fd, text.endsWith("\n") ? text : text + "\n");
        fsyncSync(ledger.fd);
      }
      const every = (o.snapshotSeconds ?? 60) * 1000;
      ledger.timer = setInterval(() => void ledger.snapshot().catch(() => undefined), every);
      ledger.timer.unref?.();
      return ledger;
    }
    let text = "";
    if (existsSync(location)) {
      try {
        text = readFileSync(location, "utf8");
      } catch (e) {
        throw new J2kError("SOURCE_READ_FAILED", `cannot read the ledger '${location}': ${(e as Error).message}`, { cause: e });
      }
    }
    const ledger = new Ledger(location, location, parseLedger(text).records, undefined);
    // a torn last line from a crash: start the next record on a line of its own
    if (text.length > 0 && !text.endsWith("\n")) writeSync(ledger.fd, "\n");
    return ledger;
  }

  /** Append a record and fsync it. */
  append(r: Omit<LedgerRecord, "v" | "t">): LedgerRecord {
    const rec: LedgerRecord = { v: 1, t: new Date().toISOString(), ...r };
    const line = JSON.stringify(rec) + "\n";
    try {
      writeSync(this.fd, line);
      fsyncSync(this.fd);
    } catch (e) {
      throw new J2kError("TARGET_WRITE_FAILED", `cannot write the ledger '${this.localPath}': ${(e as Error).message}`, { cause: e });
    }
    this.records.push(rec);
    this.dirty = true;
    return rec;
  }

  /** S3 ledgers: replace the object with the journal now. */
  async snapshot(): Promise<void> {
    if (!this.s3 || !this.dirty) return;
    this.dirty = false;
    await s3PutBytes(this.location, readFileSync(this.localPath), this.s3);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    try {
      await this.snapshot();
    } finally {
      closeSync(this.fd);
    }
  }
}

/** Read (and merge, in order) ledgers for `status`. */
export async function readLedgers(locations: string[], s3: MigrateS3Options = {}): Promise<{ records: LedgerRecord[][]; skipped: number }> {
  const out: LedgerRecord[][] = [];
  let skipped = 0;
  for (const loc of locations) {
    let text: string;
    if (/^s3:\/\//i.test(loc)) {
      const b = await s3GetBytes(loc, s3);
      if (!b) throw new J2kError("SOURCE_READ_FAILED", `no ledger at ${loc}`);
      text = new TextDecoder().decode(b);
    } else {
      try {
        text = readFileSync(loc, "utf8");
      } catch (e) {
        throw new J2kError("SOURCE_READ_FAILED", `cannot read the ledger '${loc}': ${(e as Error).message}`, { cause: e });
      }
    }
    const p = parseLedger(text);
    skipped += p.skipped;
    out.push(p.records);
  }
  return { records: out, skipped };
}

/** The `--json` shape of `j2kit migrate status`. */
export interface StatusSummary {
  files: { total: number; done: number; failed: number; pending: number };
  groups: { total: number; complete: number; incomplete: number };
  bytesIn: number;
  bytesOut: number;
  failures: Array<{ source: string; code: string; message: string }>;
}

/** Details beyond the JSON shape (human output). */
export interface StatusDetails {
  summary: StatusSummary;
  incompleteGroups: Array<{ group: string; done: number; planned: number }>;
  failuresByCode: Record<string, number>;
  unparsable: number;
}

/**
 * Merge ledgers (one per shard, or several runs) into totals. Files and groups come from the plan
 * records (the last plan of each ledger; equal plans of the same shard counted once); a file is
 * done when any ledger has it done with its latest fingerprint, failed when its last outcome failed.
 */
export function summarize(ledgers: LedgerRecord[][], unparsable = 0): StatusDetails {
  const plans = new Map<string, LedgerRecord>();
  for (const recs of ledgers) {
    const last = [...recs].reverse().find((r) => r.kind === "plan");
    if (last) plans.set(`${last.plan}|${last.shard}`, last);
  }
  const planned = new Map<string, number>();
  for (const p of plans.values()) for (const [g, n] of Object.entries(p.groups ?? {})) planned.set(g, (planned.get(g) ?? 0) + n);
  // one stream of records, in time order, for the states
  const all = ledgers.flat().sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  const states = fileStates(all);
  const doneByGroup = new Map<string, number>();
  let done = 0, failed = 0, bytesIn = 0, bytesOut = 0;
  const failures: StatusSummary["failures"] = [];
  const byCode: Record<string, number> = {};
  for (const [source, s] of states) {
    if (s.done) {
      done++;
      bytesIn += s.done.bytesIn ?? 0;
      bytesOut += s.done.bytesOut ?? 0;
      const g = s.group ?? s.done.group ?? "";
      doneByGroup.set(g, (doneByGroup.get(g) ?? 0) + 1);
    } else if (s.failed) {
      failed++;
      const code = s.failed.code ?? "INTERNAL";
      failures.push({ source, code, message: s.failed.message ?? "" });
      byCode[code] = (byCode[code] ?? 0) + 1;
    }
  }
  const total = [...planned.values()].reduce((a, b) => a + b, 0) || states.size;
  const incompleteGroups: StatusDetails["incompleteGroups"] = [];
  let complete = 0;
  for (const [g, n] of planned) {
    const d = doneByGroup.get(g) ?? 0;
    if (d >= n) complete++;
    else incompleteGroups.push({ group: g, done: d, planned: n });
  }
  return {
    summary: {
      files: { total, done, failed, pending: Math.max(0, total - done - failed) },
      groups: { total: planned.size, complete, incomplete: planned.size - complete },
      bytesIn,
      bytesOut,
      failures,
    },
    incompleteGroups,
    failuresByCode: byCode,
    unparsable,
  };
}
