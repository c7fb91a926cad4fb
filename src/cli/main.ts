/**
 * The `j2kit` command line: `encode`, `decode`, `info` and `dicom`.
 *
 * Exit status 0 on success; on failure exactly one line `j2kit: [CODE] message` on stderr and
 * status 2 for a bad command line, 1 for anything else. Never a stack trace.
 * @module
 */
import { readFileSync } from "node:fs";
import { J2kError } from "../errors.js";
import { PROCESS_IO, isUsageError, usageError, type CliIo } from "./args.js";
import { runDecodeCommand } from "./decode_command.js";
import { runEncodeCommand } from "./encode_command.js";
import { runInfoCommand } from "./info_command.js";

export type { CliIo } from "./args.js";

const HELP = `j2kit - JPEG 2000 (ISO/IEC 15444-1) encoder and decoder

Usage:
  j2kit encode <in.pgm|.ppm|.pgx|.png|.raw> <out.j2k|.j2c|.jp2> [options]
  j2kit decode <in.j2k|.j2c|.jp2|.jpx|.jpf> <out.pgm|.ppm|.pgx|.png|.raw> [options]
  j2kit info <file> [--json]
      (decode and info also take http(s):// and s3://bucket/key URLs, read by byte ranges;
       '-' is standard input or output for encode, decode and info: --format / --output-format)
  j2kit optimize <in> <out> [--order RPCL] [--tile-parts R] [--tlm] [--plt]
                                      re-pack for range reading without re-coding
  j2kit jp2 check|repair-icc ...       check JP2 boxes and ICC profiles; repair ICC curv tags
  j2kit transcode <in> <out> --to ht|part1
                                      lossless Part 1 <-> HT (HTJ2K) block-coder transcoding
  j2kit dicom ...                     DICOM transcoding (see 'j2kit dicom --help')
  j2kit serve DIR|s3://b/p [--port N]  IIIF Image API 3.0 server with a viewer page
  j2kit migrate MANIFEST.csv|SRC_DIR --to DIR|s3://b/p
                                      bulk JP2 -> JPEG: bounded memory, ledger, resume, shards
  j2kit jpip serve DIR [--port 8090]   JPIP server (ISO/IEC 15444-9) with a demo viewer
  j2kit jpip get URL out.ppm --fsiz W,H [--roff X,Y --rsiz W,H] [--layers N]

Run 'j2kit <command> --help' for the options of a command.

Options:
  --help     show this help
  --version  show the version
`;

/**
 * Run the CLI with `argv` (the arguments after the program name) and return the exit status.
 * Output goes to `io` (the process streams by default).
 */
export async function main(argv: string[], io: CliIo = PROCESS_IO): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    io.stderr(`j2kit: ${describeError(e)}\n`);
    return isUsageError(e) ? 2 : 1;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "encode":
      return runEncodeCommand(rest, io);
    case "decode":
      return runDecodeCommand(rest, io);
    case "info":
      return runInfoCommand(rest, io);
    case "optimize": {
      const { runOptimizeCommand } = await import("./optimize_command.js");
      return runOptimizeCommand(rest, io);
    }
    case "transcode": {
      const { runTranscodeCommand } = await import("./transcode_command.js");
      return runTranscodeCommand(rest, io);
    }
    case "jp2": {
      const { runJp2Command } = await import("./jp2_command.js");
      return runJp2Command(rest, io);
    }
    case "dicom": {
      // Issue 5: the DICOM command lives in its own file, filled in by the DICOM work.
      const { runDicomCommand } = await import("./dicom_command.js");
      return runDicomCommand(rest, io);
    }
    case "migrate": {
      const { runMigrateCommand } = await import("./migrate_command.js");
      return runMigrateCommand(rest, io);
    }
    case "serve": {
      const { runServeCommand } = await import("./serve_command.js");
      return runServeCommand(rest, io);
    }
    case "jpip": {
      const { runJpipCommand } = await import("./jpip_command.js");
      return runJpipCommand(rest, io);
    }
    case "help":
    case "--help":
    case "-h":
      io.stdout(HELP);
      return 0;
    case "--version":
    case "-v":
      io.stdout(`j2kit ${version()}\n`);
      return 0;
    case undefined:
      throw topLevelUsage("no command given: use encode, decode, info, optimize, transcode, jp2, dicom, serve, jpip or migrate");
    default:
      throw topLevelUsage(`unknown command '${command}': use encode, decode, info, optimize, transcode, jp2, dicom, serve, jpip or migrate`);
  }
}

function topLevelUsage(message: string): J2kError {
  // usageError() names a sub-command; the top level points at the general help instead.
  return usageError("", message);
}

/** `[CODE] message` on one line, for any thrown value. */
export function describeError(e: unknown): string {
  if (e instanceof J2kError) return `[${e.code}] ${oneLine(e.message)}`;
  const message = e instanceof Error ? e.message : String(e);
  return `[INTERNAL] ${oneLine(message)} (this is a bug in j2kit; please report it)`;
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}
