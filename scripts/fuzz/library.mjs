// The built library (dist/) as the fuzz targets see it: the same entry points a user imports. The
// DICOM and JP2 modules are loaded on first use (dcmjs alone takes a while to load, and replay starts
// a process per file).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dist = new URL("../../dist/", import.meta.url);
if (!existsSync(fileURLToPath(new URL("index.js", dist)))) {
  throw new Error("dist/ is missing: run `npm run build` before `npm run fuzz`");
}
const core = await import(new URL("index.js", dist).href);

export const { decode, decodeAsync, readHeader, isJ2kError, J2kError, releaseMemory, terminateWorkers, decodeJpeg, createJpegDecoder } = core;
/** decode() goes through strips above this many bytes of planes (0: always; see src/strip/assemble.ts). */
export const { setStripDecodeThreshold } = await import(new URL("strip/assemble.js", dist).href);

let dicomModule;
let jp2Module;
/** j2kit/dicom */
export async function dicom() {
  dicomModule ??= await import(new URL("dicom/index.js", dist).href);
  return dicomModule;
}
/** j2kit/jp2 */
export async function jp2() {
  jp2Module ??= await import(new URL("jp2/index.js", dist).href);
  return jp2Module;
}
