// Bounds-checked big-endian reader over a byte range of linear memory (codestream headers).
// Every read checks the end; running past it raises the reader's `truncCode` with the offset
// relative to the start of the input, so the error names the stage (main header, tile header...).

import { fail } from "../util/fail";

@unmanaged
export class Reader {
  /** Start of the whole input (offsets in errors are relative to it). */
  origin: usize;
  pos: usize;
  end: usize;
  /** Error code raised when a read runs past `end`. */
  truncCode: i32;
}

export function readerInit(r: Reader, origin: usize, pos: usize, end: usize, truncCode: i32): void {
  r.origin = origin;
  r.pos = pos;
  r.end = end;
  r.truncCode = truncCode;
}

// @ts-ignore: decorator
@inline
export function readerOffset(r: Reader): i32 {
  return <i32>(r.pos - r.origin);
}

// @ts-ignore: decorator
@inline
export function readerLeft(r: Reader): usize {
  return r.pos < r.end ? r.end - r.pos : 0;
}

export function need(r: Reader, n: usize): void {
  if (r.pos > r.end || r.end - r.pos < n) fail(r.truncCode, readerOffset(r));
}

export function rdU8(r: Reader): u32 {
  need(r, 1);
  let v = <u32>load<u8>(r.pos);
  r.pos += 1;
  return v;
}

export function rdU16(r: Reader): u32 {
  need(r, 2);
  let v = (<u32>load<u8>(r.pos) << 8) | <u32>load<u8>(r.pos + 1);
  r.pos += 2;
  return v;
}

export function rdU32(r: Reader): u32 {
  need(r, 4);
  let p = r.pos;
  let v = (<u32>load<u8>(p) << 24) | (<u32>load<u8>(p + 1) << 16) | (<u32>load<u8>(p + 2) << 8) | <u32>load<u8>(p + 3);
  r.pos += 4;
  return v;
}

export function skip(r: Reader, n: usize): void {
  need(r, n);
  r.pos += n;
}

/** Peek a big-endian u16 at `p` (caller checked bounds). */
// @ts-ignore: decorator
@inline
export function peekU16(p: usize): u32 {
  return (<u32>load<u8>(p) << 8) | <u32>load<u8>(p + 1);
}
