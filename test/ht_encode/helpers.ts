/**
 * Helpers of the HT encoder tests: OpenJPH-WASM (@cornerstonejs/codec-openjph 2.4.11) as an
 * independent decoder, PSNR of a decoded image.
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

interface OjphModule {
  HTJ2KDecoder: new () => {
    getEncodedBuffer(n: number): Uint8Array;
    decode(): void;
    getFrameInfo(): { width: number; height: number; componentCount: number; bitsPerSample: number; isSigned: boolean };
    getDecodedBuffer(): Uint8Array;
    delete(): void;
  };
}

let mod: Promise<OjphModule> | undefined;

function openJph(): Promise<OjphModule> {
  if (!mod) {
    const require = createRequire(import.meta.url);
    const factory = require("@cornerstonejs/codec-openjph/wasmjs") as (o: object) => Promise<OjphModule>;
    const wasmBinary = readFileSync(require.resolve("@cornerstonejs/codec-openjph/wasm"));
    mod = factory({ print: () => {}, printErr: () => {}, wasmBinary });
  }
  return mod;
}

/** Decode a raw HTJ2K codestream with OpenJPH-WASM: interleaved samples (8-bit, or 16-bit typed). */
export async function openJphDecode(bytes: Uint8Array): Promise<{ width: number; height: number; components: number; data: ArrayLike<number> }> {
  const m = await openJph();
  const d = new m.HTJ2KDecoder();
  try {
    d.getEncodedBuffer(bytes.length).set(bytes);
    d.decode();
    const fi = d.getFrameInfo();
    const raw = d.getDecodedBuffer();
    const n = fi.width * fi.height * fi.componentCount;
    const data =
      fi.bitsPerSample <= 8
        ? (fi.isSigned ? new Int8Array(raw.slice(0, n).buffer) : raw.slice(0, n))
        : fi.isSigned
          ? new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 2 * n))
          : new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 2 * n));
    return { width: fi.width, height: fi.height, components: fi.componentCount, data };
  } finally {
    d.delete();
  }
}

/** PSNR in dB of `b` against `a` (same length), peak 2^bitDepth - 1. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, bitDepth: number): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    se += d * d;
  }
  if (se === 0) return Infinity;
  const peak = 2 ** bitDepth - 1;
  return 10 * Math.log10((peak * peak * a.length) / se);
}
