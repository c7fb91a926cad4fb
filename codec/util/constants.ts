// Limits of the 32-bit sample path shared by several stages (one definition each).

/** Most magnitude bit-planes the 32-bit sample path can carry (twice the reconstruction must fit i32). */
export const MAX_BITPLANES: i32 = 30;

/** Most coding passes of a code-block: a cleanup pass for the first bit-plane, then 3 per plane (D.3). */
export const MAX_PASSES: i32 = 3 * MAX_BITPLANES - 2;

/** Largest code-block area (A.6.1: xcb + ycb <= 12). */
export const MAX_BLOCK_SAMPLES: i32 = 4096;
