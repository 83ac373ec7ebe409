/**
 * A small seeded pseudo-random number generator: xoshiro128** (Blackman & Vigna, 2018) seeded
 * through splitmix32, plus normal deviates by the Box–Muller transform.
 *
 * Everything random in `src/data/` (phantoms, splits) draws from an {@link Rng}, so the same seed
 * gives the same output bit for bit on every platform: the generator uses only 32-bit integer
 * arithmetic (`Math.imul`, shifts) and `Math.log`/`Math.sqrt`/`Math.cos`/`Math.sin`.
 */

/** A seed: a number (its low 32 bits and the integer part above them both count) or any string. */
export type Seed = number | string;

/** Hashes a seed (number or string) to an unsigned 32-bit integer (FNV-1a over its text). */
export function hashSeed(seed: Seed): number {
  const text = typeof seed === 'number' ? `n:${seed}` : `s:${seed}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One step of splitmix32: returns the next state and an output. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

/**
 * A deterministic random stream.
 * @example
 * const rng = new Rng(42);
 * rng.uniform(0, 10); // the same number on every run
 * const noise = rng.fork('noise'); // an independent stream, also reproducible
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | undefined;
  /** The 32-bit seed this stream started from. */
  readonly seed: number;

  /** @param seed any number or string; equal seeds give equal streams. */
  constructor(seed: Seed) {
    this.seed = hashSeed(seed);
    let st = this.seed;
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, z] = splitmix32(st);
      st = next;
      out.push(z);
    }
    [this.s0, this.s1, this.s2, this.s3] = out;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** An independent stream derived from this stream's seed and `key` (does not advance this one). */
  fork(key: Seed): Rng {
    return new Rng(`${this.seed}/${typeof key}:${key}`);
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** A uniform number in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform number in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /**
   * A uniform integer in [lo, hi) (hi exclusive).
   * @throws Error if the range is empty.
   */
  int(lo: number, hi: number): number {
    if (!(hi > lo)) throw new Error(`Rng.int: empty range [${lo}, ${hi})`);
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /** True with probability `p`. */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  /** A normal deviate (Box–Muller; the second value of each pair is kept for the next call). */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + sd * z;
    }
    const u1 = 1 - this.next(); // (0, 1]: log is finite
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return mean + sd * r * Math.cos(2 * Math.PI * u2);
  }

  /**
   * Fills `out` with standard normal deviates (Box–Muller, both values of each pair used). Faster
   * than calling {@link normal} per value; advances the stream by one 32-bit draw per value.
   */
  fillNormal(out: Float32Array | Float64Array): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    const twoPi = 2 * Math.PI;
    const inv = 1 / 4294967296;
    for (let i = 0; i < out.length; i += 2) {
      const draws = [0, 0];
      for (let d = 0; d < 2; d++) {
        const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
        const t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = rotl(s3, 11);
        draws[d] = (result >>> 0) * inv;
      }
      const r = Math.sqrt(-2 * Math.log(1 - draws[0]));
      const th = twoPi * draws[1];
      out[i] = r * Math.cos(th);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(th);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** A uniformly chosen element. @throws Error if `items` is empty. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: no items to pick from');
    return items[this.int(0, items.length)];
  }

  /** An index drawn with probability proportional to `weights` (non-negative, not all zero). */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new Error(`Rng.weighted: weights must have a positive sum, got [${weights.join(', ')}]`);
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
