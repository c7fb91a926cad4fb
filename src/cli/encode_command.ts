/**
 * `j2kit encode <in> <out.j2k|.j2c|.jp2> [options]`.
 * @module
 */
import { mse, psnrFromMse } from "../metrics.js";
import { decode } from "../decode.js";
import { encodeDetailed } from "../encode.js";
import { J2kError } from "../errors.js";
import { readHeader } from "../header.js";
import type { CodeBlockStyleFlag, EncodeOptions, J2kImage, ProgressionOrder } from "../types.js";
import { OptionReader, STDIO, formatHelp, parseCommandLine, usageError, type CliIo, type OptionSpec, type ParsedArgs } from "./args.js";
import { extensionOf, readFileBytes, readInputImage, writeTargetBytes, type InputImage, type InputImageOptions } from "./image_files.js";

const COMMAND = "encode";

/** Options of `j2kit encode`, in help order. */
export const ENCODE_OPTIONS: readonly OptionSpec[] = [
  { name: "levels", value: "N", help: "decomposition levels, 0-32 (default 5, fewer for small images)" },
  { name: "block", value: "WxH", help: "code-block size, powers of two 4..1024, W*H <= 4096 (default 64x64)" },
  { name: "no-mct", help: "no multiple component transform (RCT/ICT) for 3+ components" },
  { name: "lossy", help: "irreversible 9/7 wavelet (default: lossless 5/3)" },
  { name: "ht", help: "HTJ2K (ISO/IEC 15444-15) block coder; a .jph output name implies it" },
  { name: "qstep", value: "Q", help: "lossy with this fixed quantisation step, 0 < Q <= 1 of the sample range (as ojph_compress -qstep)" },
  { name: "ratio", value: "R1,R2,...", help: "compression ratio per quality layer, decreasing (1 = lossless last layer)" },
  { name: "psnr", value: "P1,P2,...", help: "PSNR target in dB per quality layer, increasing" },
  { name: "psnr-peak", value: "bits|range", help: "peak of the PSNR: 2^bits - 1 (default) or the image's max - min" },
  { name: "quality", value: "Q", help: "quality shortcut 1-100" },
  { name: "order", value: "ORDER", help: "progression order: LRCP, RLCP, RPCL, PCRL or CPRL" },
  { name: "tile", value: "WxH[@x,y]", help: "tile size, optionally with the tile-grid origin" },
  { name: "origin", value: "x,y", help: "image origin on the reference grid" },
  { name: "precincts", value: "WxH,...", help: "precinct sizes, highest resolution first (powers of two)" },
  { name: "cblk-style", value: "FLAGS", help: "code-block style: bypass,reset,termall,vcausal,pterm,segsym" },
  { name: "sop", help: "write SOP markers before every packet" },
  { name: "eph", help: "write EPH markers after every packet header" },
  { name: "tlm", help: "write TLM (tile-part lengths) in the main header" },
  { name: "plt", help: "write PLT (packet lengths) in the tile-part headers" },
  { name: "tile-parts", value: "R|L|C", help: "split tile-parts by resolution, layer or component" },
  { name: "tile-part-order", value: "tile|interleaved", help: "interleaved: all tiles' first tile-parts, then their second ones, ... (resolution-major with R)" },
  { name: "poc", value: "R0,C0,L1,R1,C1,ORDER[/...]", help: "progression order changes (resolutions [R0,R1), components [C0,C1), layers [0,L1))" },
  { name: "guard", value: "N", help: "guard bits, 0-7 (default 2)" },
  { name: "icc", value: "FILE", help: "embed this ICC profile (JP2 output)" },
  { name: "colorspace", value: "CS", help: "JP2 colour space: sRGB, greyscale or sYCC" },
  { name: "alpha", value: "none|straight|premultiplied", help: "JP2: mark the last component as opacity in a cdef box (default: straight for PNG with alpha, else none)" },
  { name: "format", value: "j2k|jp2", help: "output container (needed when the output is '-', standard output)" },
  { name: "preset", value: "dicom|iiif", help: "dicom: 6 levels, 64x64, 1 tile, LRCP, no JP2 box; iiif: RPCL, >= 6 levels, 256x256 precincts, 1024x1024 tiles above that size, tile-parts by resolution interleaved across tiles, TLM, PLT" },
  { name: "signed", help: "input is signed: PNM/PNG hold value + 2^(bits-1); raw holds two's complement" },
  { name: "size", value: "WxH", help: "raw input: image size" },
  { name: "bits", value: "N", help: "raw input: bits per sample (1-8: 1 byte, 9-16: 2 bytes)" },
  { name: "components", value: "N", help: "raw input: number of component planes (default 1)" },
  { name: "endian", value: "little|big", help: "raw input: byte order (default little)" },
  { name: "verbose", help: "print size, ratio, timing and PSNR per quality layer" },
];

