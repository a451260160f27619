import { z } from 'zod';
import { checkPropertyLimits } from './property-limits.js';

/** Milliseconds since the epoch; injected so the event-time window is testable. */
export type Now = () => number;

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const currencyCode = z
  .string()
  .refine((code) => CURRENCIES.has(code), { message: 'must be an ISO 4217 currency code in upper case, e.g. USD' });

export const text = (max = 1000) => z.string().min(1).max(max);

export const money = z.number().finite().nonnegative();

/**
 * `backfill: true` on an event or order (or once on its batch): Klaviyo records it but triggers no
 * flow, so a historical import never messages real customers.
 */
export const backfillFlag = z.boolean().optional().describe('Historical import: Klaviyo records the event(s) but triggers no flow.');

/** Custom properties under Klaviyo's ingestion limits. */
export const customProperties = z.record(z.string(), z.unknown()).superRefine(checkPropertyLimits);

const EARLIEST_EVENT_MS = Date.UTC(2000, 0, 1);
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** An ISO 8601 instant inside Klaviyo's window: 2000-01-01 … now + 1 year (read at validation time). */
export function eventTime(now: Now) {
  return z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a zone, e.g. 2026-07-01T12:00:00Z' }).superRefine((value, ctx) => {
    const at = Date.parse(value);
    if (at < EARLIEST_EVENT_MS) ctx.addIssue({ code: 'custom', message: 'must not be before 2000-01-01' });
    else if (at > now() + ONE_YEAR_MS) ctx.addIssue({ code: 'custom', message: 'must not be more than one year in the future' });
  });
}

export const locationSchema = z.strictObject({
  address1: text().optional(),
  address2: text().optional(),
  city: text().optional(),
  region: text().optional(),
  country: text().optional(),
  zip: text(64).optional(),
  timezone: text(64).optional(),
});

/** Profile attributes other than identity and consent: what an event may set on its person. */
export const profileAttributesShape = {
  first_name: text(255).optional(),
  last_name: text(255).optional(),
  organization: text(255).optional(),
  title: text(255).optional(),
  locale: text(35).optional(),
  location: locationSchema.optional(),
  properties: customProperties.optional(),
};

export const profileAttributesSchema = z.strictObject(profileAttributesShape);
export type ProfileAttributes = z.output<typeof profileAttributesSchema>;
