// Error exit of the core. `j2kFail` is provided by the TypeScript host and throws a J2kError,
// which unwinds every WebAssembly frame back to the caller (no trap, the instance stays usable).
// Every job starts with `jobBegin()`, which resets the arena, so nothing leaks on failure.

@external("env", "j2kFail")
declare function j2kFail(code: i32, offset: i32, detail0: i32, detail1: i32): void;

/** Raise error `code` (codec/util/error_codes.ts). `offset`: byte offset in the input, or -1. */
// @ts-ignore: decorator
@inline
export function fail(code: i32, offset: i32 = -1, detail0: i32 = 0, detail1: i32 = 0): void {
  j2kFail(code, offset, detail0, detail1);
  unreachable();
}
