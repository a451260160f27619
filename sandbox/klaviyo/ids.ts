/** Deterministic ids in Klaviyo's shapes: 26-char ULID-like ids and 6-char base62 ids. */
import { hashAt } from './prng.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A 26-character ULID-like id, unique per (stream, index) for a seed. */
export function ulidLike(seed: number, stream: string, index: number): string {
  let id = '01';
  for (let chunk = 0; id.length < 26; chunk++) {
    let bits = hashAt(seed, `${stream}#${chunk}`, index);
    for (let i = 0; i < 6 && id.length < 26; i++) {
      id += CROCKFORD[bits & 31];
      bits >>>= 5;
    }
  }
  return id;
}

/** A 6-character base62 id (Klaviyo's metric, list, segment and flow ids look like this). */
export function shortId(seed: number, stream: string, index: number): string {
  let bits = hashAt(seed, stream, index);
  let extra = hashAt(seed, `${stream}+`, index);
  let id = '';
  for (let i = 0; i < 6; i++) {
    id += BASE62[(bits + extra) % 62];
    bits = Math.floor(bits / 62);
    extra = Math.floor(extra / 7);
  }
  return id;
}

/**
 * Profile ids encode their index, so profile `i` of 200,000 is found without a lookup table:
 * `01SBXP` + the index in base 32, left-padded to 26 characters.
 */
const PROFILE_PREFIX = '01SBXP';

export function profileIdOf(index: number): string {
  let digits = '';
  let rest = index;
  do {
    digits = CROCKFORD[rest % 32] + digits;
    rest = Math.floor(rest / 32);
  } while (rest > 0);
  return PROFILE_PREFIX + digits.padStart(26 - PROFILE_PREFIX.length, '0');
}

export function profileIndexOf(id: string): number | null {
  if (id.length !== 26 || !id.startsWith(PROFILE_PREFIX)) return null;
  let index = 0;
  for (const char of id.slice(PROFILE_PREFIX.length)) {
    const digit = CROCKFORD.indexOf(char);
    if (digit < 0) return null;
    index = index * 32 + digit;
  }
  return index;
}
