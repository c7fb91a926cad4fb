/**
 * Parsing and resolving the parameters of an IIIF Image API 3.0 image request
 * (`{region}/{size}/{rotation}/{quality}.{format}`, Image API 3.0 §4), and their canonical form (§4.7).
 *
 * Everything here is pure: a request either resolves to numbers the pipeline can use, or fails with
 * an {@link IiifError} carrying the HTTP status the specification asks for (§7.x: 400 for a request
 * that is not valid, 501 for a valid one this server does not implement).
 * @module
 */

/** An error answered with an HTTP status and a short message. */
export class IiifError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "IiifError";
    this.status = status;
  }
}

/** Output formats this server can write. */
export type IiifFormat = "jpg" | "png" | "webp";
/** Qualities of §4.4. */
export type IiifQuality = "default" | "color" | "gray" | "bitonal";

/** Formats listed by the specification (§4.5) that a request may name. */
const KNOWN_FORMATS = new Set(["jpg", "tif", "png", "gif", "jp2", "pdf", "webp"]);
const QUALITIES = new Set<IiifQuality>(["default", "color", "gray", "bitonal"]);

/** Limits advertised in info.json (§5.3: maxWidth, maxHeight, maxArea). */
export interface SizeLimits {
  maxWidth?: number;
  maxHeight?: number;
  maxArea?: number;
}

/** A rectangle in full-resolution image pixels. */
export interface PixelRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A request resolved against an image of known size. */
export interface ResolvedRequest {
  /** The region, clipped to the image (§4.1). */
  region: PixelRect;
  /** Output size before rotation (§4.2). */
  width: number;
  height: number;
  /** Mirror horizontally before rotating (§4.3 `!`). */
  mirror: boolean;
  /** Clockwise degrees, 0 <= rotation < 360. */
  rotation: number;
  quality: IiifQuality;
  format: IiifFormat;
  /** Canonical `{region}/{size}/{rotation}/{quality}.{format}` (§4.7). */
  canonical: string;
}

/** The four parameters and the format as written in the URL (already percent-decoded). */
export interface RawParams {
  region: string;
  size: string;
  rotation: string;
  quality: string;
  format: string;
}

const INT = /^\d+$/;
/** A non-negative decimal as §4.1/§4.2 allow (`pct:` values, rotation): no sign, no exponent. */
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

function bad(message: string): never {
  throw new IiifError(400, message);
}

function parseInts(s: string, n: number, what: string): number[] {
  const parts = s.split(",");
  if (parts.length !== n || !parts.every((p) => INT.test(p))) bad(`${what} '${s}' must be ${n} comma-separated non-negative integers`);
  const v = parts.map(Number);
  if (!v.every((x) => Number.isSafeInteger(x))) bad(`${what} '${s}' has a number that is too large`);
  return v;
}

function parseDecimals(s: string, n: number, what: string): number[] {
  const parts = s.split(",");
  if (parts.length !== n || !parts.every((p) => DECIMAL.test(p))) bad(`${what} '${s}' must be ${n} comma-separated non-negative numbers`);
  return parts.map(Number);
}

/**
 * Region (§4.1): `full`, `square`, `x,y,w,h` or `pct:x,y,w,h`, clipped to the image. A region
 * with zero width or height, or entirely outside the image, is a 400.
 */
export function resolveRegion(region: string, width: number, height: number): PixelRect {
  if (region === "full") return { x: 0, y: 0, w: width, h: height };
  if (region === "square") {
    // §4.1: "the region is defined as an area where the width and height are both equal to the
    // length of the shorter dimension"; the position is the server's choice: centred.
    const side = Math.min(width, height);
    return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), w: side, h: side };
  }
  let x: number, y: number, w: number, h: number;
  if (region.startsWith("pct:")) {
    const [px, py, pw, ph] = parseDecimals(region.slice(4), 4, "region");
    if (pw === 0 || ph === 0) bad(`region '${region}' has a zero width or height`);
    // Rounded to the nearest pixel; the far edge is rounded on its own so adjacent percentages tile.
    x = Math.round((px! * width) / 100);
    y = Math.round((py! * height) / 100);
    w = Math.round(((px! + pw!) * width) / 100) - x;
    h = Math.round(((py! + ph!) * height) / 100) - y;
    if (w <= 0) w = 1;
    if (h <= 0) h = 1;
  } else {
    [x, y, w, h] = parseInts(region, 4, "region") as [number, number, number, number];
    if (w === 0 || h === 0) bad(`region '${region}' has a zero width or height`);
  }
  if (x >= width || y >= height) bad(`region '${region}' lies outside the image (${width}x${height})`);
  return { x, y, w: Math.min(w, width - x), h: Math.min(h, height - y) };
}

