/**
 * Pixel steps of the IIIF pipeline on 8-bit interleaved images: conversion of decoded samples to
 * 8 bits, the qualities of Image API 3.0 §4.4 (gray, bitonal), mirroring and rotation (§4.3).
 * @module
 */
import type { DecodedImage } from "../types.js";

/** 8-bit interleaved pixels: 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA) channels. */
export interface Pixels {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/**
 * 8-bit pixels from a decoded image. Each component is scaled from its own precision to 0..255
 * (signed samples offset by 2^(b-1) first). `alpha` says whether the last decoded component is an
 * opacity channel (JP2 cdef); otherwise only the first 1 or 3 components are kept.
 */
export function toPixels(img: DecodedImage, alpha: boolean): Pixels {
  const C = img.components;
  const colour = C >= 3;
  const outCh = (colour ? 3 : 1) + (alpha && (colour ? C >= 4 : C >= 2) ? 1 : 0);
  const srcIdx: number[] = colour ? [0, 1, 2] : [0];
  if (outCh === srcIdx.length + 1) srcIdx.push(C - 1);
  const n = img.width * img.height;
  const data = img.data;
  // already what we want: 8-bit unsigned samples, exactly the channels kept
  if (outCh === C && data instanceof Uint8Array && img.componentInfo.every((ci) => ci.bitDepth === 8 && !ci.signed)) {
    return { width: img.width, height: img.height, channels: C, data: data.subarray(0, n * C) };
  }
  const out = new Uint8Array(n * outCh);
  for (let j = 0; j < outCh; j++) {
    const comp = srcIdx[j]!;
    const info = img.componentInfo[comp] ?? { bitDepth: img.bitDepth, signed: img.signed };
    const bits = info.bitDepth;
    const offset = info.signed ? 2 ** (bits - 1) : 0;
    const max = 2 ** bits - 1;
    if (bits === 8 && offset === 0) {
      for (let i = 0, s = comp; i < n; i++, s += C) out[i * outCh + j] = data[s]!;
    } else {
      const k = 255 / max;
      for (let i = 0, s = comp; i < n; i++, s += C) {
        let v = data[s]! + offset;
        v = v < 0 ? 0 : v > max ? max : v;
        out[i * outCh + j] = Math.round(v * k);
      }
    }
  }
  return { width: img.width, height: img.height, channels: outCh, data: out };
}

/** Luma of Rec. ITU-R BT.601 (0.299 R + 0.587 G + 0.114 B), alpha kept. Grey input is returned as is. */
export function toGray(p: Pixels): Pixels {
  if (p.channels <= 2) return p;
  const alpha = p.channels === 4;
  const outCh = alpha ? 2 : 1;
  const n = p.width * p.height;
  const out = new Uint8Array(n * outCh);
  const d = p.data;
  for (let i = 0, s = 0; i < n; i++, s += p.channels) {
    out[i * outCh] = (299 * d[s]! + 587 * d[s + 1]! + 114 * d[s + 2]! + 500) / 1000 | 0;
    if (alpha) out[i * outCh + 1] = d[s + 3]!;
  }
  return { width: p.width, height: p.height, channels: outCh, data: out };
}

/** Bitonal (§4.4): grey threshold at 128 to 0 or 255 (alpha kept). */
export function toBitonal(p: Pixels): Pixels {
  const g = toGray(p);
  const out = new Uint8Array(g.data.length);
  const ch = g.channels;
  for (let i = 0; i < g.data.length; i += ch) {
    out[i] = g.data[i]! >= 128 ? 255 : 0;
    if (ch === 2) out[i + 1] = g.data[i + 1]!;
  }
  return { ...g, data: out };
}

/** Drop an alpha channel by compositing over white (for formats without transparency). */
export function flattenAlpha(p: Pixels): Pixels {
  if (p.channels !== 2 && p.channels !== 4) return p;
  const ch = p.channels - 1;
  const n = p.width * p.height;
  const out = new Uint8Array(n * ch);
  for (let i = 0; i < n; i++) {
    const a = p.data[i * p.channels + ch]!;
    for (let c = 0; c < ch; c++) {
      out[i * ch + c] = Math.round((p.data[i * p.channels + c]! * a + 255 * (255 - a)) / 255);
    }
  }
  return { width: p.width, height: p.height, channels: ch, data: out };
}

/** Mirror left-right (§4.3: "!" mirrors before rotating). */
export function mirror(p: Pixels): Pixels {
  const { width: w, height: h, channels: ch } = p;
  const out = new Uint8Array(p.data.length);
  for (let y = 0; y < h; y++) {
    const row = y * w * ch;
    for (let x = 0; x < w; x++) {
      const s = row + x * ch, d = row + (w - 1 - x) * ch;
      for (let c = 0; c < ch; c++) out[d + c] = p.data[s + c]!;
    }
  }
  return { ...p, data: out };
}

/** Rotate clockwise by 90, 180 or 270 degrees (exact: samples only move). */
export function rotateRight(p: Pixels, degrees: 90 | 180 | 270): Pixels {
  const { width: w, height: h, channels: ch } = p;
  const ow = degrees === 180 ? w : h;
  const oh = degrees === 180 ? h : w;
  const out = new Uint8Array(p.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let ox: number, oy: number;
      if (degrees === 90) {
        ox = h - 1 - y;
        oy = x;
      } else if (degrees === 180) {
        ox = w - 1 - x;
        oy = h - 1 - y;
      } else {
        ox = y;
        oy = w - 1 - x;
      }
      const s = (y * w + x) * ch, d = (oy * ow + ox) * ch;
      for (let c = 0; c < ch; c++) out[d + c] = p.data[s + c]!;
    }
  }
  return { width: ow, height: oh, channels: ch, data: out };
}

