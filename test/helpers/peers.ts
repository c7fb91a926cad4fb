/**
 * Independent JPEG 2000 implementations for cross-checks:
 *
 * - {@link opjDecode} / {@link opjEncode}: OpenJPEG compiled to WebAssembly
 *   (`@cornerstonejs/codec-openjpeg/wasmjs`, an emscripten factory; the package main is a slow asm.js
 *   build). Limits of that wrapper that matter here (see ../shared/benchcorpus/PEERS.md and the
 *   wrapper source): it writes `image.x1 × image.y1` samples of component 0 (so image offsets and
 *   sub-sampled components come out wrong), packs at most 3 components and only 8-bit ones when
 *   there is more than one, clamps ≤8-bit output to 0..255 (signed ≤8-bit data is lost), converts
 *   sYCC / e-sYCC / CMYK to RGB itself; its encoder ignores code-block/tile/precinct settings,
 *   defaults to RPCL, forces MCT for >1 component, reads ≤8-bit input as unsigned bytes and crashes
 *   on >8-bit multi-component input. Like native opj_compress 2.5.0 it can write lossless RCT
 *   codestreams that no decoder (OpenJPEG, Grok) restores exactly — seen with a 4-pixel
 *   checkerboard at 2+ levels — so callers verify a peer's stream before relying on it. {@link opjDecodeComparable} and {@link opjEncodeSupported} say
 *   when a file or image is inside what the wrapper handles correctly.
 * - {@link nativeDecode} / {@link nativeEncode}: Debian's `opj_decompress` / `opj_compress`
 *   (libopenjp2-tools) and `grk_decompress` (grokj2k-tools) when they are on PATH
 *   ({@link nativeTools}); PGX output per component at its own resolution.
 * @module
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { readPgx, type RefImage } from "./images.js";
import { codestreamOf, isCodestream, isJp2, jp2Summary, readSiz } from "./jp2_boxes.js";

/** An image as the peers see it: pixel-interleaved samples. */
export interface PeerImage {
  width: number;
  height: number;
  components: number;
  bitDepth: number;
  signed: boolean;
  data: Uint8Array | Uint16Array | Int16Array | Int32Array;
}

/** A peer could not do what was asked (decode failure, unsupported input, missing tool). */
export class PeerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PeerError";
  }
}

// ---------------------------------------------------------------------------------------------
// OpenJPEG WebAssembly (cornerstone)
// ---------------------------------------------------------------------------------------------

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}
interface OpjDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  decodeSubResolution(reduce: number, layers: number): void;
  getFrameInfo(): FrameInfo;
  getDecodedBuffer(): Uint8ClampedArray;
  delete(): void;
}
interface OpjEncoder {
  getDecodedBuffer(frameInfo: FrameInfo): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  setDecompositions(levels: number): void;
  setQuality(lossless: boolean, layers: number): void;
  setCompressionRatio(layer: number, ratio: number): void;
  setProgressionOrder(order: number): void;
  encode(): void;
  delete(): void;
}
/** The parts of the emscripten module the helpers use. */
export interface OpjModule {
  J2KDecoder: new () => OpjDecoder;
  J2KEncoder: new () => OpjEncoder;
  getVersion?: () => string;
}

let opjModule: Promise<OpjModule> | null = null;

/** Load (once) the OpenJPEG WebAssembly build, with its printf output silenced. */
export function openJpegWasm(): Promise<OpjModule> {
  if (!opjModule) {
    const require = createRequire(import.meta.url);
    const factory = require("@cornerstonejs/codec-openjpeg/wasmjs") as (m: object) => Promise<OpjModule>;
    const wasmBinary = readFileSync(require.resolve("@cornerstonejs/codec-openjpeg/wasm"));
    opjModule = factory({ print: () => {}, printErr: () => {}, wasmBinary });
  }
  return opjModule;
}

/** Drop the cached module (after a WebAssembly trap its state cannot be trusted). */
function resetOpj(e: unknown): void {
  if (e instanceof WebAssembly.RuntimeError) opjModule = null;
}

const PROGRESSIONS = ["LRCP", "RLCP", "RPCL", "PCRL", "CPRL"] as const;

/** Decode options the WASM peer has (OpenJPEG cp_reduce / cp_layer). */
export interface OpjDecodeOptions {
  reduce?: number;
  /** Quality layers to decode (0 = all). */
  layers?: number;
}