/** Largest size that fits the limits keeping the aspect ratio of `w` x `h` (§4.2 `max`). */
function fitLimits(w: number, h: number, limits: SizeLimits): { w: number; h: number } {
  let s = 1;
  if (limits.maxWidth !== undefined) s = Math.min(s, limits.maxWidth / w);
  if (limits.maxHeight !== undefined) s = Math.min(s, limits.maxHeight / h);
  if (limits.maxArea !== undefined) s = Math.min(s, Math.sqrt(limits.maxArea / (w * h)));
  if (s >= 1) return { w, h };
  let ow = Math.max(1, Math.floor(w * s)), oh = Math.max(1, Math.floor(h * s));
  // floor keeps within maxWidth/maxHeight; shave a pixel if the area still exceeds maxArea
  while (limits.maxArea !== undefined && ow * oh > limits.maxArea && (ow > 1 || oh > 1)) {
    if (ow >= oh) ow--;
    else oh--;
  }
  return { w: ow, h: oh };
}

/**
 * Size (§4.2) for a region of `rw` x `rh`: `max`, `w,`, `,h`, `pct:n`, `w,h`, `!w,h`, each with an
 * optional `^` that allows upscaling. Without `^`, a size larger than the region is a 400 (§4.2:
 * "requests ... that would result in a larger image than the region ... must be rejected" unless `^`).
 * A result above the advertised limits, or with a zero dimension, is a 400 too.
 */
export function resolveSize(size: string, rw: number, rh: number, limits: SizeLimits = {}): { w: number; h: number; max: boolean } {
  const up = size.startsWith("^");
  const s = up ? size.slice(1) : size;
  let w: number, h: number;
  let isMax = false;
  if (s === "max") {
    isMax = true;
    if (up) {
      // ^max: as large as the limits allow (the region's own size when there are none)
      let k = Infinity;
      if (limits.maxWidth !== undefined) k = Math.min(k, limits.maxWidth / rw);
      if (limits.maxHeight !== undefined) k = Math.min(k, limits.maxHeight / rh);
      if (limits.maxArea !== undefined) k = Math.min(k, Math.sqrt(limits.maxArea / (rw * rh)));
      if (!Number.isFinite(k)) k = 1;
      ({ w, h } = k >= 1 ? fitLimits(Math.floor(rw * k), Math.floor(rh * k), limits) : fitLimits(rw, rh, limits));
    } else {
      ({ w, h } = fitLimits(rw, rh, limits));
    }
    return { w, h, max: isMax };
  } else if (s.startsWith("pct:")) {
    const p = s.slice(4);
    if (!DECIMAL.test(p)) bad(`size '${size}': pct: needs a non-negative number`);
    const n = Number(p);
    if (n === 0) bad(`size '${size}' gives an empty image`);
    if (n > 100 && !up) bad(`size '${size}' is above 100%; upscaling needs the ^ prefix (^pct:n)`);
    w = Math.round((rw * n) / 100);
    h = Math.round((rh * n) / 100);
  } else if (s.startsWith("!")) {
    const [bw, bh] = parseInts(s.slice(1), 2, "size") as [number, number];
    if (bw === 0 || bh === 0) bad(`size '${size}' gives an empty image`);
    // best fit: the largest size with the region's aspect ratio within bw x bh
    const k = Math.min(bw / rw, bh / rh);
    if (k > 1 && !up) bad(`size '${size}' would upscale the ${rw}x${rh} region; upscaling needs the ^ prefix (^!w,h)`);
    w = Math.min(bw, Math.max(1, Math.round(rw * k)));
    h = Math.min(bh, Math.max(1, Math.round(rh * k)));
  } else {
    const m = /^(\d*),(\d*)$/.exec(s);
    if (!m || (m[1] === "" && m[2] === "")) bad(`size '${size}' is not one of max, w,, ,h, pct:n, w,h, !w,h (each optionally with ^)`);
    const pw = m[1] === "" ? undefined : Number(m[1]);
    const ph = m[2] === "" ? undefined : Number(m[2]);
    if ((pw !== undefined && !Number.isSafeInteger(pw)) || (ph !== undefined && !Number.isSafeInteger(ph))) bad(`size '${size}' has a number that is too large`);
    if (pw === 0 || ph === 0) bad(`size '${size}' gives an empty image`);
    if (pw !== undefined && ph !== undefined) {
      w = pw;
      h = ph;
    } else if (pw !== undefined) {
      w = pw;
      h = Math.max(1, Math.round((rh * pw) / rw));
    } else {
      h = ph!;
      w = Math.max(1, Math.round((rw * ph!) / rh));
    }
    if (!up && (w > rw || h > rh)) bad(`size '${size}' is larger than the ${rw}x${rh} region; upscaling needs the ^ prefix`);
  }
  if (w < 1 || h < 1) bad(`size '${size}' gives an empty image`);
  if (limits.maxWidth !== undefined && w > limits.maxWidth) bad(`size '${size}' gives a width of ${w}, above this server's maxWidth ${limits.maxWidth}`);
  if (limits.maxHeight !== undefined && h > limits.maxHeight) bad(`size '${size}' gives a height of ${h}, above this server's maxHeight ${limits.maxHeight}`);
  if (limits.maxArea !== undefined && w * h > limits.maxArea) {
    bad(`size '${size}' gives ${w}x${h} = ${w * h} pixels, above this server's maxArea ${limits.maxArea}; ask for a smaller size or a region`);
  }
  return { w, h, max: false };
}