/** Help text of `j2kit encode`. */
export const ENCODE_HELP = formatHelp(
  "j2kit encode <in.pgm|.ppm|.pgx|.png|.raw|-> <out.j2k|.j2c|.jp2|-> [options]",
  [
    "Encode an image as a JPEG 2000 codestream (.j2k, .j2c) or JP2 file (.jp2); lossless by default.",
    "--ht (or a .jph output name: the HTJ2K file format) uses the High-Throughput block coder of Part 15.",
    "Input: binary or plain PGM/PPM (maxval up to 65535), PGX (name.pgx, or name_0.pgx, name_1.pgx, ...",
    "given as name.pgx), PNG, or raw planes described by --size/--bits.",
    "'-' as the input reads standard input (format from its first bytes); '-' as the output writes",
    "standard output and needs --format. PNG alpha (grey+alpha, RGBA) is marked as opacity in JP2.",
  ].join("\n"),
  ENCODE_OPTIONS,
);

const ORDERS: readonly ProgressionOrder[] = ["LRCP", "RLCP", "RPCL", "PCRL", "CPRL"];
const STYLES: readonly CodeBlockStyleFlag[] = ["bypass", "reset", "termall", "vcausal", "pterm", "segsym"];

/** Codestream container chosen by the output extension, or null for an unknown one (and `-`). */
export function outputFormatOf(path: string): "j2k" | "jp2" | null {
  if (path === STDIO) return null;
  switch (extensionOf(path)) {
    case ".j2k": case ".j2c": case ".jpc": return "j2k";
    case ".jp2": case ".jph": return "jp2"; // .jph: the JP2 family's HTJ2K file (see runEncode)
    default: return null;
  }
}

/**
 * The output container: `--format` if given (it must agree with a known extension), else the
 * extension. `-` (standard output) has no extension, so it needs `--format`.
 */
export function chooseOutputFormat(output: string, args: ParsedArgs): "j2k" | "jp2" {
  const asked = new OptionReader(COMMAND, args).choice("format", ["j2k", "jp2"] as const);
  const byName = outputFormatOf(output);
  if (asked !== undefined) {
    if (byName !== null && byName !== asked) throw usageError(COMMAND, `--format ${asked} contradicts the output name '${output}' (a .${byName} name)`);
    return asked;
  }
  if (byName !== null) return byName;
  if (output === STDIO) throw usageError(COMMAND, "writing to standard output ('-') needs --format j2k or --format jp2");
  throw usageError(COMMAND, `cannot tell the output format of '${output}': name it .j2k, .j2c or .jp2, or give --format j2k|jp2`);
}

/**
 * What the cdef box says about the last component (I.5.3.6, Table I.18: Typ 1 opacity, 2
 * premultiplied opacity): `--alpha` if given, else what the input format says (PNG alpha is
 * straight), else none. Returns undefined for no cdef box.
 */
export function chooseAlpha(
  args: ParsedArgs,
  format: "j2k" | "jp2",
  source: Pick<InputImage, "alpha" | "image">,
  warn: (message: string) => void,
): "straight" | "premultiplied" | undefined {
  const asked = new OptionReader(COMMAND, args).choice("alpha", ["none", "straight", "premultiplied"] as const);
  if (asked === "none") return undefined;
  if (asked !== undefined) {
    if (format !== "jp2") throw usageError(COMMAND, `--alpha ${asked} needs JP2 output (the cdef box): name the output .jp2 or give --format jp2`);
    if (source.image.components < 2) throw usageError(COMMAND, `--alpha ${asked} needs an image with a colour and an alpha component; this one has ${source.image.components}`);
    return asked;
  }
  if (source.alpha === undefined) return undefined;
  if (format !== "jp2") {
    warn(`the input's alpha channel is encoded as component ${source.image.components - 1}, but a raw codestream cannot mark it as opacity: write .jp2 (or --alpha none to silence this)`);
    return undefined;
  }
  return source.alpha;
}

