/**
 * The demo's "remote image" panel in headless Chromium: a large JP2 on a plain static HTTP server
 * that honours Range (no decoder on the server), opened by pasting its URL; OpenSeadragon's tiles
 * are decoded in the page by `openImage(url).decode({ region, reduce })` in a worker. Checks: the
 * tiles load, the canvas shows the image, and the page fetched far less than the whole file.
 */
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { encode } from "../../src/encode.js";
import { REPO_ROOT } from "../helpers/paths.js";
import { Prng } from "../helpers/prng.js";
import { makeGridFolder, type GridFolder } from "./fixtures.js";

const CHROMIUM = process.env.J2KIT_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = join(REPO_ROOT, "test", "artifacts");
const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".png": "image/png", ".jp2": "image/jp2", ".json": "application/json" };

let folder: GridFolder;
let server: Server;
let url: string;
let browser: Browser | undefined;
const served = { requests: 0, bytes: 0, ranged: 0 };
let imageSize = 0;

/** A noisy 3000×2000 RGB picture (so that high resolutions carry most of the bytes). */
function noisyImage() {
  const w = 3000, h = 2000;
  const data = new Uint8Array(w * h * 3);
  const rnd = new Prng(5);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const cell = ((x >> 7) ^ (y >> 7)) & 1;
      data[o] = 40 + ((x * 150) / w) + rnd.int(40);
      data[o + 1] = 40 + ((y * 150) / h) + rnd.int(40);
      data[o + 2] = cell ? 200 : 50;
    }
  }
  return { width: w, height: h, components: 3, bitDepth: 8, signed: false, data };
}

/** Repository files the demo needs (read-only), and /images/ with Range support. */
function handle(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse): void {
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  let file: string;
  if (path.startsWith("/images/")) file = resolve(folder.dir, "." + path.slice(7));
  else if (/^\/(demo|dist|wasm|node_modules\/openseadragon)\//.test(path)) file = resolve(REPO_ROOT, "." + path);
  else {
    res.statusCode = 404;
    return void res.end();
  }
  const root = path.startsWith("/images/") ? folder.dir : REPO_ROOT;
  if (!normalize(file).startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.statusCode = 404;
    return void res.end();
  }
  const size = statSync(file).size;
  res.setHeader("Content-Type", TYPES[extname(file)] ?? "application/octet-stream");
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("ETag", `"${size}"`);
  const m = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ""));
  if (path.startsWith("/images/")) served.requests++;
  if (m) {
    const start = Number(m[1]), end = Math.min(size - 1, m[2] ? Number(m[2]) : size - 1);
    if (start >= size) {
      res.statusCode = 416;
      res.setHeader("Content-Range", `bytes */${size}`);
      return void res.end();
    }
    res.statusCode = 206;
    res.setHeader("Content-Range", `bytes ${start}-${end}/${size}`);
    res.setHeader("Content-Length", String(end - start + 1));
    if (path.startsWith("/images/")) {
      served.ranged++;
      served.bytes += end - start + 1;
    }
    createReadStream(file, { start, end }).pipe(res);
    return;
  }
  res.setHeader("Content-Length", String(size));
  if (path.startsWith("/images/")) served.bytes += size;
  createReadStream(file).pipe(res);
}

beforeAll(async () => {
  folder = makeGridFolder({});
  const jp2 = encode(noisyImage(), { format: "jp2", ratios: [8], levels: 5, precincts: [[256, 256]], progression: "RPCL", tlm: true, plt: true, tileParts: "R" });
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(folder.dir, "big.jp2"), jp2);
  imageSize = jp2.length;
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
  if (existsSync(CHROMIUM)) {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  }
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  folder?.cleanup();
});

test.skipIf(!existsSync(CHROMIUM))("needs Chromium (/usr/bin/chromium): paste a URL, tiles decoded in the page from byte ranges", async () => {
  expect(readFileSync(join(REPO_ROOT, "dist", "index.js"), "utf8")).toContain("openImage");
  const page = await browser!.newPage({ viewport: { width: 1100, height: 1400 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(`${url}/demo/index.html`);
    await page.fill("#remote-url", "/images/big.jp2");
    await page.click("#remote-open");
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { j2kitRemote: { opened: string | null; tilesLoaded: number; lastError: string | null; viewer?: { world: { getItemAt(i: number): { getFullyLoaded(): boolean } | undefined } } } }).j2kitRemote;
        if (s.lastError) return true;
        const item = s.viewer?.world.getItemAt(0);
        return !!s.opened && s.tilesLoaded > 0 && !!item && item.getFullyLoaded();
      },
      undefined,
      { timeout: 90_000 },
    );
    const state = await page.evaluate(() => {
      const s = (window as unknown as { j2kitRemote: { opened: string; tilesLoaded: number; tilesFailed: number; lastError: string | null; stats: unknown } }).j2kitRemote;
      return { opened: s.opened, tilesLoaded: s.tilesLoaded, tilesFailed: s.tilesFailed, lastError: s.lastError, stats: s.stats };
    });
    expect(state.lastError).toBeNull();
    expect(state.tilesFailed).toBe(0);
    expect(state.tilesLoaded).toBeGreaterThan(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator("#remote").screenshot({ path: join(ARTIFACTS, "demo-remote.png") });
    // the canvas shows the picture: both checker colours of the blue channel are there
    const blues = await page.evaluate(() => {
      const canvas = document.querySelector("#remote-viewer canvas") as HTMLCanvasElement;
      const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      let low = 0, high = 0;
      for (let p = 0; p < data.length; p += 4) {
        if (Math.abs(data[p + 2]! - 50) < 12) low++;
        else if (Math.abs(data[p + 2]! - 200) < 12) high++;
      }
      return { low, high };
    });
    expect(blues.low).toBeGreaterThan(1000);
    expect(blues.high).toBeGreaterThan(1000);
    // byte ranges only: the first view (the whole picture at a low resolution) needs a fraction
    expect(served.ranged).toBeGreaterThan(0);
    expect(served.bytes, `${served.bytes} of ${imageSize} bytes in ${served.requests} requests`).toBeLessThan(imageSize * 0.5);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
});
