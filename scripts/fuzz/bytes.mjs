// Byte helpers shared by the mutators.

export const u16be = (b, at) => (b[at] << 8) | b[at + 1];
export const u32be = (b, at) => ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
export const u16le = (b, at) => b[at] | (b[at + 1] << 8);
export const u32le = (b, at) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

export function put(b, at, size, v, littleEndian = false) {
  v = size === 4 ? v >>> 0 : v & (2 ** (8 * size) - 1);
  for (let k = 0; k < size; k++) {
    const shift = littleEndian ? 8 * k : 8 * (size - 1 - k);
    b[at + k] = Math.floor(v / 2 ** shift) & 0xff;
  }
}

export function get(b, at, size, littleEndian = false) {
  let v = 0;
  for (let k = 0; k < size; k++) {
    const byte = b[at + (littleEndian ? size - 1 - k : k)];
    v = v * 256 + byte;
  }
  return v;
}

export function cat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Replace b[from, to) with `ins`. */
export function splice(b, from, to, ins = new Uint8Array(0)) {
  return cat(b.subarray(0, from), ins, b.subarray(to));
}

const INTERESTING = {
  1: [0, 1, 2, 7, 8, 15, 16, 31, 32, 33, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xfe, 0xff],
  2: [0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0x7fff, 0x8000, 0xfffe, 0xffff],
  4: [0, 1, 2, 8, 16, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x1000000, 0x40000000, 0x7ffffffe, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff],
};

/** A value for a field of `size` bytes that used to hold `old`. */
export function interestingValue(rng, size, old) {
  const max = 2 ** (8 * size) - 1;
  switch (rng.int(6)) {
    case 0:
    case 1:
      return rng.pick(INTERESTING[size]);
    case 2:
      return Math.max(0, Math.min(max, old + rng.pick([-2, -1, 1, 2, 3, 16, -16])));
    case 3:
      return Math.min(max, old * rng.pick([2, 4, 16, 256]) + rng.int(2));
    case 4:
      return Math.floor(old / rng.pick([2, 3, 16]));
    default:
      return rng.int(max + 1);
  }
}

export function hex(v) {
  return "0x" + v.toString(16);
}
