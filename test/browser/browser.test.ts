/**
 * j2kit in a real browser: headless Chromium driven by playwright-core, pages served by
 * demo/serve.mjs (started in-process on a free port, with ../shared/testdata mounted read-only at
 * /testdata/ for these tests only).
 *
 * - the built library (dist/, which `npm test` builds first) imported as a plain ES module on a
 *   page: init(), a conformance decode compared with its PGX reference, lossless and lossy
 *   encodes, the Web Worker pool behind decodeAsync/encodeAsync, J2kError codes;
 * - the same inside a dedicated Web Worker of the page (synchronous use without init());
 * - the DICOM entry point with dcmjs/pako mapped by an import map;
 * - the demo page (demo/index.html) driven through its controls.
 *
 * Needs Chromium: `apt-get install -y chromium` (Debian; CI installs it), or J2KIT_CHROMIUM=/path.
 * Without it these tests fail with that message rather than being skipped.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../demo/serve.mjs";
import { psnr, readPgx } from "../helpers/images.js";
import { REPO_ROOT, TESTDATA, readTestdata, testdataPath } from "../helpers/paths.js";

/**
 * Flags that keep a headless Chromium from hanging on a machine without network or GPU (root needs
 * --no-sandbox). Playwright adds --headless and a fresh temporary --user-data-dir itself.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

function findChromium(): string {
  const fromEnv = process.env.J2KIT_CHROMIUM;
  const candidates = fromEnv ? [fromEnv] : CHROMIUM_CANDIDATES;
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `Chromium is needed for the browser tests and was not found (looked for ${candidates.join(", ")}). ` +
        "Install it with `apt-get install -y chromium` (Debian/Ubuntu), or set J2KIT_CHROMIUM to a Chromium/Chrome binary.",
    );
  }
  return found;
}

interface ImageSummary {
  width: number;
  height: number;
  components: number;
  bitDepth: number;
  signed: boolean;
  arrayType: string;
  data: number[];
}

interface ErrorSummary {
  name: string;
  code?: string;
  stage?: string;
  message: string;
  instanceOfJ2kError: boolean;
  isJ2kError: boolean;
}

interface PoolInfo {
  workers: number;
  jobsDone: number;
  available: boolean;
}

/** What test/browser/checks.js `runLibraryChecks` returns. */
interface LibraryChecks {
  context: "page" | "worker";
  conformance: ImageSummary;
  lossless: { input: number[]; codestreamStart: number[]; output: ImageSummary };
  lossy: {
    bytes: number;
    layerBytes: number[];
    rawBytes: number;
    header: { width: number; height: number; components: number; layers: number; reversible: boolean };
    input: number[];
    output: ImageSummary;
  };
  async: {
    before: PoolInfo;
    after: PoolInfo;
    jobs: number;
    decodes: Array<{ sync: ImageSummary; async: ImageSummary }>;
    encode: { sync: number[]; async: number[]; threads: number[] };
    inputStillAttached: boolean;
  };
  errors: Record<"garbage" | "garbageAsync" | "truncated" | "truncatedAsync" | "badOptions" | "badOptionsAsync", ErrorSummary>;
}

interface DicomChecks {
  original: number[];
  lossless: { transferSyntax: string; lossyImageCompression: string | null; frames: number; frameStart: number[] };
  roundTrip: number[];
  fromArchive: number[];
  lossy: { transferSyntax: string; lossyImageCompression: string | null; frames: number; frameStart: number[] };
  outputTypes: string[];
}

