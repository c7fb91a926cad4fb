#!/usr/bin/env node
/**
 * IIIF server benchmark: what a deep-zoom viewer costs the server. For every zoom level (scale
 * factor of info.json) of a 16384×16384 RGB JP2, a "screen" of 5×4 = 20 tiles (256×256 at that
 * scale) in the middle of the image is requested the way a browser does (at most 6 requests at a
 * time over keep-alive HTTP/1.1) from an in-process `createIiifHandler` on 127.0.0.1. Reported per
 * screen: time to the first tile, total time, tiles/s, encoded bytes per tile, bytes the server
 * read from storage per tile, and the process's peak RSS (workers included).
 *
 *   node bench/iiif.mjs [--file F.jp2] [--workers N] [--format png|jpg] [--levels 64,16,4,1] [--block 0,512]
 *                       [--fresh] [--pan] [--warm-jit]
 *
 * --block: the handler's decodeBlock settings to run one after the other in this process (default
 * 512; 0 decodes every tile alone), each with a fresh handler (its own cache and opened images).
 * --fresh: a fresh handler for every zoom level (each screen "cold": only info.json was asked
 * before it); without it the levels run one after the other on one handler, as a viewer zooming.
 * --pan: after each screen, the neighbouring screen to its right ("warm": the image is open, its
 * index and cached ranges are there, the tiles are new), reported as its own row.
 * --warm-jit (with --fresh): run every level once unreported first, so that the workers' code is
 * optimised (V8 compiles WebAssembly with a baseline compiler first and optimises hot functions
 * while they run) — a server that has been up for a while. Without it the first screen of the
 * process includes that warm-up. The workers start with the first handler and are kept.
 *
 * Without --file, the test images are made once under bench/results/iiif/ (gitignored; needs
 * opj_compress from libopenjp2-tools; ~2-5 minutes): a synthetic 16k×16k picture coded lossy at
 * 20:1, RPCL, 256×256 precincts at every resolution (opj_compress halves the last -c size for each
 * lower resolution, so every level is given), tile-parts per resolution, TLM + PLT, as 1024×1024
 * tiles re-packed by `j2kit optimize` with the tile-parts interleaved ("tiled16k-p256-il.jp2") and
 * as one tile ("single16k-p256.jp2"). (Files of earlier versions of this script, "tiled16k.jp2" and
 * "single16k.jp2", had precincts halved down to 8×8 / 2×2 at the lowest resolutions.) Uses dist/
 * (npm run build first).
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { createServer } from "node:http";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");
const outDir = join(repo, "bench", "results", "iiif");

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

const N = 16384;

/** A synthetic 16k×16k picture (gradients, waves, a checker of 256-pixel cells, noise) as PPM. */
function makePpm(path) {
  const fd = openSync(path, "w");
  writeSync(fd, `P6\n${N} ${N}\n255\n`);
  const row = Buffer.alloc(N * 3);
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const cell = ((x >> 8) ^ (y >> 8)) & 1;
      const wave = 40 * Math.sin(x / 37) * Math.cos(y / 53);
      const h = ((x * 7919 + y * 104729) >>> 0) % 17;
      row[x * 3] = Math.max(0, Math.min(255, (x * 200) / N + wave + h + 20));
      row[x * 3 + 1] = Math.max(0, Math.min(255, (y * 200) / N - wave + h + 20));
      row[x * 3 + 2] = cell ? 190 + h : 60 + h;
    }
    writeSync(fd, row);
  }
  closeSync(fd);
}

