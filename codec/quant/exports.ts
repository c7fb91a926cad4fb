// Exports of the quantisation stage (Annex E; ROI max-shift of Annex H.1).
// Re-exported through codec/transform/exports.ts so that codec/index.ts needs no change.

export { dequantCopyRev, dequantCopyIrr } from "./dequantize";
export { quantizeCopyIrr, quantizeCopyIrrMax, copyRev } from "./quantize";
export { stepSizeEncode, stepSizeDecode, stepSizeDerivedExponent, subbandGainLog2, bandMagnitudeBits } from "./step_size";
export { maxAbsF32, blockEnergy, blockEnergySmall } from "./block_stats";
