// Deterministic random numbers for the fuzzer: a case is reproduced from (run seed, case index).

/** 32-bit FNV-1a hash of a string (run seeds may be words: "ci", "main1"). */
export function hashSeed(s) {
  let h = 0x811c9dc5;
  for (const ch of String(s)) {
    h ^= ch.codePointAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** xorshift32 mixed with a Weyl sequence (same generator as test/helpers/prng.ts). */
export class Prng {
  constructor(seed) {
    this.x = seed >>> 0 || 0x9e3779b9;
    this.w = 0;
  }
  /** The generator for case `index` of run `seed` (independent of how many cases ran before). */
  static forCase(seed, index) {
    const p = new Prng(hashSeed(`${seed}#${index}`));
    for (let i = 0; i < 4; i++) p.next();
    return p;
  }
  next() {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    this.w = (this.w + 0x61c88647) >>> 0;
    return (this.x + this.w) >>> 0;
  }
  /** Integer in [0, n). */
  int(n) {
    return n <= 1 ? 0 : Math.floor((this.next() / 4294967296) * n);
  }
  /** Integer in [lo, hi]. */
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  chance(p) {
    return this.next() / 4294967296 < p;
  }
  pick(list) {
    return list[this.int(list.length)];
  }
  /** Pick from [{ weight, ... }]. */
  weighted(list) {
    const total = list.reduce((a, x) => a + x.weight, 0);
    let r = (this.next() / 4294967296) * total;
    for (const x of list) {
      r -= x.weight;
      if (r < 0) return x;
    }
    return list[list.length - 1];
  }
}
