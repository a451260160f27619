import type { z } from 'zod';
import type { OutboxEntry } from '../../src/store/outbox.js';
import { klaviyoIdentifiers } from './identity.js';
import { compact, type EventPayload, type KlaviyoProfileAttributes } from './klaviyo-payloads.js';
import type { OrderInput, OrderLine } from './order-schema.js';

const METRIC_BY_STATUS = {
  placed: 'Placed Order',
  fulfilled: 'Fulfilled Order',
  cancelled: 'Cancelled Order',
  refunded: 'Refunded Order',
} as const;

export const orderKey = (order: Pick<OrderInput, 'order_id' | 'status'>) => `order:${order.order_id}:${order.status}`;

/**
 * Sums of prices in floating point drift (0.1 + 0.2); money is rounded to 1/10,000 of a unit. An
 * amount so large that scaling it overflows (past about 1e304) has no such digits left to round.
 */
function roundMoney(amount: number): number {
  const scaled = amount * 10_000;
  return Number.isFinite(scaled) ? Math.round(scaled) / 10_000 : amount;
}

/**
 * The money this mapping computes must stay a number Klaviyo takes (finite only): each line's
 * price × quantity, which two valid inputs can push past the largest double. A zod refinement of
 * the order (services/sync/ingest-requests.ts), so the 400 names the line.
 */
export function checkComputedMoney(order: Pick<OrderInput, 'items'>, ctx: z.RefinementCtx): void {
  order.items.forEach((line, index) => {
    if (!Number.isFinite(lineTotal(line))) {
      ctx.addIssue({ code: 'custom', path: ['items', index, 'price'], message: 'price × quantity is not a finite number (it overflows); Klaviyo accepts finite numbers only' });
    }
  });
}

/**
 * An order becomes Klaviyo events (docs/ingest.md): `placed` → one Placed Order (value = total) plus one
 * Ordered Product per line; the other statuses → one event each, value = total. Unique ids are
 * stable (`order:{id}:{status}`, `order:{id}:line:{index}`), so a re-sent order dedupes in Klaviyo.
 */
export function mapOrder(order: OrderInput, now: Date): OutboxEntry {
  const time = order.occurred_at ?? now.toISOString();
  const profile: KlaviyoProfileAttributes = compact({
    ...klaviyoIdentifiers(order.customer),
    first_name: order.customer.first_name,
    last_name: order.customer.last_name,
  });
  const event = (metric: string, uniqueId: string, value: number, properties: Record<string, unknown>): EventPayload => ({
    profile,
    // backfill: the order and every one of its Ordered Product lines.
    event: compact({ metric, properties: compact(properties), time, value, value_currency: order.currency, unique_id: uniqueId, backfill: order.backfill ? (true as const) : undefined }),
  });
  const lines = order.items.map(lineProperties);
  const summary = order.items.length === 0 ? {} : {
    Items: lines,
    ItemNames: order.items.map((l) => l.name ?? l.product_id),
    Categories: unique(order.items.flatMap((l) => l.categories ?? [])),
    Brands: unique(order.items.flatMap((l) => (l.brand ? [l.brand] : []))),
    ItemCount: order.items.reduce((sum, l) => sum + l.quantity, 0),
  };
  const common = { OrderId: order.order_id, ...summary, DiscountCodes: order.discount_codes };
  const main = event(METRIC_BY_STATUS[order.status], orderKey(order), order.total, statusProperties(order, common));
  const payloads = [main];
  if (order.status === 'placed') {
    order.items.forEach((line, index) => {
      payloads.push(event('Ordered Product', `order:${order.order_id}:line:${index}`, lineTotal(line), { OrderId: order.order_id, ...lineProperties(line) }));
    });
  }
  return {
    dedupeKey: orderKey(order),
    items: payloads.map((payload) => ({ kind: 'event' as const, payload: payload as unknown as Record<string, unknown> })),
  };
}

function statusProperties(order: OrderInput, common: Record<string, unknown>): Record<string, unknown> {
  switch (order.status) {
    case 'placed':
      return { ...common, BillingAddress: order.billing_address, ShippingAddress: order.shipping_address };
    case 'fulfilled':
      return {
        ...common,
        ShippingAddress: order.shipping_address,
        TrackingNumber: order.tracking?.number,
        TrackingURL: order.tracking?.url,
        Carrier: order.tracking?.carrier,
      };
    case 'cancelled':
    case 'refunded':
      return { ...common, Reason: order.reason };
  }
}

const lineTotal = (line: OrderLine) => roundMoney(line.price * line.quantity);

function lineProperties(line: OrderLine): Record<string, unknown> {
  return compact({
    ProductID: line.product_id,
    SKU: line.sku,
    ProductName: line.name,
    Quantity: line.quantity,
    ItemPrice: line.price,
    RowTotal: lineTotal(line),
    ProductURL: line.url,
    ImageURL: line.image_url,
    Categories: line.categories,
    Brand: line.brand,
  });
}

const unique = (values: string[]) => [...new Set(values)];
