/**
 * Image files for the CLI: reading encoder input (PGM/PPM, PGX sets, PNG, raw) and writing decoder
 * output (PGM/PPM, PGX per component, PNG, raw planes) through the file system.
 * @module
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { J2kError } from "../errors.js";
import { readPgx, writePgx, pgxComponentsToImage, type PgxComponent } from "../io/pgx.js";
import { readPng, writePng } from "../io/png.js";
import { readPnm, writePnm } from "../io/pnm.js";
import { readRaw, writeRaw, type RawLayout } from "../io/raw.js";
import { sampleArrayFor } from "../samples.js";
import type { DecodedImage, J2kImage, SampleArray } from "../types.js";
import { STDIO, type CliIo } from "./args.js";

/** Lower-case extension of `path` including the dot (`""` if none). */
export function extensionOf(path: string): string {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const dot = path.lastIndexOf(".");
  return dot > slash + 1 ? path.slice(dot).toLowerCase() : "";
}

function systemReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case "ENOENT": return "no such file or directory";
    case "EACCES": case "EPERM": return "permission denied";
    case "EISDIR": return "it is a directory";
    case "ENOTDIR": return "a parent is not a directory";
    case "ENOSPC": return "no space left on the device";
    default: return e instanceof Error ? e.message : String(e);
  }
}

/** Read a whole file; a failure becomes a J2kError naming the file. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new J2kError("INVALID_ARGUMENT", `cannot read '${path}': ${systemReason(e)}`, { cause: e });
  }
}

/** Write a whole file; a failure becomes a J2kError naming the file. */
export async function writeFileBytes(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (e) {
    throw new J2kError("INVALID_ARGUMENT", `cannot write '${path}': ${systemReason(e)}`, { cause: e });
  }
}

/** How the input of `j2kit encode` is to be read. */
export interface InputImageOptions {
  /** PNM/PNG: samples are signed values offset by 2^(bits−1); raw: two's complement. */
  signed?: boolean;
  /** Geometry of a raw file (required for `.raw`). */
  raw?: Omit<RawLayout, "signed">;
}

/** An input image plus how its `data` is laid out (see {@link pgxComponentsToImage}). */
export interface InputImage {
  image: J2kImage;
  planar: boolean;
  subsampling?: Array<[number, number]>;
  /** The file(s) read (`-` for standard input). */
  files: string[];
  /**
   * The last component is an alpha channel of the input format itself: PNG colour types 4 and 6
   * (and palettes with tRNS), whose alpha is straight, not premultiplied (PNG §3.1 "alpha",
   * §12.3).
   */
  alpha?: "straight";
}

type InputKind = "pnm" | "pgx" | "png" | "raw";

function kindFromExtension(ext: string): InputKind | null {
  switch (ext) {
    case ".pgm": case ".ppm": case ".pnm": return "pnm";
    case ".pgx": return "pgx";
    case ".png": return "png";
    case ".raw": return "raw";
    default: return null;
  }
}

function kindFromContent(b: Uint8Array): InputKind | null {
  if (b[0] === 0x50 && b[1] !== undefined && [0x32, 0x33, 0x35, 0x36].includes(b[1])) return "pnm";
  if (b[0] === 0x50 && b[1] === 0x47) return "pgx";
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "png";
  return null;
}

