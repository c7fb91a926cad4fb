/**
 * Decoding: JPEG 2000 codestreams and JP2/JPX files to samples.
 * @module
 */
import { J2kError } from "./errors.js";
import type { ComponentInfo, DecodeOptions, DecodedImage, SampleArray } from "./types.js";
import { callCore, copyIn } from "./wasm/load.js";
import { readCoreHeader, type DecoderExports } from "./core_header.js";
import { DecodeWarning, PlaneField } from "./core_interface.js";
import { sampleArrayFor, bytesPerSampleFor } from "./samples.js";
import { toColorSpaceInfo } from "./jp2/read.js";
import { applyPalette, orderChannels, colorChannelsOf } from "./jp2/palette.js";
import type { Jp2File } from "./jp2/types.js";
import { prefersStrips, decodeViaStrips } from "./strip/assemble.js";
import { DEFAULT_LIMITS, MAX_CODEBLOCKS_PER_TILE, locateCodestream, plan, checkOutputBytes, outputType, type Plan } from "./decode_plan.js";

export { DEFAULT_LIMITS, asBytes, locateCodestream, plan, checkOutputBytes, outputType, type Plan } from "./decode_plan.js";

interface PlaneInfo {
  ptr: number;
  x0: number;
  y0: number;
  w: number;
  h: number;
}

function planeInfo(c: DecoderExports, comp: number): PlaneInfo {
  const f = (field: PlaneField) => c.decoderPlane(comp, field);
  return { ptr: f(PlaneField.data), x0: f(PlaneField.x0), y0: f(PlaneField.y0), w: f(PlaneField.width), h: f(PlaneField.height) };
}

function viewOf(buffer: ArrayBuffer, ptr: number, length: number, like: SampleArray): SampleArray {
  if (like instanceof Uint8Array) return new Uint8Array(buffer, ptr, length);
  if (like instanceof Uint16Array) return new Uint16Array(buffer, ptr, length);
  if (like instanceof Int16Array) return new Int16Array(buffer, ptr, length);
  return new Int32Array(buffer, ptr, length);
}

/**
 * A core instance on which the codestream of the next whole-image-path decode is parsed already
 * and its blocks supplied (threaded decoding, src/worker/split_decode.ts decodeSplit): see
 * {@link decodeParsed}. null = none.
 */
let parsedCore: DecoderExports | null = null;

/**
 * Where {@link decodeParsed} puts the decoded samples (interleaved or planar layout): given the
 * samples in WebAssembly memory (`view`, `width` x `height` x `components` in `layout`), returns
 * the array the image holds. Without one: a copy of `view`.
 */
export type PlaceSamples = (view: SampleArray, layout: "interleaved" | "planar", width: number, height: number, components: number) => SampleArray;

/** The {@link PlaceSamples} of the next decodeParsed decode (null: a copy). */
let parsedPlace: PlaceSamples | null = null;

/**
 * Threaded decoding (src/worker/split_decode.ts decodeSplit): {@link decode} on the instance `c`,
 * where the same codestream is parsed already (`bytes` is located and checked again, not parsed)
 * and the supplied blocks are set (decoderBandSupplyAll), without starting a new job on it. Returns
 * undefined when this decode would not take the whole-image path (strips): the caller then decodes
 * the band the usual way. Failures are thrown as they come (the caller maps them, guardCore).
 * `place` (interleaved and planar layouts) puts the samples where the caller wants them instead
 * of into a new array.
 */
export function decodeParsed(c: DecoderExports, bytes: ArrayBufferView | ArrayBuffer, options: DecodeOptions, place?: PlaceSamples): DecodedImage | undefined {
  if (prefersStrips(locateCodestream(bytes).codestream, options)) return undefined;
  parsedCore = c;
  parsedPlace = place ?? null;
  try {
    return decode(bytes, options);
  } finally {
    parsedCore = null;
    parsedPlace = null;
  }
}

/**
 * Decode a JPEG 2000 codestream (`.j2k`/`.j2c`) or a JP2/JPX file.
 *
 * Lossless codestreams decode bit-exactly. Options select a reduced resolution (`reduce`), the first
 * quality layers (`layers`), a `region`, a subset of `components`, and whether a truncated input
 * gives the best image its bytes allow (`allowPartial`). Every failure is a {@link J2kError}.
 */
