/**
 * Worker of the demo's "remote image" viewer: opens a JPEG 2000 URL with `openImage` (byte-range
 * requests, nothing downloaded whole) and decodes the regions OpenSeadragon asks for, at the
 * reduced resolution of each zoom level, into RGBA pixels for a canvas.
 *
 * Messages in:  { open: url }                         → { opened: header summary } | { error }
 *               { id, x, y, width, height, reduce }    → { id, width, height, rgba, bytes, requests } | { id, error }
 */
import { openImage } from "../dist/index.js";

/** @type {Awaited<ReturnType<typeof openImage>> | null} */
let image = null;

/** 8-bit RGBA from a decoded image (1-4 components, any precision up to 16 bits). */
function toRgba(img) {
  const n = img.width * img.height;
  const C = img.components;
  const out = new Uint8ClampedArray(n * 4);
  const info = img.componentInfo;
  const colour = C >= 3;
  const take = colour ? [0, 1, 2] : [0, 0, 0];
  const alpha = C === 2 || C === 4 ? C - 1 : -1;
  const conv = (comp) => {
    const b = info[comp]?.bitDepth ?? img.bitDepth;
    const off = info[comp]?.signed ? 2 ** (b - 1) : 0;
    const k = 255 / (2 ** b - 1);
    return (v) => (v + off) * k;
  };
  const f = [conv(take[0]), conv(take[1]), conv(take[2]), alpha >= 0 ? conv(alpha) : null];
  const d = img.data;
  for (let i = 0; i < n; i++) {
    const s = i * C;
    out[i * 4] = f[0](d[s + take[0]]);
    out[i * 4 + 1] = f[1](d[s + take[1]]);
    out[i * 4 + 2] = f[2](d[s + take[2]]);
    out[i * 4 + 3] = f[3] ? f[3](d[s + alpha]) : 255;
  }
  return out;
}

function describe(e) {
  return e && e.code ? `[${e.code}] ${e.message}` : String(e && e.message ? e.message : e);
}

self.onmessage = async (event) => {
  const m = event.data;
  if (m.open !== undefined) {
    try {
      image = await openImage(m.open);
      const h = image.header;
      self.postMessage({ opened: { width: h.width, height: h.height, levels: h.levels, components: h.components, bitDepth: h.bitDepth, tiles: h.tilesX * h.tilesY, precincts: h.precincts ?? null } });
    } catch (e) {
      self.postMessage({ error: describe(e) });
    }
    return;
  }
  if (!image) return self.postMessage({ id: m.id, error: "no image open" });
  try {
    const img = await image.decode({ region: { x: m.x, y: m.y, width: m.width, height: m.height }, reduce: m.reduce });
    const rgba = toRgba(img);
    const stats = typeof image.stats === "function" ? image.stats() : null;
    self.postMessage({ id: m.id, width: img.width, height: img.height, rgba, stats }, [rgba.buffer]);
  } catch (e) {
    self.postMessage({ id: m.id, error: describe(e) });
  }
};
