/**
 * ISO/IEC 15444-4 conformance: one test per entry of manifest.json (generated from
 * ../shared/testdata/conformance/tolerances.csv and the README by make_manifest.mjs).
 *
 * - `components` (p0_*, p1_*, class 1): decode with `layout: "components"` and compare each
 *   component at its own resolution with its PGX reference (Tables C.6/C.7 peak and MSE).
 * - `rgb8` (file1..file8, subsampling_1; Table G.1): default interleaved decode (palette expanded,
 *   sub-sampled components upsampled), rendered to 8-bit sRGB by test/helpers/render.ts from the
 *   file's colour specification, compared with the TIFF/PPM reference.
 * - `upsampled` (a1..g3): default interleaved decode compared with the PNM reference (the
 *   undefined left/top border of sub-sampled components with an odd origin is left out, see
 *   uncoveredBorder in test/helpers/images.ts).
 * - `decode-only` (a4, e2: references not obtainable): must decode to the size the README gives.
 *
 * An entry listed in `exceptions` is expected to fail (test.fails) and counts as not done.
 */
import { afterAll, describe, expect, test } from "vitest";
import { decode } from "../../src/index.js";
import type { DecodedImage } from "../../src/types.js";
import { componentPlanes, componentSizes, describeError, imageProblems, interleavedPlanes } from "../helpers/decoded.js";
import { compareComponent, readPgx, readPnm, readTiff, uncoveredBorder, type ComponentError, type Plane, type RefImage } from "../helpers/images.js";
import { codestreamOf, isJp2, jp2Summary, readSiz } from "../helpers/jp2_boxes.js";
import { loadManifest, type ManifestEntry } from "../helpers/manifest.js";
import { readTestdata } from "../helpers/paths.js";
import { renderToRgb8 } from "../helpers/render.js";

const manifest = loadManifest();

interface Outcome {
  entry: ManifestEntry;
  pass: boolean;
  detail: string;
}
const outcomes: Outcome[] = [];

function readReference(path: string): RefImage {
  const bytes = readTestdata(path);
  if (path.endsWith(".tif")) return readTiff(bytes);
  if (path.endsWith(".pgx")) {
    const p = readPgx(bytes);
    return { width: p.width, height: p.height, components: 1, bitDepth: [p.bitDepth], signed: [p.signed], planes: [p] };
  }
  return readPnm(bytes);
}

/** Decode and produce the planes to compare (one per compared component/channel). */
function decodedPlanes(e: ManifestEntry, bytes: Uint8Array): { planes: Plane[]; note: string; image: DecodedImage } {
  const cs = codestreamOf(bytes);
  const siz = cs ? readSiz(cs) : undefined;
  if (!siz) throw new Error(`test set-up: no readable SIZ in ${e.file}`);
  if (e.compare === "components") {
    const image = decode(bytes, { reduce: e.reduce, layout: "components" });
    const planes = componentPlanes(image, componentSizes(siz, e.reduce), e.componentsCompared);
    for (let c = 0; c < e.componentsCompared; c++) {
      const info = image.componentInfo[c];
      expect(info, `componentInfo[${c}]`).toBeDefined();
      expect([info!.bitDepth, info!.signed], `component ${c} precision/sign`).toEqual([siz.components[c]!.bitDepth, siz.components[c]!.signed]);
    }
    return { planes, note: "", image };
  }
  const image = decode(bytes);
  expect(imageProblems(image), "decoded image is structurally valid").toEqual([]);
  if (e.expect) expect([image.width, image.height], "decoded size").toEqual([e.expect.width, e.expect.height]);
  const planes = interleavedPlanes(image);
  if (e.compare === "rgb8") {
    const infos = image.componentInfo.length === image.components ? image.componentInfo : undefined;
    const rendered = renderToRgb8(
      {
        planes,
        bitDepth: planes.map((_, c) => infos?.[c]?.bitDepth ?? image.bitDepth),
        signed: planes.map((_, c) => infos?.[c]?.signed ?? image.signed),
      },
      isJp2(bytes) ? jp2Summary(bytes).colr : [],
    );
    return { planes: rendered.planes, note: rendered.method, image };
  }
  return { planes, note: "", image };
}

