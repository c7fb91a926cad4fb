/**
 * Benchmark peer: the `jpeg2000` npm package (pure JavaScript, derived from the old pdf.js JPX
 * decoder). Decode only; output is 8 bits per sample (higher precisions are scaled down), no
 * reduced-resolution, layer or region options. It needs a Node Buffer (a plain Uint8Array throws
 * `data.readUInt16BE is not a function`).
 */
import { createRequire } from "node:module";

/** Load the peer. */
export function loadJpeg2000Js() {
  const require = createRequire(import.meta.url);
  const t0 = performance.now();
  const { JpxImage } = require("jpeg2000");
  const initMs = performance.now() - t0;
  const version = require("jpeg2000/package.json").version;

  /** Decode; returns size and the tiles (8-bit samples). */
  function decode(bytes) {
    const img = new JpxImage();
    img.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: img.width, height: img.height, components: img.componentsCount, tiles: img.tiles };
  }

  return { name: "jpeg2000 (JS)", version: `jpeg2000 ${version}`, initMs, decode };
}
