#!/usr/bin/env node
/**
 * Byte-range reading benchmark (issue 10): what a deep-zoom viewer costs when JPEG 2000 is read by
 * ranges with `openImage`, from a local file and over HTTP (an in-process node:http server with
 * Range on 127.0.0.1). For every zoom level (reduce 0..6) of a 16384×16384 image, 20 tile
 * requests of 256×256 output pixels in the middle of the image (a viewer's screen), issued 6 at a
 * time as a browser does; reported per level: tiles/s, bytes and requests read per tile, time for
 * the screen; plus the time to the first tile (open + the whole image at the lowest zoom) and the
 * peak RSS.
 *
 *   node bench/range.mjs [--file F.jp2] [--levels 6,4,2,0] [--sync]
 *
 * Without --file the image is made once under bench/results/range/ (gitignored; needs opj_compress;
 * a few minutes): a synthetic 16k×16k greyscale picture coded losslessly by OpenJPEG with
 * 1024×1024 tiles and 256×256 precincts in LRCP without index markers ("plain"), and the same
 * file re-packed by `j2kit optimize` (RPCL, tile-parts per resolution, TLM + PLT: "optimized").
 * Uses dist/ (npm run build first). Timings are wall-clock on a possibly shared machine.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");
const outDir = join(repo, "bench", "results", "range");
const { openImage, optimize, terminateWorkers } = await import(join(repo, "dist", "index.js"));

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const N = 16384;

function makeSource(path) {
  const fd = openSync(path, "w");
  writeSync(fd, `P5\n${N} ${N}\n255\n`);
  const row = Buffer.alloc(N);
  let s = 12345;
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      row[x] = ((((x >> 5) ^ (y >> 5)) & 1) * 60 + ((x * 255) / N) * 0.5 + ((y * 255) / N) * 0.3 + 40 * Math.sin(x / 300) * Math.cos(y / 200) + ((s >>> 28) & 7)) & 255;
    }
    writeSync(fd, row);
  }
  closeSync(fd);
}

async function files() {
  const given = arg("file");
  if (given) return [{ name: given, path: given }];
  mkdirSync(outDir, { recursive: true });
  const plain = join(outDir, "tiled16k_plain.jp2");
  const opt = join(outDir, "tiled16k_optimized.jp2");
  if (!existsSync(plain)) {
    const src = join(outDir, "source.pgm");
    console.log("making a 16384x16384 test image (once)...");
    makeSource(src);
    const r = spawnSync("opj_compress", ["-i", src, "-o", plain, "-t", "1024,1024", "-c", "[256,256]", "-n", "7"], { stdio: "inherit" });
    rmSync(src, { force: true });
    if (r.status !== 0) throw new Error("opj_compress failed (install libopenjp2-tools)");
  }
  if (!existsSync(opt)) {
    const t0 = performance.now();
    writeFileSync(opt, await optimize(new Uint8Array(readFileSync(plain))));
    console.log(`j2kit optimize: ${(performance.now() - t0).toFixed(0)} ms for ${statSync(plain).size} bytes`);
  }
  return [
    { name: "plain (LRCP, no TLM/PLT)", path: plain },
    { name: "optimized (RPCL, TP R, TLM, PLT)", path: opt },
  ];
}

function serve(path) {
  const fd = openSync(path, "r");
  const size = statSync(path).size;
  const server = createServer((req, res) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
    const start = m ? Number(m[1]) : 0;
    const end = m ? Math.min(size, Number(m[2]) + 1) : size;
    const buf = Buffer.alloc(end - start);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (!n) break;
      got += n;
    }
    res.writeHead(m ? 206 : 200, { "Content-Length": String(buf.length), ETag: '"bench"', ...(m ? { "Content-Range": `bytes ${start}-${end - 1}/${size}` } : {}) });
    res.end(buf);
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r({ url: `http://127.0.0.1:${server.address().port}/f.jp2`, close: () => { server.closeAllConnections(); server.close(); closeSync(fd); } })));
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

/** 20 output tiles (5×4) of 256×256 at `reduce`, around the image centre. */
function screen(reduce, width, height) {
  const span = 256 * 2 ** reduce;
  const cols = Math.max(1, Math.min(5, Math.ceil(width / span)));
  const rows = Math.max(1, Math.min(4, Math.ceil(height / span)));
  const x0 = Math.max(0, Math.floor(width / 2 - (cols * span) / 2)), y0 = Math.max(0, Math.floor(height / 2 - (rows * span) / 2));
  const out = [];
  for (let j = 0; j < rows; j++) for (let i = 0; i < cols; i++) {
    const x = x0 + i * span, y = y0 + j * span;
    if (x >= width || y >= height) continue;
    out.push({ region: { x, y, width: Math.min(span, width - x), height: Math.min(span, height - y) }, reduce });
  }
  return out;
}

