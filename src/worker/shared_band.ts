/**
 * The buffer a band job of threaded decoding shares with the calling thread (src/worker/threads.ts
 * lends it, src/worker/split_decode.ts writes the band into it): its header words and states.
 * @module
 */

/**
 * A band's samples in a buffer the calling thread shares with the band's worker (src/worker/threads.ts
 * lends it where SharedArrayBuffer exists): a header of Int32 words, then the samples. The job
 * writes the band into it strip by strip and publishes the rows in place after each strip, so that
 * the calling thread, once its own band is done, copies them into the image while the job decodes
 * its last strips — instead of copying the whole band after the job's answer has travelled back —
 * and no buffer of the band's size arrives on the calling thread per call (every such arrival
 * counts there as new external memory, which brings V8's collections forward).
 * Words: {@link SHARED_STATE} (one of {@link SharedBandState}), {@link SHARED_ROWS} (rows from the top
 * in place, published after them with Atomics.store), {@link SHARED_Y0} / {@link SHARED_Y1} (the band's rows).
 */
export const SHARED_BAND_HEADER = 64;
export const SHARED_STATE = 0;
export const SHARED_ROWS = 1;
export const SHARED_Y0 = 2;
export const SHARED_Y1 = 3;
/** States of a shared band buffer: lent (set by the calling thread), being written, complete, or not used by the job (its answer carries the samples). */
export const SharedBandState = { lent: 0, writing: 1, complete: 2, unused: 3 } as const;

/** The header words of a shared band buffer. */
export function sharedBandWords(shared: SharedArrayBuffer): Int32Array {
  return new Int32Array(shared, 0, SHARED_BAND_HEADER / 4);
}

/** Sets a shared band's state and wakes the calling thread if it waits on the rows word. */
export function setSharedState(words: Int32Array, state: number): void {
  Atomics.store(words, SHARED_STATE, state);
  Atomics.notify(words, SHARED_ROWS);
}
