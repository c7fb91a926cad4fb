/**
 * Transcoding between the Part 1 (EBCOT) and the HT (ISO/IEC 15444-15) block coders:
 * {@link transcodeBlockCoder}.
 *
 * HOW (the default, `method: "coefficients"`): in the core (codec/transcode.ts), at the level of the
 * quantised coefficients — no dequantisation, no DWT, no MCT. Every code-block is decoded by its own
 * block coder (all layers) and coded again by the other one, down to the same coding pass; SIZ, COD
 * (but the code-block style), QCD/QCC (the same steps and guard bits), tiles, precincts, progression,
 * POC, SOP/EPH, per-component COC, ROI (RGN), tile-part COD/COC/QCD/QCC/RGN/POC and (on request of
 * the input's layout) TLM, PLT and tile-parts by resolution or component stay. This works for irreversible (9/7) input as well as reversible: the
 * output decodes to the same samples because every code-block decodes to the same values. Truncated
 * code-blocks (lossy rate control, layers dropped, an HT set with SigProp only) are coded up to the
 * same pass and checked block by block in the core; one that would decode differently refuses the run.
 *
 * What is not kept, with a warning: quality layers (the output has one layer with everything the
 * input's layers had), COM marker segments, packed packet headers (PPM/PPT: the headers go in the
 * bit stream), Part 1 code-block style flags other than `vcausal` for HT output, and a tile-part split
 * that is neither by resolution nor by component.
 *
 * The old path (`method: "reencode"`: full decode and lossless re-encode with the same structure,
 * output verified sample by sample) is used only for reversible input the coefficient path refuses: a
 * tile with samples but no tile-part, packets ending before the tile's last packet, more magnitude
 * bit-planes than the 32-bit block coders carry (and the re-encode then refuses what does not decode
 * cleanly). Irreversible input the coefficient path refuses is refused with `UNSUPPORTED` (a lossless
 * re-encode would make a lossy stream several times larger).
 *
 * An input already coded with the target block coder is returned unchanged (with a warning).
 * JP2 / JPH files keep every box as it is; the codestream box is replaced and the File Type box's
 * brand and compatibility entry switch between 'jp2 ' and 'jph ' (ISO/IEC 15444-15 Annex D). JPX
 * files are refused.
 * @module
 */
import { J2kError } from "./errors.js";
import { decode } from "./decode.js";
import { encodeDetailed } from "./encode.js";
import { readHeaderAndLayout } from "./header.js";
import { CodestreamIndex } from "./codestream/codestream_index.js";
import { memorySource } from "./codestream/source.js";
import { PROGRESSIONS } from "./core_header.js";
import { readLayout } from "./range/boxes.js";
import { callCore, copyIn } from "./wasm/load.js";
import { DEFAULT_LIMITS, MAX_CODEBLOCKS_PER_TILE, checkTileComponentCount } from "./decode_plan.js";
import { TilePartSplit, TranscodeInfo, TranscodeStatus } from "./core_interface.js";
import type { DecodedImage, EncodeOptions, HeaderInfo, J2kImage, Limits, ProgressionOrder, SampleArray } from "./types.js";
import { joinBytes } from "./io/bytes.js";

/** Options of {@link transcodeBlockCoder}. */
export interface TranscodeBlockCoderOptions {
  /** Block coder of the output: `"ht"` (ISO/IEC 15444-15) or `"part1"` (EBCOT, ISO/IEC 15444-1). */
  to: "ht" | "part1";
  /** Resource limits (memory of the core job, decodes). */
  limits?: Limits;
  /**
   * `"auto"` (default): coefficient-level transcoding, falling back to decode + lossless re-encode
   * for reversible input it cannot handle (the warnings say why). `"coefficients"`: never fall back
   * (`UNSUPPORTED` instead). `"reencode"`: always decode and re-encode (reversible input only).
   */
  method?: "auto" | "coefficients" | "reencode";
  /**
   * Also decode the input and the output with j2kit and compare every sample (an `INTERNAL` error if
   * they differ). The re-encode path always does; the coefficient path checks truncated code-blocks
   * in the core and, with `verify`, additionally the whole image. Default false.
   */
  verify?: boolean;
}

