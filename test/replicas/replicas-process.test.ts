import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startKlaviyoSandbox, type KlaviyoSandbox } from '../../sandbox/klaviyo/index.js';
import { Prng } from '../../sandbox/klaviyo/prng.js';
import { runServiceToExit } from '../../scripts/service-process.js';
import { leadershipLockKeys } from '../../src/store/postgres/leadership.js';
import { pgMigrations } from '../../src/store/postgres/migrations.js';
import { buildKlaviyoDeliveryBody, signKlaviyoDelivery } from '../helpers/klaviyo-webhook-signer.js';
import { createSchema, dropSchemas, postgresProblem, runSql, TEST_POSTGRES_PLACE, TEST_POSTGRES_URL, uniqueSchemaName, urlWithSchema } from '../helpers/postgres-server.js';
import {
  ADMIN,
  adminGet,
  INGEST,
  KEY,
  leaderOf,
  limitViolations,
  postJson,
  postThroughBalancer,
  readyz,
  requestsBy,
  startReplica,
  stopReplica,
  storedCounts,
  WEBHOOK_SECRET,
  type Replica,
} from './support/replica-cluster.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

/**
 * Two real service processes (src/server.ts) on one PostgreSQL and one Klaviyo sandbox, with the
 * production election timings. The sandbox is the oracle: what it stored (after its dedupe by
 * unique_id), its limiter report (no window over Klaviyo's budget, no 429) and who sent each request
 * (our User-Agent names the replica). Runs when a PostgreSQL answers (always in CI).
 */
const problem = await postgresProblem();

/** Kill moments come from a seeded generator, printed, so a failure can be replayed: REPLICA_SEED=… */
const SEED = process.env.REPLICA_SEED ? Number(process.env.REPLICA_SEED) : Math.floor(Math.random() * 2 ** 31);
const prng = new Prng(SEED, 'replica kills');
const REPLAY = `REPLICA_SEED=${SEED} npx vitest run test/replicas/replicas-process.test.ts`;

