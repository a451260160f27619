import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/lib/logger.js';
import { FencedOutError, type LeaderReport, type LeaderTerm, type Leadership } from '../../src/store/leadership.js';
import { createPgLeadership, leadershipLockKeys, type LeadershipTimings } from '../../src/store/postgres/leadership.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import type { Store } from '../../src/store/store.js';
import { createSchema, dropSchemas, postgresProblem, runSql, TEST_POSTGRES_PLACE, TEST_POSTGRES_URL, uniqueSchemaName, urlWithSchema } from '../helpers/postgres-server.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

/**
 * Leader election on a real PostgreSQL, two replicas in one process (their sessions are still two
 * real connections), with the timings shortened tenfold. Faults: a graceful stop, the lock
 * session killed by the server (pg_terminate_backend), the leader cut off from PostgreSQL by a
 * black-holing proxy, and a deposed leader's late write (fencing). Order, not wall-clock time, is
 * what is asserted: every handler call lands in one shared log.
 */
const problem = await postgresProblem();

const TIMINGS: LeadershipTimings = {
  campaignMs: 100,
  heartbeatMs: 100,
  heartbeatTimeoutMs: 200,
  trustMs: 800,
  idleSessionTimeoutMs: 1500,
  graceMs: 400,
  connectTimeoutMs: 500,
};

type Entry = { replica: string; what: 'elected' | 'deposed'; epoch: number; reason?: string; predecessor?: LeaderReport };

