/**
 * `j2kit migrate MANIFEST.csv --to DIR|s3://bucket/prefix ...`, `j2kit migrate SRC_DIR --to DIR`
 * and `j2kit migrate status LEDGER... [--json]` (see docs/migrate.md).
 *
 * Exit status: 0 when every file of the run (shard) is done, 3 when some failed (they are listed),
 * 2 for a bad command line or manifest, 1 otherwise (interrupted, I/O failure of the ledger).
 * @module
 */
import { statSync } from "node:fs";
import { OptionReader, PROCESS_IO, formatHelp, parseCommandLine, usageError, type CliIo, type OptionSpec } from "./args.js";
import { parseShard, PlanError } from "../migrate/manifest.js";
import { readLedgers, summarize } from "../migrate/ledger.js";

const COMMAND = "migrate";

/** Options of `j2kit migrate`, in help order. */
export const MIGRATE_OPTIONS: readonly OptionSpec[] = [
  { name: "to", value: "DIR|s3://bucket/prefix", help: "where the JPEG files go (required)" },
  { name: "source-column", value: "NAME", help: "manifest column holding the source path or URL (default: path)" },
  { name: "target", value: "TEMPLATE", help: 'target path below --to, with {column} and {column.stem}, e.g. "{type}/{uuid}/{tiffname.stem}.jpg" (default: {source.stem}.jpg)' },
  { name: "group-column", value: "NAME", help: "manifest column grouping files (a representation): shards never split a group, status reports groups" },
  { name: "quality", value: "N", help: "JPEG quality 1-100 (IJG scale, as cjpeg; default 92)" },
  { name: "subsampling", value: "auto|444|420", help: "chroma subsampling (auto: 4:4:4 at quality >= 90, else 4:2:0; default auto)" },
  { name: "jobs", value: "N", help: "conversions at once (worker threads; default: cores - 1)" },
  { name: "ledger", value: "FILE|s3://...", help: "the ledger (JSON lines; default: next to the output, one per shard)" },
  { name: "max-memory", value: "MiB", help: "memory for all conversions together (default 1024); large images wait for it and decode in strips" },
  { name: "max-pixels", value: "N", help: "refuse images with more pixels than this (default 2^32)" },
  { name: "max-size", value: "N", help: "longest side of the output: whole resolution levels dropped, then Lanczos-3" },
  { name: "shard", value: "i/N|auto/N", help: "convert every N-th group from the i-th (0-based); auto: JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX" },
  { name: "retries", value: "N", help: "attempts after a failure that may pass (I/O, interruption; default 2)" },
  { name: "log", value: "FILE", help: "NDJSON log of every event" },
  { name: "verify", help: "read every output back (streaming JPEG decoder: block hash, size, SHA-256) and record its PSNR; a mismatch fails the file (VERIFY_FAILED) and removes the output" },
  { name: "dry-run", help: "show what would be converted and exit" },
  { name: "s3-endpoint", value: "URL", help: "S3-compatible store (path-style addressing), e.g. http://127.0.0.1:9000" },
  { name: "s3-region", value: "NAME", help: "S3 region (default: AWS_REGION, else us-east-1)" },
];

const STATUS_OPTIONS: readonly OptionSpec[] = [
  { name: "json", help: 'print { "files", "groups", "bytesIn", "bytesOut", "failures" } as JSON' },
  { name: "s3-endpoint", value: "URL", help: "S3-compatible store for s3:// ledgers" },
  { name: "s3-region", value: "NAME", help: "S3 region" },
];

/** Help text of `j2kit migrate`. */
export const MIGRATE_HELP = formatHelp(
  "j2kit migrate MANIFEST.csv --to DIR|s3://bucket/prefix [options]\n       j2kit migrate SRC_DIR --to DIR [options]\n       j2kit migrate status LEDGER... [--json]",
  [
    "Convert JPEG 2000 files to baseline JPEG with bounded memory, a ledger and resume.",
    "MANIFEST.csv has a header row; relative sources are resolved against its folder; sources may",
    "be paths, https:// or s3:// URLs. SRC_DIR: every .jp2/.jpx/.jph/.j2k/.j2c below it, relative",
    "paths kept, extension .jpg. Outputs appear whole or not at all (temporary name + rename; S3:",
    "multipart upload completed at the end). A rerun skips what is done, retries what failed for a",
    "reason that may pass, and never converts a file twice. Exit status: 0 all done, 3 some failed,",
    "2 bad command line, 1 otherwise. Details and cluster examples: docs/migrate.md.",
  ].join("\n"),
  MIGRATE_OPTIONS,
);