/** Result of {@link transcodeBlockCoder}. */
export interface TranscodeBlockCoderResult {
  /** The output file: a raw codestream for a codestream input, a JP2 / JPH file for a JP2 / JPH input. */
  data: Uint8Array;
  /** Block coder of the input. */
  from: "part1" | "ht" | "mixed";
  to: "ht" | "part1";
  /**
   * How: re-coded quantised coefficients, full decode + lossless re-encode, or the input returned
   * unchanged (already in the target block coder).
   */
  method: "coefficients" | "reencode" | "unchanged";
  /** Both were decoded and compared sample by sample (re-encode path, or `verify: true`). */
  verified: boolean;
  /** Coefficient path: code-blocks re-coded, of which truncated (coded up to the input's last pass), and those checked block by block in the core. */
  blocks?: { coded: number; truncated: number; checked: number };
  /** What of the input's structure could not be kept, and other notes. */
  warnings: string[];
}

function unsupported(why: string): J2kError {
  return new J2kError("UNSUPPORTED", `transcodeBlockCoder: ${why}`);
}

/** Tile-part facts of the input that readHeader does not give (Annex A.4.2, A.7.1). */
interface TilePartFacts {
  maxPartsPerTile: number;
  plt: boolean;
  ppt: boolean;
  tilePartOverrides: boolean;
}

async function tilePartFacts(cs: Uint8Array): Promise<{ index: CodestreamIndex; facts: TilePartFacts }> {
  const index = await CodestreamIndex.open(memorySource(cs));
  const parts = await index.allTileParts();
  const perTile = new Map<number, number>();
  let plt = false;
  let ppt = false;
  let overrides = false;
  for (const p of parts) perTile.set(p.tile, (perTile.get(p.tile) ?? 0) + 1);
  // marker segments of each tile-part header, between SOT's segment and SOD (A.4.2)
  for (const p of parts) {
    let o = p.offset + 12;
    const end = Math.min(cs.length, p.offset + p.length);
    while (o + 4 <= end) {
      const m = (cs[o]! << 8) | cs[o + 1]!;
      if (m === 0xff93) break; // SOD
      const L = (cs[o + 2]! << 8) | cs[o + 3]!;
      if (m === 0xff58) plt = true;
      else if (m === 0xff61) ppt = true;
      else if (m === 0xff52 || m === 0xff53 || m === 0xff5c || m === 0xff5d || m === 0xff5f || m === 0xff5e) overrides = true;
      if (L < 2) break;
      o += 2 + L;
    }
  }
  return { index, facts: { maxPartsPerTile: Math.max(1, ...perTile.values()), plt, ppt, tilePartOverrides: overrides } };
}

/**
 * The same facts from the core's marker log (the coefficient path; CodestreamIndex refuses mixed
 * HT / Part 1 code-block styles): tile-parts per tile, PLT / PPT in tile-part headers, TLM / PPM in
 * the main header.
 */
function layoutFacts(cs: Uint8Array): { h: HeaderInfo; facts: TilePartFacts; tlm: boolean; ppm: boolean } {
  const { info, layout } = readHeaderAndLayout(cs);
  const perTile = new Map<number, number>();
  for (const p of layout.tileParts) perTile.set(p.tile, (perTile.get(p.tile) ?? 0) + 1);
  const inParts = (code: number) => layout.markers.some((m) => m.code === code && m.tilePart >= 0);
  const inMain = (code: number) => layout.markers.some((m) => m.code === code && m.tilePart < 0);
  const facts: TilePartFacts = {
    maxPartsPerTile: Math.max(1, ...perTile.values()),
    plt: inParts(0xff58),
    ppt: inParts(0xff61),
    tilePartOverrides: [0xff52, 0xff53, 0xff5c, 0xff5d, 0xff5f, 0xff5e].some(inParts),
  };
  return { h: info, facts, tlm: inMain(0xff55), ppm: inMain(0xff60) };
}

/** What the encoder cannot write, as a reason; undefined when the image can be re-encoded. */
function checkEncodable(h: HeaderInfo, index: CodestreamIndex): string | undefined {
  if (!h.reversible || index.main.coc.some((c) => c !== undefined && !c.reversible)) {
    return "the input is irreversibly (9/7) coded; only reversible (5/3, lossless) codestreams are transcoded (a lossless re-encode of a lossy stream would keep its image but make it several times larger)";
  }
  if (h.components > 4) return `the input has ${h.components} components; the encoder writes 1 to 4`;
  const c0 = h.componentInfo[0]!;
  for (const c of h.componentInfo) {
    if (c.bitDepth !== c0.bitDepth || c.signed !== c0.signed) return "the components differ in precision or signedness, which the encoder cannot write";
  }
  if (c0.bitDepth > 24) return `the input precision is ${c0.bitDepth} bits; the encoder writes at most 24`;
  return undefined;
}

