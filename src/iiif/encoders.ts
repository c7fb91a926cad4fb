/**
 * Output encoders of the IIIF server (Image API 3.0 §4.5), behind one function per format.
 *
 * - png: the project's PNG writer (src/io/png.ts).
 * - jpg: not yet (501) — it switches to the core's JPEG encoder when that lands.
 * @module
 */
import { writePng } from "../io/png.js";
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
      // level 4: tiles are small and served often; the size difference to 6 is a few percent
      return writePng({ width: p.width, height: p.height, components: p.channels, bitDepth: 8, signed: false, data: p.data }, { compressionLevel: 4 });
    default:
      throw new Error(`no encoder for ${format}`);
  }
}