function ensureImages() {
  mkdirSync(outDir, { recursive: true });
  const ppm = join(outDir, "src16k.ppm");
  const precincts = (n) => Array.from({ length: n }, () => "[256,256]").join(",");
  const want = [
    ["tiled16k-p256-il.jp2", ["-t", "1024,1024", "-n", "6", "-c", precincts(6)], true],
    ["single16k-p256.jp2", ["-n", "7", "-c", precincts(7)], false],
  ];
  for (const [name, extra, interleave] of want) {
    const out = join(outDir, name);
    if (existsSync(out)) continue;
    if (!existsSync(ppm)) {
      console.error(`making ${ppm} ...`);
      makePpm(ppm);
    }
    const coded = interleave ? join(outDir, "tiled16k-p256.jp2") : out;
    console.error(`opj_compress -> ${coded} ...`);
    const common = ["-p", "RPCL", "-r", "20", "-TP", "R", "-TLM", "-PLT", "-threads", "2"];
    const r = spawnSync("opj_compress", ["-i", ppm, "-o", coded, ...common, ...extra], { stdio: ["ignore", "ignore", "inherit"] });
    if (r.status !== 0) throw new Error(`opj_compress failed (${r.status}); install libopenjp2-tools`);
    if (interleave) {
      console.error(`j2kit optimize -> ${out} ...`);
      const o = spawnSync(process.execPath, [join(repo, "bin", "j2kit.js"), "optimize", coded, out], { stdio: ["ignore", "ignore", "inherit"] });
      if (o.status !== 0) throw new Error(`j2kit optimize failed (${o.status})`);
    }
  }
  rmSync(ppm, { force: true });
  return want.map(([n]) => join(outDir, n));
}

