/**
 * The pure core of product-affinity: orders stream in as lists of product ids; the counter keeps one
 * count per product and per co-purchased pair (not the orders), so memory grows with the catalog's
 * pairs actually bought together, never with the number of orders.
 */
export interface ProductPair {
  a: string;
  b: string;
  count: number;
  /** Share of all orders that hold both. */
  support: number;
  /** P(b | a) and P(a | b). */
  confidence_a_to_b: number;
  confidence_b_to_a: number;
  /** support / (support(a) × support(b)); above 1 means bought together more than chance. */
  lift: number;
}

const SEPARATOR = '\u0000';
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

export function createCoPurchaseCounter(options: { maxItemsPerOrder: number }) {
  const items = new Map<string, number>();
  const pairs = new Map<string, number>();
  let orders = 0;
  let oversized = 0;
  return {
    add(productIds: readonly string[]): void {
      const distinct = [...new Set(productIds)].sort();
      if (distinct.length === 0) return;
      orders += 1;
      for (const id of distinct) items.set(id, (items.get(id) ?? 0) + 1);
      // A bulk order (wholesale, a test) would add n² pairs that say nothing about cross-sells.
      if (distinct.length > options.maxItemsPerOrder) {
        oversized += 1;
        return;
      }
      for (let i = 0; i < distinct.length; i += 1) {
        for (let j = i + 1; j < distinct.length; j += 1) {
          const key = `${distinct[i]}${SEPARATOR}${distinct[j]}`;
          pairs.set(key, (pairs.get(key) ?? 0) + 1);
        }
      }
    },
    get orders(): number {
      return orders;
    },
    get oversizedOrders(): number {
      return oversized;
    },
    /** Pairs with support ≥ `minSupport` and count ≥ `minCount`, by lift then count. */
    pairs(minSupport: number, minCount: number): ProductPair[] {
      const result: ProductPair[] = [];
      for (const [key, count] of pairs) {
        const [a = '', b = ''] = key.split(SEPARATOR);
        const support = count / orders;
        if (support < minSupport || count < minCount) continue;
        const countA = items.get(a) ?? 1;
        const countB = items.get(b) ?? 1;
        result.push({
          a,
          b,
          count,
          support: round4(support),
          confidence_a_to_b: round4(count / countA),
          confidence_b_to_a: round4(count / countB),
          lift: round4((count * orders) / (countA * countB)),
        });
      }
      return result.sort((x, y) => y.lift - x.lift || y.count - x.count || x.a.localeCompare(y.a) || x.b.localeCompare(y.b));
    },
  };
}
