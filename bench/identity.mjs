#!/usr/bin/env node
/**
 * Output-identity check for speed work: records a SHA-256 of every encoder output (benchcorpus
 * images × lossless / lossy settings / code-block styles) and of every decoded image (all
 * conformance, real-world, HTJ2K and encoder test streams in ../shared/testdata, plus the streams
 * encoded here), for both core builds (scalar and SIMD), then compares against an earlier record.
 *
 *   node bench/identity.mjs --record bench/results/identity-before.json
 *   node bench/identity.mjs --compare bench/results/identity-before.json
 *   options: --quick (Kodak + CT only)  --flavors scalar,simd  --threads N (also decodeAsync/encodeAsync with N threads)
 *            --early-stop 0|1|n (encoderSetEarlyStop before every encode: record with 0, compare with 1
 *            or n > 1, to prove that early-stopped block coding changes no output)  --encode-only
 *            --no-partial (skip the region / reduce / layers / layout decodes of every stream)
 *            --settings ht-,lossless (only the encoder settings whose names start with one of these)
 *
 * Uses the built library (dist/: run `npm run build` first). Exit code 1 on any difference.
 * Decode failures are recorded as their error code, so a stream that starts or stops failing
 * shows up as a difference too.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join, resolve, relative } from "node:path";
import { fileURLToPath } from "node:url";
const { readPnm: parsePnm } = await import(new URL("../dist/io/pnm.js", import.meta.url).href);

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..");
const corpusDir = resolve(repoRoot, "../shared/benchcorpus");
const testdataDir = resolve(repoRoot, "../shared/testdata");

const argv = process.argv.slice(2);
const value = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const recordPath = value("--record");
const comparePath = value("--compare");
if (!recordPath && !comparePath) {
  console.error("usage: node bench/identity.mjs --record FILE | --compare FILE [--quick] [--flavors scalar,simd] [--threads N]");
  process.exit(2);
}
const quick = argv.includes("--quick");
const flavors = (value("--flavors") ?? "scalar,simd").split(",");
const threads = value("--threads") ? Number(value("--threads")) : 0;
const earlyStop = value("--early-stop");
const encodeOnly = argv.includes("--encode-only");
const settingsFilter = value("--settings")?.split(",");
const partial = !argv.includes("--no-partial");

const lib = await import(resolve(repoRoot, "dist/index.js"));
const load = await import(resolve(repoRoot, "dist/wasm/load.js"));

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
  { name: "kodim03", levels: 5, load: () => readPnm(join(corpusDir, "kodim03.ppm")) },
  { name: "kodim04", levels: 5, load: () => readPnm(join(corpusDir, "kodim04.ppm")) },
  { name: "kodim07", levels: 5, load: () => readPnm(join(corpusDir, "kodim07.ppm")) },
  { name: "kodim08", levels: 5, load: () => readPnm(join(corpusDir, "kodim08.ppm")) },
  { name: "ct", levels: 5, load: () => readPnm(join(corpusDir, "ct_693_512x512_14bit.pgm")) },
  { name: "ct_s16", levels: 5, load: () => readSigned16Raw(join(corpusDir, "ct_693_512x512_s16le.raw"), 512, 512) },
  { name: "saw", levels: 6, big: true, load: () => readPnm(join(corpusDir, "saw_2725x2225.ppm")) },
  { name: "dx", levels: 6, big: true, load: () => readPnm(join(corpusDir, "dx_chest_966_2000x2128_12bit.pgm")) },
].filter((c) => !quick || !c.big);

/** Encoder settings: every T1 style flag combination that changes the pass loops, lossless and lossy. */
const SETTINGS = [
  { name: "lossless", opts: {} },
  { name: "lossy20", opts: { ratios: [20] } },
  { name: "lossy40-20-10", opts: { ratios: [40, 20, 10] } },
  { name: "styles-lossless", small: true, opts: { codeBlockStyle: ["bypass", "reset", "termall", "vcausal", "pterm", "segsym"] } },
  { name: "styles-lossy", small: true, opts: { ratios: [30, 8], codeBlockStyle: ["bypass", "vcausal", "segsym"] } },
  { name: "bypass-pterm-32x16", small: true, opts: { codeBlock: [32, 16], codeBlockStyle: ["bypass", "pterm"], ratios: [12] } },
  // rate control at other rates, PSNR targets (decode check + reallocation), several tiles (the
  // tile-by-tile path) and the styles that terminate passes: what capped block coding must keep
  { name: "lossy100", opts: { ratios: [100] } },
  { name: "lossy-5layers", small: true, opts: { ratios: [160, 80, 40, 16, 6] } },
  { name: "psnr", opts: { psnr: [34, 44] } },
  { name: "lossy-tiles", small: true, opts: { ratios: [30], tile: { width: 256, height: 192 } } },
  { name: "psnr-tiles", small: true, opts: { psnr: [40], tile: { width: 200, height: 256 } } },
  { name: "termall-reset-lossy", small: true, opts: { ratios: [15], codeBlockStyle: ["termall", "reset"] } },
  { name: "lossy-lossless-layer", small: true, opts: { ratios: [30, 1] } },
  // HTJ2K block coder: lossless, a fixed step, rate control (single layer, several layers, tiles)
  { name: "ht-lossless", opts: { ht: true } },
  { name: "ht-qstep", opts: { ht: true, qstep: 0.02 } },
  { name: "ht-ratio20", opts: { ht: true, ratios: [20] } },
  { name: "ht-ratio8-vcausal", small: true, opts: { ht: true, ratios: [8], codeBlockStyle: ["vcausal"] } },
  { name: "ht-ratio50", small: true, opts: { ht: true, ratios: [50] } },
  { name: "ht-layers", small: true, opts: { ht: true, ratios: [40, 20, 10] } },
  { name: "ht-tiles", small: true, opts: { ht: true, ratios: [30], tile: { width: 256, height: 192 } } },
].filter((s) => !settingsFilter || settingsFilter.some((f) => s.name.startsWith(f)));