/** Rotation (§4.3): `n` or `!n` with 0 <= n <= 360 degrees clockwise; `!` mirrors first. */
export function resolveRotation(rotation: string): { mirror: boolean; degrees: number } {
  const mirror = rotation.startsWith("!");
  const s = mirror ? rotation.slice(1) : rotation;
  if (!DECIMAL.test(s)) bad(`rotation '${rotation}' must be a number of degrees 0-360, optionally prefixed by !`);
  const n = Number(s);
  if (n > 360) bad(`rotation '${rotation}' is above 360 degrees`);
  return { mirror, degrees: n === 360 ? 0 : n };
}

/** Decimal text of a rotation without trailing zeros (§4.7: "values are expressed as decimals"). */
function formatDegrees(n: number): string {
  return String(Number(n.toFixed(6)));
}

/**
 * Validate and resolve a whole image request against an image of `width` x `height`.
 * `formats` are the formats this server writes; a format of §4.5 that it does not write is a 501,
 * anything else a 400.
 */
export function resolveRequest(p: RawParams, width: number, height: number, limits: SizeLimits, formats: readonly IiifFormat[]): ResolvedRequest {
  if (!QUALITIES.has(p.quality as IiifQuality)) bad(`quality '${p.quality}' is not one of default, color, gray, bitonal`);
  if (!formats.includes(p.format as IiifFormat)) {
    if (KNOWN_FORMATS.has(p.format)) throw new IiifError(501, `format '${p.format}' is not implemented by this server (available: ${formats.join(", ")})`);
    bad(`format '${p.format}' is not an image format of the IIIF Image API (${[...KNOWN_FORMATS].join(", ")})`);
  }
  const region = resolveRegion(p.region, width, height);
  const size = resolveSize(p.size, region.w, region.h, limits);
  const rot = resolveRotation(p.rotation);
  const quality = p.quality as IiifQuality;
  const isFull = region.x === 0 && region.y === 0 && region.w === width && region.h === height;
  // §4.7: region "full" or x,y,w,h; size "max" when the result is the max size, else w,h (^ when
  // larger than the region); rotation as a decimal with ! if mirrored.
  const canonRegion = isFull ? "full" : `${region.x},${region.y},${region.w},${region.h}`;
  const maxSize = fitLimits(region.w, region.h, limits);
  const canonSize =
    size.w === maxSize.w && size.h === maxSize.h ? "max" : `${size.w > region.w || size.h > region.h ? "^" : ""}${size.w},${size.h}`;
  const canonRot = `${rot.mirror ? "!" : ""}${formatDegrees(rot.degrees)}`;
  return {
    region,
    width: size.w,
    height: size.h,
    mirror: rot.mirror,
    rotation: rot.degrees,
    quality,
    format: p.format as IiifFormat,
    canonical: `${canonRegion}/${canonSize}/${canonRot}/${quality}.${p.format}`,
  };
}
