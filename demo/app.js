/**
 * j2kit browser demo: open or generate an image, encode it with quality layers, and look at it
 * progressively (layers, resolution, region, a growing prefix of the bytes), compare it with the
 * original (amplified difference, side by side, flicker) and plot rate against distortion.
 * Plain ES module, no bundler: it imports the built library from ../dist/. See demo/README.md.
 */
import { init, encodeDetailedAsync, decode, decodeAsync, readHeader, workerPoolInfo, J2kError } from "../dist/index.js";
import { drawRdPlot } from "./rd_plot.js";
import { amplifiedDifference, cropImage } from "./compare.js";

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
  /** Cumulative bytes at the end of each quality layer (from the encoder; null for opened files). */
  layerBytes: null,
  /** The last opened file's bytes and name (re-opened when allowPartial is switched on). */
  lastFile: null,
  /** The decoded image currently on the canvas and its original counterpart (same geometry) or null. */
  shown: null,
  shownOriginal: null,
  /** Rate–distortion points: { layers: [{ bpp, psnr, ssim }], single: [...] }. */
  rd: null,
};
window.j2kitDemo = state; // read by the browser tests

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
$("generate-large").addEventListener("click", () => run(() => useImage(testImage(3000, 2000), "test-image-3000x2000")));
$("allow-partial").addEventListener("change", () => {
  if (state.lastFile) run(() => openBytes(state.lastFile.bytes, state.lastFile.name));
});
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
$("zoom").addEventListener("change", applyZoom);
for (const id of ["layers", "reduce", "use-region", "rx", "ry", "rw", "rh", "bytes"]) $(id).addEventListener("input", scheduleRender);
for (const id of ["compare", "gain"]) {
  $(id).addEventListener("input", () => {
    showCompare();
    applyZoom();
  });
}
$("viewport").addEventListener("scroll", drawOverviewBox);

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
  state.lastFile = null;
  if (isJpeg2000(bytes)) {
    state.lastFile = { bytes, name: file.name };
    await openBytes(bytes, file.name);
    return;
  }
  state.name = file.name.replace(/\.[^.]*$/, "") || "image";
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

/**
 * View a JPEG 2000 file: the full decode becomes the source for re-encoding. A truncated file fails
 * with a J2kError pointing at allowPartial unless the "allowPartial" box is ticked.
 */
async function openBytes(bytes, fileName) {
  state.name = fileName.replace(/\.[^.]*$/, "") || "image";
  const header = readHeader(bytes);
  const t0 = performance.now();
  const options = $("allow-partial").checked ? { allowPartial: true } : {};
  const { image, where } = await decodeFor(bytes, header.width * header.height, options);
  const ms = performance.now() - t0;
  state.original = image;
  $("source").textContent = `${fileName}: ${describeImage(image)}${image.partial ? " — truncated: shows what its bytes allow (allowPartial)" : ""}`;
  state.layerBytes = null;
  await showCoded(bytes, header, { decodeMs: ms, where, reference: "the decode of all layers", allowPartial: options.allowPartial === true });
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
  const jobsBefore = workerPoolInfo().jobsDone;
  const t0 = performance.now();
  // The Web Worker pool: a 3000×2000 encode takes seconds and must not freeze the page.
  const result = await encodeDetailedAsync(state.original, options);
  const encodeMs = performance.now() - t0;
  const where = workerPoolInfo().jobsDone > jobsBefore ? "Web Worker pool" : "main thread (no workers available)";
  document.body.dataset.encodedIn = where.startsWith("Web") ? "worker" : "main";
  const header = readHeader(result.data);
  state.layerBytes = result.layerBytes;
  const single = $("compare-single").checked ? singleLayerEncodes(options) : null;
  await showCoded(result.data, header, { encodeMs, encodeWhere: where, layerBytes: result.layerBytes, warnings: result.warnings, reference: "the source image", single });
}

/**
 * The second curve of the rate–distortion plot: every target of a layered encode encoded on its own
 * as a one-layer codestream (same settings). The gap between the curves is the price of quality
 * layering (one embedded codestream serving every rate) against coding each rate separately.
 */
function singleLayerEncodes(options) {
  const key = options.ratios ? "ratios" : options.psnr ? "psnr" : null;
  if (!key || options[key].length < 2) return null;
  return Promise.all(options[key].map((t) => encodeDetailedAsync(state.original, { ...options, [key]: [t] }).then((r) => r.data)));
}

// ---------------------------------------------------------------------------------------------
// Showing a codestream: per-layer table, header, download link, viewer
// ---------------------------------------------------------------------------------------------

