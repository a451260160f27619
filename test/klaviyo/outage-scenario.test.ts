import supertest from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startKlaviyoSandbox, type KlaviyoSandbox } from '../../sandbox/klaviyo/index.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { buildService, type Service } from '../../src/service.js';
import { DEFAULT_SYNC_TUNING, type SyncTuning } from '../../services/sync/sync-tuning.js';
import { captureLogs } from '../helpers/foundation-app.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { buildEvent } from '../sync/support/builders.js';
import { seededRandom } from './support/seeded-random.js';

/**
 * A Klaviyo outage of bulk_create_events, end to end: the service as production builds it (every
 * timing of the sync worker and of the client's retries divided by the sandbox's speed-up, so the
 * run is production's, compressed), fed a steady stream of events, against a sandbox that answers
 * every request 503 for 20 (Klaviyo) seconds.
 */
const SPEED_UP = 10;
const OUTAGE_S = 20;
const KEY = 'pk_outage_scenario_test_0001';
const INGEST = 'Bearer ingest-token-outage-00001';
const ADMIN = 'Bearer admin-token-outage-000001';

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** DEFAULT_SYNC_TUNING with every duration divided by the speed-up. */
function scaledTuning(speedUp: number): Partial<SyncTuning> {
  const d = DEFAULT_SYNC_TUNING;
  const s = (ms: number) => ms / speedUp;
  return {
    leaseMs: s(d.leaseMs),
    pollMs: s(d.pollMs),
    lingerMs: s(d.lingerMs),
    quietMs: s(d.quietMs),
    backoff: { baseDelayMs: s(d.backoff.baseDelayMs), maxDelayMs: s(d.backoff.maxDelayMs) },
    authPauseMs: s(d.authPauseMs),
    statsIntervalMs: s(d.statsIntervalMs),
    importJobPollMs: s(d.importJobPollMs),
    stopTimeoutMs: 2_000,
  };
}

async function start(): Promise<{ sandbox: KlaviyoSandbox; service: Service; http: ReturnType<typeof supertest> }> {
  const sandbox = await startKlaviyoSandbox({ apiKey: KEY, seed: 3, speedUp: SPEED_UP, scale: { profiles: 20, orders: 5 } });
  const config = loadConfig({
    KLAVIYO_API_KEY: KEY,
    KLAVIYO_BASE_URL: sandbox.url,
    KLAVIYO_REVISION: '2026-07-15',
    INGEST_TOKENS: INGEST.slice(7),
    ADMIN_TOKENS: ADMIN.slice(7),
    DATA_DIR: tempDir('kb-outage-'),
  });
  const service = buildService(config, {
    logger: createLogger({ level: 'info', destination: captureLogs().stream }),
    // Production's retry policy (4 attempts, 500 ms doubling to 30 s) and timeout, compressed.
    klaviyo: { speedUp: SPEED_UP, retry: { maxAttempts: 4, baseDelayMs: 500 / SPEED_UP, maxDelayMs: 30_000 / SPEED_UP }, timeoutMs: 30_000 / SPEED_UP, random: seededRandom(42) },
    syncTuning: scaledTuning(SPEED_UP),
  });
  await service.start();
  stop = async () => {
    await service.stop(2_000);
    await sandbox.close();
  };
  return { sandbox, service, http: supertest(service.app) };
}

/** Ten events every 250 (Klaviyo) ms until stopped: the steady traffic an outage meets. */
function produce(http: ReturnType<typeof supertest>): () => Promise<void> {
  let sending: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    sending = sending.then(() => http.post('/v1/events').set('authorization', INGEST).send({ events: Array.from({ length: 10 }, () => buildEvent()) }).expect(202));
  }, 250 / SPEED_UP);
  return async () => {
    clearInterval(timer);
    await sending;
  };
}

const bulkCreates = (sandbox: KlaviyoSandbox) => sandbox.received().filter((r) => r.limitClass === 'bulk_create_events');

describe('a Klaviyo outage of bulk_create_events (sandbox, 10× speed-up)', () => {
  it('when every request answers 503 for 20 s, then only a few probes are sent, and the first delivery after recovery goes out within a few seconds with nothing dead-lettered', async () => {
    const { sandbox, service, http } = await start();
    const stopProducing = produce(http);
    // Healthy first: deliveries flow.
    await vi.waitFor(() => expect(bulkCreates(sandbox).filter((r) => r.status === 202).length).toBeGreaterThanOrEqual(2), { timeout: 10_000, interval: 10 });

    const outageStart = Date.now();
    sandbox.faults.set({ errors: { rate: 1, status: 503 } });
    // The scenario's length, not a wait for something to happen: the outage lasts 20 Klaviyo seconds.
    await new Promise((resolve) => setTimeout(resolve, (OUTAGE_S * 1_000) / SPEED_UP));
    sandbox.faults.reset();
    const recovered = Date.now();

    // What arrived during the outage is the backlog; no more traffic from here on.
    await stopProducing();
    await vi.waitFor(
      async () => {
        const { kinds } = await service.store.outbox.stats(new Date());
        expect(kinds.event).toMatchObject({ pending: 0, in_flight: 0 });
      },
      { timeout: 30_000, interval: 20 },
    );

    const requests = bulkCreates(sandbox);
    const duringOutage = requests.filter((r) => r.at >= outageStart && r.at < recovered);
    const acceptedAfter = requests.filter((r) => r.at >= recovered && r.status === 202);
    const scaledS = (ms: number) => (ms * SPEED_UP) / 1_000;
    const firstDeliveryS = scaledS((acceptedAfter[0]?.at ?? Number.NaN) - recovered);
    const drainedS = scaledS((acceptedAfter.at(-1)?.at ?? Number.NaN) - recovered);
    console.log(
      `outage of ${OUTAGE_S} s: ${duringOutage.length} bulk_create_events requests during it; after recovery the first delivery was accepted after ${firstDeliveryS.toFixed(1)} s and the backlog delivered after ${drainedS.toFixed(1)} s (${acceptedAfter.length} requests)`,
    );

    // Before the class-wide backoff: 148 requests (the class's whole minute of budget), and the first
    // delivery 40 s after recovery. Now (8–9 measured): the batches on the wire when the outage began
    // (one or two of the four lanes) and a retry before the class backs off, then one probe at a time
    // (7 in 20 s with this seed).
    expect(duringOutage.length).toBeLessThanOrEqual(12);
    // At most one probe interval (capped at 8 s), plus 1 s for timer noise at 10× speed-up.
    expect(firstDeliveryS).toBeLessThanOrEqual(9);
    // The class's budget was not spent on the outage: the backlog goes as soon as the class is reachable.
    expect(drainedS).toBeLessThanOrEqual(11);
    // Nothing was given up, and the outage spent none of the items' attempts.
    const { kinds } = await service.store.outbox.stats(new Date());
    expect(kinds.event.dead).toBe(0);
  }, 60_000);
});