/**
 * Map parsed `encode` options to {@link EncodeOptions} (pure except for reading the `--icc` file
 * through `readIcc`). Range checks beyond syntax are left to the encoder, which knows its limits.
 */
export async function encodeOptionsFromArgs(
  args: ParsedArgs,
  format: "j2k" | "jp2",
  readIcc: (path: string) => Promise<Uint8Array>,
): Promise<EncodeOptions> {
  const o = new OptionReader(COMMAND, args);
  const options: EncodeOptions = {};
  if (format === "jp2") options.format = "jp2";
  const levels = o.int("levels", 0, 32);
  if (levels !== undefined) options.levels = levels;
  const block = o.size("block");
  if (block !== undefined) options.codeBlock = block;
  if (o.flag("no-mct")) options.mct = false;
  if (o.flag("lossy")) options.lossless = false;
  if (o.flag("ht")) options.ht = true;
  const qstep = o.numberList("qstep");
  if (qstep !== undefined) {
    if (qstep.length !== 1) throw usageError(COMMAND, `--qstep takes one number (got ${qstep.length})`);
    options.qstep = qstep[0]!;
  }
  const ratios = o.numberList("ratio");
  if (ratios !== undefined) options.ratios = ratios;
  const psnr = o.numberList("psnr");
  if (psnr !== undefined) options.psnr = psnr;
  const psnrPeak = o.choice("psnr-peak", ["bits", "range"] as const);
  if (psnrPeak !== undefined) options.psnrPeak = psnrPeak;
  const quality = o.int("quality", 1, 100);
  if (quality !== undefined) options.quality = quality;
  const order = o.choice("order", ORDERS);
  if (order !== undefined) options.progression = order;
  const poc = o.string("poc");
  if (poc !== undefined) options.poc = parsePoc(poc);
  const tile = o.string("tile");
  if (tile !== undefined) options.tile = parseTile(o, tile);
  const origin = o.tuple("origin", 2, "x,y");
  if (origin !== undefined) options.origin = { x: origin[0]!, y: origin[1]! };
  const precincts = o.sizeList("precincts");
  if (precincts !== undefined) options.precincts = precincts;
  const style = o.choiceList("cblk-style", STYLES);
  if (style !== undefined) options.codeBlockStyle = style;
  if (o.flag("sop")) options.sop = true;
  if (o.flag("eph")) options.eph = true;
  if (o.flag("tlm")) options.tlm = true;
  if (o.flag("plt")) options.plt = true;
  const parts = o.choice("tile-parts", ["R", "L", "C"] as const);
  if (parts !== undefined) options.tileParts = parts;
  const partOrder = o.choice("tile-part-order", ["tile", "interleaved"] as const);
  if (partOrder !== undefined) options.tilePartOrder = partOrder;
  const guard = o.int("guard", 0, 7);
  if (guard !== undefined) options.guardBits = guard;
  const colorSpace = o.choice("colorspace", ["sRGB", "greyscale", "sYCC"] as const);
  if (colorSpace !== undefined) options.colorSpace = colorSpace;
  const preset = o.choice("preset", ["dicom", "iiif"] as const);
  if (preset !== undefined) options.preset = preset;
  const icc = o.string("icc");
  if (icc !== undefined) {
    if (format !== "jp2") throw usageError(COMMAND, "--icc needs JP2 output (an output file ending in .jp2)");
    options.icc = await readIcc(icc);
  }
  if (options.colorSpace !== undefined && format !== "jp2") {
    throw usageError(COMMAND, "--colorspace needs JP2 output (an output file ending in .jp2)");
  }
  return options;
}

