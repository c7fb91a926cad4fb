/**
 * The test infrastructure checked against itself and against OpenJPEG, without the codec under
 * test: the reference readers (PGX, PNM incl. P2, TIFF/LZW, RAW), the metrics, the 8-bit RGB
 * renderer and the peers must reproduce the numbers ../shared/testdata/README.md records for
 * OpenJPEG 2.5.0. If these fail, conformance/realworld/crosscheck results cannot be trusted.
 */
import { describe, expect, test } from "vitest";
import {
  compareComponent,
  deinterleave,
  readPgx,
  readPnm,
  readRaw,
  readTiff,
  uncoveredBorder,
  upsampleToGrid,
  type Plane,
} from "./images.js";
import { cdefOrder, codestreamOf, jp2Summary, readSiz } from "./jp2_boxes.js";
import { loadManifest, parseMeasured } from "./manifest.js";
import { readTestdata } from "./paths.js";
import { nativeDecode, nativeEncode, nativeEncodeSupported, opjDecode, opjEncode, type PeerImage } from "./peers.js";
import { renderToRgb8 } from "./render.js";
import { Prng } from "./prng.js";
import { has, toolPath } from "./tools.js";

const manifest = loadManifest();
const NEEDS_OPJ = "(needs opj_decompress: libopenjp2-tools)";

/** MSE as printed in the README has 3 significant digits. */
function expectMseNear(actual: number, recorded: number, what: string) {
  expect(Math.abs(actual - recorded), `${what}: MSE ${actual} vs recorded ${recorded}`).toBeLessThanOrEqual(Math.max(0.0006, recorded * 0.006));
}

describe("PGX reader and metrics reproduce OpenJPEG 2.5.0's class-1 numbers", () => {
  const entries = manifest.entries.filter((e) => e.compare === "components");
  test.skipIf(!has("opj_decompress")).each(entries.map((e) => [e.id, e] as const))(`%s ${NEEDS_OPJ}`, (_id, e) => {
    const refs = e.references.map((r) => readPgx(readTestdata(r)));
    const measured = parseMeasured(e.openjpegMeasured);
    expect(measured, "README measured column").toBeDefined();
    const decoded = nativeDecode(readTestdata(e.file), { reduce: e.reduce });
    for (let c = 0; c < e.componentsCompared; c++) {
      const err = compareComponent(refs[c]!, decoded.planes[c]!);
      expect(err.peak, `${e.id} component ${c} peak`).toBe(measured![c]!.peak);
      expectMseNear(err.mse, measured![c]!.mse, `${e.id} component ${c}`);
      expect(refs[c]!.bitDepth).toBe(decoded.bitDepth[c]);
      expect(refs[c]!.signed).toBe(decoded.signed[c]);
    }
  });

  test("tolerant header parsing (spacing variants and signed samples)", () => {
    const enc = new TextEncoder();
    const make = (h: string, body: number[]) => new Uint8Array([...enc.encode(h + "\n"), ...body]);
    expect(readPgx(make("PG ML + 8 2 1", [1, 255])).data).toEqual(new Int32Array([1, 255]));
    expect(readPgx(make("PG ML  8 2 1", [1, 255])).signed).toBe(false);
    expect(Array.from(readPgx(make("PG ML -12 2 1", [0xff, 0xff, 0x07, 0xff])).data)).toEqual([-1, 2047]);
    expect(Array.from(readPgx(make("PG LM -4 2 1", [0x0f, 0x07])).data)).toEqual([-1, 7]);
    expect(Array.from(readPgx(make("PG ML +16 1 1", [0x80, 0x01])).data)).toEqual([32769]);
  });
});

