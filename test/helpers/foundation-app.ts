import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type AppDeps } from '../../src/app.js';
import { createLogger } from '../../src/lib/logger.js';
import { createMetrics } from '../../src/lib/metrics.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';

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

/** A foundation-only app on a fresh temporary SQLite store, with captured logs. */
export function buildFoundationApp(overrides: Partial<AppDeps> = {}) {
  const logs = captureLogs();
  const logger = createLogger({ level: 'info', destination: logs.stream });
  const store = openSqliteStore({ dataDir: mkdtempSync(join(tmpdir(), 'kb-app-')) });
  const deps: AppDeps = {
    logger,
    store,
    metrics: createMetrics(),
    tokens: { ingest: [INGEST_TOKEN, INGEST_TOKEN_ROTATED], admin: [ADMIN_TOKEN] },
    ...overrides,
  };
  return { app: createApp(deps), deps, logs, store };
}
