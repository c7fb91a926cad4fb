/**
 * The IIIF Image API 3.0 server against the IIIF image validator's list of tests (info_json,
 * jsonld, id_*, region_*, size_*, rot_*, quality_*, format_*, cors, linkheader_*, baseurl_redirect),
 * run on a generated 1000×1000 grid of coloured squares whose colours are located in every output,
 * plus the HTTP behaviour the issue asks for (ETag/304, Cache-Control, error codes, limits).
 *
 * Region and size outputs are compared with the source (a lossless JP2, so the full decode is the
 * source) cropped and resized by ImageMagick; rotations and mirroring must match exactly.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, test } from "vitest";
import { readPnm } from "../helpers/images.js";
import { Prng } from "../helpers/prng.js";
import {
  GRID,
  SQUARE,
  asRgb,
  colourNear,
  compare,
  decodePng,
  gridImage,
  has,
  imageMagick,
  magickCropResize,
  makeGridFolder,
  squareColour,
  startIiifServer,
  type GridFolder,
  type Rgb,
  type TestServer,
} from "./fixtures.js";

let folder: GridFolder;
let srv: TestServer;
let outside: GridFolder;
const W = GRID * SQUARE;

/** Base URL of the grid image. */
let base: string;

beforeAll(async () => {
  folder = makeGridFolder({
    // precincts 128×128 at every resolution: info.json advertises 128-pixel tiles
    "grid.jp2": { levels: 5, precincts: [[128, 128]], progression: "RPCL" },
    "tiled.jp2": { levels: 3, tile: { width: 256, height: 256 } },
    "sub dir/grid [1].jp2": { levels: 4 },
    ".hidden.jp2": { levels: 2 },
  });
  // a grey version
  const g = gridImage();
  const grey = new Uint8Array(g.width * g.height);
  for (let i = 0; i < grey.length; i++) grey[i] = g.data[i * 3]!;
  const greyFolder = makeGridFolder({ "grey.jp2": { levels: 5 } }, { ...g, components: 1, data: grey });
  symlinkSync(join(greyFolder.dir, "grey.jp2"), join(folder.dir, "grey-link.jp2")); // leads outside: 403
  outside = greyFolder;
  writeFileSync(join(folder.dir, "notes.txt"), "not an image");
  writeFileSync(join(folder.dir, "broken.jp2"), "not a JPEG 2000 file at all");
  mkdirSync(join(folder.dir, "links"));
  symlinkSync(join(folder.dir, "grid.jp2"), join(folder.dir, "links", "inside.jp2")); // stays inside: served
  srv = await startIiifServer({ root: folder.dir, cacheMiB: 64, maxArea: 2_000_000, workers: 1 });
  base = `${srv.url}/iiif/3/grid.jp2`;
});

afterAll(async () => {
  await srv?.close();
  folder?.cleanup();
  outside?.cleanup();
});

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers, redirect: "manual" });
}

async function image(path: string): Promise<Rgb> {
  const r = await get(`${base}/${path}`);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  expect(r.headers.get("content-type")).toBe("image/png");
  return decodePng(new Uint8Array(await r.arrayBuffer()));
}

/** Status of a request (body consumed). */
async function status(url: string): Promise<number> {
  const r = await get(url);
  await r.arrayBuffer();
  return r.status;
}

/** Check that output pixel (ox, oy) shows square (i, j), sampling a box of `side` pixels. */
function expectSquare(img: Rgb, ox: number, oy: number, i: number, j: number, side: number): void {
  const ok = colourNear(img, ox, oy, side, squareColour(i, j));
  expect(ok, `square ${i},${j} expected around output pixel ${ox},${oy}`).toBe(true);
}

/** Centre of square (i, j) avoiding the dark line at rows 48-51: a quarter down the square. */
const cx = (i: number) => i * SQUARE + SQUARE / 2;
const cy = (j: number) => j * SQUARE + SQUARE / 4;

