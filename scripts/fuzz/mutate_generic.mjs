// Format-blind mutations: bit flips, byte values, truncation, insertion, block copies and fills.
import { splice } from "./bytes.mjs";

export function mutateGeneric(src, rng) {
  const b = src.slice();
  const n = src.length;
  if (n === 0) return { bytes: Uint8Array.of(rng.int(256)), what: "empty input -> one byte" };
  // most damage near the front, where the headers are
  const pos = () => (rng.chance(0.6) ? rng.int(Math.min(n, 512)) : rng.int(n));
  switch (rng.int(7)) {
    case 0: {
      const at = [];
      for (let i = rng.range(1, 4); i > 0; i--) {
        const p = pos();
        b[p] ^= 1 << rng.int(8);
        at.push(p);
      }
      return { bytes: b, what: `bitflip ${at.join(",")}` };
    }
    case 1: {
      const p = pos();
      const v = rng.pick([0x00, 0xff, 0x80, 0x7f, 0x01, 0xfe, rng.int(256)]);
      b[p] = v;
      return { bytes: b, what: `byte ${p}=0x${v.toString(16)}` };
    }
    case 2: {
      const cut = rng.int(n);
      return { bytes: src.subarray(0, cut), what: `truncate to ${cut}` };
    }
    case 3: {
      const p = pos();
      const ins = Uint8Array.from({ length: rng.range(1, 16) }, () => rng.pick([0xff, 0x4f, 0x51, 0x90, 0x93, 0xd9, 0x00, rng.int(256)]));
      return { bytes: splice(src, p, p, ins), what: `insert ${ins.length} bytes at ${p}` };
    }
    case 4: {
      const len = rng.range(1, Math.min(256, n));
      const from = rng.int(n - len + 1);
      const to = rng.int(n - len + 1);
      b.set(src.subarray(from, from + len), to);
      return { bytes: b, what: `copy ${len} bytes ${from}->${to}` };
    }
    case 5: {
      const p = pos();
      const len = rng.range(1, 64);
      const v = rng.pick([0x00, 0xff]);
      b.fill(v, p, Math.min(n, p + len));
      return { bytes: b, what: `fill ${len} bytes at ${p} with 0x${v.toString(16)}` };
    }
    default: {
      const p = pos();
      const len = rng.range(1, Math.min(64, n - p));
      return { bytes: splice(src, p, p + len), what: `delete ${len} bytes at ${p}` };
    }
  }
}
