/**
 * j2kit browser demo: open or generate an image, encode it with quality layers, and look at it
 * progressively (layers, resolution, region). Plain ES module, no bundler: it imports the built
 * library from ../dist/. See demo/README.md.
 */
import { init, encodeDetailed, decode, decodeAsync, readHeader, J2kError } from "../dist/index.js";

/** Decodes of more output pixels than this go to the Web Worker pool (decodeAsync). */
const LARGE_IMAGE_PIXELS = 1 << 20;

const $ = (id) => document.getElementById(id);

const state = {
  /** The image to encode (J2kImage): from a PNG/JPEG, the generator, or a decoded file. */
  original: null,
  name: "image",
  /** The codestream or JP2 file being viewed, and its readHeader() info. */
  coded: null,
  header: null,
  downloadUrl: null,
  renders: 0,
  /** Where the canvas sits in the image: top-left corner and image pixels per canvas pixel. */
  view: { x: 0, y: 0, step: 1 },
};

// ---------------------------------------------------------------------------------------------
// Start: compile the WebAssembly core once (browsers refuse to compile large modules
// synchronously on the main thread), then the synchronous API can be used.
// ---------------------------------------------------------------------------------------------
try {
  await init();
  $("encode").disabled = false;
  document.body.dataset.ready = "true";
} catch (e) {
  showError(e);
}

$("generate").addEventListener("click", () => run(() => useImage(testImage(256, 192), "test-image")));
$("file").addEventListener("change", () => {
  const file = $("file").files?.[0];
  if (file) run(() => openFile(file));
});
$("encode").addEventListener("click", () => run(encodeCurrent));
$("mode").addEventListener("change", () => {
  const mode = $("mode").value;
  $("targets").disabled = mode === "lossless";
  if (mode === "ratios") $("targets").value = "40,20,10";
  if (mode === "psnr") $("targets").value = "30,36,42";
});
$("fit").addEventListener("change", () => $("canvas").classList.toggle("fit", $("fit").checked));
for (const id of ["layers", "reduce", "use-region", "rx", "ry", "rw", "rh"]) $(id).addEventListener("input", scheduleRender);

// ---------------------------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------------------------

/** A JPEG 2000 codestream starts with SOC SIZ (FF4F FF51), a JP2/JPX file with its signature box. */
function isJpeg2000(bytes) {
  const soc = bytes[0] === 0xff && bytes[1] === 0x4f && bytes[2] === 0xff && bytes[3] === 0x51;
  const jp2 = bytes.length >= 12 && bytes[3] === 12 && String.fromCharCode(...bytes.subarray(4, 8)) === "jP  ";
  return soc || jp2;
}

async function openFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  state.name = file.name.replace(/\.[^.]*$/, "") || "image";
  if (isJpeg2000(bytes)) {
    // Decode: the full image becomes the source for re-encoding; the file itself is viewed.
    const header = readHeader(bytes);
    const t0 = performance.now();
    const { image, where } = await decodeFor(bytes, header.width * header.height, {});
    const ms = performance.now() - t0;
    state.original = image;
    $("source").textContent = `${file.name}: ${describeImage(image)}`;
    await showCoded(bytes, header, { decodeMs: ms, where, reference: "the decode of all layers" });
    return;
  }
  // Anything else: let the browser decode it (PNG, JPEG, ...), then encode with j2kit.
  const bitmap = await createImageBitmap(file, { premultiplyAlpha: "none", colorSpaceConversion: "none" }).catch((e) => {
    throw new Error(`${file.name} is neither JPEG 2000 nor an image this browser can decode (${e.message})`);
  });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  await useImage(imageFromRgba(ctx.getImageData(0, 0, canvas.width, canvas.height)), state.name);
}

async function useImage(image, name) {
  state.original = image;
  state.name = name;
  $("source").textContent = `${name}: ${describeImage(image)}`;
  await encodeCurrent();
}

/** RGBA pixels to a J2kImage: greyscale when R = G = B everywhere, alpha only when not opaque. */
function imageFromRgba({ data, width, height }) {
  let opaque = true;
  let grey = true;
  for (let i = 0; i < data.length && (opaque || grey); i += 4) {
    if (data[i + 3] !== 255) opaque = false;
    if (data[i] !== data[i + 1] || data[i] !== data[i + 2]) grey = false;
  }
  const keep = (grey ? [0] : [0, 1, 2]).concat(opaque ? [] : [3]);
  const out = new Uint8Array(width * height * keep.length);
  for (let p = 0, o = 0; p < width * height; p++) for (const k of keep) out[o++] = data[4 * p + k];
  return { width, height, components: keep.length, bitDepth: 8, signed: false, data: out };
}

