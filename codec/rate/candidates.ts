// The contract between a block coder and rate control (docs/ARCHITECTURE.md, "Rate control").
//
// Whatever coded a code-block (EBCOT today, the HT block coder of Part 15 later), rate control
// sees only a list of candidate truncation points per block:
//   - CodeBlock.encNumPasses passes, PassRecord[encNumPasses] at CodeBlock.encPasses
//     (codec/t1/pass_record.ts): the end of pass k is a candidate point with rate R_k =
//     PassRecord[k].rate (cumulative codeword bytes) and distortion D_k = encDist0 − Σ_{i<=k}
//     PassRecord[i].distDecrease, in (quantisation step)² units;
//   - CodeBlock.encDist0: the block's squared error with nothing coded (blockEnergy below);
//   - CodeBlock.encNumBps: magnitude bit-planes (zero bit-planes for T2).
// Rate control chooses, per block and layer, how many passes to send (CodeBlock.encLayerPasses);
// T2 sends them. It never looks at codewords or at how the passes were coded.

/**
 * Squared error of a block of i32 coefficients with nothing coded: Σ (|c| / 2^fracBits)², in
 * (quantisation step)² — the starting point the pass records' distortion decreases count down from.
 */
export function blockEnergy(coef: usize, stride: i32, w: i32, h: i32, fracBits: i32): f64 {
  let sum: f64 = 0;
  for (let y = 0; y < h; y++) {
    let row = coef + ((<usize>y * <usize>stride) << 2);
    let s: f64 = 0;
    for (let x = 0; x < w; x++) {
      let v = <f64>load<i32>(row + (<usize>x << 2));
      s += v * v;
    }
    sum += s;
  }
  let scale = 1.0 / <f64>(<i64>1 << (fracBits << 1));
  return sum * scale;
}
