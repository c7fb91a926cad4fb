/**
 * Output encoders of the IIIF server (Image API 3.0 §4.5), behind one function per format.
 *
 * - png: src/iiif/png_tiles.ts (Paeth rows, zlib off the event loop).
 * - jpg: not yet (501) — it switches to the core's JPEG encoder when that lands.
 * @module
 */
import { encodePngTile } from "./png_tiles.js";
import type { IiifFormat } from "./params.js";
import type { Pixels } from "./pixels.js";

/** Media types of §4.5. */
export const MEDIA_TYPES: Record<IiifFormat, string> = {
  jpg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
};

/** Formats this build can write, preferred first. */
export function availableFormats(): IiifFormat[] {
  return ["png"];
}

/** Whether `format` keeps an alpha channel. */
export function keepsAlpha(format: IiifFormat): boolean {
  return format !== "jpg";
}

/** Encode 8-bit pixels (1-4 channels) in `format`. */
export async function encodePixels(p: Pixels, format: IiifFormat): Promise<Uint8Array> {
  switch (format) {
    case "png":
      return encodePngTile(p);
    default:
      throw new Error(`no encoder for ${format}`);
  }
}
