/**
 * Output encoders of the IIIF server (Image API 3.0 §4.5), behind one function per format.
 *
 * - png: src/iiif/png_tiles.ts (Paeth rows, zlib off the event loop).
 * - jpg: the core's baseline JPEG encoder (`encodeJpeg`, src/jpeg/), quality 85, chroma 4:2:0.
 * @module
 */
import { encodeJpeg } from "../jpeg/index.js";
import { encodePngTile } from "./png_tiles.js";
import type { IiifFormat } from "./params.js";
import type { Pixels } from "./pixels.js";

/** Media types of §4.5. */
export const MEDIA_TYPES: Record<IiifFormat, string> = {
  jpg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
};

/** IJG quality of jpg output (what IIIF servers commonly use for tiles). */
const JPEG_QUALITY = 85;

/** Formats this build can write, preferred first. */
export function availableFormats(): IiifFormat[] {
  return ["jpg", "png"];
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
    case "jpg":
      return encodeJpeg({ width: p.width, height: p.height, components: p.channels, bitDepth: 8, signed: false, data: p.data }, { quality: JPEG_QUALITY });
    default:
      throw new Error(`no encoder for ${format}`);
  }
}
