import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/lib/logger.js';
import { createMetrics } from '../../../src/lib/metrics.js';
import { openSqliteStore } from '../../../src/store/sqlite/open.js';
import type { Store } from '../../../src/store/store.js';
import type { AnyJobDefinition } from '../../../services/jobs/job-definition.js';
import type { KlaviyoReads } from '../../../services/jobs/klaviyo-reads.js';
import type { MaveraCalls } from '../../../services/jobs/mavera-calls.js';
import { createJobRunner, type JobRunner } from '../../../services/jobs/runner.js';

export interface RunnerHarness {
  store: Store;
  runner: JobRunner;
  logs: string[];
  logger: ReturnType<typeof createLogger>;
  metrics: ReturnType<typeof createMetrics>;
  close(): Promise<void>;
}

/** A runner over a fresh temporary SQLite store, capturing logs. */
export function buildRunnerHarness(options: {
  jobs: AnyJobDefinition[];
  klaviyo: KlaviyoReads;
  mavera?: MaveraCalls | undefined;
  clock?: () => Date;
  dataDir?: string;
  /** Whether the runner executes runs from the start, as a leader does (default true). */
  execute?: boolean;
}): RunnerHarness {
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'kb-jobs-'));
  const store = openSqliteStore({ dataDir: dir });
  const logs: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs.push(chunk.toString());
        cb();
      },
    }),
  });
  const metrics = createMetrics();
  const runner = createJobRunner({
    store,
    jobs: options.jobs,
    klaviyo: options.klaviyo,
    mavera: options.mavera,
    maveraWorkspaceId: 'ws_test',
    logger,
    metrics,
    progressIntervalMs: 20,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  if (options.execute !== false) void runner.startExecuting();
  return {
    store,
    runner,
    logs,
    logger,
    metrics,
    async close() {
      await runner.stop(2000);
      await store.close();
      if (!options.dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
