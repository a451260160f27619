import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';

/** E.164: a plus, a non-zero country digit, at most 15 digits. We reject rather than guess. */
export const e164Phone = z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 phone number, e.g. +15005550006');

/** Whether `region` is an ISO 3166 alpha-2 region libphonenumber knows (DEFAULT_PHONE_REGION). */
export const isPhoneRegion = (region: string): region is CountryCode => isSupportedCountry(region);

/**
 * A phone number field. Without a region: E.164 only, as given. With DEFAULT_PHONE_REGION: a national
 * number of that region (`(201) 555-0123` for US) or an international one, checked for validity by
 * libphonenumber and normalised to E.164 (`+12015550123`); a number still not valid is refused, naming
 * the field.
 */
export function phoneNumberSchema(region?: string) {
  if (region === undefined) return e164Phone;
  if (!isPhoneRegion(region)) throw new RangeError(`not a phone region libphonenumber knows: ${region}`);
  return z.string().max(64).transform((value, ctx) => {
    const parsed = parsePhoneNumberFromString(value, region);
    if (parsed?.isValid()) return parsed.number;
    ctx.addIssue({ code: 'custom', message: `must be a valid phone number: E.164 (+15005550006) or national in ${region}` });
    return z.NEVER;
  });
}

/** The identity fields of events, orders' customers and profiles; phones as `phoneNumberSchema(region)`. */
export function identityShapeFor(region?: string) {
  return {
    email: z.email({ error: 'must be an email address' }).max(254).optional(),
    phone_number: phoneNumberSchema(region).optional(),
    /** The caller's id for the person; becomes Klaviyo's `external_id`. */
    distinct_id: z.string().min(1).max(255).optional(),
  };
}

export const identityShape = identityShapeFor(undefined);

export interface Identity {
  email?: string | undefined;
  phone_number?: string | undefined;
  distinct_id?: string | undefined;
}

export const hasIdentity = (value: Identity): boolean =>
  value.email !== undefined || value.phone_number !== undefined || value.distinct_id !== undefined;

export const IDENTITY_MESSAGE = 'needs at least one of email, phone_number, distinct_id';

/** The key a person is known by in responses (`ids`): external id, else email, else phone. */
export function identityKey(identity: Identity): string {
  return identity.distinct_id ?? identity.email ?? identity.phone_number ?? '';
}

/** Namespaced and case-folded where Klaviyo folds (emails), so one person maps to one merge key. */
export function personKey(identity: Identity): string {
  if (identity.distinct_id !== undefined) return `external_id:${identity.distinct_id}`;
  if (identity.email !== undefined) return `email:${identity.email.toLowerCase()}`;
  return `phone:${identity.phone_number ?? ''}`;
}

/** Klaviyo's profile identifiers for an identity (distinct_id → external_id). */
export function klaviyoIdentifiers(identity: Identity): Record<string, string> {
  const ids: Record<string, string> = {};
  if (identity.email !== undefined) ids.email = identity.email;
  if (identity.phone_number !== undefined) ids.phone_number = identity.phone_number;
  if (identity.distinct_id !== undefined) ids.external_id = identity.distinct_id;
  return ids;
}