describe("info.json (validator: info_json, jsonld, id_basic)", () => {
  it("has the required fields, the 3.0 context, and the id of its URL", async () => {
    const r = await get(`${base}/info.json`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    const info = (await r.json()) as Record<string, unknown>;
    expect(info["@context"]).toBe("http://iiif.io/api/image/3/context.json");
    expect(info.id).toBe(base);
    expect(info.type).toBe("ImageService3");
    expect(info.protocol).toBe("http://iiif.io/api/image");
    expect(info.profile).toBe("level2");
    expect(info.width).toBe(1000);
    expect(info.height).toBe(1000);
    expect(info.maxArea).toBe(2_000_000);
    // sizes: one per resolution level of the codestream (5 levels -> 6 sizes), integers
    expect(info.sizes).toEqual([32, 63, 125, 250, 500, 1000].map((s) => ({ width: s, height: s })));
    // tiles: the precinct size, one scale factor per level
    expect(info.tiles).toEqual([{ width: 128, height: 128, scaleFactors: [1, 2, 4, 8, 16, 32] }]);
    for (const k of ["extraFormats", "extraQualities", "extraFeatures"]) expect(Array.isArray(info[k]), k).toBe(true);
    expect(info.extraQualities).toEqual(expect.arrayContaining(["gray", "bitonal"]));
    expect(info.extraFeatures).toEqual(expect.arrayContaining(["mirroring", "rotationArbitrary", "sizeUpscaling", "profileLinkHeader", "canonicalLinkHeader"]));
    for (const k of ["license", "attribution", "logo", "@id"]) expect(info[k], k).toBeUndefined();
  });

  it("tiles follow the codestream: a tiled file advertises its tile size and levels", async () => {
    const info = (await (await get(`${srv.url}/iiif/3/tiled.jp2/info.json`)).json()) as { tiles: unknown };
    expect(info.tiles).toEqual([{ width: 256, height: 256, scaleFactors: [1, 2, 4, 8] }]);
  });

  it("answers application/ld+json with the context profile when asked for JSON-LD", async () => {
    const r = await get(`${base}/info.json`, { Accept: "application/ld+json" });
    expect(r.headers.get("content-type")).toBe('application/ld+json;profile="http://iiif.io/api/image/3/context.json"');
    expect(r.headers.get("vary")).toBe("Accept");
    await r.arrayBuffer();
  });

  it("uses --base-url for ids when configured", async () => {
    const other = await startIiifServer({ root: folder.dir, baseUrl: "https://images.example.org/deep/" });
    try {
      const info = (await (await get(`${other.url}/iiif/3/grid.jp2/info.json`)).json()) as { id: string };
      expect(info.id).toBe("https://images.example.org/deep/iiif/3/grid.jp2");
    } finally {
      await other.close();
    }
  });
});

describe("identifiers (validator: id_squares, id_escaped, id_error_*)", () => {
  it("id_squares: full/max shows the right colour in 5 random squares", async () => {
    const img = await image("full/max/0/default.png");
    expect([img.width, img.height, img.channels]).toEqual([1000, 1000, 3]);
    const rnd = new Prng(10);
    for (let k = 0; k < 5; k++) {
      const i = rnd.int(GRID), j = rnd.int(GRID);
      expectSquare(img, cx(i), cy(j), i, j, 40);
    }
    // lossless source: the full image is exactly the source
    expect(compare(img, asRgb(folder.source)).maxDiff).toBe(0);
  });

  it("id_escaped: an identifier with a folder, spaces and brackets, percent-encoded", async () => {
    const id = encodeURIComponent("sub dir/grid [1].jp2");
    expect(id).toContain("%2F");
    const r = await get(`${srv.url}/iiif/3/${id}/info.json`);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { id: string }).id).toBe(`${srv.url}/iiif/3/${id}`);
  });

  it("id_error_random / escapedslash / unescaped: unknown identifiers are 404", async () => {
    expect(await status(`${srv.url}/iiif/3/no-such-${Date.now()}.jp2/info.json`)).toBe(404);
    expect(await status(`${srv.url}/iiif/3/a%2Fb/info.json`)).toBe(404);
    expect(await status(`${srv.url}/iiif/3/sub%20dir/grid%20%5B1%5D.jp2/info.json`)).toBe(404); // unescaped '/'
    expect(await status(`${srv.url}/iiif/3/sub%20dir/grid%20%5B1%5D.jp2/full/max/0/default.png`)).toBe(404);
    expect(await status(`${srv.url}/iiif/3/notes.txt/info.json`)).toBe(404); // not a JPEG 2000 extension
    expect(await status(`${srv.url}/iiif/3/.hidden.jp2/info.json`)).toBe(404); // hidden files are not served
    expect(await status(`${srv.url}/iiif/3/broken.jp2/info.json`)).toBe(404); // not decodable
  });

  it("rejects path traversal with 403: ..%2F, absolute paths, backslashes, symlinks out of the folder", async () => {
    for (const id of ["..%2Fgrid.jp2", "sub%20dir%2F..%2F..%2Fx.jp2", "%2Fetc%2Fpasswd.jp2", "%2E%2E%2Fx.jp2", "..%5Cx.jp2", "grey-link.jp2"]) {
      const r = await get(`${srv.url}/iiif/3/${id}/info.json`);
      expect(r.status, id).toBe(403);
      expect(await r.text()).toMatch(/^403 /);
    }
    expect(await status(`${srv.url}/iiif/3/..%2F..%2Fetc%2Fpasswd/full/max/0/default.png`)).toBe(403);
    // a symbolic link that stays inside the folder is fine
    expect(await status(`${srv.url}/iiif/3/links%2Finside.jp2/info.json`)).toBe(200);
  });
});

