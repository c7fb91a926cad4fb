/**
 * What a reduced-resolution decode of a reversible (5/3) codestream must give, computed from the
 * input image alone, following ISO/IEC 15444-1:
 *
 * - DC level shift of unsigned components (G.1.2), then the forward RCT on the first three
 *   components when the codestream uses it (G.2.1);
 * - per tile (B.3) and tile-component, N levels of the forward 2-D 5/3 transform (F.4.2: each
 *   level filters every column, then every row, with the reversible lifting steps of F.4.8.2 on the
 *   absolute coordinates, so that the parity of the tile origin decides which samples are low-pass,
 *   and whole-sample symmetric extension F.3.7 / F.4.8.1);
 * - the LL band left after N levels is, for a reversible codestream, exactly what the decoder
 *   reconstructs from resolutions 0 … NL−N (each inverse level undoes one forward level exactly);
 *   it covers [ceil(tcx0 / 2^N), ceil(tcx1 / 2^N)) (B.5), i.e. the reduced image grid;
 * - then the inverse RCT (G.2.2), the inverse DC shift and the clamp to the component's range, which
 *   every decoder applies to its output.
 * @module
 */
import type { J2kImage } from "../../src/types.js";

/** Floor division for integers (exact for the magnitudes used here). */
const fdiv = (a: number, b: number) => Math.floor(a / b);

/**
 * Forward 1-D 5/3 reversible transform in place over samples `x[0..n)` whose first sample sits at
 * absolute coordinate `i0` (F.4.8.2). Even absolute coordinates are low-pass, odd are high-pass.
 */
function forward53(x: Int32Array | number[], n: number, i0: number): void {
  if (n === 1) {
    // F.4.8.2: a single sample at an odd coordinate is doubled (it is a high-pass sample)
    if (i0 % 2 !== 0) x[0] = 2 * x[0]!;
    return;
  }
  // whole-sample symmetric extension (F.3.7): index -k → k, n-1+k → n-1-k
  const at = (a: ArrayLike<number>, k: number) => a[k < 0 ? -k : k >= n ? 2 * (n - 1) - k : k]!;
  const src = Array.from(x as ArrayLike<number>);
  const y = src.slice();
  // step 1 (odd coordinates): Y(2n+1) = X(2n+1) − floor((X(2n) + X(2n+2)) / 2)
  for (let k = 0; k < n; k++) if ((i0 + k) % 2 !== 0) y[k] = src[k]! - fdiv(at(src, k - 1) + at(src, k + 1), 2);
  // step 2 (even coordinates): Y(2n) = X(2n) + floor((Y(2n−1) + Y(2n+1) + 2) / 4); the odd Y outside
  // the signal mirror the ones inside (the extension commutes with the symmetric lifting step)
  for (let k = 0; k < n; k++) if ((i0 + k) % 2 === 0) y[k] = src[k]! + fdiv(at(y, k - 1) + at(y, k + 1) + 2, 4);
  for (let k = 0; k < n; k++) x[k] = y[k]!;
}

/**
 * N levels of the 2-D forward transform of a `w`×`h` array whose top-left sample is at absolute
 * (u0, v0); returns the LL band and its size.
 */
export function lowBand53(samples: Int32Array, w: number, h: number, u0: number, v0: number, N: number): { data: Int32Array; w: number; h: number } {
  let cur = samples.slice();
  let cw = w, ch = h, cu0 = u0, cv0 = v0;
  for (let level = 0; level < N && cw > 0 && ch > 0; level++) {
    // columns first, then rows (F.4.2, 2D_SD)
    const col = new Int32Array(ch);
    for (let x = 0; x < cw; x++) {
      for (let y = 0; y < ch; y++) col[y] = cur[y * cw + x]!;
      forward53(col, ch, cv0);
      for (let y = 0; y < ch; y++) cur[y * cw + x] = col[y]!;
    }
    const row = new Int32Array(cw);
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) row[x] = cur[y * cw + x]!;
      forward53(row, cw, cu0);
      for (let x = 0; x < cw; x++) cur[y * cw + x] = row[x]!;
    }
    // keep the low-pass samples: even absolute coordinates
    const nu0 = Math.ceil(cu0 / 2), nu1 = Math.ceil((cu0 + cw) / 2);
    const nv0 = Math.ceil(cv0 / 2), nv1 = Math.ceil((cv0 + ch) / 2);
    const nw = nu1 - nu0, nh = nv1 - nv0;
    const next = new Int32Array(nw * nh);
    const fx = cu0 % 2 === 0 ? 0 : 1, fy = cv0 % 2 === 0 ? 0 : 1;
    for (let y = 0; y < nh; y++) for (let x = 0; x < nw; x++) next[y * nw + x] = cur[(fy + 2 * y) * cw + fx + 2 * x]!;
    cur = next;
    cw = nw;
    ch = nh;
    cu0 = nu0;
    cv0 = nv0;
  }
  return { data: cur, w: cw, h: ch };
}

