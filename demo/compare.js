/**
 * Comparing a decoded image with the original in the demo: the original cropped to the decoded
 * region, and an amplified difference image.
 * @module
 */

/**
 * The part of `image` (interleaved J2kImage) inside `region` (clipped to the image, as `decode`
 * clips it), or the image itself without a region.
 */
export function cropImage(image, region) {
  if (!region) return image;
  const x0 = Math.max(0, Math.min(image.width, region.x));
  const y0 = Math.max(0, Math.min(image.height, region.y));
  const w = Math.max(0, Math.min(image.width, region.x + region.width) - x0);
  const h = Math.max(0, Math.min(image.height, region.y + region.height) - y0);
  const C = image.components;
  const data = new image.data.constructor(w * h * C);
  for (let y = 0; y < h; y++) {
    const from = ((y0 + y) * image.width + x0) * C;
    data.set(image.data.subarray(from, from + w * C), y * w * C);
  }
  return { ...image, width: w, height: h, data, componentInfo: (image.componentInfo ?? []).map((c) => ({ ...c, width: w, height: h })) };
}

/**
 * Difference image of `decoded` − `original` (same size and components) for display: mid-grey
 * (128) where they agree, each colour channel moved by `gain` × the difference scaled to 8 bits,
 * so that small coding errors become visible. Alpha is shown opaque. Also returns the largest
 * absolute difference in sample units.
 */
export function amplifiedDifference(decoded, original, gain) {
  const { width, height, components: C } = decoded;
  const out = new ImageData(width, height);
  const px = out.data;
  const scale = (gain * 255) / (2 ** decoded.bitDepth - 1);
  const colour = C >= 3 ? [0, 1, 2] : [0, 0, 0];
  let maxAbs = 0;
  for (let p = 0, i = 0; p < width * height; p++, i += C) {
    for (let c = 0; c < C; c++) {
      const d = Math.abs(decoded.data[i + c] - original.data[i + c]);
      if (d > maxAbs) maxAbs = d;
    }
    for (let k = 0; k < 3; k++) px[4 * p + k] = 128 + (decoded.data[i + colour[k]] - original.data[i + colour[k]]) * scale;
    px[4 * p + 3] = 255;
  }
  return { imageData: out, maxAbs };
}
