import nock from 'nock';
import supertest from 'supertest';
import { vi } from 'vitest';
import { startKlaviyoSandbox, type KlaviyoSandbox, type KlaviyoSandboxOptions } from '../../../sandbox/klaviyo/index.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/lib/logger.js';
import type { createMetrics } from '../../../src/lib/metrics.js';
import { buildService } from '../../../src/service.js';
import type { Store } from '../../../src/store/store.js';
import type { SyncTuning } from '../../../services/sync/sync-tuning.js';
import { captureLogs } from '../../helpers/foundation-app.js';
import { tempDir } from '../../helpers/temp-dirs.js';

export const INGEST = 'Bearer ingest-token-sync-000001';
export const ADMIN = 'Bearer admin-token-sync-0000001';
export const SANDBOX_KEY = 'pk_sync_sandbox_test_0001';

/** Fast test timings: same logic as production, shorter waits. */
export const FAST_TUNING: Partial<SyncTuning> = {
  pollMs: 20,
  lingerMs: 40,
  quietMs: 10,
  backoff: { baseDelayMs: 20, maxDelayMs: 200 },
  authPauseMs: 200,
  statsIntervalMs: 50,
  importJobPollMs: 20,
  importJobWarnMs: 5_000,
  stopTimeoutMs: 2_000,
};

export interface SyncHarness {
  http: ReturnType<typeof supertest>;
  sandbox: KlaviyoSandbox;
  store: Store;
  /** The leader's background work (drainer, webhook workers, jobs): started and stopped as a restart would. */
  worker: { start(): Promise<void>; stop(): Promise<void> };
  metrics: ReturnType<typeof createMetrics>;
  logs: ReturnType<typeof captureLogs>;
  /** Resolves once nothing is pending or in flight (dead letters stay). */
  drained(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface IngestHarness {
  http: ReturnType<typeof supertest>;
  store: Store;
  metrics: ReturnType<typeof createMetrics>;
  close(): Promise<void>;
}

/**
 * The ingest edge alone: the service as server.ts builds it, with no worker and no sandbox, so
 * nothing listens and nothing is sent. Klaviyo's URL is a closed loopback port nothing calls.
 */
export function startIngestHarness(): IngestHarness {
  const config = loadConfig({
    KLAVIYO_API_KEY: SANDBOX_KEY,
    KLAVIYO_BASE_URL: 'http://127.0.0.1:9',
    KLAVIYO_REVISION: '2026-07-15',
    INGEST_TOKENS: INGEST.slice(7),
    ADMIN_TOKENS: ADMIN.slice(7),
    DATA_DIR: tempDir('kb-ingest-'),
  });
  const service = buildService(config, { logger: createLogger({ level: 'info', destination: captureLogs().stream }), syncTuning: FAST_TUNING });
  return { http: supertest(service.app), store: service.store, metrics: service.metrics, close: async () => void (await service.stop(2_000)) };
}

/** The whole sync path in-process: app + store + worker + Klaviyo service, against the sandbox. */
export async function startSyncHarness(
  options: { sandbox?: Partial<KlaviyoSandboxOptions>; tuning?: Partial<SyncTuning>; startWorker?: boolean; consentListId?: string; env?: Record<string, string> } = {},
): Promise<SyncHarness> {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  // Live job timing, compressed: an import job runs 200 ms unless a test says otherwise.
  const sandbox = await startKlaviyoSandbox({
    apiKey: SANDBOX_KEY,
    seed: 7,
    scale: { profiles: 50, orders: 10 },
    ...options.sandbox,
    live: { profileImportJobMs: 200, ...options.sandbox?.live },
  });
  const logs = captureLogs();
  const dataDir = tempDir('kb-sync-');
  const config = loadConfig({
    KLAVIYO_API_KEY: SANDBOX_KEY,
    KLAVIYO_BASE_URL: sandbox.url,
    KLAVIYO_REVISION: '2026-07-15',
    KLAVIYO_CONSENT_LIST_ID: options.consentListId,
    INGEST_TOKENS: INGEST.slice(7),
    ADMIN_TOKENS: ADMIN.slice(7),
    DATA_DIR: dataDir,
    ...options.env,
  });
  // The service exactly as server.ts builds it; only the timings are the tests' (same logic, shorter waits).
  const service = buildService(config, {
    logger: createLogger({ level: 'info', destination: logs.stream }),
    klaviyo: { speedUp: sandbox.speedUp, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 }, outageBackoff: { baseDelayMs: 20, maxDelayMs: 200 } },
    syncTuning: { ...FAST_TUNING, ...options.tuning },
  });
  const { app, store, metrics } = service;
  const worker = { start: () => service.start(), stop: () => service.leadership.stop() };
  if (options.startWorker !== false) await worker.start();

  return {
    http: supertest(app),
    sandbox,
    store,
    worker,
    metrics,
    logs,
    async drained(timeoutMs = 10_000) {
      await vi.waitFor(
        async () => {
          const { kinds } = await store.outbox.stats(new Date());
          if (!Object.values(kinds).every((k) => k.pending === 0 && k.in_flight === 0 && k.verifying === 0)) throw new Error(`outbox not drained: ${JSON.stringify(kinds)}`);
        },
        { timeout: timeoutMs, interval: 20 },
      );
    },
    async close() {
      await service.stop(2_000);
      await sandbox.close();
    },
  };
}
