// Seeded randomness for loads. Never Math.random: the same seed must give the same stream
// on every machine and at every commit, so the generator's identity is part of the load's
// recorded name (see RNG_ID) and bumping pure-rand's algorithm would show up in the CSV.
import { xoroshiro128plus, unsafeUniformIntDistribution, type RandomGenerator } from 'pure-rand';

export const RNG_ID = 'xoroshiro128plus';

export class Rng {
  private readonly gen: RandomGenerator;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 2^32-1], got ${seed}`);
    }
    this.gen = xoroshiro128plus(seed | 0);
  }

  /** uniform integer in [0, n) */
  int(n: number): number {
    if (!(n >= 1)) throw new RangeError(`Rng.int needs n >= 1, got ${n}`);
    return unsafeUniformIntDistribution(0, n - 1, this.gen);
  }

  /** uniform integer in [lo, hi] */
  range(lo: number, hi: number): number {
    return unsafeUniformIntDistribution(lo, hi, this.gen);
  }

  /** uniform float in [0, 1) with 32 bits of resolution: exact across machines */
  float(): number {
    return (this.gen.unsafeNext() >>> 0) / 4294967296;
  }

  /** true with probability p */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Fisher-Yates shuffle in place */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  }
}