function encodeOptionsFor(h: HeaderInfo, index: CodestreamIndex, facts: TilePartFacts, to: "ht" | "part1", warnings: string[]): EncodeOptions {
  const o: EncodeOptions = {
    format: "j2k",
    lossless: true,
    ht: to === "ht",
    levels: h.levels,
    codeBlock: [h.codeBlockWidth, h.codeBlockHeight],
    mct: h.mct,
    progression: h.progression,
    origin: { x: h.x0, y: h.y0 },
    tile: { width: h.tileWidth, height: h.tileHeight, x0: h.tileX0, y0: h.tileY0 },
    guardBits: h.guardBits,
    sop: h.sop,
    eph: h.eph,
    tlm: index.main.tlm.length > 0,
    plt: facts.plt,
  };
  // header precincts are lowest resolution first; the encoder takes them highest first
  if (h.precincts !== undefined) o.precincts = [...h.precincts].reverse();
  const flags = h.codeBlockStyle.filter((f) => f === "vcausal");
  const dropped = h.codeBlockStyle.filter((f) => f !== "vcausal");
  if (flags.length > 0) o.codeBlockStyle = flags;
  if (dropped.length > 0) warnings.push(`code-block style ${dropped.join(", ")} has no meaning for ${to === "ht" ? "HT" : "the Part 1 re-encode"} and is dropped`);
  if (index.main.poc.length > 0) {
    o.poc = index.main.poc.map((p) => ({
      progression: PROGRESSIONS[p.Ppoc] as ProgressionOrder,
      layerEnd: 1,
      resolutionStart: p.RSpoc,
      resolutionEnd: Math.min(p.REpoc, h.levels + 1),
      componentStart: p.CSpoc,
      componentEnd: Math.min(p.CEpoc, h.components),
    })).filter((p) => p.resolutionEnd > p.resolutionStart && p.componentEnd > p.componentStart);
    if (o.poc.length === 0) delete o.poc;
  }
  if (facts.maxPartsPerTile > 1) {
    if (facts.maxPartsPerTile === h.levels + 1) o.tileParts = "R";
    else if (facts.maxPartsPerTile === h.components) o.tileParts = "C";
    else warnings.push(`the input splits tiles into up to ${facts.maxPartsPerTile} tile-parts, neither by resolution nor by component; the output has one tile-part per tile`);
  }
  if (h.layers > 1) warnings.push(`the input has ${h.layers} quality layers; the output has one (lossless) layer`);
  if (h.comments.length > 0) warnings.push(`${h.comments.length} COM marker segment(s) not copied`);
  if (index.main.ppm !== undefined || facts.ppt) warnings.push("packed packet headers (PPM/PPT) are not kept: the output has its packet headers in the bit stream");
  if (facts.tilePartOverrides) warnings.push("tile-part COD/COC/QCD/QCC/POC/RGN marker segments are not kept: the output codes every tile with the main header's parameters");
  return o;
}

