/** The generated files: path relative to the repository → text (scripts/gen-core-interface.mjs). */
export function generate(): Record<string, string>;