/** `WxH` or `WxH@x,y`. */
function parseTile(o: OptionReader, text: string): NonNullable<EncodeOptions["tile"]> {
  const fail = o.fail("tile", text);
  const m = /^\s*(\d+)\s*[xX]\s*(\d+)\s*(?:@\s*(\d+)\s*,\s*(\d+)\s*)?$/.exec(text);
  if (m === null) throw fail("expected WIDTHxHEIGHT or WIDTHxHEIGHT@x,y, e.g. 512x512@0,0");
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width < 1 || height < 1) throw fail("tile sizes must be positive");
  const tile: NonNullable<EncodeOptions["tile"]> = { width, height };
  if (m[3] !== undefined) {
    tile.x0 = Number(m[3]);
    tile.y0 = Number(m[4]);
  }
  return tile;
}

/** How to read the input, from the raw/sign options. */
export function inputOptionsFromArgs(args: ParsedArgs): InputImageOptions {
  const o = new OptionReader(COMMAND, args);
  const size = o.size("size");
  const bits = o.int("bits", 1, 32);
  const components = o.int("components", 1, 16384);
  const endian = o.choice("endian", ["little", "big"] as const);
  const options: InputImageOptions = { signed: o.flag("signed") };
  if (size !== undefined || bits !== undefined || components !== undefined || endian !== undefined) {
    if (size === undefined || bits === undefined) throw usageError(COMMAND, "raw input needs both --size WxH and --bits N");
    options.raw = {
      width: size[0],
      height: size[1],
      bitDepth: bits,
      components: components ?? 1,
      littleEndian: endian !== "big",
    };
  }
  return options;
}

/** Run `j2kit encode`. */
export async function runEncodeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandLine(COMMAND, argv, ENCODE_OPTIONS);
  if (args.help) {
    io.stdout(ENCODE_HELP);
    return 0;
  }
  if (args.positionals.length !== 2) {
    throw usageError(COMMAND, `expected an input and an output file, got ${args.positionals.length} argument(s)`);
  }
  const [input, output] = args.positionals as [string, string];
  const format = chooseOutputFormat(output, args);
  const inputOptions = inputOptionsFromArgs(args);
  const options = await encodeOptionsFromArgs(args, format, readFileBytes);
  // a .jph name: the JPH file format (ISO/IEC 15444-15 Annex D, brand "jph "), HT code-blocks
  if (output !== STDIO && extensionOf(output) === ".jph") {
    options.format = "jph";
    options.ht = true;
  }
  const verbose = new OptionReader(COMMAND, args).flag("verbose");
  const warnings: string[] = [];

  const source = await readInputImage(input, inputOptions, io);
  if (source.planar) {
    options.planar = true;
    if (source.subsampling !== undefined) options.subsampling = source.subsampling;
  }
  const alpha = chooseAlpha(args, format, source, (w) => warnings.push(w));
  if (alpha !== undefined) options.alpha = alpha;
  const t0 = performance.now();
  const result = encodeDetailed(source.image, options);
  const bytes = result.data;
  const encodeMs = performance.now() - t0;
  await writeTargetBytes(output, bytes, io);
  // every adjustment the encoder made to what was asked (levels clamped, budgets not met, ...)
  for (const w of [...warnings, ...result.warnings]) io.stderr(`j2kit: warning: ${w}\n`);
  // with the image on standard output, the report goes to standard error
  if (verbose) (output === STDIO ? io.stderr : io.stdout)(encodeReport(source.image, source.planar, source.files, output === STDIO ? "standard output" : output, bytes, options, encodeMs, result.layerBytes));
  return 0;
}

/** `--poc 0,0,1,3,3,RLCP/3,0,1,6,3,CPRL`: resolution start, component start, layer end, resolution end, component end, order. */
function parsePoc(text: string): NonNullable<EncodeOptions["poc"]> {
  return text.split("/").map((entry) => {
    const f = entry.split(",").map((s) => s.trim());
    const nums = f.slice(0, 5).map(Number);
    const order = (f[5] ?? "").toUpperCase();
    if (f.length !== 6 || nums.some((n) => !Number.isInteger(n)) || !ORDERS.includes(order as ProgressionOrder)) {
      throw usageError(COMMAND, `--poc entries are R0,C0,L1,R1,C1,ORDER (e.g. 0,0,1,3,3,RLCP), got '${entry}'`);
    }
    return {
      resolutionStart: nums[0]!,
      componentStart: nums[1]!,
      layerEnd: nums[2]!,
      resolutionEnd: nums[3]!,
      componentEnd: nums[4]!,
      progression: order as ProgressionOrder,
    };
  });
}

