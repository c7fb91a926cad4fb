/**
 * The benchmark corpus (../shared/benchcorpus) as images, read by the tests' own PNM reader so the
 * reference samples never pass through the library's src/io (code under test elsewhere).
 * Shared by the round-trip, rate-control and rate-distortion suites.
 * @module
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { J2kImage } from "../../src/types.js";
import { BENCHCORPUS } from "../helpers/paths.js";
import { readBinaryPnm } from "./pnm_reader.mjs";

export { readBinaryPnm };

/** A benchmark image file and the decomposition levels PEERS.md uses for it. */
export interface CorpusFile {
  file: string;
  /** 5 for Kodak and CT, 6 for saw and DX (PEERS.md "Settings"). */
  levels: number;
  /** Large (> 4 MP): use sparingly. */
  large: boolean;
}

/** The PNM files of the corpus. */
export const CORPUS_PNM: CorpusFile[] = [
  { file: "kodim03.ppm", levels: 5, large: false },
  { file: "kodim04.ppm", levels: 5, large: false },
  { file: "kodim07.ppm", levels: 5, large: false },
  { file: "kodim08.ppm", levels: 5, large: false },
  { file: "ct_693_512x512_14bit.pgm", levels: 5, large: false },
  { file: "dx_chest_966_2000x2128_12bit.pgm", levels: 6, large: true },
  { file: "saw_2725x2225.ppm", levels: 6, large: true },
];

const cache = new Map<string, J2kImage>();

/** A corpus PNM file as an image (cached per process). */
export function corpusImage(file: string): J2kImage {
  let img = cache.get(file);
  if (!img) {
    img = readBinaryPnm(new Uint8Array(readFileSync(resolve(BENCHCORPUS, file))));
    cache.set(file, img);
  }
  return img;
}

/** The top-left `w` × `h` samples of an interleaved image, as a new image of the same sample type. */
export function cropImage(img: J2kImage, w: number, h: number): J2kImage {
  const C = img.components;
  const Ctor = img.data.constructor as new (n: number) => Uint8Array | Uint16Array;
  const data = new Ctor(w * h * C);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(y * img.width * C, (y * img.width + w) * C), y * w * C);
  return { ...img, width: w, height: h, data } as J2kImage;
}

/** Path of a corpus file. */
export function corpusPath(file: string): string {
  return resolve(BENCHCORPUS, file);
}

/** The signed CT as stored in ct_693_512x512_s16le.raw: 512×512 little-endian int16. */
export function readSignedCt(): Int16Array {
  const raw = readFileSync(resolve(BENCHCORPUS, "ct_693_512x512_s16le.raw"));
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Int16Array(512 * 512);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true);
  return out;
}

/** The signed CT as an image of the given declared precision (its values fit 14 bits). */
export function signedCtImage(bitDepth: 14 | 16): J2kImage {
  return { width: 512, height: 512, components: 1, bitDepth, signed: true, data: readSignedCt() };
}