/**
 * Decode with the OpenJPEG WebAssembly peer. Output: pixel-interleaved, 8-bit (clamped) or 16-bit.
 * Only meaningful for inputs {@link opjDecodeComparable} accepts.
 */
export async function opjDecode(bytes: Uint8Array, options: OpjDecodeOptions = {}): Promise<PeerImage> {
  const m = await openJpegWasm();
  const d = new m.J2KDecoder();
  try {
    d.getEncodedBuffer(bytes.length).set(bytes);
    if (options.reduce || options.layers) d.decodeSubResolution(options.reduce ?? 0, options.layers ?? 0);
    else d.decode();
    const fi = d.getFrameInfo();
    const raw = d.getDecodedBuffer();
    if (fi.width === 0 || fi.height === 0 || raw.length === 0) throw new PeerError("OpenJPEG (WASM) could not decode the input");
    let w = fi.width;
    let h = fi.height;
    for (let r = options.reduce ?? 0; r > 0; r--) {
      w = Math.ceil(w / 2);
      h = Math.ceil(h / 2);
    }
    const n = w * h * fi.componentCount;
    let data: PeerImage["data"];
    if (fi.bitsPerSample <= 8) data = new Uint8Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + n));
    else {
      const copy = raw.buffer.slice(raw.byteOffset, raw.byteOffset + 2 * n);
      data = fi.isSigned ? new Int16Array(copy) : new Uint16Array(copy);
    }
    if (data.length !== n) throw new PeerError(`OpenJPEG (WASM) returned ${data.length} samples, expected ${n}`);
    return { width: w, height: h, components: fi.componentCount, bitDepth: fi.bitsPerSample, signed: fi.isSigned, data };
  } catch (e) {
    resetOpj(e);
    if (e instanceof PeerError) throw e;
    throw new PeerError(`OpenJPEG (WASM) failed: ${typeof e === "number" ? `C++ exception ${e}` : String(e)}`);
  } finally {
    try {
      d.delete();
    } catch {
      /* a trapped module may not even delete */
    }
  }
}

/** Why a file is or is not inside what the WASM peer's decoder reproduces faithfully. */
export interface Verdict {
  ok: boolean;
  reason: string;
}

/**
 * Decide from the file's own headers (independent parse) whether the WASM peer's interleaved
 * output can be compared sample for sample with j2kit's interleaved `decode()` output.
 */
export function opjDecodeComparable(bytes: Uint8Array): Verdict {
  const cs = codestreamOf(bytes);
  const siz = cs && readSiz(cs);
  if (!siz) return { ok: false, reason: "no readable SIZ" };
  if (siz.XOsiz !== 0 || siz.YOsiz !== 0) return { ok: false, reason: "image offset (wrapper writes x1*y1 samples)" };
  if (siz.components.some((c) => c.dx !== 1 || c.dy !== 1)) return { ok: false, reason: "sub-sampled components (wrapper does not upsample)" };
  let channels = siz.components.length;
  let depths = siz.components.map((c) => c.bitDepth);
  let signed = siz.components.some((c) => c.signed);
  if (isJp2(bytes)) {
    const j = jp2Summary(bytes);
    const cs0 = j.colr[0];
    // The wrapper converts sYCC (18), e-sYCC (24) and CMYK (12) to RGB; it applies no ICC profile.
    if (cs0?.meth === 1 && (cs0.enumCS === 18 || cs0.enumCS === 24 || cs0.enumCS === 12)) {
      return { ok: false, reason: `colour space enum ${cs0.enumCS} is converted by the wrapper` };
    }
    if (j.hasPalette) {
      channels = j.paletteColumns;
      depths = Array(channels).fill(8); // checked again on the decoded image
      signed = false;
    }
  }
  if (channels !== 1 && channels !== 3) return { ok: false, reason: `${channels} channels (wrapper packs 1 or 3)` };
  if (new Set(depths).size !== 1) return { ok: false, reason: "components of different precision" };
  if (channels > 1 && depths[0]! > 8) return { ok: false, reason: ">8-bit multi-component output is not written by the wrapper" };
  if (depths[0]! > 16) return { ok: false, reason: ">16-bit samples" };
  if (signed && depths[0]! <= 8) return { ok: false, reason: "signed ≤8-bit samples are clamped to 0..255 by the wrapper" };
  return { ok: true, reason: "" };
}