/** Every component plane at its own resolution, one after another (as `encode({ planar: true })` takes them). */
function planesOf(img: DecodedImage): SampleArray {
  const planes = img.componentData!;
  let n = 0;
  for (const p of planes) n += p.length;
  const Ctor = planes[0]!.constructor as new (n: number) => SampleArray;
  const out = new Ctor(n);
  let at = 0;
  for (const p of planes) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sameSamples(a: SampleArray, b: SampleArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The File Type box's contents with 'jp2 ' and 'jph ' swapped for the target block coder. */
function retargetFileType(content: Uint8Array, to: "ht" | "part1"): Uint8Array {
  const out = content.slice();
  const want = to === "ht" ? "jph " : "jp2 ";
  const other = to === "ht" ? "jp2 " : "jph ";
  const at = (o: number) => String.fromCharCode(out[o]!, out[o + 1]!, out[o + 2]!, out[o + 3]!);
  const put = (o: number, s: string) => out.set([...s].map((ch) => ch.charCodeAt(0)), o);
  if (at(0) === other) put(0, want);
  let hasWant = false;
  for (let o = 8; o + 4 <= out.length; o += 4) {
    if (at(o) === other) put(o, want);
    if (at(o) === want) hasWant = true;
  }
  if (!hasWant) throw unsupported(`the File Type box lists neither 'jp2 ' nor 'jph ' as compatible; cannot re-brand it`);
  return out;
}

function boxHeader(type: string, contentLength: number): Uint8Array {
  const total = contentLength + 8;
  if (total > 0xffffffff) {
    const big = contentLength + 16;
    const h = new Uint8Array(16);
    const v = new DataView(h.buffer);
    v.setUint32(0, 1);
    for (let i = 0; i < 4; i++) h[4 + i] = type.charCodeAt(i);
    v.setUint32(8, Math.floor(big / 2 ** 32));
    v.setUint32(12, big >>> 0);
    return h;
  }
  const h = new Uint8Array(8);
  new DataView(h.buffer).setUint32(0, total);
  for (let i = 0; i < 4; i++) h[4 + i] = type.charCodeAt(i);
  return h;
}

/** The transcoder core's refusals, as reasons a person can act on. */
const STATUS_REASONS: Record<number, string> = {
  [TranscodeStatus.missingTile]: "a tile with samples has no tile-part (it decodes to 0, which empty output packets would not)",
  [TranscodeStatus.shortTile]: "a tile's packets end before its last packet",
  [TranscodeStatus.bitplanes]: "a code-block has more magnitude bit-planes than the 32-bit block coders carry",
  [TranscodeStatus.structure]: "the output's code-block structure does not match the input's",
  [TranscodeStatus.blockNotExact]: "a truncated code-block cannot be re-coded by the other block coder to decode to the same values",
};

interface CoefficientRun {
  ok: boolean;
  status: number;
  where: string;
  data?: Uint8Array;
  blocks?: { coded: number; truncated: number; checked: number };
}

/** Coefficient-level transcoding in the core (codec/transcode.ts). */
function transcodeCoefficients(cs: Uint8Array, to: "ht" | "part1", tileParts: number, tlm: boolean, plt: boolean, limits: Required<Limits>): CoefficientRun {
  return callCore((c) => {
    const ptr = copyIn(c, cs);
    const status = c.transcoderRun(ptr, cs.length, to === "ht" ? 1 : 0, tileParts, tlm ? 1 : 0, plt ? 1 : 0, MAX_CODEBLOCKS_PER_TILE, 0);
    if (status !== TranscodeStatus.ok) {
      const t = c.transcoderInfo(TranscodeInfo.failTile);
      const k = c.transcoderInfo(TranscodeInfo.failComponent);
      const where = [t >= 0 ? `tile ${t}` : "", k >= 0 ? `component ${k}` : ""].filter((x) => x !== "").join(", ");
      return { ok: false, status, where };
    }
    const out = c.transcoderOutput();
    const len = c.transcoderOutputLength();
    return {
      ok: true,
      status,
      where: "",
      data: new Uint8Array(c.memory.buffer, out, len).slice(),
      blocks: {
        coded: c.transcoderInfo(TranscodeInfo.blocks),
        truncated: c.transcoderInfo(TranscodeInfo.truncatedBlocks),
        checked: c.transcoderInfo(TranscodeInfo.verifiedBlocks),
      },
    };
  }, limits.maxMemory, "encode");
}

/** Component planes of two codestreams decode to the same samples (j2kit's decoder). */
function sameDecode(a: Uint8Array, b: Uint8Array, limits: Limits | undefined): boolean {
  const o = { layout: "components" as const, ...(limits ? { limits } : {}) };
  const x = decode(a, o);
  const y = decode(b, o);
  return x.components === y.components && sameSamples(planesOf(x), planesOf(y));
}

/** The decode + lossless re-encode path (reversible input only). */
function reencode(cs: Uint8Array, h: HeaderInfo, index: CodestreamIndex, facts: TilePartFacts, to: "ht" | "part1", limits: Limits | undefined, warnings: string[]): Uint8Array {
  const why = checkEncodable(h, index);
  if (why !== undefined) throw unsupported(why);
  const decodeOptions = { layout: "components" as const, ...(limits ? { limits } : {}) };
  const source = decode(cs, decodeOptions);
  if (source.warnings.length > 0) {
    throw unsupported(`the input does not decode cleanly (${source.warnings.join("; ")}); a transcode would not keep it as it is`);
  }
  // component planes at their own resolution (sub-sampled components stay sub-sampled)
  const samples = planesOf(source);
  const image: J2kImage = { width: h.width, height: h.height, components: h.components, bitDepth: source.bitDepth, signed: source.signed, data: samples };
  const encodeOptions = encodeOptionsFor(h, index, facts, to, warnings);
  encodeOptions.planar = true;
  if (h.componentInfo.some((c) => c.dx !== 1 || c.dy !== 1)) encodeOptions.subsampling = h.componentInfo.map((c) => [c.dx, c.dy] as [number, number]);
  const enc = encodeDetailed(image, encodeOptions);
  for (const w of enc.warnings) warnings.push(`encoder: ${w}`);
  const check = decode(enc.data, decodeOptions);
  if (check.components !== source.components || !sameSamples(samples, planesOf(check))) {
    throw new J2kError("INTERNAL", "transcodeBlockCoder: the re-encoded codestream does not decode to the input's samples; nothing was written");
  }
  return enc.data;
}

/** Tile-part split of the output (TILEPARTS_*) that reproduces the input's, or none with a warning. */
function tilePartSplit(h: HeaderInfo, facts: TilePartFacts, warnings: string[]): number {
  if (facts.maxPartsPerTile <= 1) return TilePartSplit.none;
  if (facts.maxPartsPerTile === h.levels + 1) return TilePartSplit.R;
  if (facts.maxPartsPerTile === h.components) return TilePartSplit.C;
  warnings.push(`the input splits tiles into up to ${facts.maxPartsPerTile} tile-parts, neither by resolution nor by component; the output has one tile-part per tile`);
  return TilePartSplit.none;
}

/** Result of {@link recodeCodestream}. */
export type RecodeResult =
  | { ok: true; data: Uint8Array; blocks: TranscodeBlockCoderResult["blocks"]; warnings: string[]; header: HeaderInfo }
  | { ok: false; reason: string; header: HeaderInfo };

/**
 * The coefficient path of {@link transcodeBlockCoder} for a raw codestream, synchronously (the DICOM
 * transcoder re-codes each frame with it): every code-block re-coded with the other block coder, or
 * `ok: false` with the reason when that cannot be exact. Decoder errors (damaged input) are thrown.
 */
export function recodeCodestream(
  cs: Uint8Array,
  known: ReturnType<typeof layoutFacts> | undefined,
  to: "ht" | "part1",
  limits: Required<Limits>,
): RecodeResult {
  const { h, facts, tlm, ppm } = known ?? layoutFacts(cs);
  checkTileComponentCount(h.tilesX * h.tilesY, h.components, limits);
  const notes: string[] = [];
  const split = tilePartSplit(h, facts, notes);
  const r = transcodeCoefficients(cs, to, split, tlm, facts.plt, limits);
  if (!r.ok) return { ok: false, reason: `${STATUS_REASONS[r.status] ?? `status ${r.status}`}${r.where !== "" ? ` (${r.where})` : ""}`, header: h };
  const warnings = [...notes];
  if (h.layers > 1) warnings.push(`the input has ${h.layers} quality layers; the output has one layer (every coding pass the input's layers carry)`);
  if (h.comments.length > 0) warnings.push(`${h.comments.length} COM marker segment(s) not copied`);
  if (ppm || facts.ppt) warnings.push("packed packet headers (PPM/PPT) are not kept: the output has its packet headers in the bit stream");
  const dropped = to === "ht" ? h.codeBlockStyle.filter((f) => f !== "vcausal") : [];
  if (dropped.length > 0) warnings.push(`code-block style ${dropped.join(", ")} has no meaning for HT and is dropped`);
  return { ok: true, data: r.data!, blocks: r.blocks, warnings, header: h };
}

/**
 * Transcode a JPEG 2000 codestream, or a JP2 / JPH file, between the Part 1 (EBCOT) and the HT
 * (ISO/IEC 15444-15) block coders, keeping the decoded image bit for bit: by default at the level of
 * the quantised coefficients (reversible and irreversible input; see the module description for
 * what is kept, what falls back to decode + lossless re-encode and what is refused).
 *
 * @throws J2kError `UNSUPPORTED` for input it cannot transcode exactly (see the module description;
 *   the message names the reason), JPX files; `INVALID_ARGUMENT` for bad options; decoder errors for
 *   damaged or truncated input; `INTERNAL` if a verification finds different samples.
 */
export async function transcodeBlockCoder(bytes: Uint8Array, options: TranscodeBlockCoderOptions): Promise<TranscodeBlockCoderResult> {
  if (!(bytes instanceof Uint8Array)) throw new J2kError("INVALID_ARGUMENT", "transcodeBlockCoder expects the file's bytes as a Uint8Array");
  const to = options?.to;
  if (to !== "ht" && to !== "part1") throw new J2kError("INVALID_ARGUMENT", `transcodeBlockCoder: options.to must be "ht" or "part1" (got ${JSON.stringify(to)})`);
  const method = options.method ?? "auto";
  if (method !== "auto" && method !== "coefficients" && method !== "reencode") {
    throw new J2kError("INVALID_ARGUMENT", `transcodeBlockCoder: options.method must be "auto", "coefficients" or "reencode" (got ${JSON.stringify(method)})`);
  }
  const limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  const layout = await readLayout(memorySource(bytes), bytes.subarray(0, Math.min(bytes.length, 65536)));
  if (layout.format === "jpx") throw unsupported("JPX files are not transcoded (only raw codestreams and JP2 / JPH files)");
  const cs = bytes.subarray(layout.codestream.offset, layout.codestream.offset + layout.codestream.length);

  const { h, facts, tlm, ppm } = layoutFacts(cs);
  const warnings: string[] = [];
  if (h.blockCoder === to) {
    warnings.push(`the input is already ${to === "ht" ? "HT" : "Part 1"} coded; it is returned unchanged`);
    return { data: bytes.slice(), from: h.blockCoder, to, method: "unchanged", verified: false, warnings };
  }

  let out: Uint8Array | undefined;
  let used: "coefficients" | "reencode" = "coefficients";
  let verified = false;
  let blocks: TranscodeBlockCoderResult["blocks"];
  if (method !== "reencode") {
    const r = recodeCodestream(cs, { h, facts, tlm, ppm }, to, limits);
    if (r.ok) {
      out = r.data;
      blocks = r.blocks;
      warnings.push(...r.warnings);
      if (options.verify === true) {
        if (!sameDecode(cs, out, options.limits)) throw new J2kError("INTERNAL", "transcodeBlockCoder: the transcoded codestream does not decode to the input's samples; nothing was written");
        verified = true;
      }
    } else {
      const reason = r.reason;
      const reversible = h.reversible;
      if (method === "coefficients" || !reversible) {
        throw unsupported(`the coefficients cannot be transcoded exactly: ${reason}${reversible ? "" : "; the input is irreversibly (9/7) coded, so decoding and re-encoding it losslessly is no alternative"}`);
      }
      warnings.push(`coefficient-level transcoding is not possible (${reason}); the image was decoded and encoded again losslessly`);
    }
  }
  if (out === undefined) {
    used = "reencode";
    const { index, facts: indexFacts } = await tilePartFacts(cs);
    out = reencode(cs, h, index, indexFacts, to, options.limits, warnings);
    verified = true;
  }

  let data: Uint8Array;
  if (layout.format === "j2k") {
    data = out;
  } else {
    const jp2c = layout.boxes.find((b) => b.type === "jp2c" && b.offset + (b.length - cs.length) === layout.codestream.offset);
    const ftyp = layout.boxes.find((b) => b.type === "ftyp");
    if (jp2c === undefined || ftyp === undefined || ftyp.offset > jp2c.offset) throw unsupported("the file's File Type or Contiguous Codestream box could not be located");
    const lbox = ((bytes[ftyp.offset]! << 24) >>> 0) + (bytes[ftyp.offset + 1]! << 16) + (bytes[ftyp.offset + 2]! << 8) + bytes[ftyp.offset + 3]!;
    const ftypContentOffset = ftyp.offset + (lbox === 1 ? 16 : 8);
    const ftypContent = retargetFileType(bytes.subarray(ftypContentOffset, ftyp.offset + ftyp.length), to);
    data = joinBytes([
      bytes.subarray(0, ftypContentOffset),
      ftypContent,
      bytes.subarray(ftyp.offset + ftyp.length, jp2c.offset),
      boxHeader("jp2c", out.length),
      out,
      bytes.subarray(jp2c.offset + jp2c.length),
    ]);
  }
  return { data, from: h.blockCoder, to, method: used, verified, ...(blocks ? { blocks } : {}), warnings };
}
