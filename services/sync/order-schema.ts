import { z } from 'zod';
import { backfillFlag, currencyCode, eventTime, money, type Now, text } from './common-schema.js';
import { hasIdentity, IDENTITY_MESSAGE, identityShapeFor } from './identity.js';

export const MAX_ORDERS_PER_REQUEST = 1000;
/** Each line becomes an event, and `Items` must stay under Klaviyo's 4,000-item array limit. */
export const MAX_LINES_PER_ORDER = 1000;

const addressSchema = z.strictObject({
  first_name: text(255).optional(),
  last_name: text(255).optional(),
  company: text(255).optional(),
  address1: text().optional(),
  address2: text().optional(),
  city: text().optional(),
  region: text().optional(),
  region_code: text(16).optional(),
  country: text().optional(),
  country_code: text(16).optional(),
  zip: text(64).optional(),
  phone: text(64).optional(),
});

const lineSchema = z.strictObject({
  product_id: text(255),
  sku: text(255).optional(),
  name: text().optional(),
  quantity: z.number().int().positive(),
  price: money,
  url: z.url().max(2000).optional(),
  image_url: z.url().max(2000).optional(),
  categories: z.array(text(255)).max(100).optional(),
  brand: text(255).optional(),
});

const customerSchema = (phoneRegion: string | undefined) =>
  z
    .strictObject({ ...identityShapeFor(phoneRegion), first_name: text(255).optional(), last_name: text(255).optional() })
    .superRefine((customer, ctx) => {
      if (!hasIdentity(customer)) ctx.addIssue({ code: 'custom', message: IDENTITY_MESSAGE });
    });

export const ORDER_STATUSES = ['placed', 'fulfilled', 'cancelled', 'refunded'] as const;

/** One order of POST /v1/orders; mapped to Klaviyo events by order-mapping.ts (docs/ingest.md). */
export function createOrderSchema(now: Now, phoneRegion?: string) {
  return z.strictObject({
    order_id: text(255),
    status: z.enum(ORDER_STATUSES).default('placed'),
    occurred_at: eventTime(now).optional(),
    customer: customerSchema(phoneRegion),
    currency: currencyCode,
    total: money,
    items: z.array(lineSchema).max(MAX_LINES_PER_ORDER).default([]),
    discount_codes: z.array(text(255)).max(100).optional(),
    billing_address: addressSchema.optional(),
    shipping_address: addressSchema.optional(),
    tracking: z.strictObject({ number: text(255).optional(), url: z.url().max(2000).optional(), carrier: text(255).optional() }).optional(),
    reason: text().optional(),
    backfill: backfillFlag,
  });
}

export type OrderInput = z.output<ReturnType<typeof createOrderSchema>>;
export type OrderLine = z.output<typeof lineSchema>;
