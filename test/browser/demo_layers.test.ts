/**
 * The demo for layer experiments (issue 13 item 6), driven through its controls in headless Chromium
 * (playwright-core, /usr/bin/chromium): encoding in the Web Worker pool, the rate–distortion plot
 * (PSNR and SSIM against bpp, the layered codestream and the 1-layer encodes), per-layer increments,
 * the bytes slider decoding prefixes with allowPartial, difference / side-by-side / flicker, 1:1 zoom
 * and pan, the region in the overview, and the allowPartial control for a truncated file.
 * Screenshots go to test/artifacts/demo/ (gitignored). Values the page shows are checked against
 * decodes made here in Node and the suite's own PSNR (test/helpers/psnr.mjs).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../demo/serve.mjs";
import { decode } from "../../src/index.js";
import { has } from "../helpers/tools.js";
import { REPO_ROOT, readTestdata } from "../helpers/paths.js";
import { psnr as testPsnr } from "../helpers/psnr.mjs";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = join(REPO_ROOT, "test/artifacts/demo");
const haveChromium = has("chromium");

let server: RunningServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  if (!haveChromium) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer({ port: 0 });
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console.error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message} ${e.stack ?? ""}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(new URL("/demo/", server.url).href);
  await page.waitForSelector("body[data-ready=true]", { state: "attached" });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Size and an FNV-1a hash of a canvas's pixels. */
function canvasHash(id = "canvas"): Promise<{ width: number; height: number; hash: number; renders: number }> {
  return page.evaluate((id) => {
    const c = document.getElementById(id) as HTMLCanvasElement;
    const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let hash = 0x811c9dc5;
    for (let i = 0; i < px.length; i++) hash = Math.imul(hash ^ px[i]!, 0x01000193) >>> 0;
    return { width: c.width, height: c.height, hash, renders: Number(c.dataset.renders ?? 0) };
  }, id);
}

/** Set a range/number input or a select and fire the event the page listens to. */
async function setControl(selector: string, value: string | number): Promise<void> {
  await page.$eval(
    selector,
    (el, v) => {
      const input = el as HTMLInputElement;
      input.value = String(v);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    },
    value,
  );
}

async function renderedAfter(n: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.getElementById("canvas")!.dataset.renders) > n && document.body.dataset.busy !== "true", n);
}

interface Point {
  series: string;
  bpp: number;
  value: number;
}

function plotPoints(svg: string): Promise<Point[]> {
  return page.$$eval(`#${svg} circle`, (cs) =>
    cs.map((c) => ({ series: c.getAttribute("data-series")!, bpp: Number(c.getAttribute("data-bpp")), value: Number(c.getAttribute("data-value")) })),
  );
}

const increasing = (v: number[]) => v.every((x, i) => i === 0 || x > v[i - 1]!);

