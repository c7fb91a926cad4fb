#!/usr/bin/env node
/**
 * JPIP benchmark: a zoom-in sequence over a 16384×16384 JP2 as a viewer with a 1024×768 screen
 * makes it — the whole image fitted, then 2× closer at the centre, down to full resolution — on one
 * JPIP channel, against (a) fetching the whole file over HTTP and decoding each view from it, and
 * (b) `openImage` reading byte ranges over HTTP. The server runs in a child process (so its CPU is
 * its own); the client decodes in this process.
 *
 * Reported per view: bytes received, time to the first usable image (first progressive decode),
 * time to the final image, progressive updates, the server's CPU time and wall time for the request.
 *
 *   node bench/jpip.mjs [--file F.jp2] [--screen 1024x768] [--mbit N]
 *
 * --mbit N paces every response of the server (JPIP and the plain file route alike) to N Mbit/s,
 * a stand-in for a network link; without it the bytes go over loopback as fast as they can.
 * Without --file it uses bench/results/iiif/tiled16k.jp2 (made by `node bench/iiif.mjs` the first
 * time: synthetic 16k×16k RGB, 9/7 at 20:1, 1024×1024 tiles, RPCL, 256×256 precincts, TLM + PLT).
 * Uses dist/ (npm run build first). Timings depend on the machine and its load. `npm run bench --
 * --only jpip` runs it at loopback speed and at 100 Mbit/s.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

let file = arg("file");
if (!file) {
  file = join(repo, "bench", "results", "iiif", "tiled16k.jp2");
  if (!existsSync(file)) {
    console.error("making the 16k test image with bench/iiif.mjs (node bench/iiif.mjs --levels 64) ...");
    const r = spawnSync(process.execPath, [join(here, "iiif.mjs"), "--levels", "64"], { stdio: "inherit" });
    if (r.status !== 0 || !existsSync(file)) throw new Error("could not make the test image; pass --file");
  }
}
file = resolve(file);
const [SW, SH] = arg("screen", "1024x768").split("x").map(Number);
const mbit = arg("mbit") ? Number(arg("mbit")) : undefined;
if (mbit !== undefined && !(mbit > 0)) throw new Error("--mbit takes a positive number");
const rate = mbit ? (mbit * 1e6) / 8 : undefined; // bytes per second
const { openJpip } = await import(join(repo, "dist", "jpip", "index.js"));
const { decode, openImage, readHeader } = await import(join(repo, "dist", "index.js"));

// the server in a child process: a JPIP handler and a plain file route for the baselines
const serverSrc = `
import { createServer } from "node:http";
import { createReadStream, statSync } from "node:fs";
const { createJpipHandler } = await import(${JSON.stringify(join(repo, "dist", "jpip", "server.js"))});
const root = ${JSON.stringify(dirname(file))};
const name = ${JSON.stringify(basename(file))};
const rate = ${JSON.stringify(rate ?? null)};
const handler = createJpipHandler({ root, viewer: false, ...(rate ? { maxRate: rate } : {}), onResponse: (i) => process.stdout.write(JSON.stringify({ query: i.query, bytes: i.bytes, eor: i.eor, ms: i.ms, cpuMs: i.cpuMs }) + "\\n") });
const size = statSync(root + "/" + name).size;
// the file route at the same pace as the JPIP responses
function send(res, stream) {
  if (!rate) return stream.pipe(res);
  const t0 = performance.now();
  let sent = 0;
  stream.on("data", (chunk) => {
    sent += chunk.length;
    const wait = (sent / rate) * 1000 - (performance.now() - t0);
    if (!res.write(chunk) || wait > 1) {
      stream.pause();
      const go = () => setTimeout(() => stream.resume(), Math.max(0, (sent / rate) * 1000 - (performance.now() - t0)));
      if (res.writableNeedDrain) res.once("drain", go);
      else go();
    }
  });
  stream.on("end", () => res.end());
}
const server = createServer((req, res) => {
  if (req.url === "/file/" + name) {
    const range = /bytes=(\\d+)-(\\d+)/.exec(req.headers.range ?? "");
    if (range) {
      const a = Number(range[1]), b = Math.min(size - 1, Number(range[2]));
      res.writeHead(206, { "Content-Range": "bytes " + a + "-" + b + "/" + size, "Content-Length": b - a + 1, "Accept-Ranges": "bytes", ETag: '"x"' });
      send(res, createReadStream(root + "/" + name, { start: a, end: b }));
    } else {
      res.writeHead(200, { "Content-Length": size, "Accept-Ranges": "bytes", ETag: '"x"' });
      send(res, createReadStream(root + "/" + name));
    }
    return;
  }
  void handler(req, res);
});
server.listen(0, "127.0.0.1", () => process.stdout.write(JSON.stringify({ port: server.address().port }) + "\\n"));
`;
const child = spawn(process.execPath, ["--input-type=module", "-e", serverSrc], { stdio: ["ignore", "pipe", "inherit"] });
const serverLog = [];
let port;
await new Promise((res, rej) => {
  let buf = "";
  child.stdout.on("data", (d) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (line.port) {
        port = line.port;
        res();
      } else serverLog.push(line);
    }
  });
  child.once("exit", (c) => rej(new Error(`server exited ${c}`)));
});
const base = `http://127.0.0.1:${port}`;
const name = basename(file);
const size = statSync(file).size;
const header = readHeader(readFileSync(file));
const levels = header.levels ?? 5;

// the zoom sequence: fit, then 2x closer each step, at the centre
const views = [];
let fit = 0;
while (fit < levels && (Math.ceil(header.width / 2 ** fit) > SW || Math.ceil(header.height / 2 ** fit) > SH)) fit++;
for (let d = fit; d >= 0; d--) {
  const fw = Math.ceil(header.width / 2 ** d), fh = Math.ceil(header.height / 2 ** d);
  const w = Math.min(SW, fw), h = Math.min(SH, fh);
  const x = Math.floor((fw - w) / 2), y = Math.floor((fh - h) / 2);
  views.push({ d, fsiz: [fw, fh], roff: [x, y], rsiz: [w, h] });
}

const mb = (b) => (b / 2 ** 20).toFixed(2);
console.log(`file ${name}: ${header.width}x${header.height}, ${header.components} components, ${levels} levels, ${header.layers} layer(s), ${mb(size)} MiB; screen ${SW}x${SH}; ${views.length} views; link ${mbit ? `${mbit} Mbit/s (paced by the server)` : "loopback, unpaced"}`);

// JPIP
const client = await openJpip(`${base}/jpip`, { target: name, decodeEveryBytes: 256 * 1024, decodeEveryMs: 200 });
const rows = [];
let jpipTotal = 0;
for (const v of views) {
  const t0 = performance.now();
  let first, last, updates = 0;
  const before = client.stats().bytes;
  const logBefore = serverLog.length;
  for await (const view of client.view({ fsiz: v.fsiz, roff: v.roff, rsiz: v.rsiz })) {
    updates++;
    if (first === undefined) first = performance.now() - t0;
    last = view;
  }
  const total = performance.now() - t0;
  const bytes = client.stats().bytes - before;
  jpipTotal += bytes;
  await new Promise((r) => setTimeout(r, 20));
  const srv = serverLog.slice(logBefore).at(-1) ?? {};
  rows.push({ view: `${v.fsiz.join("x")} (reduce ${v.d})`, bytes, first, total, updates, complete: last?.complete, serverCpu: srv.cpuMs, serverMs: srv.ms });
}
await client.close();

// baseline (a): fetch the whole file, decode each view from it
const b0 = performance.now();
const whole = new Uint8Array(await (await fetch(`${base}/file/${name}`)).arrayBuffer());
const fetchMs = performance.now() - b0;
const wholeRows = [];
for (const v of views) {
  const t0 = performance.now();
  const s = 2 ** v.d;
  decode(whole, { reduce: v.d, region: { x: v.roff[0] * s, y: v.roff[1] * s, width: v.rsiz[0] * s, height: v.rsiz[1] * s } });
  wholeRows.push(performance.now() - t0);
}

// baseline (b): openImage over HTTP byte ranges
const img = await openImage(`${base}/file/${name}`, { worker: false });
const rangeRows = [];
let rangePrev = img.stats().bytes;
for (const v of views) {
  const t0 = performance.now();
  const s = 2 ** v.d;
  await img.decode({ reduce: v.d, region: { x: v.roff[0] * s, y: v.roff[1] * s, width: v.rsiz[0] * s, height: v.rsiz[1] * s } });
  const b = img.stats().bytes;
  rangeRows.push({ ms: performance.now() - t0, bytes: b - rangePrev });
  rangePrev = b;
}
await img.close();
child.kill();

console.log("\n| view (frame) | JPIP bytes | JPIP first image ms | JPIP final ms | updates | server CPU ms | whole file: fetch + decode ms | openImage ranges: bytes / ms |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
rows.forEach((r, i) => {
  const wholeMs = (i === 0 ? fetchMs : 0) + wholeRows[i];
  console.log(`| ${r.view} | ${r.bytes.toLocaleString("en-US")} | ${r.first.toFixed(0)} | ${r.total.toFixed(0)} | ${r.updates} | ${r.serverCpu?.toFixed(0) ?? "?"} | ${wholeMs.toFixed(0)}${i === 0 ? ` (fetch ${fetchMs.toFixed(0)})` : ""} | ${rangeRows[i].bytes.toLocaleString("en-US")} / ${rangeRows[i].ms.toFixed(0)} |`);
});
const sumFirst = rows.reduce((a, r) => a + r.first, 0), sumFinal = rows.reduce((a, r) => a + r.total, 0);
const sumWhole = fetchMs + wholeRows.reduce((a, b) => a + b, 0);
console.log(`\nwhole sequence: JPIP ${mb(jpipTotal)} MiB (${((100 * jpipTotal) / size).toFixed(1)} % of the file), first images after ${sumFirst.toFixed(0)} ms in total, final ${sumFinal.toFixed(0)} ms; ` +
  `whole file ${mb(size)} MiB, ${sumWhole.toFixed(0)} ms; openImage ranges ${mb(rangeRows.reduce((a, r) => a + r.bytes, 0))} MiB, ${rangeRows.reduce((a, r) => a + r.ms, 0).toFixed(0)} ms`);
console.log(`time to the first usable image of the first view: JPIP ${rows[0].first.toFixed(0)} ms vs whole file ${(fetchMs + wholeRows[0]).toFixed(0)} ms`);
console.log(`server CPU per request: ${rows.map((r) => r.serverCpu?.toFixed(0)).join(", ")} ms`);
