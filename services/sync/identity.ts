import { z } from 'zod';

/** E.164: a plus, a non-zero country digit, at most 15 digits. We reject rather than guess. */
export const e164Phone = z.string().regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 phone number, e.g. +15005550006');

export const identityShape = {
  email: z.email({ error: 'must be an email address' }).max(254).optional(),
  phone_number: e164Phone.optional(),
  /** The caller's id for the person; becomes Klaviyo's `external_id`. */
  distinct_id: z.string().min(1).max(255).optional(),
};

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
