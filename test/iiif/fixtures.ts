/**
 * Fixtures of the IIIF tests: the coloured-grid test image (as the IIIF validator's: 10×10 squares
 * of 100 pixels whose colours can be located in any output), a server on 127.0.0.1 around
 * `createIiifHandler`, and ImageMagick as the independent resampler.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "../../src/encode.js";
import { readPng, writePng } from "../../src/io/png.js";
import { createIiifHandler, type IiifHandler, type IiifHandlerOptions } from "../../src/iiif/handler.js";
import type { EncodeOptions, J2kImage } from "../../src/types.js";
import { has, toolPath } from "../helpers/tools.js";
import { psnrFromMse } from "../helpers/psnr.mjs";

/** Squares per side and their size in pixels. */
export const GRID = 10;
export const SQUARE = 100;

/** Colour of square (column i, row j): every square differs from every other by >= 40 in some channel. */
export function squareColour(i: number, j: number): [number, number, number] {
  return [20 + 23 * i, 20 + 23 * j, (i + j) % 2 === 0 ? 40 : 215];
}

/**
 * The grid image: `GRID`×`GRID` squares of `SQUARE` pixels, RGB, 8 bits, with a 4-pixel dark
 * line through the middle of each square (fine detail, so resampling errors and shifts show).
 */
export function gridImage(width = GRID * SQUARE, height = GRID * SQUARE): J2kImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = Math.floor(x / SQUARE), j = Math.floor(y / SQUARE);
      let c = squareColour(i % GRID, j % GRID);
      const fy = y % SQUARE;
      if (fy >= 48 && fy <= 51) c = [10, 10, 10];
      data.set(c, (y * width + x) * 3);
    }
  }
  return { width, height, components: 3, bitDepth: 8, signed: false, data };
}

/** Interleaved 8-bit pixels. */
export interface Rgb {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

export function decodePng(bytes: Uint8Array): Rgb {
  const img = readPng(bytes);
  return { width: img.width, height: img.height, channels: img.components, data: img.data as Uint8Array };
}

/** Mean of each channel over the rectangle. */
export function meanColour(img: Rgb, x: number, y: number, w: number, h: number): number[] {
  const sum = new Array<number>(img.channels).fill(0);
  for (let yy = y; yy < y + h; yy++) {
    for (let xx = x; xx < x + w; xx++) {
      for (let c = 0; c < img.channels; c++) sum[c]! += img.data[(yy * img.width + xx) * img.channels + c]!;
    }
  }
  return sum.map((s) => s / (w * h));
}

/** Whether the area around (cx, cy) (a quarter of a square, avoiding the dark line) has colour `want`. */
export function colourNear(img: Rgb, cx: number, cy: number, side: number, want: number[], tol = 6): boolean {
  const m = meanColour(img, Math.round(cx - side / 2), Math.round(cy - side / 2), Math.max(1, Math.round(side)), Math.max(1, Math.round(side)));
  return m.every((v, k) => Math.abs(v - want[k]!) <= tol);
}

/** PSNR (dB) and largest difference between two images of the same geometry. */
export function compare(a: Rgb, b: Rgb): { psnr: number; maxDiff: number; meanDiff: number } {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(`geometry differs: ${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels}`);
  }
  let se = 0, max = 0, sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    se += d * d;
    sum += d;
    if (d > max) max = d;
  }
  const mse = se / a.data.length;
  return { psnr: psnrFromMse(mse, 255), maxDiff: max, meanDiff: sum / a.data.length };
}

/** A temporary folder with the grid image as JP2 in a few layouts. */
export interface GridFolder {
  dir: string;
  source: J2kImage;
  cleanup(): void;
}

/** Encode the grid image into `dir` under the given names (lossless, so a decode is the source). */
export function makeGridFolder(files: Record<string, EncodeOptions>, image = gridImage()): GridFolder {
  const dir = mkdtempSync(join(tmpdir(), "j2kit-iiif-"));
  for (const [name, opts] of Object.entries(files)) {
    const path = join(dir, name);
    spawnSync("mkdir", ["-p", join(path, "..")]);
    writeFileSync(path, encode(image, { format: "jp2", ...opts }));
  }
  return { dir, source: image, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A running test server. */
export interface TestServer {
  url: string;
  handler: IiifHandler;
  server: Server;
  close(): Promise<void>;
}

export async function startIiifServer(options: IiifHandlerOptions): Promise<TestServer> {
  const handler = createIiifHandler(options);
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    handler,
    server,
    // the handler holds the opened images' file handles: close them too, as `j2kit serve` does
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await handler.close();
    },
  };
}

/** Native tool detection is shared by the whole suite (J2KIT_REQUIRE_TOOLS=1 makes a missing tool fail). */
export { has };

/**
 * ImageMagick's command: `magick` for version 7, else `convert` (version 6, what Debian 12 ships). Only the
 * fallback goes through `has()`, so J2KIT_REQUIRE_TOOLS=1 fails when neither is installed, not when 7 is missing.
 */
export function imageMagick(): string | null {
  if (toolPath("magick") !== undefined) return "magick";
  if (has("convert")) return "convert";
  return null;
}

/**
 * Crop `src` to x,y,w,h and resize to ow×oh with ImageMagick's Lanczos filter (the independent
 * reference for region + size).
 */
export function magickCropResize(src: Rgb, x: number, y: number, w: number, h: number, ow: number, oh: number, extra: string[] = []): Rgb {
  const tool = imageMagick();
  if (!tool) throw new Error("ImageMagick not found");
  const dir = mkdtempSync(join(tmpdir(), "j2kit-magick-"));
  try {
    const input = join(dir, "in.png"), output = join(dir, "out.png");
    writeFileSync(input, writePng({ width: src.width, height: src.height, components: src.channels, bitDepth: 8, signed: false, data: src.data }));
    const args = [input, "-crop", `${w}x${h}+${x}+${y}`, "+repage"];
    if (ow !== w || oh !== h) args.push("-filter", "Lanczos", "-resize", `${ow}x${oh}!`);
    args.push(...extra, "-depth", "8", `PNG24:${output}`);
    const r = spawnSync(tool, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr}`);
    const img = decodePng(new Uint8Array(readFileSync(output)));
    return img;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The source image as {@link Rgb}. */
export function asRgb(img: J2kImage): Rgb {
  return { width: img.width, height: img.height, channels: img.components, data: img.data as Uint8Array };
}
