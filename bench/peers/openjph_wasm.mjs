/**
 * Benchmark peer: OpenJPH compiled to WebAssembly by @cornerstonejs/codec-openjph 2.4.11
 * (OpenJPH 0.31; `getVersion()`), the HTJ2K decoder JavaScript users have today. Each call does what
 * a caller must do: create the embind decoder, copy the codestream into WASM memory, decode, copy
 * the samples out, delete() the object (as the OpenJPEG-WASM peer and ../shared/benchcorpus/PEERS.md).
 * Its decoder handles single-layer HT streams (no multi-layer, mixed, POC/PPM/RGN streams).
 * Its encoder (HTJ2KEncoder) writes one layer, lossless or with a fixed quantisation step (qstep,
 * as ojph_compress -qstep): it has no rate control.
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

  /**
   * Encode an image ({ width, height, components, bitDepth, signed, data: interleaved 8/16-bit }):
   * lossless (5/3 + RCT) or, with `qstep`, 9/7 + ICT at that step; `levels` decompositions, LRCP,
   * 64×64 code-blocks. Returns the codestream (a copy).
   */
  function encode(img, { qstep, levels = 5 } = {}) {
    const e = new m.HTJ2KEncoder();
    try {
      const fi = { width: img.width, height: img.height, bitsPerSample: img.bitDepth, componentCount: img.components, isSigned: img.signed, isUsingColorTransform: img.components >= 3 };
      const buf = e.getDecodedBuffer(fi);
      buf.set(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength));
      e.setDecompositions(levels);
      e.setProgressionOrder(0); // LRCP (its default is RPCL)
      e.setQuality(qstep === undefined, qstep ?? 0);
      e.encode();
      return e.getEncodedBuffer().slice();
    } catch (err) {
      throw new Error(`OpenJPH-WASM encoder failed: ${typeof err === "number" ? `C++ exception ${err}` : String(err)}`, { cause: err });
    } finally {
      e.delete();
    }
  }

  return { name: "OpenJPH-WASM", version: `@cornerstonejs/codec-openjph (OpenJPH ${version})`, initMs, decode, encode };
}
