/**
 * The demo's "remote image" panel: paste the URL of a (large) JP2 served with HTTP Range support,
 * and pan/zoom it with OpenSeadragon. There is no image server: a worker of this page opens the URL
 * with `openImage` (which reads the header and then only the byte ranges each view needs) and
 * decodes every tile OpenSeadragon asks for as `decode({ region, reduce })`.
 *
 * The OpenSeadragon level l shows the image at scale 2^(l − maxLevel); its tiles are decoded at
 * `reduce = maxLevel − l`, down to the codestream's number of decomposition levels.
 * @module
 */
const TILE = 256;

const $ = (id) => document.getElementById(id);

/** State shown to tests (window.j2kitRemote). */
const state = { opened: null, tilesLoaded: 0, tilesFailed: 0, lastError: null, stats: null };
window.j2kitRemote = state;

let worker = null;
let viewer = null;
let nextId = 1;
const pending = new Map();

function status(text, isError = false) {
  const el = $("remote-status");
  el.textContent = text;
  el.classList.toggle("error-text", isError);
  if (isError) state.lastError = text;
}

function ensureWorker() {
  if (worker) return worker;
  worker = new Worker(new URL("./url_viewer_worker.js", import.meta.url), { type: "module" });
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.opened || (m.error && m.id === undefined)) {
      const p = pending.get("open");
      pending.delete("open");
      p?.(m);
      return;
    }
    const p = pending.get(m.id);
    pending.delete(m.id);
    p?.(m);
  };
  return worker;
}

function call(message, key) {
  return new Promise((resolve) => {
    pending.set(key, resolve);
    ensureWorker().postMessage(message);
  });
}

/** OpenSeadragon's script, loaded on first use from the installed package. */
function loadOpenSeadragon() {
  if (window.OpenSeadragon) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = new URL("../node_modules/openseadragon/build/openseadragon/openseadragon.min.js", import.meta.url).href;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error("OpenSeadragon is not installed (npm install openseadragon)"));
    document.head.append(s);
  });
}

function tileSource(info) {
  const maxLevel = Math.ceil(Math.log2(Math.max(info.width, info.height)));
  const minLevel = Math.max(0, maxLevel - info.levels);
  const ts = new OpenSeadragon.TileSource({ width: info.width, height: info.height, tileSize: TILE, tileOverlap: 0, minLevel, maxLevel });
  ts.getTileUrl = (level, x, y) => `j2k:${level}/${x}/${y}`;
  ts.getTilePostData = (level, x, y) => ({ level, x, y });
  ts.downloadTileStart = (job) => {
    const { level, x, y } = job.postData;
    const reduce = maxLevel - level;
    const span = TILE * 2 ** reduce;
    const rx = x * span, ry = y * span;
    const rw = Math.min(span, info.width - rx), rh = Math.min(span, info.height - ry);
    if (rw <= 0 || rh <= 0) return job.fail("tile outside the image");
    const id = nextId++;
    call({ id, x: rx, y: ry, width: rw, height: rh, reduce }, id).then((m) => {
      if (m.error) {
        state.tilesFailed++;
        status(`tile failed: ${m.error}`, true);
        return job.fail(m.error);
      }
      const canvas = document.createElement("canvas");
      canvas.width = m.width;
      canvas.height = m.height;
      const ctx = canvas.getContext("2d");
      ctx.putImageData(new ImageData(m.rgba, m.width, m.height), 0, 0);
      state.tilesLoaded++;
      if (m.stats) {
        state.stats = m.stats;
        $("remote-stats").textContent = JSON.stringify(m.stats);
      }
      job.finish(ctx, null, "context2d");
    });
  };
  ts.downloadTileAbort = () => {};
  return ts;
}

async function open(url) {
  status(`Opening ${url} …`);
  state.opened = null;
  try {
    await loadOpenSeadragon();
  } catch (e) {
    return status(String(e.message), true);
  }
  const m = await call({ open: url }, "open");
  if (m.error) return status(`cannot open: ${m.error}`, true);
  const info = m.opened;
  if (!viewer) {
    viewer = OpenSeadragon({
      element: $("remote-viewer"),
      prefixUrl: new URL("../node_modules/openseadragon/build/openseadragon/images/", import.meta.url).href,
      drawer: "canvas",
      showNavigator: true,
      maxZoomPixelRatio: 4,
      imageLoaderLimit: 4,
    });
    state.viewer = viewer;
  }
  viewer.open(tileSource(info));
  state.opened = url;
  status(`${info.width}×${info.height}, ${info.components} component(s), ${info.bitDepth} bits, ${info.levels} levels, ${info.tiles} tile(s) — decoded in this page, tile by tile`);
}

$("remote-open").addEventListener("click", () => {
  const url = $("remote-url").value.trim();
  if (url) void open(new URL(url, location.href).href);
});
$("remote-url").addEventListener("keydown", (e) => {
  if (e.key === "Enter") $("remote-open").click();
});
