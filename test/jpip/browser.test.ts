/**
 * The JPIP demo viewer in headless Chromium (playwright-core, /usr/bin/chromium): `j2kit jpip
 * serve`'s handler serves the page and j2kit's modules; the page opens a channel, shows the image
 * fitted to its canvas, sharpens it as data arrives, zooms in and pans. Checks: each view ends with
 * a final, complete image; the bytes per view are shown and a repeated view costs nothing; the
 * canvas shows the image (compared with j2kit's own decode of the same window); screenshots go to
 * test/artifacts/ (gitignored).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { decode } from "../../src/decode.js";
import { readPng } from "../../src/io/png.js";
import { REPO_ROOT } from "../helpers/paths.js";
import { has, servedFolder, startJpip, type TestServer } from "./fixtures.js";

const CHROMIUM = process.env.J2KIT_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = join(REPO_ROOT, "test", "artifacts");
const haveChromium = existsSync(CHROMIUM) || has("chromium");

let folder: ReturnType<typeof servedFolder>;
let srv: TestServer;
let browser: Browser | undefined;

beforeAll(async () => {
  folder = servedFolder();
  srv = await startJpip(folder.dir);
  if (haveChromium) {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  }
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  folder?.cleanup();
});

interface ViewState {
  id: number;
  fsiz: [number, number];
  roff: [number, number];
  rsiz: [number, number];
  updates: number;
  bytes: number;
  final: boolean;
  complete: boolean;
  eor: string | null;
}
interface PageState {
  views: ViewState[];
  finals: number;
  lastError: string | null;
  busy: boolean;
}

const pageState = (page: Page) => page.evaluate(() => (window as unknown as { j2kitJpip: PageState }).j2kitJpip);
const waitFinals = async (page: Page, n: number) => {
  await page.waitForFunction((k) => {
    const s = (window as unknown as { j2kitJpip: PageState }).j2kitJpip;
    return s.finals >= k && !s.busy;
  }, n, { timeout: 60_000 });
};

/** Mean absolute difference between the canvas (centre-placed image) and j2kit's decode of the same window. */
async function canvasVersusDecode(page: Page, v: ViewState, file: Uint8Array): Promise<number> {
  // the canvas as the page shows it (a PNG of the element, decoded here)
  const shot = readPng(new Uint8Array(await page.locator("#view").screenshot()));
  expect([shot.width, shot.height]).toEqual([768, 512]);
  const ch = shot.components;
  const px = shot.data as Uint8Array;
  const d = Math.round(Math.log2(1024 / v.fsiz[0]));
  const s = 2 ** d;
  const ref = decode(file, { reduce: d, region: { x: v.roff[0] * s, y: v.roff[1] * s, width: v.rsiz[0] * s, height: v.rsiz[1] * s } });
  const ox = Math.floor((768 - ref.width) / 2), oy = Math.floor((512 - ref.height) / 2);
  let sum = 0, n = 0;
  for (let y = 0; y < ref.height; y += 3) {
    for (let x = 0; x < ref.width; x += 3) {
      for (let c = 0; c < 3; c++) {
        sum += Math.abs(px[((oy + y) * 768 + ox + x) * ch + c]! - ref.data[(y * ref.width + x) * 3 + c]!);
        n++;
      }
    }
  }
  return sum / n;
}

test.skipIf(!haveChromium)("JPIP viewer (needs chromium): opens, sharpens, zooms and pans; bytes per view shown; screenshots", async () => {
  const page = await browser!.newPage({ viewport: { width: 900, height: 800 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  const name = folder.names.lossyTiles!;
  const file = new Uint8Array(readFileSync(join(folder.dir, name)));
  try {
    await page.goto(`${srv.url.replace(/\/jpip$/, "")}/?target=${encodeURIComponent(name)}`);
    await waitFinals(page, 1);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "jpip-viewer-fit.png") });
    let st = await pageState(page);
    expect(st.lastError).toBeNull();
    const fit = st.views.at(-1)!;
    expect(fit).toMatchObject({ fsiz: [512, 512], final: true, complete: true });
    expect(fit.updates).toBeGreaterThanOrEqual(1);
    expect(fit.bytes).toBeGreaterThan(1000);
    expect(await canvasVersusDecode(page, fit, file)).toBeLessThan(0.5);
    // the list of targets and the bytes column are on the page
    expect(await page.$$eval("#target option", (os) => os.map((o) => o.textContent))).toContain(name);
    expect(await page.textContent("#views")).toContain(fit.bytes.toLocaleString("en-US"));

    // zoom in: full resolution, a 768x512 region of the centre
    await page.click("#zoom-in");
    await waitFinals(page, 2);
    await page.screenshot({ path: join(ARTIFACTS, "jpip-viewer-zoomed.png") });
    st = await pageState(page);
    const zoomed = st.views.at(-1)!;
    expect(zoomed).toMatchObject({ fsiz: [1024, 1024], rsiz: [768, 512], final: true, complete: true });
    expect(zoomed.bytes).toBeLessThan(file.length);
    expect(await canvasVersusDecode(page, zoomed, file)).toBeLessThan(0.5);

    // pan right and back: the way back is already cached — only an EOR comes
    await page.evaluate(() => (window as unknown as { j2kitJpip: { pan(dx: number, dy: number): Promise<void> } }).j2kitJpip.pan(100, 0));
    await waitFinals(page, 3);
    await page.evaluate(() => (window as unknown as { j2kitJpip: { pan(dx: number, dy: number): Promise<void> } }).j2kitJpip.pan(-100, 0));
    await waitFinals(page, 4);
    await page.screenshot({ path: join(ARTIFACTS, "jpip-viewer-panned-back.png") });
    st = await pageState(page);
    const back = st.views.at(-1)!;
    expect(back.roff).toEqual(zoomed.roff);
    expect(back.complete).toBe(true);
    expect(back.bytes).toBeLessThan(16);
    expect(errors).toEqual([]);
  } finally {
    await page.close();
  }
});
