// The built library (dist/) as the fuzz targets see it: the same entry points a user imports.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dist = new URL("../../dist/", import.meta.url);
if (!existsSync(fileURLToPath(new URL("index.js", dist)))) {
  throw new Error("dist/ is missing: run `npm run build` before `npm run fuzz`");
}
const core = await import(new URL("index.js", dist).href);
const dicom = await import(new URL("dicom/index.js", dist).href);
const jp2 = await import(new URL("jp2/index.js", dist).href);

export const { decode, readHeader, isJ2kError, J2kError, releaseMemory } = core;
export const { transcode, inspectDicom } = dicom;
export const { checkJp2, repairJp2Icc } = jp2;
