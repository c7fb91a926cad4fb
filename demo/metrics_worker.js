/**
 * The demo's quality metrics off the main thread: PSNR and SSIM (src/metrics.ts, from the built
 * library) of a decoded image against the reference, so that measuring a 3000×2000 encode does not
 * freeze the page. Messages: `{ id, ref, test, width, height, components, bitDepth }` →
 * `{ id, psnr, ssim }` or `{ id, error }`.
 * @module
 */
import { psnr, ssim } from "../dist/index.js";

self.onmessage = ({ data: m }) => {
  try {
    const out = { id: m.id, psnr: psnr(m.ref, m.test, m.bitDepth), ssim: ssim(m.ref, m.test, m.width, m.height, m.components, m.bitDepth) };
    self.postMessage(out);
  } catch (e) {
    self.postMessage({ id: m.id, error: `${e?.name ?? "Error"}: ${e?.message ?? e}` });
  }
};
