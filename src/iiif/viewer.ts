/**
 * The viewer page of `j2kit serve`: `/` lists the images of the served folder and opens one in
 * OpenSeadragon through the IIIF service; `/viewer/images.json` is the list; `/viewer/osd/...`
 * serves OpenSeadragon's script and button images from the installed `openseadragon` package
 * (an optional dependency: without it the page says how to install it, the IIIF service works).
 * @module
 */
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join, normalize, sep } from "node:path";
import type { ImageStore } from "./image_source.js";

/** Most images listed on the page. */
const LIST_LIMIT = 5000;

let osdDir: string | null | undefined;

/** Folder of OpenSeadragon's build (openseadragon.min.js and images/), or null if not installed. */
export function openSeadragonDir(): string | null {
  if (osdDir === undefined) {
    try {
      // resolved from this file, so it finds the package next to an installed j2kit as well as in a checkout
      const main = createRequire(import.meta.url).resolve("openseadragon");
      osdDir = dirname(main);
    } catch {
      osdDir = null;
    }
  }
  return osdDir;
}

interface ViewerContext {
  prefix: string;
  store: ImageStore;
  send: (type: string, body: Uint8Array | string, etag: string, extra?: Record<string, string>) => void;
  sendError: (status: number, message: string) => void;
}

const STATIC_TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".png": "image/png", ".map": "application/json" };

/** Answer `/`, `/viewer/images.json` and `/viewer/osd/*`. */
export async function serveViewer(_req: IncomingMessage, _res: ServerResponse, pathname: string, ctx: ViewerContext): Promise<void> {
  if (pathname === "/") {
    const haveOsd = openSeadragonDir() !== null;
    return ctx.send("text/html; charset=utf-8", pageHtml(ctx.prefix, haveOsd), `"viewer-${PAGE_VERSION}-${haveOsd ? 1 : 0}"`, { "Cache-Control": "no-cache" });
  }
  if (pathname === "/viewer/images.json") {
    const images = await ctx.store.list(LIST_LIMIT);
    const body = JSON.stringify({ prefix: ctx.prefix, images });
    return ctx.send("application/json", body, `"list-${images.length}-${hashString(body)}"`, { "Cache-Control": "no-cache" });
  }
  if (pathname.startsWith("/viewer/osd/")) {
    const dir = openSeadragonDir();
    if (!dir) return ctx.sendError(404, "OpenSeadragon is not installed (npm install openseadragon)");
    const rel = normalize(decodeURIComponent(pathname.slice("/viewer/osd/".length)));
    const ext = rel.slice(rel.lastIndexOf("."));
    if (rel.startsWith("..") || rel.includes(`..${sep}`) || rel.startsWith(sep) || !STATIC_TYPES[ext]) return ctx.sendError(404, "not found");
    let body: Buffer;
    try {
      body = await readFile(join(dir, rel));
    } catch {
      return ctx.sendError(404, "not found");
    }
    return ctx.send(STATIC_TYPES[ext]!, body, `"osd-${body.length}-${hashString(rel)}"`);
  }
  return ctx.sendError(404, "not found");
}

function hashString(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

const PAGE_VERSION = 1;

function pageHtml(prefix: string, haveOsd: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>j2kit IIIF server</title>
<link rel="icon" href="data:,">
<style>
  html, body { height: 100%; margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #222; }
  body { display: grid; grid-template-columns: 18rem 1fr; }
  nav { overflow: auto; border-right: 1px solid #ccc; padding: .5rem; }
  nav h1 { font-size: 1.1rem; margin: .2rem 0 .5rem; }
  nav a { display: block; padding: .15rem .3rem; text-decoration: none; color: #0645ad; word-break: break-all; border-radius: 3px; }
  nav a.current { background: #e6eefc; }
  main { position: relative; display: flex; flex-direction: column; min-height: 0; }
  #status { padding: .3rem .5rem; border-bottom: 1px solid #eee; color: #555; }
  #status a { color: #0645ad; }
  #viewer { flex: 1; background: #222; min-height: 300px; }
  .error { color: #b00020; }
</style>
</head>
<body>
<nav><h1>Images</h1><div id="list">Loading…</div></nav>
<main><div id="status">Choose an image.</div><div id="viewer"></div></main>
${haveOsd ? `<script src="/viewer/osd/openseadragon.min.js"></script>` : ""}
<script>
"use strict";
const PREFIX = ${JSON.stringify(prefix)};
const status = document.getElementById("status");
const list = document.getElementById("list");
window.j2kitViewer = { tilesLoaded: 0, tilesFailed: 0, opened: null, viewer: null };
let viewer = null;
function show(text, isError) { status.textContent = text; status.className = isError ? "error" : ""; }
function open(id) {
  if (!window.OpenSeadragon) { show("OpenSeadragon is not installed next to j2kit (npm install openseadragon); the IIIF service itself works.", true); return; }
  for (const a of list.querySelectorAll("a")) a.classList.toggle("current", a.dataset.id === id);
  const info = PREFIX + "/" + encodeURIComponent(id) + "/info.json";
  if (!viewer) {
    viewer = OpenSeadragon({ element: document.getElementById("viewer"), prefixUrl: "/viewer/osd/images/", drawer: "canvas",
      showNavigator: true, crossOriginPolicy: "Anonymous", maxZoomPixelRatio: 4 });
    viewer.addHandler("tile-loaded", () => { window.j2kitViewer.tilesLoaded++; });
    viewer.addHandler("tile-load-failed", (e) => { window.j2kitViewer.tilesFailed++; show("tile failed: " + (e.message || ""), true); });
    viewer.addHandler("open-failed", (e) => show("cannot open: " + (e.message || ""), true));
    window.j2kitViewer.viewer = viewer;
  }
  viewer.addOnceHandler("open", () => {
    window.j2kitViewer.opened = id;
    const item = viewer.world.getItemAt(0);
    const size = item ? item.source.dimensions : null;
    status.innerHTML = "";
    status.append(id + (size ? " — " + size.x + "×" + size.y + " — " : " — "));
    const a = document.createElement("a"); a.href = info; a.textContent = "info.json"; status.append(a);
  });
  show("Opening " + id + "…");
  viewer.open(info);
  history.replaceState(null, "", "#" + encodeURIComponent(id));
}
fetch("/viewer/images.json").then((r) => r.json()).then(({ images }) => {
  list.textContent = "";
  if (images.length === 0) { list.textContent = "No JPEG 2000 files in this folder."; return; }
  for (const id of images) {
    const a = document.createElement("a");
    a.href = "#" + encodeURIComponent(id); a.textContent = id; a.dataset.id = id;
    a.addEventListener("click", (e) => { e.preventDefault(); open(id); });
    list.append(a);
  }
  const wanted = decodeURIComponent(location.hash.slice(1));
  open(images.includes(wanted) ? wanted : images[0]);
}).catch((e) => { list.textContent = "Cannot list images: " + e.message; });
</script>
</body>
</html>
`;
}
