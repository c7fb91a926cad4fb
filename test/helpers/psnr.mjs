// The suite's one PSNR, written independently of src/metrics.ts on purpose: the product's psnr()
// drives the encoder's PSNR targets, so measuring results with it would let a bug there (wrong peak,
// wrong sample count) move the target and the measurement together and pass. test/unit/metrics.test.ts
// checks that the two agree. Plain JavaScript (with psnr.d.mts) so .mjs scripts can use it too.

/** Sum of squared differences; throws on different lengths. */
function squaredError(want, got) {
  if (want.length !== got.length) throw new Error(`PSNR over arrays of different lengths (${want.length} vs ${got.length})`);
  let se = 0;
  for (let i = 0; i < want.length; i++) {
    const d = want[i] - got[i];
    se += d * d;
  }
  return se;
}

/** PSNR in dB for an MSE and a peak value; Infinity for MSE 0. */
export function psnrFromMse(mse, peak) {
  return mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse);
}

/** PSNR in dB over all samples with an explicit peak value (e.g. the image's own range). */
export function psnrPeak(want, got, peak) {
  return psnrFromMse(squaredError(want, got) / want.length, peak);
}

/** PSNR in dB over all samples, peak 2^bitDepth − 1 (the convention of benchcorpus/PEERS.md). */
export function psnr(want, got, bitDepth) {
  return psnrPeak(want, got, 2 ** bitDepth - 1);
}
