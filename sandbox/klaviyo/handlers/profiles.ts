/**
 * Profiles: upsert (profile-import), create (409 on an existing identity), get, list, patch.
 *
 * 409 `duplicate_profile` (klaviyo/NOTES.md §1, issues #74/#75): profile-import and PATCH answer it
 * when the identifiers of one request belong to different existing profiles (e.g. the email to A and
 * the phone number to B); `meta.duplicate_profile_id` names the profile that holds the conflicting
 * identifier: B for an upsert that resolves to A by Klaviyo's priority (external_id, email, phone),
 * the other profile for a PATCH or an upsert by `data.id`. Nothing is written then.
 */
import { conflict, invalidBody } from '../klaviyo-errors.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';
import { matchesAll, queryFilter, type FilterCondition, type FilterScalar } from '../http/filter.js';
import { cursorPosition, pageLinks, pageSizeOf } from '../http/pagination.js';
import { IDENTITY_FIELDS } from '../state/profile-store.js';
import { profileIndexOrThrow, profileResource } from './profile-view.js';

interface ProfileDocument {
  data: { id?: string | null; attributes: Record<string, unknown>; meta?: { patch_properties?: { unset?: string[] | string } } };
}

const IDENTIFIERS = [...IDENTITY_FIELDS, 'anonymous_id'];

/** Attributes to write: the body's, plus `patch_properties.unset` as cleared properties. */
function writableAttributes(document: ProfileDocument): Record<string, unknown> {
  const attributes = { ...document.data.attributes };
  const unset = document.data.meta?.patch_properties?.unset;
  const keys = typeof unset === 'string' ? [unset] : (unset ?? []);
  if (keys.length > 0) {
    attributes.properties = { ...(attributes.properties as Record<string, unknown> | undefined), ...Object.fromEntries(keys.map((key) => [key, null])) };
  }
  return attributes;
}

function requireIdentifier(attributes: Record<string, unknown>, pointer: string): void {
  if (!IDENTIFIERS.some((field) => typeof attributes[field] === 'string' && attributes[field] !== '')) {
    throw invalidBody([{ pointer, detail: 'One of email, phone_number, external_id or anonymous_id is required.' }]);
  }
}

function checkPhone(attributes: Record<string, unknown>, pointer: string): void {
  const phone = attributes.phone_number;
  if (typeof phone === 'string' && !/^\+[1-9]\d{1,14}$/.test(phone)) {
    throw invalidBody([{ pointer: `${pointer}/phone_number`, detail: `Invalid phone number format (Example of a valid format: +12345678901)` }]);
  }
}

const DUPLICATE_DETAIL = 'A profile already exists with one of these identifiers.';

function duplicateProfile(context: HandlerContext, other: number) {
  return conflict(DUPLICATE_DETAIL, { duplicate_profile_id: context.account.profiles.idOf(other) });
}

/** 409 when an identity of `attributes` belongs to a profile other than `index`. */
function refuseIdentitiesOfOthers(context: HandlerContext, attributes: Record<string, unknown>, index: number): void {
  const other = context.data.profiles.matchingProfiles(attributes).find((candidate) => candidate !== index);
  if (other !== undefined) throw duplicateProfile(context, other);
}

export function createOrUpdateProfile(context: HandlerContext): HandlerResult {
  const document = context.body as ProfileDocument;
  const attributes = writableAttributes(document);
  const idGiven = document.data.id;
  checkPhone(attributes, '/data/attributes');
  let index: number;
  let created = false;
  if (typeof idGiven === 'string' && idGiven !== '') {
    index = profileIndexOrThrow(context, idGiven);
    refuseIdentitiesOfOthers(context, attributes, index);
    context.data.profiles.update(index, attributes);
  } else {
    requireIdentifier(attributes, '/data/attributes');
    const [resolved, other] = context.data.profiles.matchingProfiles(attributes);
    if (resolved !== undefined && other !== undefined) throw duplicateProfile(context, other);
    ({ index, created } = context.data.profiles.upsert(attributes));
  }
  return { status: created ? 201 : 200, body: { data: profileResource(context, index) } };
}