describe("region (validator: region_full, region_square, region_pixels, region_percent, region_error_random)", () => {
  it("x,y,w,h: random square-aligned regions show their square", async () => {
    const rnd = new Prng(11);
    for (let k = 0; k < 4; k++) {
      const i = rnd.int(GRID), j = rnd.int(GRID);
      const img = await image(`${i * SQUARE},${j * SQUARE},${SQUARE},${SQUARE}/max/0/default.png`);
      expect([img.width, img.height]).toEqual([SQUARE, SQUARE]);
      expectSquare(img, 50, 25, i, j, 30);
    }
  });

  it("pct:x,y,w,h maps percentages to pixels", async () => {
    const img = await image("pct:20,30,10,10/max/0/default.png");
    expect([img.width, img.height]).toEqual([100, 100]);
    expectSquare(img, 50, 25, 2, 3, 30);
  });

  it("square is the centred square of a non-square region's image; full is everything", async () => {
    const sq = await image("square/max/0/default.png");
    expect([sq.width, sq.height]).toEqual([1000, 1000]); // the grid is square
    const r = await get(`${srv.url}/iiif/3/tiled.jp2/full/max/0/default.png`);
    expect(r.status).toBe(200);
    await r.arrayBuffer();
  });

  it("a region past the edge is clipped to the image", async () => {
    const img = await image("900,950,300,300/max/0/default.png");
    expect([img.width, img.height]).toEqual([100, 50]);
    expectSquare(img, 50, 25, 9, 9, 20);
  });

  it("region_error_random: malformed, empty or outside regions are 400", async () => {
    for (const region of ["foo", "1,2,3", "1,2,3,4,5", "-1,0,10,10", "0,0,0,10", "0,0,10,0", "1000,0,10,10", "0,1000,10,10", "pct:0,0,0,10", "pct:a,b,c,d", "10.5,0,10,10", "pct:101,0,10,10"]) {
      expect(await status(`${base}/${region}/max/0/default.png`), region).toBe(400);
    }
  });
});