export function decode(bytes: ArrayBufferView | ArrayBuffer, options: DecodeOptions = {}): DecodedImage {
  const loc = locateCodestream(bytes);
  const limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  const layout = options.layout ?? "interleaved";
  if (layout !== "interleaved" && layout !== "planar" && layout !== "components") {
    throw new J2kError("INVALID_ARGUMENT", `layout must be "interleaved", "planar" or "components" (got ${String(layout)})`);
  }
  const jp2 = loc.jp2;
  // large images: strips assembled in JavaScript memory (src/strip/assemble.ts)
  if (prefersStrips(loc.codestream, options)) return decodeViaStrips(loc.codestream, jp2, options, limits);
  const warnings = jp2 ? [...jp2.warnings] : [];
  const needsChannelWork = !!jp2 && ((!!jp2.palette && !!jp2.componentMapping && options.palette !== "indices") || !!jp2.channels);

  const run = (c: DecoderExports): DecodedImage => {
    const h = readCoreHeader(c);
    const p = plan(h, options, limits);
    const C = h.components.length;
    const mask = c.alloc(C);
    const maskView = new Uint8Array(c.memory.buffer, mask, C);
    maskView.fill(0);
    for (const i of p.comps) maskView[i] = 1;
    // Upsampling a sub-sampled component to the output grid needs the component sample left of /
    // above the region's first grid point: widen what the core decodes by one sample period.
    let cx0 = p.rx0, cy0 = p.ry0;
    if (layout !== "components") {
      const mdx = Math.max(...p.comps.map((i) => h.components[i]!.dx));
      const mdy = Math.max(...p.comps.map((i) => h.components[i]!.dy));
      if (mdx > 1) cx0 = Math.max(h.XOsiz, p.rx0 - mdx * 2 ** p.reduce);
      if (mdy > 1) cy0 = Math.max(h.YOsiz, p.ry0 - mdy * 2 ** p.reduce);
    }
    // component sizes of the requested region (B-1 then B-14 at the reduced resolution)
    const s = 2 ** p.reduce;
    const compInfo: ComponentInfo[] = p.comps.map((i) => {
      const ci = h.components[i]!;
      const span = (a: number, b: number, d: number) => Math.ceil(Math.ceil(b / d) / s) - Math.ceil(Math.ceil(a / d) / s);
      return { width: span(p.rx0, p.rx1, ci.dx), height: span(p.ry0, p.ry1, ci.dy), bitDepth: ci.bitDepth, signed: ci.signed, dx: ci.dx, dy: ci.dy };
    });
    // Every component, in order, on one grid, interleaved or planar: the core writes the output
    // layout itself (codec/decode_output.ts), no planes.
    const direct = !needsChannelWork && layout !== "components" && p.comps.length === C &&
      p.comps.every((i, k) => i === k && compInfo[k]!.dx === 1 && compInfo[k]!.dy === 1);
    let directDst = 0;
    if (direct) {
      const ot = outputType(compInfo);
      const bps = bytesPerSampleFor(ot.bitDepth, ot.signed);
      const total = p.width * p.height * C;
      checkOutputBytes(total * bps, limits, `the decoded image (${p.width}x${p.height}, ${C} components, ${bps} byte(s) per sample)`);
      directDst = c.alloc(Math.max(1, total * bps));
      const interleaved = layout === "interleaved";
      c.decoderSetPacked(directDst, total * bps, interleaved ? bps : p.width * p.height * bps, interleaved ? C : 1, interleaved ? p.width * C : p.width, bps, ot.signed ? 1 : 0);
    }
    const partial = c.decoderRun(p.reduce, p.layers, cx0, cy0, p.rx1, p.ry1, options.allowPartial ? 1 : 0, mask, MAX_CODEBLOCKS_PER_TILE) !== 0;
    if (partial) warnings.push("the codestream is truncated or damaged; the image holds what could be decoded");
    const missing = c.decoderWarnings(DecodeWarning.missingTiles);
    if (missing > 0) warnings.push(`${missing} tile(s) have no data in the codestream; their area is left at 0`);
    const short = c.decoderWarnings(DecodeWarning.shortTiles);
    if (short > 0) warnings.push(`${short} tile(s) end before their last packets; the missing packets were taken as empty`);


    if (needsChannelWork) {
      // JP2 palette / channel definitions: work on Int32 planes, then pack in TypeScript. The JS-heap
      // copies (planes, expanded channels, output) count against limits.maxMemory too.
      const area = compInfo.reduce((a, ci) => a + ci.width * ci.height, 0);
      const first = compInfo[0]!;
      const channels = jp2!.componentMapping && options.palette !== "indices" ? jp2!.componentMapping.length : compInfo.length;
      checkOutputBytes(4 * (area + 2 * channels * first.width * first.height), limits, `palette expansion to ${channels} channels (${first.width}x${first.height})`);
      const planes = p.comps.map((i) => {
        const pl = planeInfo(c, i);
        return new Int32Array(c.memory.buffer, pl.ptr, pl.w * pl.h).slice();
      });
      return finishJp2(planes, compInfo, jp2, options, layout, partial, warnings);
    }

    const ot = outputType(compInfo);
    const bps = bytesPerSampleFor(ot.bitDepth, ot.signed);
    const signed = ot.signed ? 1 : 0;
    const proto = sampleArrayFor(ot.bitDepth, ot.signed, 0);
    const base: Omit<DecodedImage, "data" | "layout" | "width" | "height"> = {
      components: p.comps.length,
      bitDepth: ot.bitDepth,
      signed: ot.signed,
      componentInfo: compInfo,
      partial,
      warnings,
      ...(jp2?.colorSpace ? { colorSpace: toColorSpaceInfo(jp2.colorSpace) } : {}),
    };

    if (layout === "components") {
      const componentData = p.comps.map((i) => {
        const pl = planeInfo(c, i);
        const ci = h.components[i]!;
        const t = outputType([ci]);
        const b = bytesPerSampleFor(t.bitDepth, t.signed);
        checkOutputBytes(pl.w * pl.h * b, limits, `component ${i} (${pl.w}x${pl.h}, ${b} byte(s) per sample)`);
        const dst = c.alloc(Math.max(1, pl.w * pl.h * b));
        c.packComponent(pl.ptr, pl.w, pl.w, pl.h, dst, 1, pl.w, b, t.signed ? 1 : 0);
        return viewOf(c.memory.buffer, dst, pl.w * pl.h, sampleArrayFor(t.bitDepth, t.signed, 0)).slice();
      });
      const first = compInfo[0]!;
      return { ...base, width: first.width, height: first.height, layout, data: componentData[0]!, componentData };
    }

    const n = p.comps.length;
    const W = p.width, H = p.height;
    const total = W * H * n;
    let dst = directDst; // (direct: written by decoderRun, size checked before it)
    if (!direct) {
      checkOutputBytes(total * bps, limits, `the decoded image (${W}x${H}, ${n} components, ${bps} byte(s) per sample)`);
      dst = c.alloc(Math.max(1, total * bps));
      packPlanes(c, p, compInfo, layout, dst, bps, signed);
    }
    const view = viewOf(c.memory.buffer, dst, total, proto);
    const data = place ? place(view, layout, W, H, n) : (view.slice() as SampleArray);
    return { ...base, width: W, height: H, layout, data };
  };
  const parsed = parsedCore;
  const place = parsedPlace;
  parsedPlace = null;
  if (parsed) {
    // (decodeParsed: the codestream is parsed and the blocks supplied on this instance already)
    parsedCore = null;
    return run(parsed);
  }
  return callCore((core) => {
    const c = core as DecoderExports;
    const ptr = copyIn(c, loc.codestream);
    c.decoderParse(ptr, loc.codestream.length);
    return run(c);
  }, limits.maxMemory);
}

