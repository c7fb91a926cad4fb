#!/usr/bin/env node
/**
 * `npm run bench` — j2kit against its peers in the same Node process (alternating calls, load-aware medians), on
 * ../shared/benchcorpus and ../shared/testdata. Uses the built library (dist/index.js: run
 * `npm run build` first).
 *
 * Sections (select with --only, comma-separated):
 *   encode    lossless encode (5/3, 1 layer, 64×64 code-blocks, one tile, LRCP; 5 levels for Kodak
 *             and CT, 6 for saw and DX, as ../shared/benchcorpus/PEERS.md), j2kit vs OpenJPEG-WASM:
 *             MP/s, compressed size, ratios, and whether j2kit's stream decodes back bit-exactly.
 *   decode    lossless decode of the same OpenJPEG-written stream by j2kit, OpenJPEG-WASM and the
 *             pure-JS `jpeg2000` package (8-bit output only).
 *   files     decode of ../shared/testdata/realworld/* and conformance p0_04 / p1_02 (9/7, many layers).
 *   partial   full decode, reduce 2 and a 512×512 region of the largest realworld image
 *             (OpenJPEG-WASM has reduce but no region: j2kit only there).
 *   lossydecode  decode of OpenJPEG-written 9/7 streams (ratio 20; 40/20/10) by j2kit and OpenJPEG-WASM.
 *   lossy     9/7 encode at ratio 20 (one layer) and 3 layers 40/20/10, with PSNR of both encoders.
 *   jpeg      JPEG encoder (bench/jpeg.mjs, run as its own process): encodeJpeg vs MozJPEG-WASM and cjpeg.
 *   range     byte-range reading (bench/range.mjs, own process; only with --only range): tiles/s, bytes
 *             and requests per 256×256 tile at every zoom of a 16k×16k JP2, local and over HTTP, time to
 *             first tile, peak RSS.
 *   jpip      JPIP (bench/jpip.mjs, own processes; only with --only jpip): a zoom-in sequence over a
 *             16k×16k JP2 on one JPIP channel — bytes, time to the first usable image and to the final
 *             one, server CPU per request — against fetching and decoding the whole file and against
 *             openImage byte ranges; over loopback and at 100 Mbit/s.
 *   ht        HTJ2K (Part 15) lossless decode: the codestream ojph_compress writes for each image
 *             (`-num_decomps L -block_size {64,64} -prog_order LRCP -reversible true`, as PEERS.md)
 *             decoded by j2kit and by OpenJPH-WASM (@cornerstonejs/codec-openjph), next to j2kit's
 *             Part-1 decode of the same image (the OpenJPEG-written stream of the decode section);
 *             HT lossless encode (j2kit, OpenJPH-WASM, j2kit Part 1); HT lossy encode at ratio 20
 *             (rate control) against a fixed step (j2kit and OpenJPH-WASM at the qstep that makes
 *             OpenJPH's stream the size of ours), with sizes and PSNR.
 *   migrate   JP2 → JPEG over a generated archive (bench/migrate.mjs, own process; only with --only
 *             migrate): j2kit migrate --jobs 2 vs `vips copy` and ImageMagick `convert` under GNU
 *             parallel -j 2: files/s, MB/s, CPU, peak RSS.
 *   migrate-large  one 40000×40000 RGB scan (1024×1024 tiles, made once by libvips under
 *             .scratch/migrate-large) to JPEG q92 (bench/migrate_large.mjs, only with --only
 *             migrate-large): j2kit migrate --max-memory 1024 and 512 vs `vips copy`; CPU seconds and
 *             peak RSS from /usr/bin/time -v.
 *   threads   one image of ≥ 2 MP on N threads (decodeAsync({ threads: N }) / encodeAsync({ threads: N })
 *             vs threads: 1, and vs OpenJPEG-WASM): lossless and lossy decode, lossless and lossy encode.
 *
 * Options: --only encode,decode  --images kodim03,ct  --quick (kodim03 + CT only, 2 timed runs)
 *          --runs N (clean timed calls per cell; default 7 below 1 MP, 5 above, as PEERS.md)
 *          --threads N (threads section; default: every core)
 *          --budget MS (threads section: each contender gets at least MS of timed calls, sized from the
 *             one-thread warm-up call, at most 25 calls; default 3000, 0 = the run count only)
 *          --peer-apart (threads section: time OpenJPEG-WASM in its own pass after the one / many
 *             alternation instead of inside it; its copied-out results are garbage in this isolate, and the
 *             collections they bring land in the many-thread calls, whose second core V8's GC helpers then
 *             take: a diagnosis of that, see bench/gc_calls.mjs --no-peer)
 *          --json (also write bench/results/<timestamp>.json)  --help
 *          --stages: instead, time per stage (runs bench/stages.mjs with --images/--runs).
 *   bench/stages.mjs prints the time per stage (T1, DWT, MCT + pack, the rest) from a build with
 *   stage timers (`npm run build:stages`); the release builds have none.
 *
 * Timing: one warm-up call per contender, then the contenders of a row alternate call by call; each
 * call records the CPU other processes used meanwhile (/proc/stat minus our own CPU time) and the
 * median is over "clean" calls (others ≤ 1.05 cores single-threaded, ≤ 0.15 cores for threads
 * rows; up to 3× the run count is tried while clean calls come). The "load" column says how many calls were clean and
 * the others' median load; "(loaded)" = the median is over all calls because too few were clean.
 *
 * MP/s = megapixels (width × height) / median seconds per call; ratio columns are j2kit / peer
 * speed (above 1 = j2kit faster) and j2kit / peer size (below 1 = j2kit smaller).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadOpenJpegWasm } from "./peers/openjpeg_wasm.mjs";
import { loadJpeg2000Js } from "./peers/jpeg2000_js.mjs";
import { loadOpenJphWasm } from "./peers/openjph_wasm.mjs";
const { readPnm: parsePnm } = await import(new URL("../dist/io/pnm.js", import.meta.url).href);

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const corpusDir = resolve(repoRoot, "../shared/benchcorpus");
const testdataDir = resolve(repoRoot, "../shared/testdata");

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name) => {
  const i = argv.indexOf(name);
  if (i >= 0 && argv[i + 1] && !argv[i + 1].startsWith("--")) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(name + "="));
  return eq ? eq.slice(name.length + 1) : undefined;
};
if (flag("--stages")) {
  // per-stage times come from a separate core build with timers: hand over to bench/stages.mjs
  const { spawnSync } = await import("node:child_process");
  const rest = argv.filter((a) => a !== "--stages");
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(new URL("./stages.mjs", import.meta.url)), ...rest], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
if (flag("--help") || flag("-h")) {
  const doc = readFileSync(fileURLToPath(import.meta.url), "utf8").split("*/")[0];
  console.log(doc.replace(/^#!.*\n\/\*\*\n/, "").replace(/^ \* ?/gm, ""));
  process.exit(0);
}
const SECTIONS = ["encode", "decode", "lossydecode", "files", "partial", "lossy", "threads", "jpeg", "ht", "range", "jpip", "migrate", "migrate-large"];
// "range" and "jpip" make a 16k×16k test file the first time (minutes): only when asked for (--only range / jpip)
const only = (value("--only") ?? SECTIONS.filter((s) => s !== "range" && s !== "jpip" && s !== "migrate" && s !== "migrate-large").join(",")).split(",").map((s) => s.trim());
for (const s of only) if (!SECTIONS.includes(s)) fail(`unknown section "${s}" (choose from ${SECTIONS.join(", ")})`);
const quick = flag("--quick");
const runsOverride = value("--runs") ? Number(value("--runs")) : quick ? 2 : undefined;
// threads section: each contender gets at least this many ms of timed calls (more clean calls for
// short operations, at most MAX_BUDGET_RUNS): --budget MS, 0 = only the run count
const peerApart = process.argv.includes("--peer-apart");
const threadsBudgetMs = value("--budget") !== undefined ? Number(value("--budget")) : quick ? 0 : 3000;
const MAX_BUDGET_RUNS = 25;
const imageFilter = value("--images")?.split(",").map((s) => s.trim().toLowerCase());
const wantJson = flag("--json");
const threadsOverride = value("--threads") ? Number(value("--threads")) : undefined;

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Corpus (binary PNM P5/P6, 16-bit big-endian when maxval > 255; the signed CT as raw LE)
// ---------------------------------------------------------------------------------------------

/** A PGM/PPM file of the corpus, read by the library's own reader (src/io/pnm.ts). */
function readPnm(path) {
  return parsePnm(new Uint8Array(readFileSync(path)));
}

function readSigned16Raw(path, width, height) {
  const b = readFileSync(path);
  const data = new Int16Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = b.readInt16LE(2 * i);
  return { width, height, components: 1, bitDepth: 16, signed: true, data };
}

const CORPUS = [
  { name: "kodim03", group: "Kodak×4", levels: 5, file: "kodim03.ppm", load: () => readPnm(join(corpusDir, "kodim03.ppm")) },
  { name: "kodim04", group: "Kodak×4", levels: 5, file: "kodim04.ppm", load: () => readPnm(join(corpusDir, "kodim04.ppm")) },
  { name: "kodim07", group: "Kodak×4", levels: 5, file: "kodim07.ppm", load: () => readPnm(join(corpusDir, "kodim07.ppm")) },
  { name: "kodim08", group: "Kodak×4", levels: 5, file: "kodim08.ppm", load: () => readPnm(join(corpusDir, "kodim08.ppm")) },
  { name: "saw", group: "saw", levels: 6, file: "saw_2725x2225.ppm", load: () => readPnm(join(corpusDir, "saw_2725x2225.ppm")) },
  { name: "ct", group: "CT", levels: 5, file: "ct_693_512x512_14bit.pgm", load: () => readPnm(join(corpusDir, "ct_693_512x512_14bit.pgm")) },
  { name: "ct_s16", group: "CT signed 16", levels: 5, load: () => readSigned16Raw(join(corpusDir, "ct_693_512x512_s16le.raw"), 512, 512) },
  { name: "dx", group: "DX", levels: 6, file: "dx_chest_966_2000x2128_12bit.pgm", load: () => readPnm(join(corpusDir, "dx_chest_966_2000x2128_12bit.pgm")) },
];
const selected = CORPUS.filter((c) =>
  imageFilter ? imageFilter.some((f) => c.name.toLowerCase().startsWith(f)) : quick ? ["kodim03", "ct"].includes(c.name) : true,
);

// ---------------------------------------------------------------------------------------------
// Measurement helpers
// ---------------------------------------------------------------------------------------------

const mp = (w, h) => (w * h) / 1e6;
const fmt = (x, d = 1) => (x === undefined || Number.isNaN(x) ? "–" : x >= 100 ? x.toFixed(0) : x.toFixed(d));
const kb = (n) => (n === undefined ? "–" : `${(n / 1000).toFixed(0)} kB`);
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : "–");

