/**
 * Benchmark peer: OpenJPEG compiled to WebAssembly by @cornerstonejs/codec-openjpeg (the `/wasmjs`
 * build; the package main is a much slower asm.js build). Each call does what a caller must do:
 * create the embind object, copy samples/bytes into WASM memory, run, copy the result out,
 * delete() the object (as in ../shared/benchcorpus/PEERS.md).
 *
 * Limits of the wrapper (PEERS.md "Peer API details"): its encoder ignores code-block, tile and
 * precinct settings (always 64×64, one tile), defaults to RPCL (we set LRCP), forces MCT for more
 * than one component, and crashes on >8-bit multi-component input; its decoder writes 8/16-bit
 * interleaved samples and no more than 3 components, and has no region decoding.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const PROGRESSIONS = ["LRCP", "RLCP", "RPCL", "PCRL", "CPRL"];

/** Load the peer once; returns encode/decode functions. */
export async function loadOpenJpegWasm() {
  const require = createRequire(import.meta.url);
  const factory = require("@cornerstonejs/codec-openjpeg/wasmjs");
  const wasmBinary = readFileSync(require.resolve("@cornerstonejs/codec-openjpeg/wasm"));
  const t0 = performance.now();
  const m = await factory({ print: () => {}, printErr: () => {}, wasmBinary });
  const initMs = performance.now() - t0;
  const version = typeof m.getVersion === "function" ? m.getVersion() : "?";

  /** Why the encoder cannot take this image (undefined when it can). */
  function cannotEncode(image) {
    if (image.components > 1 && image.bitDepth > 8) return ">8-bit multi-component input crashes the wrapper";
    if (image.signed && image.bitDepth <= 8) return "≤8-bit input is read as unsigned bytes";
    return undefined;
  }

  /**
   * Encode. `ratios` empty/absent = lossless (5/3, RCT), else 9/7 + ICT with one layer per ratio.
   * @returns {Uint8Array}
   */
  function encode(image, { levels, progression = "LRCP", ratios } = {}) {
    const why = cannotEncode(image);
    if (why) throw new Error(`OpenJPEG-WASM encoder: ${why}`);
    const e = new m.J2KEncoder();
    try {
      const buf = e.getDecodedBuffer({
        width: image.width,
        height: image.height,
        bitsPerSample: image.bitDepth,
        componentCount: image.components,
        isSigned: image.signed,
      });
      if (image.bitDepth <= 8) buf.set(image.data);
      else buf.set(new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength));
      e.setDecompositions(levels);
      e.setProgressionOrder(PROGRESSIONS.indexOf(progression));
      if (ratios && ratios.length) {
        e.setQuality(false, ratios.length);
        ratios.forEach((r, i) => e.setCompressionRatio(i, r));
      }
      e.encode();
      return e.getEncodedBuffer().slice();
    } catch (err) {
      throw new Error(`OpenJPEG-WASM encoder failed: ${typeof err === "number" ? `C++ exception ${err}` : String(err)}`, { cause: err });
    } finally {
      e.delete();
    }
  }

  /** Decode (optionally `reduce` levels and only `layers` quality layers). */
  function decode(bytes, { reduce = 0, layers = 0 } = {}) {
    const d = new m.J2KDecoder();
    try {
      d.getEncodedBuffer(bytes.length).set(bytes);
      if (reduce || layers) d.decodeSubResolution(reduce, layers);
      else d.decode();
      const fi = d.getFrameInfo();
      const raw = d.getDecodedBuffer();
      if (!fi.width || raw.length === 0) throw new Error("OpenJPEG-WASM could not decode the input");
      let w = fi.width;
      let h = fi.height;
      for (let r = reduce; r > 0; r--) {
        w = Math.ceil(w / 2);
        h = Math.ceil(h / 2);
      }
      const n = w * h * fi.componentCount;
      const data =
        fi.bitsPerSample <= 8
          ? raw.slice(0, n) // copied out of WASM memory, as j2kit's result is
          : fi.isSigned
            ? new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 2 * n))
            : new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 2 * n));
      return { width: w, height: h, components: fi.componentCount, bitDepth: fi.bitsPerSample, signed: fi.isSigned, data };
    } catch (err) {
      throw new Error(`OpenJPEG-WASM decoder failed: ${typeof err === "number" ? `C++ exception ${err}` : String(err)}`, { cause: err });
    } finally {
      d.delete();
    }
  }

  return { name: "OpenJPEG-WASM", version: `@cornerstonejs/codec-openjpeg (OpenJPEG ${version})`, initMs, cannotEncode, encode, decode };
}
