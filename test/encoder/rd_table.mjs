/**
 * Rate-distortion of j2kit against OpenJPEG (issue 4, "Rate-distortion"): at compression ratios 10,
 * 20 and 40, on the Kodak images, the DX radiograph and the CT of ../shared/benchcorpus, the PSNR of
 * each codec's single-layer 9/7 codestream with the same settings — the decomposition levels of
 * PEERS.md (5 Kodak/CT, 6 DX), 64×64 code-blocks, LRCP, colour transform for RGB.
 *
 * OpenJPEG: native `opj_compress -I -r R -n L+1 -b 64,64 -p LRCP` (decoded with `opj_decompress`)
 * when both are on PATH, otherwise the WebAssembly peer (@cornerstonejs/codec-openjpeg:
 * setQuality(false, 1), setCompressionRatio(0, R), setDecompositions(L), LRCP).
 * PSNR as in PEERS.md: peak 2^bits − 1, MSE over all samples of all components.
 *
 * Used by rate_distortion.test.ts (with the library's sources) and runnable on its own after
 * `npm run build:ts`, printing the markdown table:
 *
 *     node test/encoder/rd_table.mjs
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readBinaryPnm } from "../roundtrip/pnm_reader.mjs";

const here = dirname(fileURLToPath(import.meta.url));
/** ../shared/benchcorpus from the repository root. */
export const BENCHCORPUS = resolve(here, "../../../shared/benchcorpus");

/** The images and their decomposition levels (PEERS.md "Settings"). */
export const RD_IMAGES = [
  { file: "kodim03.ppm", levels: 5 },
  { file: "kodim04.ppm", levels: 5 },
  { file: "kodim07.ppm", levels: 5 },
  { file: "kodim08.ppm", levels: 5 },
  { file: "dx_chest_966_2000x2128_12bit.pgm", levels: 6 },
  { file: "ct_693_512x512_14bit.pgm", levels: 5 },
];

/** The compression ratios compared. */
export const RD_RATIOS = [10, 20, 40];

