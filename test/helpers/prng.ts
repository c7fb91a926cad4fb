/**
 * A small seeded pseudo-random generator (Marsaglia's xorshift32 mixed with a Weyl sequence) so
 * that fuzz and property cases reproduce from a printed seed.
 * @module
 */

/** Deterministic random numbers from a 32-bit seed. */
export class Prng {
  private x: number;
  private w = 0;

  constructor(readonly seed: number) {
    this.x = seed >>> 0 || 0x9e3779b9;
  }

  /** Next unsigned 32-bit value. */
  next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    this.w = (this.w + 0x61c88647) >>> 0;
    return (this.x + this.w) >>> 0;
  }

  /** Uniform integer in [0, n) (n ≤ 2^32). */
  int(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.next() / 4294967296) * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }

  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
}