/** Index of the first differing element, or -1 (keeps failure output short for large arrays). */
function firstMismatch(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function psnr8(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return psnr(sum / a.length, 255);
}

const SOC_SIZ = [0xff, 0x4f, 0xff, 0x51];

let server: RunningServer;
let browser: Browser;
/** Console errors and uncaught exceptions of every page, by page. */
const pageProblems = new Map<Page, string[]>();

/** Why the browser could not be started (reported by the first test; the others then stop). */
let setupError: unknown;

beforeAll(async () => {
  server = await startServer({ port: 0, mounts: { "/testdata/": TESTDATA } });
  try {
    for (const f of ["dist/index.js", "dist/worker/pool.js", "dist/worker/worker_entry.js", "dist/dicom/index.js", "wasm/embedded.js"]) {
      if (!existsSync(join(REPO_ROOT, f))) throw new Error(`${f} is missing: npm test builds it first (or run npm run build)`);
    }
    const executablePath = findChromium();
    let playwright: typeof import("playwright-core");
    try {
      playwright = await import("playwright-core");
    } catch (e) {
      throw new Error(`playwright-core is needed for the browser tests (a devDependency; run npm install): ${String(e)}`, { cause: e });
    }
    // launch() gives Chromium a fresh temporary --user-data-dir of its own and removes it on close.
    browser = await playwright.chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  } catch (e) {
    setupError = e;
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it("has Chromium and playwright-core to run the browser tests", () => {
  if (setupError) throw setupError;
  expect(browser.isConnected()).toBe(true);
});

async function newPage(path: string): Promise<Page> {
  if (setupError) throw new Error(`no browser: ${String((setupError as Error).message ?? setupError)}`);
  const page = await browser.newPage();
  const problems: string[] = [];
  pageProblems.set(page, problems);
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(new URL(path, server.url).href);
  await page.waitForSelector("body[data-ready=true]", { state: "attached" });
  return page;
}

async function closePage(page: Page | undefined): Promise<string[]> {
  if (!page) return ["no page"];
  const problems = pageProblems.get(page) ?? [];
  await page.close();
  return problems;
}

/** Run test/browser/checks.js on the page itself, or in a dedicated worker created by the page. */
function runChecks(page: Page, where: "page" | "worker"): Promise<LibraryChecks> {
  return page.evaluate(`j2kitChecks.${where}()`);
}

describe.each(["page", "worker"] as const)("j2kit in a browser %s", (where) => {
  let page: Page;
  let checks: LibraryChecks;

  beforeAll(async () => {
    page = await newPage("/test/browser/page.html");
    checks = await runChecks(page, where);
  });

  afterAll(async () => {
    if (page) expect(await closePage(page), "no console errors, uncaught exceptions or failed requests").toEqual([]);
  });

  it("ran where intended", () => {
    expect(checks.context).toBe(where);
  });

  it("decodes conformance p0_01.j2k exactly like its reference c1p0_01_0.pgx", () => {
    const ref = readPgx(readTestdata("conformance/part4_j2k_ref/c1p0_01_0.pgx"));
    const img = checks.conformance;
    expect([img.width, img.height, img.components, img.bitDepth, img.signed, img.arrayType]).toEqual([ref.width, ref.height, 1, 8, false, "Uint8Array"]);
    expect(firstMismatch(img.data, ref.data), "first differing sample").toBe(-1);
  });

  it("encodes an RGB image losslessly and decodes it back bit-exactly", () => {
    const { input, codestreamStart, output } = checks.lossless;
    expect(codestreamStart).toEqual(SOC_SIZ);
    expect([output.width, output.height, output.components, output.bitDepth, output.arrayType]).toEqual([37, 23, 3, 8, "Uint8Array"]);
    expect(input.length).toBe(37 * 23 * 3);
    expect(firstMismatch(output.data, input), "first differing sample").toBe(-1);
  });

  it("encodes lossy at ratio 20 within the byte budget", () => {
    const { bytes, layerBytes, rawBytes, header, input, output } = checks.lossy;
    const budget = rawBytes / 20;
    expect(bytes).toBeLessThanOrEqual(budget);
    expect(bytes).toBeGreaterThanOrEqual(0.9 * budget);
    expect(layerBytes).toEqual([bytes]);
    expect(header).toEqual({ width: 128, height: 96, components: 3, layers: 1, reversible: false });
    expect([output.width, output.height, output.components]).toEqual([128, 96, 3]);
    const db = psnr8(input, output.data);
    expect(db).toBeGreaterThan(25);
    expect(db).toBeLessThan(Infinity);
  });

  it("runs decodeAsync/encodeAsync in the Web Worker pool with the same results as the sync API", () => {
    const { before, after, jobs, decodes, encode, inputStillAttached } = checks.async;
    expect(after.available, "the pool could start workers").toBe(true);
    expect(after.workers, "workers running").toBeGreaterThan(0);
    expect(after.jobsDone - before.jobsDone, "every asynchronous job went to a worker").toBe(jobs);
    expect(inputStillAttached, "inputs are copied, not transferred").toBe(true);
    expect(decodes).toHaveLength(4);
    for (const [i, { sync, async }] of decodes.entries()) {
      expect([async.width, async.height, async.components, async.arrayType], `job ${i}`).toEqual([sync.width, sync.height, sync.components, sync.arrayType]);
      expect(firstMismatch(async.data, sync.data), `job ${i}: first differing sample`).toBe(-1);
    }
    expect([decodes[2]!.async.width, decodes[2]!.async.height], "reduce 1").toEqual([64, 48]);
    expect([decodes[3]!.async.width, decodes[3]!.async.height], "region").toEqual([20, 11]);
    expect(firstMismatch(decodes[0]!.async.data, checks.conformance.data)).toBe(-1);
    expect(encode.async.length).toBeGreaterThan(0);
    expect(firstMismatch(encode.async, encode.sync), "encodeAsync bytes equal encode's").toBe(-1);
    expect(firstMismatch(encode.threads, encode.sync), "encodeAsync on 2 threads: bytes equal encode's").toBe(-1);
  });

  it("reports failures as J2kError with their codes, also across the worker boundary", () => {
    const expected = {
      garbage: "NOT_A_CODESTREAM",
      garbageAsync: "NOT_A_CODESTREAM",
      truncated: "PACKET_TRUNCATED",
      truncatedAsync: "PACKET_TRUNCATED",
      badOptions: "ENCODE_INVALID_OPTIONS",
      badOptionsAsync: "ENCODE_INVALID_OPTIONS",
    } as const;
    for (const [name, code] of Object.entries(expected)) {
      const e = checks.errors[name as keyof typeof expected];
      expect({ name: e.name, code: e.code, instanceOfJ2kError: e.instanceOfJ2kError, isJ2kError: e.isJ2kError }, `${name}: ${e.message}`).toEqual({
        name: "J2kError",
        code,
        instanceOfJ2kError: true,
        isJ2kError: true,
      });
    }
    expect(checks.errors.truncated.stage).toBe("packet");
    expect(checks.errors.truncatedAsync.message).toBe(checks.errors.truncated.message);
  });
});

describe("j2kit/dicom in a browser page (dcmjs and pako through an import map)", () => {
  it("transcodes a DICOM file to JPEG 2000 and back, and decodes an archived JPEG 2000 file", async () => {
    const page = await newPage("/test/browser/page.html");
    let result: DicomChecks;
    try {
      result = await page.evaluate("j2kitChecks.dicom()");
    } finally {
      expect(await closePage(page), "no console errors, uncaught exceptions or failed requests").toEqual([]);
    }
    expect(result.original).toHaveLength(64 * 64);
    expect(result.lossless).toEqual({ transferSyntax: "1.2.840.10008.1.2.4.90", lossyImageCompression: null, frames: 1, frameStart: SOC_SIZ });
    expect(firstMismatch(result.roundTrip, result.original), "native → .90 → native").toBe(-1);
    expect(firstMismatch(result.fromArchive, result.original), "MR_small_jp2klossless.dcm → native").toBe(-1);
    expect(result.lossy).toEqual({ transferSyntax: "1.2.840.10008.1.2.4.91", lossyImageCompression: "01", frames: 1, frameStart: SOC_SIZ });
    expect(result.outputTypes).toEqual(["Uint8Array", "Uint8Array", "Uint8Array", "Uint8Array"]);
  });
});

describe("the demo page", () => {
  /** Size and an FNV-1a hash of the canvas pixels, plus the red channel. */
  function canvasState(page: Page) {
    return page.evaluate(() => {
      const canvas = document.getElementById("canvas") as HTMLCanvasElement;
      const px = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      let hash = 0x811c9dc5;
      const red: number[] = [];
      for (let i = 0; i < px.length; i++) {
        hash = Math.imul(hash ^ px[i]!, 0x01000193) >>> 0;
        if (i % 4 === 0) red.push(px[i]!);
      }
      return { width: canvas.width, height: canvas.height, hash, red, renders: Number(canvas.dataset.renders ?? 0) };
    });
  }

  function tableRows(page: Page): Promise<string[][]> {
    return page.$$eval("#layer-table tbody tr", (rows) => rows.map((tr) => Array.from((tr as HTMLTableRowElement).cells, (td) => td.textContent ?? "")));
  }

  it("encodes a generated image with ratios 40,20,10, shows 3 layers, and the layer slider changes the canvas", async () => {
    const page = await newPage("/demo/");
    try {
      await page.selectOption("#mode", "ratios");
      await page.fill("#targets", "40,20,10");
      await page.click("#generate");
      await page.waitForFunction(() => document.body.dataset.busy === "false" && document.querySelectorAll("#layer-table tbody tr").length > 0);
      expect(await page.textContent("#error")).toBe("");
      const rows = await tableRows(page);
      expect(rows.map((r) => r[0])).toEqual(["1", "2", "3"]);
      const bytes = rows.map((r) => Number(r[1]!.replace(/,/g, "")));
      const ratios = rows.map((r) => Number(r[4]!.replace(":1", "")));
      const dbs = rows.map((r) => Number(r[5]));
      expect(bytes[0]).toBeLessThan(bytes[1]!);
      expect(bytes[1]).toBeLessThan(bytes[2]!);
      [40, 20, 10].forEach((target, i) => {
        expect(ratios[i], `layer ${i + 1} ratio`).toBeGreaterThanOrEqual(target - 0.05);
        expect(ratios[i], `layer ${i + 1} ratio`).toBeLessThan(target * 1.1);
      });
      expect(dbs.every(Number.isFinite), `PSNR column ${dbs}`).toBe(true);
      expect(dbs[0]).toBeLessThan(dbs[1]!);
      expect(dbs[1]).toBeLessThan(dbs[2]!);
      expect(await page.textContent("#layers-value")).toBe("3 / 3");

      // The download link holds the codestream whose last layer ends the file.
      const download = await page.evaluate(async () => {
        const a = document.getElementById("download") as HTMLAnchorElement;
        const bytes = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
        return { name: a.download, length: bytes.length, start: Array.from(bytes.subarray(0, 4)) };
      });
      expect(download).toEqual({ name: "test-image.j2k", length: bytes[2], start: SOC_SIZ });

      const all = await canvasState(page);
      expect([all.width, all.height]).toEqual([256, 192]);
      await page.focus("#layers");
      await page.keyboard.press("Home");
      await page.waitForFunction((n) => Number(document.getElementById("canvas")!.dataset.renders) > n, all.renders);
      expect(await page.textContent("#layers-value")).toBe("1 / 3");
      const first = await canvasState(page);
      expect([first.width, first.height]).toEqual([256, 192]);
      expect(first.hash, "layer 1 looks different from layer 3").not.toBe(all.hash);
    } finally {
      expect(await closePage(page), "no console errors, uncaught exceptions or failed requests").toEqual([]);
    }
  });

  it("opens a .j2k file and shows it exactly; a broken file shows the J2kError code", async () => {
    const page = await newPage("/demo/");
    try {
      await page.setInputFiles("#file", testdataPath("conformance/part4_j2k/p0_01.j2k"));
      await page.waitForFunction(() => document.body.dataset.busy === "false" && Number(document.getElementById("canvas")!.dataset.renders) > 0);
      expect(await page.textContent("#error")).toBe("");
      expect(await page.textContent("#source")).toContain("128×128, 1 component(s), 8-bit");
      const shown = await canvasState(page);
      const ref = readPgx(readTestdata("conformance/part4_j2k_ref/c1p0_01_0.pgx"));
      expect([shown.width, shown.height]).toEqual([128, 128]);
      expect(firstMismatch(shown.red, ref.data), "canvas pixels equal the reference").toBe(-1);

      // Half the resolution through the reduce slider.
      await page.focus("#reduce");
      await page.keyboard.press("ArrowRight");
      await page.waitForFunction((n) => Number(document.getElementById("canvas")!.dataset.renders) > n, shown.renders);
      const half = await canvasState(page);
      expect([half.width, half.height]).toEqual([64, 64]);

      // Back to full size, then drag a box on the picture: only that region is decoded and shown.
      await page.keyboard.press("Home");
      await page.waitForFunction((n) => Number(document.getElementById("canvas")!.dataset.renders) > n, half.renders);
      const full = await canvasState(page);
      const box = (await page.locator("#canvas").boundingBox())!;
      const at = (x: number, y: number) => [box.x + (box.width * x) / 128, box.y + (box.height * y) / 128] as const;
      await page.mouse.move(...at(16, 32));
      await page.mouse.down();
      await page.mouse.move(...at(80, 56), { steps: 4 });
      await page.mouse.up();
      await page.waitForFunction((n) => Number(document.getElementById("canvas")!.dataset.renders) > n, full.renders);
      expect(await page.isChecked("#use-region")).toBe(true);
      const [rx = NaN, ry = NaN, rw = NaN, rh = NaN] = await Promise.all(["#rx", "#ry", "#rw", "#rh"].map(async (id) => Number(await page.inputValue(id))));
      for (const [got, want] of [[rx, 16], [ry, 32], [rw, 64], [rh, 24]] as const) expect(Math.abs(got - want), `region ${[rx, ry, rw, rh]}`).toBeLessThanOrEqual(1);
      const region = await canvasState(page);
      expect([region.width, region.height]).toEqual([rw, rh]);
      const crop = Array.from({ length: rw * rh }, (_, i) => ref.data[(ry + Math.floor(i / rw)) * 128 + rx + (i % rw)]!);
      expect(firstMismatch(region.red, crop), "canvas pixels equal the reference crop").toBe(-1);

      await page.evaluate(() => (document.body.dataset.busy = "pending"));
      await page.setInputFiles("#file", { name: "cut.j2k", mimeType: "application/octet-stream", buffer: Buffer.from(readTestdata("conformance/part4_j2k/p0_01.j2k").subarray(0, 60)) });
      await page.waitForFunction(() => document.body.dataset.busy === "false");
      expect(await page.textContent("#error")).toMatch(/^\[MAIN_HEADER_TRUNCATED\] /);
    } finally {
      expect(await closePage(page), "no console errors, uncaught exceptions or failed requests").toEqual([]);
    }
  });
});

/** A GET (or other method) with the path sent exactly as given — fetch() would normalise "..". */
function rawRequest(base: string, path: string, method = "GET"): Promise<{ status: number; type: string | undefined; location: string | undefined; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method }, (res) => {
      let body = "";
      res.setEncoding("latin1");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], location: res.headers.location, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("demo/serve.mjs", () => {
  it("serves the repository with the content types browsers require", async () => {
    const js = await rawRequest(server.url, "/dist/index.js");
    expect([js.status, js.type]).toEqual([200, "text/javascript; charset=utf-8"]);
    expect((await rawRequest(server.url, "/wasm/embedded.js")).type).toBe("text/javascript; charset=utf-8");
    const wasm = await rawRequest(server.url, "/wasm/j2kit.wasm");
    expect([wasm.status, wasm.type, wasm.body.slice(0, 4)]).toEqual([200, "application/wasm", "\0asm"]);
    const html = await rawRequest(server.url, "/demo/");
    expect([html.status, html.type]).toEqual([200, "text/html; charset=utf-8"]);
    expect(html.body).toContain('src="./app.js"');
    expect(await rawRequest(server.url, "/")).toMatchObject({ status: 302, location: "/demo/" });
    expect(await rawRequest(server.url, "/demo")).toMatchObject({ status: 301, location: "/demo/" });
    const mounted = await rawRequest(server.url, "/testdata/conformance/part4_j2k/p0_01.j2k");
    expect([mounted.status, mounted.body.length]).toEqual([200, 7390]);
    expect((await rawRequest(server.url, "/dist/index.js", "POST")).status).toBe(405);
  });

  it("refuses paths outside the served folders, hidden files and directory listings", async () => {
    for (const path of [
      "/../../../../etc/passwd",
      "/../shared/testdata/README.md",
      "/demo/../../shared/testdata/README.md",
      "/%2e%2e/shared/testdata/README.md",
      "/demo/..%2f..%2fshared%2ftestdata%2fREADME.md",
      "/testdata/../../main/package.json",
      "/testdata/..%2f..%2fmain%2fpackage.json",
      "/demo/%00/index.html",
      "/demo\\..\\..\\shared\\testdata\\README.md",
      "/demo/..%5c..%5cshared%5ctestdata%5cREADME.md",
      "/.ci/run",
      "/.git/HEAD",
      "/node_modules/.bin/vitest",
      "/src/",
      "/no/such/file.js",
    ]) {
      expect((await rawRequest(server.url, path)).status, path).toBe(404);
    }
  });

  it("does not follow a symbolic link out of the served folder", async () => {
    const root = mkdtempSync(join(tmpdir(), "j2kit-serve-"));
    const outside = mkdtempSync(join(tmpdir(), "j2kit-outside-"));
    try {
      mkdirSync(join(root, "site"));
      writeFileSync(join(root, "site/index.html"), "inside");
      writeFileSync(join(outside, "secret.txt"), "secret");
      symlinkSync(outside, join(root, "site/link"));
      const own = await startServer({ port: 0, root: join(root, "site") });
      try {
        expect(await rawRequest(own.url, "/site-does-not-exist")).toMatchObject({ status: 404 });
        expect(await rawRequest(own.url, "/index.html")).toMatchObject({ status: 200, body: "inside" });
        expect(await rawRequest(own.url, "/link/secret.txt")).toMatchObject({ status: 404 });
      } finally {
        await own.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe("bundled with Vite (no configuration, no WASM URL)", () => {
  it("the bundle decodes in the page and decodeAsync runs in the bundled Web Worker pool", async () => {
    const dir = mkdtempSync(join(tmpdir(), "j2kit-vite-"));
    try {
      writeFileSync(
        join(dir, "main.js"),
        `import { init, decode, decodeAsync, workerPoolInfo } from ${JSON.stringify(join(REPO_ROOT, "dist/index.js"))};
         window.run = async (bytes) => {
           await init();
           const sync = decode(bytes);
           const viaPool = await decodeAsync(bytes);
           let same = sync.data.length === viaPool.data.length;
           for (let i = 0; same && i < sync.data.length; i++) same = sync.data[i] === viaPool.data[i];
           return { width: sync.width, same, pool: workerPoolInfo() };
         };
         document.body.dataset.ready = "true";`,
      );
      writeFileSync(join(dir, "index.html"), "<!doctype html><body><script type=\"module\" src=\"./main.js\"></script></body>");
      const vite = (await import("vite"));
      await vite.build({ root: dir, logLevel: "silent", build: { outDir: join(dir, "out"), emptyOutDir: true } });
      if (setupError) throw new Error(`no browser: ${String((setupError as Error).message ?? setupError)}`);
      const bundleServer = await startServer({ port: 0, root: join(dir, "out") });
      const page = await browser.newPage();
      await page.goto(new URL("/index.html", bundleServer.url).href);
      await page.waitForSelector("body[data-ready=true]", { state: "attached" });
      const bytes = [...readTestdata("conformance/part4_j2k/p0_14.j2k")];
      const out: { width: number; same: boolean; pool: { workers: number; jobsDone: number; available: boolean } } = await page.evaluate(`run(new Uint8Array(${JSON.stringify(bytes)}))`);
      await page.close();
      await bundleServer.close();
      expect(out.width).toBe(49);
      expect(out.same).toBe(true);
      expect(out.pool.available, "the bundled worker started").toBe(true);
      expect(out.pool.workers).toBeGreaterThan(0);
      expect(out.pool.jobsDone).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