describe.skipIf(problem !== undefined)(`replicas on PostgreSQL (seed ${SEED})${problem === undefined ? '' : ` (skipped: no PostgreSQL at ${TEST_POSTGRES_PLACE}: ${problem})`}`, () => {
  const schemas: string[] = [];
  let sandbox: KlaviyoSandbox;
  let replicas: Replica[] = [];
  const proxies: TcpProxy[] = [];

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    console.log(`replicas: seed ${SEED} (replay: ${REPLAY})`);
  });
  afterEach(async () => {
    await Promise.all(replicas.map((r) => stopReplica(r, 'SIGKILL')));
    replicas = [];
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await sandbox?.close();
  });
  afterAll(async () => {
    await dropSchemas(schemas);
  });

  async function freshDatabase(): Promise<{ schema: string; databaseUrl: string }> {
    const schema = uniqueSchemaName('kbp');
    schemas.push(schema);
    await createSchema(schema);
    return { schema, databaseUrl: urlWithSchema(schema) };
  }

  const startSandbox = async (latencyMs: number) => {
    sandbox = await startKlaviyoSandbox({ apiKey: KEY, seed: 5, scale: { profiles: 20, orders: 5 } });
    sandbox.faults.set({ latencyMs });
    return sandbox;
  };

  /** A fresh schema, the sandbox with `latencyMs`, and two replicas started together; which one leads. */
  async function startPair(latencyMs: number): Promise<{ schema: string; leader: Replica; other: Replica }> {
    const { schema, databaseUrl } = await freshDatabase();
    await startSandbox(latencyMs);
    replicas = await Promise.all(['a', 'b'].map((id) => startReplica(id, { databaseUrl, sandbox })));
    const leader = await leaderOf(replicas);
    return { schema, leader, other: replicas.find((r) => r !== leader) as Replica };
  }

  /** Waits until the leader has a batch on the wire (some events stored first, then a seeded extra moment). */
  async function untilBatchInFlight(leader: Replica): Promise<void> {
    await vi.waitFor(() => expect(storedCounts(sandbox).size).toBeGreaterThan(50), { timeout: 30_000, interval: 10 });
    await new Promise((resolve) => setTimeout(resolve, prng.int(0, 300)));
    await vi.waitFor(
      async () => expect((await adminGet<{ kinds: { event: { in_flight: number } } }>(leader, '/v1/sync')).body.kinds.event.in_flight).toBeGreaterThan(0),
      { timeout: 30_000, interval: 5 },
    );
  }

  const drainedOn = (replica: Replica) =>
    vi.waitFor(
      async () => {
        const { body } = await adminGet<{ kinds: { event: { pending: number; in_flight: number; dead: number } } }>(replica, '/v1/sync');
        expect(body.kinds.event, `not drained (replay: ${REPLAY})`).toMatchObject({ pending: 0, in_flight: 0, dead: 0 });
      },
      { timeout: 60_000, interval: 200 },
    );

  const expectEachStoredOnce = (acknowledged: Set<string>, metric?: string) => {
    const counts = storedCounts(sandbox, metric);
    expect([...acknowledged].filter((id) => counts.get(id) !== 1), `not stored exactly once (replay: ${REPLAY})`).toEqual([]);
    expect(counts.size).toBe(acknowledged.size);
  };

  it('when both start together, then the migrations run once and one of them leads; a DATABASE_URL that answers nothing ends the start naming the host, never the password', { timeout: 60_000 }, async () => {
    const { schema, databaseUrl } = await freshDatabase();
    await startSandbox(0);
    replicas = await Promise.all(['a', 'b'].map((id) => startReplica(id, { databaseUrl, sandbox })));
    const leader = await leaderOf(replicas);
    const versions = (await runSql(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`)).rows.map((r: { version: number }) => r.version);
    expect(versions).toEqual(pgMigrations.map((m) => m.version));
    for (const replica of replicas) {
      await vi.waitFor(async () => {
        const { status, body } = await readyz(replica);
        expect(status).toBe(200);
        expect(body).toMatchObject({ replica: { id: replica.id, role: replica === leader ? 'leader' : 'follower' }, leader: { id: leader.id, epoch: 1 } });
      }, { timeout: 5000, interval: 100 });
      const { body } = await adminGet<{ replica: unknown; leader: unknown }>(replica, '/v1/sync');
      expect(body).toMatchObject({ replica: { id: replica.id }, leader: { id: leader.id } });
    }

    const refused = await runServiceToExit({
      KLAVIYO_API_KEY: KEY,
      INGEST_TOKENS: INGEST,
      ADMIN_TOKENS: ADMIN,
      DATABASE_URL: 'postgres://bridge:s3cret-pw@127.0.0.1:1/bridge',
    });
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('127.0.0.1:1');
    expect(refused.output).not.toContain('s3cret-pw');
  });

  it('when the leader is SIGKILLed mid-batch, then the other takes over, every acknowledged event reaches Klaviyo once after dedupe, and Klaviyo\'s limits hold across both', { timeout: 120_000 }, async () => {
    // Latency keeps batches in flight, so the kill lands between "Klaviyo stored it" and "we settled it".
    const { leader, other: survivor } = await startPair(150);
    // A steady stream (a few seconds of it), so batches are going out when the kill comes.
    const ids = Array.from({ length: 2500 }, (_, i) => `kill-${i}`);
    let alive = [...replicas];
    const posting = postThroughBalancer(() => alive, ids, { pauseMs: 15 });
    // The kill: while a batch is in flight.
    await untilBatchInFlight(leader);
    alive = [survivor];
    const killedAt = Date.now();
    await stopReplica(leader, 'SIGKILL');
    // More after the kill, through the survivor alone.
    const later = Array.from({ length: 200 }, (_, i) => `kill-later-${i}`);
    const acknowledged = new Set([...(await posting), ...(await postThroughBalancer(() => alive, later))]);
    expect(acknowledged.size).toBe(ids.length + later.length);
    await vi.waitFor(async () => expect((await readyz(survivor)).body.replica.role).toBe('leader'), { timeout: 15_000, interval: 50 });
    await drainedOn(survivor);

    expectEachStoredOnce(acknowledged);
    expect(limitViolations(sandbox), `limits (replay: ${REPLAY})`).toEqual([]);
    const before = requestsBy(sandbox, leader.id);
    const after = requestsBy(sandbox, survivor.id);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    // Nothing of the dead leader's arrived after the new leader's first request.
    expect(Math.max(...before.map((r) => r.at))).toBeLessThan(Math.min(...after.map((r) => r.at)));
    const { body } = await readyz(survivor);
    expect(body.leader).toMatchObject({ id: survivor.id, epoch: 2 });
    console.log(
      `replicas (seed ${SEED}): leader ${leader.id} SIGKILLed; first request by ${survivor.id} ${Math.min(...after.map((r) => r.at)) - killedAt} ms later; ` +
        `${acknowledged.size} acknowledged, ${sandbox.report().duplicateEvents} sent twice before dedupe`,
    );
  });

  it('when two replicas race on one insert id, one webhook delivery and one job, then each is stored or started once; a job started on the follower runs on the leader, is read and cancelled from either', { timeout: 90_000 }, async () => {
    const { schema, leader, other: follower } = await startPair(0);

    const sameEvent = await Promise.all(replicas.map((r) => postJson(r, '/v1/events', { events: [{ event_name: 'Race', distinct_id: 'racer', insert_id: 'race-1' }] })));
    expect(sameEvent.map((r) => r.status)).toEqual([202, 202]);
    expect(sameEvent.map((r) => r.body.accepted).sort()).toEqual([0, 1]);
    expect(sameEvent.map((r) => r.body.duplicates).sort()).toEqual([0, 1]);

    const delivery = signKlaviyoDelivery({ secret: WEBHOOK_SECRET, body: buildKlaviyoDeliveryBody() });
    const deliveries = await Promise.all(
      replicas.map((r) => fetch(`${r.url}/webhooks/klaviyo`, { method: 'POST', headers: delivery.headers, body: delivery.body }).then((res) => res.status)),
    );
    expect(deliveries).toEqual([200, 200]);
    expect((await runSql(`SELECT count(*)::int AS n FROM ${schema}.webhook_events`)).rows[0]).toEqual({ n: 1 });

    const admin = ADMIN;
    const runs = await Promise.all(replicas.map((r) => postJson(r, '/v1/jobs/persona-enrichment/runs', { dryRun: true }, admin)));
    expect(runs.map((r) => r.status).sort()).toEqual([202, 409]);
    const started = runs.find((r) => r.status === 202)?.body as { id: string };
    // Read (and waited on) from the follower: the leader executes it.
    const finished = await adminGet<{ status: string }>(follower, `/v1/jobs/persona-enrichment/runs/${started.id}?wait=30`);
    expect(finished.body.status).toBe('succeeded');
    expect((await adminGet<{ status: string }>(leader, `/v1/jobs/persona-enrichment/runs/${started.id}`)).body.status).toBe('succeeded');
    // Started on the follower this time.
    const second = await postJson(follower, '/v1/jobs/persona-enrichment/runs', { dryRun: true }, admin);
    expect(second.status).toBe(202);
    const secondDone = await adminGet<{ status: string }>(follower, `/v1/jobs/persona-enrichment/runs/${(second.body as { id: string }).id}?wait=30`);
    expect(secondDone.body.status).toBe('succeeded');
    // Cancelled from the follower while it runs on the leader (Klaviyo slowed down so the run lasts).
    sandbox.faults.set({ latencyMs: 2500 });
    const third = await postJson(follower, '/v1/jobs/persona-enrichment/runs', { dryRun: true, refreshCache: true }, admin);
    expect(third.status).toBe(202);
    const thirdId = (third.body as { id: string }).id;
    await vi.waitFor(async () => expect((await adminGet<{ status: string }>(follower, `/v1/jobs/persona-enrichment/runs/${thirdId}`)).body.status).toBe('running'), { timeout: 10_000, interval: 50 });
    const cancel = await fetch(`${follower.url}/v1/jobs/persona-enrichment/runs/${thirdId}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    expect(cancel.status).toBe(202);
    const cancelled = await adminGet<{ status: string; error?: { code: string } }>(follower, `/v1/jobs/persona-enrichment/runs/${thirdId}?wait=30`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    sandbox.faults.set({ latencyMs: 0 });
    expect(requestsBy(sandbox, follower.id)).toEqual([]);
    await drainedOn(follower);
    expectEachStoredOnce(new Set(['race-1']), 'Race');
  });

  it('when the leader stops gracefully, then it hands over at once: the other leads without waiting out a grace, and nothing of the old leader reaches Klaviyo afterwards', { timeout: 90_000 }, async () => {
    const { leader, other: follower } = await startPair(50);
    const first = await postThroughBalancer(() => replicas, Array.from({ length: 300 }, (_, i) => `graceful-${i}`));
    await stopReplica(leader, 'SIGTERM');
    const stoppedAt = Date.now();
    expect(leader.process.output()).toMatch(/resigned leadership/);
    const second = await postThroughBalancer(() => [follower], Array.from({ length: 300 }, (_, i) => `after-${i}`));
    await vi.waitFor(async () => expect((await readyz(follower)).body).toMatchObject({ replica: { role: 'leader' }, leader: { id: follower.id, epoch: 2 } }), { timeout: 10_000, interval: 50 });
    await drainedOn(follower);
    expectEachStoredOnce(new Set([...first, ...second]));
    expect(requestsBy(sandbox, leader.id).every((r) => r.at <= stoppedAt)).toBe(true);
    expect(limitViolations(sandbox)).toEqual([]);
    // No grace after a resignation (the follower's log says so).
    expect(follower.process.output()).toMatch(/"graceMs":0[^\n]*elected leader/);
  });

  it('when the leader is cut off from PostgreSQL, then it stops sending before the other starts, its ingest answers 503 (never an unstored 202) and /readyz fails, and it recovers by itself as a follower', { timeout: 120_000 }, async () => {
    const { databaseUrl } = await freshDatabase();
    await startSandbox(50);
    const target = new URL(TEST_POSTGRES_URL);
    const proxy = await startTcpProxy({ targetHost: target.hostname, targetPort: Number(target.port || 5432) });
    proxies.push(proxy);
    const viaProxy = new URL(databaseUrl);
    viaProxy.host = `${proxy.host}:${proxy.port}`;
    // a (through the proxy) leads: it starts first.
    const a = await startReplica('a', { databaseUrl: viaProxy.toString(), sandbox });
    replicas = [a];
    expect((await leaderOf([a])).id).toBe('a');
    const b = await startReplica('b', { databaseUrl, sandbox });
    replicas = [a, b];
    const before = await postThroughBalancer(() => [a, b], Array.from({ length: 200 }, (_, i) => `cut-${i}`));
    await vi.waitFor(() => expect(requestsBy(sandbox, 'a').length).toBeGreaterThan(0), { timeout: 15_000, interval: 20 });

    proxy.blackhole();
    // a cannot store: no acknowledgment it could not keep.
    const refused = await postJson(a, '/v1/events', { events: [{ event_name: 'Replica Test', distinct_id: 'x', insert_id: 'never-acked' }] });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ status: 503 });
    expect((await readyz(a)).status).toBe(503);
    // b takes over once a's session has gone (idle_session_timeout) and its grace has passed.
    const during = await postThroughBalancer(() => [b], Array.from({ length: 200 }, (_, i) => `cut-after-${i}`));
    await vi.waitFor(async () => expect((await readyz(b)).body.replica.role).toBe('leader'), { timeout: 30_000, interval: 100 });
    await vi.waitFor(() => expect(requestsBy(sandbox, 'b').length).toBeGreaterThan(0), { timeout: 30_000, interval: 20 });
    const fromA = requestsBy(sandbox, 'a');
    const fromB = requestsBy(sandbox, 'b');
    expect(Math.max(...fromA.map((r) => r.at)), 'a sent after b had begun').toBeLessThan(Math.min(...fromB.map((r) => r.at)));

    proxy.heal();
    await vi.waitFor(async () => {
      const { status, body } = await readyz(a);
      expect(status).toBe(200);
      expect(body).toMatchObject({ replica: { role: 'follower' }, leader: { id: 'b' } });
    }, { timeout: 30_000, interval: 200 });
    const healed = await postJson(a, '/v1/events', { events: [{ event_name: 'Replica Test', distinct_id: 'x', insert_id: 'healed-1' }] });
    expect(healed.status).toBe(202);
    await drainedOn(b);
    expectEachStoredOnce(new Set([...before, ...during, 'healed-1']));
    expect(storedCounts(sandbox).has('never-acked')).toBe(false);
    expect(limitViolations(sandbox)).toEqual([]);
  });

  it('when the leader freezes (SIGSTOP) past its lease on the lock and wakes up (SIGCONT), then the other has taken over and re-sent its leased batches, and the woken leader sends nothing more: its stale settles are fenced', { timeout: 120_000 }, async () => {
    const { leader, other } = await startPair(150);
    let alive = [...replicas];
    const posting = postThroughBalancer(() => alive, Array.from({ length: 1500 }, (_, i) => `freeze-${i}`), { pauseMs: 15 });
    await untilBatchInFlight(leader);
    alive = [other];
    leader.process.child.kill('SIGSTOP');
    const acknowledged = await posting;
    // idle_session_timeout (6 s) frees the lock; idle_in_transaction_session_timeout (5 s) any share lock a frozen write held; then the grace.
    await vi.waitFor(async () => expect((await readyz(other)).body).toMatchObject({ replica: { role: 'leader' }, leader: { epoch: 2 } }), { timeout: 45_000, interval: 100 });
    await vi.waitFor(() => expect(requestsBy(sandbox, other.id).length).toBeGreaterThan(0), { timeout: 30_000, interval: 20 });
    leader.process.child.kill('SIGCONT');
    // Awake, it finds its term over and follows (and does not crash on the sessions the server ended meanwhile).
    await vi.waitFor(async () => expect((await readyz(leader)).body).toMatchObject({ replica: { role: 'follower' }, leader: { id: other.id } }), { timeout: 30_000, interval: 100 });
    alive = [...replicas];
    const more = await postThroughBalancer(() => alive, Array.from({ length: 100 }, (_, i) => `woken-${i}`));
    await drainedOn(other);
    expectEachStoredOnce(new Set([...acknowledged, ...more]));
    const fromFrozen = requestsBy(sandbox, leader.id);
    const fromOther = requestsBy(sandbox, other.id);
    expect(Math.max(...fromFrozen.map((r) => r.at)), `the woken leader sent after the new leader began (replay: ${REPLAY})`).toBeLessThan(Math.min(...fromOther.map((r) => r.at)));
    expect(leader.process.output()).toMatch(/no longer the leader/);
    expect(leader.process.child.exitCode).toBeNull();
    expect(limitViolations(sandbox)).toEqual([]);
  });

  it('when the server kills the leader\'s lock session, then a new term begins with the next epoch and delivery goes on', { timeout: 90_000 }, async () => {
    const { schema } = await startPair(20);
    const posting = postThroughBalancer(() => replicas, Array.from({ length: 400 }, (_, i) => `term-${i}`), { pauseMs: 10 });
    await vi.waitFor(() => expect(storedCounts(sandbox).size).toBeGreaterThan(50), { timeout: 30_000, interval: 10 });
    const [classid, objid] = leadershipLockKeys(schema);
    const killed = await runSql(
      "SELECT pg_terminate_backend(pid) AS done FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1::oid AND objid = $2::oid AND objsubid = 2",
      [classid, objid],
    );
    expect(killed.rows).toEqual([{ done: true }]);
    const acknowledged = await posting;
    const leader = await vi.waitFor(async () => {
      const found = await leaderOf(replicas);
      expect((await readyz(found)).body.leader?.epoch).toBeGreaterThanOrEqual(2);
      return found;
    }, { timeout: 20_000, interval: 100 });
    await drainedOn(leader);
    expectEachStoredOnce(acknowledged);
    expect(limitViolations(sandbox)).toEqual([]);
  });
});