describe("size (validator: size_region, size_wc, size_ch, size_percent, size_wh, size_bwh, size_up, size_noup, size_nofull, size_error_random)", () => {
  it("w, and ,h keep the aspect ratio; w,h distorts; !w,h fits; pct:n scales", async () => {
    const cases: Array<[string, number, number]> = [
      ["full/500,", 500, 500],
      ["0,0,400,200/,100", 200, 100],
      ["0,0,400,200/300,", 300, 150],
      ["full/300,150", 300, 150],
      ["0,0,400,200/!100,100", 100, 50],
      ["0,0,200,400/!100,100", 50, 100],
      ["full/pct:25", 250, 250],
      ["0,0,500,300/pct:10", 50, 30],
    ];
    for (const [p, w, h] of cases) {
      const img = await image(`${p}/0/default.png`);
      expect([img.width, img.height], p).toEqual([w, h]);
    }
  });

  it("size_region: a scaled random region still shows its square at the scaled position", async () => {
    const rnd = new Prng(12);
    for (let k = 0; k < 3; k++) {
      const i = rnd.int(GRID - 1), j = rnd.int(GRID - 1);
      const img = await image(`${i * SQUARE},${j * SQUARE},${2 * SQUARE},${2 * SQUARE}/100,/0/default.png`);
      expect([img.width, img.height]).toEqual([100, 100]);
      expectSquare(img, 25, 12, i, j, 10);
      expectSquare(img, 75, 62, i + 1, j + 1, 10);
    }
  });

  it("size_up: ^ allows upscaling (^w,h, ^pct, ^max, ^!w,h)", async () => {
    const up = await image("0,0,100,100/^200,/0/default.png");
    expect([up.width, up.height]).toEqual([200, 200]);
    expectSquare(up, 100, 50, 0, 0, 60);
    expect([(await image("0,0,100,50/^pct:300/0/default.png")).width]).toEqual([300]);
    const bwh = await image("0,0,100,50/^!400,400/0/default.png");
    expect([bwh.width, bwh.height]).toEqual([400, 200]);
    // ^max: up to maxArea (2,000,000) keeping the ratio
    const mx = await image("0,0,100,100/^max/0/default.png");
    expect(mx.width * mx.height).toBeLessThanOrEqual(2_000_000);
    expect(mx.width).toBeGreaterThan(1400);
  });

  it("size_noup: without ^ anything larger than the region is 400 (3.0)", async () => {
    for (const s of ["1500,1500", ",1200", "1100,", "pct:200", "!2000,3000", "1001,1000"]) {
      expect(await status(`${base}/full/${s}/0/default.png`), s).toBe(400);
    }
  });

  it("size_nofull and size_error_random: 'full', garbage, zero and negative sizes are 400", async () => {
    for (const s of ["full", "foo", "0,", ",0", "0,0", "pct:0", "-10,", "10,-10", "!10", "!0,10", "1,2,3", ",", "pct:", "^"]) {
      expect(await status(`${base}/full/${s}/0/default.png`), s).toBe(400);
    }
  });

  it("max respects maxArea and sizes beyond it are 400 with a message", async () => {
    const small = await startIiifServer({ root: folder.dir, maxArea: 250_000 });
    try {
      const r = await get(`${small.url}/iiif/3/grid.jp2/full/max/0/default.png`);
      const img = decodePng(new Uint8Array(await r.arrayBuffer()));
      expect(img.width * img.height).toBeLessThanOrEqual(250_000);
      expect(img.width).toBeGreaterThanOrEqual(499);
      const big = await get(`${small.url}/iiif/3/grid.jp2/full/600,600/0/default.png`);
      expect(big.status).toBe(400);
      expect(await big.text()).toMatch(/maxArea/);
      const info = (await (await get(`${small.url}/iiif/3/grid.jp2/info.json`)).json()) as { maxArea: number; sizes: Array<{ width: number }> };
      expect(info.maxArea).toBe(250_000);
      expect(info.sizes.map((s) => s.width)).toEqual([32, 63, 125, 250, 500]); // 1000² is over the cap
    } finally {
      await small.close();
    }
  });

  it("a request needing more decoded pixels than maxDecodePixels is refused before decoding", async () => {
    const capped = await startIiifServer({ root: folder.dir, maxDecodePixels: 100_000 });
    try {
      // 1000×1000 at 900 wide needs the full resolution (1 MP decoded) -> refused
      const r = await get(`${capped.url}/iiif/3/grid.jp2/full/900,/0/default.png`);
      expect(r.status).toBe(400);
      expect(await r.text()).toMatch(/decoded pixels/);
      // 250 wide decodes at reduce 2 (250×250): fine
      expect(await status(`${capped.url}/iiif/3/grid.jp2/full/250,/0/default.png`)).toBe(200);
    } finally {
      await capped.close();
    }
  });
});