describe.skipIf(!haveChromium)("demo for layer experiments (needs chromium)", () => {
  let layerBytes: number[] = [];
  let coded: Uint8Array;
  let original: number[];

  it("encodes 3 layers in the worker pool; RD plot: 3 points per curve, PSNR and SSIM rising with bpp; increments add up", async () => {
    await page.selectOption("#mode", "ratios");
    await page.fill("#targets", "40,20,10");
    await page.click("#generate");
    await page.waitForFunction(() => document.body.dataset.busy === "false" && !(document.getElementById("rd") as HTMLElement).hidden, undefined, { timeout: 60_000 });
    expect(await page.textContent("#error")).toBe("");
    expect(await page.evaluate(() => document.body.dataset.encodedIn)).toBe("worker");
    expect(await page.textContent("#timing")).toContain("(Web Worker pool)");

    const psnrPts = await plotPoints("rd-psnr");
    const ssimPts = await plotPoints("rd-ssim");
    const layers = psnrPts.filter((p) => p.series === "layers");
    const single = psnrPts.filter((p) => p.series === "single");
    expect(layers).toHaveLength(3);
    expect(single).toHaveLength(3);
    expect(increasing(layers.map((p) => p.bpp)), `bpp ${layers.map((p) => p.bpp)}`).toBe(true);
    expect(increasing(layers.map((p) => p.value)), `PSNR ${layers.map((p) => p.value)}`).toBe(true);
    const ssimLayers = ssimPts.filter((p) => p.series === "layers").map((p) => p.value);
    expect(ssimLayers).toHaveLength(3);
    expect(increasing(ssimLayers), `SSIM ${ssimLayers}`).toBe(true);
    expect(ssimLayers.every((s) => s > 0 && s < 1)).toBe(true);
    // Ratio targets 40, 20, 10 of 24-bit RGB: 0.6, 1.2, 2.4 bpp (the rate control lands just under them).
    [0.6, 1.2, 2.4].forEach((bpp, i) => {
      expect(layers[i]!.bpp).toBeLessThanOrEqual(bpp * 1.001);
      expect(layers[i]!.bpp).toBeGreaterThan(bpp * 0.9);
      expect(single[i]!.bpp).toBeLessThanOrEqual(bpp * 1.001);
      expect(single[i]!.bpp).toBeGreaterThan(bpp * 0.9);
    });

    // Table: cumulative bytes, and the bytes each layer adds.
    const rows = await page.$$eval("#layer-table tbody tr", (trs) => trs.map((tr) => Array.from((tr as HTMLTableRowElement).cells, (td) => td.textContent ?? "")));
    layerBytes = rows.map((r) => Number(r[1]!.replace(/,/g, "")));
    const added = rows.map((r) => Number(r[2]!.replace(/[+,]/g, "")));
    expect(added[0]).toBe(layerBytes[0]);
    expect(added[1]).toBe(layerBytes[1]! - layerBytes[0]!);
    expect(added[2]).toBe(layerBytes[2]! - layerBytes[1]!);

    // The plotted PSNR is the PSNR of the first N layers, recomputed here from the downloaded file.
    const got = await page.evaluate(async () => {
      const a = document.getElementById("download") as HTMLAnchorElement;
      const bytes = Array.from(new Uint8Array(await (await fetch(a.href)).arrayBuffer()));
      const demo = (window as unknown as { j2kitDemo: { original: { data: Uint8Array } } }).j2kitDemo;
      return { bytes, original: Array.from(demo.original.data) };
    });
    coded = new Uint8Array(got.bytes);
    original = got.original;
    expect(coded.length).toBe(layerBytes[2]);
    for (let l = 0; l < 3; l++) {
      const img = decode(coded, { layers: l + 1 });
      expect(layers[l]!.value).toBeCloseTo(testPsnr(original, Array.from(img.data), 8), 6);
      expect(layers[l]!.bpp).toBeCloseTo((8 * layerBytes[l]!) / (256 * 192), 9);
    }
    await page.screenshot({ path: join(ARTIFACTS, "rd-plot.png"), fullPage: true });
  }, 90_000);

  it("the bytes slider decodes a prefix with allowPartial: at the end of layer 1 it shows exactly layer 1", async () => {
    const full = await canvasHash();
    await setControl("#bytes", layerBytes[0]!);
    await renderedAfter(full.renders);
    const prefix = await canvasHash();
    expect(prefix.hash, "a prefix looks different from the whole file").not.toBe(full.hash);
    expect(await page.textContent("#bytes-value")).toContain("1 of 3 layers complete");
    expect(await page.textContent("#view-info")).toContain("(partial)");
    await page.screenshot({ path: join(ARTIFACTS, "bytes-prefix-layer1.png"), fullPage: true });

    // The same picture as all bytes with the layer slider at 1.
    await setControl("#bytes", coded.length);
    await renderedAfter(prefix.renders);
    const r = (await canvasHash()).renders;
    await setControl("#layers", 1);
    await renderedAfter(r);
    expect((await canvasHash()).hash).toBe(prefix.hash);

    // Fewer bytes still (inside layer 1) give yet another, coarser picture, no error.
    const l1 = await canvasHash();
    await setControl("#bytes", Math.floor(layerBytes[0]! / 2));
    await renderedAfter(l1.renders);
    expect(await page.textContent("#error")).toBe("");
    expect((await canvasHash()).hash).not.toBe(l1.hash);
    await setControl("#bytes", coded.length);
    await setControl("#layers", 3);
    await page.waitForFunction(() => document.getElementById("layers-value")!.textContent === "3 / 3" && document.body.dataset.busy !== "true");
  }, 60_000);

  it("difference (amplified), side by side and flicker compare with the original", async () => {
    const before = await canvasHash();
    await page.selectOption("#compare", "difference");
    const maxDiff = Number(await page.evaluate(() => document.getElementById("canvas")!.dataset.maxDiff));
    const all = Array.from(decode(coded).data);
    const want = all.reduce((m, v, i) => Math.max(m, Math.abs(v - original[i]!)), 0);
    expect(maxDiff).toBe(want);
    expect(maxDiff).toBeGreaterThan(0);
    const diff = await canvasHash();
    expect(diff.hash).not.toBe(before.hash);
    // Mid-grey where decoded and original agree, 128 + 8 × difference elsewhere (gain 8): read pixel 0.
    const px0 = await page.evaluate(() => Array.from((document.getElementById("canvas") as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, 1, 1).data));
    for (let k = 0; k < 3; k++) expect(Math.abs(px0[k]! - Math.max(0, Math.min(255, 128 + 8 * (all[k]! - original[k]!))))).toBeLessThanOrEqual(1);
    await page.screenshot({ path: join(ARTIFACTS, "difference.png"), fullPage: true });

    await page.selectOption("#compare", "side-by-side");
    expect(await page.isVisible("#canvas-original")).toBe(true);
    const side = await page.evaluate(() => Array.from((document.getElementById("canvas-original") as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, 256, 192).data));
    const rgbOfSide = side.filter((_, i) => i % 4 !== 3);
    expect(rgbOfSide.length).toBe(original.length);
    expect(rgbOfSide.every((v, i) => v === original[i])).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "side-by-side.png"), fullPage: true });

    await page.selectOption("#compare", "flicker");
    const frames = new Map<string, number>();
    for (const which of ["original", "decoded", "original"]) {
      await page.waitForFunction((w) => document.getElementById("canvas")!.dataset.flicker === w, which, { timeout: 10_000 });
      frames.set(which, (await canvasHash()).hash);
    }
    expect(frames.get("original")).not.toBe(frames.get("decoded"));
    expect(frames.get("decoded")).toBe(before.hash);
    await page.selectOption("#compare", "decoded");
    expect(await page.isHidden("#canvas-original")).toBe(true);
  }, 60_000);

  it("zooms 1:1 and 4:1, pans by dragging, and outlines the visible part and the region on the overview", async () => {
    const ov0 = await page.evaluate(() => document.getElementById("overview")!.dataset.rect);
    expect(ov0).toBe("0,0,256,192");
    await page.selectOption("#zoom", "1");
    const css = await page.$eval("#canvas", (c) => (c as HTMLCanvasElement).clientWidth);
    expect(css).toBeCloseTo(256, 0);

    await page.selectOption("#zoom", "4");
    const vp = (await page.locator("#viewport").boundingBox())!;
    const wide = await page.$eval("#canvas", (c) => (c as HTMLCanvasElement).clientWidth);
    expect(wide).toBeCloseTo(1024, 0);
    await page.mouse.move(vp.x + vp.width / 2, vp.y + 100);
    await page.mouse.down();
    await page.mouse.move(vp.x + vp.width / 2 - 200, vp.y + 60, { steps: 5 });
    await page.mouse.up();
    const scroll = await page.$eval("#viewport", (v) => [v.scrollLeft, v.scrollTop]);
    expect(scroll[0]).toBe(200);
    expect(scroll[1]).toBe(40);
    const rect = (await page.evaluate(() => document.getElementById("overview")!.dataset.rect))!.split(",").map(Number);
    expect(rect[0]).toBe(50); // 200 screen pixels at 4:1
    expect(rect[1]).toBe(10);
    expect(rect[2]!).toBeLessThan(256);
    await page.screenshot({ path: join(ARTIFACTS, "zoom-4-panned.png"), fullPage: true });

    // A region: decoded alone, and drawn on the overview where it lies in the whole image.
    await page.selectOption("#zoom", "fit");
    const r = (await canvasHash()).renders;
    await setControl("#rx", 40);
    await setControl("#ry", 30);
    await setControl("#rw", 100);
    await setControl("#rh", 60);
    await page.check("#use-region");
    await renderedAfter(r);
    await page.waitForFunction(() => (document.getElementById("canvas") as HTMLCanvasElement).width === 100 && document.body.dataset.busy !== "true");
    expect(await page.evaluate(() => document.getElementById("overview")!.dataset.rect)).toBe("40,30,100,60");
    await page.screenshot({ path: join(ARTIFACTS, "region-in-context.png"), fullPage: true });
    await page.uncheck("#use-region");
  }, 60_000);

  it("a truncated file fails with the allowPartial advice; ticking allowPartial shows what its bytes hold", async () => {
    const bytes = readTestdata("conformance/part4_j2k/p0_01.j2k");
    const cut = bytes.subarray(0, Math.floor(bytes.length * 0.6));
    await page.evaluate(() => (document.body.dataset.busy = "pending"));
    await page.setInputFiles("#file", { name: "cut.j2k", mimeType: "application/octet-stream", buffer: Buffer.from(cut) });
    await page.waitForFunction(() => document.body.dataset.busy === "false");
    expect(await page.textContent("#error")).toMatch(/^\[PACKET_TRUNCATED\] .*allowPartial/);
    const r = (await canvasHash()).renders;
    await page.check("#allow-partial");
    await renderedAfter(r);
    await page.waitForFunction(() => document.body.dataset.busy === "false");
    expect(await page.textContent("#error")).toBe("");
    expect(await page.textContent("#source")).toContain("truncated");
    const shown = await canvasHash();
    expect([shown.width, shown.height]).toEqual([128, 128]);
    const want = decode(cut, { allowPartial: true });
    const red = await page.evaluate(() => {
      const c = document.getElementById("canvas") as HTMLCanvasElement;
      return Array.from(c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0));
    });
    expect(red).toEqual(Array.from(want.data));
    await page.screenshot({ path: join(ARTIFACTS, "truncated-allowpartial.png"), fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);
});