// ---- load-aware timing (the machine is shared; ../shared/benchcorpus/PEERS.md) ------------------
//
// Every timed call records how much CPU *other* processes used meanwhile: busy jiffies of the whole
// machine from /proc/stat minus this process's own CPU time (process.cpuUsage() counts all its
// threads, workers included), divided by the wall time. A call is "clean" when the others used at
// most `maxOthers` cores: 1.05 for single-threaded code (one core stays free for us), 0.15 for
// multi-threaded rows. The contenders of a row run alternately (A B A B …) so they see the same load;
// the median is over clean calls, or over all calls (marked) when the machine never got quiet.

const CORES = (await import("node:os")).availableParallelism?.() ?? 2;

function machineBusySeconds() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const hz = 100; // USER_HZ
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / hz; // user nice system irq softirq steal
  } catch {
    return NaN;
  }
}

/** Time one call: wall ms and the cores other processes used meanwhile. */
async function timedCall(fn) {
  const b0 = machineBusySeconds();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const own = (c.user + c.system) / 1e6;
  const others = Math.max(0, (machineBusySeconds() - b0 - own) / (ms / 1000));
  return { ms, others };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Time several contenders of one row: `entries` = [[key, fn], …] (a failing contender is dropped
 * with its error note). Returns { key: { ok, ms, clean, calls, others } }.
 */
async function measureRow(entries, megapixels, { maxOthers = 1.05, budgetMs = 0 } = {}) {
  let runs = runsOverride ?? (megapixels < 1 ? 7 : 5);
  const res = {};
  const live = [];
  let firstMs = 0;
  for (const [key, fn] of entries) {
    try {
      const t0 = performance.now();
      await fn(); // warm-up
      if (live.length === 0) firstMs = performance.now() - t0;
      live.push([key, fn]);
      res[key] = { calls: [] };
    } catch (e) {
      const code = e && typeof e === "object" && "code" in e ? e.code : undefined;
      res[key] = { ok: false, note: code ? `err ${code}` : `err: ${String(e?.message ?? e).slice(0, 60)}` };
    }
  }
  // a time budget (threads rows): short operations get more calls, so one slow call (a GC, a late
  // wake-up) moves the median less; sized from the first contender's warm-up call
  if (budgetMs > 0 && firstMs > 0) runs = Math.max(runs, Math.min(MAX_BUDGET_RUNS, Math.ceil(budgetMs / firstMs)));
  const cleanCount = (key) => res[key].calls.filter((c) => c.others <= maxOthers).length;
  // up to 3× the run count while clean calls keep coming; on a machine that stays loaded (no clean
  // call in the first `runs` rounds) more calls would not get cleaner
  for (let round = 0; round < runs * 3 && live.some(([k]) => cleanCount(k) < runs); round++) {
    if (round === runs && live.every(([k]) => cleanCount(k) === 0)) break;
    for (const [key, fn] of live) res[key].calls.push(await timedCall(fn));
  }
  for (const [key] of live) {
    const calls = res[key].calls;
    const clean = calls.filter((c) => c.others <= maxOthers);
    const use = clean.length >= Math.min(runs, 3) ? clean : calls;
    res[key] = { ok: true, ms: median(use.map((c) => c.ms)), clean: clean.length, calls: calls.length, others: median(calls.map((c) => c.others)), loaded: use !== clean };
  }
  return res;
}

/** Load note for a measured cell: "clean/calls, others' median cores". */
const loadNote = (r) => (r?.ok && r.calls !== undefined ? `${r.clean}/${r.calls} clean, others ${r.others.toFixed(2)}${r.loaded ? " (loaded)" : ""}` : "–");

/** Run a cell; errors become a short note instead of aborting the whole run. */
async function cell(fn) {
  try {
    return { ok: true, ...(await fn()) };
  } catch (e) {
    const code = e && typeof e === "object" && "code" in e ? e.code : undefined;
    return { ok: false, note: code ? `err ${code}` : `err: ${String(e?.message ?? e).slice(0, 60)}` };
  }
}

/** Decode `file` once with the jpeg2000 peer in a worker thread: "ok", an error note, or a timeout note. */
function probeJsPeer(file, timeoutMs) {
  const src = `
    import { parentPort, workerData } from "node:worker_threads";
    import { readFileSync } from "node:fs";
    const { loadJpeg2000Js } = await import(workerData.peer);
    try { loadJpeg2000Js().decode(new Uint8Array(readFileSync(workerData.file))); parentPort.postMessage("ok"); }
    catch (e) { parentPort.postMessage("err: " + String(e?.message ?? e).slice(0, 60)); }`;
  const peer = new URL("./peers/jpeg2000_js.mjs", import.meta.url).href;
  return new Promise((resolve) => {
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(src)}`), { workerData: { file, peer } });
    const timer = setTimeout(() => {
      void w.terminate();
      resolve(`no result in ${timeoutMs / 1000} s`);
    }, timeoutMs);
    w.once("message", (m) => {
      clearTimeout(timer);
      void w.terminate();
      resolve(m);
    });
    w.once("error", (e) => {
      clearTimeout(timer);
      resolve(`err: ${String(e?.message ?? e).slice(0, 60)}`);
    });
  });
}

function samplesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** PSNR over all samples (peak 2^bits − 1), as PEERS.md. */
function psnr(ref, test) {
  if (!test || test.length !== ref.data.length) return NaN;
  let sum = 0;
  for (let i = 0; i < test.length; i++) {
    const d = ref.data[i] - test[i];
    sum += d * d;
  }
  const mse = sum / test.length;
  const peak = 2 ** ref.bitDepth - 1;
  return mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse);
}

const out = { date: new Date().toISOString(), node: process.version, sections: {} };
const lines = [];
const print = (s = "") => {
  lines.push(s);
  console.log(s);
};
function table(title, header, rows, note) {
  print(`\n### ${title}\n`);
  if (note) print(`${note}\n`);
  print(`| ${header.join(" | ")} |`);
  print(`| ${header.map(() => "---").join(" | ")} |`);
  for (const r of rows) print(`| ${r.join(" | ")} |`);
}

// ---------------------------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------------------------

const distIndex = join(repoRoot, "dist/index.js");
if (!existsSync(distIndex)) fail("dist/index.js not found: run `npm run build` first");
const t0 = performance.now();
const j2kit = await import(distIndex);
if (typeof j2kit.init === "function") await j2kit.init();
const j2kitInit = performance.now() - t0;
const opj = await loadOpenJpegWasm();
const jsPeer = loadJpeg2000Js();

print(`# j2kit benchmark — ${out.date}`);
print(`Node ${process.version}; peers: ${opj.version} (init ${opj.initMs.toFixed(1)} ms), ${jsPeer.version}; j2kit init ${j2kitInit.toFixed(1)} ms`);
print(`Sections: ${only.join(", ")}; images: ${selected.map((c) => c.name).join(", ")}${quick ? " (--quick)" : ""}`);

const images = new Map();
const imageOf = (c) => {
  if (!images.has(c.name)) images.set(c.name, c.load());
  return images.get(c.name);
};
const peerStreams = new Map(); // name -> OpenJPEG-written lossless stream (shared by the decode rows)
const peerStreamOf = (c) => {
  if (!peerStreams.has(c.name)) {
    const img = imageOf(c);
    // The WASM encoder cannot take >8-bit multi-component input; none of the corpus images is.
    peerStreams.set(c.name, opj.encode(img, { levels: c.levels, progression: "LRCP" }));
  }
  return peerStreams.get(c.name);
};

/** Aggregate rows of a group the way PEERS.md does (total MP / sum of medians). */
function groupRows(rows, keyMs) {
  const groups = new Map();
  for (const r of rows) {
    if (!groups.has(r.group)) groups.set(r.group, []);
    groups.get(r.group).push(r);
  }
  return [...groups.entries()].filter(([, rs]) => rs.length > 1).map(([g, rs]) => ({ group: g, rs, mpTotal: rs.reduce((s, r) => s + r.mp, 0), keyMs }));
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

/** Speed ratio peer/ours from a measured row (above 1 = j2kit faster). */
const speedRatio = (row, ours = "ours", peer = "peer") => (row[ours]?.ok && row[peer]?.ok ? ratio(row[peer].ms, row[ours].ms) : "–");
const mps = (r, m) => (r?.ok ? fmt(m / (r.ms / 1000)) : r?.note ?? "–");

if (only.includes("encode")) {
  const rows = [];
  for (const c of selected) {
    const img = imageOf(c);
    const m = mp(img.width, img.height);
    const opts = { levels: c.levels, codeBlock: [64, 64], progression: "LRCP" };
    const cs = await cell(async () => ({ cs: j2kit.encode(img, opts) }));
    const pcs = await cell(async () => ({ cs: opj.encode(img, { levels: c.levels, progression: "LRCP" }) }));
    const t = await measureRow([["ours", () => j2kit.encode(img, opts)], ["peer", () => opj.encode(img, { levels: c.levels, progression: "LRCP" })]], m);
    const exact = cs.ok && samplesEqual(j2kit.decode(cs.cs).data, img.data);
    rows.push({ name: c.name, group: c.group, mp: m, ...t, bytes: cs.cs?.length, peerBytes: pcs.cs?.length, exact });
  }
  const agg = groupRows(rows).map(({ group, rs, mpTotal }) => {
    const sum = (k) => rs.reduce((s, r) => s + (r[k].ok ? r[k].ms : NaN), 0);
    return { name: group, mp: mpTotal, ours: { ok: true, ms: sum("ours") }, peer: { ok: true, ms: sum("peer") }, bytes: rs.reduce((s, r) => s + r.bytes, 0), peerBytes: rs.reduce((s, r) => s + r.peerBytes, 0), exact: rs.every((r) => r.exact) };
  });
  table(
    "Lossless encode (5/3, 1 layer, 64×64, LRCP), one thread",
    ["image", "MP", "j2kit MP/s", "OpenJPEG-WASM MP/s", "speed j2kit/peer", "j2kit size", "peer size", "size j2kit/peer", "j2kit round trip", "load (j2kit)"],
    [...rows, ...agg].map((r) => [
      r.name, fmt(r.mp, 2), mps(r.ours, r.mp), mps(r.peer, r.mp), speedRatio(r), kb(r.bytes), kb(r.peerBytes),
      r.bytes && r.peerBytes ? (r.bytes / r.peerBytes).toFixed(4) : "–", r.exact ? "bit-exact" : "MISMATCH", loadNote(r.ours),
    ]),
  );
  out.sections.encode = rows;
}

if (only.includes("decode")) {
  const rows = [];
  for (const c of selected) {
    const img = imageOf(c);
    const m = mp(img.width, img.height);
    const cs = peerStreamOf(c);
    const exact = samplesEqual(j2kit.decode(cs).data, img.data);
    const t = await measureRow([["ours", () => j2kit.decode(cs)], ["peer", () => opj.decode(cs)], ["js", () => jsPeer.decode(cs)]], m);
    rows.push({ name: c.name, group: c.group, mp: m, ...t, exact });
  }
  const agg = groupRows(rows).map(({ group, rs, mpTotal }) => {
    const sum = (k) => rs.reduce((s, r) => s + (r[k].ok ? r[k].ms : NaN), 0);
    return { name: group, mp: mpTotal, ours: { ok: true, ms: sum("ours") }, peer: { ok: true, ms: sum("peer") }, js: { ok: true, ms: sum("js") }, exact: rs.every((r) => r.exact) };
  });
  table(
    "Lossless decode (the same OpenJPEG-written codestream for every decoder), one thread",
    ["image", "MP", "j2kit MP/s", "OpenJPEG-WASM MP/s", "jpeg2000 MP/s (8-bit out)", "j2kit/OpenJPEG", "j2kit/jpeg2000", "j2kit output", "load (j2kit)"],
    [...rows, ...agg].map((r) => [
      r.name, fmt(r.mp, 2), mps(r.ours, r.mp), mps(r.peer, r.mp), mps(r.js, r.mp), speedRatio(r), speedRatio(r, "ours", "js"),
      r.exact ? "bit-exact" : "MISMATCH", loadNote(r.ours),
    ]),
  );
  out.sections.decode = rows;
}

if (only.includes("lossydecode")) {
  // 9/7 streams written by OpenJPEG (ratio 20, one layer; 40/20/10, three layers), decoded whole
  const rows = [];
  for (const c of selected) {
    const img = imageOf(c);
    const m = mp(img.width, img.height);
    for (const ratios of [[20], [40, 20, 10]]) {
      const cs = await cell(async () => ({ cs: opj.encode(img, { levels: c.levels, progression: "LRCP", ratios }) }));
      if (!cs.ok) {
        rows.push({ name: c.name, ratios: ratios.join("/"), mp: m, ours: cs, peer: cs });
        continue;
      }
      const t = await measureRow([["ours", () => j2kit.decode(cs.cs)], ["peer", () => opj.decode(cs.cs)]], m);
      const p = psnr(img, j2kit.decode(cs.cs).data);
      const pp = psnr(img, opj.decode(cs.cs).data);
      rows.push({ name: c.name, ratios: ratios.join("/"), mp: m, ...t, psnr: p, peerPsnr: pp });
    }
  }
  table(
    "Lossy decode (9/7 + ICT streams written by OpenJPEG, all layers), one thread",
    ["image", "ratios", "j2kit MP/s", "OpenJPEG-WASM MP/s", "speed j2kit/peer", "j2kit PSNR dB", "peer PSNR dB", "load (j2kit)"],
    rows.map((r) => [r.name, r.ratios, mps(r.ours, r.mp), mps(r.peer, r.mp), speedRatio(r), fmt(r.psnr, 2), fmt(r.peerPsnr, 2), loadNote(r.ours)]),
  );
  out.sections.lossydecode = rows;
}

const FILES = [
  "realworld/aware.jp2",
  "realworld/erdas-sandiego3i_5.5.jp2",
  "realworld/kakadu71.jp2",
  "realworld/null_terminated_content_in_xml_box.jp2",
  "realworld/openJPEG15.jp2",
  "realworld/reference.jp2",
  "realworld/sentinel.jp2",
  "conformance/part4_j2k/p0_04.j2k",
  "conformance/part4_j2k/p1_02.j2k",
];
const fileFilter = (f) => !imageFilter || imageFilter.some((x) => f.toLowerCase().includes(x));

if (only.includes("files")) {
  const rows = [];
  for (const f of FILES.filter(fileFilter).filter((f) => !quick || f.includes("p0_04") || f.includes("sentinel"))) {
    const bytes = new Uint8Array(readFileSync(join(testdataDir, f)));
    const info = await cell(async () => ({ img: j2kit.decode(bytes) }));
    const m = info.ok ? mp(info.img.width, info.img.height) : 1;
    // the pure-JS peer never returns on some files (erdas-sandiego3i_5.5.jp2): probe it in a
    // worker with a time limit before timing it here
    const probe = await probeJsPeer(join(testdataDir, f), 60_000);
    const entries = [["ours", () => j2kit.decode(bytes)], ["peer", () => opj.decode(bytes)]];
    if (probe === "ok") entries.push(["js", () => jsPeer.decode(bytes)]);
    const t = await measureRow(entries, m);
    if (probe !== "ok") t.js = { ok: false, note: probe };
    rows.push({ name: f, mp: m, ...t });
  }
  table(
    "Decode of real-world files and conformance p0_04 / p1_02, one thread",
    ["file", "MP", "j2kit ms", "OpenJPEG-WASM ms", "jpeg2000 ms (8-bit out)", "j2kit MP/s", "j2kit/OpenJPEG", "j2kit/jpeg2000", "load (j2kit)"],
    rows.map((r) => [
      r.name, fmt(r.mp, 2), r.ours.ok ? fmt(r.ours.ms) : r.ours.note, r.peer.ok ? fmt(r.peer.ms) : r.peer.note, r.js.ok ? fmt(r.js.ms) : r.js.note,
      mps(r.ours, r.mp), speedRatio(r), speedRatio(r, "ours", "js"), loadNote(r.ours),
    ]),
  );
  out.sections.files = rows;
}

if (only.includes("partial")) {
  // The largest real-world image by pixel count.
  const f = "realworld/null_terminated_content_in_xml_box.jp2";
  const bytes = new Uint8Array(readFileSync(join(testdataDir, f)));
  const W = 4096;
  const H = 4096;
  const m = mp(W, H);
  const region = { x: (W >> 1) - 256, y: (H >> 1) - 256, width: 512, height: 512 };
  const rows = [];
  const add = async (label, oursFn, peerFn) => {
    const t = await measureRow(peerFn ? [["ours", oursFn], ["peer", peerFn]] : [["ours", oursFn]], m);
    rows.push({ name: label, ...t, peer: t.peer ?? { ok: false, note: "not supported" } });
  };
  await add("full decode", () => j2kit.decode(bytes), () => opj.decode(bytes));
  await add("reduce 2", () => j2kit.decode(bytes, { reduce: 2 }), () => opj.decode(bytes, { reduce: 2 }));
  await add(`region 512×512 at (${region.x}, ${region.y})`, () => j2kit.decode(bytes, { region }), undefined);
  table(
    `Partial decoding of ${f} (${W}×${H}, 9/7, 8 levels, 8 layers), one thread`,
    ["operation", "j2kit ms", "OpenJPEG-WASM ms", "j2kit/OpenJPEG", "load (j2kit)"],
    rows.map((r) => [r.name, r.ours.ok ? fmt(r.ours.ms) : r.ours.note, r.peer.ok ? fmt(r.peer.ms) : r.peer.note, speedRatio(r), loadNote(r.ours)]),
    "MP/s would count the full-size 16.8 MP; times are median ms per call.",
  );
  out.sections.partial = rows;
}

if (only.includes("lossy")) {
  const rows = [];
  for (const c of selected) {
    const img = imageOf(c);
    const m = mp(img.width, img.height);
    for (const ratios of [[20], [40, 20, 10]]) {
      const oursOpts = { levels: c.levels, codeBlock: [64, 64], progression: "LRCP", ratios };
      const peerOpts = { levels: c.levels, progression: "LRCP", ratios };
      const ours = await cell(async () => {
        const cs = j2kit.encode(img, oursOpts);
        return { bytes: cs.length, psnr: ratios.map((_, k) => psnr(img, j2kit.decode(cs, { layers: k + 1 }).data)) };
      });
      const peer = await cell(async () => {
        const cs = opj.encode(img, peerOpts);
        return { bytes: cs.length, psnr: ratios.map((_, k) => psnr(img, opj.decode(cs, { layers: k + 1 }).data)) };
      });
      const t = await measureRow([["ours", () => j2kit.encode(img, oursOpts)], ["peer", () => opj.encode(img, peerOpts)]], m);
      rows.push({ name: c.name, ratios: ratios.join("/"), mp: m, ...t, q: ours, pq: peer });
    }
  }
  const dB = (ps) => ps.map((p) => (p === Infinity ? "∞" : p.toFixed(2))).join(" / ");
  table(
    "Lossy encode (9/7 + ICT; ratio relative to the raw size at the image's own bit depth), one thread",
    ["image", "ratios", "j2kit MP/s", "OpenJPEG-WASM MP/s", "speed j2kit/peer", "j2kit PSNR dB", "peer PSNR dB", "j2kit size", "peer size", "load (j2kit)"],
    rows.map((r) => [
      r.name, r.ratios, mps(r.ours, r.mp), mps(r.peer, r.mp), speedRatio(r), r.q.ok ? dB(r.q.psnr) : r.q.note, r.pq.ok ? dB(r.pq.psnr) : r.pq.note,
      r.q.ok ? kb(r.q.bytes) : "–", r.pq.ok ? kb(r.pq.bytes) : "–", loadNote(r.ours),
    ]),
    "PSNR per layer (first layer first), each encoder's stream decoded by its own decoder; peak 2^bits − 1, MSE over all samples.",
  );
  out.sections.lossy = rows;
}

if (only.includes("threads")) {
  // One image on N threads (decodeAsync({ threads }): row bands in the worker pool) against one
  // thread in the same pool and against OpenJPEG-WASM (one thread: it has no threads). Only
  // images of at least 2 MP (smaller ones are not split). Clean = others used ≤ 0.15 cores.
  const N = threadsOverride ?? CORES;
  // one / many / peer alternating (default), or with --peer-apart one / many, then the peer alone
  const threadsRow = async (ours, peer, m) => {
    const opts = { maxOthers: 0.15, budgetMs: threadsBudgetMs };
    if (!peerApart) return measureRow([...ours, peer], m, opts);
    return { ...(await measureRow(ours, m, opts)), ...(await measureRow([peer], m, opts)) };
  };
  const threadsApi = await import(join(repoRoot, "dist/worker/threads.js"));
  const splitApi = await import(join(repoRoot, "dist/worker/split_decode.js"));
  j2kit.setWorkerCount(N);
  const rows = [];
  for (const c of selected) {
    const img = imageOf(c);
    if (img.width * img.height < 2_000_000) continue;
    const m = mp(img.width, img.height);
    for (const [label, cs] of [
      ["lossless decode", peerStreamOf(c)],
      ["lossy decode 20", opj.encode(img, { levels: c.levels, progression: "LRCP", ratios: [20] })],
    ]) {
      const ref = j2kit.decode(cs);
      const split = await j2kit.decodeAsync(cs, { threads: N });
      const same = samplesEqual(split.data, ref.data);
      const t = await threadsRow(
        [["one", () => j2kit.decodeAsync(cs, { threads: 1 })], ["many", () => j2kit.decodeAsync(cs, { threads: N })]],
        ["peer", () => opj.decode(cs)],
        m,
      );
      // idle-machine estimate from CPU time (robust to other processes): decodeAsync runs one
      // "split" job per band (src/worker/split_decode.ts) at once; run here one after the other,
      // each with every other band's share of the blocks several bands need delivered at once (as
      // when the bands run side by side); the split's wall time is at best the slowest band job's
      const cpuMs = async (fn) => {
        await fn();
        let best = Infinity;
        for (let r = 0; r < 3; r++) {
          const c0 = process.cpuUsage();
          await fn();
          const c1 = process.cpuUsage(c0);
          best = Math.min(best, (c1.user + c1.system) / 1000);
        }
        return best;
      };
      const nb = threadsApi.bandRows(img.height, N)?.length ?? 1;
      const fullCpu = await cpuMs(() => j2kit.decode(cs));
      let estimate = 1, overhead = 1;
      if (nb > 1) {
        // a stand-in port: keeps what the job posts, hands out `inbox` when the job looks
        const port = (inbox) => {
          const p = { sent: [], onmessage: null, postMessage: (msg) => p.sent.push(msg), close: () => {} };
          return { p, receiveNow: () => (inbox.length > 0 ? { message: inbox.shift() } : undefined) };
        };
        const shares = [];
        for (let k = 0; k < nb; k++) {
          const { p, receiveNow } = port([]);
          await splitApi.decodeSplit(cs, {}, k, nb, img.height, img.width, p, receiveNow);
          shares.push(p.sent[0]?.share ?? null);
        }
        const bandCpu = [];
        for (let k = 0; k < nb; k++) {
          const others = () => shares.map((share, j) => ({ from: j, share: share && share.slice(0) })).filter((_, j) => j !== k);
          bandCpu.push(await cpuMs(() => {
            const { p, receiveNow } = port(others());
            return splitApi.decodeSplit(cs, {}, k, nb, img.height, img.width, p, receiveNow);
          }));
        }
        estimate = fullCpu / Math.max(...bandCpu);
        overhead = bandCpu.reduce((a, b) => a + b, 0) / fullCpu;
      }
      rows.push({ name: c.name, op: label, mp: m, ...t, same, estimate, overhead });
    }
    // encodeAsync({ threads }): code-blocks on threads - 1 workers and this thread, the rest on this thread
    for (const [label, ours, peer] of [
      ["lossless encode", { levels: c.levels, codeBlock: [64, 64], progression: "LRCP" }, { levels: c.levels, progression: "LRCP" }],
      ["lossy encode 20", { levels: c.levels, codeBlock: [64, 64], progression: "LRCP", ratios: [20] }, { levels: c.levels, progression: "LRCP", ratios: [20] }],
      ["lossy encode 40/20/10", { levels: c.levels, codeBlock: [64, 64], progression: "LRCP", ratios: [40, 20, 10] }, { levels: c.levels, progression: "LRCP", ratios: [40, 20, 10] }],
    ]) {
      const ref = j2kit.encode(img, ours);
      const split = await j2kit.encodeAsync(img, { ...ours, threads: N });
      const same = split.length === ref.length && split.every((v, i) => v === ref[i]);
      const t = await threadsRow(
        [["one", () => j2kit.encodeAsync(img, { ...ours, threads: 1 })], ["many", () => j2kit.encodeAsync(img, { ...ours, threads: N })]],
        ["peer", () => opj.encode(img, peer)],
        m,
      );
      rows.push({ name: c.name, op: label, mp: m, ...t, same });
    }
  }
  table(
    `One image on ${N} threads (decodeAsync / encodeAsync threads: ${N} vs threads: 1, both in the worker pool)`,
    ["image", "operation", "1 thread MP/s", `${N} threads MP/s`, `${N} threads / 1 thread`, `${N} threads / OpenJPEG-WASM`, "idle estimate (CPU)", "band CPU / full CPU", "output", `load (${N} threads)`],
    rows.map((r) => [
      r.name, r.op, mps(r.one, r.mp), mps(r.many, r.mp), speedRatio(r, "many", "one"), speedRatio(r, "many", "peer"),
      r.estimate?.toFixed(2) ?? "–", r.overhead?.toFixed(2) ?? "–", r.same ? "identical" : "MISMATCH", loadNote(r.many),
    ]),
    `Calls: each contender is timed for at least ${threadsBudgetMs} ms (the run count, or more calls for short operations, at most ${MAX_BUDGET_RUNS}; --budget 0 = the run count only); the load column shows clean/timed calls. ` +
    (peerApart ? "OpenJPEG-WASM timed in its own pass after the 1-thread / N-thread alternation (--peer-apart). " : "1 thread, N threads and OpenJPEG-WASM alternate call by call. ") +
    "Idle estimate = CPU time of the whole decode ÷ CPU time of the slowest band job (src/worker/split_decode.ts, run one after the other here, the other bands' shares delivered at once): the speed-up an otherwise idle machine would give, without messaging costs. Band CPU / full CPU = all band jobs' CPU ÷ the one-piece decode's (T2 in every band, copies of the shared blocks). Encode rows: encodeAsync({ threads: N }) codes the code-blocks on N − 1 workers and on the calling thread, which also runs MCT, DWT (with more than one component a worker unpacks and transforms component 1 from the raw rows — components 1 and 2 for a lossy ICT encode at a ratio of 4 or more — and codes those blocks from the planes it keeps; a one-component image of 512 rows or more is split by rows), rate control and T2 (src/encode_threads.ts); 1 thread = the whole encode on one worker; output = the same bytes as encode().",
  );
  out.sections.threads = rows;
  j2kit.terminateWorkers();
}

if (only.includes("range")) {
  // byte-range section: its own script and process (bench/range.mjs)
  const { spawnSync } = await import("node:child_process");
  spawnSync(process.execPath, [join(here, "range.mjs"), ...(quick ? ["--levels", "6,3,0"] : [])], { stdio: "inherit" });
}

if (only.includes("jpip")) {
  // JPIP section: its own script and processes (bench/jpip.mjs), over loopback and a 100 Mbit/s link
  const { spawnSync } = await import("node:child_process");
  for (const link of [[], ["--mbit", "100"]]) spawnSync(process.execPath, [join(here, "jpip.mjs"), ...link], { stdio: "inherit" });
}

if (only.includes("migrate")) {
  // migration section: its own script and processes (bench/migrate.mjs); makes its archive the first time
  const { spawnSync } = await import("node:child_process");
  spawnSync(process.execPath, [join(here, "migrate.mjs"), ...(quick ? ["--files", "8", "--runs", "1"] : [])], { stdio: "inherit" });
}

if (only.includes("migrate-large")) {
  // one 40000x40000 RGB scan to JPEG (bench/migrate_large.mjs): j2kit migrate vs vips copy, peak RSS from /usr/bin/time -v; makes the JP2 the first time (minutes)
  const { spawnSync } = await import("node:child_process");
  spawnSync(process.execPath, [join(here, "migrate_large.mjs")], { stdio: "inherit" });
}

if (only.includes("jpeg")) {
  // JPEG encoder section: its own script and process (bench/jpeg.mjs)
  const { spawnSync } = await import("node:child_process");
  spawnSync(process.execPath, [join(here, "jpeg.mjs"), ...(quick ? ["--quick"] : []), ...(value("--runs") ? ["--runs", value("--runs")] : [])], { stdio: "inherit" });
}

if (only.includes("ht")) {
  const { spawnSync } = await import("node:child_process");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const ojph = await loadOpenJphWasm();
  print(`HT peer: ${ojph.version} (init ${ojph.initMs.toFixed(1)} ms)`);
  const dir = mkdtempSync(join(tmpdir(), "j2kit-bench-ht-"));
  const rows = [];
  try {
    for (const c of selected.filter((c) => c.file)) {
      const img = imageOf(c);
      const m = mp(img.width, img.height);
      const htFile = join(dir, `${c.name}.j2c`);
      const args = ["-i", join(corpusDir, c.file), "-o", htFile, "-num_decomps", String(c.levels), "-block_size", "{64,64}", "-prog_order", "LRCP", "-reversible", "true"];
      if (img.components === 1) args.push("-colour_trans", "false");
      const r = spawnSync("ojph_compress", args, { encoding: "utf8" });
      if (r.status !== 0) {
        rows.push({ name: c.name, group: c.group, mp: m, note: `ojph_compress failed: ${(r.stderr || r.error?.message || "").trim().slice(0, 80)}` });
        continue;
      }
      const ht = new Uint8Array(readFileSync(htFile));
      const part1 = peerStreamOf(c);
      const exact = samplesEqual(j2kit.decode(ht).data, img.data);
      const t = await measureRow([["ours", () => j2kit.decode(ht)], ["peer", () => ojph.decode(ht)], ["p1", () => j2kit.decode(part1)]], m);
      rows.push({ name: c.name, group: c.group, mp: m, ...t, exact, bytes: ht.length });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const agg = groupRows(rows.filter((r) => !r.note)).map(({ group, rs, mpTotal }) => {
    const sum = (k) => rs.reduce((s, r) => s + (r[k].ok ? r[k].ms : NaN), 0);
    return { name: group, mp: mpTotal, ours: { ok: true, ms: sum("ours") }, peer: { ok: true, ms: sum("peer") }, p1: { ok: true, ms: sum("p1") }, exact: rs.every((r) => r.exact) };
  });
  table(
    "HTJ2K lossless decode (ojph_compress-written codestream), one thread",
    ["image", "MP", "j2kit HT MP/s", "OpenJPH-WASM MP/s", "j2kit Part-1 MP/s (same image)", "j2kit HT / OpenJPH-WASM", "j2kit HT / j2kit Part-1", "j2kit output", "load (j2kit)"],
    [...rows, ...agg].map((r) =>
      r.note
        ? [r.name, fmt(r.mp, 2), r.note, "–", "–", "–", "–", "–", "–"]
        : [r.name, fmt(r.mp, 2), mps(r.ours, r.mp), mps(r.peer, r.mp), mps(r.p1, r.mp), speedRatio(r), speedRatio(r, "ours", "p1"), r.exact ? "bit-exact" : "MISMATCH", r.ours?.others !== undefined ? loadNote(r.ours) : "–"],
    ),
  );
  out.sections.ht = rows;

  // HT encode: lossless (j2kit HT, OpenJPH-WASM, j2kit Part 1), and lossy with a ratio target (j2kit
  // HT rate control) against a fixed step (j2kit HT and OpenJPH-WASM at the qstep that makes
  // OpenJPH's codestream the size of ours: OpenJPH has no rate control, only a step)
  const enc = [];
  for (const c of selected) {
    const img = imageOf(c);
    const m = mp(img.width, img.height);
    const base = { levels: c.levels, codeBlock: [64, 64], progression: "LRCP" };
    const lossless = { ...base, ht: true };
    const exact = await cell(async () => ({ v: samplesEqual(j2kit.decode(j2kit.encode(img, lossless)).data, img.data) }));
    const sizes = { ours: j2kit.encode(img, lossless).length, peer: await cell(async () => ({ v: ojph.encode(img, { levels: c.levels }).length })) };
    const tl = await measureRow([["ours", () => j2kit.encode(img, lossless)], ["peer", () => ojph.encode(img, { levels: c.levels })], ["p1", () => j2kit.encode(img, base)]], m);
    const rated = { ...base, ht: true, ratios: [20] };
    const rcs = j2kit.encode(img, rated);
    // OpenJPH-WASM's qstep bisected (log scale) to the largest codestream not above ours
    let lo = Math.log(1e-6), hi = 0, best;
    for (let it = 0; it < 40; it++) {
      const mid = (lo + hi) / 2;
      const cs = ojph.encode(img, { levels: c.levels, qstep: Math.exp(mid) });
      if (cs.length <= rcs.length) {
        hi = mid;
        if (!best || cs.length > best.cs.length) best = { q: Math.exp(mid), cs };
        if (cs.length >= 0.999 * rcs.length) break;
      } else lo = mid;
    }
    const fixed = { ...base, ht: true, qstep: best.q };
    const fcs = j2kit.encode(img, fixed);
    const q = { rate: psnr(img, j2kit.decode(rcs).data), fixed: psnr(img, j2kit.decode(fcs).data), peer: psnr(img, j2kit.decode(best.cs).data) };
    const tr = await measureRow([["rate", () => j2kit.encode(img, rated)], ["fixed", () => j2kit.encode(img, fixed)], ["peer", () => ojph.encode(img, { levels: c.levels, qstep: best.q })]], m);
    enc.push({ name: c.name, group: c.group, mp: m, lossless: { ...tl, exact: exact.ok && exact.v, sizes }, lossy: { ...tr, q, bytes: { rate: rcs.length, fixed: fcs.length, peer: best.cs.length }, qstep: best.q, budget: (img.width * img.height * img.components * img.bitDepth) / 8 / 20 } });
  }
  table(
    "HTJ2K lossless encode (5/3 + RCT, 64×64 blocks, LRCP), one thread",
    ["image", "MP", "j2kit HT MP/s", "OpenJPH-WASM MP/s", "j2kit Part-1 MP/s", "j2kit HT / OpenJPH-WASM", "j2kit HT / j2kit Part-1", "j2kit HT size", "OpenJPH size", "j2kit HT output", "load (j2kit)"],
    enc.map((r) => {
      const l = r.lossless;
      return [r.name, fmt(r.mp, 2), mps(l.ours, r.mp), mps(l.peer, r.mp), mps(l.p1, r.mp), speedRatio(l), speedRatio(l, "ours", "p1"), kb(l.sizes.ours), l.sizes.peer.ok ? kb(l.sizes.peer.v) : l.sizes.peer.note, l.exact ? "bit-exact" : "MISMATCH", loadNote(l.ours)];
    }),
  );
  const dB = (p) => (p === Infinity ? "∞" : p.toFixed(2));
  table(
    "HTJ2K lossy encode (9/7 + ICT): ratio 20 with rate control vs a fixed step, one thread",
    ["image", "j2kit HT ratio 20 MP/s", "j2kit HT fixed step MP/s", "OpenJPH-WASM fixed step MP/s", "ratio / fixed (time)", "j2kit ratio 20: size (of budget) · PSNR", "j2kit fixed step: size · PSNR", "OpenJPH-WASM: size · PSNR", "qstep", "load (ratio 20)"],
    enc.map((r) => {
      const l = r.lossy;
      return [
        r.name, mps(l.rate, r.mp), mps(l.fixed, r.mp), mps(l.peer, r.mp), l.rate.ok && l.fixed.ok ? (l.rate.ms / l.fixed.ms).toFixed(2) : "–",
        `${l.bytes.rate} B (${((100 * l.bytes.rate) / l.budget).toFixed(1)} %) · ${dB(l.q.rate)}`, `${l.bytes.fixed} B · ${dB(l.q.fixed)}`, `${l.bytes.peer} B · ${dB(l.q.peer)}`, l.qstep.toPrecision(3), loadNote(l.rate),
      ];
    }),
    "The fixed step is the qstep at which OpenJPH-WASM's codestream is the largest not above j2kit's ratio-20 codestream (bisection): PSNR at (nearly) equal size. All streams decoded by j2kit; PSNR peak 2^bits − 1 over all samples.",
  );
  out.sections.htEncode = enc;
}

if (wantJson) {
  const dir = join(here, "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${out.date.replace(/[:.]/g, "-")}.json`);
  out.markdown = lines.join("\n");
  writeFileSync(file, JSON.stringify(out, (k, v) => (v instanceof Uint8Array ? undefined : v), 2));
  console.log(`\nwrote ${file}`);
}