export function createProfile(context: HandlerContext): HandlerResult {
  const attributes = writableAttributes(context.body as ProfileDocument);
  requireIdentifier(attributes, '/data/attributes');
  checkPhone(attributes, '/data/attributes');
  const existing = context.data.profiles.findByIdentity(attributes);
  if (existing !== null) throw duplicateProfile(context, existing);
  const index = context.data.profiles.create(attributes);
  return { status: 201, body: { data: profileResource(context, index) } };
}

export function updateProfile(context: HandlerContext): HandlerResult {
  const document = context.body as ProfileDocument;
  const pathId = context.params.id ?? '';
  if (document.data.id !== pathId) {
    throw invalidBody([{ pointer: '/data/id', detail: 'The id in the body must match the id in the URL.' }]);
  }
  const index = profileIndexOrThrow(context, pathId);
  const attributes = writableAttributes(document);
  checkPhone(attributes, '/data/attributes');
  refuseIdentitiesOfOthers(context, attributes, index);
  context.data.profiles.update(index, attributes);
  return { status: 200, body: { data: profileResource(context, index) } };
}

export function getProfile(context: HandlerContext): HandlerResult {
  const index = profileIndexOrThrow(context, context.params.id ?? '');
  return { status: 200, body: { data: profileResource(context, index) } };
}

const lowerCase = (value: FilterScalar): FilterScalar => (typeof value === 'string' ? value.toLowerCase() : value);

/** Emails compare case-insensitively, as the sandbox resolves identities. */
function withEmailsLowerCased(condition: FilterCondition): FilterCondition {
  if (condition.field !== 'email' || condition.value === undefined) return condition;
  return { ...condition, value: Array.isArray(condition.value) ? condition.value.map(lowerCase) : lowerCase(condition.value) };
}

/**
 * Identity filters (`equals`/`any` on id, email, phone_number, external_id; a caller resolves up to
 * 100 at a time with `any(email,[…])` and `page[size]=100`) resolve by lookup and serve matches in
 * id order; other filters scan (fine for the sandbox's sizes). Deleted profiles are never served.
 */
export function getProfiles(context: HandlerContext): HandlerResult {
  const conditions = queryFilter(context.query, context.operation.filters).map(withEmailsLowerCased);
  const size = pageSizeOf(context);
  const lookup = conditions.find((condition) => ['id', 'email', 'phone_number', 'external_id'].includes(condition.field));
  const { profiles } = context.data;
  const start = cursorPosition(context.query);
  let candidates: Iterable<number>;
  if (lookup) {
    const values = (Array.isArray(lookup.value) ? lookup.value : [lookup.value]).map(String);
    const found = values
      .map((value) => (lookup.field === 'id' ? profiles.indexOfId(value) : profiles.lookup(lookup.field as 'email', value)))
      .filter((index): index is number => index !== null);
    candidates = [...new Set(found)].sort((a, b) => a - b);
  } else {
    // Start at the cursor: scanning from 0 on every page would make a full read quadratic.
    candidates = { [Symbol.iterator]: function* () { for (let i = start; i < profiles.total; i++) yield i; } };
  }
  const page: Record<string, unknown>[] = [];
  let next: number | null = null;
  for (const index of candidates) {
    if (index < start) continue;
    const attributes = profiles.attributes(index);
    if (!attributes) continue;
    const read = (field: string) =>
      field === 'id' ? context.account.profiles.idOf(index) : field === 'email' && typeof attributes.email === 'string' ? attributes.email.toLowerCase() : attributes[field];
    if (!matchesAll(conditions, read)) continue;
    if (page.length === size) {
      next = index;
      break;
    }
    page.push(profileResource(context, index));
  }
  return { status: 200, body: { data: page, links: pageLinks(context, next) } };
}