/** Image formats people try to encode that the CLI does not read, by their first bytes. */
const UNREAD_FORMATS: ReadonlyArray<{ name: string; test: (b: Uint8Array) => boolean }> = [
  { name: "JPEG", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff }, // SOI + a marker (ISO/IEC 10918-1 B.1.1.2)
  { name: "TIFF", test: (b) => (b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a) },
  { name: "GIF", test: (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 },
  { name: "BMP", test: (b) => b[0] === 0x42 && b[1] === 0x4d && b.length > 26 },
  { name: "WebP", test: (b) => ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP" },
];

function ascii(b: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...b.subarray(start, end));
}

/** A JPEG 2000 codestream (SOC SIZ) or JP2/JPX file (signature box). */
export function isJpeg2000(b: Uint8Array): boolean {
  const soc = b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51;
  return soc || (b.length >= 12 && b[3] === 12 && ascii(b, 4, 8) === "jP  ");
}

/**
 * The error for input whose format the CLI does not read: formats it recognises (JPEG, TIFF, ...)
 * get "X input is not supported" and how to convert them; anything else the list of formats read.
 */
function unreadFormat(name: string, bytes: Uint8Array): J2kError {
  const what = name === STDIO ? "standard input" : `'${name}'`;
  if (isJpeg2000(bytes)) {
    return new J2kError("INPUT_FORMAT", `${what} is already JPEG 2000: encode reads PGM/PPM, PGX, PNG or raw images (to re-encode, decode it first: j2kit decode in.jp2 out.png)`);
  }
  const known = UNREAD_FORMATS.find((f) => f.test(bytes));
  if (known !== undefined) {
    const example = known.name === "JPEG" ? "djpeg -pnm in.jpg > in.ppm (libjpeg-turbo), or convert in.jpg in.png (ImageMagick)" : `convert in.${known.name.toLowerCase()} in.png (ImageMagick)`;
    return new J2kError(
      "INPUT_FORMAT",
      `${known.name} input is not supported (${what}): j2kit encode reads PGM/PPM, PGX, PNG and raw; convert it first, e.g. ${example}, then encode that file`,
    );
  }
  return new J2kError("INPUT_FORMAT", `cannot tell the image format of ${what}: use a .pgm, .ppm, .pgx, .png or .raw file (or give --size and --bits for raw samples)`);
}

/**
 * Refuse input to `decode`/`info` that is plainly another image format (JPEG, TIFF, ...), naming
 * it; anything else is left to the decoder, whose errors say what is wrong with a codestream.
 */
export function refuseNonJpeg2000(name: string, bytes: Uint8Array): void {
  if (isJpeg2000(bytes)) return;
  const known = UNREAD_FORMATS.find((f) => f.test(bytes));
  if (known === undefined) return;
  const what = name === STDIO ? "standard input" : `'${name}'`;
  throw new J2kError("NOT_A_CODESTREAM", `${what} is a ${known.name} file, not JPEG 2000: j2kit decodes JPEG 2000 codestreams and JP2/JPX files`, { offset: 0 });
}

/** The bytes of `path`, or of standard input for `-`. */
export async function readSourceBytes(path: string, io: CliIo | undefined): Promise<Uint8Array> {
  if (path !== STDIO) return readFileBytes(path);
  if (io?.stdin === undefined) throw new J2kError("INVALID_ARGUMENT", "'-' (standard input) is not available here");
  return io.stdin();
}

/** Write `bytes` to `path`, or to standard output for `-`. */
export async function writeTargetBytes(path: string, bytes: Uint8Array, io: CliIo | undefined): Promise<void> {
  if (path !== STDIO) return writeFileBytes(path, bytes);
  if (io?.stdoutBytes === undefined) throw new J2kError("INVALID_ARGUMENT", "'-' (standard output) is not available here");
  return io.stdoutBytes(bytes);
}

/**
 * Read the image to encode. The format comes from the extension (`.pgm`, `.ppm`, `.pnm`, `.pgx`,
 * `.png`, `.raw`; any other name is raw when `options.raw` is given), else from the first bytes
 * (always for `-`, standard input). A `name.pgx` that does not exist is read as the set
 * `name_0.pgx`, `name_1.pgx`, ... (one file per component).
 */
export async function readInputImage(path: string, options: InputImageOptions = {}, io?: CliIo): Promise<InputImage> {
  let kind = path === STDIO ? null : kindFromExtension(extensionOf(path));
  if (kind === "raw" && options.raw === undefined) {
    throw new J2kError("INVALID_ARGUMENT", `raw input '${path}' needs --size WxH and --bits N (and --components, --signed, --endian as they apply)`);
  }
  if (options.raw !== undefined) {
    // A raw layout on the command line makes any file without a known image extension raw.
    if (kind !== null && kind !== "raw") {
      throw new J2kError("INVALID_ARGUMENT", `--size/--bits/--components/--endian describe raw input; '${path}' is a ${kind.toUpperCase()} file`);
    }
    kind = "raw";
  }
  if (kind === "pgx") {
    if (options.signed) throw new J2kError("INVALID_ARGUMENT", "--signed does not apply to PGX input: each PGX file states its own sign");
    return readPgxInput(path);
  }
  const bytes = await readSourceBytes(path, io);
  kind ??= kindFromContent(bytes);
  switch (kind) {
    case "pnm":
      return { image: readPnm(bytes, { signed: options.signed === true }), planar: false, files: [path] };
    case "png": {
      const image = readPng(bytes);
      const alpha = image.components === 2 || image.components === 4 ? { alpha: "straight" as const } : {};
      return { image: options.signed ? offsetToSigned(image) : image, planar: false, files: [path], ...alpha };
    }
    case "raw":
      return { image: readRaw(bytes, { ...options.raw!, signed: options.signed === true }), planar: false, files: [path] };
    case "pgx":
      if (options.signed) throw new J2kError("INVALID_ARGUMENT", "--signed does not apply to PGX input: each PGX file states its own sign");
      return { ...pgxComponentsToImage([readPgx(bytes)]), files: [path] };
    default:
      throw unreadFormat(path, bytes);
  }
}

/** Largest number of `name_<c>.pgx` files looked for (the Csiz limit, A.5.1). */
const MAX_PGX_COMPONENTS = 16384;

async function readPgxInput(path: string): Promise<InputImage> {
  if (existsSync(path)) {
    return { ...pgxComponentsToImage([readPgx(await readFileBytes(path))]), files: [path] };
  }
  const base = path.slice(0, path.length - ".pgx".length);
  const files: string[] = [];
  const components: PgxComponent[] = [];
  for (let c = 0; c < MAX_PGX_COMPONENTS; c++) {
    const name = `${base}_${c}.pgx`;
    if (!existsSync(name)) break;
    files.push(name);
    try {
      components.push(readPgx(await readFileBytes(name)));
    } catch (e) {
      if (e instanceof J2kError) throw new J2kError(e.code, `${name}: ${e.message}`, { cause: e });
      throw e;
    }
  }
  if (components.length === 0) {
    throw new J2kError("INVALID_ARGUMENT", `cannot read '${path}': no such file, and no '${base}_0.pgx' either`);
  }
  return { ...pgxComponentsToImage(components), files };
}

/** Unsigned samples stored with an offset of 2^(bits−1) → signed samples. */
function offsetToSigned(image: J2kImage): J2kImage {
  const offset = 2 ** (image.bitDepth - 1);
  const data = sampleArrayFor(image.bitDepth, true, image.data.length);
  for (let i = 0; i < data.length; i++) data[i] = image.data[i]! - offset;
  return { ...image, signed: true, data };
}

/** Output formats of `j2kit decode`. */
export type OutputKind = "pgm" | "ppm" | "pnm" | "pgx" | "png" | "raw";

/** Output kind from an extension, or null. */
export function outputKindOf(path: string): OutputKind | null {
  const ext = extensionOf(path);
  switch (ext) {
    case ".pgm": case ".ppm": case ".pnm": case ".pgx": case ".png": case ".raw": return ext.slice(1) as OutputKind;
    default: return null;
  }
}

/** The layout to ask the decoder for, given the output kind. */
export function layoutFor(kind: OutputKind): "interleaved" | "components" {
  return kind === "pgx" || kind === "raw" ? "components" : "interleaved";
}

/** One component plane of a decoded image. */
export interface ComponentPlane {
  width: number;
  height: number;
  bitDepth: number;
  signed: boolean;
  data: SampleArray;
}

/**
 * The component planes of a decoded image, whatever its layout: `componentData` at each
 * component's own size for layout `"components"`, otherwise cut out of `data`.
 */
export function componentPlanes(image: DecodedImage): ComponentPlane[] {
  const n = image.components;
  const planes: ComponentPlane[] = [];
  for (let c = 0; c < n; c++) {
    const info = image.componentInfo?.[c];
    const bitDepth = info?.bitDepth ?? image.bitDepth;
    const signed = info?.signed ?? image.signed;
    if (image.layout === "components") {
      const data = image.componentData?.[c];
      if (data === undefined || info === undefined) {
        throw new J2kError("INTERNAL", `decoder returned no data for component ${c} with layout "components"`);
      }
      if (data.length !== info.width * info.height) {
        throw new J2kError(
          "INTERNAL",
          `decoder returned ${data.length} samples for component ${c}, but its componentInfo says ${info.width}x${info.height}`,
        );
      }
      planes.push({ width: info.width, height: info.height, bitDepth, signed, data });
      continue;
    }
    const pixels = image.width * image.height;
    const data = sampleArrayFor(bitDepth, signed, pixels);
    if (image.layout === "planar") data.set(image.data.subarray(c * pixels, (c + 1) * pixels));
    else for (let i = 0, s = c; i < pixels; i++, s += n) data[i] = image.data[s]!;
    planes.push({ width: image.width, height: image.height, bitDepth, signed, data });
  }
  return planes;
}

/** `dir/name.pgx` → `dir/name_<c>.pgx`. */
export function pgxComponentPath(path: string, c: number): string {
  return `${path.slice(0, path.length - extensionOf(path).length)}_${c}.pgx`;
}

/**
 * Write a decoded image as `kind` to `path` (PGX: one file per component, `<base>_<c>.pgx`;
 * `-`: standard output, any kind but PGX). Returns the files written.
 */
export async function writeOutputImage(
  path: string,
  kind: OutputKind,
  image: DecodedImage,
  rawLittleEndian: boolean,
  io?: CliIo,
): Promise<string[]> {
  if (kind === "pgx") {
    if (path === STDIO) throw new J2kError("INVALID_ARGUMENT", "PGX output is one file per component and cannot go to standard output: give a file name, or use --output-format png, pgm, ppm or raw");
    const planes = componentPlanes(image);
    const files: string[] = [];
    for (let c = 0; c < planes.length; c++) {
      const name = pgxComponentPath(path, c);
      await writeFileBytes(name, writePgx(planes[c]!));
      files.push(name);
    }
    return files;
  }
  await writeTargetBytes(path, encodeOutputImage(path, kind, image, rawLittleEndian), io);
  return [path];
}

/** The bytes of a decoded image as a single-file `kind` (not PGX); `path` names it in errors. */
export function encodeOutputImage(path: string, kind: Exclude<OutputKind, "pgx">, image: DecodedImage, rawLittleEndian: boolean): Uint8Array {
  const n = image.components;
  const suggest = "use .pgx (any number of components and bits, one file each)";
  const where = path === STDIO ? "standard output" : `'${path}'`;
  if (kind === "raw") return writeRaw(componentPlanes(image), rawLittleEndian);
  if (image.bitDepth > 16) {
    throw new J2kError("INVALID_ARGUMENT", `cannot write ${image.bitDepth}-bit samples to ${where}: ${kind.toUpperCase()} holds at most 16 bits; ${suggest}`);
  }
  const interleaved = image.layout === "interleaved" ? image : interleave(image);
  if (kind === "png") {
    if (n > 4) throw new J2kError("INVALID_ARGUMENT", `cannot write ${n} components to ${where}: PNG holds 1 to 4; ${suggest}`);
    return writePng(interleaved);
  }
  const fits = kind === "pgm" ? n === 1 : n === 1 || n === 3;
  if (!fits) {
    const holds = kind === "pgm" ? "PGM holds 1 component" : `${kind.toUpperCase()} holds 1 or 3 components`;
    const use = n === 3 ? ".ppm (3), .png (1-4) or .pgx (any number)" : n <= 4 ? ".png (1-4) or .pgx (any number)" : ".pgx (any number)";
    throw new J2kError("INVALID_ARGUMENT", `cannot write ${n} components to ${where}: ${holds}; use ${use}`);
  }
  return writePnm(interleaved);
}

function interleave(image: DecodedImage): J2kImage {
  const planes = componentPlanes(image);
  const n = planes.length;
  for (const p of planes) {
    if (p.width !== image.width || p.height !== image.height) {
      throw new J2kError("INTERNAL", "component planes differ in size; cannot interleave them");
    }
  }
  const pixels = image.width * image.height;
  const data = sampleArrayFor(image.bitDepth, image.signed, pixels * n);
  for (let c = 0; c < n; c++) {
    const src = planes[c]!.data;
    for (let i = 0, o = c; i < pixels; i++, o += n) data[o] = src[i]!;
  }
  return { width: image.width, height: image.height, components: n, bitDepth: image.bitDepth, signed: image.signed, data };
}