const hash = (u8) => createHash("sha256").update(u8).digest("hex").slice(0, 32);
const bytesOf = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function listStreams(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listStreams(p));
    else if (/\.(j2k|j2c|jp2|jpx|jph|jhc)$/i.test(name)) out.push(p);
  }
  return out;
}
const STREAM_DIRS = ["conformance", "realworld", "htj2k", "encoder", "icc", "edge_cases"].map((d) => join(testdataDir, d));
const streams = STREAM_DIRS.flatMap(listStreams);

async function decodeKey(bytes, options = {}) {
  try {
    const img = threads ? await lib.decodeAsync(bytes, { ...options, threads }) : lib.decode(bytes, options);
    const data = img.componentData ? img.componentData.map((d) => hash(bytesOf(d))).join(",") : hash(bytesOf(img.data));
    return `${img.width}x${img.height}x${img.components}:${data}`;
  } catch (e) {
    return `error:${e?.code ?? e?.message ?? String(e)}`;
  }
}

/**
 * Region / reduced-resolution / layer / layout decodes of one stream (keys → options), chosen from
 * its header so that they exercise window edges at odd offsets, every code path of the output stage
 * (interleaved, planar, components) and layer truncation.
 */
function partialOptions(bytes) {
  let h;
  try {
    h = lib.readHeader(bytes);
  } catch {
    return {};
  }
  const W = h.width, H = h.height;
  const out = {};
  const levels = h.levels ?? 0;
  if (W >= 4 && H >= 4) {
    out["region-centre"] = { region: { x: Math.floor(W / 3) | 1, y: Math.floor(H / 3) | 1, width: Math.max(1, Math.floor(W / 3)), height: Math.max(1, Math.floor(H / 4)) } };
    out["region-corner-planar"] = { region: { x: 0, y: Math.floor(H / 2), width: Math.max(1, Math.ceil(W / 2) + 3), height: Math.ceil(H / 2) }, layout: "planar" };
  }
  if (levels >= 1) out["reduce1-components"] = { reduce: 1, layout: "components" };
  if (levels >= 2 && W >= 16 && H >= 16) out["reduce2-region"] = { reduce: 2, region: { x: Math.floor(W / 5), y: Math.floor(H / 7), width: Math.ceil(W / 2), height: Math.ceil(H / 3) } };
  out["layers1"] = { layers: 1 };
  return out;
}

async function run(flavor) {
  load.useFlavor(flavor);
  const rec = {};
  const t0 = performance.now();
  for (const c of CORPUS) {
    const image = c.load();
    for (const s of SETTINGS) {
      if (s.small && c.big) continue;
      const opts = { levels: c.levels, progression: "LRCP", ...s.opts };
      const key = `encode/${c.name}/${s.name}`;
      try {
        if (earlyStop !== undefined) load.callCore((core) => core.encoderSetEarlyStop(Number(earlyStop)));
        const out = threads ? await lib.encodeAsync(image, { ...opts, threads }) : lib.encode(image, opts);
        rec[key] = `${out.length}:${hash(out)}`;
        rec[`decode-own/${c.name}/${s.name}`] = await decodeKey(out);
      } catch (e) {
        rec[key] = `error:${e?.code ?? e?.message ?? String(e)}`;
      }
    }
  }
  for (const p of encodeOnly ? [] : streams) {
    const bytes = new Uint8Array(readFileSync(p));
    rec[`decode/${relative(testdataDir, p)}`] = await decodeKey(bytes);
    if (partial) for (const [k, o] of Object.entries(partialOptions(bytes))) rec[`decode-${k}/${relative(testdataDir, p)}`] = await decodeKey(bytes, o);
  }
  console.error(`${flavor}: ${Object.keys(rec).length} outputs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return rec;
}

const result = {};
for (const f of flavors) result[f] = await run(f);
const fs = flavors.map((f) => result[f]);
// both builds must agree with each other, whatever the record says
let diffs = 0;
for (let i = 1; i < fs.length; i++)
  for (const k of Object.keys(fs[0]))
    if (fs[i][k] !== fs[0][k]) {
      diffs++;
      console.log(`${flavors[0]} vs ${flavors[i]} differ: ${k}: ${fs[0][k]} / ${fs[i][k]}`);
    }

if (recordPath) {
  mkdirSync(dirname(recordPath), { recursive: true });
  writeFileSync(recordPath, JSON.stringify(result, null, 1));
  console.log(`recorded ${Object.keys(fs[0]).length} outputs × ${flavors.length} builds in ${recordPath}`);
}
if (comparePath) {
  const before = JSON.parse(readFileSync(comparePath, "utf8"));
  let compared = 0;
  for (const f of flavors) {
    const b = before[f];
    if (!b) {
      console.log(`no "${f}" record in ${comparePath}`);
      diffs++;
      continue;
    }
    for (const k of Object.keys(b)) {
      if (!(k in result[f])) continue; // e.g. --quick against a full record
      compared++;
      if (result[f][k] !== b[k]) {
        diffs++;
        console.log(`${f}: ${k}: before ${b[k]}, now ${result[f][k]}`);
      }
    }
  }
  console.log(`${compared} outputs compared, ${diffs} differences`);
}
process.exit(diffs ? 1 : 0);
