// Exports of this stage (filled in by its implementation).
export function transformVersion(): i32 { return 1; }
