/**
 * Checks that run inside the browser — on a page and inside a dedicated Web Worker — for
 * browser.test.ts. They only exercise the library and collect what it did as plain numbers and
 * arrays; the Node side compares the results with references it reads itself (PGX, DICOM).
 * Served as a static file by demo/serve.mjs (this folder is below the repository root).
 */

/** Bytes of a file below the test server (`/testdata/...` is ../shared/testdata). */
async function fetchBytes(base, path) {
  const response = await fetch(new URL(path, base));
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** A repeatable RGB 8-bit image with gradients and noise (texture, so a rate budget binds). */
export function textureImage(width, height, seed) {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const smooth = c === 0 ? (x * 255) / width : c === 1 ? (y * 255) / height : 128 + 90 * Math.sin((x + y) / 5);
        data[3 * (y * width + x) + c] = Math.max(0, Math.min(255, Math.round(smooth + (s >>> 28) - 8)));
      }
    }
  }
  return { width, height, components: 3, bitDepth: 8, signed: false, data };
}

/** What a thrown value looks like from the outside. */
function describeError(lib, e) {
  return {
    name: e?.name,
    code: e?.code,
    stage: e?.stage,
    message: String(e?.message ?? e),
    instanceOfJ2kError: e instanceof lib.J2kError,
    isJ2kError: lib.isJ2kError(e),
  };
}

async function failure(lib, action) {
  try {
    await action();
    return { name: "no error" };
  } catch (e) {
    return describeError(lib, e);
  }
}

function imageSummary(img) {
  return {
    width: img.width,
    height: img.height,
    components: img.components,
    bitDepth: img.bitDepth,
    signed: img.signed,
    arrayType: img.data.constructor.name,
    data: Array.from(img.data),
  };
}

/**
 * The codec checks. `callInit`: call `await init()` first (a page's main thread); a worker uses
 * the synchronous API straight away.
 */
export async function runLibraryChecks({ lib, pool, base, callInit }) {
  const out = { context: typeof document === "undefined" ? "worker" : "page" };
  if (callInit) await lib.init();

  // Conformance codestream, decoded synchronously.
  const p0_01 = await fetchBytes(base, "/testdata/conformance/part4_j2k/p0_01.j2k");
  out.conformance = imageSummary(lib.decode(p0_01));

  // Lossless RGB round trip (odd size).
  const rgb = textureImage(37, 23, 7);
  const lossless = lib.encode(rgb);
  out.lossless = { input: Array.from(rgb.data), codestreamStart: Array.from(lossless.subarray(0, 4)), output: imageSummary(lib.decode(lossless)) };

  // Lossy, one layer at 20:1.
  const photo = textureImage(128, 96, 11);
  const lossy = lib.encodeDetailed(photo, { ratios: [20] });
  const lossyBack = lib.decode(lossy.data);
  out.lossy = {
    bytes: lossy.data.length,
    layerBytes: lossy.layerBytes,
    rawBytes: photo.width * photo.height * 3,
    header: (({ width, height, components, layers, reversible }) => ({ width, height, components, layers, reversible }))(lib.readHeader(lossy.data)),
    input: Array.from(photo.data),
    output: imageSummary(lossyBack),
  };

  // The Web Worker pool: several decodes in flight at once, and an encode.
  const before = pool.workerPoolInfo();
  const jobs = [
    [p0_01, {}],
    [lossy.data, {}],
    [lossy.data, { reduce: 1 }],
    [lossless, { region: { x: 5, y: 3, width: 20, height: 11 } }],
  ];
  const results = await Promise.all(jobs.map(([bytes, options]) => lib.decodeAsync(bytes, options)));
  const encodedAsync = await lib.encodeAsync(photo, { ratios: [20] });
  const after = pool.workerPoolInfo();
  // one encode on two threads (src/encode_threads.ts: batches of blocks and a component's DWT in the workers)
  const encodedThreads = await lib.encodeAsync(photo, { ratios: [20], threads: 2 });
  out.async = {
    before,
    after,
    jobs: jobs.length + 1,
    decodes: jobs.map(([bytes, options], i) => ({ sync: imageSummary(lib.decode(bytes, options)), async: imageSummary(results[i]) })),
    encode: { sync: Array.from(lossy.data), async: Array.from(encodedAsync), threads: Array.from(encodedThreads) },
    inputStillAttached: p0_01.byteLength === 7390 && photo.data.byteLength === 128 * 96 * 3,
  };

  // Errors: J2kError with its code, on this thread and across the worker boundary.
  let s = 99;
  const garbage = Uint8Array.from({ length: 256 }, () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24);
  garbage[0] = 0x12;
  const truncated = p0_01.slice(0, 3000);
  out.errors = {
    garbage: await failure(lib, () => lib.decode(garbage)),
    garbageAsync: await failure(lib, () => lib.decodeAsync(garbage)),
    truncated: await failure(lib, () => lib.decode(truncated)),
    truncatedAsync: await failure(lib, () => lib.decodeAsync(truncated)),
    badOptions: await failure(lib, () => lib.encode(rgb, { codeBlock: [2048, 2] })),
    badOptionsAsync: await failure(lib, () => lib.encodeAsync(rgb, { codeBlock: [2048, 2] })),
  };
  return out;
}

/** PixelData of a native Part 10 file read with dcmjs itself (not through j2kit), as numbers. */
function nativePixels(dcmjs, bytes) {
  const file = dcmjs.data.DicomMessage.readFile(bytes.slice().buffer);
  const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.dict);
  const buffer = dataset.PixelData[0];
  const samples = dataset.PixelRepresentation === 1 ? new Int16Array(buffer) : new Uint16Array(buffer);
  return Array.from(samples.subarray(0, dataset.Rows * dataset.Columns * dataset.SamplesPerPixel));
}

/** Transfer syntax, lossy flag and first pixel-data fragment of a Part 10 file, read with dcmjs. */
function encapsulated(dcmjs, bytes) {
  const file = dcmjs.data.DicomMessage.readFile(bytes.slice().buffer);
  const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.dict);
  const frame = new Uint8Array(dataset.PixelData[0]);
  return {
    transferSyntax: file.meta["00020010"].Value[0],
    lossyImageCompression: dataset.LossyImageCompression ?? null,
    frames: dataset.PixelData.length,
    frameStart: Array.from(frame.subarray(0, 4)),
  };
}

/** The DICOM layer (`/dist/dicom/index.js`, dcmjs and pako through the page's import map). */
export async function runDicomChecks({ dicom, dcmjs, base }) {
  const native = await fetchBytes(base, "/testdata/dicom/MR_small.dcm");
  const archived = await fetchBytes(base, "/testdata/dicom/MR_small_jp2klossless.dcm");
  const lossless = dicom.transcode(native, { transferSyntax: "j2k-lossless" });
  const back = dicom.transcode(lossless, { transferSyntax: "explicit-le" });
  const fromArchive = dicom.transcode(archived, { transferSyntax: "explicit-le" });
  const lossy = await dicom.transcodeAsync(native, { transferSyntax: "j2k", ratios: [10] });
  return {
    original: nativePixels(dcmjs, native),
    lossless: encapsulated(dcmjs, lossless),
    roundTrip: nativePixels(dcmjs, back),
    fromArchive: nativePixels(dcmjs, fromArchive),
    lossy: encapsulated(dcmjs, lossy),
    outputTypes: [lossless, back, fromArchive, lossy].map((x) => x.constructor.name),
  };
}
