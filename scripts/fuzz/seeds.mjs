// Seed files of each fuzz target: valid (and a few deliberately odd) files from ../shared/testdata,
// small enough that a case runs in milliseconds. Smaller files are picked more often.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** ../shared/testdata seen from the repository root (J2KIT_TESTDATA overrides it). */
export const TESTDATA = process.env.J2KIT_TESTDATA ?? resolve(fileURLToPath(new URL("../../", import.meta.url)), "../shared/testdata");

const FOLDERS = {
  // HTJ2K (Part 15) material: htj2k/ and its conformance/ folder, medical_raw/htj2k/
  codestream: ["conformance/part4_j2k", "conformance/kakadu_j2c", "edge_cases/openjpeg", "medical_raw", "encoder", "htj2k", "htj2k/conformance", "medical_raw/htj2k"],
  jp2: ["conformance/part4_jp2", "edge_cases/openjpeg", "edge_cases/jpylyzer", "icc", "realworld"],
  dicom: ["dicom"],
};

function list(folder, test) {
  const dir = join(TESTDATA, folder);
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.map((n) => join(dir, n)).filter((p) => statSync(p).isFile() && test(p));
}

const isCodestreamName = (p) => /\.(j2k|j2c|jpc|jhc|jph)$/i.test(p);
const isJp2Name = (p) => /\.(jp2|jpx|jpf)$/i.test(p);

/** Seeds of `target` as [{ path, name, bytes, weight }], files up to `maxBytes`. */
export function seedsFor(target, maxBytes = 300 * 1024) {
  let paths;
  if (target === "dicom") paths = list("dicom", (p) => p.endsWith(".dcm"));
  else if (target === "jp2") paths = FOLDERS.jp2.flatMap((f) => list(f, isJp2Name));
  else paths = [...FOLDERS.codestream.flatMap((f) => list(f, isCodestreamName)), ...FOLDERS.jp2.flatMap((f) => list(f, isJp2Name))];
  const seeds = [];
  for (const path of [...new Set(paths)].sort()) {
    const size = statSync(path).size;
    if (size === 0 || size > maxBytes) continue;
    seeds.push({ path, name: relative(TESTDATA, path), bytes: new Uint8Array(readFileSync(path)), weight: 1 / Math.sqrt(Math.max(1, size / 8192)) });
  }
  if (seeds.length === 0) throw new Error(`no seed files for target ${target} under ${TESTDATA}`);
  return seeds;
}

/**
 * Seeds of the `jpeg` target: baseline JPEGs made by j2kit's own encoder (dist/) over the options
 * the decoder reads (greyscale and colour, 4:4:4/4:2:2/4:2:0, restart intervals, optimised tables,
 * odd sizes, comments and an ICC profile), plus any .jpg/.jpeg files in ../shared/testdata.
 */
export async function jpegSeeds(maxBytes = 300 * 1024) {
  const { encodeJpeg } = await import(new URL("../../dist/index.js", import.meta.url).href);
  const seeds = [];
  const sizes = [[1, 1], [7, 5], [17, 9], [33, 17], [64, 48], [130, 70]];
  let k = 0;
  for (const [w, h] of sizes) {
    for (const components of [1, 3]) {
      const data = new Uint8Array(w * h * components);
      for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i / (w * components)) | 0) * 11 + k * 5) & 255;
      const o = {
        quality: [10, 50, 75, 95][k % 4],
        subsampling: ["444", "422", "420", "auto"][k % 4],
        restartInterval: [0, 1, 3, 0][(k >> 1) % 4],
        optimizeHuffman: k % 3 === 0,
        ...(k % 5 === 0 ? { comments: ["fuzz seed"] } : {}),
        ...(k % 7 === 3 ? { icc: new Uint8Array(300).fill(7) } : {}),
      };
      const bytes = encodeJpeg({ width: w, height: h, components, bitDepth: 8, signed: false, data }, o);
      seeds.push({ path: `generated:${w}x${h}x${components}#${k}`, name: `generated/${w}x${h}x${components}-${k}.jpg`, bytes, weight: 1 });
      k++;
    }
  }
  const files = ["", "realworld", "edge_cases"].flatMap((f) => list(f, (p) => /\.jpe?g$/i.test(p)));
  for (const path of [...new Set(files)].sort()) {
    const size = statSync(path).size;
    if (size === 0 || size > maxBytes) continue;
    seeds.push({ path, name: relative(TESTDATA, path), bytes: new Uint8Array(readFileSync(path)), weight: 1 });
  }
  return seeds;
}
