/**
 * Separable Lanczos-3 resampling of 8-bit interleaved pixels (TypeScript; the IIIF pipeline decodes
 * at the resolution level at or above the requested size, so this step shrinks by less than 2× in
 * each direction and is skipped when the level already has the requested size).
 *
 * Lanczos-3: L(x) = sinc(x)·sinc(x/3) for |x| < 3. When shrinking by a factor s > 1 the kernel is
 * stretched by s (it becomes a low-pass filter at the output's Nyquist frequency), as in
 * ImageMagick's and libvips' resize. Samples outside the source repeat the edge sample. Weights are
 * normalised to sum 1 per output sample; results are rounded and clamped to 0..255.
 * @module
 */

const LOBES = 3;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

function lanczos3(x: number): number {
  const a = Math.abs(x);
  return a < LOBES ? sinc(a) * sinc(a / LOBES) : 0;
}

/** Taps of one axis: for output i, `count[i]` weights from source index `start[i]` (clamped per tap). */
export interface AxisWeights {
  taps: number;
  /** first source index of each output sample (may be negative or past the end: clamped on use) */
  start: Int32Array;
  /** `taps` weights per output sample */
  weight: Float32Array;
}

/** Lanczos-3 weights of one axis from `srcLen` to `dstLen` samples (also used by the migration's streaming resampler). */
export function axisWeights(srcLen: number, dstLen: number): AxisWeights {
  const scale = srcLen / dstLen;
  const stretch = Math.max(1, scale);
  const support = LOBES * stretch;
  const taps = Math.ceil(2 * support) + 1;
  const start = new Int32Array(dstLen);
  const weight = new Float32Array(dstLen * taps);
  for (let i = 0; i < dstLen; i++) {
    // centre of output sample i on the source axis (pixel centres at k + 0.5)
    const centre = (i + 0.5) * scale - 0.5;
    const first = Math.floor(centre - support) + 1;
    start[i] = first;
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      const w = lanczos3((first + t - centre) / stretch);
      weight[i * taps + t] = w;
      sum += w;
    }
    const inv = sum !== 0 ? 1 / sum : 0;
    for (let t = 0; t < taps; t++) weight[i * taps + t]! *= inv;
  }
  return { taps, start, weight };
}

/**
 * Resample `src` (`sw` x `sh`, `channels` interleaved 8-bit samples) to `dw` x `dh`. Returns `src`
 * itself when the size is unchanged.
 */
export function resampleLanczos3(src: Uint8Array, sw: number, sh: number, channels: number, dw: number, dh: number): Uint8Array {
  if (sw === dw && sh === dh) return src;
  const ch = channels;
  // horizontal pass: sh rows of dw samples (float), then vertical into bytes
  let mid: Float32Array;
  if (sw === dw) {
    mid = Float32Array.from(src.subarray(0, sw * sh * ch));
  } else {
    const { taps, start, weight } = axisWeights(sw, dw);
    mid = new Float32Array(dw * sh * ch);
    const last = sw - 1;
    for (let y = 0; y < sh; y++) {
      const rowIn = y * sw * ch;
      const rowOut = y * dw * ch;
      for (let x = 0; x < dw; x++) {
        const s0 = start[x]!;
        const wo = x * taps;
        for (let c = 0; c < ch; c++) {
          let acc = 0;
          for (let t = 0; t < taps; t++) {
            let k = s0 + t;
            k = k < 0 ? 0 : k > last ? last : k;
            acc += weight[wo + t]! * src[rowIn + k * ch + c]!;
          }
          mid[rowOut + x * ch + c] = acc;
        }
      }
    }
  }
  const out = new Uint8Array(dw * dh * ch);
  const rowLen = dw * ch;
  if (sh === dh) {
    for (let i = 0; i < out.length; i++) {
      const v = Math.round(mid[i]!);
      out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    return out;
  }
  const { taps, start, weight } = axisWeights(sh, dh);
  const last = sh - 1;
  const acc = new Float32Array(rowLen);
  for (let y = 0; y < dh; y++) {
    acc.fill(0);
    const s0 = start[y]!;
    for (let t = 0; t < taps; t++) {
      const w = weight[y * taps + t]!;
      if (w === 0) continue;
      let k = s0 + t;
      k = k < 0 ? 0 : k > last ? last : k;
      const row = k * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i]! += w * mid[row + i]!;
    }
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const v = Math.round(acc[i]!);
      out[o + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}
