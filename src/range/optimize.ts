/**
 * `optimize`: make a JPEG 2000 file range-friendly without re-coding it — packets re-ordered into a
 * progression (RPCL lets a reduced resolution be one contiguous prefix of each tile), tile-parts
 * split by resolution and interleaved across tiles (a reduced resolution of the whole image is one
 * contiguous prefix of the file), TLM and PLT added (src/codestream/repack.ts, interleave.ts). JP2/JPX/JPH files keep every
 * box as it is; only the codestream box's contents change.
 * @module
 */
import { J2kError } from "../errors.js";
import { CodestreamIndex } from "../codestream/codestream_index.js";
import { memorySource } from "../codestream/source.js";
import { repackCodestream, type RepackOptions } from "../codestream/repack.js";
import { readLayout } from "./boxes.js";

export type { RepackOptions } from "../codestream/repack.js";

/**
 * Options of {@link optimize}: those of the re-packing. Default: RPCL, tile-parts by resolution
 * interleaved across tiles (resolution-major), TLM and PLT.
 */
export type OptimizeOptions = RepackOptions;

/** The defaults image servers read fastest (as `encode`'s "iiif" preset writes). */
export const RANGE_FRIENDLY: Required<Pick<RepackOptions, "progression" | "tileParts" | "tlm" | "plt" | "tilePartOrder">> = {
  progression: "RPCL",
  tileParts: "R",
  tlm: true,
  plt: true,
  tilePartOrder: "interleaved",
};

/**
 * Re-pack `input` (a codestream or a JP2/JPX/JPH file) as `options` say; the result decodes to
 * exactly the same samples. Options left out keep the input's layout; `RANGE_FRIENDLY` holds the
 * usual choice.
 */
export async function optimize(input: Uint8Array, options: OptimizeOptions = RANGE_FRIENDLY): Promise<Uint8Array> {
  if (!(input instanceof Uint8Array)) throw new J2kError("INVALID_ARGUMENT", "optimize expects the file's bytes as a Uint8Array");
  const src = memorySource(input);
  const layout = await readLayout(src, input.subarray(0, Math.min(input.length, 65536)));
  const cs = layout.codestream;
  const index = await CodestreamIndex.open(src, { offset: cs.offset, length: cs.length, prefix: input.subarray(cs.offset, cs.offset + cs.length) });
  const repacked = await repackCodestream(index, (o, l) => input.subarray(o, o + l), options);
  if (layout.format === "j2k") return repacked;
  // every box as it is, the codestream box's contents replaced (header rewritten for the new length)
  const jp2c = layout.boxes.find((b) => b.type === "jp2c" && b.offset + (b.length - cs.length) === cs.offset)!;
  const headLen = 8 + (repacked.length + 8 > 0xffffffff ? 8 : 0);
  const head = new Uint8Array(headLen);
  const total = repacked.length + headLen;
  if (headLen === 16) {
    head.set([0, 0, 0, 1, 0x6a, 0x70, 0x32, 0x63]);
    const hi = Math.floor(total / 2 ** 32);
    head.set([hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255, (total >>> 24) & 255, (total >>> 16) & 255, (total >>> 8) & 255, total & 255], 8);
  } else {
    head.set([(total >>> 24) & 255, (total >>> 16) & 255, (total >>> 8) & 255, total & 255, 0x6a, 0x70, 0x32, 0x63]);
  }
  const before = input.subarray(0, jp2c.offset);
  const after = input.subarray(jp2c.offset + jp2c.length);
  const out = new Uint8Array(before.length + head.length + repacked.length + after.length);
  out.set(before, 0);
  out.set(head, before.length);
  out.set(repacked, before.length + head.length);
  out.set(after, before.length + head.length + repacked.length);
  return out;
}
