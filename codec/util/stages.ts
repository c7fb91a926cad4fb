// Stage timers for `bench/stages.mjs` (`npm run build:stages`). J2K_STAGES is a compile-time
// constant (asconfig.json "use"): 0 in the release, SIMD and debug builds, where every call below
// compiles to nothing and the core imports no timer; 1 in the "stages" target, where the host import
// env.j2kStage(stage, enter) records the time (the host owns the clock; the core has none).

/** Tier-1 block coding (EBCOT; HTJ2K blocks are not counted). */
export const STAGE_T1 = 0;
/** Wavelet transform levels (5/3 and 9/7, both directions). */
export const STAGE_DWT = 1;
/** Component transforms, DC shift, clamp and pixel (un)packing. */
export const STAGE_MCT_PACK = 2;
/** HT block encoding (codec/t1/ht_encoder.ts, every set a block gets). */
export const STAGE_HT_ENC = 3;
/** Rate control runs (codec/rate/rate_control.ts: layers formed, T2 trial runs, early-stop checks). */
export const STAGE_RATE = 4;
/**
 * The encoder's 9/7 quantisation of code-blocks and their energy (codec/encode_block.ts; the first
 * read of each block after the forward DWT: 13 % of one-thread saw lossy encode 20 in the "rest" of
 * bench/stages.mjs before it had a stage of its own).
 */
export const STAGE_QUANT = 5;
/** The encoder's final write (codec/codestream/write_codestream.ts: T2 packets, tile-parts, assembly). */
export const STAGE_WRITE = 6;

// @ts-ignore: decorator
@external("env", "j2kStage")
declare function hostStage(stage: i32, enter: i32): void;

/** Entering `stage` (no-op unless built with J2K_STAGES=1). */
// @ts-ignore: decorator
@inline
export function stageEnter(stage: i32): void {
  // @ts-ignore: compile-time constant from asconfig.json
  if (J2K_STAGES) hostStage(stage, 1);
}

/** Leaving `stage`. */
// @ts-ignore: decorator
@inline
export function stageLeave(stage: i32): void {
  // @ts-ignore: compile-time constant from asconfig.json
  if (J2K_STAGES) hostStage(stage, 0);
}
