import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { buildService, type Service, type ServiceOverrides } from '../../src/service.js';

export const BENCH_INGEST_TOKEN = 'bench-ingest-token-0000000';
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-00000000';

/**
 * The service as server.ts builds it (src/service.ts), logging at `logLevel` to /dev/null (the
 * logger still serializes and scrubs every line), on a fresh SQLite store in a temp dir.
 */
export function benchService(
  env: Record<string, string | undefined>,
  overrides: ServiceOverrides = {},
  logLevel = 'info',
): { service: Service; close: () => Promise<void> } {
  const dataDir = mkdtempSync(join(tmpdir(), 'kb-bench-'));
  const config = loadConfig({
    KLAVIYO_API_KEY: 'pk_bench_unused_0000',
    KLAVIYO_BASE_URL: 'http://127.0.0.1:9',
    INGEST_TOKENS: BENCH_INGEST_TOKEN,
    ADMIN_TOKENS: BENCH_ADMIN_TOKEN,
    DATA_DIR: dataDir,
    ...env,
  });
  const logger = createLogger({ level: logLevel, destination: pino.destination({ dest: '/dev/null', sync: false }) });
  const service = buildService(config, { logger, ...overrides });
  return {
    service,
    async close() {
      await service.stop(2_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
