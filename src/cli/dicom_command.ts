/**
 * `j2kit dicom` — DICOM transcoding and inspection (issue 5).
 *
 * - `j2kit dicom <in.dcm> <out.dcm> --to <syntax> [--ratio R,...|--psnr DB,...]` transcodes a Part 10
 *   file between native and JPEG 2000 transfer syntaxes (src/dicom/transcode.ts).
 * - `j2kit dicom info <in.dcm> [--json]` prints the transfer syntax, the Image Pixel Module and the
 *   codestream header of each frame.
 *
 * Contract with src/cli/main.ts: `argv` are the arguments after `dicom`; failures are thrown as
 * J2kError (main prints one `j2kit: [CODE] message` line); warnings go to stderr as
 * `j2kit: warning: ...` lines.
 * @module
 */
import { J2kError } from "../errors.js";
import { readHeader } from "../index.js";
import type { HeaderInfo } from "../types.js";
import { decompressHint, inspectDicom, transcodeAsync, TRANSFER_SYNTAXES, type DicomPixelSummary, type TranscodeOptions } from "../dicom/index.js";
import { OptionReader, PROCESS_IO, formatHelp, parseCommandLine, usageError, type CliIo, type OptionSpec } from "./args.js";
import { readFileBytes, writeFileBytes } from "./image_files.js";

const COMMAND = "dicom";

/** Options of `j2kit dicom <in> <out>`. */
export const DICOM_OPTIONS: readonly OptionSpec[] = [
  {
    name: "to",
    value: "SYNTAX",
    help: "target transfer syntax: a UID or j2k-lossless, j2k, htj2k-lossless, htj2k-rpcl, htj2k, explicit-le, implicit-le, deflated-le",
  },
  { name: "ratio", value: "R[,R...]", help: "JPEG 2000 (.91) / HTJ2K (.203): compression ratio per quality layer, decreasing" },
  { name: "psnr", value: "DB[,DB...]", help: "JPEG 2000 (.91) / HTJ2K (.203): PSNR in dB per quality layer, increasing" },
  { name: "qstep", value: "Q", help: "JPEG 2000 (.91) / HTJ2K (.203): fixed quantisation step, 0 < Q <= 1 (no rate control)" },
  { name: "no-mct", help: "RGB: no colour transform (keep RGB instead of YBR_RCT / YBR_ICT)" },
  { name: "keep-uid", help: "keep the SOP Instance UID after lossy compression" },
  { name: "sign-from", value: "codestream|dataset", help: "on decode, which side wins when signedness disagrees (default dataset, as GDCM)" },
  {
    name: "recode",
    value: "auto|pixels",
    help: "JPEG 2000 <-> HTJ2K without new targets: auto (default) re-codes code-blocks from the same coefficients where every frame allows it; pixels decodes and encodes",
  },
  { name: "tolerant", help: "read a structurally damaged file as far as it goes (each repair a warning)" },
  { name: "quiet", help: "do not print warnings" },
];

/** Options of `j2kit dicom info`. */
export const DICOM_INFO_OPTIONS: readonly OptionSpec[] = [
  { name: "json", help: "print JSON" },
  { name: "tolerant", help: "read a structurally damaged file as far as it goes" },
];

const syntaxNames = TRANSFER_SYNTAXES.filter((t) => t.supported)
  .map((t) => `  ${t.name.padEnd(16)}${t.uid.padEnd(26)}${t.title}`)
  .join("\n");

