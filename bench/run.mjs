#!/usr/bin/env node
/**
 * `npm run bench` — j2kit against its peers in the same Node process (tinybench), on
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
 *   lossy     9/7 encode at ratio 20 (one layer) and 3 layers 40/20/10, with PSNR of both encoders;
 *             skipped with a note while j2kit's encoder refuses lossy options.
 *
 * Options: --only encode,decode  --images kodim03,ct  --quick (kodim03 + CT only, 2 timed runs)
 *          --runs N (timed runs per cell; default 7 below 1 MP, 5 above, as PEERS.md)
 *          --json (also write bench/results/<timestamp>.json)  --help
 *
 * MP/s = megapixels (width × height) / median seconds per call; ratio columns are j2kit / peer
 * speed (above 1 = j2kit faster) and j2kit / peer size (below 1 = j2kit smaller).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { loadOpenJpegWasm } from "./peers/openjpeg_wasm.mjs";
import { loadJpeg2000Js } from "./peers/jpeg2000_js.mjs";

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
if (flag("--help") || flag("-h")) {
  const doc = readFileSync(fileURLToPath(import.meta.url), "utf8").split("*/")[0];
  console.log(doc.replace(/^#!.*\n\/\*\*\n/, "").replace(/^ \* ?/gm, ""));
  process.exit(0);
}
const SECTIONS = ["encode", "decode", "files", "partial", "lossy"];
const only = (value("--only") ?? SECTIONS.join(",")).split(",").map((s) => s.trim());
for (const s of only) if (!SECTIONS.includes(s)) fail(`unknown section "${s}" (choose from ${SECTIONS.join(", ")})`);
const quick = flag("--quick");
const runsOverride = value("--runs") ? Number(value("--runs")) : quick ? 2 : undefined;
const imageFilter = value("--images")?.split(",").map((s) => s.trim().toLowerCase());
const wantJson = flag("--json");

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Corpus (binary PNM P5/P6, 16-bit big-endian when maxval > 255; the signed CT as raw LE)
// ---------------------------------------------------------------------------------------------

function readPnm(path) {
  const bytes = new Uint8Array(readFileSync(path));
  let pos = 0;
  const token = () => {
    for (;;) {
      while (/\s/.test(String.fromCharCode(bytes[pos]))) pos++;
      if (bytes[pos] === 0x23) while (bytes[pos] !== 0x0a) pos++;
      else break;
    }
    const s = pos;
    while (!/\s/.test(String.fromCharCode(bytes[pos]))) pos++;
    return String.fromCharCode(...bytes.subarray(s, pos));
  };
  const magic = token();
  const width = Number(token());
  const height = Number(token());
  const maxval = Number(token());
  pos++;
  const components = magic === "P6" ? 3 : 1;
  const bitDepth = Math.ceil(Math.log2(maxval + 1));
  const n = width * height * components;
  let data;
  if (maxval > 255) {
    data = new Uint16Array(n);
    for (let i = 0; i < n; i++) data[i] = (bytes[pos + 2 * i] << 8) | bytes[pos + 2 * i + 1];
  } else data = bytes.slice(pos, pos + n);
  return { width, height, components, bitDepth, signed: false, data };
}

function readSigned16Raw(path, width, height) {
  const b = readFileSync(path);
  const data = new Int16Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = b.readInt16LE(2 * i);
  return { width, height, components: 1, bitDepth: 16, signed: true, data };
}

const CORPUS = [
  { name: "kodim03", group: "Kodak×4", levels: 5, load: () => readPnm(join(corpusDir, "kodim03.ppm")) },
  { name: "kodim04", group: "Kodak×4", levels: 5, load: () => readPnm(join(corpusDir, "kodim04.ppm")) },
  { name: "kodim07", group: "Kodak×4", levels: 5, load: () => readPnm(join(corpusDir, "kodim07.ppm")) },
  { name: "kodim08", group: "Kodak×4", levels: 5, load: () => readPnm(join(corpusDir, "kodim08.ppm")) },
  { name: "saw", group: "saw", levels: 6, load: () => readPnm(join(corpusDir, "saw_2725x2225.ppm")) },
  { name: "ct", group: "CT", levels: 5, load: () => readPnm(join(corpusDir, "ct_693_512x512_14bit.pgm")) },
  { name: "ct_s16", group: "CT signed 16", levels: 5, load: () => readSigned16Raw(join(corpusDir, "ct_693_512x512_s16le.raw"), 512, 512) },
  { name: "dx", group: "DX", levels: 6, load: () => readPnm(join(corpusDir, "dx_chest_966_2000x2128_12bit.pgm")) },
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

/** Median ms per call of `fn` (1 warm-up, then `runs` timed calls). */
async function timeIt(name, fn, megapixels) {
  const runs = runsOverride ?? (megapixels < 1 ? 7 : 5);
  const bench = new Bench({ iterations: runs, time: 0, warmup: true, warmupIterations: 1, warmupTime: 0, throws: true });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== "completed") throw r.error ?? new Error(`${name}: ${r.state}`);
  return r.latency.p50;
}

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

if (only.includes("encode")) {
  const rows = [];
  for (const c of selected) {
    const img = imageOf(c);
    const m = mp(img.width, img.height);
    const opts = { levels: c.levels, codeBlock: [64, 64], progression: "LRCP" };
    const ours = await cell(async () => {
      const cs = j2kit.encode(img, opts);
      const exact = samplesEqual(j2kit.decode(cs).data, img.data);
      return { ms: await timeIt("j2kit", () => j2kit.encode(img, opts), m), bytes: cs.length, exact };
    });
    const peer = await cell(async () => {
      const cs = opj.encode(img, { levels: c.levels, progression: "LRCP" });
      return { ms: await timeIt("opj", () => opj.encode(img, { levels: c.levels, progression: "LRCP" }), m), bytes: cs.length };
    });
    rows.push({ name: c.name, group: c.group, mp: m, ours, peer });
  }
  const agg = groupRows(rows).map(({ group, rs, mpTotal }) => {
    const sum = (k) => rs.reduce((s, r) => s + (r[k].ok ? r[k].ms : NaN), 0);
    const bytes = (k) => rs.reduce((s, r) => s + (r[k].ok ? r[k].bytes : NaN), 0);
    return { name: group, mp: mpTotal, ours: { ok: true, ms: sum("ours"), bytes: bytes("ours"), exact: rs.every((r) => r.ours.exact) }, peer: { ok: true, ms: sum("peer"), bytes: bytes("peer") } };
  });
  table(
    "Lossless encode (5/3, 1 layer, 64×64, LRCP)",
    ["image", "MP", "j2kit MP/s", "OpenJPEG-WASM MP/s", "speed j2kit/peer", "j2kit size", "peer size", "size j2kit/peer", "j2kit round trip"],
    [...rows, ...agg].map((r) => [
      r.name,
      fmt(r.mp, 2),
      r.ours.ok ? fmt(r.mp / (r.ours.ms / 1000)) : r.ours.note,
      r.peer.ok ? fmt(r.mp / (r.peer.ms / 1000)) : r.peer.note,
      r.ours.ok && r.peer.ok ? ratio(r.peer.ms, r.ours.ms) : "–",
      r.ours.ok ? kb(r.ours.bytes) : "–",
      r.peer.ok ? kb(r.peer.bytes) : "–",
      r.ours.ok && r.peer.ok ? (r.ours.bytes / r.peer.bytes).toFixed(4) : "–",
      r.ours.ok ? (r.ours.exact ? "bit-exact" : "MISMATCH") : "–",
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
    const ours = await cell(async () => {
      const exact = samplesEqual(j2kit.decode(cs).data, img.data);
      return { ms: await timeIt("j2kit", () => j2kit.decode(cs), m), exact };
    });
    const peer = await cell(async () => ({ ms: await timeIt("opj", () => opj.decode(cs), m) }));
    const js = await cell(async () => ({ ms: await timeIt("jpeg2000", () => jsPeer.decode(cs), m) }));
    rows.push({ name: c.name, group: c.group, mp: m, ours, peer, js });
  }
  const agg = groupRows(rows).map(({ group, rs, mpTotal }) => {
    const sum = (k) => rs.reduce((s, r) => s + (r[k].ok ? r[k].ms : NaN), 0);
    return { name: group, mp: mpTotal, ours: { ok: true, ms: sum("ours"), exact: rs.every((r) => r.ours.exact) }, peer: { ok: true, ms: sum("peer") }, js: { ok: true, ms: sum("js") } };
  });
  table(
    "Lossless decode (the same OpenJPEG-written codestream for every decoder)",
    ["image", "MP", "j2kit MP/s", "OpenJPEG-WASM MP/s", "jpeg2000 MP/s (8-bit out)", "j2kit/OpenJPEG", "j2kit/jpeg2000", "j2kit output"],
    [...rows, ...agg].map((r) => [
      r.name,
      fmt(r.mp, 2),
      r.ours.ok ? fmt(r.mp / (r.ours.ms / 1000)) : r.ours.note,
      r.peer.ok ? fmt(r.mp / (r.peer.ms / 1000)) : r.peer.note,
      r.js.ok ? fmt(r.mp / (r.js.ms / 1000)) : r.js.note,
      r.ours.ok && r.peer.ok ? ratio(r.peer.ms, r.ours.ms) : "–",
      r.ours.ok && r.js.ok ? ratio(r.js.ms, r.ours.ms) : "–",
      r.ours.ok ? (r.ours.exact ? "bit-exact" : "MISMATCH") : "–",
    ]),
  );
  out.sections.decode = rows;
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
    const ours = await cell(async () => {
      const img = j2kit.decode(bytes);
      const m = mp(img.width, img.height);
      return { ms: await timeIt("j2kit", () => j2kit.decode(bytes), m), mp: m };
    });
    const peer = await cell(async () => {
      const img = opj.decode(bytes);
      const m = mp(img.width, img.height);
      return { ms: await timeIt("opj", () => opj.decode(bytes), m), mp: m };
    });
    // the pure-JS peer never returns on some files (erdas-sandiego3i_5.5.jp2): probe it in a
    // worker with a time limit before timing it here
    const probe = await probeJsPeer(join(testdataDir, f), 60_000);
    const js = probe !== "ok" ? { ok: false, note: probe } : await cell(async () => {
      const img = jsPeer.decode(bytes);
      const m = mp(img.width, img.height);
      return { ms: await timeIt("jpeg2000", () => jsPeer.decode(bytes), m), mp: m };
    });
    const m = ours.mp ?? peer.mp ?? js.mp;
    rows.push({ name: f, mp: m, ours, peer, js });
  }
  table(
    "Decode of real-world files and conformance p0_04 / p1_02",
    ["file", "MP", "j2kit ms", "OpenJPEG-WASM ms", "jpeg2000 ms (8-bit out)", "j2kit MP/s", "j2kit/OpenJPEG", "j2kit/jpeg2000"],
    rows.map((r) => [
      r.name,
      fmt(r.mp, 2),
      r.ours.ok ? fmt(r.ours.ms) : r.ours.note,
      r.peer.ok ? fmt(r.peer.ms) : r.peer.note,
      r.js.ok ? fmt(r.js.ms) : r.js.note,
      r.ours.ok ? fmt(r.mp / (r.ours.ms / 1000)) : "–",
      r.ours.ok && r.peer.ok ? ratio(r.peer.ms, r.ours.ms) : "–",
      r.ours.ok && r.js.ok ? ratio(r.js.ms, r.ours.ms) : "–",
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
    const ours = await cell(async () => ({ ms: await timeIt("j2kit", oursFn, m) }));
    const peer = peerFn ? await cell(async () => ({ ms: await timeIt("opj", peerFn, m) })) : { ok: false, note: "not supported" };
    rows.push({ name: label, ours, peer });
  };
  await add("full decode", () => j2kit.decode(bytes), () => opj.decode(bytes));
  await add("reduce 2", () => j2kit.decode(bytes, { reduce: 2 }), () => opj.decode(bytes, { reduce: 2 }));
  await add(`region 512×512 at (${region.x}, ${region.y})`, () => j2kit.decode(bytes, { region }), undefined);
  table(
    `Partial decoding of ${f} (${W}×${H}, 9/7, 8 levels, 8 layers)`,
    ["operation", "j2kit ms", "OpenJPEG-WASM ms", "j2kit/OpenJPEG"],
    rows.map((r) => [r.name, r.ours.ok ? fmt(r.ours.ms) : r.ours.note, r.peer.ok ? fmt(r.peer.ms) : r.peer.note, r.ours.ok && r.peer.ok ? ratio(r.peer.ms, r.ours.ms) : "–"]),
    "MP/s would count the full-size 16.8 MP; times are median ms per call.",
  );
  out.sections.partial = rows;
}

if (only.includes("lossy")) {
  const probe = imageOf(selected[0] ?? CORPUS[0]);
  const support = await cell(async () => ({ cs: j2kit.encode(probe, { ratios: [20], levels: 5 }) }));
  if (!support.ok) {
    print(`\n### Lossy encode (9/7)\n\nSkipped: j2kit's encoder refuses lossy options (${support.note}).`);
    out.sections.lossy = { skipped: support.note };
  } else {
    const rows = [];
    for (const c of selected) {
      const img = imageOf(c);
      const m = mp(img.width, img.height);
      for (const ratios of [[20], [40, 20, 10]]) {
        const oursOpts = { levels: c.levels, codeBlock: [64, 64], progression: "LRCP", ratios };
        const ours = await cell(async () => {
          const cs = j2kit.encode(img, oursOpts);
          const ps = ratios.map((_, k) => psnr(img, j2kit.decode(cs, { layers: k + 1 }).data));
          return { ms: await timeIt("j2kit", () => j2kit.encode(img, oursOpts), m), bytes: cs.length, psnr: ps };
        });
        const peer = await cell(async () => {
          const cs = opj.encode(img, { levels: c.levels, progression: "LRCP", ratios });
          const ps = ratios.map((_, k) => psnr(img, opj.decode(cs, { layers: k + 1 }).data));
          return { ms: await timeIt("opj", () => opj.encode(img, { levels: c.levels, progression: "LRCP", ratios }), m), bytes: cs.length, psnr: ps };
        });
        rows.push({ name: c.name, ratios: ratios.join("/"), mp: m, ours, peer });
      }
    }
    const dB = (ps) => ps.map((p) => (p === Infinity ? "∞" : p.toFixed(2))).join(" / ");
    table(
      "Lossy encode (9/7 + ICT; ratio relative to the raw size at the image's own bit depth)",
      ["image", "ratios", "j2kit MP/s", "OpenJPEG-WASM MP/s", "speed j2kit/peer", "j2kit PSNR dB", "peer PSNR dB", "j2kit size", "peer size"],
      rows.map((r) => [
        r.name,
        r.ratios,
        r.ours.ok ? fmt(r.mp / (r.ours.ms / 1000)) : r.ours.note,
        r.peer.ok ? fmt(r.mp / (r.peer.ms / 1000)) : r.peer.note,
        r.ours.ok && r.peer.ok ? ratio(r.peer.ms, r.ours.ms) : "–",
        r.ours.ok ? dB(r.ours.psnr) : "–",
        r.peer.ok ? dB(r.peer.psnr) : "–",
        r.ours.ok ? kb(r.ours.bytes) : "–",
        r.peer.ok ? kb(r.peer.bytes) : "–",
      ]),
      "PSNR per layer (first layer first), each encoder's stream decoded by its own decoder; peak 2^bits − 1, MSE over all samples.",
    );
    out.sections.lossy = rows;
  }
}

if (wantJson) {
  const dir = join(here, "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${out.date.replace(/[:.]/g, "-")}.json`);
  out.markdown = lines.join("\n");
  writeFileSync(file, JSON.stringify(out, (k, v) => (v instanceof Uint8Array ? undefined : v), 2));
  console.log(`\nwrote ${file}`);
}
