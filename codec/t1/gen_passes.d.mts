/** Types of gen_passes.mjs (plain JavaScript so the generator runs with node alone). */
/** The generated files: file name (relative to codec/t1) → content. */
export function generate(): Record<string, string>;
