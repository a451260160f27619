import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createCachedDailyUsage } from '../../services/klaviyo/daily-usage.js';
import { createKlaviyoLimiters } from '../../services/klaviyo/limiter.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { createFakeTime } from './support/fake-time.js';

const DAY_MS = 86_400_000;
const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kb-daily-'));
  dirs.push(dir);
  return dir;
}

/** Restarts on the store in `dir` `restartAfterMs` after the first requests, and proves the next report waits until one day after them. */
async function expectNextReportOneDayAfterStart(dir: string, time: ReturnType<typeof createFakeTime>, restartAfterMs: number) {
  await stores[0]?.close();
  await time.advance(restartAfterMs);
  const second = await startProcess(openStore(dir), time);
  const next = second.request();
  await time.advance(DAY_MS - restartAfterMs - 1);
  expect(second.grants).toEqual([]);
  await time.advance(1);
  await next;
  expect(second.grants).toEqual([DAY_MS]);
}

function openStore(dir: string): Store {
  const store = openSqliteStore({ dataDir: dir });
  stores.push(store);
  return store;
}

/** One "process": limiters over the store's cache, on a shared fake clock; the reporting class capped at 3 a day. */
async function startProcess(store: Store, time: ReturnType<typeof createFakeTime>) {
  const dailyUsage = createCachedDailyUsage(store.cache, pino({ level: 'silent' }), () => time.clock());
  const limiters = createKlaviyoLimiters({
    rateShare: 1,
    guardMs: 0,
    clock: time.clock,
    sleep: time.sleep,
    budgetOverrides: { query_flow_values: { burstPerSecond: 10, steadyPerMinute: 100, dailyCap: 3 } },
    dailyUsage,
  });
  await limiters.restoreDailyUsage();
  const grants: number[] = [];
  const request = () =>
    limiters.acquire('query_flow_values').then((permit) => {
      grants.push(time.elapsed());
      permit.release();
    });
  return { limiters, grants, request };
}

describe('daily-capped classes across restarts', () => {
  it('when the process restarts after spending the day’s cap, then the next report waits for the day window, not for the restart', async () => {
    const dir = tempDir();
    const time = createFakeTime();
    const first = await startProcess(openStore(dir), time);
    await Promise.all([first.request(), first.request(), first.request()]);
    expect(first.grants).toEqual([0, 0, 0]);
    await expectNextReportOneDayAfterStart(dir, time, 3_600_000);
  });

  it('when the usage is older than a day, then a restarted process has the whole cap again', async () => {
    const dir = tempDir();
    const time = createFakeTime();
    const first = await startProcess(openStore(dir), time);
    await Promise.all([first.request(), first.request()]);
    await stores[0]?.close();

    await time.advance(DAY_MS + 1);
    const second = await startProcess(openStore(dir), time);
    await Promise.all([second.request(), second.request(), second.request()]);
    expect(second.grants).toEqual([DAY_MS + 1, DAY_MS + 1, DAY_MS + 1]);
  });

  it('when the process dies with reports on the wire, then a restarted process still counts them', async () => {
    const dir = tempDir();
    const time = createFakeTime();
    const first = await startProcess(openStore(dir), time);
    // Three permits granted and never released: the answers never came, Klaviyo may have counted them.
    for (let i = 0; i < 3; i += 1) await first.limiters.acquire('query_flow_values');
    await expectNextReportOneDayAfterStart(dir, time, 60_000);
  });

  it('when the stored usage lies ahead of the clock, then it counts as now instead of blocking beyond a day', async () => {
    const dir = tempDir();
    const time = createFakeTime();
    const store = openStore(dir);
    const ahead = time.clock().getTime() + 10 * DAY_MS;
    await store.cache.set('klaviyo:daily-usage:query_flow_values', [ahead, ahead, ahead], 20 * DAY_MS, time.clock());
    const { grants, request } = await startProcess(store, time);
    const next = request();
    await time.advance(DAY_MS);
    await next;
    expect(grants).toEqual([DAY_MS]);
  });

  it('when the stored usage is unreadable, then the process starts counting from zero and says so', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    const failing = { get: () => Promise.reject(new Error('SQLITE_BUSY')) } as unknown as Store['cache'];
    expect(await createCachedDailyUsage(failing, logger).load('query_flow_values')).toEqual([]);
    expect(warnings.join('')).toContain('could not read the daily Klaviyo usage');

    const dir = tempDir();
    const store = openStore(dir);
    await store.cache.set('klaviyo:daily-usage:query_flow_values', { not: 'a list' }, DAY_MS, new Date());
    expect(await createCachedDailyUsage(store.cache, logger).load('query_flow_values')).toEqual([]);
  });

  it('when classes without a daily cap are used, then nothing is written for them', async () => {
    const dir = tempDir();
    const time = createFakeTime();
    const store = openStore(dir);
    const { limiters } = await startProcess(store, time);
    (await limiters.acquire('get_flows')).release();
    (await limiters.acquire('query_flow_values')).release();
    const now = time.clock();
    expect(await store.cache.get('klaviyo:daily-usage:get_flows', now)).toBeUndefined();
    expect(await store.cache.get('klaviyo:daily-usage:query_flow_values', now)).toEqual([time.clock().getTime()]);
  });
});
