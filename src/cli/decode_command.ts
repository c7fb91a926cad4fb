/**
 * `j2kit decode <in.j2k|.j2c|.jp2|.jpx|.jpf> <out.pgm|.ppm|.pgx|.png|.raw> [options]`.
 * @module
 */
import { decode, DEFAULT_LIMITS } from "../decode.js";
import { J2kError } from "../errors.js";
import type { DecodeOptions, HeaderInfo } from "../types.js";
import { readHeader } from "../header.js";
import { straightAlpha } from "../io/png.js";
import { OptionReader, STDIO, formatHelp, parseCommandLine, usageError, type CliIo, type OptionSpec, type ParsedArgs } from "./args.js";
import { layoutFor, outputKindOf, readSourceBytes, refuseNonJpeg2000, writeOutputImage, writeTargetBytes } from "./image_files.js";
import { isJpegPath, jpegBytesFromJp2, writeJpegFromJp2 } from "../jpeg/cli.js";
import { S3_ENDPOINT_OPTION, formatStats, isRemote, openForCli, readByRanges } from "./remote_source.js";
import type { RangeImage } from "../range/open_image.js";
import { decodeToFile } from "./strip_output.js";

const COMMAND = "decode";

/** Options of `j2kit decode`, in help order. */
export const DECODE_OPTIONS: readonly OptionSpec[] = [
  { name: "reduce", value: "N", help: "discard the N highest resolution levels (0 = full size)" },
  { name: "layers", value: "N", help: "decode only the first N quality layers" },
  { name: "region", value: "x,y,w,h", help: "decode only this rectangle (full-resolution image coordinates)" },
  { name: "components", value: "C1,C2,...", help: "decode only these components (indices from 0)" },
  { name: "allow-partial", help: "on a truncated codestream, write the best image the bytes allow" },
  { name: "palette-indices", help: "JP2 palette images: write the indices instead of expanding colours" },
  { name: "endian", value: "little|big", help: "raw output: byte order (default little)" },
  { name: "quality", value: "N", help: ".jpg output: JPEG quality 1-100 (IJG scale, as cjpeg; default 92)" },
  { name: "subsampling", value: "auto|444|422|420", help: ".jpg output: chroma subsampling (auto: 4:4:4 at quality >= 90, else 4:2:0)" },
  { name: "optimize", help: ".jpg output: optimised Huffman tables (smaller, two passes)" },
  { name: "output-format", value: "FORMAT", help: "pgm, ppm, pnm, png, raw or jpg: instead of the extension (needed for '-', standard output)" },
  { name: "max-pixels", value: "N", help: "largest image to decode, in pixels (default 268435456 = 2^28; raise it for trusted huge images)" },
  { name: "max-memory", value: "MiB", help: "memory limit (default 3072); large images are decoded in strips within it" },
  { name: "verbose", help: "print image details and timing (and bytes / requests read for URLs)" },
  S3_ENDPOINT_OPTION,
];

/** Help text of `j2kit decode`. */
export const DECODE_HELP = formatHelp(
  "j2kit decode <in.j2k|.j2c|.jp2|.jpx|.jpf|-> <out.pgm|.ppm|.pgx|.png|.raw|.jpg|-> [options]",
  [
    "Decode a JPEG 2000 codestream or JP2/JPX file.",
    "Output by extension: .pgm (1 component), .ppm (3, or 1), .png (1-4: grey, grey+alpha, RGB, RGBA),",
    ".pgx (one file <base>_<c>.pgx per component at its own resolution, with the codestream's",
    "precision and sign), .raw (component planes one after another, each at its own resolution).",
    "PGM/PPM store samples at the codestream precision (maxval 2^bits-1); PNG stores 9-16-bit",
    "samples in 16 bits and fewer in 8 bits, scaled up with an sBIT chunk giving the precision.",
    "Signed samples are written to PGM/PPM/PNG with 2^(bits-1) added.",
    ".jpg writes a baseline JPEG (JFIF) with the JP2's ICC profile (repaired when its curv tags lie),",
    "XMP and resolution; other depths are scaled to 8 bits, alpha is dropped.",
    "'-' as the input reads standard input; '-' as the output writes standard output (with",
    "--output-format; PGX is one file per component and cannot go there).",
  ].join("\n"),
  DECODE_OPTIONS,
);

