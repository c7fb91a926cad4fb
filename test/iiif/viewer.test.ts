/**
 * The viewer page of the IIIF server in headless Chromium (playwright-core, /usr/bin/chromium):
 * the page lists the folder's images, OpenSeadragon (served by the server from the installed
 * package) opens one through info.json and draws tiles. Checks: tile requests were made and all
 * answered 200, the canvas shows the grid's colours (not blank), and a screenshot is saved in
 * test/artifacts/ (gitignored).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { REPO_ROOT } from "../helpers/paths.js";
import { GRID, SQUARE, gridImage, makeGridFolder, squareColour, startIiifServer, type GridFolder, type TestServer } from "./fixtures.js";

const CHROMIUM = process.env.J2KIT_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const ARTIFACTS = join(REPO_ROOT, "test", "artifacts");

let folder: GridFolder;
let srv: TestServer;
let browser: Browser | undefined;

beforeAll(async () => {
  // 2000×1500: 20×15 squares (the colours repeat every 10), 4 levels, 256×256 precincts
  folder = makeGridFolder(
    { "big grid.jp2": { levels: 4, precincts: [[256, 256]], progression: "RPCL" }, "more/small.jp2": { levels: 2 } },
    gridImage(2 * GRID * SQUARE, 1500),
  );
  srv = await startIiifServer({ root: folder.dir, workers: 1 });
  if (existsSync(CHROMIUM)) {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  }
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  folder?.cleanup();
});

test.skipIf(!existsSync(CHROMIUM))("needs Chromium (/usr/bin/chromium): the viewer page lists the images and shows tiles", async () => {
  const page = await browser!.newPage({ viewport: { width: 1000, height: 700 } });
  const tiles: Array<{ url: string; status: number }> = [];
  const errors: string[] = [];
  page.on("response", (r) => {
    if (/\/iiif\/3\/[^/]+\/[^/]+\/[^/]+\/[^/]+\/default\.(png|jpg)$/.test(r.url())) tiles.push({ url: r.url(), status: r.status() });
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(`${srv.url}/`);
    // the list
    await page.waitForFunction(() => document.querySelectorAll("#list a").length === 2, undefined, { timeout: 30_000 });
    expect(await page.$$eval("#list a", (as) => as.map((a) => a.textContent))).toEqual(["big grid.jp2", "more/small.jp2"]);
    // the first image opens and its tiles finish loading
    await page.waitForFunction(
      () => {
        const v = (window as unknown as { j2kitViewer: { opened: string | null; tilesLoaded: number; viewer: { world: { getItemAt(i: number): { getFullyLoaded(): boolean } | undefined } } | null } }).j2kitViewer;
        const item = v.viewer?.world.getItemAt(0);
        return v.opened === "big grid.jp2" && v.tilesLoaded > 0 && !!item && item.getFullyLoaded();
      },
      undefined,
      { timeout: 60_000 },
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "iiif-viewer.png") });
    expect(tiles.length).toBeGreaterThan(0);
    expect(tiles.filter((t) => t.status !== 200), JSON.stringify(tiles)).toEqual([]);
    const state = await page.evaluate(() => (window as unknown as { j2kitViewer: { tilesLoaded: number; tilesFailed: number } }).j2kitViewer);
    expect(state.tilesFailed).toBe(0);
    expect(state.tilesLoaded).toBeGreaterThan(0);
    // the canvas is not blank: it holds many of the grid's square colours
    const wanted: number[][] = [];
    for (let i = 0; i < GRID; i++) for (let j = 0; j < GRID; j++) wanted.push(squareColour(i, j));
    // in the page: which square colours appear on the canvas (tiles are JPEG: within 4 levels)
    const found = await page.evaluate((want) => {
      const canvas = document.querySelector("#viewer canvas") as HTMLCanvasElement;
      const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      const hit = new Array<boolean>(want.length).fill(false);
      for (let p = 0; p < data.length; p += 16) {
        for (let k = 0; k < want.length; k++) {
          const w = want[k]!;
          if (!hit[k] && Math.abs(data[p]! - w[0]!) <= 4 && Math.abs(data[p + 1]! - w[1]!) <= 4 && Math.abs(data[p + 2]! - w[2]!) <= 4) hit[k] = true;
        }
      }
      return hit.filter(Boolean).length;
    }, wanted);
    expect(found, `${found} of ${GRID * GRID} square colours on the canvas`).toBeGreaterThan(50);
    // opening the second image through the list works too
    await page.click("#list a:nth-child(2)");
    await page.waitForFunction(() => (window as unknown as { j2kitViewer: { opened: string } }).j2kitViewer.opened === "more/small.jp2", undefined, { timeout: 30_000 });
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
});
