/**
 * `j2kit jp2 check <file> [--json]` and `j2kit jp2 repair-icc <in.jp2> <out.jp2>`: checking the boxes
 * and ICC profiles of JP2 files, and repairing ICC curv tags in place, for archive pipelines.
 * @module
 */
import { checkJp2, repairJp2Icc } from "../jp2/repair.js";
import { readHeader } from "../header.js";
import { J2kError } from "../errors.js";
import { formatHelp, parseCommandLine, usageError, OptionReader, type CliIo, type OptionSpec } from "./args.js";
import { readFileBytes, writeFileBytes } from "./image_files.js";

const COMMAND = "jp2";

const OPTIONS: readonly OptionSpec[] = [{ name: "json", help: "check: print the result as JSON" }];

const HELP = formatHelp(
  "j2kit jp2 check <file.jp2> [--json]\n       j2kit jp2 repair-icc <in.jp2> <out.jp2>",
  "check: report damaged or suspicious boxes and ICC profile problems (exit 0 when none, 3 when some).\n" +
    "repair-icc: fix ICC curv tags whose entry count does not fit their tag; every other byte is kept.",
  OPTIONS,
);

/** Run `j2kit jp2 ...`. */
export async function runJp2Command(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    io.stdout(HELP);
    return sub === undefined ? 2 : 0;
  }
  const args = parseCommandLine(COMMAND, rest, OPTIONS);
  if (args.help) {
    io.stdout(HELP);
    return 0;
  }
  const json = new OptionReader(COMMAND, args).flag("json");
  if (sub === "check") {
    if (args.positionals.length !== 1) throw usageError(COMMAND, "check takes one file");
    const file = args.positionals[0]!;
    const bytes = await readFileBytes(file);
    const r = checkJp2(bytes);
    let codestream: string;
    try {
      const h = readHeader(bytes);
      codestream = `${h.width}x${h.height}, ${h.components} component(s), ${h.bitDepth}-bit, ${h.reversible ? "5/3" : "9/7"}, ${h.layers} layer(s)`;
    } catch (e) {
      codestream = e instanceof J2kError ? `unreadable: [${e.code}] ${e.message}` : String(e);
      r.problems.push(`codestream: ${codestream}`);
      r.ok = false;
    }
    if (json) {
      io.stdout(JSON.stringify({ file, ok: r.ok, problems: r.problems, repairable: r.repairable, brand: r.file.brand, codestream }, null, 2) + "\n");
    } else {
      io.stdout(`${file}: ${r.ok ? "ok" : `${r.problems.length} problem(s)`} (brand '${r.file.brand.trim()}', codestream ${codestream})\n`);
      for (const p of r.problems) io.stdout(`  - ${p}\n`);
    }
    return r.ok ? 0 : 3;
  }
  if (sub === "repair-icc") {
    if (args.positionals.length !== 2) throw usageError(COMMAND, "repair-icc takes an input and an output file");
    const [input, output] = args.positionals as [string, string];
    const r = repairJp2Icc(await readFileBytes(input));
    await writeFileBytes(output, r.bytes);
    const n = r.repairs.reduce((a, x) => a + x.repairs.length, 0);
    io.stdout(n === 0 ? `${input}: no ICC curv tag needed a repair; copied unchanged\n` : `${input}: repaired ${n} curv tag(s)\n`);
    for (const x of r.repairs) for (const rep of x.repairs) io.stdout(`  - colr at byte ${x.colrOffset}: ${rep.tags.join("/")}: ${rep.reason}\n`);
    return 0;
  }
  throw usageError(COMMAND, `unknown sub-command '${sub}': use check or repair-icc`);
}
