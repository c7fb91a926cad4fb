/** PSNR in dB for an MSE and a peak value; Infinity for MSE 0. */
export declare function psnrFromMse(mse: number, peak: number): number;
/** PSNR in dB over all samples with an explicit peak value. */
export declare function psnrPeak(want: ArrayLike<number>, got: ArrayLike<number>, peak: number): number;
/** PSNR in dB over all samples, peak 2^bitDepth − 1. */
export declare function psnr(want: ArrayLike<number>, got: ArrayLike<number>, bitDepth: number): number;
