/**
 * Deterministic randomness for the seeded account. No Math.random: the same seed gives the same
 * account on every machine. Two tools:
 * - `unitAt(seed, stream, index)`: a stateless hash → [0, 1), so item `index` of a huge collection
 *   (200k profiles) can be generated on demand without generating its predecessors;
 * - `Prng`: a small sequential generator (mulberry32) for the small collections (flows, campaigns).
 */

/** Folds a seed given as a number or a string into 32 bits. */
export function seedToInt(seed: number | string): number {
  if (typeof seed === 'number') return seed >>> 0;
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** murmur3's finaliser: a good avalanche for 32-bit inputs. */
function fmix32(input: number): number {
  let h = input >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes (seed, stream, index) to 32 bits; `stream` separates independent attributes. */
export function hashAt(seed: number, stream: number | string, index: number): number {
  const streamInt = typeof stream === 'number' ? stream : seedToInt(stream);
  const lo = index >>> 0;
  const hi = Math.floor(index / 0x100000000) >>> 0;
  return fmix32(fmix32(fmix32(seed ^ 0x9e3779b9) ^ streamInt) ^ fmix32(lo + Math.imul(hi, 0x27d4eb2d)));
}

/** A uniform number in [0, 1) for item `index` of `stream`. */
export function unitAt(seed: number, stream: number | string, index: number): number {
  return hashAt(seed, stream, index) / 0x100000000;
}

export class Prng {
  private state: number;

  constructor(seed: number, stream: string) {
    this.state = hashAt(seed, stream, 0) || 1;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

/** Picks from a list by a unit value (for the stateless generators). */
export function pickBy<T>(items: readonly T[], unit: number): T {
  const item = items[Math.min(items.length - 1, Math.floor(unit * items.length))];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