/** Encode options for the peers. */
export interface PeerEncodeOptions {
  levels: number;
  lossless: true;
  progression?: (typeof PROGRESSIONS)[number];
}

/** Whether the WASM peer's encoder handles `image` correctly. */
export function opjEncodeSupported(image: Pick<PeerImage, "components" | "bitDepth" | "signed">): Verdict {
  if (image.components > 1 && image.bitDepth > 8) return { ok: false, reason: ">8-bit multi-component input crashes the wrapper" };
  if (image.signed && image.bitDepth <= 8) return { ok: false, reason: "≤8-bit input is read as unsigned bytes by the wrapper" };
  if (image.bitDepth > 16) return { ok: false, reason: ">16-bit input" };
  if (image.components === 2) return { ok: false, reason: "the wrapper forces MCT, which needs 3 components" };
  return { ok: true, reason: "" };
}

/** Encode losslessly with the OpenJPEG WebAssembly peer (raw J2K codestream, 64x64 blocks, LRCP by default). */
export async function opjEncode(image: PeerImage, options: PeerEncodeOptions): Promise<Uint8Array> {
  const verdict = opjEncodeSupported(image);
  if (!verdict.ok) throw new PeerError(`OpenJPEG (WASM) encoder: ${verdict.reason}`);
  const m = await openJpegWasm();
  const e = new m.J2KEncoder();
  try {
    const buf = e.getDecodedBuffer({
      width: image.width,
      height: image.height,
      bitsPerSample: image.bitDepth,
      componentCount: image.components,
      isSigned: image.signed,
    });
    const n = image.width * image.height * image.components;
    if (image.bitDepth <= 8) {
      for (let i = 0; i < n; i++) buf[i] = image.data[i]!;
    } else {
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      for (let i = 0; i < n; i++) dv.setUint16(2 * i, image.data[i]! & 0xffff, true);
    }
    e.setDecompositions(options.levels);
    e.setProgressionOrder(PROGRESSIONS.indexOf(options.progression ?? "LRCP"));
    e.encode();
    return e.getEncodedBuffer().slice();
  } catch (err) {
    resetOpj(err);
    throw new PeerError(`OpenJPEG (WASM) encoder failed: ${typeof err === "number" ? `C++ exception ${err}` : String(err)}`);
  } finally {
    try {
      e.delete();
    } catch {
      /* see opjDecode */
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Native command-line tools
// ---------------------------------------------------------------------------------------------

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const full = join(dir, name);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Paths of the native tools found on PATH (undefined when absent). */
export const nativeTools = {
  opjDecompress: onPath("opj_decompress"),
  opjCompress: onPath("opj_compress"),
  grkDecompress: onPath("grk_decompress"),
};

/** Install hint printed with skip reasons. */
export const NATIVE_HINT = "install libopenjp2-tools / grokj2k-tools (apt-get install -y libopenjp2-tools grokj2k-tools)";

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "j2kit-peer-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(tool: string, args: string[]): void {
  const r = spawnSync(tool, args, { encoding: "utf8", timeout: 120_000, maxBuffer: 16 << 20 });
  if (r.error) throw new PeerError(`${tool}: ${r.error.message}`);
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout || "").trim().split("\n").slice(-3).join(" | ");
    throw new PeerError(`${tool} exited with ${r.status ?? r.signal}: ${why}`);
  }
}

/** Options for {@link nativeDecode}. */
export interface NativeDecodeOptions {
  tool?: "opj" | "grk";
  reduce?: number;
  layers?: number;
  /** Decode only these components (`-c`; note that OpenJPEG then skips the inverse MCT). */
  components?: number[];
  /** Decode only this area of the image grid (`-d x0,y0,x1,y1`). */
  area?: [number, number, number, number];
}

/**
 * Decode with a native tool to PGX (one file per component, at the component's own resolution,
 * its own precision and signedness). Note: `opj_decompress` converts sYCC / e-sYCC / CMYK /
 * CIELab and ICC-tagged images before writing, and treats a raw 3-component codestream with
 * sub-sampled components 1 and 2 as YCC.
 */