async function runScreen(img, reduce) {
  const reqs = screen(reduce, img.header.width, img.header.height);
  const before = img.stats();
  const t0 = performance.now();
  let first = 0;
  let next = 0;
  const worker = async () => {
    while (next < reqs.length) {
      const o = reqs[next++];
      await img.decode(o);
      if (!first) first = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  const ms = performance.now() - t0;
  const after = img.stats();
  return { tiles: reqs.length, ms, first, bytes: (after.bytes - before.bytes) / reqs.length, requests: (after.requests - before.requests) / reqs.length };
}

const levels = (arg("levels", "6,5,4,3,2,1,0")).split(",").map(Number);
const sync = process.argv.includes("--sync");
const results = [];
for (const f of await files()) {
  const size = statSync(f.path).size;
  for (const where of ["local", "http"]) {
    const srv = where === "http" ? await serve(f.path) : undefined;
    const t0 = performance.now();
    const img = await openImage(srv ? srv.url : f.path, { worker: !sync });
    const lowest = Math.min(img.header.levels, 6);
    await img.decode({ reduce: lowest });
    const firstTile = performance.now() - t0;
    // each zoom level from a cold start (a fresh openImage: the bytes per tile are what storage
    // serves; its open is not counted), then once more warm (the index and cache kept)
    const rows = [];
    for (const r of levels) {
      if (r > img.header.levels) continue;
      const cold = await openImage(srv ? srv.url : f.path, { worker: !sync });
      rows.push({ reduce: r, ...(await runScreen(cold, r)), warm: await runScreen(cold, r) });
      await cold.close();
    }
    await img.close();
    srv?.close();
    results.push({ file: f.name, size, where, firstTile, rows, warnings: img.warnings });
    console.log(`\n${f.name} — ${where} (${(size / 2 ** 20).toFixed(1)} MiB); first tile (open + whole image at reduce ${lowest}): ${firstTile.toFixed(0)} ms`);
    console.log("reduce  tiles  screen ms  tiles/s  first ms  KiB/tile  requests/tile | warm: screen ms  tiles/s");
    for (const row of rows) {
      console.log(
        `${String(row.reduce).padStart(6)}  ${String(row.tiles).padStart(5)}  ${row.ms.toFixed(0).padStart(9)}  ${(row.tiles / (row.ms / 1000)).toFixed(1).padStart(7)}  ${row.first.toFixed(0).padStart(8)}  ${(row.bytes / 1024).toFixed(1).padStart(8)}  ${row.requests.toFixed(1).padStart(13)} | ${row.warm.ms.toFixed(0).padStart(15)}  ${(row.warm.tiles / (row.warm.ms / 1000)).toFixed(1).padStart(7)}`,
      );
    }
  }
}
clearInterval(sampler);
console.log(`\npeak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (decoding ${sync ? "on the main thread" : "in the worker pool"}; machine possibly shared)`);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `range-${Date.now()}.json`), JSON.stringify({ date: new Date().toISOString(), node: process.version, peakRss, results }, null, 2));
await terminateWorkers?.();