/** Map parsed `decode` options to {@link DecodeOptions} (layout excluded). */
export function decodeOptionsFromArgs(args: ParsedArgs): DecodeOptions {
  const o = new OptionReader(COMMAND, args);
  const options: DecodeOptions = {};
  const reduce = o.int("reduce", 0, 32);
  if (reduce !== undefined) options.reduce = reduce;
  const layers = o.int("layers", 1, 65535);
  if (layers !== undefined) options.layers = layers;
  const region = o.tuple("region", 4, "x,y,width,height");
  if (region !== undefined) {
    const [x, y, width, height] = region as [number, number, number, number];
    if (width < 1 || height < 1) throw o.fail("region", o.string("region")!)("width and height must be positive");
    options.region = { x, y, width, height };
  }
  const components = o.intList("components", 0, 16383);
  if (components !== undefined) options.components = components;
  if (o.flag("allow-partial")) options.allowPartial = true;
  if (o.flag("palette-indices")) options.palette = "indices";
  const maxPixels = o.int("max-pixels", 1, 2 ** 50);
  const maxMemory = o.int("max-memory", 16, 1 << 22);
  if (maxPixels !== undefined || maxMemory !== undefined) {
    options.limits = { ...(maxPixels !== undefined ? { maxPixels } : {}), ...(maxMemory !== undefined ? { maxMemory: maxMemory * 2 ** 20 } : {}) };
  }
  return options;
}

/** Samples above which PGM/PPM/JPEG output is decoded strip by strip straight into the file. */
export const STREAM_OUTPUT_SAMPLES = 16 * 2 ** 20;

