export function encoderVersion(): i32 { return 1; }