/** The core's output planes of `p.comps` → the host layout at `dst` (interleaved or planar). */
function packPlanes(c: DecoderExports, p: Plan, compInfo: ComponentInfo[], layout: "interleaved" | "planar", dst: number, bps: number, signed: number): void {
  const n = p.comps.length;
  const W = p.width, H = p.height;
  // a component without samples in this area (extreme sub-sampling) leaves its channel at 0
  if (p.comps.some((i) => planeInfo(c, i).w === 0 || planeInfo(c, i).h === 0)) new Uint8Array(c.memory.buffer, dst, W * H * n * bps).fill(0);
  const sameGrid = p.comps.every((i, k) => {
    const pl = planeInfo(c, i);
    return pl.w === W && pl.h === H && compInfo[k]!.dx === 1 && compInfo[k]!.dy === 1;
  });
  if (layout === "interleaved" && sameGrid && n > 1) {
    const ptrs = c.alloc(4 * n);
    const pv = new Uint32Array(c.memory.buffer, ptrs, n);
    p.comps.forEach((i, k) => (pv[k] = planeInfo(c, i).ptr));
    c.packInterleaved(ptrs, n, W, W, H, dst, W * n, bps, signed);
    return;
  }
  p.comps.forEach((i, k) => {
    const pl = planeInfo(c, i);
    const ci = compInfo[k]!;
    const step = layout === "interleaved" ? n : 1;
    const stride = layout === "interleaved" ? W * n : W;
    const at = layout === "interleaved" ? dst + k * bps : dst + k * W * H * bps;
    if (pl.w === W && pl.h === H && ci.dx === 1 && ci.dy === 1) {
      c.packComponent(pl.ptr, pl.w, W, H, at, step, stride, bps, signed);
    } else {
      c.packComponentUpsampled(pl.ptr, pl.w, pl.x0, pl.y0, pl.w, pl.h, ci.dx, ci.dy, p.gx0, p.gy0, W, H, at, step, stride, bps, signed);
    }
  });
}

