/**
 * The image information document (IIIF Image API 3.0 §5, `info.json`) of a JPEG 2000 image:
 * `sizes` from its resolution levels and `tiles` from its tiles or precincts, so that a viewer asks
 * for exactly the pieces the codestream can decode cheaply.
 * @module
 */
import type { HeaderInfo } from "../types.js";
import type { IiifFormat, SizeLimits } from "./params.js";

export const IIIF_CONTEXT = "http://iiif.io/api/image/3/context.json";
export const IIIF_PROTOCOL = "http://iiif.io/api/image";
export const IIIF_PROFILE_URI = "http://iiif.io/api/image/3/level2.json";

/** Features beyond level 2 that this server implements (§6, Table 6.1 names). */
export const EXTRA_FEATURES = ["canonicalLinkHeader", "mirroring", "profileLinkHeader", "rotationArbitrary", "sizeUpscaling"];

/** The info.json document (the fields this server writes). */
export interface ImageInformation {
  "@context": string;
  id: string;
  type: "ImageService3";
  protocol: string;
  profile: "level2";
  width: number;
  height: number;
  maxWidth?: number;
  maxHeight?: number;
  maxArea?: number;
  sizes: Array<{ width: number; height: number }>;
  tiles: Array<{ width: number; height: number; scaleFactors: number[] }>;
  preferredFormats: string[];
  extraFormats: string[];
  extraQualities: string[];
  extraFeatures: string[];
}

/** Tile size used when the codestream has neither small tiles nor precincts. */
const DEFAULT_TILE = 512;

/**
 * The tile size a viewer should request at scale factor 1: the precinct size of the highest
 * resolution when the encoder set precincts (one IIIF tile at scale 2^r then maps to one precinct
 * of resolution levels−r), else the codestream's tile size when it is tiled, else 512. Limited to
 * 64..1024 so that one request is neither tiny nor huge.
 */
export function tileSizeFor(h: HeaderInfo): { width: number; height: number } {
  const clamp = (v: number) => Math.min(1024, Math.max(64, v));
  const top = h.precincts?.[h.precincts.length - 1];
  if (top && top[0] <= 1024 && top[1] <= 1024 && top[0] < h.width) return { width: clamp(top[0]), height: clamp(top[1]) };
  if (h.tilesX * h.tilesY > 1 && h.tileWidth <= 1024 && h.tileHeight <= 1024) return { width: clamp(h.tileWidth), height: clamp(h.tileHeight) };
  return { width: DEFAULT_TILE, height: DEFAULT_TILE };
}

/** Build the info.json of image `h` served at `id` (the image's base URI, §3). */
export function imageInformation(id: string, h: HeaderInfo, limits: SizeLimits, formats: readonly IiifFormat[]): ImageInformation {
  const levels = Math.max(0, h.levels);
  const scaleFactors: number[] = [];
  for (let r = 0; r <= levels; r++) scaleFactors.push(2 ** r);
  const sizes: Array<{ width: number; height: number }> = [];
  for (let r = levels; r >= 0; r--) {
    // image size at reduce r (B.5 with the image offset)
    const width = Math.ceil((h.x0 + h.width) / 2 ** r) - Math.ceil(h.x0 / 2 ** r);
    const height = Math.ceil((h.y0 + h.height) / 2 ** r) - Math.ceil(h.y0 / 2 ** r);
    if (limits.maxWidth !== undefined && width > limits.maxWidth) continue;
    if (limits.maxHeight !== undefined && height > limits.maxHeight) continue;
    if (limits.maxArea !== undefined && width * height > limits.maxArea) continue;
    sizes.push({ width, height });
  }
  const tile = tileSizeFor(h);
  const info: ImageInformation = {
    "@context": IIIF_CONTEXT,
    id,
    type: "ImageService3",
    protocol: IIIF_PROTOCOL,
    profile: "level2",
    width: h.width,
    height: h.height,
    ...(limits.maxWidth !== undefined ? { maxWidth: limits.maxWidth } : {}),
    ...(limits.maxHeight !== undefined ? { maxHeight: limits.maxHeight } : {}),
    ...(limits.maxArea !== undefined ? { maxArea: limits.maxArea } : {}),
    sizes,
    tiles: [{ width: tile.width, height: tile.height, scaleFactors }],
    preferredFormats: [formats[0]!],
    // level 2 includes jpg and png (§6); anything else written is extra
    extraFormats: formats.filter((f) => f !== "jpg" && f !== "png"),
    extraQualities: h.components >= 3 ? ["color", "gray", "bitonal"] : ["gray", "bitonal"],
    extraFeatures: EXTRA_FEATURES,
  };
  return info;
}