/** Run `j2kit decode`. */
export async function runDecodeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandLine(COMMAND, argv, DECODE_OPTIONS);
  if (args.help) {
    io.stdout(DECODE_HELP);
    return 0;
  }
  if (args.positionals.length !== 2) {
    throw usageError(COMMAND, `expected an input and an output file, got ${args.positionals.length} argument(s)`);
  }
  const [input, output] = args.positionals as [string, string];
  const o = new OptionReader(COMMAND, args);
  const asked = o.choice("output-format", ["pgm", "ppm", "pnm", "pgx", "png", "raw", "jpg", "jpeg"] as const);
  const byName = output === STDIO ? null : isJpegPath(output) ? "jpg" : outputKindOf(output);
  if (asked !== undefined && byName !== null && byName !== (asked === "jpeg" ? "jpg" : asked)) {
    throw usageError(COMMAND, `--output-format ${asked} contradicts the output name '${output}'`);
  }
  const chosen = asked === "jpeg" ? "jpg" : asked ?? byName;
  if (chosen === null) {
    if (output === STDIO) throw usageError(COMMAND, "writing to standard output ('-') needs --output-format pgm, ppm, png, raw or jpg");
    throw usageError(COMMAND, `cannot tell the output format of '${output}': name it .pgm, .ppm, .pgx, .png, .raw or .jpg, or give --output-format`);
  }
  const jpeg = chosen === "jpg";
  const kind = jpeg ? "ppm" : chosen;
  if (kind === "pgx" && output === STDIO) {
    throw usageError(COMMAND, "PGX output is one file per component and cannot go to standard output: use --output-format png, pgm, ppm or raw");
  }
  const endian = o.choice("endian", ["little", "big"] as const);
  if (endian !== undefined && kind !== "raw") throw usageError(COMMAND, "--endian applies to .raw output only");
  const options = decodeOptionsFromArgs(args);
  options.layout = layoutFor(kind);

  const jpegOptions = { quality: o.int("quality", 1, 100) ?? 92, subsampling: o.choice("subsampling", ["auto", "444", "422", "420"] as const), optimizeHuffman: o.flag("optimize") };
  if (!jpeg && (o.string("quality") !== undefined || o.string("subsampling") !== undefined || jpegOptions.optimizeHuffman)) {
    throw usageError(COMMAND, "--quality, --subsampling and --optimize apply to .jpg output only");
  }
  // large images into PGM/PPM/JPEG: strip by strip, never whole in memory (src/cli/strip_output.ts)
  const streamKind = jpeg ? (jpegOptions.optimizeHuffman ? undefined : "jpg") : kind === "pgm" || kind === "ppm" ? kind : undefined;
  // (standard input/output are handled whole: the strip writer needs a file it can seek)
  // URLs (http(s)://, s3://) and very large local files are read by byte ranges, opened once so
  // that --verbose reports every byte and request the command made
  let remote: RangeImage | undefined;
  if (input !== STDIO && (isRemote(input) || !options.allowPartial) && (await readByRanges(input))) remote = await openForCli(input, o.string("s3-endpoint"));
  if (streamKind && input !== STDIO && output !== STDIO && (await outputSamples(remote ?? input, options, o.string("s3-endpoint"))) >= STREAM_OUTPUT_SAMPLES) {
    const t1 = performance.now();
    let r;
    try {
      r = await decodeToFile(remote ?? input, output, streamKind, options, { quality: jpegOptions.quality, ...(jpegOptions.subsampling ? { subsampling: jpegOptions.subsampling } : {}) }, o.string("s3-endpoint"));
    } catch (e) {
      throw cliAdvice(e, options.limits?.maxPixels ?? DEFAULT_LIMITS.maxPixels);
    } finally {
      await remote?.close();
    }
    for (const w of r.warnings) io.stderr(`j2kit: warning: ${oneLine(w)}\n`);
    if (o.flag("verbose")) {
      io.stdout(
        `input   ${input}: read ${r.bytesRead} bytes\n` +
          `image   ${r.width}x${r.height}, ${r.components} component(s), ${r.bitDepth}-bit ${r.signed ? "signed" : "unsigned"}\n` +
          `decoded in ${r.strips} strips (${(r.wasmBytes / 2 ** 20).toFixed(0)} MiB of WebAssembly memory) in ${(performance.now() - t1).toFixed(1)} ms${r.partial ? " (partial)" : ""}\n` +
          `output  ${output}\n`,
      );
    }
    return 0;
  }

  let bytes: Uint8Array | undefined;
  if (remote === undefined) bytes = await readSourceBytes(input, io);
  if (bytes !== undefined) refuseNonJpeg2000(input, bytes);
  const t0 = performance.now();
  let image;
  try {
    image = remote ? await remote.decode(options) : decode(bytes!, options);
  } catch (e) {
    throw cliAdvice(e, options.limits?.maxPixels ?? DEFAULT_LIMITS.maxPixels);
  } finally {
    await remote?.close();
  }
  const decodeMs = performance.now() - t0;
  // PNG holds straight alpha: a JP2 whose cdef declares premultiplied opacity is converted.
  if (kind === "png" && !jpeg && premultipliedAlpha(remote ? remote.header : readHeader(bytes!))) {
    image = { ...image, ...straightAlpha(image) };
    image.warnings = [...(image.warnings ?? []), "the JP2 declares premultiplied alpha (cdef Typ 2): colours were divided by alpha for PNG, which stores straight alpha"];
  }
  let jpegWarnings: string[] = [];
  if (jpeg && output === STDIO) {
    const r = jpegBytesFromJp2(bytes ?? remote!.containerBytes(), image, jpegOptions);
    jpegWarnings = r.warnings;
    await writeTargetBytes(output, r.data, io);
  } else if (jpeg) {
    jpegWarnings = await writeJpegFromJp2(output, bytes ?? remote!.containerBytes(), image, jpegOptions);
  }
  const files = jpeg ? [output] : await writeOutputImage(output, kind, image, endian !== "big", io);

  for (const w of [...(image.warnings ?? []), ...jpegWarnings]) io.stderr(`j2kit: warning: ${oneLine(w)}\n`);
  if (image.partial && (image.warnings ?? []).length === 0) {
    io.stderr("j2kit: warning: the codestream is truncated; the image holds what its bytes allow\n");
  }
  if (o.flag("verbose")) {
    const report = output === STDIO ? io.stderr : io.stdout; // standard output holds the image
    const comps = image.componentInfo
      .map((c) => `${c.width}x${c.height} ${c.bitDepth}-bit ${c.signed ? "signed" : "unsigned"}${c.dx !== 1 || c.dy !== 1 ? ` (sub-sampled ${c.dx}x${c.dy})` : ""}`)
      .join("; ");
    report(
      `input   ${input === STDIO ? "standard input" : input}: ${remote ? `${remote.stats().fileSize} bytes, read by ranges` : `${bytes!.length} bytes`}\n` +
        (remote ? formatStats(remote.stats()) : "") +
        `image   ${image.width}x${image.height}, ${image.components} component(s): ${comps}\n` +
        `decoded in ${decodeMs.toFixed(1)} ms${image.partial ? " (partial)" : ""}\n` +
        `output  ${output === STDIO ? "standard output" : files.join(", ")}\n`,
    );
  }
  return 0;
}

