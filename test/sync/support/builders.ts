/** Request builders with overrides (STYLE 10): valid by default, each test breaks one thing. */
let counter = 0;
const next = () => (counter += 1);

export function buildEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const n = next();
  return {
    event_name: 'Viewed Product',
    email: `shopper${n}@example.com`,
    insert_id: `evt-${process.pid}-${n}`,
    event_time: '2026-05-01T10:00:00Z',
    properties: { ProductID: `sku-${n}`, Price: 19.5 },
    ...overrides,
  };
}

export function buildOrderLine(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { product_id: 'prod-1', sku: 'SKU-1', name: 'Blue Mug', quantity: 2, price: 12.5, categories: ['Kitchen'], brand: 'Acme', ...overrides };
}

export function buildOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const n = next();
  return {
    order_id: `ord-${process.pid}-${n}`,
    occurred_at: '2026-05-01T10:00:00Z',
    customer: { email: `buyer${n}@example.com`, first_name: 'Ada', last_name: 'Lovelace' },
    currency: 'USD',
    total: 25,
    items: [buildOrderLine()],
    ...overrides,
  };
}

export function buildProfile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const n = next();
  return { email: `person${n}@example.com`, first_name: 'Grace', properties: { plan: 'pro' }, ...overrides };
}
