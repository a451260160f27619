import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { buildService, type ServiceOverrides } from '../../src/service.js';
import { tempDir } from './temp-dirs.js';

export const INGEST_TOKEN = 'ingest-token-aaaaaaaaaaaa';
export const INGEST_TOKEN_ROTATED = 'ingest-token-bbbbbbbbbbbb';
export const ADMIN_TOKEN = 'admin-token-cccccccccccc';

/** Collects every log line the app writes, so tests can assert on log behaviour (STYLE 9). */
export function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      done();
    },
  });
  return { stream, lines, text: () => lines.join('\n') };
}

/** The environment of a test service: a sandbox-shaped key, the tokens above, a fresh temp data dir. */
export function testEnv(env: Record<string, string | undefined> = {}): Record<string, string | undefined> & { DATA_DIR: string } {
  return {
    KLAVIYO_API_KEY: 'pk_test_service_0001',
    KLAVIYO_BASE_URL: 'http://127.0.0.1:9',
    INGEST_TOKENS: `${INGEST_TOKEN},${INGEST_TOKEN_ROTATED}`,
    ADMIN_TOKENS: ADMIN_TOKEN,
    DATA_DIR: tempDir('kb-app-'),
    ...env,
  };
}

/**
 * The real service, built by the composition root (src/service.ts) from a test environment, with
 * captured logs; its workers are not started unless the test calls `service.start()`.
 */
export function buildFoundationApp(options: { env?: Record<string, string | undefined>; overrides?: ServiceOverrides } = {}) {
  const logs = captureLogs();
  const logger = createLogger({ level: 'info', destination: logs.stream });
  const env = testEnv(options.env);
  const service = buildService(loadConfig(env), { logger, ...options.overrides });
  return { app: service.app, service, logs, store: service.store, deps: { logger, metrics: service.metrics, store: service.store } };
}
