/**
 * Synthetic test images for property tests: a shape (size, components, precision, signedness) and
 * a content kind, filled deterministically from a seed. Content kinds cover what breaks coders:
 * noise (incompressible), smooth gradients, flat images, the extreme values of the range,
 * sparse spikes, and a checkerboard.
 * @module
 */
import type { J2kImage } from "../../src/types.js";
import { Prng } from "./prng.js";

/** Content of a synthetic image. */
export type ContentKind = "noise" | "gradient" | "flat" | "extremes" | "sparse" | "checker";

/** All content kinds. */
export const CONTENT_KINDS: readonly ContentKind[] = ["noise", "gradient", "flat", "extremes", "sparse", "checker"];

/** What {@link makeImage} builds. */
export interface ImageSpec {
  width: number;
  height: number;
  components: number;
  bitDepth: number;
  signed: boolean;
  content: ContentKind;
  seed: number;
}

/** A pixel-interleaved image with the typed array the public API documents for its precision. */
export function makeImage(spec: ImageSpec): J2kImage {
  const { width, height, components, bitDepth, signed } = spec;
  const n = width * height * components;
  const data =
    bitDepth > 16 ? new Int32Array(n) : signed ? new Int16Array(n) : bitDepth <= 8 ? new Uint8Array(n) : new Uint16Array(n);
  const lo = signed ? -(2 ** (bitDepth - 1)) : 0;
  const hi = signed ? 2 ** (bitDepth - 1) - 1 : 2 ** bitDepth - 1;
  const span = hi - lo + 1;
  const rng = new Prng(spec.seed);
  const flat = lo + rng.int(span);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < components; c++, i++) {
        let v: number;
        switch (spec.content) {
          case "noise":
            v = lo + rng.int(span);
            break;
          case "gradient":
            v = lo + Math.floor((((x + 2 * y + 17 * c) % (width + height + 1)) / (width + height)) * (span - 1));
            break;
          case "flat":
            v = flat;
            break;
          case "extremes":
            v = rng.chance(0.5) ? lo : hi;
            break;
          case "sparse":
            v = rng.chance(0.02) ? lo + rng.int(span) : signed ? 0 : lo;
            break;
          default:
            v = ((x >> 2) + (y >> 2) + c) % 2 ? hi : lo;
        }
        data[i] = Math.max(lo, Math.min(hi, v));
      }
    }
  }
  return { width, height, components, bitDepth, signed, data };
}

/** Largest number of decomposition levels OpenJPEG accepts for a tile of this size (2^L ≤ min side). */
export function maxLevelsFor(width: number, height: number): number {
  return Math.max(0, Math.floor(Math.log2(Math.min(width, height))));
}