/** Uncompressed size in bytes at the image's precision (the base of the compression ratio). */
function rawBits(image: J2kImage, planar: boolean): number {
  return planar ? image.data.length * image.bitDepth : image.width * image.height * image.components * image.bitDepth;
}

function encodeReport(
  image: J2kImage,
  planar: boolean,
  files: string[],
  output: string,
  bytes: Uint8Array,
  options: EncodeOptions,
  encodeMs: number,
  layerBytes: number[],
): string {
  const rawBytes = rawBits(image, planar) / 8;
  const lines = [
    `input   ${files.join(", ")}: ${image.width}x${image.height}, ${image.components} component(s), ` +
      `${image.bitDepth}-bit ${image.signed ? "signed" : "unsigned"}${planar ? " (sub-sampled components)" : ""}`,
    `output  ${output}: ${bytes.length} bytes, ratio ${(rawBytes / bytes.length).toFixed(2)}:1, ` +
      `${((bytes.length * 8) / (image.width * image.height)).toFixed(3)} bpp, encoded in ${encodeMs.toFixed(1)} ms`,
  ];
  if (planar) {
    lines.push("layers  (PSNR per layer is not computed for sub-sampled input)");
    return lines.join("\n") + "\n";
  }
  let layers: number;
  try {
    layers = readHeader(bytes).layers;
  } catch (e) {
    lines.push(`layers  unknown (${e instanceof Error ? e.message : String(e)})`);
    return lines.join("\n") + "\n";
  }
  for (let k = 1; k <= layers; k++) {
    let what: string;
    try {
      const t = performance.now();
      const decoded = decode(bytes, { layers: k });
      const ms = performance.now() - t;
      const value = psnr(image, decoded, options.psnrPeak === "range" ? sampleRange(image) : undefined);
      what = `PSNR ${Number.isFinite(value) ? `${value.toFixed(2)} dB` : "inf (bit-exact)"}, decoded in ${ms.toFixed(1)} ms`;
    } catch (e) {
      what = `not decodable here (${e instanceof J2kError ? `[${e.code}] ` : ""}${e instanceof Error ? e.message : String(e)})`;
    }
    const ratio = options.ratios?.[k - 1];
    const target = ratio !== undefined ? `target ratio ${ratio}:1 (<= ${Math.floor(rawBytes / ratio)} bytes), ` : "";
    const size = layerBytes[k - 1];
    const sizeText = size !== undefined ? `${size} bytes (ratio ${(rawBytes / size).toFixed(2)}:1), ` : "";
    const psnrTarget = options.psnr?.[k - 1];
    const ptarget = psnrTarget !== undefined ? `target ${psnrTarget} dB${options.psnrPeak === "range" ? " (peak: range)" : ""}, ` : "";
    lines.push(`layer ${k}: ${sizeText}${target}${ptarget}${what}`);
  }
  return lines.join("\n") + "\n";
}

/** max − min over all samples (the peak of `--psnr-peak range`). */
function sampleRange(image: J2kImage): number {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < image.data.length; i++) {
    const v = image.data[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi - lo;
}

/** PSNR in dB between two interleaved images of the same geometry (peak 2^bits − 1 unless given); Infinity when identical. */
export function psnr(a: J2kImage, b: J2kImage, peakValue?: number): number {
  const n = a.width * a.height * a.components;
  if (b.data.length < n || b.width !== a.width || b.height !== a.height || b.components !== a.components) {
    throw new J2kError("INTERNAL", "decoded image does not match the input geometry");
  }
  return psnrFromMse(mse(a.data.subarray(0, n), b.data.subarray(0, n)), peakValue ?? 2 ** a.bitDepth - 1);
}
