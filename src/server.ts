import 'dotenv/config';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './lib/logger.js';
import { buildService } from './service.js';
import { openPostgresStore } from './store/postgres/open.js';

/** The only module with effects: reads the environment, builds the service, listens, handles signals. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const logger = createLogger({ level: config.logLevel });
  // PostgreSQL (DATABASE_URL): opened, and migrated once across replicas, before anything listens.
  // A server that cannot be reached ends the start with its place (never its password).
  const store = config.databaseUrl
    ? await openPostgresStore({ connectionString: config.databaseUrl, maxPendingPerKind: config.store.maxPendingPerKind })
    : undefined;
  const service = buildService(config, { logger, store, version: readPackageVersion() });
  await service.start();
  const { port } = await service.listen();
  logger.info({ host: config.host, port }, 'klaviyo-bridge listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const hardStop = setTimeout(() => {
      logger.error('shutdown exceeded its bound; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 2000);
    hardStop.unref();
    const outcome = await service.stop();
    logger.info({ outcome }, 'stopped');
    logger.flush(() => process.exit(0));
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** The nearest package.json above this file (src/ under tsx, dist/src/ once built). */
function readPackageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i += 1) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
    dir = dirname(dir);
  }
  return '0.0.0';
}

main().catch((error: unknown) => {
  process.stderr.write(`klaviyo-bridge failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
