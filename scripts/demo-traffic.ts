/**
 * A realistic little stream for the demo: orders across their lifecycle, profile updates with
 * consent, and browsing events — deterministic, so every demo run prints the same totals.
 */
const PRODUCTS = [
  { product_id: 'mug-blue', sku: 'MUG-B', name: 'Blue Mug', price: 14, categories: ['Kitchen'], brand: 'Acme' },
  { product_id: 'tea-earl', sku: 'TEA-EG', name: 'Earl Grey, 100 g', price: 9.5, categories: ['Tea'], brand: 'Leafy' },
  { product_id: 'kettle', sku: 'KET-1', name: 'Gooseneck Kettle', price: 59, categories: ['Kitchen'], brand: 'Acme' },
  { product_id: 'spoon', sku: 'SPN-4', name: 'Tea Spoons (4)', price: 12, categories: ['Kitchen', 'Tea'], brand: 'Forge' },
];

const customer = (i: number) => ({ email: `customer${i}@example.com`, distinct_id: `crm-${1000 + i}`, first_name: `Customer${i}`, last_name: 'Demo' });

export function demoOrders(count: number, now: Date) {
  const orders: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i += 1) {
    const lines = PRODUCTS.filter((_, p) => (i + p) % 3 !== 0).slice(0, 1 + (i % 3)).map((p, l) => ({ ...p, quantity: 1 + ((i + l) % 2) }));
    const total = lines.reduce((sum, l) => sum + l.price * l.quantity, 0);
    const occurredAt = new Date(now.getTime() - (count - i) * 60_000).toISOString();
    const order = { order_id: `demo-${5000 + i}`, occurred_at: occurredAt, customer: customer(i % 12), currency: 'USD', total, items: lines, discount_codes: i % 4 === 0 ? ['WELCOME10'] : undefined };
    orders.push(order);
    if (i % 3 === 0) orders.push({ ...order, status: 'fulfilled', tracking: { number: `1Z${i}`, carrier: 'UPS' } });
    if (i % 7 === 0) orders.push({ ...order, status: 'refunded', reason: 'damaged in transit' });
  }
  return orders;
}

export function demoProfiles(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    ...customer(i),
    phone_number: i % 2 === 0 ? `+1500555${String(1000 + i).padStart(4, '0')}` : undefined,
    location: { city: i % 2 ? 'Boston' : 'Austin', country: 'US' },
    properties: { loyalty_tier: i % 3 === 0 ? 'gold' : 'silver' },
    subscriptions: { email_marketing: i % 4 !== 3, sms_marketing: i % 2 === 0 ? i % 4 === 0 : undefined },
  }));
}

export function demoEvents(count: number, now: Date) {
  return Array.from({ length: count }, (_, i) => ({
    event_name: i % 5 === 0 ? 'Started Checkout' : 'Viewed Product',
    distinct_id: `crm-${1000 + (i % 12)}`,
    insert_id: `demo-view-${i}`,
    event_time: new Date(now.getTime() - (count - i) * 30_000).toISOString(),
    properties: { ProductID: PRODUCTS[i % PRODUCTS.length]?.product_id, Source: 'web' },
  }));
}

/** Last year's orders, for a historical import (sent with `backfill: true`, so no flow fires). */
export function demoHistoricalOrders(count: number, now: Date) {
  return demoOrders(count, new Date(now.getTime() - 365 * 24 * 3600_000))
    .filter((order) => order.status === undefined)
    .map((order) => ({ ...order, order_id: `hist-${String(order.order_id)}` }));
}