describe("region + size compared with ImageMagick", () => {
  const magick = imageMagick();
  const cases: Array<{ path: string; r: [number, number, number, number]; o: [number, number] }> = [
    { path: "0,0,1000,1000/500,500", r: [0, 0, 1000, 1000], o: [500, 500] }, // exactly reduce 1
    { path: "full/333,", r: [0, 0, 1000, 1000], o: [333, 333] }, // reduce 1 then 500 -> 333
    { path: "128,256,384,256/192,128", r: [128, 256, 384, 256], o: [192, 128] }, // a tile at scale 2
    { path: "100,150,333,221/250,166", r: [100, 150, 333, 221], o: [250, 166] }, // reduce 0, 333 -> 250
    { path: "pct:10,10,50,50/!200,200", r: [100, 100, 500, 500], o: [200, 200] }, // reduce 1 then 250 -> 200
    { path: "50,50,60,40/^150,100", r: [50, 50, 60, 40], o: [150, 100] }, // upscaling
    { path: "96,160,480,320/90,60", r: [96, 160, 480, 320], o: [90, 60] }, // reduce 2 then 120 -> 90
  ];

  test.skipIf(!magick)("needs ImageMagick: same as the full decode at the chosen level, cropped and Lanczos-resized by ImageMagick", async () => {
    // The server decodes the region at the largest reduce r that still has the requested size, then
    // resamples. Reference: j2kit's full decode at that r (region decoding must give the same
    // samples), cropped to the region's samples at r and resized by ImageMagick.
    const { decode } = await import("../../src/decode.js");
    const { readFileSync } = await import("node:fs");
    const bytes = new Uint8Array(readFileSync(join(folder.dir, "grid.jp2")));
    for (const c of cases) {
      const ours = await image(`${c.path}/0/default.png`);
      const [x, y, w, h] = c.r;
      let r = 5;
      while (r > 0 && (Math.ceil((x + w) / 2 ** r) - Math.ceil(x / 2 ** r) < c.o[0] || Math.ceil((y + h) / 2 ** r) - Math.ceil(y / 2 ** r) < c.o[1])) r--;
      const full = decode(bytes, { reduce: r });
      const s = 2 ** r;
      const x0 = Math.ceil(x / s), y0 = Math.ceil(y / s);
      const ref = magickCropResize(asRgb(full), x0, y0, Math.ceil((x + w) / s) - x0, Math.ceil((y + h) / s) - y0, ...c.o);
      const d = compare(ours, ref);
      expect(d.maxDiff, `${c.path} at reduce ${r}: PSNR ${d.psnr.toFixed(1)} dB, max |diff| ${d.maxDiff}`).toBeLessThanOrEqual(10);
      expect(d.psnr, c.path).toBeGreaterThan(45);
    }
  });

  test.skipIf(!magick)("needs ImageMagick: close to the full-resolution source cropped and Lanczos-resized", async () => {
    // Against the full resolution the decoder's own low-pass (the 5/3 LL band) replaces part of
    // the Lanczos decimation: the outputs differ near the squares' edges and dark lines only.
    const full = asRgb(folder.source);
    for (const c of cases) {
      const ours = await image(`${c.path}/0/default.png`);
      const d = compare(ours, magickCropResize(full, ...c.r, ...c.o));
      expect(d.psnr, `${c.path}: PSNR ${d.psnr.toFixed(1)} dB, mean |diff| ${d.meanDiff.toFixed(2)}`).toBeGreaterThan(27);
      expect(d.meanDiff, c.path).toBeLessThan(4.5);
    }
  });

  test.skipIf(!magick)("needs ImageMagick: a region shifted by 4 pixels is far from the reference (the comparison can fail)", async () => {
    const ours = await image("100,150,333,221/250,166/0/default.png");
    const shifted = magickCropResize(asRgb(folder.source), 104, 150, 333, 221, 250, 166);
    const d = compare(ours, shifted);
    expect(d.psnr, `PSNR ${d.psnr.toFixed(1)}`).toBeLessThan(25);
  });
});

