/**
 * IIIF Image API 3.0 parameter rules (§4.1-4.7) as pure functions: canonical forms, limits,
 * the reduce choice and the resampler's basic properties.
 */
import { describe, expect, it } from "vitest";
import { IiifError, resolveRequest, resolveSize } from "../../src/iiif/params.js";
import { chooseReduce } from "../../src/iiif/pipeline.js";
import { resampleLanczos3 } from "../../src/iiif/resample.js";
import type { HeaderInfo } from "../../src/types.js";

const FORMATS = ["png", "jpg"] as const;

function canonical(path: string, w = 1000, h = 800, limits = {}): string {
  const [region, size, rotation, qf] = path.split("/") as [string, string, string, string];
  const [quality, format] = qf.split(".") as [string, string];
  return resolveRequest({ region, size, rotation, quality, format }, w, h, limits, FORMATS).canonical;
}

describe("canonical form (§4.7)", () => {
  it("region full or x,y,w,h; size max or w,h (^ when upscaled); rotation as a decimal", () => {
    expect(canonical("full/max/0/default.jpg")).toBe("full/max/0/default.jpg");
    expect(canonical("0,0,1000,800/1000,/360/default.jpg")).toBe("full/max/0/default.jpg");
    expect(canonical("square/max/0/gray.png")).toBe("100,0,800,800/max/0/gray.png");
    expect(canonical("pct:10,10,50,50/pct:50/90.50/color.jpg")).toBe("100,80,500,400/250,200/90.5/color.jpg");
    expect(canonical("0,0,100,100/^!300,200/!22.50000/bitonal.png")).toBe("0,0,100,100/^200,200/!22.5/bitonal.png");
    expect(canonical("full/max/0/default.jpg", 1000, 800, { maxWidth: 500 })).toBe("full/max/0/default.jpg");
    expect(canonical("full/500,400/0/default.jpg", 1000, 800, { maxWidth: 500 })).toBe("full/max/0/default.jpg");
  });

  it("errors carry the status: 400 invalid, 501 known format not written", () => {
    const status = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as IiifError).status;
      }
      return 200;
    };
    expect(status(() => canonical("full/max/0/default.tif"))).toBe(501);
    expect(status(() => canonical("full/max/0/default.bmp"))).toBe(400);
    expect(status(() => canonical("full/max/0/native.jpg"))).toBe(400); // 2.x quality name
  });
});

describe("size limits (§4.2, §5.3)", () => {
  it("max fits maxWidth, maxHeight and maxArea keeping the aspect ratio", () => {
    expect(resolveSize("max", 4000, 2000, { maxWidth: 1000 })).toMatchObject({ w: 1000, h: 500 });
    expect(resolveSize("max", 4000, 2000, { maxHeight: 100 })).toMatchObject({ w: 200, h: 100 });
    const a = resolveSize("max", 3000, 2000, { maxArea: 600_000 });
    expect(a.w * a.h).toBeLessThanOrEqual(600_000);
    expect(a.w / a.h).toBeCloseTo(1.5, 1);
    expect(resolveSize("^max", 100, 50, { maxWidth: 400 })).toMatchObject({ w: 400, h: 200 });
    expect(resolveSize("^max", 100, 50, {})).toMatchObject({ w: 100, h: 50 });
  });
});

describe("resolution level choice", () => {
  const h = { x0: 0, y0: 0, width: 16384, height: 16384, levels: 6 } as HeaderInfo;
  it("is the largest reduce that still has the requested size", () => {
    expect(chooseReduce(h, { x: 0, y: 0, w: 16384, h: 16384 }, 256, 256)).toBe(6);
    expect(chooseReduce(h, { x: 0, y: 0, w: 16384, h: 16384 }, 257, 256)).toBe(5);
    expect(chooseReduce(h, { x: 4096, y: 0, w: 1024, h: 1024 }, 256, 256)).toBe(2);
    expect(chooseReduce(h, { x: 4096, y: 0, w: 1024, h: 1024 }, 300, 200)).toBe(1);
    expect(chooseReduce(h, { x: 0, y: 0, w: 100, h: 100 }, 400, 400)).toBe(0); // upscaling
    // odd origins: the reduced region of 3 samples starting at 1 is ceil(4/2)-ceil(1/2) = 1 at reduce 1
    expect(chooseReduce(h, { x: 1, y: 1, w: 3, h: 3 }, 2, 2)).toBe(0);
  });
});

describe("Lanczos-3 resampling", () => {
  it("keeps a flat image flat and returns the input when the size is unchanged", () => {
    const src = new Uint8Array(37 * 23 * 3).fill(77);
    const out = resampleLanczos3(src, 37, 23, 3, 16, 9);
    expect(out.length).toBe(16 * 9 * 3);
    expect(new Set(out)).toEqual(new Set([77]));
    expect(resampleLanczos3(src, 37, 23, 3, 37, 23)).toBe(src);
  });

  it("halving a 2-pixel stripe pattern gives its mean (the filter is a low-pass)", () => {
    const w = 64, h = 8;
    const src = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) src[y * w + x] = x & 1 ? 200 : 0;
    const out = resampleLanczos3(src, w, h, 1, 32, 8);
    for (let x = 4; x < 28; x++) expect(Math.abs(out[3 * 32 + x]! - 100)).toBeLessThanOrEqual(2);
  });
});
