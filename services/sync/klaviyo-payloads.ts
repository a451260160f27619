/**
 * What the outbox holds per kind: Klaviyo-ready attributes, so delivery only wraps them in the
 * request envelope. Re-sent items carry the same `unique_id`, so Klaviyo dedupes them.
 */
export interface KlaviyoProfileAttributes {
  email?: string;
  phone_number?: string;
  external_id?: string;
  first_name?: string;
  last_name?: string;
  organization?: string;
  title?: string;
  locale?: string;
  location?: Record<string, string>;
  properties?: Record<string, unknown>;
}

export interface KlaviyoEventAttributes {
  metric: string;
  properties: Record<string, unknown>;
  /** ISO 8601. */
  time: string;
  value?: number;
  value_currency?: string;
  unique_id: string;
  /** A historical import: recorded, but no flow fires (`backfill: true` on the event or its batch). */
  backfill?: true;
}

export interface EventPayload {
  profile: KlaviyoProfileAttributes;
  event: KlaviyoEventAttributes;
}

export interface ProfilePayload {
  profile: KlaviyoProfileAttributes;
}

export type ConsentChannel = 'email' | 'sms' | 'sms_transactional';

/** One consent change of one person and channel. */
export interface ConsentPayload {
  email?: string;
  phone_number?: string;
  /** Lets an opt-out without the channel's identifier be resolved through Klaviyo. */
  external_id?: string;
  channel: ConsentChannel;
  subscribed: boolean;
  /** Opt-ins: the list the subscription joins (the item's, else KLAVIYO_CONSENT_LIST_ID). */
  list_id?: string;
  /** Opt-ins: when consent was collected; makes the subscription a historical import. */
  consented_at?: string;
  custom_source?: string;
}

/**
 * One person's pending list membership changes, merged while pending: per list id the last word
 * (`add` or `remove`) wins. Membership only: consent is never touched.
 */
export interface ListPayload {
  email?: string;
  phone_number?: string;
  external_id?: string;
  lists: Record<string, 'add' | 'remove'>;
}

/** Drops undefined members so stored payloads and request bodies carry only what was given. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
