/**
 * An OpenJPEG decode of a file in a form that can be compared sample for sample with j2kit's
 * `decode()` output, choosing the route that avoids OpenJPEG's own colour conversions:
 *
 * 1. `wasm` — the WebAssembly peer, when {@link opjDecodeComparable} accepts the file; compared
 *    with j2kit's default interleaved output.
 * 2. `native` — `opj_decompress` to PGX when it converts nothing (first colr is not sYCC / e-sYCC /
 *    CMYK / CIELab / ICC, and not the "3 components with sub-sampled 1 and 2 = YCC" heuristic);
 *    compared with the interleaved output when no component is sub-sampled, otherwise with
 *    `layout: "components"` (then without palette and cdef).
 * 3. `native-per-component` — `opj_decompress -c i` one component at a time (no colour conversion
 *    can happen on one component) when there is no MCT, palette or cdef; compared with
 *    `layout: "components"`.
 *
 * 0. Palette images: a palette whose entries exceed the declared column precision has no faithful
 *    reference (OpenJPEG passes the out-of-range values through); with 9/7 coding the ±1 tolerance
 *    applies to the palette indices, not to the looked-up colours, so the bare codestream is
 *    decoded (`wasm-codestream`, compared with `palette: "indices"`).
 *
 * Otherwise there is no faithful OpenJPEG reference and the reason says why.
 * @module
 */
import { deinterleave, type Plane } from "./images.js";
import { codestreamOf, codingSummary, isJp2, jp2Summary, paletteOutOfRange, readSiz } from "./jp2_boxes.js";
import { nativeDecode, nativeTools, NATIVE_HINT, opjDecode, opjDecodeComparable } from "./peers.js";

/** An OpenJPEG decode ready for comparison. */
export type OpenJpegReference =
  | { route: "wasm" | "native"; compareWith: "interleaved"; planes: Plane[] }
  | { route: "wasm-codestream"; compareWith: "indices"; planes: Plane[] }
  | { route: "native" | "native-per-component"; compareWith: "components"; planes: Plane[] }
  | { route: "none"; reason: string };

/** Why `opj_decompress` would change the samples before writing them (undefined: it would not). */
export function nativeConversion(bytes: Uint8Array): string | undefined {
  const cs = codestreamOf(bytes);
  const siz = cs && readSiz(cs);
  if (!siz) return "no readable SIZ";
  if (isJp2(bytes)) {
    const colr = jp2Summary(bytes).colr[0]; // OpenJPEG uses the first colr box only
    if (colr && colr.meth !== 1) return `colr METH ${colr.meth} (ICC applied by opj_decompress)`;
    if (colr && [12, 14, 18, 24].includes(colr.enumCS ?? -1)) return `colour space enum ${colr.enumCS} converted by opj_decompress`;
  }
  const c = siz.components;
  if (c.length === 3 && c[0]!.dx === c[0]!.dy && c[1]!.dx !== 1) return "3 components with sub-sampled chroma are treated as YCC by opj_decompress";
  return undefined;
}

/** Decode `bytes` with OpenJPEG by the most faithful available route. */
export async function openJpegReference(bytes: Uint8Array): Promise<OpenJpegReference> {
  const pal = isJp2(bytes) ? jp2Summary(bytes).palette : undefined;
  if (pal) {
    const bad = paletteOutOfRange(pal);
    if (bad > 0) return { route: "none", reason: `${bad} palette values exceed the declared column precision (OpenJPEG passes them through)` };
    const cs = codestreamOf(bytes)!;
    if (codingSummary(cs)?.irreversible) {
      const raw = opjDecodeComparable(cs);
      if (!raw.ok) return { route: "none", reason: `9/7 palette image; bare codestream: ${raw.reason}` };
      const img = await opjDecode(cs);
      return { route: "wasm-codestream", compareWith: "indices", planes: deinterleave(img.data, img.width, img.height, img.components) };
    }
  }
  const wasm = opjDecodeComparable(bytes);
  if (wasm.ok) {
    const img = await opjDecode(bytes);
    return { route: "wasm", compareWith: "interleaved", planes: deinterleave(img.data, img.width, img.height, img.components) };
  }
  if (!nativeTools.opjDecompress) return { route: "none", reason: `WASM peer: ${wasm.reason}; opj_decompress not on PATH (${NATIVE_HINT})` };
  const cs = codestreamOf(bytes)!;
  const siz = readSiz(cs)!;
  const coding = codingSummary(cs);
  const j = isJp2(bytes) ? jp2Summary(bytes) : undefined;
  const subsampled = siz.components.some((c) => c.dx !== 1 || c.dy !== 1);
  const conversion = nativeConversion(bytes);
  if (!conversion) {
    if (!subsampled) return { route: "native", compareWith: "interleaved", planes: nativeDecode(bytes).planes };
    if (!j?.hasPalette && !j?.hasCdef) return { route: "native", compareWith: "components", planes: nativeDecode(bytes).planes };
  }
  if (!coding?.mct && !j?.hasPalette && !j?.hasCdef) {
    const planes = siz.components.map((_, c) => nativeDecode(bytes, { components: [c] }).planes[0]!);
    return { route: "native-per-component", compareWith: "components", planes };
  }
  return {
    route: "none",
    reason: `WASM peer: ${wasm.reason}; native: ${conversion ?? "sub-sampled with palette/cdef"}${coding?.mct ? ", MCT rules out per-component decoding" : ""}`,
  };
}