/** Run `tasks` with at most `limit` in flight (a browser's 6 connections per host). */
async function pool(tasks, limit) {
  const results = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

async function benchFile(file, opts) {
  if (!opts.fresh) return benchLevels(file, opts, opts.levels);
  const rows = [];
  if (opts.warmJit) {
    // one pass over the levels, not reported: the core's code in the workers is optimised (V8 tiers
    // WebAssembly up while it runs), as in a server that has been up for a while
    for (const s of opts.levels ?? [undefined]) await benchLevels(file, { ...opts, quiet: true }, s === undefined ? undefined : [s]);
  }
  for (const s of opts.levels ?? [undefined]) rows.push(...(await benchLevels(file, { ...opts, quiet: !!opts.levels }, s === undefined ? undefined : [s])));
  if (opts.levels) {
    console.log(`\n${basename(file)}: every level from a fresh server`);
    console.table(rows);
  }
  return rows;
}

let workersSet = false;

async function benchLevels(file, { workers, format, block, pan, quiet }, levels) {
  const { createIiifHandler, FolderStore } = await import(join(repo, "dist", "iiif", "index.js"));
  // a store that counts what its sources read from storage
  const inner = new FolderStore(dirname(file));
  const sources = [];
  const store = {
    description: inner.description,
    version: (id) => inner.version(id),
    list: (n) => inner.list(n),
    open: async (id, v) => {
      const s = await inner.open(id, v);
      sources.push(s);
      return s;
    },
  };
  const readBytes = () => sources.reduce((a, s) => a + s.readStats().bytes, 0);
  const readRequests = () => sources.reduce((a, s) => a + s.readStats().requests, 0);
  const renders = [];
  // (the worker count is set once: setting it again would restart the workers)
  const handler = createIiifHandler({ store, ...(workersSet ? {} : { workers }), decodeBlock: block, cacheMiB: 1024, maxArea: 2 ** 26, onRender: (_id, _c, st) => st !== "cached" && renders.push(st) });
  workersSet = true;
  const server = createServer((req, res) => void handler(req, res));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}/iiif/3/${encodeURIComponent(basename(file))}`;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const rows = [];
  try {
    const t0 = performance.now();
    const info = await (await fetch(`${base}/info.json`)).json();
    const openMs = performance.now() - t0;
    const tile = info.tiles[0];
    const scales = levels ?? [...tile.scaleFactors].reverse();
    console.log(`\n${basename(file)} [decodeBlock ${block}] (${(statSync(file).size / 2 ** 20).toFixed(1)} MiB): info.json (cold open) ${openMs.toFixed(0)} ms, read ${(readBytes() / 1024).toFixed(1)} KiB in ${readRequests()} request(s); tiles ${tile.width}x${tile.height}, scale factors ${tile.scaleFactors.join(",")}`);
    for (const [s, shift] of scales.flatMap((s) => (pan ? [[s, 0], [s, 1]] : [[s, 0]]))) {
      const span = tile.width * s;
      const cols = Math.min(5, Math.ceil(info.width / span)), rowsN = Math.min(4, Math.ceil(info.height / span));
      let x0 = Math.max(0, Math.floor((info.width / 2 - (cols * span) / 2) / span) * span);
      const y0 = Math.max(0, Math.floor((info.height / 2 - (rowsN * span) / 2) / span) * span);
      // the screen to the right (or to the left where the image ends; wrapped when it is all on screen)
      if (shift) x0 = x0 + cols * span < info.width ? x0 + cols * span : Math.max(0, x0 - cols * span);
      const urls = [];
      for (let j = 0; j < rowsN; j++) {
        for (let i = 0; i < cols; i++) {
          const x = x0 + i * span, y = y0 + j * span;
          if (x >= info.width || y >= info.height) continue;
          const w = Math.min(span, info.width - x), h = Math.min(span, info.height - y);
          urls.push(`${base}/${x},${y},${w},${h}/${Math.ceil(w / s)},${Math.ceil(h / s)}/0/default.${format}`);
        }
      }
      const before = readBytes(), beforeReq = readRequests();
      renders.length = 0;
      peak = process.memoryUsage().rss;
      let first = Infinity, bytes = 0;
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      await pool(
        urls.map((u) => async () => {
          const r = await fetch(u);
          const b = await r.arrayBuffer();
          if (r.status !== 200) throw new Error(`${u}: ${r.status} ${Buffer.from(b).toString()}`);
          first = Math.min(first, performance.now() - start);
          bytes += b.byteLength;
        }),
        6,
      );
      const total = performance.now() - start;
      const cpu = process.cpuUsage(cpu0);
      const row = {
        scale: s,
        screen: shift ? "pan" : "first",
        tiles: urls.length,
        firstMs: +first.toFixed(1),
        totalMs: +total.toFixed(1),
        // CPU time of the whole process (main thread + decoding workers): steadier than wall time on a shared machine
        cpuMs: +((cpu.user + cpu.system) / 1000).toFixed(0),
        tilesPerSec: +((urls.length * 1000) / total).toFixed(1),
        outKiBPerTile: +(bytes / urls.length / 1024).toFixed(1),
        readKiBPerTile: +((readBytes() - before) / urls.length / 1024).toFixed(1),
        readRequests: readRequests() - beforeReq,
        // server-side time per tile: in the worker (fetching ranges + decoding) and in all
        blocksDecoded: renders.filter((r) => r.block === "decoded").length,
        decodeMs: +(renders.reduce((a, r) => a + r.decodeMs, 0) / Math.max(1, renders.length)).toFixed(1),
        renderMs: +(renders.reduce((a, r) => a + r.totalMs, 0) / Math.max(1, renders.length)).toFixed(1),
        peakRssMiB: +(peak / 2 ** 20).toFixed(0),
      };
      rows.push(row);
    }
    if (!quiet) console.table(rows);
  } finally {
    clearInterval(sampler);
    await handler.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  return rows;
}

const files = arg("file") ? [resolve(arg("file"))] : ensureImages();
const workers = Number(arg("workers", "2"));
const format = arg("format", "png");
const levels = arg("levels") ? arg("levels").split(",").map(Number) : undefined;
console.log(`IIIF benchmark: ${workers} decoding worker(s), ${format} tiles, 6 requests in flight; node ${process.version}`);
const blockSizes = arg("block", "512").split(",").map(Number);
const fresh = process.argv.includes("--fresh"), pan = process.argv.includes("--pan"), warmJit = process.argv.includes("--warm-jit");
for (const f of files) for (const block of blockSizes) await benchFile(f, { workers, format, levels, block, fresh, pan, warmJit });
const { terminateWorkers } = await import(join(repo, "dist", "index.js"));
terminateWorkers();