async function showCoded(bytes, header, facts) {
  state.coded = bytes;
  state.header = header;
  $("header").textContent = JSON.stringify(header, (k, v) => (ArrayBuffer.isView(v) ? `<${v.length} bytes>` : v), 1);

  // Each quality layer decoded on its own and compared with the source image (PSNR and SSIM in a worker).
  const full = header.width * header.height;
  const decodeOptions = facts.allowPartial ? { allowPartial: true } : {};
  const t0 = performance.now();
  const decoded = await Promise.all(
    Array.from({ length: header.layers }, (_, l) => decodeFor(bytes, full, { ...decodeOptions, layers: l + 1 }).then((r) => r.image)),
  );
  const layersMs = performance.now() - t0;
  const reference = state.original;
  const pixels = header.width * header.height;
  const rawBytes = (pixels * header.components * header.bitDepth) / 8;
  const quality = await Promise.all(decoded.map((img) => measure(reference, img)));
  const singles = facts.single ? await facts.single : null;
  const singleQuality = singles ? await Promise.all(singles.map(async (data) => measure(reference, await decodeFor(data, full, {}).then((r) => r.image)))) : null;
  state.rd = {
    layers: decoded.map((_, l) => ({ bytes: facts.layerBytes?.[l] ?? null, bpp: facts.layerBytes ? (8 * facts.layerBytes[l]) / pixels : null, ...quality[l] })),
    single: singles ? singles.map((d, i) => ({ bytes: d.length, bpp: (8 * d.length) / pixels, ...singleQuality[i] })) : null,
  };
  $("layer-table").caption.textContent = `Quality layers (bytes so far and added by each layer; PSNR and SSIM against ${facts.reference})`;
  $("layer-table").tBodies[0].replaceChildren(
    ...decoded.map((img, l) => {
      const bytesSoFar = facts.layerBytes?.[l];
      const added = bytesSoFar !== undefined ? bytesSoFar - (l > 0 ? facts.layerBytes[l - 1] : 0) : undefined;
      const { psnr: db, ssim: s } = quality[l];
      return row([
        String(l + 1),
        bytesSoFar?.toLocaleString("en") ?? "–",
        added !== undefined ? `+${added.toLocaleString("en")}` : "–",
        bytesSoFar ? ((8 * bytesSoFar) / pixels).toFixed(3) : "–",
        bytesSoFar ? `${(rawBytes / bytesSoFar).toFixed(1)}:1` : "–",
        formatDb(db),
        Number.isNaN(s) ? "–" : s.toFixed(4),
        state.rd.single ? `${state.rd.single[l].bytes.toLocaleString("en")} B, ${formatDb(state.rd.single[l].psnr)} dB` : "–",
      ]);
    }),
  );
  drawRd();

  const parts = [`${bytes.length.toLocaleString("en")} bytes (${(rawBytes / bytes.length).toFixed(1)}:1)`];
  if (facts.encodeMs !== undefined) parts.push(`encoded in ${facts.encodeMs.toFixed(0)} ms (${facts.encodeWhere})`);
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
  Object.assign($("bytes"), { max: bytes.length, value: bytes.length, step: 1, disabled: false });
  await drawOverview();
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

// PSNR and SSIM (src/metrics.ts: 11×11 Gaussian window, σ = 1.5) are computed in a worker.
const metricsWorker = new Worker(new URL("./metrics_worker.js", import.meta.url), { type: "module" });
const metricsPending = new Map();
let metricsId = 0;
metricsWorker.onmessage = ({ data }) => {
  const p = metricsPending.get(data.id);
  metricsPending.delete(data.id);
  if (data.error) p?.reject(new Error(data.error));
  else p?.resolve({ psnr: data.psnr, ssim: data.ssim });
};

/** PSNR (dB, peak 2^bitDepth − 1) and SSIM of `test` against `ref`; NaN when their shapes differ. */
function measure(ref, test) {
  if (!ref || ref.width !== test.width || ref.height !== test.height || ref.components !== test.components || ref.data.length !== test.data.length) {
    return Promise.resolve({ psnr: NaN, ssim: NaN });
  }
  const id = ++metricsId;
  return new Promise((resolve, reject) => {
    metricsPending.set(id, { resolve, reject });
    metricsWorker.postMessage({ id, ref: ref.data, test: test.data, width: ref.width, height: ref.height, components: ref.components, bitDepth: ref.bitDepth });
  });
}

function formatDb(db) {
  return db === Infinity ? "∞ (exact)" : Number.isNaN(db) ? "–" : db.toFixed(2);
}

/** The two rate–distortion plots (PSNR and SSIM against bits per pixel) from state.rd. */
function drawRd() {
  const rd = state.rd;
  const ok = rd && rd.layers.every((p) => p.bpp !== null && !Number.isNaN(p.psnr));
  $("rd").hidden = !ok;
  if (!ok) return;
  for (const metric of ["psnr", "ssim"]) {
    const pick = (pts) => pts?.map((p) => ({ bpp: p.bpp, value: p[metric] }));
    drawRdPlot($(`rd-${metric}`), metric, { layers: pick(rd.layers), single: pick(rd.single) });
  }
  $("rd-legend-single").hidden = !rd.single;
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
  const prefix = Number($("bytes").value);
  const whole = prefix >= state.coded.length;
  $("layers-value").textContent = `${layers} / ${h.layers}`;
  $("reduce-value").textContent = reduce === 0 ? "full size" : `1/${2 ** reduce}`;
  $("bytes-value").textContent = whole ? `all ${state.coded.length.toLocaleString("en")} bytes` : `${prefix.toLocaleString("en")} of ${state.coded.length.toLocaleString("en")} bytes (${describePrefix(prefix)})`;
  // A prefix of the file is what a browser has after part of a download: decoded with allowPartial.
  const options = { layers, reduce };
  if (!whole || $("allow-partial").checked) options.allowPartial = true;
  let pixels = (h.width * h.height) / 4 ** reduce;
  state.view = { x: 0, y: 0, step: 2 ** reduce }; // canvas pixel -> image coordinates
  if ($("use-region").checked) {
    const [x, y, width, height] = ["rx", "ry", "rw", "rh"].map((id) => Number($(id).value));
    options.region = { x, y, width, height };
    pixels = (width * height) / 4 ** reduce;
    state.view = { x, y, step: 2 ** reduce };
  }
  const t0 = performance.now();
  const { image, where } = await decodeFor(whole ? state.coded : state.coded.subarray(0, prefix), pixels, options);
  const ms = performance.now() - t0;
  state.shown = image;
  state.shownOriginal = reduce === 0 && state.original ? cropImage(state.original, options.region) : null;
  const canvas = $("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  clearError();
  $("view-info").textContent = `${image.width}×${image.height} decoded in ${ms.toFixed(1)} ms on the ${where}` + (image.partial ? " (partial)" : "") + (image.warnings.length ? ` — ${image.warnings.join("; ")}` : "");
  showCompare();
  applyZoom();
  drawOverviewBox();
  canvas.dataset.renders = String(++state.renders);
}

/** Which layers a prefix of the encoded file holds completely (known for encodes made here). */
function describePrefix(n) {
  if (!state.layerBytes) return "allowPartial";
  const complete = state.layerBytes.filter((b) => b <= n).length;
  return `${complete} of ${state.layerBytes.length} layers complete, allowPartial`;
}

// ---------------------------------------------------------------------------------------------
// Comparison with the original: amplified difference, side by side, flicker
// ---------------------------------------------------------------------------------------------

let flickerTimer = null;

/** Paint the canvas (and the side-by-side canvas) for the chosen comparison mode. */
function showCompare() {
  if (!state.shown) return;
  const mode = $("compare").value;
  const canvas = $("canvas");
  const ctx = canvas.getContext("2d");
  const original = state.shownOriginal;
  clearInterval(flickerTimer);
  flickerTimer = null;
  $("canvas-original").hidden = true;
  canvas.dataset.compare = mode;
  let note = "";
  if (mode !== "decoded" && !original) {
    note = "comparison needs full resolution (reduce 0) and an original";
  } else if (mode === "difference") {
    const gain = Math.max(1, Number($("gain").value) || 1);
    const { imageData, maxAbs } = amplifiedDifference(state.shown, original, gain);
    ctx.putImageData(imageData, 0, 0);
    canvas.dataset.maxDiff = String(maxAbs);
    note = `difference ×${gain} around mid-grey (largest difference ${maxAbs})`;
    return finishCompare(note);
  } else if (mode === "side-by-side") {
    const other = $("canvas-original");
    other.width = original.width;
    other.height = original.height;
    other.getContext("2d").putImageData(toImageData(original), 0, 0);
    other.hidden = false;
    note = "left: decoded; right: original";
  } else if (mode === "flicker") {
    const frames = [toImageData(state.shown), toImageData(original)];
    let i = 0;
    const show = () => {
      ctx.putImageData(frames[i], 0, 0);
      canvas.dataset.flicker = i === 0 ? "decoded" : "original";
      $("compare-info").textContent = `flicker: showing the ${canvas.dataset.flicker}`;
      i ^= 1;
    };
    show();
    flickerTimer = setInterval(show, 500);
    return;
  }
  ctx.putImageData(toImageData(state.shown), 0, 0);
  finishCompare(note);
}

function finishCompare(note) {
  $("compare-info").textContent = note;
}

// ---------------------------------------------------------------------------------------------
// Zoom, pan and the overview (the region in the context of the whole image)
// ---------------------------------------------------------------------------------------------

/** "fit" scales the canvas to the panel; N:1 shows N screen pixels per decoded pixel (pan by dragging). */
function applyZoom() {
  const canvas = $("canvas");
  const zoom = $("zoom").value;
  canvas.classList.toggle("fit", zoom === "fit");
  const sideBySide = !$("canvas-original").hidden;
  for (const c of [canvas, $("canvas-original")]) c.style.width = zoom === "fit" ? (sideBySide ? "49%" : "") : `${c.width * Number(zoom)}px`;
  canvas.style.maxWidth = zoom === "fit" ? "" : "none";
  $("canvas-original").style.maxWidth = canvas.style.maxWidth;
  $("viewport").classList.toggle("zoomed", zoom !== "fit");
  drawOverviewBox();
}

/** The whole image, small, decoded once per codestream at the reduction that makes it ≤ 240 wide. */
async function drawOverview() {
  const h = state.header;
  let reduce = 0;
  while (reduce < h.levels && Math.ceil(h.width / 2 ** reduce) > 240) reduce++;
  const { image } = await decodeFor(state.coded, (h.width * h.height) / 4 ** reduce, { reduce, ...($("allow-partial").checked ? { allowPartial: true } : {}) });
  const ov = $("overview");
  ov.width = image.width;
  ov.height = image.height;
  state.overview = { image: toImageData(image), scale: image.width / h.width };
  drawOverviewBox();
}

/** Outline on the overview: the decoded region, and the part of it visible in the zoomed viewport. */
function drawOverviewBox() {
  const ov = $("overview");
  if (!state.overview || !state.header) return;
  const ctx = ov.getContext("2d");
  ctx.putImageData(state.overview.image, 0, 0);
  const { x, y, step } = state.view;
  const canvas = $("canvas");
  const vp = $("viewport");
  // Visible part of the canvas, in canvas pixels, then in image coordinates.
  const shownW = canvas.getBoundingClientRect().width || canvas.width;
  const perCss = canvas.width / shownW;
  const vx = vp.classList.contains("zoomed") ? vp.scrollLeft * perCss : 0;
  const vy = vp.classList.contains("zoomed") ? vp.scrollTop * perCss : 0;
  const vw = vp.classList.contains("zoomed") ? Math.min(canvas.width, vp.clientWidth * perCss) : canvas.width;
  const vh = vp.classList.contains("zoomed") ? Math.min(canvas.height, vp.clientHeight * perCss) : canvas.height;
  const k = state.overview.scale;
  const rect = [x + vx * step, y + vy * step, vw * step, vh * step].map((v) => Math.round(v));
  ctx.strokeStyle = "#ff1744";
  ctx.lineWidth = 2;
  ctx.strokeRect(rect[0] * k, rect[1] * k, rect[2] * k, rect[3] * k);
  ov.dataset.rect = rect.join(",");
}

// Drag on the picture: in "fit", a box chooses the region (in full-resolution image coordinates);
// zoomed in, a drag pans and Shift+drag chooses the region.
let dragStart = null;
let panStart = null;
$("canvas").addEventListener("pointerdown", (e) => {
  if (!state.coded) return;
  $("canvas").setPointerCapture(e.pointerId);
  if ($("zoom").value !== "fit" && !e.shiftKey) {
    const vp = $("viewport");
    panStart = { x: e.clientX, y: e.clientY, left: vp.scrollLeft, top: vp.scrollTop };
    return;
  }
  dragStart = imagePoint(e);
});
$("canvas").addEventListener("pointermove", (e) => {
  if (!panStart) return;
  const vp = $("viewport");
  vp.scrollLeft = panStart.left - (e.clientX - panStart.x);
  vp.scrollTop = panStart.top - (e.clientY - panStart.y);
});
$("canvas").addEventListener("pointerup", (e) => {
  if (panStart) {
    panStart = null;
    drawOverviewBox();
    return;
  }
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
  const info = img.componentInfo?.length === C ? img.componentInfo : Array.from({ length: C }, () => img);
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
