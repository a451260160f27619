import nock from 'nock';
import supertest from 'supertest';
import { startKlaviyoSandbox, type KlaviyoSandbox, type KlaviyoSandboxOptions } from '../../../sandbox/klaviyo/index.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/lib/logger.js';
import { buildService, type Service, type ServiceOverrides } from '../../../src/service.js';
import { captureLogs } from '../../helpers/foundation-app.js';
import { tempDir } from '../../helpers/temp-dirs.js';
import { FAST_TUNING } from '../../sync/support/harness.js';
import { createWire, type Wire } from './wire.js';

export const INGEST = 'Bearer ingest-token-privacy-0001';
export const ADMIN = 'Bearer admin-token-privacy-00001';
export const SANDBOX_KEY = 'pk_privacy_sandbox_test_01';

export interface PrivacyHarness {
  http: ReturnType<typeof supertest>;
  sandbox: KlaviyoSandbox;
  service: Service;
  /** Every request the service sent to Klaviyo, in order; holds can keep some on the wire. */
  wire: Wire;
  logs: ReturnType<typeof captureLogs>;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The service as server.ts builds it (SQLite in a temp DATA_DIR, or the store given), against the
 * Klaviyo sandbox, with the tests' short timings and its Klaviyo fetch going through `wire`.
 */
export async function startPrivacyHarness(
  options: { sandbox?: Partial<KlaviyoSandboxOptions>; overrides?: ServiceOverrides; env?: Record<string, string>; start?: boolean } = {},
): Promise<PrivacyHarness> {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  const sandbox = await startKlaviyoSandbox({ apiKey: SANDBOX_KEY, seed: 11, scale: { profiles: 20, orders: 5 }, ...options.sandbox, live: { profileImportJobMs: 100, ...options.sandbox?.live } });
  const wire = createWire();
  const logs = captureLogs();
  const dataDir = tempDir('kb-privacy-');
  const config = loadConfig({
    KLAVIYO_API_KEY: SANDBOX_KEY,
    KLAVIYO_BASE_URL: sandbox.url,
    KLAVIYO_REVISION: '2026-07-15',
    INGEST_TOKENS: INGEST.slice(7),
    ADMIN_TOKENS: ADMIN.slice(7),
    DATA_DIR: dataDir,
    ...options.env,
  });
  const service = buildService(config, {
    logger: createLogger({ level: 'info', destination: logs.stream }),
    klaviyo: { speedUp: sandbox.speedUp, fetch: wire.fetch, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 }, outageBackoff: { baseDelayMs: 20, maxDelayMs: 200 } },
    syncTuning: FAST_TUNING,
    privacyWorker: { pollIntervalMs: 50, backoff: { baseDelayMs: 20, maxDelayMs: 100 } },
    ...options.overrides,
  });
  if (options.start !== false) await service.start();
  return {
    http: supertest(service.app),
    sandbox,
    service,
    wire,
    logs,
    dataDir,
    async close() {
      wire.releaseAll();
      await service.stop(2_000);
      await sandbox.close();
    },
  };
}