describe("rotation and mirroring (validator: rot_full_basic, rot_region_basic, rot_mirror, rot_mirror_180, rot_full_non90, rot_error_random)", () => {
  const region = "100,200,300,200/150,100"; // 3×2 squares at half size
  let upright: Rgb;
  beforeAll(async () => {
    upright = await image(`${region}/0/default.png`);
  });

  /** Pixel (x, y) of `img`. */
  const px = (img: Rgb, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * img.channels, (y * img.width + x + 1) * img.channels));

  it("90/180/270 and !n are exact moves of the unrotated output", async () => {
    const { width: w, height: h } = upright;
    const map: Record<string, (x: number, y: number) => [number, number]> = {
      // output (x, y) of the rotated image -> source (x, y) of the upright one
      "90": (x, y) => [y, h - 1 - x],
      "180": (x, y) => [w - 1 - x, h - 1 - y],
      "270": (x, y) => [w - 1 - y, x],
      "!0": (x, y) => [w - 1 - x, y],
      "!90": (x, y) => [w - 1 - y, h - 1 - x],
      "!180": (x, y) => [x, h - 1 - y],
      "!270": (x, y) => [y, x],
    };
    for (const [rot, f] of Object.entries(map)) {
      const img = await image(`${region}/${rot}/default.png`);
      const swapped = rot.endsWith("90") || rot.endsWith("270");
      expect([img.width, img.height], rot).toEqual(swapped ? [h, w] : [w, h]);
      let bad = 0;
      for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (px(img, x, y).join() !== px(upright, ...f(x, y)).join()) bad++;
      expect(bad, rot).toBe(0);
    }
  });

  it("rot_full_basic: after 90° the top-left square is at the top right", async () => {
    const img = await image("full/200,/90/default.png");
    // square (0,0) -> top right; square (0,9) (bottom left) -> top left
    expectSquare(img, 190, 5, 0, 0, 6);
    expectSquare(img, 5, 5, 0, 9, 6);
  });

  test.skipIf(!imageMagick())("rotations agree with ImageMagick -rotate / -flop exactly", async () => {
    for (const [rot, extra] of [["90", ["-rotate", "90"]], ["!270", ["-flop", "-rotate", "270"]], ["180", ["-rotate", "180"]]] as const) {
      const ours = await image(`300,100,200,300/max/${rot}/default.png`);
      const ref = magickCropResize(asRgb(folder.source), 300, 100, 200, 300, 200, 300, [...extra]);
      expect(compare(ours, ref).maxDiff, rot).toBe(0);
    }
  });

  it("rot_full_non90: other angles give the bounding box, transparent corners in PNG", async () => {
    const img = await image("0,0,200,100/max/30/default.png");
    const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6);
    expect(img.width).toBe(Math.round(200 * c + 100 * s));
    expect(img.height).toBe(Math.round(200 * s + 100 * c));
    expect(img.channels).toBe(4);
    expect(px(img, 0, 0)[3]).toBe(0); // corner outside the rotated image
    const mid = px(img, img.width >> 1, img.height >> 1);
    expect(mid[3]).toBe(255);
  });

  it("rot_error_random: malformed or out-of-range rotations are 400", async () => {
    for (const r of ["-90", "361", "abc", "!!90", "90deg", "1e2", "", "!"]) {
      expect(await status(`${base}/full/100,/${r}/default.png`), r).toBe(400);
    }
  });
});

