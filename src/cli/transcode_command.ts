/**
 * `j2kit transcode <in> <out> --to ht|part1`: lossless transcoding between the Part 1 (EBCOT) and HT
 * (ISO/IEC 15444-15) block coders (src/transcode_block_coder.ts: full decode and lossless re-encode
 * with the same structure, verified sample by sample). The output is written to a temporary file and
 * renamed, so nothing is left half-written on failure.
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
  { name: "quiet", help: "do not print warnings" },
];

/** Help text of `j2kit transcode`. */
export const TRANSCODE_HELP = formatHelp(
  "j2kit transcode <in.j2k|.jp2|.jph> <out> --to ht|part1",
  [
    "Transcode a lossless (5/3) JPEG 2000 codestream or JP2 / JPH file between the Part 1 and the HT",
    "block coder. The image is decoded and encoded again losslessly with the input's structure (tiles,",
    "levels, code-blocks, precincts, progression, SOP/EPH, TLM/PLT, tile-parts); the output is checked",
    "to decode to exactly the input's samples. Quality layers become one lossless layer. JP2 / JPH files",
    "keep their boxes; the brand switches between 'jp2 ' and 'jph '.",
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
  const r = await transcodeBlockCoder(bytes, { to });
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
