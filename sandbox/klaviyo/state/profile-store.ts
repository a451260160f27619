/**
 * Profiles as the API sees them: the seeded ones (generated on demand) overlaid with what the API
 * wrote. Only written profiles take memory. Identity is resolved like Klaviyo: external_id, then
 * email (case-insensitive), then phone_number. A deleted profile (data-privacy deletion) is gone
 * for good: its index is never reused, its id and identifiers resolve to nothing, and a later write
 * with the same identifiers creates a new profile.
 */
import { profileIndexOf } from '../ids.js';
import type { ProfileAttributes, SeededProfiles } from '../seed/profiles.js';

export type IdentityField = 'external_id' | 'email' | 'phone_number';
export const IDENTITY_FIELDS: readonly IdentityField[] = ['external_id', 'email', 'phone_number'];
const MERGED_OBJECTS = new Set(['properties', 'location']);

function identityKey(field: IdentityField, value: string): string {
  return field === 'email' ? value.toLowerCase() : value;
}

export class ProfileStore {
  private readonly written = new Map<number, ProfileAttributes>();
  private readonly identities = new Map<IdentityField, Map<string, number>>(IDENTITY_FIELDS.map((field) => [field, new Map()]));
  private readonly deleted = new Set<number>();
  private createdTotal = 0;
  readonly touched = new Set<number>();
  created = 0;
  updated = 0;

  constructor(
    private readonly seeded: SeededProfiles,
    private readonly now: () => number,
  ) {}

  get total(): number {
    return this.seeded.count + this.createdTotal;
  }

  attributes(index: number): ProfileAttributes | null {
    if (index < 0 || index >= this.total || this.deleted.has(index)) return null;
    return this.written.get(index) ?? this.seeded.attributes(index);
  }

  /** Written (non-seeded) profiles carry no predictions; seeded ones keep theirs. */
  isSeeded(index: number): boolean {
    return index < this.seeded.count;
  }

  indexOfId(id: string): number | null {
    const index = profileIndexOf(id);
    return index !== null && index < this.total && !this.deleted.has(index) ? index : null;
  }

  isDeleted(index: number): boolean {
    return this.deleted.has(index);
  }

  /** How many profiles were deleted (data-privacy deletions). */
  get deletedCount(): number {
    return this.deleted.size;
  }

  lookup(field: IdentityField, value: string): number | null {
    const key = identityKey(field, value);
    const known = this.identities.get(field)?.get(key);
    if (known !== undefined) return known;
    const seededIndex = this.seeded.seededIndexOf(field, value);
    // A written profile's identities are all in the maps; a seeded index only counts while untouched.
    if (seededIndex === null || this.written.has(seededIndex) || this.deleted.has(seededIndex)) return null;
    const current = this.seeded.attributes(seededIndex)[field];
    return typeof current === 'string' && identityKey(field, current) === key ? seededIndex : null;
  }

  /** First profile matching any identity of `attributes`, in Klaviyo's priority order. */
  findByIdentity(attributes: Record<string, unknown>): number | null {
    for (const field of IDENTITY_FIELDS) {
      const value = attributes[field];
      if (typeof value === 'string' && value.length > 0) {
        const index = this.lookup(field, value);
        if (index !== null) return index;
      }
    }
    return null;
  }

  /**
   * Every distinct profile some identity of `attributes` already belongs to, in Klaviyo's priority
   * order (the first is the one `findByIdentity` resolves to). More than one is Klaviyo's 409
   * `duplicate_profile`: the identifiers of one request belong to different profiles.
   */
  matchingProfiles(attributes: Record<string, unknown>): number[] {
    const found = new Set<number>();
    for (const field of IDENTITY_FIELDS) {
      const value = attributes[field];
      if (typeof value === 'string' && value.length > 0) {
        const index = this.lookup(field, value);
        if (index !== null) found.add(index);
      }
    }
    return [...found];
  }

  create(attributes: Record<string, unknown>): number {
    const index = this.seeded.count + this.createdTotal++;
    const nowIso = new Date(this.now()).toISOString();
    const blank: ProfileAttributes = {
      email: null,
      phone_number: null,
      external_id: null,
      anonymous_id: null,
      first_name: null,
      last_name: null,
      organization: null,
      locale: null,
      title: null,
      image: null,
      created: nowIso,
      updated: nowIso,
      last_event_date: null,
      location: {},
      properties: {},
    };
    this.store(index, blank, attributes);
    this.created++;
    return index;
  }

  update(index: number, attributes: Record<string, unknown>): void {
    const current = this.attributes(index);
    if (!current) throw new Error(`no profile ${index}`);
    this.store(index, { ...current, updated: new Date(this.now()).toISOString() }, attributes);
    this.updated++;
  }

  /** Upsert by identity: the profile's index and whether it was created. */
  upsert(attributes: Record<string, unknown>): { index: number; created: boolean } {
    const index = this.findByIdentity(attributes);
    if (index === null) return { index: this.create(attributes), created: true };
    this.update(index, attributes);
    return { index, created: false };
  }

  /** Deletes a profile (its identifiers become free); false when there was none at `index`. */
  delete(index: number): boolean {
    const current = this.attributes(index);
    if (!current) return false;
    for (const field of IDENTITY_FIELDS) {
      const value = current[field];
      const map = this.identities.get(field) as Map<string, number>;
      if (typeof value === 'string' && map.get(identityKey(field, value)) === index) map.delete(identityKey(field, value));
    }
    this.written.delete(index);
    this.touched.delete(index);
    this.deleted.add(index);
    return true;
  }

  noteEvent(index: number, timeMs: number): void {
    const current = this.attributes(index);
    if (!current) return;
    const last = typeof current.last_event_date === 'string' ? Date.parse(current.last_event_date) : 0;
    if (timeMs > last) this.store(index, { ...current }, { last_event_date: new Date(timeMs).toISOString() });
  }

  private store(index: number, base: ProfileAttributes, patch: Record<string, unknown>): void {
    const previous = this.written.get(index) ?? (this.isSeeded(index) ? this.seeded.attributes(index) : null);
    const next: ProfileAttributes = { ...base, location: { ...base.location }, properties: { ...base.properties } };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (MERGED_OBJECTS.has(key) && value && typeof value === 'object') {
        const merged = { ...(next[key] as Record<string, unknown>) };
        for (const [field, fieldValue] of Object.entries(value as Record<string, unknown>)) {
          if (fieldValue === null && key === 'properties') delete merged[field];
          else merged[field] = fieldValue;
        }
        next[key] = merged;
      } else {
        next[key] = value;
      }
    }
    for (const field of IDENTITY_FIELDS) {
      const map = this.identities.get(field) as Map<string, number>;
      const old = previous?.[field];
      if (typeof old === 'string' && map.get(identityKey(field, old)) === index) map.delete(identityKey(field, old));
      const now = next[field];
      if (typeof now === 'string' && now.length > 0) map.set(identityKey(field, now), index);
    }
    this.written.set(index, next);
    this.touched.add(index);
  }
}
