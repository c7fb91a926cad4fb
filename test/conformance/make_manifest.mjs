#!/usr/bin/env node
/**
 * Generates test/conformance/manifest.json from ../shared/testdata/conformance/tolerances.csv and
 * the tables of ../shared/testdata/README.md. The JSON is committed; re-run this script when the
 * test data changes:
 *
 *     node test/conformance/make_manifest.mjs
 *
 * Every codestream of the conformance folder becomes one entry. `exceptions` starts empty and is
 * kept from the previous manifest: an exception needs an `id` and a `reason`, and counts as not done.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseWhatItIs, readTestdataReadme, unquote } from "../helpers/readme_tables.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../..");
const testdata = resolve(repoRoot, "../shared/testdata");
const conformance = join(testdata, "conformance");
const outPath = join(here, "manifest.json");

/** Relative path (below testdata) of a file somewhere in the conformance tree. */
const index = new Map();
for (const sub of readdirSync(conformance, { withFileTypes: true })) {
  if (!sub.isDirectory()) continue;
  for (const f of readdirSync(join(conformance, sub.name))) index.set(f, relative(testdata, join(conformance, sub.name, f)));
}
const locate = (name) => index.get(name);

const tables = readTestdataReadme(join(testdata, "README.md"));
/** README rows keyed by the file name in their first column. */
const readmeRow = new Map();
for (const t of tables) {
  for (const row of t.rows) {
    const first = unquote(row[t.columns[0]]);
    if (!readmeRow.has(first)) readmeRow.set(first, { table: t, row });
  }
}

const numbers = (s) => s.split(":").map(Number);
const csv = readFileSync(join(conformance, "tolerances.csv"), "utf8").trim().split("\n");
const header = csv[0].split(",");
const entries = [];
const unavailable = [];

for (const line of csv.slice(1)) {
  const cells = line.split(",");
  const rec = Object.fromEntries(header.map((h, i) => [h, cells[i]]));
  const file = rec.codestream;
  const id = file.replace(/\.[^.]+$/, "");
  const path = locate(file);
  const refs = rec.reference_files.split(" ").map((r) => ({ name: r, path: locate(r) }));
  if (!path || refs.some((r) => !r.path)) {
    unavailable.push({ id, file, reason: `not in the test data (${rec.source})` });
    continue;
  }
  const set = path.split("/")[1];
  const info = readmeRow.get(file);
  const whatCol = info?.table.columns.find((c) => c.startsWith("what it is") || c.startsWith("boxes"));
  const what = info && whatCol ? info.row[whatCol] : "";
  const measuredCol = info?.table.columns.find((c) => c.startsWith("measured"));
  // JP2 files are rendered to 8-bit RGB by their colour specification (Table G.1; richter's
  // subsampling_1 is sYCC 4:2:0 with an RGB reference); raw a1..g4 codestreams compare directly.
  const compare = set === "part4_j2k" ? "components" : /\.jp[2x]$/.test(file) ? "rgb8" : "upsampled";
  const n = Number(rec.components_compared);
  const peak = numbers(rec.peak_per_component);
  const mse = numbers(rec.mse_per_component);
  entries.push({
    id,
    set,
    file: path,
    compare,
    references: refs.map((r) => r.path),
    reduce: Number(rec.reduce),
    componentsCompared: n,
    peak: peak.length === 1 ? Array(n).fill(peak[0]) : peak,
    mse: mse.length === 1 ? Array(n).fill(mse[0]) : mse,
    toleranceSource: rec.source,
    expect: expectFrom(parseWhatItIs(what)),
    openjpegMeasured: info && measuredCol ? info.row[measuredCol] : undefined,
    description: what,
  });
}

// Codestreams of the conformance folder without a tolerance row: decode-only entries (README:
// "reference PPM > 4 MiB, not obtainable; decode-only test: decodes").
for (const [name, path] of index) {
  if (!/\.(j2k|j2c|jp2|jpx)$/.test(name)) continue;
  if (entries.some((e) => e.file === path)) continue;
  const info = readmeRow.get(name);
  const whatCol = info?.table.columns.find((c) => c.startsWith("what it is") || c.startsWith("boxes"));
  const what = info && whatCol ? info.row[whatCol] : "";
  entries.push({
    id: name.replace(/\.[^.]+$/, ""),
    set: path.split("/")[1],
    file: path,
    compare: "decode-only",
    references: [],
    reduce: 0,
    componentsCompared: 0,
    peak: [],
    mse: [],
    toleranceSource: "README: no reference obtainable; decode-only",
    expect: expectFrom(parseWhatItIs(what)),
    openjpegMeasured: info ? Object.values(info.row).at(-1) : undefined,
    description: what,
  });
}

function expectFrom(f) {
  if (f.width === undefined) return undefined;
  return { width: f.width, height: f.height, components: f.components };
}

const order = ["part4_j2k", "part4_jp2", "kakadu_j2c", "richter_jp2"];
entries.sort((a, b) => order.indexOf(a.set) - order.indexOf(b.set) || a.id.localeCompare(b.id));

const previous = existsSync(outPath) ? JSON.parse(readFileSync(outPath, "utf8")) : {};
const manifest = {
  $comment:
    "Generated by test/conformance/make_manifest.mjs from ../shared/testdata/conformance/tolerances.csv and README.md. " +
    "compare: components = class-1 per-component PGX comparison (layout 'components'); rgb8 = interleaved (upsampled) decode rendered to 8-bit RGB by the JP2 colour specification (Table G.1) vs TIFF/PPM; " +
    "upsampled = interleaved (upsampled) decode vs PNM; decode-only = no reference, must decode to `expect`. " +
    "A test passes when every compared component has peak <= peak[c] and MSE <= mse[c]. " +
    "exceptions: [{ id, reason }] — each one counts as NOT done.",
  exceptions: previous.exceptions ?? [],
  unavailable,
  entries,
};
writeFileSync(outPath, JSON.stringify(manifest, null, 2) + "\n");
console.log(`wrote ${relative(repoRoot, outPath)}: ${entries.length} entries, ${unavailable.length} unavailable, ${manifest.exceptions.length} exceptions`);
