// Bounds-checked big-endian byte writer for marker segments (encoder).

import { fail } from "../util/fail";
import { ERR_ENCODE_OVERFLOW } from "../util/error_codes";

@unmanaged
export class Writer {
  start: usize;
  pos: usize;
  end: usize;
}

export function writerInit(w: Writer, start: usize, cap: usize): void {
  w.start = start;
  w.pos = start;
  w.end = start + cap;
}

// @ts-ignore: decorator
@inline
function room(w: Writer, n: usize): void {
  if (w.pos + n > w.end) fail(ERR_ENCODE_OVERFLOW, <i32>(w.pos - w.start));
}

export function wrU8(w: Writer, v: u32): void {
  room(w, 1);
  store<u8>(w.pos, <u8>v);
  w.pos += 1;
}

export function wrU16(w: Writer, v: u32): void {
  room(w, 2);
  store<u8>(w.pos, <u8>(v >> 8));
  store<u8>(w.pos + 1, <u8>v);
  w.pos += 2;
}

export function wrU32(w: Writer, v: u32): void {
  room(w, 4);
  store<u8>(w.pos, <u8>(v >> 24));
  store<u8>(w.pos + 1, <u8>(v >> 16));
  store<u8>(w.pos + 2, <u8>(v >> 8));
  store<u8>(w.pos + 3, <u8>v);
  w.pos += 4;
}

export function wrBytes(w: Writer, src: usize, n: usize): void {
  room(w, n);
  memory.copy(w.pos, src, n);
  w.pos += n;
}

/** Bytes written so far. */
// @ts-ignore: decorator
@inline
export function writerLength(w: Writer): i32 {
  return <i32>(w.pos - w.start);
}

/** Patch a big-endian u16 / u32 at byte offset `at` from the start. */
export function patchU16(w: Writer, at: i32, v: u32): void {
  let p = w.start + <usize>at;
  store<u8>(p, <u8>(v >> 8));
  store<u8>(p + 1, <u8>v);
}

export function patchU32(w: Writer, at: i32, v: u32): void {
  let p = w.start + <usize>at;
  store<u8>(p, <u8>(v >> 24));
  store<u8>(p + 1, <u8>(v >> 16));
  store<u8>(p + 2, <u8>(v >> 8));
  store<u8>(p + 3, <u8>v);
}