export function nativeDecode(bytes: Uint8Array, options: NativeDecodeOptions = {}): RefImage {
  const tool = options.tool === "grk" ? nativeTools.grkDecompress : nativeTools.opjDecompress;
  if (!tool) throw new PeerError(`${options.tool === "grk" ? "grk_decompress" : "opj_decompress"} not on PATH (${NATIVE_HINT})`);
  return withTempDir((dir) => {
    const input = join(dir, isCodestream(bytes) ? "in.j2k" : "in.jp2");
    writeFileSync(input, bytes);
    const args = ["-i", input, "-o", join(dir, "out.pgx")];
    if (options.reduce) args.push("-r", String(options.reduce));
    if (options.layers) args.push("-l", String(options.layers));
    if (options.components) args.push("-c", options.components.join(","));
    if (options.area) args.push("-d", options.area.join(","));
    if (options.tool !== "grk") args.push("-quiet");
    run(tool, args);
    const files = readdirSync(dir)
      .map((f) => /^out_(\d+)\.pgx$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .sort((a, b) => Number(a[1]) - Number(b[1]));
    if (files.length === 0) throw new PeerError(`${tool} wrote no PGX output`);
    const pgx = files.map((m) => readPgx(new Uint8Array(readFileSync(join(dir, m[0])))));
    return {
      width: pgx[0]!.width,
      height: pgx[0]!.height,
      components: pgx.length,
      bitDepth: pgx.map((p) => p.bitDepth),
      signed: pgx.map((p) => p.signed),
      planes: pgx.map(({ width, height, data }) => ({ width, height, data })),
    };
  });
}

/**
 * Whether `opj_compress` (2.5.0) accepts `-F` raw parameters for this image: its check is written
 * `(!(w & h & ncomp & bitdepth)) == 0`, a bitwise AND, so it refuses every image where those four
 * numbers share a set bit (e.g. 13x11, 1 component, 1 bit).
 */
export function nativeEncodeSupported(image: Pick<PeerImage, "width" | "height" | "components" | "bitDepth">): Verdict {
  if ((image.width & image.height & image.components & image.bitDepth) !== 0) {
    return { ok: false, reason: "opj_compress rejects -F parameters whose bitwise AND is non-zero" };
  }
  if (image.bitDepth > 16) return { ok: false, reason: ">16-bit raw input" };
  return { ok: true, reason: "" };
}

/**
 * Encode losslessly with native `opj_compress` from raw samples (`-F`), 64x64 code-blocks, LRCP,
 * one tile, MCT for 3+ components (the tool's default).
 */
export function nativeEncode(image: PeerImage, options: PeerEncodeOptions): Uint8Array {
  const tool = nativeTools.opjCompress;
  if (!tool) throw new PeerError(`opj_compress not on PATH (${NATIVE_HINT})`);
  const verdict = nativeEncodeSupported(image);
  if (!verdict.ok) throw new PeerError(`opj_compress: ${verdict.reason}`);
  return withTempDir((dir) => {
    const bps = image.bitDepth <= 8 ? 1 : 2;
    const n = image.width * image.height;
    // .rawl = little-endian, component planes one after another.
    const raw = new Uint8Array(n * image.components * bps);
    const dv = new DataView(raw.buffer);
    for (let c = 0; c < image.components; c++) {
      for (let i = 0; i < n; i++) {
        const v = image.data[i * image.components + c]!;
        if (bps === 1) dv.setUint8(c * n + i, v & 0xff);
        else dv.setUint16(2 * (c * n + i), v & 0xffff, true);
      }
    }
    const input = join(dir, "in.rawl");
    const output = join(dir, "out.j2k");
    writeFileSync(input, raw);
    const F = `${image.width},${image.height},${image.components},${image.bitDepth},${image.signed ? "s" : "u"}`;
    run(tool, ["-i", input, "-F", F, "-o", output, "-n", String(options.levels + 1), "-b", "64,64", "-p", options.progression ?? "LRCP"]);
    return new Uint8Array(readFileSync(output));
  });
}

/**
 * The native command-line peers under one name: `available` says which tools are on PATH,
 * `decode` (opj_decompress, or grk_decompress with `{ tool: "grk" }`) and `encode`
 * (opj_compress) as {@link nativeDecode} / {@link nativeEncode}.
 */
export const nativeOpj = {
  available: nativeTools,
  decode: nativeDecode,
  encode: nativeEncode,
  encodeSupported: nativeEncodeSupported,
};