/** Geometry of the reference grid needed here (A.5.1). */
export interface GridGeometry {
  x0: number;
  y0: number;
  /** Tile grid; undefined: one tile covering the image. */
  tile?: { width: number; height: number; x0: number; y0: number };
}

/**
 * The reduce-N output (component planes, pixel-interleaved like decode()) of a reversible codestream
 * made from `image` (no sub-sampling) with or without RCT.
 */
export function expectedReduce53(image: J2kImage, grid: GridGeometry, rct: boolean, N: number): { width: number; height: number; data: Int32Array } {
  const { width: W, height: H, components: C, bitDepth, signed } = image;
  const X0 = grid.x0, Y0 = grid.y0, X1 = X0 + W, Y1 = Y0 + H;
  const shift = signed ? 0 : 2 ** (bitDepth - 1);
  // DC shift (G.1.2) and RCT (G.2.1) on component planes
  const planes = Array.from({ length: C }, (_, c) => {
    const p = new Int32Array(W * H);
    for (let i = 0; i < W * H; i++) p[i] = image.data[i * C + c]! - shift;
    return p;
  });
  if (rct) {
    for (let i = 0; i < W * H; i++) {
      const r = planes[0]![i]!, g = planes[1]![i]!, b = planes[2]![i]!;
      planes[0]![i] = fdiv(r + 2 * g + b, 4);
      planes[1]![i] = b - g;
      planes[2]![i] = r - g;
    }
  }
  const s = 2 ** N;
  const gx0 = Math.ceil(X0 / s), gy0 = Math.ceil(Y0 / s);
  const ow = Math.ceil(X1 / s) - gx0, oh = Math.ceil(Y1 / s) - gy0;
  const out = Array.from({ length: C }, () => new Int32Array(ow * oh));
  const t = grid.tile ?? { width: X1, height: Y1, x0: 0, y0: 0 };
  const nx = Math.ceil((X1 - t.x0) / t.width), ny = Math.ceil((Y1 - t.y0) / t.height);
  for (let q = 0; q < ny; q++) {
    for (let p = 0; p < nx; p++) {
      // B.3: the tile's extent on the reference grid
      const tx0 = Math.max(t.x0 + p * t.width, X0), tx1 = Math.min(t.x0 + (p + 1) * t.width, X1);
      const ty0 = Math.max(t.y0 + q * t.height, Y0), ty1 = Math.min(t.y0 + (q + 1) * t.height, Y1);
      const tw = tx1 - tx0, th = ty1 - ty0;
      for (let c = 0; c < C; c++) {
        const tileSamples = new Int32Array(tw * th);
        for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) tileSamples[y * tw + x] = planes[c]![(ty0 - Y0 + y) * W + (tx0 - X0 + x)]!;
        const ll = lowBand53(tileSamples, tw, th, tx0, ty0, N);
        const ox = Math.ceil(tx0 / s) - gx0, oy = Math.ceil(ty0 / s) - gy0;
        for (let y = 0; y < ll.h; y++) for (let x = 0; x < ll.w; x++) out[c]![(oy + y) * ow + ox + x] = ll.data[y * ll.w + x]!;
      }
    }
  }
  // inverse RCT (G.2.2), inverse DC shift, clamp to the component range
  const lo = signed ? -(2 ** (bitDepth - 1)) : 0;
  const hi = signed ? 2 ** (bitDepth - 1) - 1 : 2 ** bitDepth - 1;
  const data = new Int32Array(ow * oh * C);
  for (let i = 0; i < ow * oh; i++) {
    let v = out.map((o) => o[i]!);
    if (rct) {
      const [y0, u, w] = v as [number, number, number];
      const g = y0 - fdiv(u + w, 4);
      v = [w + g, g, u + g, ...v.slice(3)];
    }
    for (let c = 0; c < C; c++) data[i * C + c] = Math.max(lo, Math.min(hi, v[c]! + shift));
  }
  return { width: ow, height: oh, data };
}