/** Help text of `j2kit dicom`. */
export const DICOM_HELP =
  formatHelp(
    "j2kit dicom <in.dcm> <out.dcm> --to <syntax> [--ratio R,...|--psnr DB,...|--qstep Q] [options]\n       j2kit dicom info <in.dcm> [--json]",
    `Transcode the pixel data of a DICOM Part 10 file between native, JPEG 2000 and HTJ2K transfer
syntaxes (PS3.5 §8.2.4, §8.2.14), or show its Image Pixel Module and the codestream header of each frame.
JPEG 2000 (.91) is lossy and needs --ratio, --psnr or --qstep; HTJ2K (.203) is lossy with one of them
and lossless without. Between JPEG 2000 and HTJ2K without those options (.90 <-> .201, .91 <-> .203)
the code-blocks are re-coded from the same quantised coefficients: exactly the source's pixels, with
no decode and no second loss (--recode pixels decodes and encodes instead). HTJ2K with RPCL Options (.202) is written RPCL, with enough levels for a lowest
resolution of at most 64 x 64, TLM, PLT and one tile-part per resolution. Lossy output gets Lossy Image
Compression 01, the ratio and method, Image Type DERIVED and a new SOP Instance UID.

Transfer syntaxes:
${syntaxNames}`,
    DICOM_OPTIONS,
  ) + "\n'j2kit dicom info' options:\n  --json                        print JSON\n  --tolerant                    read a structurally damaged file as far as it goes\n";

/** Run `j2kit dicom`. */
export async function runDicomCommand(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  if (argv[0] === "info") return runInfo(argv.slice(1), io);
  const args = parseCommandLine(COMMAND, argv, DICOM_OPTIONS);
  if (args.help) {
    io.stdout(DICOM_HELP);
    return 0;
  }
  if (args.positionals.length !== 2) {
    throw usageError(COMMAND, `expected <in.dcm> <out.dcm>, got ${args.positionals.length} argument(s)`);
  }
  const opts = new OptionReader(COMMAND, args);
  const to = opts.string("to");
  if (to === undefined) throw usageError(COMMAND, "--to <transfer syntax> is required");
  const ratios = opts.numberList("ratio");
  const psnr = opts.numberList("psnr");
  const qsteps = opts.numberList("qstep");
  if (qsteps !== undefined && qsteps.length !== 1) throw usageError(COMMAND, "--qstep takes one number in (0, 1]");
  const qstep = qsteps?.[0];
  const signFrom = opts.choice("sign-from", ["codestream", "dataset"] as const);
  const recode = opts.choice("recode", ["auto", "pixels"] as const);
  const quiet = opts.flag("quiet");

  const [input, output] = args.positionals as [string, string];
  const options: TranscodeOptions = {
    transferSyntax: to,
    onWarning: (w) => {
      if (!quiet) io.stderr(`j2kit: warning: ${w}\n`);
    },
  };
  if (ratios !== undefined) options.ratios = ratios;
  if (psnr !== undefined) options.psnr = psnr;
  if (qstep !== undefined) options.qstep = qstep;
  if (opts.flag("no-mct")) options.mct = false;
  if (opts.flag("keep-uid")) options.keepSopInstanceUid = true;
  if (signFrom !== undefined) options.signFrom = signFrom;
  if (recode !== undefined) options.recode = recode;
  if (opts.flag("tolerant")) options.tolerant = true;

  const bytes = await readFileBytes(input);
  const out = await transcodeAsync(bytes, options);
  await writeFileBytes(output, out);
  return 0;
}

/** One frame as `info` reports it. */
interface FrameReport {
  frame: number;
  bytes: number;
  header?: HeaderInfo;
  error?: { code: string; message: string };
  /** The frame's coding when the transfer syntax is not JPEG 2000 (its header is not read). */
  notJpeg2000?: string;
}