/** A synthetic RGB picture: gradients, edges, a fine checkerboard and a little noise (like a photo). */
function testImage(width, height) {
  const data = new Uint8Array(width * height * 3);
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) / 32 - 4; // -4..4, repeatable
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      let r = (255 * x) / (width - 1);
      let g = (255 * y) / (height - 1);
      let b = 128 + 100 * Math.sin(x / 6) * Math.cos(y / 9);
      if ((x - 0.62 * width) ** 2 + (y - 0.5 * height) ** 2 < (0.22 * height) ** 2) [r, g, b] = [255 - g, 200, r / 2];
      if (x < width / 4 && y < height / 3) r = g = b = ((x >> 2) + (y >> 2)) & 1 ? 230 : 25;
      data[i] = clamp8(r + noise());
      data[i + 1] = clamp8(g + noise());
      data[i + 2] = clamp8(b + noise());
    }
  }
  return { width, height, components: 3, bitDepth: 8, signed: false, data };
}

function clamp8(v) {
  return Math.max(0, Math.min(255, Math.round(v)));
}

function describeImage(img) {
  return `${img.width}×${img.height}, ${img.components} component(s), ${img.bitDepth}-bit${img.signed ? " signed" : ""}`;
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/** EncodeOptions from the form; bad input becomes a J2kError like the library's own. */
function encodeOptions() {
  const options = {
    progression: $("progression").value,
    levels: Number($("levels").value),
    codeBlock: $("codeblock").value.split("x").map(Number),
    format: $("format").value,
  };
  // HT block coder (Part 15): the checkbox, or the .jph file format, which is HT's
  if ($("ht").checked || options.format === "jph") options.ht = true;
  const mode = $("mode").value;
  if (mode === "lossless") options.lossless = true;
  else {
    const targets = $("targets").value.split(",").map((s) => Number(s.trim()));
    if (targets.length === 0 || targets.some((t) => !Number.isFinite(t) || t <= 0)) {
      throw new J2kError("ENCODE_INVALID_OPTIONS", `targets must be positive numbers separated by commas (got "${$("targets").value}")`);
    }
    options[mode] = targets;
  }
  const tile = $("tile").value.trim();
  if (tile) {
    const m = /^(\d+)\s*[x×]\s*(\d+)$/.exec(tile);
    if (!m) throw new J2kError("ENCODE_INVALID_OPTIONS", `tiles must look like 256x256 (got "${tile}")`);
    options.tile = { width: Number(m[1]), height: Number(m[2]) };
  }
  return options;
}

async function encodeCurrent() {
  if (!state.original) return;
  const options = encodeOptions();
  $("timing").textContent = "Encoding…";
  await nextPaint();
  const t0 = performance.now();
  const result = encodeDetailed(state.original, options);
  const encodeMs = performance.now() - t0;
  const header = readHeader(result.data);
  await showCoded(result.data, header, { encodeMs, layerBytes: result.layerBytes, warnings: result.warnings, reference: "the source image" });
}

// ---------------------------------------------------------------------------------------------
// Showing a codestream: per-layer table, header, download link, viewer
// ---------------------------------------------------------------------------------------------

async function showCoded(bytes, header, facts) {
  state.coded = bytes;
  state.header = header;
  $("header").textContent = JSON.stringify(header, (k, v) => (ArrayBuffer.isView(v) ? `<${v.length} bytes>` : v), 1);

  // Each quality layer decoded on its own and compared with the source image.
  const full = header.width * header.height;
  const t0 = performance.now();
  const decoded = await Promise.all(
    Array.from({ length: header.layers }, (_, l) => decodeFor(bytes, full, { layers: l + 1 }).then((r) => r.image)),
  );
  const layersMs = performance.now() - t0;
  const reference = state.original;
  const rawBytes = (header.width * header.height * header.components * header.bitDepth) / 8;
  $("layer-table").caption.textContent = `Quality layers (bytes so far; PSNR against ${facts.reference})`;
  $("layer-table").tBodies[0].replaceChildren(
    ...decoded.map((img, l) => {
      const bytesSoFar = facts.layerBytes?.[l];
      const db = psnr(reference, img);
      return row([
        String(l + 1),
        bytesSoFar?.toLocaleString("en") ?? "–",
        bytesSoFar ? `${(rawBytes / bytesSoFar).toFixed(1)}:1` : "–",
        db === Infinity ? "∞ (exact)" : Number.isNaN(db) ? "–" : db.toFixed(2),
      ]);
    }),
  );

  const parts = [`${bytes.length.toLocaleString("en")} bytes (${(rawBytes / bytes.length).toFixed(1)}:1)`];
  if (facts.encodeMs !== undefined) parts.push(`encoded in ${facts.encodeMs.toFixed(0)} ms`);
  if (facts.decodeMs !== undefined) parts.push(`decoded in ${facts.decodeMs.toFixed(0)} ms (${facts.where})`);
  parts.push(`${header.layers} layer(s) decoded in ${layersMs.toFixed(0)} ms`);
  if (facts.warnings?.length) parts.push(`warnings: ${facts.warnings.join("; ")}`);
  $("timing").textContent = parts.join(" · ");

  if (state.downloadUrl) URL.revokeObjectURL(state.downloadUrl);
  const ext = header.format === "j2k" ? "j2k" : header.format;
  state.downloadUrl = URL.createObjectURL(new Blob([bytes], { type: ext === "j2k" ? "image/j2k" : "image/jp2" }));
  Object.assign($("download"), { href: state.downloadUrl, download: `${state.name}.${ext}`, hidden: false, textContent: `Download ${state.name}.${ext}` });

  // Viewer controls for this codestream: all layers, full resolution, region inside the image.
  Object.assign($("layers"), { max: header.layers, value: header.layers, disabled: false });
  Object.assign($("reduce"), { max: header.levels, value: 0, disabled: false });
  $("use-region").disabled = false;
  const { width: W, height: H } = header; // the region box starts as the central quarter
  for (const [id, max, value] of [["rx", W - 1, W >> 2], ["ry", H - 1, H >> 2], ["rw", W, Math.max(1, W >> 1)], ["rh", H, Math.max(1, H >> 1)]]) {
    Object.assign($(id), { max, value });
  }
  await scheduleRender();
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const text of cells) tr.append(Object.assign(document.createElement("td"), { textContent: text }));
  return tr;
}