describe("peers", () => {
  test("WASM peer decodes p0_01 exactly like its class-1 reference", async () => {
    const img = await opjDecode(readTestdata("conformance/part4_j2k/p0_01.j2k"));
    const ref = readPgx(readTestdata("conformance/part4_j2k_ref/c1p0_01_0.pgx"));
    expect([img.width, img.height, img.components]).toEqual([128, 128, 1]);
    expect(compareComponent(ref, deinterleave(img.data, img.width, img.height, 1)[0]!)).toEqual({ peak: 0, mse: 0 });
  });

  test("WASM peer decodes p0_14 (3 components, RCT) exactly", async () => {
    const img = await opjDecode(readTestdata("conformance/part4_j2k/p0_14.j2k"));
    const planes = deinterleave(img.data, img.width, img.height, 3);
    for (let c = 0; c < 3; c++) {
      const ref = readPgx(readTestdata(`conformance/part4_j2k_ref/c1p0_14_${c}.pgx`));
      expect(compareComponent(ref, planes[c]!).peak).toBe(0);
    }
  });

  test.each([
    ["CT1.j2k", "CT1.RAW", 512, 512, 1, 2, true],
    ["CT1-0decomp.j2k", "CT1.RAW", 512, 512, 1, 2, true],
    ["MR4.j2k", "MR4.RAW", 512, 512, 1, 2, false],
    ["VL2.j2k", "VL2.RAW", 756, 486, 3, 1, false],
  ] as const)("RAW reader: WASM peer decode of %s equals %s", async (j2k, raw, w, h, nc, bps, signed) => {
    const img = await opjDecode(readTestdata(`medical_raw/${j2k}`));
    const ref = readRaw(readTestdata(`medical_raw/${raw}`), { width: w, height: h, components: nc, bytesPerSample: bps, signed });
    expect([img.width, img.height, img.components, img.signed]).toEqual([w, h, nc, signed]);
    const planes = deinterleave(img.data, w, h, nc);
    for (let c = 0; c < nc; c++) expect(compareComponent(ref.planes[c]!, planes[c]!)).toEqual({ peak: 0, mse: 0 });
  });

  const rng = new Prng(0x5eed);
  const image = (w: number, h: number, nc: number, bits: number, signed: boolean): PeerImage => {
    const n = w * h * nc;
    const data = signed ? new Int16Array(n) : bits <= 8 ? new Uint8Array(n) : new Uint16Array(n);
    const lo = signed ? -(2 ** (bits - 1)) : 0;
    for (let i = 0; i < n; i++) data[i] = lo + ((((i % w) * 7 + Math.floor(i / w) * 3) ^ rng.int(2 ** bits)) % 2 ** bits);
    return { width: w, height: h, components: nc, bitDepth: bits, signed, data };
  };
  const checkWasmEncoderRoundTrip = async (w: number, h: number, nc: number, bits: number, signed: boolean) => {
    const img = image(w, h, nc, bits, signed);
    const cs = await opjEncode(img, { levels: 2, lossless: true });
    const siz = readSiz(cs)!;
    expect([siz.width, siz.height, siz.components.length, siz.components[0]!.bitDepth, siz.components[0]!.signed]).toEqual([w, h, nc, bits, signed]);
    if (nc === 1 || nc === 3) {
      const back = await opjDecode(cs);
      expect(Array.from(back.data)).toEqual(Array.from(img.data));
    } else {
      // the WASM peer's decoder packs at most 3 components: native OpenJPEG reads this one back
      const back = nativeDecode(cs);
      const planes = deinterleave(img.data, w, h, nc);
      for (let c = 0; c < nc; c++) expect(compareComponent(planes[c]!, back.planes[c]!).peak).toBe(0);
    }
  };
  test.each([
    [37, 23, 3, 8, false],
    [64, 40, 1, 12, false],
    [33, 17, 1, 16, true],
    [8, 9, 1, 1, false],
  ] as const)("WASM peer encoder round-trips %ix%i x%i %i-bit signed=%s", (w, h, nc, bits, signed) => checkWasmEncoderRoundTrip(w, h, nc, bits, signed));
  test.skipIf(!has("opj_decompress")).each([[20, 30, 4, 8, false]] as const)(
    `WASM peer encoder round-trips %ix%i x%i %i-bit signed=%s, read back natively ${NEEDS_OPJ}`,
    (w, h, nc, bits, signed) => checkWasmEncoderRoundTrip(w, h, nc, bits, signed),
  );

  test.skipIf(!has("opj_compress") || !has("opj_decompress")).each([
    [19, 11, 3, 12, false],
    [16, 16, 1, 8, true],
    [9, 13, 2, 5, false],
  ] as const)("native opj_compress/opj_decompress round-trip %ix%i x%i %i-bit signed=%s (needs opj_compress, opj_decompress: libopenjp2-tools)", (w, h, nc, bits, signed) => {
    const img = image(w, h, nc, bits, signed);
    const cs = nativeEncode(img, { levels: 3, lossless: true });
    const back = nativeDecode(cs);
    const planes = deinterleave(img.data, w, h, nc);
    expect(back.components).toBe(nc);
    for (let c = 0; c < nc; c++) expect(compareComponent(planes[c]!, back.planes[c]!).peak).toBe(0);
  });
});