describe("quality and format (validator: quality_color, quality_grey, quality_bitonal, quality_error_random, format_png, format_jpg, format_error_random)", () => {
  it("color equals default; gray is one channel of BT.601 luma; bitonal is only 0 and 255", async () => {
    const def = await image("600,0,300,300/150,/0/default.png");
    const col = await image("600,0,300,300/150,/0/color.png");
    expect(compare(def, col).maxDiff).toBe(0);
    const gray = await image("600,0,300,300/150,/0/gray.png");
    expect(gray.channels).toBe(1);
    // luma of square (7,0) at its centre
    const [r, g, b] = squareColour(7, 0);
    const y = (299 * r + 587 * g + 114 * b) / 1000;
    expect(Math.abs(gray.data[12 * 150 + 75]! - y)).toBeLessThanOrEqual(1);
    const bit = await image("500,500,300,300/150,/0/bitonal.png");
    expect(bit.channels).toBe(1);
    const values = new Set(bit.data);
    expect([...values].sort((a, b) => a - b)).toEqual([0, 255]);
  });

  it("a grey image serves default, color and gray", async () => {
    const greyServer = await startIiifServer({ root: outside.dir });
    try {
      for (const q of ["default", "color", "gray", "bitonal"]) {
        const r = await get(`${greyServer.url}/iiif/3/grey.jp2/full/100,/0/${q}.png`);
        expect(r.status, q).toBe(200);
        expect(decodePng(new Uint8Array(await r.arrayBuffer())).channels, q).toBe(1);
      }
    } finally {
      await greyServer.close();
    }
  });

  test.skipIf(!has("djpeg"))("needs djpeg (libjpeg-turbo-progs): format_jpg — JPEG output shows the squares; gray is one component; other angles on white", async () => {
    const jpg = async (path: string): Promise<Rgb> => {
      const r = await get(`${base}/${path}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get("content-type")).toBe("image/jpeg");
      const bytes = new Uint8Array(await r.arrayBuffer());
      expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
      const out = spawnSync("djpeg", ["-pnm"], { input: bytes, maxBuffer: 1 << 26 });
      expect(out.status, String(out.stderr)).toBe(0);
      const img = readPnm(new Uint8Array(out.stdout));
      const data = new Uint8Array(img.width * img.height * img.components);
      for (let c = 0; c < img.components; c++) for (let i = 0; i < img.width * img.height; i++) data[i * img.components + c] = img.planes[c]!.data[i]!;
      return { width: img.width, height: img.height, channels: img.components, data };
    };
    const full = await jpg("full/max/0/default.jpg");
    expect([full.width, full.height, full.channels]).toEqual([1000, 1000, 3]);
    const rnd = new Prng(13);
    for (let k = 0; k < 5; k++) {
      const i = rnd.int(GRID), j = rnd.int(GRID);
      expect(colourNear(full, cx(i), cy(j), 40, squareColour(i, j), 8), `square ${i},${j}`).toBe(true);
    }
    const gray = await jpg("600,0,300,300/150,/0/gray.jpg");
    expect(gray.channels).toBe(1);
    const rot = await jpg("0,0,200,100/max/30/default.jpg");
    expect(rot.channels).toBe(3);
    expect(Array.from(rot.data.subarray(0, 3)).every((v) => v >= 245)).toBe(true); // corner: white background
  });

  it("quality_error_random and format errors: unknown quality or format 400, unimplemented known formats 501", async () => {
    expect(await status(`${base}/full/100,/0/sepia.png`)).toBe(400);
    expect(await status(`${base}/full/100,/0/grey.png`)).toBe(400); // 3.0 spells it gray
    expect(await status(`${base}/full/100,/0/default.xyz`)).toBe(400);
    expect(await status(`${base}/full/100,/0/default`)).toBe(400);
    for (const f of ["tif", "gif", "pdf", "jp2"]) {
      const r = await get(`${base}/full/100,/0/default.${f}`);
      expect(r.status, f).toBe(501);
      expect(await r.text()).toMatch(/not implemented/);
    }
  });
});

describe("HTTP (validator: cors, linkheader_profile, linkheader_canonical, baseurl_redirect) and caching", () => {
  it("CORS on every response, preflight answered", async () => {
    for (const url of [`${base}/info.json`, `${base}/full/100,/0/default.png`, `${srv.url}/iiif/3/nope.jp2/info.json`]) {
      const r = await get(url, { Origin: "https://elsewhere.example" });
      expect(r.headers.get("access-control-allow-origin"), url).toBe("*");
      await r.arrayBuffer();
    }
    const pre = await fetch(`${base}/info.json`, { method: "OPTIONS", headers: { Origin: "https://x.example", "Access-Control-Request-Method": "GET" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toContain("GET");
  });

  it("image responses carry the level2 profile and canonical Link headers", async () => {
    const r = await get(`${base}/pct:0,0,50,50/250,/0/default.png`);
    const link = r.headers.get("link")!;
    expect(link).toContain('<http://iiif.io/api/image/3/level2.json>;rel="profile"');
    expect(link).toContain(`<${base}/0,0,500,500/250,250/0/default.png>;rel="canonical"`);
    await r.arrayBuffer();
    const full = await get(`${base}/full/max/!0/default.png`);
    expect(full.headers.get("link")).toContain(`<${base}/full/max/!0/default.png>;rel="canonical"`);
    await full.arrayBuffer();
  });

  it("baseurl_redirect: the image's base URI redirects (303) to its info.json", async () => {
    const r = await get(base);
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe(`${base}/info.json`);
    expect(await status(`${srv.url}/iiif/3/missing.jp2`)).toBe(404);
  });

  it("ETag and Cache-Control; If-None-Match gives 304; equivalent URLs share the cached tile", async () => {
    const r = await get(`${base}/0,0,256,256/128,/0/default.png`);
    const etag = r.headers.get("etag")!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(r.headers.get("cache-control")).toMatch(/max-age=\d+/);
    await r.arrayBuffer();
    const again = await get(`${base}/0,0,256,256/128,128/0/default.png`, { "If-None-Match": etag });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const other = await get(`${base}/0,0,256,256/64,/0/default.png`, { "If-None-Match": etag });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
    const info = await get(`${base}/info.json`);
    const infoTag = info.headers.get("etag")!;
    await info.arrayBuffer();
    expect((await get(`${base}/info.json`, { "If-None-Match": infoTag })).status).toBe(304);
  });

  it("HEAD works, other methods are 405, unknown paths 404, short image paths 400", async () => {
    const head = await fetch(`${base}/full/50,/0/default.png`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(0);
    expect((await fetch(`${base}/info.json`, { method: "POST" })).status).toBe(405);
    expect(await status(`${srv.url}/elsewhere`)).toBe(404);
    expect(await status(`${base}/full/max/0`)).toBe(400);
    expect(await status(`${base}/%E0%A4%A/info.json`)).toBe(400);
  });

  it("the cache stays within its budget", async () => {
    const tiny = await startIiifServer({ root: folder.dir, cacheMiB: 1 });
    try {
      for (let k = 0; k < 6; k++) expect(await status(`${tiny.url}/iiif/3/grid.jp2/${k * 100},0,100,100/max/0/default.png`)).toBe(200);
      const st = tiny.handler.cacheStats();
      expect(st.bytes).toBeLessThanOrEqual(2 ** 20);
      expect(st.entries).toBeGreaterThan(0);
    } finally {
      await tiny.close();
    }
  });

  it("a changed file gets a new ETag and new pixels", async () => {
    const f = makeGridFolder({ "x.jp2": { levels: 2 } });
    const s = await startIiifServer({ root: f.dir });
    try {
      const a = await get(`${s.url}/iiif/3/x.jp2/full/100,/0/default.png`);
      const ea = a.headers.get("etag");
      const pa = decodePng(new Uint8Array(await a.arrayBuffer()));
      const inverted = gridImage();
      for (let i = 0; i < inverted.data.length; i++) inverted.data[i] = 255 - inverted.data[i]!;
      const { encode } = await import("../../src/encode.js");
      await new Promise((r) => setTimeout(r, 20)); // a different mtime
      writeFileSync(join(f.dir, "x.jp2"), encode(inverted, { format: "jp2", levels: 3 }));
      const b = await get(`${s.url}/iiif/3/x.jp2/full/100,/0/default.png`);
      expect(b.headers.get("etag")).not.toBe(ea);
      const pb = decodePng(new Uint8Array(await b.arrayBuffer()));
      expect(Math.abs(pb.data[0]! - (255 - pa.data[0]!))).toBeLessThanOrEqual(2);
    } finally {
      await s.close();
      f.cleanup();
    }
  });
});

describe("tiles as a viewer requests them", () => {
  it("every tile of every scale factor in info.json is served at its nominal size", async () => {
    const info = (await (await get(`${base}/info.json`)).json()) as { width: number; height: number; tiles: Array<{ width: number; scaleFactors: number[] }> };
    const t = info.tiles[0]!;
    let n = 0;
    for (const s of t.scaleFactors.filter((f) => f >= 4)) {
      const step = t.width * s;
      for (let y = 0; y < info.height; y += step) {
        for (let x = 0; x < info.width; x += step) {
          const w = Math.min(step, info.width - x), h = Math.min(step, info.height - y);
          const ow = Math.ceil(w / s), oh = Math.ceil(h / s);
          const img = await image(`${x},${y},${w},${h}/${ow},${oh}/0/default.png`);
          expect([img.width, img.height]).toEqual([ow, oh]);
          // the square at the tile's top-left corner
          const i = Math.floor(x / SQUARE), j = Math.floor(y / SQUARE);
          if (SQUARE / s >= 8) expectSquare(img, (cx(i) - x) / s, (cy(j) - y) / s, i, j, SQUARE / s / 4);
          n++;
        }
      }
    }
    expect(n).toBeGreaterThan(5);
  });
});

void W;
