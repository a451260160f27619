/** Profiles: upsert (profile-import), create (409 on an existing identity), get, list, patch. */
import { conflict, invalidBody } from '../klaviyo-errors.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';
import { matchesAll, queryFilter } from '../http/filter.js';
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

export function createOrUpdateProfile(context: HandlerContext): HandlerResult {
  const document = context.body as ProfileDocument;
  const attributes = writableAttributes(document);
  const idGiven = document.data.id;
  checkPhone(attributes, '/data/attributes');
  let index: number;
  let created = false;
  if (typeof idGiven === 'string' && idGiven !== '') {
    index = profileIndexOrThrow(context, idGiven);
    context.data.profiles.update(index, attributes);
  } else {
    requireIdentifier(attributes, '/data/attributes');
    ({ index, created } = context.data.profiles.upsert(attributes));
  }
  return { status: created ? 201 : 200, body: { data: profileResource(context, index) } };
}

export function createProfile(context: HandlerContext): HandlerResult {
  const attributes = writableAttributes(context.body as ProfileDocument);
  requireIdentifier(attributes, '/data/attributes');
  checkPhone(attributes, '/data/attributes');
  const existing = context.data.profiles.findByIdentity(attributes);
  if (existing !== null) {
    throw conflict('A profile already exists with one of these identifiers.', {
      duplicate_profile_id: context.account.profiles.idOf(existing),
    });
  }
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
  const others = context.data.profiles.matchingProfiles(attributes).filter((other) => other !== index);
  if (others.length > 0) {
    throw conflict('A profile already exists with one of these identifiers.', {
      duplicate_profile_id: context.account.profiles.idOf(others[0] as number),
    });
  }
  context.data.profiles.update(index, attributes);
  return { status: 200, body: { data: profileResource(context, index) } };
}

export function getProfile(context: HandlerContext): HandlerResult {
  const index = profileIndexOrThrow(context, context.params.id ?? '');
  return { status: 200, body: { data: profileResource(context, index) } };
}

/** Identity filters resolve by lookup; other filters scan (fine for the sandbox's sizes). */
export function getProfiles(context: HandlerContext): HandlerResult {
  const conditions = queryFilter(context.query, context.operation.filters);
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
    const read = (field: string) => (field === 'id' ? context.account.profiles.idOf(index) : attributes[field]);
    if (!matchesAll(conditions, read)) continue;
    if (page.length === size) {
      next = index;
      break;
    }
    page.push(profileResource(context, index));
  }
  return { status: 200, body: { data: page, links: pageLinks(context, next) } };
}