async function runInfo(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandLine(`${COMMAND} info`, argv, DICOM_INFO_OPTIONS);
  if (args.help) {
    io.stdout(DICOM_HELP);
    return 0;
  }
  if (args.positionals.length !== 1) {
    throw usageError(`${COMMAND} info`, `expected one file, got ${args.positionals.length} argument(s)`);
  }
  const file = args.positionals[0]!;
  const bytes = await readFileBytes(file);
  const summary = inspectDicom(bytes, new OptionReader(`${COMMAND} info`, args).flag("tolerant") ? { tolerant: true } : {});
  const otherCoding = summary.transferSyntax?.otherCoding;
  const frames: FrameReport[] = (summary.frames ?? []).map((f, i) => {
    // JPEG, JPEG-LS, RLE: named, not parsed as JPEG 2000 (nothing is wrong with the file)
    if (otherCoding !== undefined) return { frame: i + 1, bytes: f.length, notJpeg2000: otherCoding };
    try {
      return { frame: i + 1, bytes: f.length, header: readHeader(f) };
    } catch (e) {
      if (!(e instanceof J2kError)) throw e;
      return { frame: i + 1, bytes: f.length, error: { code: e.code, message: e.message } };
    }
  });
  if (new OptionReader(`${COMMAND} info`, args).flag("json")) {
    io.stdout(JSON.stringify({ file, fileSize: bytes.length, ...summary, frames }, jsonReplacer, 2) + "\n");
  } else {
    io.stdout(formatDicomInfo(file, bytes.length, summary, frames));
  }
  return frames.some((f) => f.error !== undefined) ? 1 : 0;
}

function jsonReplacer(key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return key === "icc" ? `<${value.length} bytes>` : undefined;
  return value;
}

/** The text `j2kit dicom info` prints. */
export function formatDicomInfo(file: string, size: number, s: DicomPixelSummary, frames: FrameReport[]): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`${label.padEnd(18)}${value}`);
  const pm = s.pixelModule;
  const ts = s.transferSyntax;
  row("file", `${file} (${size} bytes)`);
  row("transfer syntax", `${s.transferSyntaxUid}${ts ? ` ${ts.title} [${ts.name}]${ts.supported ? "" : " (not supported)"}` : " (unknown)"}`);
  row("rows x columns", `${pm.rows} x ${pm.columns}`);
  row("samples/pixel", String(pm.samplesPerPixel));
  row("photometric", pm.photometricInterpretation);
  row("bits", `allocated ${pm.bitsAllocated}, stored ${pm.bitsStored}, high bit ${pm.highBit}`);
  row("pixel repr.", `${pm.pixelRepresentation} (${pm.pixelRepresentation === 1 ? "two's complement" : "unsigned"})`);
  if (pm.samplesPerPixel > 1) row("planar config.", String(pm.planarConfiguration));
  row("frames", String(pm.numberOfFrames));
  const other = ts?.otherCoding;
  if (s.nativeByteLength !== undefined) row("pixel data", `native, ${s.nativeByteLength} bytes`);
  else if (other !== undefined) {
    row("pixel data", `encapsulated, ${frames.length} frame(s) of ${other}: not JPEG 2000, j2kit does not decode it`);
    row("", `(to transcode it, ${decompressHint(ts!)})`);
  } else row("pixel data", `encapsulated, ${frames.length} frame(s)`);
  for (const f of frames) {
    const label = `frame ${f.frame}`;
    if (f.notJpeg2000 !== undefined) {
      row(label, `${f.bytes} bytes of ${f.notJpeg2000}`);
      continue;
    }
    if (f.error) {
      row(label, `${f.bytes} bytes, header unreadable: [${f.error.code}] ${f.error.message}`);
      continue;
    }
    const h = f.header!;
    const comps = h.componentInfo.map((c) => `${c.bitDepth}${c.signed ? "s" : "u"}`).join(",");
    row(
      label,
      `${f.bytes} bytes, ${h.format === "j2k" ? "codestream" : h.format.toUpperCase() + " file"}: ${h.width} x ${h.height}, ` +
        `${h.components} component(s) [${comps}], ${h.reversible ? "5/3 reversible" : "9/7 irreversible"}, ` +
        `${h.levels} level(s), ${h.layers} layer(s), ${h.progression}, ${h.codeBlockWidth}x${h.codeBlockHeight} code-blocks, ` +
        `${h.tilesX * h.tilesY} tile(s), MCT ${h.mct ? "yes" : "no"}${h.htj2k ? ", HTJ2K" : ""}`,
    );
  }
  for (const w of s.warnings) row("warning", w);
  return lines.join("\n") + "\n";
}