function runEntry(e: ManifestEntry): void {
  const bytes = readTestdata(e.file);
  let detail = "";
  let pass = false;
  try {
    if (e.compare === "decode-only") {
      const image = decode(bytes);
      expect(imageProblems(image), "decoded image is structurally valid").toEqual([]);
      expect([image.width, image.height, image.components], "decoded size").toEqual([e.expect!.width, e.expect!.height, e.expect!.components]);
      detail = `decoded ${image.width}x${image.height}x${image.components}`;
      pass = true;
      return;
    }
    const { planes, note, image } = decodedPlanes(e, bytes);
    const refs = e.references.map(readReference);
    const refPlanes = refs.length === 1 ? refs[0]!.planes : refs.map((r) => r.planes[0]!);
    const siz = readSiz(codestreamOf(bytes)!)!;
    const skip = e.compare === "upsampled" ? uncoveredBorder(siz.XOsiz, siz.YOsiz, siz.components) : { left: 0, top: 0 };
    expect(planes.length, "decoded channels").toBeGreaterThanOrEqual(e.componentsCompared);
    const errors: ComponentError[] = [];
    for (let c = 0; c < e.componentsCompared; c++) {
      const ref = refPlanes[c]!;
      expect([planes[c]!.width, planes[c]!.height], `component ${c} size`).toEqual([ref.width, ref.height]);
      errors.push(compareComponent(ref, planes[c]!, skip));
    }
    detail =
      errors.map((x) => `${x.peak}, ${x.mse.toFixed(4)}`).join(" / ") +
      (note ? ` [${note}]` : "") +
      (skip.left || skip.top ? ` [border ${skip.left}x${skip.top} excluded]` : "") +
      (image.warnings.length ? ` warnings: ${image.warnings.join("; ")}` : "");
    for (let c = 0; c < e.componentsCompared; c++) {
      expect(errors[c]!.peak, `component ${c} peak (limit ${e.peak[c]}) — all: ${detail}`).toBeLessThanOrEqual(e.peak[c]!);
      expect(errors[c]!.mse, `component ${c} MSE (limit ${e.mse[c]}) — all: ${detail}`).toBeLessThanOrEqual(e.mse[c]!);
    }
    pass = true;
  } catch (err) {
    detail = detail || describeError(err);
    throw err;
  } finally {
    outcomes.push({ entry: e, pass, detail });
  }
}

const sets = [...new Set(manifest.entries.map((e) => e.set))];
for (const set of sets) {
  describe(set, () => {
    for (const e of manifest.entries.filter((x) => x.set === set)) {
      const exception = manifest.exceptions.find((x) => x.id === e.id);
      const title = `${e.id} (${e.compare}${e.reduce ? `, reduce ${e.reduce}` : ""}; limits peak ${e.peak.join(":") || "-"} MSE ${e.mse.join(":") || "-"})`;
      if (exception) test.fails(`${title} — EXCEPTION: ${exception.reason}`, () => runEntry(e));
      else test(title, () => runEntry(e));
    }
  });
}

test("manifest exceptions all carry a reason and name a manifest entry", () => {
  for (const x of manifest.exceptions) {
    expect(x.reason?.trim().length ?? 0, `exception ${x.id}`).toBeGreaterThan(10);
    expect(manifest.entries.some((e) => e.id === x.id), `exception ${x.id} names an entry`).toBe(true);
  }
});

afterAll(() => {
  const lines = ["", "Conformance summary (test/conformance/manifest.json)", "| set | pass | total |", "| --- | --- | --- |"];
  for (const set of sets) {
    const mine = outcomes.filter((o) => o.entry.set === set);
    lines.push(`| ${set} | ${mine.filter((o) => o.pass).length} | ${manifest.entries.filter((e) => e.set === set).length} |`);
  }
  const passed = outcomes.filter((o) => o.pass).length;
  lines.push(`| all | ${passed} | ${manifest.entries.length} |`);
  lines.push(`exceptions (not done): ${manifest.exceptions.length}; unavailable: ${manifest.unavailable.map((u) => u.id).join(", ") || "none"}`);
  for (const o of outcomes) lines.push(`  ${o.pass ? "ok  " : "FAIL"} ${o.entry.id.padEnd(14)} ${o.detail}`);
  console.log(lines.join("\n"));
});