/** Palette expansion and channel ordering of a JP2 file (I.5.3.4-I.5.3.6), then packing. */
function finishJp2(
  planes: Int32Array[],
  compInfo: ComponentInfo[],
  jp2: Jp2File,
  options: DecodeOptions,
  layout: "interleaved" | "planar" | "components",
  partial: boolean,
  warnings: string[],
): DecodedImage {
  const first = compInfo[0]!;
  if (compInfo.some((ci) => ci.width !== first.width || ci.height !== first.height || ci.width < 1 || ci.height < 1)) {
    const empty = compInfo.findIndex((ci) => ci.width < 1 || ci.height < 1);
    throw new J2kError(
      "UNSUPPORTED",
      `palette or channel definitions on sub-sampled components are not supported${empty >= 0 ? ` (component ${empty} has no samples here: XRsiz ${compInfo[empty]!.dx}, YRsiz ${compInfo[empty]!.dy})` : ""}`,
    );
  }
  const mapped = applyPalette(planes, jp2.palette, jp2.componentMapping, {
    indices: options.palette === "indices",
    componentDepths: compInfo.map((ci) => ({ bitDepth: ci.bitDepth, signed: ci.signed })),
  });
  const colorCount = colorChannelsOf(jp2.colorSpace) ?? mapped.planes.length;
  const ordered = orderChannels(mapped.planes, jp2.channels, Math.min(colorCount, mapped.planes.length));
  const chans = ordered.planes;
  const depths = ordered.channels.map((inf, k) => mapped.depths[inf.source] ?? { bitDepth: compInfo[Math.min(k, compInfo.length - 1)]!.bitDepth, signed: false });
  const ot = outputType(depths);
  const n = chans.length;
  const W = first.width, H = first.height;
  const info: ComponentInfo[] = depths.map((d) => ({ width: W, height: H, bitDepth: d.bitDepth, signed: d.signed, dx: first.dx, dy: first.dy }));
  const base = {
    components: n,
    bitDepth: ot.bitDepth,
    signed: ot.signed,
    componentInfo: info,
    partial,
    warnings,
    ...(jp2.colorSpace ? { colorSpace: toColorSpaceInfo(jp2.colorSpace) } : {}),
  };
  if (layout === "components") {
    const componentData = chans.map((pl, k) => {
      const d = depths[k]!;
      const out = sampleArrayFor(d.bitDepth, d.signed, pl.length);
      out.set(pl);
      return out;
    });
    return { ...base, width: W, height: H, layout, data: componentData[0]!, componentData };
  }
  const data = sampleArrayFor(ot.bitDepth, ot.signed, W * H * n);
  for (let k = 0; k < n; k++) {
    const pl = chans[k]!;
    if (layout === "interleaved") for (let i = 0; i < W * H; i++) data[i * n + k] = pl[i]!;
    else data.set(pl, k * W * H);
  }
  return { ...base, width: W, height: H, layout, data };
}