/** The cdef box declares the whole-image alpha channel as premultiplied (Typ 2, Asoc 0; I.5.3.6). */
function premultipliedAlpha(h: HeaderInfo): boolean {
  return (h.jp2?.channels ?? []).some((c) => c.type === 2 && c.association === 0);
}

/** The library's advice names API options; on the command line they are flags. */
function cliAdvice(e: unknown, maxPixels: number): unknown {
  if (!(e instanceof J2kError)) return e;
  let m = e.message;
  if (m.includes("allowPartial")) m = m.replace(/pass allowPartial: true|allowPartial: true|allowPartial/, "use --allow-partial");
  m = m.replace(/limits\.maxPixels \(([^)]*)\); raise the limit if the file is trusted/, (_, mp: string) => `--max-pixels ${maxPixels} (${mp} megapixels); if the file is trusted, raise it with --max-pixels N, N at least the image's width x height`);
  m = m.replace(/limits\.maxPixels/g, "--max-pixels").replace(/\(limits\.maxMemory; CLI --max-memory\)/g, "(--max-memory MiB)").replace(/limits\.maxMemory/g, "--max-memory");
  return m === e.message ? e : new J2kError(e.code, m.replace(/ \(at byte \d+\)$/, ""), { cause: e, ...(e.offset !== undefined ? { offset: e.offset } : {}) });
}

/** Output samples of decoding `input` (a path, or an image already open) with `options` (from the main header; 0 when it cannot be read: the normal path reports why). */
async function outputSamples(input: string | RangeImage, options: DecodeOptions, s3Endpoint: string | undefined): Promise<number> {
  let img: RangeImage | undefined;
  try {
    img = typeof input === "string" ? await openForCli(input, s3Endpoint) : input;
    const h = img.header;
    const s = 2 ** (options.reduce ?? 0);
    const w = Math.ceil((options.region ? Math.min(options.region.width, h.width - options.region.x) : h.width) / s);
    const hh = Math.ceil((options.region ? Math.min(options.region.height, h.height - options.region.y) : h.height) / s);
    const comps = options.components?.length ?? (h.jp2?.channels?.length || h.components);
    return w * hh * comps;
  } catch {
    return 0;
  } finally {
    if (typeof input === "string") await img?.close().catch(() => undefined);
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " ");
}
