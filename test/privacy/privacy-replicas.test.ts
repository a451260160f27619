import nock from 'nock';
import supertest from 'supertest';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startKlaviyoSandbox, type KlaviyoSandbox } from '../../sandbox/klaviyo/index.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { buildService, type Service } from '../../src/service.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { captureLogs } from '../helpers/foundation-app.js';
import { createSchema, dropSchemas, postgresProblem, TEST_POSTGRES_PLACE, TEST_POSTGRES_URL, uniqueSchemaName, urlWithSchema } from '../helpers/postgres-server.js';
import { tempDir } from '../helpers/temp-dirs.js';
import { FAST_TUNING } from '../sync/support/harness.js';
import { ADMIN, INGEST, SANDBOX_KEY } from './support/privacy-harness.js';

/**
 * Two replicas in one process on a real PostgreSQL (their own pools and lock sessions), against the
 * sandbox: a deletion posted to the follower is purged there at once and sent by the leader's worker,
 * which finds it by polling (the follower cannot wake it).
 */
const problem = await postgresProblem();

describe.skipIf(problem !== undefined)(`privacy deletions across replicas${problem === undefined ? '' : ` (skipped: no PostgreSQL at ${TEST_POSTGRES_PLACE})`}`, () => {
  const schemas: string[] = [];
  let services: Service[] = [];
  let sandbox: KlaviyoSandbox | undefined;
  afterEach(async () => {
    await Promise.all(services.map((s) => s.stop(2_000)));
    services = [];
    await sandbox?.close();
    sandbox = undefined;
  });
  afterAll(async () => {
    await dropSchemas(schemas);
  });

  async function replica(id: string, schema: string, klaviyoUrl: string): Promise<Service> {
    const config = loadConfig({
      KLAVIYO_API_KEY: SANDBOX_KEY,
      KLAVIYO_BASE_URL: klaviyoUrl,
      INGEST_TOKENS: INGEST.slice(7),
      ADMIN_TOKENS: ADMIN.slice(7),
      DATA_DIR: tempDir('kb-privacy-replica-'),
      DATABASE_URL: urlWithSchema(schema),
      REPLICA_ID: id,
    });
    const store = await openPostgresStore({ connectionString: TEST_POSTGRES_URL, schema, maxConnections: 4 });
    const service = buildService(config, {
      store,
      logger: createLogger({ level: 'info', destination: captureLogs().stream }),
      leadershipTimings: { campaignMs: 100, heartbeatMs: 100, heartbeatTimeoutMs: 200, trustMs: 800, idleSessionTimeoutMs: 1500, graceMs: 400, connectTimeoutMs: 500 },
      klaviyo: { retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 } },
      syncTuning: FAST_TUNING,
    });
    services.push(service);
    await service.start();
    return service;
  }

  it('when a deletion is posted to the follower, then the leader finds it within a poll and sends it, and both replicas answer sent', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    sandbox = await startKlaviyoSandbox({ apiKey: SANDBOX_KEY, seed: 5, scale: { profiles: 10, orders: 2 }, live: { profileImportJobMs: 100 } });
    const schema = uniqueSchemaName('kbprivrep');
    schemas.push(schema);
    await createSchema(schema);
    const a = await replica('privacy-a', schema, sandbox.url);
    const b = await replica('privacy-b', schema, sandbox.url);
    const [leader, follower] = await vi.waitFor(
      () => {
        const leading = [a, b].filter((s) => s.leadership.status().replica.role === 'leader');
        expect(leading).toHaveLength(1);
        return leading[0] === a ? [a, b] : [b, a];
      },
      { timeout: 10_000, interval: 50 },
    );
    const http = supertest(follower!.app);
    await http.post('/v1/profiles').set('authorization', INGEST).send({ email: 'rep@example.com' }).expect(202);
    await vi.waitFor(() => expect(sandbox!.data.profiles.lookup('email', 'rep@example.com')).not.toBeNull(), { timeout: 10_000, interval: 50 });
    await http.post('/v1/events').set('authorization', INGEST).send({ event_name: 'Viewed Product', email: 'rep@example.com' }).expect(202);

    const posted = await http.post('/v1/privacy/deletions').set('authorization', ADMIN).send({ email: 'rep@example.com' }).expect(202);
    const self = posted.body.links.self as string;
    await vi.waitFor(
      async () => {
        const { body } = await http.get(self).set('authorization', ADMIN).expect(200);
        expect(body.status).toBe('sent');
      },
      { timeout: 10_000, interval: 50 },
    );
    const onLeader = await supertest(leader!.app).get(self).set('authorization', ADMIN).expect(200);
    expect(onLeader.body).toMatchObject({ status: 'sent', sent_at: expect.any(String) });
    const sent = sandbox.received().filter((r) => r.path === '/api/data-privacy-deletion-jobs');
    expect(sent.map((r) => [r.status, r.userAgent.endsWith(`(replica ${leader!.leadership.replicaId})`)])).toEqual([[202, true]]);
    await sandbox.data.privacyDeletions.settled();
    expect(sandbox.data.profiles.lookup('email', 'rep@example.com')).toBeNull();
  });
});
