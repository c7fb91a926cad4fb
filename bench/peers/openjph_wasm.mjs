/**
 * Benchmark peer: OpenJPH compiled to WebAssembly by @cornerstonejs/codec-openjph 2.4.11
 * (OpenJPH 0.31; `getVersion()`), the HTJ2K decoder JavaScript users have today. Each call does what
 * a caller must do: create the embind decoder, copy the codestream into WASM memory, decode, copy
 * the samples out, delete() the object (as the OpenJPEG-WASM peer and ../shared/benchcorpus/PEERS.md).
 * Its decoder handles single-layer HT streams (no multi-layer, mixed, POC/PPM/RGN streams).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** Load the peer once; returns a decode function. */
export async function loadOpenJphWasm() {
  const require = createRequire(import.meta.url);
  const factory = require("@cornerstonejs/codec-openjph/wasmjs");
  const wasmBinary = readFileSync(require.resolve("@cornerstonejs/codec-openjph/wasm"));
  const t0 = performance.now();
  const m = await factory({ print: () => {}, printErr: () => {}, wasmBinary });
  const initMs = performance.now() - t0;
  const version = typeof m.getVersion === "function" ? m.getVersion() : "?";

  /** Decode a raw HTJ2K codestream. */
  function decode(bytes) {
    const d = new m.HTJ2KDecoder();
    try {
      d.getEncodedBuffer(bytes.length).set(bytes);
      d.decode();
      const fi = d.getFrameInfo();
      const raw = d.getDecodedBuffer();
      if (!fi.width || raw.length === 0) throw new Error("OpenJPH-WASM could not decode the input");
      const n = fi.width * fi.height * fi.componentCount;
      const data =
        fi.bitsPerSample <= 8
          ? raw.slice(0, n)
          : fi.isSigned
            ? new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 2 * n))
            : new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 2 * n));
      return { width: fi.width, height: fi.height, components: fi.componentCount, bitDepth: fi.bitsPerSample, signed: fi.isSigned, data };
    } catch (err) {
      throw new Error(`OpenJPH-WASM decoder failed: ${typeof err === "number" ? `C++ exception ${err}` : String(err)}`, { cause: err });
    } finally {
      d.delete();
    }
  }

  return { name: "OpenJPH-WASM", version: `@cornerstonejs/codec-openjph (OpenJPH ${version})`, initMs, decode };
}
