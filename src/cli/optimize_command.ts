/**
 * `j2kit optimize <in> <out> [--order P] [--tile-parts R|L|C] [--interleave] [--tlm] [--plt]`:
 * re-pack a JPEG 2000 file for byte-range reading without re-coding it (src/range/optimize.ts).
 * Without options: RPCL, tile-parts by resolution interleaved across tiles, TLM and PLT. The output is written to a temporary file and renamed.
 * @module
 */
import { rename, unlink, writeFile } from "node:fs/promises";
import { J2kError } from "../errors.js";
import { optimize, RANGE_FRIENDLY, type OptimizeOptions } from "../range/optimize.js";
import type { ProgressionOrder } from "../types.js";
import { OptionReader, formatHelp, parseCommandLine, usageError, type CliIo, type OptionSpec } from "./args.js";
import { readFileBytes } from "./image_files.js";

const COMMAND = "optimize";

/** Options of `j2kit optimize`. */
export const OPTIMIZE_OPTIONS: readonly OptionSpec[] = [
  { name: "order", value: "LRCP|RLCP|RPCL|PCRL|CPRL", help: "progression order of the packets (POC dropped)" },
  { name: "tile-parts", value: "R|L|C", help: "split each tile into tile-parts by resolution, layer or component" },
  { name: "tlm", help: "write a TLM marker segment (where every tile-part is)" },
  { name: "plt", help: "write PLT marker segments (where every packet is)" },
  { name: "interleave", help: "interleave the tiles' tile-parts (all first tile-parts, then all second ones, ...)" },
  { name: "verbose", help: "print sizes and layout" },
];

/** Help text of `j2kit optimize`. */
export const OPTIMIZE_HELP = formatHelp(
  "j2kit optimize <in.jp2|.j2k|...> <out> [--order RPCL] [--tile-parts R] [--interleave] [--tlm] [--plt]",
  [
    "Re-pack a JPEG 2000 codestream or JP2/JPX file for reading by byte ranges (IIIF, HTTP, S3)",
    "without re-coding any code-block: packets re-ordered, tile-parts split, TLM and PLT added.",
    "The output decodes to exactly the same samples. Without options: --order RPCL --tile-parts R",
    "--interleave --tlm --plt (resolution-major: a coarse view of a tiled image is one run of bytes).",
    "With options, only what they ask changes (the rest of the layout is kept).",
  ].join("\n"),
  OPTIMIZE_OPTIONS,
);

/** Run `j2kit optimize`. */
export async function runOptimizeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandLine(COMMAND, argv, OPTIMIZE_OPTIONS);
  if (args.help) {
    io.stdout(OPTIMIZE_HELP);
    return 0;
  }
  if (args.positionals.length !== 2) throw usageError(COMMAND, `expected an input and an output file, got ${args.positionals.length} argument(s)`);
  const [input, output] = args.positionals as [string, string];
  const o = new OptionReader(COMMAND, args);
  const order = o.choice("order", ["LRCP", "RLCP", "RPCL", "PCRL", "CPRL"] as const) as ProgressionOrder | undefined;
  const tileParts = o.choice("tile-parts", ["R", "L", "C"] as const);
  const tlm = o.flag("tlm");
  const plt = o.flag("plt");
  const interleave = o.flag("interleave");
  const any = order !== undefined || tileParts !== undefined || tlm || plt || interleave;
  const options: OptimizeOptions = any
    ? { ...(order ? { progression: order } : {}), ...(tileParts ? { tileParts } : {}), tlm, plt, ...(interleave ? { tilePartOrder: "interleaved" as const } : {}) }
    : RANGE_FRIENDLY;
  const bytes = await readFileBytes(input);
  const t0 = performance.now();
  const out = await optimize(bytes, options);
  const ms = performance.now() - t0;
  const tmp = `${output}.${process.pid}.partial`;
  try {
    await writeFile(tmp, out);
    await rename(tmp, output);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new J2kError("INVALID_ARGUMENT", `cannot write '${output}': ${(e as Error).message}`, { cause: e });
  }
  if (o.flag("verbose")) {
    const what = [options.progression ?? "order kept", options.tileParts ? `tile-parts by ${options.tileParts}` : "one tile-part per tile",
      options.tilePartOrder === "interleaved" ? "interleaved across tiles" : "", options.tlm ? "TLM" : "", options.plt ? "PLT" : ""].filter(Boolean).join(", ");
    io.stdout(`input   ${input}: ${bytes.length} bytes\noutput  ${output}: ${out.length} bytes (${what})\nre-packed in ${ms.toFixed(1)} ms\n`);
  }
  return 0;
}