function onPath(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** "native" when opj_compress and opj_decompress are on PATH, else "wasm". */
export function openJpegRoute() {
  return onPath("opj_compress") && onPath("opj_decompress") ? "native" : "wasm";
}

/** PSNR (dB), peak 2^bitDepth − 1, over all samples: the suite's one test-side PSNR. */
import { psnr } from "../helpers/psnr.mjs";
export { psnr };

const images = new Map();
/** A corpus image (cached). */
export function rdImage(file) {
  if (!images.has(file)) images.set(file, readBinaryPnm(new Uint8Array(readFileSync(join(BENCHCORPUS, file)))));
  return images.get(file);
}

function run(tool, args) {
  const r = spawnSync(tool, args, { encoding: "utf8", timeout: 300_000, maxBuffer: 16 << 20 });
  if (r.error) throw new Error(`${tool}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${tool} exited with ${r.status ?? r.signal}: ${(r.stderr || r.stdout || "").trim().split("\n").slice(-3).join(" | ")}`);
}

/** OpenJPEG native: compress the corpus file, decompress to PNM, PSNR against the original. */
function openJpegNative(file, levels, ratio) {
  const dir = mkdtempSync(join(tmpdir(), "j2kit-rd-"));
  try {
    const img = rdImage(file);
    const out = join(dir, "out.j2k");
    run("opj_compress", ["-i", join(BENCHCORPUS, file), "-o", out, "-I", "-r", String(ratio), "-n", String(levels + 1), "-b", "64,64", "-p", "LRCP"]);
    const bytes = readFileSync(out).length;
    const back = join(dir, img.components === 3 ? "back.ppm" : "back.pgm");
    run("opj_decompress", ["-i", out, "-o", back, "-quiet"]);
    const dec = readBinaryPnm(new Uint8Array(readFileSync(back)));
    if (dec.width !== img.width || dec.height !== img.height || dec.components !== img.components) throw new Error("opj_decompress output has the wrong shape");
    return { bytes, psnr: psnr(img.data, dec.data, img.bitDepth) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let opjModule;
/** OpenJPEG WebAssembly (cornerstone); the package main is a slow asm.js build, so load /wasmjs. */
function openJpegWasmModule() {
  if (!opjModule) {
    const require = createRequire(import.meta.url);
    const factory = require("@cornerstonejs/codec-openjpeg/wasmjs");
    const wasmBinary = readFileSync(require.resolve("@cornerstonejs/codec-openjpeg/wasm"));
    opjModule = factory({ print: () => {}, printErr: () => {}, wasmBinary });
  }
  return opjModule;
}

async function openJpegWasm(file, levels, ratio) {
  const m = await openJpegWasmModule();
  const img = rdImage(file);
  const enc = new m.J2KEncoder();
  let cs;
  try {
    const buf = enc.getDecodedBuffer({ width: img.width, height: img.height, bitsPerSample: img.bitDepth, componentCount: img.components, isSigned: false });
    if (img.bitDepth <= 8) buf.set(img.data);
    else {
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      for (let i = 0; i < img.data.length; i++) dv.setUint16(2 * i, img.data[i], true);
    }
    enc.setDecompositions(levels);
    enc.setQuality(false, 1);
    enc.setCompressionRatio(0, ratio);
    enc.setProgressionOrder(0); // LRCP
    enc.encode();
    cs = enc.getEncodedBuffer().slice();
  } finally {
    enc.delete();
  }
  const dec = new m.J2KDecoder();
  try {
    dec.getEncodedBuffer(cs.length).set(cs);
    dec.decode();
    const raw = dec.getDecodedBuffer();
    const n = img.data.length;
    const got = img.bitDepth <= 8 ? raw.slice(0, n) : new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 2 * n));
    return { bytes: cs.length, psnr: psnr(img.data, got, img.bitDepth) };
  } finally {
    dec.delete();
  }
}

/**
 * One row: j2kit (the `codec` given: { encode, decode } of the library) against OpenJPEG.
 * @returns {Promise<{ file: string, levels: number, ratio: number, budget: number, ours: { bytes: number, psnr: number }, openjpeg: { bytes: number, psnr: number, route: string } }>}
 */
export async function measureRow(codec, file, levels, ratio) {
  const img = rdImage(file);
  const budget = (img.width * img.height * img.components * img.bitDepth) / 8 / ratio;
  const cs = codec.encode(img, { ratios: [ratio], levels, codeBlock: [64, 64], progression: "LRCP" });
  const back = codec.decode(cs);
  const ours = { bytes: cs.length, psnr: psnr(img.data, back.data, img.bitDepth) };
  const route = openJpegRoute();
  const o = route === "native" ? openJpegNative(file, levels, ratio) : await openJpegWasm(file, levels, ratio);
  return { file, levels, ratio, budget, ours, openjpeg: { ...o, route } };
}

/** The rows as a markdown table. */
export function formatTable(rows) {
  const lines = [
    "| image | levels | ratio | budget B | j2kit B | j2kit PSNR | OpenJPEG B | OpenJPEG PSNR | Δ dB (j2kit − OpenJPEG) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const d = r.ours.psnr - r.openjpeg.psnr;
    lines.push(
      `| ${r.file} | ${r.levels} | ${r.ratio} | ${r.budget.toFixed(0)} | ${r.ours.bytes} | ${r.ours.psnr.toFixed(2)} | ${r.openjpeg.bytes} | ${r.openjpeg.psnr.toFixed(2)} | ${d >= 0 ? "+" : ""}${d.toFixed(2)} |`,
    );
  }
  const route = rows[0]?.openjpeg.route === "native" ? "native opj_compress/opj_decompress" : "@cornerstonejs/codec-openjpeg WASM";
  lines.push("", `OpenJPEG route: ${route}.`);
  return lines.join("\n");
}

async function main() {
  const lib = await import("../../dist/index.js");
  const rows = [];
  for (const { file, levels } of RD_IMAGES) {
    for (const ratio of RD_RATIOS) rows.push(await measureRow(lib, file, levels, ratio));
  }
  console.log(formatTable(rows));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