/** Run `j2kit migrate ...`. */
export async function runMigrateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === "status") return runStatus(argv.slice(1), io);
  const args = parseCommandLine(COMMAND, argv, MIGRATE_OPTIONS);
  if (args.help) {
    io.stdout(MIGRATE_HELP);
    return 0;
  }
  if (args.positionals.length !== 1) throw usageError(COMMAND, `expected one manifest (.csv) or source folder, got ${args.positionals.length} argument(s)`);
  const o = new OptionReader(COMMAND, args);
  const to = o.string("to");
  if (!to) throw usageError(COMMAND, "--to DIR or --to s3://bucket/prefix is required");
  const input = args.positionals[0]!;
  let isDir: boolean;
  try {
    isDir = statSync(input).isDirectory();
  } catch {
    throw usageError(COMMAND, `cannot read '${input}': no such file or folder`);
  }
  const manifestOnly = ["source-column", "target", "group-column"].filter((n) => o.string(n) !== undefined);
  if (isDir && manifestOnly.length > 0) throw usageError(COMMAND, `--${manifestOnly[0]} applies to a manifest, not to a source folder`);
  let shard: { index: number; count: number } | undefined;
  const shardSpec = o.string("shard");
  try {
    if (shardSpec !== undefined) shard = parseShard(shardSpec);
  } catch (e) {
    throw usageError(COMMAND, (e as Error).message);
  }
  const endpoint = o.string("s3-endpoint");
  const region = o.string("s3-region");
  const maxMemoryMiB = o.int("max-memory", 64, 1 << 22);
  const { runMigration } = await import("../migrate/run.js");
  const tty = io === PROCESS_IO && !!process.stderr.isTTY;
  let outcome;
  try {
    outcome = await runMigration(
      {
        ...(isDir ? { sourceDir: input } : { manifest: input }),
        to,
        ...optional("sourceColumn", o.string("source-column")),
        ...optional("target", o.string("target")),
        ...optional("groupColumn", o.string("group-column")),
        ...optional("quality", o.int("quality", 1, 100)),
        ...optional("subsampling", o.choice("subsampling", ["auto", "444", "420", "422"] as const)),
        ...optional("jobs", o.int("jobs", 1, 256)),
        ...optional("ledger", o.string("ledger")),
        ...optional("maxMemoryMiB", maxMemoryMiB),
        ...optional("maxPixels", o.int("max-pixels", 1, 2 ** 50)),
        ...optional("maxSize", o.int("max-size", 1, 65535)),
        ...optional("shard", shard),
        ...optional("retries", o.int("retries", 0, 100)),
        ...optional("log", o.string("log")),
        dryRun: o.flag("dry-run"),
        verify: o.flag("verify"),
        s3: { ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) },
      },
      { stdout: io.stdout, stderr: io.stderr, isTTY: tty },
    );
  } catch (e) {
    if (e instanceof PlanError) throw usageError(COMMAND, e.message);
    throw e;
  }
  const s = outcome.summary;
  io.stdout(
    `converted ${outcome.converted}, skipped ${outcome.skipped} (done earlier)${outcome.recovered ? `, recovered ${outcome.recovered} (finished before an interruption)` : ""}, failed ${outcome.failedNow.length}\n` +
      `files: ${s.files.done}/${s.files.total} done, ${s.files.failed} failed, ${s.files.pending} pending; groups: ${s.groups.complete}/${s.groups.total} complete\n` +
      `peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB (RSS of this process and its workers)\n`,
  );
  if (outcome.failedNow.length > 0) {
    io.stdout("failed:\n");
    for (const f of outcome.failedNow) io.stdout(`  ${f.source}: [${f.code}] ${f.message.replace(/\s*[\r\n]+\s*/g, " ")}\n`);
  }
  return outcome.exitCode;
}

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

/** `j2kit migrate status LEDGER... [--json]`. */
async function runStatus(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandLine(`${COMMAND} status`, argv, STATUS_OPTIONS);
  if (args.help) {
    io.stdout(formatHelp("j2kit migrate status LEDGER... [--json]", "Merge migration ledgers (one per shard) and report totals, groups, bytes and failures.", STATUS_OPTIONS));
    return 0;
  }
  if (args.positionals.length === 0) throw usageError(`${COMMAND} status`, "give one or more ledgers (files or s3:// URLs)");
  const o = new OptionReader(`${COMMAND} status`, args);
  const endpoint = o.string("s3-endpoint");
  const region = o.string("s3-region");
  const { records, skipped } = await readLedgers(args.positionals, { ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) });
  const d = summarize(records, skipped);
  const s = d.summary;
  if (o.flag("json")) {
    io.stdout(JSON.stringify(s, null, 2) + "\n");
    return 0;
  }
  const pct = (a: number, b: number) => (b > 0 ? ` (${((100 * a) / b).toFixed(1)} %)` : "");
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  let out =
    `files   ${s.files.total} total: ${s.files.done} done${pct(s.files.done, s.files.total)}, ${s.files.failed} failed, ${s.files.pending} pending\n` +
    `groups  ${s.groups.total} total: ${s.groups.complete} complete, ${s.groups.incomplete} incomplete\n` +
    `bytes   ${mb(s.bytesIn)} in, ${mb(s.bytesOut)} out${s.bytesIn > 0 ? `, ${Math.abs(100 * (1 - s.bytesOut / s.bytesIn)).toFixed(1)} % ${s.bytesOut <= s.bytesIn ? "smaller" : "larger"}` : ""}\n`;
  if (d.incompleteGroups.length > 0) {
    out += "incomplete groups (done/planned):\n";
    for (const g of d.incompleteGroups.slice(0, 50)) out += `  ${g.group}: ${g.done}/${g.planned}\n`;
    if (d.incompleteGroups.length > 50) out += `  ... and ${d.incompleteGroups.length - 50} more\n`;
  }
  const codes = Object.entries(d.failuresByCode).sort((a, b) => b[1] - a[1]);
  if (codes.length > 0) {
    out += "failures by code:\n";
    for (const [c, n] of codes) out += `  ${c}: ${n}\n`;
    for (const f of s.failures.slice(0, 50)) out += `  ${f.source}: [${f.code}] ${f.message.replace(/\s*[\r\n]+\s*/g, " ")}\n`;
  }
  if (d.unparsable > 0) out += `(${d.unparsable} unreadable ledger line(s) skipped: a crash mid-write leaves at most one per ledger)\n`;
  io.stdout(out);
  return 0;
}