describe("TIFF/LZW reader and the 8-bit RGB renderer reproduce Table G.1 results", () => {
  const entries = manifest.entries.filter((e) => e.set === "part4_jp2");
  test.each(entries.map((e) => [e.id, e] as const))("%s", async (_id, e) => {
    const bytes = readTestdata(e.file);
    const j = jp2Summary(bytes);
    // Decode the bare codestream so the peer applies no colour conversion, then apply cdef.
    const img = await opjDecode(codestreamOf(bytes)!);
    const planes = deinterleave(img.data, img.width, img.height, img.components);
    const order = cdefOrder(j.cdef, planes.length);
    const input = {
      planes: order.map((i) => planes[i]!),
      bitDepth: Array(img.components).fill(img.bitDepth),
      signed: Array(img.components).fill(img.signed),
    };
    const rendered = renderToRgb8(input, j.colr);
    const ref = readTiff(readTestdata(e.references[0]!));
    expect(ref.components).toBe(3);
    const measured = parseMeasured(e.openjpegMeasured)!;
    for (let c = 0; c < 3; c++) {
      const err = compareComponent(ref.planes[c]!, rendered.planes[c]!);
      expect(err.peak, `${e.id} ${rendered.method} channel ${c}`).toBeLessThanOrEqual(e.peak[c]!);
      expect(err.mse, `${e.id} ${rendered.method} channel ${c}`).toBeLessThanOrEqual(e.mse[c]!);
      // Our rendering is at least as close as OpenJPEG's (+1 for rounding-versus-truncation).
      expect(err.peak).toBeLessThanOrEqual(measured[c]!.peak + 1);
    }
  });
});

describe("PNM reader (P2/P5/P6) against OpenJPEG's -upsample results (0, 0 in the README)", () => {
  const PNM_IDS = ["a1_mono", "a2_colr", "b2_mono", "b3_mono", "e1_colr"];
  /** The WASM peer handles files without image offset or sub-sampling; the others need native OpenJPEG. */
  const wasmReadable = (id: string) => {
    const siz = readSiz(readTestdata(manifest.entries.find((x) => x.id === id)!.file))!;
    return siz.XOsiz === 0 && siz.YOsiz === 0 && siz.components.every((c) => c.dx === 1 && c.dy === 1);
  };
  const checkPnm = async (id: string) => {
    const e = manifest.entries.find((x) => x.id === id)!;
    const ref = readPnm(readTestdata(e.references[0]!));
    const bytes = readTestdata(e.file);
    const siz = readSiz(bytes)!;
    expect([ref.width, ref.height, ref.components]).toEqual([siz.width, siz.height, e.componentsCompared]);
    let planes: Plane[];
    if (!wasmReadable(id) || toolPath("opj_decompress")) {
      const dec = nativeDecode(bytes);
      planes = dec.planes.map((p, c) =>
        upsampleToGrid(p, siz.components[c]!.dx, siz.components[c]!.dy, siz.XOsiz, siz.YOsiz, siz.width, siz.height),
      );
    } else {
      const img = await opjDecode(bytes);
      planes = deinterleave(img.data, img.width, img.height, img.components);
    }
    const skip = uncoveredBorder(siz.XOsiz, siz.YOsiz, siz.components);
    if (id === "b2_mono") expect(skip).toEqual({ left: 4, top: 2 });
    for (let c = 0; c < ref.components; c++) expect(compareComponent(ref.planes[c]!, planes[c]!, skip)).toEqual({ peak: 0, mse: 0 });
  };
  test.each(PNM_IDS.filter(wasmReadable))("%s", (id) => checkPnm(id));
  test.skipIf(!has("opj_decompress")).each(PNM_IDS.filter((id) => !wasmReadable(id)))(`%s ${NEEDS_OPJ}`, (id) => checkPnm(id));

  test("P2 and P6 parsing details", () => {
    const enc = new TextEncoder();
    const p2 = readPnm(enc.encode("P2\n# comment\n3 1\n# another\n65535\n0 1 65535\n"));
    expect([p2.bitDepth[0], Array.from(p2.planes[0]!.data)]).toEqual([16, [0, 1, 65535]]);
    const p6 = readPnm(new Uint8Array([...enc.encode("P6 1 1 4095\n"), 0x0f, 0xff, 0, 1, 0x08, 0]));
    expect([p6.bitDepth[0], p6.planes.map((p) => p.data[0])]).toEqual([12, [4095, 1, 2048]]);
  });
});

