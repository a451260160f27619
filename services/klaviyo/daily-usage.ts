import { systemClock, type Clock } from '../../src/lib/clock.js';
import type { Logger } from '../../src/lib/logger.js';
import type { CacheStore } from '../../src/store/store.js';
import type { DailyUsageLog } from './limiter.js';
import type { KlaviyoLimitClassName } from './rate-limits.js';

const key = (limitClass: KlaviyoLimitClassName) => `klaviyo:daily-usage:${limitClass}`;

/**
 * The daily-capped classes' requests kept in the store's cache, one entry per class that expires
 * when its newest request leaves the day window. A failed read or write is logged and the limiter
 * goes on with what it holds in memory: Klaviyo's 429 still protects the account.
 */
export function createCachedDailyUsage(cache: CacheStore, logger: Logger, clock: Clock = systemClock): DailyUsageLog {
  return {
    async load(limitClass) {
      try {
        const countedAt = await cache.get<unknown>(key(limitClass), clock());
        return Array.isArray(countedAt) ? countedAt.filter((t): t is number => typeof t === 'number' && Number.isFinite(t)).sort((a, b) => a - b) : [];
      } catch (error) {
        logger.warn({ err: error, limitClass }, 'could not read the daily Klaviyo usage; counting from zero');
        return [];
      }
    },
    async save(limitClass, countedAt, keepMs) {
      try {
        await cache.set(key(limitClass), countedAt, keepMs, clock());
      } catch (error) {
        logger.warn({ err: error, limitClass }, 'could not record the daily Klaviyo usage; it is kept in memory only');
      }
    },
  };
}
