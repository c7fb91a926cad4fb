/**
 * What a JP2/JPX file carries over into a JPEG: its ICC profile (repaired first when its curv
 * tags declare counts that do not fit, as `j2kit jp2 repair-icc` does), its XMP packet (a uuid box
 * with the XMP identifier, or an xml box holding x:xmpmeta) and other XML boxes (as comments), and
 * its resolution as JFIF density. Shared by `j2kit decode x.jp2 y.jpg` and the migration tools.
 * @module
 */
import { J2kError } from "../errors.js";
import { planCurvRepairs, repairCurvTags, validateIcc } from "../jp2/icc.js";
import { readJp2 } from "../jp2/read.js";
import type { Jp2File } from "../jp2/types.js";
import type { DecodedImage } from "../types.js";
import { ICC_CHUNK_BYTES, XMP_MAX_BYTES, type JpegDensity, type JpegOptions } from "./options.js";

/** UUID of the XMP box (XMP Specification Part 3, 1.1.4 JPEG 2000). */
export const XMP_UUID = "be7acfcb-97a9-42e8-9c71-999491e3afac";

/** Metadata for {@link encodeJpeg} taken from a JP2 file, with notes on what was changed or left out. */
export interface Jp2JpegMetadata {
  icc?: Uint8Array;
  xmp?: Uint8Array;
  comments: string[];
  density?: JpegDensity;
  /** What was repaired or could not be carried over. */
  warnings: string[];
}

/** Strip trailing NULs (some writers terminate xml boxes with one). */
function trimNul(b: Uint8Array): Uint8Array {
  let n = b.length;
  while (n > 0 && b[n - 1] === 0) n--;
  return b.subarray(0, n);
}

/** JFIF density from the JP2 resolution box (pixels per metre): dpi when it is a whole number of dpi, else dpcm. */
function densityOf(file: Jp2File): JpegDensity | undefined {
  const r = file.resolution?.display ?? file.resolution?.capture;
  if (!r || !(r.horizontal > 0) || !(r.vertical > 0)) return undefined;
  const dpiX = r.horizontal * 0.0254;
  const dpiY = r.vertical * 0.0254;
  const whole = (v: number) => Math.abs(v - Math.round(v)) < 0.01;
  if (whole(dpiX) && whole(dpiY) && Math.round(dpiX) >= 1 && Math.round(dpiX) <= 65535 && Math.round(dpiY) >= 1 && Math.round(dpiY) <= 65535) {
    return { unit: "dpi", x: Math.round(dpiX), y: Math.round(dpiY) };
  }
  const x = Math.round(r.horizontal / 100);
  const y = Math.round(r.vertical / 100);
  return x >= 1 && x <= 65535 && y >= 1 && y <= 65535 ? { unit: "dpcm", x, y } : undefined;
}

/**
 * Collect what a JP2/JPX file (`bytes`) carries into a JPEG. Never throws for metadata problems:
 * what cannot be carried over is reported in `warnings`.
 */
export function jpegMetadataFromJp2(bytes: Uint8Array): Jp2JpegMetadata {
  const file = readJp2(bytes);
  const warnings: string[] = [];
  const out: Jp2JpegMetadata = { comments: [], warnings };

  const spec = file.colorSpace ?? file.colorSpecifications.find((s) => s.icc);
  if (spec?.icc) {
    let icc = spec.icc;
    const plan = planCurvRepairs(icc);
    if (plan.length > 0) {
      icc = repairCurvTags(icc);
      warnings.push(`ICC profile repaired before embedding: ${plan.map((p) => `${p.tags.join("/")} (${p.reason})`).join("; ")}`);
    }
    const problems = validateIcc(icc).problems;
    if (problems.length > 0) warnings.push(`the ICC profile is invalid (${problems[0]}) and was not embedded`);
    else if (icc.length > 255 * ICC_CHUNK_BYTES) warnings.push(`the ICC profile (${icc.length} bytes) is too large for JPEG APP2 segments and was not embedded`);
    else out.icc = icc;
  }

  const xmlBoxes: Uint8Array[] = [];
  for (const m of file.metadata) {
    if (m.type === "uuid" && m.uuid?.toLowerCase() === XMP_UUID && m.data) {
      if (out.xmp) warnings.push(`a second XMP box at byte ${m.offset} was not carried over (JPEG holds one XMP packet)`);
      else out.xmp = trimNul(m.data);
    } else if (m.type === "xml " && m.text !== undefined) {
      const enc = new TextEncoder().encode(m.text);
      if (/<x:xmpmeta|<\?xpacket/.test(m.text) && !out.xmp) out.xmp = enc;
      else xmlBoxes.push(enc);
    }
  }
  if (out.xmp && out.xmp.length > XMP_MAX_BYTES) {
    warnings.push(`the XMP packet (${out.xmp.length} bytes) exceeds one APP1 segment (${XMP_MAX_BYTES} bytes) and was not carried over`);
    out.xmp = undefined;
  }
  for (const x of xmlBoxes) out.comments.push(new TextDecoder().decode(x));
  if (xmlBoxes.length > 0) warnings.push(`${xmlBoxes.length} XML box(es) without XMP were carried over as JPEG comments (COM)`);
  const density = densityOf(file);
  if (density) out.density = density;
  return out;
}

/**
 * Make a decoded JP2 image ready for JFIF: sYCC (EnumCS 18) is converted to RGB with the
 * IEC 61966-2-1 Amd.1 matrix (R = Y + 1.402 Cr', G = Y - 0.344136 Cb' - 0.714136 Cr',
 * B = Y + 1.772 Cb', rounded and clamped; chroma centred on 2^(bits-1)); CMYK/YCCK/Lab data cannot
 * be coded as JFIF (`UNSUPPORTED`); other YCC spaces are coded as they are, with a warning.
 */
export function jpegReady(image: DecodedImage): { image: DecodedImage; warnings: string[] } {
  const name = image.colorSpace?.name;
  if (name === "CMYK" || name === "YCCK" || name === "CIELab" || name === "CIEJab") {
    throw new J2kError("UNSUPPORTED", `the image is in the ${name} colour space; j2kit writes JPEG only as greyscale or RGB (JFIF)`);
  }
  if (name === "sYCC" && image.components >= 3 && !image.signed && image.layout === "interleaved") {
    const C = image.components;
    const max = 2 ** image.bitDepth - 1;
    const mid = 2 ** (image.bitDepth - 1);
    const src = image.data;
    const data = new (src.constructor as { new (n: number): typeof src })(src.length);
    const clamp = (v: number) => (v < 0 ? 0 : v > max ? max : Math.round(v));
    for (let i = 0; i < src.length; i += C) {
      const y = src[i]!;
      const cb = src[i + 1]! - mid;
      const cr = src[i + 2]! - mid;
      data[i] = clamp(y + 1.402 * cr);
      data[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
      data[i + 2] = clamp(y + 1.772 * cb);
      for (let k = 3; k < C; k++) data[i + k] = src[i + k]!;
    }
    return { image: { ...image, data, colorSpace: { name: "sRGB", enumerated: 16 } }, warnings: ["sYCC samples were converted to RGB"] };
  }
  if (name !== undefined && /YCC|YCbCr|YPbPr/.test(name)) {
    return { image, warnings: [`the image is in the ${name} colour space; its samples were coded as if they were RGB (no conversion)`] };
  }
  return { image, warnings: [] };
}

export type { JpegOptions };