describe.skipIf(problem !== undefined)(`leader election on PostgreSQL${problem === undefined ? '' : ` (skipped: no PostgreSQL at ${TEST_POSTGRES_PLACE}: ${problem})`}`, () => {
  const schemas: string[] = [];
  const running: Leadership[] = [];
  const stores: Store[] = [];
  const proxies: TcpProxy[] = [];
  let log: Entry[] = [];
  const logger = createLogger({ level: 'silent' });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((l) => l.stop()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    log = [];
  });
  afterAll(async () => {
    await dropSchemas(schemas);
  });

  /** A schema with the store's tables (the leader row among them). */
  async function freshStore(): Promise<{ schema: string; store: Store }> {
    const schema = uniqueSchemaName('kbl');
    schemas.push(schema);
    await createSchema(schema);
    const store = await openPostgresStore({ connectionString: TEST_POSTGRES_URL, schema, maxConnections: 2 });
    stores.push(store);
    return { schema, store };
  }

  function replica(id: string, schema: string, options: { base?: string; report?: () => LeaderReport } = {}) {
    const leadership = createPgLeadership({ connectionString: urlWithSchema(schema, options.base), replicaId: id, logger, timings: TIMINGS });
    running.push(leadership);
    const terms: LeaderTerm[] = [];
    void leadership.start({
      async elected(term) {
        terms.push(term);
        log.push({ replica: id, what: 'elected', epoch: term.epoch, predecessor: term.predecessor });
      },
      async deposed(term, reason) {
        log.push({ replica: id, what: 'deposed', epoch: term.epoch, reason });
      },
      report: options.report ?? (() => ({ limiterUsage: { bulk_create_events: [Date.now()] } })),
    });
    return { leadership, terms };
  }

  const electedOnce = async () =>
    vi.waitFor(
      () => {
        const elected = log.filter((e) => e.what === 'elected');
        expect(elected).toHaveLength(1);
        return elected[0] as Entry;
      },
      { timeout: 5000, interval: 20 },
    );

  const lockHolderPid = async (schema: string): Promise<number> => {
    const [classid, objid] = leadershipLockKeys(schema);
    const rows = await runSql("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1::oid AND objid = $2::oid AND objsubid = 2", [classid, objid]);
    expect(rows.rows).toHaveLength(1);
    return (rows.rows[0] as { pid: number }).pid;
  };

  it('when two replicas campaign on one database, then exactly one leads, and the other names it', async () => {
    const { schema } = await freshStore();
    const a = replica('a', schema);
    const b = replica('b', schema);
    const first = await electedOnce();
    const [leader, follower] = first.replica === 'a' ? [a, b] : [b, a];
    expect(leader.leadership.status()).toMatchObject({ replica: { role: 'leader' }, leader: { id: first.replica, epoch: first.epoch } });
    expect(leader.leadership.mayLead()).toBe(true);
    await vi.waitFor(() => expect(follower.leadership.status()).toMatchObject({ replica: { role: 'follower' }, leader: { id: first.replica, epoch: first.epoch } }), { timeout: 3000, interval: 20 });
    expect(follower.leadership.mayLead()).toBe(false);
    // A first leader on a fresh database has no predecessor and waits out no grace.
    expect(first.predecessor).toBeUndefined();
  });

  it('when the leader stops, then it resigns: the other takes over with the next epoch and the report the leader left', async () => {
    const { schema } = await freshStore();
    const a = replica('a', schema, { report: () => ({ limiterUsage: { bulk_create_events: [1111, 2222] } }) });
    const first = await electedOnce();
    expect(first.replica).toBe('a');
    replica('b', schema);
    await a.leadership.stop();
    await vi.waitFor(() => expect(log.filter((e) => e.what === 'elected')).toHaveLength(2), { timeout: 5000, interval: 20 });
    const [, deposedA, electedB] = log;
    expect(deposedA).toMatchObject({ replica: 'a', what: 'deposed', epoch: first.epoch, reason: 'stopping' });
    expect(electedB).toMatchObject({ replica: 'b', what: 'elected', epoch: first.epoch + 1, predecessor: { limiterUsage: { bulk_create_events: [1111, 2222] } } });
    expect((await runSql(`SELECT holder FROM ${schema}.replica_leader`)).rows[0]).toEqual({ holder: 'b' });
  });

  it('when the server kills the leader\'s lock session, then the leader steps down before the other begins its term', async () => {
    const { schema } = await freshStore();
    const a = replica('a', schema);
    await electedOnce();
    replica('b', schema);
    await runSql('SELECT pg_terminate_backend($1)', [await lockHolderPid(schema)]);
    await vi.waitFor(() => expect(log.filter((e) => e.what === 'elected')).toHaveLength(2), { timeout: 8000, interval: 20 });
    const transitions = log.map((e) => `${e.replica} ${e.what} ${e.epoch}`);
    // a may win the lock back itself once its session is new: either way, a's term 1 ended first.
    expect(transitions[1]).toBe('a deposed 1');
    expect(transitions[2]).toMatch(/^[ab] elected 2$/);
    expect(log[1]?.reason).toMatch(/lock session|no longer ours/);
    expect(a.terms[0]?.signal.aborted).toBe(true);
  });

  it('when the leader is cut off from PostgreSQL, then it stops (trust window) before the server frees its lock, and the other leads only after its grace', async () => {
    const { schema } = await freshStore();
    const target = new URL(TEST_POSTGRES_URL);
    const proxy = await startTcpProxy({ targetHost: target.hostname, targetPort: Number(target.port || 5432) });
    proxies.push(proxy);
    const throughProxy = new URL(TEST_POSTGRES_URL);
    throughProxy.host = `${proxy.host}:${proxy.port}`;
    const a = replica('a', schema, { base: throughProxy.toString() });
    await electedOnce();
    replica('b', schema);
    // b is a follower that has seen a lead.
    await vi.waitFor(async () => expect((await runSql(`SELECT holder FROM ${schema}.replica_leader`)).rows[0]).toEqual({ holder: 'a' }), { timeout: 3000 });
    proxy.blackhole();
    await vi.waitFor(() => expect(log.filter((e) => e.what === 'elected')).toHaveLength(2), { timeout: 10_000, interval: 20 });
    expect(log.map((e) => `${e.replica} ${e.what} ${e.epoch}`)).toEqual(['a elected 1', 'a deposed 1', 'b elected 2']);
    expect(log[1]?.reason).toMatch(/not confirmed/);
    expect(a.leadership.mayLead()).toBe(false);
    // After healing, a follows b.
    proxy.heal();
    await vi.waitFor(() => expect(a.leadership.status()).toMatchObject({ replica: { role: 'follower' }, leader: { id: 'b', epoch: 2 } }), { timeout: 5000, interval: 20 });
  });

  it('when a deposed leader writes through its fenced store, then the write is refused and changes nothing', async () => {
    const { schema, store } = await freshStore();
    const a = replica('a', schema);
    const first = await electedOnce();
    let fencedOut: number | undefined;
    const aView = store.fencedTo(first.epoch, (epoch) => (fencedOut = epoch));
    await store.jobRuns.create({ id: 'fenced-run', job: 'segment-overlap', params: {}, createdAt: new Date() });
    // While a leads, its writes go through.
    expect(await aView.jobRuns.markRunning('fenced-run', new Date())).toBe(true);
    replica('b', schema);
    await a.leadership.stop();
    await vi.waitFor(() => expect(log.some((e) => e.replica === 'b' && e.what === 'elected')).toBe(true), { timeout: 5000, interval: 20 });
    await expect(aView.jobRuns.finish('fenced-run', { status: 'succeeded', finishedAt: new Date() })).rejects.toBeInstanceOf(FencedOutError);
    expect(fencedOut).toBe(first.epoch);
    expect(await store.jobRuns.get('fenced-run')).toMatchObject({ status: 'running' });
    // Reads need no fence.
    expect(await aView.jobRuns.get('fenced-run')).toMatchObject({ status: 'running' });
  });
});
