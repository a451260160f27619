/**
 * Seeded `Placed Order` events, generated on demand from (seed, index). Times grow with the index
 * (so a time filter is a binary search). 10% of the orders lie 95–200 days before the anchor, the
 * rest 88 days to 1 hour before it: no order sits near the 90-day boundary, so a 90-day lookback run
 * at any moment of the sandbox's first day sees exactly the orders the truth counts.
 *
 * Planted co-purchase pairs: items 0+1 (15% of orders), 2+3 (10%), 4+5 (6%) are bought together.
 */
import { ulidLike } from '../ids.js';
import { round2, unitAt } from '../prng.js';
import type { SeededCatalogItem } from './catalog.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
export const PLANTED_PAIRS: readonly (readonly [number, number, number])[] = [
  [0, 1, 0.15],
  [2, 3, 0.1],
  [4, 5, 0.06],
];

export interface OrderLine {
  item: SeededCatalogItem;
  quantity: number;
}

export interface SeededOrder {
  index: number;
  eventId: string;
  orderId: string;
  profileIndex: number;
  timeMs: number;
  lines: OrderLine[];
  total: number;
}

export class SeededOrders {
  readonly oldCount: number;

  constructor(
    private readonly seed: number,
    readonly count: number,
    private readonly profileCount: number,
    private readonly catalog: readonly SeededCatalogItem[],
    readonly anchorMs: number,
  ) {
    this.oldCount = Math.floor(count * 0.1);
  }

  timeMs(index: number): number {
    const jitter = unitAt(this.seed, 'order-time', index) * 0.9;
    if (index < this.oldCount) {
      const start = this.anchorMs - 200 * DAY_MS;
      const span = 105 * DAY_MS;
      return Math.floor(start + ((index + jitter) / this.oldCount) * span);
    }
    const start = this.anchorMs - 88 * DAY_MS;
    const span = 88 * DAY_MS - HOUR_MS;
    return Math.floor(start + ((index - this.oldCount + jitter) / (this.count - this.oldCount)) * span);
  }

  /** The profile that placed order `index` (cheaper than `order(index)`). */
  profileIndexOf(index: number): number {
    return Math.floor(unitAt(this.seed, 'order-profile', index) * this.profileCount);
  }

  /** First index whose time is ≥ `timeMs` (times grow with the index). */
  firstIndexAtOrAfter(timeMs: number): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.timeMs(mid) < timeMs) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private productIndexes(index: number): number[] {
    const u = unitAt(this.seed, 'basket', index);
    let cumulative = 0;
    const chosen = new Set<number>();
    for (const [a, b, share] of PLANTED_PAIRS) {
      cumulative += share;
      if (u < cumulative && a < this.catalog.length && b < this.catalog.length) {
        chosen.add(a).add(b);
        break;
      }
    }
    const extra = chosen.size > 0 ? Math.floor(unitAt(this.seed, 'extra', index) * 2) : 1 + Math.floor(unitAt(this.seed, 'extra', index) * 3);
    for (let k = 0; k < extra; k++) {
      chosen.add(Math.floor(unitAt(this.seed, `item-${k}`, index) * this.catalog.length));
    }
    return [...chosen].sort((x, y) => x - y);
  }

  order(index: number): SeededOrder {
    const lines = this.productIndexes(index).map((p, k) => ({
      item: this.catalog[p] as SeededCatalogItem,
      quantity: 1 + Math.floor(unitAt(this.seed, `qty-${k}`, index) * 2),
    }));
    return {
      index,
      eventId: ulidLike(this.seed, 'order-event', index),
      orderId: `SO-${100000 + index}`,
      profileIndex: this.profileIndexOf(index),
      timeMs: this.timeMs(index),
      lines,
      total: round2(lines.reduce((sum, line) => sum + line.item.price * line.quantity, 0)),
    };
  }

  /** The event properties the ingest path would have sent for this order (services/sync/order-mapping.ts). */
  eventProperties(order: SeededOrder): Record<string, unknown> {
    return {
      OrderId: order.orderId,
      Items: order.lines.map((line) => ({
        ProductID: line.item.externalId,
        SKU: line.item.sku,
        ProductName: line.item.title,
        Quantity: line.quantity,
        ItemPrice: line.item.price,
        RowTotal: round2(line.item.price * line.quantity),
        Categories: [line.item.category],
        Brand: line.item.brand,
      })),
      ItemNames: order.lines.map((line) => line.item.title),
      Categories: [...new Set(order.lines.map((line) => line.item.category))],
      Brands: [...new Set(order.lines.map((line) => line.item.brand))],
      ItemCount: order.lines.reduce((sum, line) => sum + line.quantity, 0),
      $value: order.total,
      $event_id: `order:${order.orderId}:placed`,
    };
  }
}
