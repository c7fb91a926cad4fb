/**
 * Decoded blocks: the IIIF server decodes a viewer's small tile requests as larger aligned blocks
 * of the resolution level and crops each tile from the block, keeping the block's 8-bit pixels in
 * the server's cache for the neighbouring tiles.
 *
 * Why: a region decode must decode every code-block its samples depend on, and the inverse DWT
 * reaches 2 (5/3) or 4 (9/7) samples past the region at every level (F.3.1 / plan.ts), so a
 * 256×256 tile aligned on code-block boundaries pulls in a ring of neighbouring code-blocks at
 * every level: measured on a 16k² RPCL file, sixteen 256² decodes cost 3-5× one 1024² decode of
 * the same area. Decoding a 512² block once serves the four tiles of a viewer's grid it holds.
 *
 * Exactness: a region decode at reduce r gives exactly the samples of the whole image decoded at
 * reduce r, cropped (the range reader's contract, test/range), so a tile cropped from a block holds
 * the same samples as the tile decoded alone. Blocks are aligned on the reduced grid relative to the
 * image origin: block (i, j) of size B holds reduced samples [i·B, (i+1)·B) x [j·B, (j+1)·B) counted
 * from ceil(XOsiz / 2^r) (B.5: the reduced image spans [ceil(XOsiz/2^r), ceil(Xsiz/2^r))).
 * @module
 */
import type { HeaderInfo } from "../types.js";
import type { Pixels } from "./pixels.js";

/** A region of the full-resolution image (image coordinates, as IIIF regions). */
export interface FullRegion {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The block a request can be cropped from (see {@link blockFor}). */
export interface BlockPlace {
  /** Block column and row on the reduced grid. */
  col: number;
  row: number;
  /** The block as a full-resolution region to decode at `reduce`. */
  region: FullRegion;
  /** Size of the block's decoded image. */
  width: number;
  height: number;
  /** Where the request's decoded samples start inside the block. */
  offsetX: number;
  offsetY: number;
}

/** One axis of {@link blockFor}: `null` when the request's samples straddle two blocks. */
function axis(o: number, size: number, x: number, w: number, s: number, B: number) {
  const c = Math.ceil(o / s);
  const u0 = Math.ceil((o + x) / s) - c;
  const u1 = Math.ceil((o + x + w) / s) - c;
  const k = Math.floor(u0 / B);
  if (u1 > (k + 1) * B) return null;
  const start = Math.max(0, s * (c + k * B) - o);
  const end = Math.min(size, s * (c + (k + 1) * B) - o);
  return { k, start, len: end - start, decoded: Math.ceil((o + end) / s) - Math.ceil((o + start) / s), offset: u0 - k * B };
}

/**
 * The aligned block of `size` x `size` reduced samples that holds all decoded samples of `region`
 * at `reduce`, or undefined when the region straddles blocks or the image has sub-sampled
 * components (their region decode widens the area; such requests are decoded directly).
 */
export function blockFor(h: HeaderInfo, region: FullRegion, reduce: number, size: number): BlockPlace | undefined {
  if (!(size >= 1) || h.componentInfo.some((c) => c.dx !== 1 || c.dy !== 1)) return undefined;
  const s = 2 ** reduce;
  const ax = axis(h.x0, h.width, region.x, region.w, s, size);
  const ay = axis(h.y0, h.height, region.y, region.h, s, size);
  if (!ax || !ay || ax.len <= 0 || ay.len <= 0) return undefined;
  return {
    col: ax.k,
    row: ay.k,
    region: { x: ax.start, y: ay.start, w: ax.len, h: ay.len },
    width: ax.decoded,
    height: ay.decoded,
    offsetX: ax.offset,
    offsetY: ay.offset,
  };
}

/** The part of the server's cache the blocks live in (the handler's byte-bounded LRU). */
export interface BlockCacheBackend {
  get(key: string): unknown;
  set(key: string, value: unknown, bytes: number): void;
}

/**
 * Decoded blocks shared by concurrent requests: a block being decoded is awaited by every request
 * that needs it (one decode), and a decoded block stays in the cache while the budget allows.
 */
export class DecodedBlocks {
  private readonly pending = new Map<string, Promise<Pixels>>();

  /** `size`: block edge in samples of the decoded resolution level. */
  constructor(
    readonly size: number,
    private readonly cache: BlockCacheBackend,
  ) {}

  /**
   * The block `key`: from the cache ("cached"), from a decode in flight ("shared"), or made by
   * `make` ("decoded"; a failure is passed to every waiting request and not kept).
   */
  async obtain(key: string, make: () => Promise<Pixels>): Promise<{ pixels: Pixels; from: "cached" | "shared" | "decoded" }> {
    const hit = this.cache.get(key) as Pixels | undefined;
    if (hit) return { pixels: hit, from: "cached" };
    let p = this.pending.get(key);
    const from = p ? "shared" : "decoded";
    if (!p) {
      p = make().then((px) => {
        this.cache.set(key, px, px.data.buffer.byteLength + 256);
        return px;
      });
      this.pending.set(key, p);
      const drop = () => void this.pending.delete(key);
      p.then(drop, drop);
    }
    return { pixels: await p, from };
  }
}
