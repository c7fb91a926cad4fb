/**
 * `j2kit transcode <in> <out> --to ht|part1`: transcoding between the Part 1 (EBCOT) and HT
 * (ISO/IEC 15444-15) block coders that keeps the decoded image bit for bit (src/transcode_block_coder.ts:
 * the quantised coefficients re-coded, or for some reversible input a verified decode + lossless
 * re-encode). The output is written to a temporary file and renamed, so nothing is left half-written
 * on failure.
 * @module
 */
import { rename, unlink, writeFile } from "node:fs/promises";
import { J2kError } from "../errors.js";
import { transcodeBlockCoder } from "../transcode_block_coder.js";
import { OptionReader, formatHelp, parseCommandLine, usageError, type CliIo, type OptionSpec } from "./args.js";
import { readFileBytes } from "./image_files.js";

const COMMAND = "transcode";

/** Options of `j2kit transcode`. */
export const TRANSCODE_OPTIONS: readonly OptionSpec[] = [
  { name: "to", value: "ht|part1", help: "block coder of the output: HT (HTJ2K, ISO/IEC 15444-15) or Part 1 (EBCOT)" },
  { name: "method", value: "auto|coefficients|reencode", help: "auto (default): re-code the quantised coefficients, decode + re-encode reversible input that cannot be; coefficients: never re-encode; reencode: always (reversible input only)" },
  { name: "verify", help: "also decode input and output and compare every sample" },
  { name: "quiet", help: "do not print warnings" },
];

/** Help text of `j2kit transcode`. */
export const TRANSCODE_HELP = formatHelp(
  "j2kit transcode <in.j2k|.jp2|.jph> <out> --to ht|part1",
  [
    "Transcode a JPEG 2000 codestream or JP2 / JPH file, lossless (5/3) or lossy (9/7), between the Part 1",
    "and the HT block coder, keeping the decoded image bit for bit. Each code-block's quantised",
    "coefficients are re-coded by the other block coder (no wavelet transform); the quantisation, tiles,",
    "levels, code-blocks, precincts, progression, SOP/EPH, TLM/PLT and tile-parts stay. Quality layers",
    "become one layer. Reversible input the coefficient path refuses (tile-part COD/QCD overrides, ROI) is",
    "decoded and encoded again losslessly instead, with a warning. JP2 / JPH files keep their boxes; the",
    "brand switches between 'jp2 ' and 'jph '.",
  ].join("\n"),
  TRANSCODE_OPTIONS,
);

/** Run `j2kit transcode`. */
export async function runTranscodeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandLine(COMMAND, argv, TRANSCODE_OPTIONS);
  if (args.help) {
    io.stdout(TRANSCODE_HELP);
    return 0;
  }
  if (args.positionals.length !== 2) throw usageError(COMMAND, `expected an input and an output file, got ${args.positionals.length} argument(s)`);
  const [input, output] = args.positionals as [string, string];
  const o = new OptionReader(COMMAND, args);
  const to = o.choice("to", ["ht", "part1"] as const);
  if (to === undefined) throw usageError(COMMAND, "--to ht|part1 is required");
  const bytes = await readFileBytes(input);
  const method = o.choice("method", ["auto", "coefficients", "reencode"] as const);
  const r = await transcodeBlockCoder(bytes, { to, ...(method !== undefined ? { method } : {}), ...(o.flag("verify") ? { verify: true } : {}) });
  if (!o.flag("quiet")) for (const w of r.warnings) io.stderr(`j2kit: warning: ${w}\n`);
  const tmp = `${output}.${process.pid}.partial`;
  try {
    await writeFile(tmp, r.data);
    await rename(tmp, output);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new J2kError("INVALID_ARGUMENT", `cannot write '${output}': ${(e as Error).message}`, { cause: e });
  }
  return 0;
}
