/**
 * One IIIF image request from a JPEG 2000 source (Image API 3.0 §4, order of operations: region,
 * size, rotation, quality, format):
 *
 * 1. pick the resolution level: the largest `reduce` whose decoded region is still at least the
 *    requested size (so a 256×256 tile at scale factor 2^r decodes resolution levels−r, the
 *    code-blocks it covers and nothing else);
 * 2. decode the region at that level in a worker (`ImageSource.decode`) — or, for a request whose
 *    samples lie inside one aligned block of the level (a viewer's tile), crop them from that block,
 *    decoded once and cached for its neighbours (src/iiif/decoded_blocks.ts; same samples);
 * 3. convert to 8 bits; gray/bitonal reduce to luma first (linear, so it commutes with resizing);
 * 4. resample to the requested size (Lanczos-3, src/iiif/resample.ts) when it differs;
 * 5. mirror, rotate (90° steps exact, other angles bilinear on a transparent background);
 * 6. bitonal threshold, alpha flattened for formats without it, encode.
 * @module
 */
import type { HeaderInfo } from "../types.js";
import { encodePixels, keepsAlpha } from "./encoders.js";
import type { ImageSource } from "./image_source.js";
import { IiifError, type ResolvedRequest } from "./params.js";
import { blockFor, type DecodedBlocks } from "./decoded_blocks.js";
import { crop, flattenAlpha, mirror, rotateArbitrary, rotateRight, toBitonal, toGray, toPixels, type Pixels } from "./pixels.js";
import { resampleLanczos3 } from "./resample.js";

/** Size of the region `[x, x+w)` of an axis with origin `o` at reduce `r` (B.5: ceil of each edge). */
function reducedLength(o: number, x: number, w: number, r: number): number {
  const s = 2 ** r;
  return Math.ceil((o + x + w) / s) - Math.ceil((o + x) / s);
}

/**
 * The largest reduce (at most the codestream's levels) at which the region still has at least
 * `outW` x `outH` samples.
 */
export function chooseReduce(h: HeaderInfo, region: { x: number; y: number; w: number; h: number }, outW: number, outH: number): number {
  for (let r = Math.max(0, h.levels); r > 0; r--) {
    if (reducedLength(h.x0, region.x, region.w, r) >= outW && reducedLength(h.y0, region.y, region.h, r) >= outH) return r;
  }
  return 0;
}

/** Whether the last channel of the decoded image is opacity (JP2 cdef types 1 and 2, I.5.3.6). */
function hasAlpha(h: HeaderInfo): boolean {
  return !!h.jp2?.channels?.some((c) => c.type === 1 || c.type === 2);
}

/** Timings and choices of one rendering (for logs and the benchmark). */
export interface RenderStats {
  reduce: number;
  decodedWidth: number;
  decodedHeight: number;
  decodeMs: number;
  totalMs: number;
  /**
   * Set when the samples were cropped from a decoded block: "decoded" when this request decoded
   * it, "shared" when it waited for another request's decode, "cached" when it was in the cache.
   */
  block?: "decoded" | "shared" | "cached";
}

/** Where blocks go, for {@link renderImage}: the store and the key prefix naming the image's version. */
export interface BlockOptions {
  blocks: DecodedBlocks;
  /** Distinguishes images and versions in the cache (e.g. identifier + version). */
  keyPrefix: string;
}

/** `reduce` when it is too many levels for a tile-component (a COC with fewer levels than the COD). */
function isReduceTooHigh(e: unknown): boolean {
  return (e as { code?: string }).code === "INVALID_ARGUMENT" && /reduce/.test((e as Error).message);
}

/** Render `req` from `src`; `maxDecodePixels` bounds the decoded (pre-resampling) image. */
export async function renderImage(
  src: ImageSource,
  req: ResolvedRequest,
  maxDecodePixels: number,
  blockOptions?: BlockOptions,
): Promise<{ body: Uint8Array; stats: RenderStats }> {
  const t0 = performance.now();
  const h = src.header;
  let reduce = chooseReduce(h, req.region, req.width, req.height);
  const dw = reducedLength(h.x0, req.region.x, req.region.w, reduce);
  const dh = reducedLength(h.y0, req.region.y, req.region.h, reduce);
  if (dw * dh > maxDecodePixels) {
    throw new IiifError(
      400,
      `this request needs ${dw}x${dh} decoded pixels (the file has ${h.levels} resolution levels), above this server's limit of ${maxDecodePixels}; ask for a smaller region`,
    );
  }
  const alpha = hasAlpha(h) && keepsAlpha(req.format);
  // Without a palette, decode only the components the output uses.
  let components: number[] | undefined;
  if (!h.jp2?.palette && !alpha) {
    if (h.components > 3) components = [0, 1, 2];
    else if (h.components === 2) components = [0];
  }
  const region = { x: req.region.x, y: req.region.y, width: req.region.w, height: req.region.h };
  const t1 = performance.now();
  let p: Pixels | undefined;
  let blockUse: RenderStats["block"];
  let decodedWidth = dw, decodedHeight = dh;
  const place = blockOptions ? blockFor(h, req.region, reduce, blockOptions.blocks.size) : undefined;
  if (blockOptions && place && place.width * place.height <= maxDecodePixels) {
    const b = place.region;
    const key = `${blockOptions.keyPrefix}\u0000${reduce}\u0000${alpha ? 1 : 0}\u0000${place.col}\u0000${place.row}`;
    try {
      const got = await blockOptions.blocks.obtain(key, async () => {
        const img = await src.decode({ region: { x: b.x, y: b.y, width: b.w, height: b.h }, reduce, ...(components ? { components } : {}), maxPixels: maxDecodePixels });
        return toPixels(img, alpha);
      });
      const bp = got.pixels;
      // (always true: blockFor placed the request inside the block)
      if (place.offsetX + dw <= bp.width && place.offsetY + dh <= bp.height) {
        blockUse = got.from;
        p = crop(bp, place.offsetX, place.offsetY, dw, dh);
        decodedWidth = bp.width;
        decodedHeight = bp.height;
      }
    } catch (e) {
      // a tile-component with fewer levels: the direct path below steps the reduce down
      if (!isReduceTooHigh(e)) throw e;
    }
  }
  if (!p) {
    let img;
    for (;;) {
      try {
        img = await src.decode({ region, reduce, ...(components ? { components } : {}), maxPixels: maxDecodePixels });
        break;
      } catch (e) {
        // a tile-component with fewer levels than the main COD (COC): step down
        if (reduce > 0 && isReduceTooHigh(e)) {
          reduce--;
          continue;
        }
        throw e;
      }
    }
    p = toPixels(img, alpha);
    decodedWidth = img.width;
    decodedHeight = img.height;
  }
  const decodeMs = performance.now() - t1;
  if (req.quality === "gray" || req.quality === "bitonal") p = toGray(p);
  const data = resampleLanczos3(p.data, p.width, p.height, p.channels, req.width, req.height);
  p = { width: req.width, height: req.height, channels: p.channels, data };
  if (req.mirror) p = mirror(p);
  if (req.rotation === 90 || req.rotation === 180 || req.rotation === 270) p = rotateRight(p, req.rotation);
  else if (req.rotation !== 0) p = rotateArbitrary(p, req.rotation);
  if (req.quality === "bitonal") p = toBitonal(p);
  if (!keepsAlpha(req.format)) p = flattenAlpha(p);
  const body = await encodePixels(p, req.format);
  return {
    body,
    stats: { reduce, decodedWidth, decodedHeight, decodeMs, totalMs: performance.now() - t0, ...(blockUse ? { block: blockUse } : {}) },
  };
}