/** PSNR in dB of `test` against `ref` (same size and components), peak 2^bitDepth - 1. */
function psnr(ref, test) {
  if (!ref || ref.width !== test.width || ref.height !== test.height || ref.components !== test.components) return NaN;
  let sum = 0;
  for (let i = 0; i < ref.data.length; i++) sum += (ref.data[i] - test.data[i]) ** 2;
  if (sum === 0) return Infinity;
  const peak = 2 ** ref.bitDepth - 1;
  return 10 * Math.log10((peak * peak * ref.data.length) / sum);
}

/** Small outputs decode on this thread (after init()); large ones in the worker pool. */
async function decodeFor(bytes, outputPixels, options) {
  if (outputPixels > LARGE_IMAGE_PIXELS) return { image: await decodeAsync(bytes, options), where: "Web Worker" };
  return { image: decode(bytes, options), where: "main thread" };
}

// ---------------------------------------------------------------------------------------------
// Progressive view
// ---------------------------------------------------------------------------------------------

let rendering = false;
let renderAgain = false;

/** Render the current setting; while a decode runs, remember that another one is wanted. */
async function scheduleRender() {
  if (!state.coded) return;
  if (rendering) {
    renderAgain = true;
    return;
  }
  rendering = true;
  try {
    do {
      renderAgain = false;
      await render();
    } while (renderAgain);
  } catch (e) {
    showError(e);
  } finally {
    rendering = false;
  }
}

