// The contract between a block coder and rate control (docs/ARCHITECTURE.md, "Rate control").
//
// Whatever coded a code-block (EBCOT today, the HT block coder of Part 15 later), rate control
// sees only a list of candidate truncation points per block:
//   - CodeBlock.encNumPasses passes, PassRecord[encNumPasses] at CodeBlock.encPasses
//     (codec/t1/pass_record.ts): the end of pass k is a candidate point with rate R_k =
//     PassRecord[k].rate (cumulative codeword bytes) and distortion D_k = encDist0 − Σ_{i<=k}
//     PassRecord[i].distDecrease, in (quantisation step)² units;
//   - CodeBlock.encDist0: the block's squared error with nothing coded (blockEnergy);
//   - CodeBlock.encNumBps: magnitude bit-planes (zero bit-planes for T2).
// Rate control chooses, per block and layer, how many passes to send (CodeBlock.encLayerPasses);
// T2 sends them. It never looks at codewords or at how the passes were coded.

/**
 * Squared error of a block of i32 coefficients with nothing coded: Σ (|c| / 2^fracBits)², in
 * (quantisation step)² — the starting point the pass records' distortion decreases count down from
 * (a SIMD kernel with the scalar loop's exact summation order: codec/quant/block_stats.ts).
 */
export { blockEnergy } from "../quant/block_stats";