/**
 * Rotate clockwise by any angle with bilinear interpolation. The result is the bounding box of the
 * rotated image (§4.3: "the dimensions of the returned image ... are those of the bounding box");
 * the corners outside the image are transparent (an alpha channel is added if there is none).
 */
export function rotateArbitrary(p: Pixels, degrees: number): Pixels {
  const { width: w, height: h } = p;
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t), sin = Math.sin(t);
  const ow = Math.max(1, Math.round(Math.abs(w * cos) + Math.abs(h * sin)));
  const oh = Math.max(1, Math.round(Math.abs(w * sin) + Math.abs(h * cos)));
  const inCh = p.channels;
  const hasAlpha = inCh === 2 || inCh === 4;
  const colourCh = hasAlpha ? inCh - 1 : inCh;
  const outCh = colourCh + 1;
  const out = new Uint8Array(ow * oh * outCh);
  const cx = w / 2, cy = h / 2, ocx = ow / 2, ocy = oh / 2;
  const px = new Float64Array(outCh);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      // inverse mapping of the output pixel centre into the source (rotate by -t)
      const dx = ox + 0.5 - ocx, dy = oy + 0.5 - ocy;
      const sx = cos * dx + sin * dy + cx - 0.5;
      const sy = -sin * dx + cos * dy + cy - 0.5;
      if (sx < -0.5 || sy < -0.5 || sx > w - 0.5 || sy > h - 0.5) continue; // transparent
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      const fx = sx - x0, fy = sy - y0;
      px.fill(0);
      for (let k = 0; k < 4; k++) {
        const xx = Math.min(w - 1, Math.max(0, x0 + (k & 1)));
        const yy = Math.min(h - 1, Math.max(0, y0 + (k >> 1)));
        const wgt = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
        if (wgt === 0) continue;
        const s = (yy * w + xx) * inCh;
        const a = hasAlpha ? p.data[s + colourCh]! : 255;
        for (let c = 0; c < colourCh; c++) px[c]! += wgt * p.data[s + c]! * a;
        px[colourCh]! += wgt * a;
      }
      const d = (oy * ow + ox) * outCh;
      const alpha = px[colourCh]!;
      if (alpha > 0) for (let c = 0; c < colourCh; c++) out[d + c] = Math.min(255, Math.round(px[c]! / alpha));
      out[d + colourCh] = Math.min(255, Math.round(alpha));
    }
  }
  return { width: ow, height: oh, channels: outCh, data: out };
}

/** A copy of the `w` x `h` rectangle of `p` at (`x`, `y`) (which must lie inside `p`). */
export function crop(p: Pixels, x: number, y: number, w: number, h: number): Pixels {
  const ch = p.channels;
  const out = new Uint8Array(w * h * ch);
  const row = w * ch;
  for (let j = 0; j < h; j++) {
    const s = ((y + j) * p.width + x) * ch;
    out.set(p.data.subarray(s, s + row), j * row);
  }
  return { width: w, height: h, channels: ch, data: out };
}
