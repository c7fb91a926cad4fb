/**
 * Native (uncompressed) Pixel Data ↔ j2kit images (PS3.5 §8.1, §8.2; PS3.3 C.7.6.3.1).
 *
 * Native samples are little-endian in containers of Bits Allocated bits; bits above Bits Stored
 * are masked off (or replaced by the sign for Pixel Representation 1) before encoding, as PS3.5
 * §8.1.1 leaves them undefined. Bits Allocated 1 is bit-packed, least significant bit first, across
 * the whole Pixel Data (frames are not byte aligned). Planar Configuration 1 stores colour by plane;
 * YBR_FULL_422 stores Y Y Cb Cr for every two pixels of a row (PS3.3 C.7.6.3.1.2).
 * @module
 */
import { J2kError } from "../errors.js";
import { sampleArrayFor } from "../samples.js";
import type { J2kImage } from "../types.js";
import { ATTRIBUTES, attributeName } from "./attributes.js";
import type { PixelModule } from "./pixel_module.js";

/** Samples stored per frame: YBR_FULL_422 stores two chroma samples per two pixels. */
function storedSamplesPerFrame(pm: PixelModule): number {
  const n = pm.rows * pm.columns;
  return pm.photometricInterpretation === "YBR_FULL_422" ? n * 2 : n * pm.samplesPerPixel;
}

/** Bits of native Pixel Data one frame occupies. */
export function nativeFrameBits(pm: PixelModule): number {
  return storedSamplesPerFrame(pm) * pm.bitsAllocated;
}

/** Bytes the native Pixel Data of all frames needs (before even-length padding). */
export function nativePixelDataLength(pm: PixelModule): number {
  return Math.ceil((nativeFrameBits(pm) * pm.numberOfFrames) / 8);
}

/**
 * Check that `pixelData` holds every frame `pm` describes.
 *
 * @throws J2kError `DICOM_INVALID` naming Pixel Data and the length the attributes imply.
 */
export function checkNativeLength(pixelData: Uint8Array, pm: PixelModule): void {
  const need = nativePixelDataLength(pm);
  if (pixelData.length < need) {
    throw new J2kError(
      "DICOM_INVALID",
      `${attributeName(ATTRIBUTES.PixelData)} has ${pixelData.length} bytes but Rows ${pm.rows} x Columns ${pm.columns} x ${
        pm.photometricInterpretation === "YBR_FULL_422" ? "2 (YBR_FULL_422)" : `Samples per Pixel ${pm.samplesPerPixel}`
      } x Bits Allocated ${pm.bitsAllocated} x Number of Frames ${pm.numberOfFrames} needs ${need}`,
    );
  }
}

/**
 * One frame of native Pixel Data as a pixel-interleaved image with `bitDepth` = Bits Stored and
 * `signed` = Pixel Representation 1; YBR_FULL_422 is expanded to full-resolution chroma.
 */