async function render() {
  const h = state.header;
  const layers = Number($("layers").value);
  const reduce = Number($("reduce").value);
  $("layers-value").textContent = `${layers} / ${h.layers}`;
  $("reduce-value").textContent = reduce === 0 ? "full size" : `1/${2 ** reduce}`;
  const options = { layers, reduce };
  let pixels = (h.width * h.height) / 4 ** reduce;
  state.view = { x: 0, y: 0, step: 2 ** reduce }; // canvas pixel -> image coordinates
  if ($("use-region").checked) {
    const [x, y, width, height] = ["rx", "ry", "rw", "rh"].map((id) => Number($(id).value));
    options.region = { x, y, width, height };
    pixels = (width * height) / 4 ** reduce;
    state.view = { x, y, step: 2 ** reduce };
  }
  const t0 = performance.now();
  const { image, where } = await decodeFor(state.coded, pixels, options);
  const ms = performance.now() - t0;
  const canvas = $("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext("2d").putImageData(toImageData(image), 0, 0);
  clearError();
  $("view-info").textContent = `${image.width}×${image.height} decoded in ${ms.toFixed(1)} ms on the ${where}` + (image.warnings.length ? ` — ${image.warnings.join("; ")}` : "");
  canvas.dataset.renders = String(++state.renders);
}

// Drag on the picture to choose the region (in full-resolution image coordinates).
let dragStart = null;
$("canvas").addEventListener("pointerdown", (e) => {
  if (!state.coded) return;
  dragStart = imagePoint(e);
  $("canvas").setPointerCapture(e.pointerId);
});
$("canvas").addEventListener("pointerup", (e) => {
  if (!dragStart) return;
  const end = imagePoint(e);
  const [x0, x1] = [dragStart.x, end.x].sort((a, b) => a - b);
  const [y0, y1] = [dragStart.y, end.y].sort((a, b) => a - b);
  dragStart = null;
  if (x1 - x0 < 2 || y1 - y0 < 2) return; // a click, not a box
  Object.assign($("rx"), { value: x0 });
  Object.assign($("ry"), { value: y0 });
  Object.assign($("rw"), { value: x1 - x0 });
  Object.assign($("rh"), { value: y1 - y0 });
  $("use-region").checked = true;
  scheduleRender();
});

/** The image point under the pointer, clamped to the image. */
function imagePoint(e) {
  const canvas = $("canvas");
  const box = canvas.getBoundingClientRect();
  const { x, y, step } = state.view;
  const px = ((e.clientX - box.left) * canvas.width) / box.width;
  const py = ((e.clientY - box.top) * canvas.height) / box.height;
  return {
    x: Math.max(0, Math.min(state.header.width, Math.round(x + px * step))),
    y: Math.max(0, Math.min(state.header.height, Math.round(y + py * step))),
  };
}

/** Any decoded image as 8-bit RGBA: grey, grey + alpha, RGB, RGBA; other bit depths scaled to 0-255. */
function toImageData(img) {
  const { width, height, components: C, data } = img;
  const info = img.componentInfo.length === C ? img.componentInfo : Array.from({ length: C }, () => img);
  const offset = info.map((ci) => (ci.signed ? 2 ** (ci.bitDepth - 1) : 0));
  const scale = info.map((ci) => 255 / (2 ** ci.bitDepth - 1));
  const colour = C >= 3 ? [0, 1, 2] : [0, 0, 0];
  const alpha = C === 2 ? 1 : C === 4 ? 3 : -1;
  const out = new ImageData(width, height);
  const px = out.data; // Uint8ClampedArray: rounds and clamps
  for (let p = 0, i = 0; p < width * height; p++, i += C) {
    for (let k = 0; k < 3; k++) px[4 * p + k] = (data[i + colour[k]] + offset[colour[k]]) * scale[colour[k]];
    px[4 * p + 3] = alpha < 0 ? 255 : (data[i + alpha] + offset[alpha]) * scale[alpha];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

/** Run a UI action; failures are shown as the J2kError code and message. */
async function run(action) {
  document.body.dataset.busy = "true";
  clearError();
  try {
    await action();
  } catch (e) {
    showError(e);
  } finally {
    document.body.dataset.busy = "false";
  }
}

function showError(e) {
  $("error").textContent = e instanceof J2kError ? `[${e.code}] ${e.message}` : `${e?.name ?? "Error"}: ${e?.message ?? e}`;
  if ($("timing").textContent === "Encoding…") $("timing").textContent = "";
}

function clearError() {
  $("error").textContent = "";
}

/** Let the browser paint a status message before a long synchronous call (hidden tabs: 100 ms). */
function nextPaint() {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 100);
  });
}
