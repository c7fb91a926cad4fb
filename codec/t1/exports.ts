// Exports of this stage (filled in by its implementation).
export function t1Version(): i32 { return 1; }