test.skipIf(!has("opj_decompress"))(`sYCC 4:2:0 rendering of subsampling_1 (raw components from opj_decompress -c) is within peak 4 / MSE 2 ${NEEDS_OPJ}`, () => {
  const e = manifest.entries.find((x) => x.id === "subsampling_1")!;
  const bytes = readTestdata(e.file);
  const siz = readSiz(codestreamOf(bytes)!)!;
  // One component at a time: opj_decompress converts 3-component sYCC itself otherwise.
  const planes = [0, 1, 2].map((c) => {
    const p = nativeDecode(bytes, { components: [c] }).planes[0]!;
    return upsampleToGrid(p, siz.components[c]!.dx, siz.components[c]!.dy, siz.XOsiz, siz.YOsiz, siz.width, siz.height);
  });
  const rendered = renderToRgb8({ planes, bitDepth: [8, 8, 8], signed: [false, false, false] }, jp2Summary(bytes).colr);
  const ref = readPnm(readTestdata(e.references[0]!));
  for (let c = 0; c < 3; c++) {
    const err = compareComponent(ref.planes[c]!, rendered.planes[c]!);
    expect(err.peak).toBeLessThanOrEqual(4);
    expect(err.mse).toBeLessThanOrEqual(2);
  }
});

test("opj_compress -F check quirk is predicted", () => {
  expect(nativeEncodeSupported({ width: 13, height: 11, components: 1, bitDepth: 1 }).ok).toBe(false);
  expect(nativeEncodeSupported({ width: 13, height: 11, components: 1, bitDepth: 2 }).ok).toBe(true);
});

test("jp2_boxes: SIZ facts of sub-sampled and offset codestreams match the README", () => {
  const p005 = readSiz(readTestdata("conformance/part4_j2k/p0_05.j2k"))!;
  expect(p005.components.map((c) => `${c.dx}x${c.dy}:${c.width}x${c.height}`)).toEqual([
    "1x1:1024x1024",
    "1x1:1024x1024",
    "2x2:512x512",
    "2x2:512x512",
  ]);
  const b2 = readSiz(readTestdata("conformance/kakadu_j2c/b2_mono.j2c"))!;
  expect([b2.width, b2.height, b2.XOsiz, b2.YOsiz]).toEqual([1518, 537, 1, 160]);
  const f2 = jp2Summary(readTestdata("conformance/part4_jp2/file2.jp2"));
  expect(cdefOrder(f2.cdef, 3)).toEqual([2, 1, 0]);
  expect(f2.colr[0]).toMatchObject({ meth: 1, enumCS: 18 });
});