export function readNativeFrame(pixelData: Uint8Array, index: number, pm: PixelModule): J2kImage {
  const n = pm.rows * pm.columns;
  const spp = pm.samplesPerPixel;
  const signed = pm.pixelRepresentation === 1;
  const bits = pm.bitsStored;
  const out = sampleArrayFor(bits, signed, n * spp);
  const image: J2kImage = { width: pm.columns, height: pm.rows, components: spp, bitDepth: bits, signed, data: out };

  if (pm.bitsAllocated === 1) {
    const base = index * n;
    for (let i = 0; i < n; i++) {
      const bit = base + i;
      out[i] = (pixelData[Math.floor(bit / 8)]! >> (bit % 8)) & 1;
    }
    return image;
  }

  const bytesPer = pm.bitsAllocated / 8;
  const frameBytes = storedSamplesPerFrame(pm) * bytesPer;
  const base = index * frameBytes;
  const shift = 32 - bits;
  // Bits above Bits Stored: masked (unsigned) or replaced by the sign bit (signed), PS3.5 §8.1.1.
  const clean = signed ? (v: number) => (v << shift) >> shift : (v: number) => (bits >= 32 ? v >>> 0 : v & ((1 << bits) - 1));
  const read = sampleReader(pixelData, bytesPer);

  if (pm.photometricInterpretation === "YBR_FULL_422") {
    if (pm.columns % 2 !== 0) {
      throw new J2kError("DICOM_INVALID", `${attributeName(ATTRIBUTES.Columns)} is ${pm.columns}; YBR_FULL_422 needs an even number of columns`);
    }
    const half = pm.columns / 2;
    for (let y = 0; y < pm.rows; y++) {
      for (let q = 0; q < half; q++) {
        const at = base + ((y * half + q) * 4) * bytesPer;
        const cb = clean(read(at + 2 * bytesPer));
        const cr = clean(read(at + 3 * bytesPer));
        for (let k = 0; k < 2; k++) {
          const p = (y * pm.columns + 2 * q + k) * 3;
          out[p] = clean(read(at + k * bytesPer));
          out[p + 1] = cb;
          out[p + 2] = cr;
        }
      }
    }
    return image;
  }

  if (spp === 1 || pm.planarConfiguration === 0) {
    const count = n * spp;
    if (bytesPer === 1) {
      for (let i = 0; i < count; i++) out[i] = clean(pixelData[base + i]!);
    } else {
      for (let i = 0; i < count; i++) out[i] = clean(read(base + i * bytesPer));
    }
    return image;
  }
  // Planar Configuration 1: all of component 0, then 1, then 2.
  for (let c = 0; c < spp; c++) {
    const plane = base + c * n * bytesPer;
    for (let p = 0; p < n; p++) out[p * spp + c] = clean(read(plane + p * bytesPer));
  }
  return image;
}

/** Little-endian reader of `bytesPer`-byte containers (only the low 32 bits matter: Bits Stored <= 32). */
function sampleReader(b: Uint8Array, bytesPer: number): (at: number) => number {
  switch (bytesPer) {
    case 1:
      return (at) => b[at]!;
    case 2:
      return (at) => b[at]! | (b[at + 1]! << 8);
    case 3:
      return (at) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
    default:
      return (at) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24);
  }
}

/**
 * Native Pixel Data (little-endian, Planar Configuration 0, padded to even length) from the
 * pixel-interleaved samples of each frame. Signed values are written in two's complement across
 * the whole container (sign-extended above Bits Stored); Bits Allocated 1 packs bits across frames.
 */
export function writeNativePixelData(frames: ReadonlyArray<ArrayLike<number>>, pm: PixelModule): Uint8Array {
  const perFrame = pm.rows * pm.columns * pm.samplesPerPixel;
  if (pm.bitsAllocated === 1) {
    const totalBits = perFrame * frames.length;
    const out = new Uint8Array(evenLength(Math.ceil(totalBits / 8)));
    let bit = 0;
    for (const f of frames) {
      for (let i = 0; i < perFrame; i++, bit++) {
        if (f[i]! & 1) out[Math.floor(bit / 8)]! |= 1 << (bit % 8);
      }
    }
    return out;
  }
  const bytesPer = pm.bitsAllocated / 8;
  const signed = pm.pixelRepresentation === 1;
  const out = new Uint8Array(evenLength(perFrame * bytesPer * frames.length));
  let at = 0;
  for (const f of frames) {
    if (bytesPer === 1) {
      for (let i = 0; i < perFrame; i++) out[at++] = f[i]! & 0xff;
      continue;
    }
    for (let i = 0; i < perFrame; i++) {
      const v = f[i]! | 0;
      for (let k = 0; k < bytesPer; k++) out[at + k] = k < 4 ? (v >> (8 * k)) & 0xff : signed && v < 0 ? 0xff : 0;
      at += bytesPer;
    }
  }
  return out;
}

function evenLength(n: number): number {
  return n + (n & 1);
}
