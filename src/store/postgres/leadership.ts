import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Logger } from '../../lib/logger.js';
import { createWaker } from '../../lib/wake.js';
import type { LeaderInfo, LeaderReport, LeaderTerm, Leadership, LeadershipHandlers, LeadershipStatus } from '../leadership.js';
import { describeConnectionString, pgTypeParsers } from './database.js';

/**
 * How the replicas elect their leader (docs/replicas.md#timings). The invariants, checked at
 * construction:
 *  - trustMs < idleSessionTimeoutMs: a leader cut off from PostgreSQL stops sending (trustMs after
 *    its last confirmed heartbeat began) before the server frees its lock (idleSessionTimeoutMs after
 *    the session's last activity, which is later than that heartbeat's start);
 *  - graceMs ≥ heartbeatMs + heartbeatTimeoutMs: a leader whose lock session was killed under it
 *    (pg_terminate_backend, a failover) finds out at its next heartbeat at the latest, and its
 *    successor waits that long before its first call.
 */
export interface LeadershipTimings {
  /** A follower tries for the lock this often (× 0.5–1, jittered). */
  campaignMs: number;
  /** The leader confirms its lock this often. */
  heartbeatMs: number;
  /** One heartbeat's bound (the lock session's query timeout). */
  heartbeatTimeoutMs: number;
  /** A leader that has not confirmed its lock for this long stops sending and steps down. */
  trustMs: number;
  /** The lock session's idle_session_timeout: the server ends a silent leader's session, and so its lock. */
  idleSessionTimeoutMs: number;
  /** A new leader waits this long before its first Klaviyo call, unless its predecessor resigned. */
  graceMs: number;
  /** Connecting the lock session. */
  connectTimeoutMs: number;
}

export const DEFAULT_LEADERSHIP_TIMINGS: LeadershipTimings = {
  campaignMs: 1000,
  heartbeatMs: 1000,
  heartbeatTimeoutMs: 1000,
  trustMs: 4000,
  idleSessionTimeoutMs: 6000,
  graceMs: 2500,
  connectTimeoutMs: 3000,
};

export interface PgLeadershipOptions {
  connectionString: string;
  /** The schema the store lives in (tests): the lock is per schema, so stores in other schemas elect their own leaders. */
  schema?: string;
  replicaId: string;
  logger: Logger;
  timings?: Partial<LeadershipTimings>;
  random?: () => number;
}

/** The advisory lock's first key: "KB". The second is the schema's hash, so each schema elects its own leader. */
const LOCK_CLASS = 0x4b42;

/** The advisory lock's two keys for the store in `schema` (pg_locks: classid, objid). */
export function leadershipLockKeys(schema: string): [number, number] {
  return [LOCK_CLASS, schemaKey(schema)];
}

/** FNV-1a of the schema name, folded to a positive int4. */
function schemaKey(schema: string): number {
  let hash = 0x811c9dc5;
  for (const char of schema) {
    hash ^= char.codePointAt(0) as number;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}

const DB_NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';
const WAKE_CHANNEL = 'kb_leader';

interface LeaderRow {
  epoch: number;
  holder: string | null;
  since: number | null;
  report_json: string | null;
  age_ms: number | null;
}

interface ActiveTerm extends LeaderTerm {
  controller: AbortController;
  since: Date;
  /** performance.now() when the last confirmed heartbeat (or the election) began. */
  confirmedAt: number;
  trustTimer?: NodeJS.Timeout;
  graceTimer?: NodeJS.Timeout;
  /** `elected` has been called (after the grace): `deposed` must follow. */
  begun: boolean;
}


function parseReport(json: string | null): LeaderReport | undefined {
  if (!json) return undefined;
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === 'object' ? (value as LeaderReport) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Leader election on PostgreSQL (docs/replicas.md): a session advisory lock held on a dedicated
 * connection with idle_session_timeout, a local trust window, an epoch bumped by every new leader
 * (the fence every leader write checks: fenced.ts) and a grace before a new leader's first call.
 * One loop per replica does everything in turn (connect, campaign, heartbeat), so no two steps of
 * it race; `elected` and `deposed` are chained, so leader work never starts before the last term's
 * work has stopped.
 */
export function createPgLeadership(options: PgLeadershipOptions): Leadership {
  const timings: LeadershipTimings = { ...DEFAULT_LEADERSHIP_TIMINGS, ...options.timings };
  if (!(timings.trustMs < timings.idleSessionTimeoutMs)) throw new RangeError('leadership: trustMs must be shorter than idleSessionTimeoutMs');
  if (!(timings.graceMs >= timings.heartbeatMs + timings.heartbeatTimeoutMs)) throw new RangeError('leadership: graceMs must be at least heartbeatMs + heartbeatTimeoutMs');
  const { replicaId, logger } = options;
  const random = options.random ?? Math.random;
  const target = describeConnectionString(options.connectionString);
  const log = logger.child({ component: 'leadership', replica: replicaId });
  const waker = createWaker();

  let handlers: LeadershipHandlers | undefined;
  let client: pg.Client | undefined;
  let lockKey = 0;
  let term: ActiveTerm | undefined;
  let lastSeen: { leader: LeaderInfo | null; report?: LeaderReport } = { leader: null };
  let transitions: Promise<void> = Promise.resolve();
  let stopped = false;
  let loop: Promise<void> | undefined;
  let lastConnectError: string | undefined;

  const chain = (step: () => Promise<void>) => {
    transitions = transitions.then(step).catch((error: unknown) => log.error({ err: error }, 'leader work transition failed'));
    return transitions;
  };

  const dropClient = (reason: string) => {
    const current = client;
    client = undefined;
    if (!current) return;
    log.debug({ reason }, 'closing the lock session');
    // Not awaited: a black-holed connection may never finish ending; the server drops the session (and its lock) by itself.
    current.end().catch(() => undefined);
  };

  const depose = (ending: ActiveTerm, reason: string) => {
    if (term !== ending) return;
    term = undefined;
    clearTimeout(ending.trustTimer);
    clearTimeout(ending.graceTimer);
    ending.controller.abort();
    lastSeen = { leader: null };
    log.warn({ epoch: ending.epoch, reason }, 'no longer the leader');
    if (ending.begun) void chain(() => (handlers as LeadershipHandlers).deposed(ending, reason));
    // Whatever the cause, the session goes too, so the lock is surely free for the next leader.
    if (reason !== 'stopping') dropClient(reason);
    waker.wake();
  };

  const confirm = (current: ActiveTerm, startedAt: number) => {
    current.confirmedAt = startedAt;
    clearTimeout(current.trustTimer);
    const left = timings.trustMs - (performance.now() - startedAt);
    current.trustTimer = setTimeout(() => depose(current, `lock not confirmed for ${timings.trustMs} ms`), Math.max(0, left));
    current.trustTimer.unref();
  };

  const connect = async (): Promise<pg.Client> => {
    const session = new pg.Client({
      connectionString: options.connectionString,
      keepAlive: true,
      keepAliveInitialDelayMillis: 1000,
      connectionTimeoutMillis: timings.connectTimeoutMs,
      // The server cancels a statement at heartbeatTimeoutMs (a lock wait, say); the client gives up a little later (a partition).
      statement_timeout: Math.max(timings.heartbeatTimeoutMs, 1),
      query_timeout: Math.max(timings.heartbeatTimeoutMs, 1) + 250,
      application_name: 'klaviyo-bridge leadership',
      types: pgTypeParsers,
      ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
    });
    const lost = (why: string) => {
      if (client !== session) return;
      if (term) depose(term, why);
      else dropClient(why);
    };
    session.on('error', (error) => lost(`lock session failed: ${error.message}`));
    session.on('end', () => lost('lock session ended'));
    session.on('notification', () => waker.wake());
    try {
      await session.connect();
      // A silent leader's session (and lock) ends on the server's clock; keepalives find a dead peer sooner.
      await session.query(
        `SET idle_session_timeout = ${Math.ceil(timings.idleSessionTimeoutMs)}; SET tcp_keepalives_idle = 2; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 3`,
      );
      const schema = (await session.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]?.schema ?? 'public';
      lockKey = schemaKey(schema);
      await session.query(`LISTEN ${WAKE_CHANNEL}`);
    } catch (error) {
      session.end().catch(() => undefined);
      throw error;
    }
    if (lastConnectError !== undefined) log.info({ target }, 'lock session connected again');
    lastConnectError = undefined;
    return session;
  };

  const readRow = async (session: pg.Client): Promise<LeaderRow | undefined> =>
    (await session.query<LeaderRow>(`SELECT epoch, holder, since, report_json, ${DB_NOW_MS} - heartbeat_at AS age_ms FROM replica_leader WHERE id = 1`)).rows[0];

  /** A follower's round: note who leads, then try for the lock. */
  const campaign = async (session: pg.Client) => {
    const row = await readRow(session);
    const alive = row?.holder != null && row.age_ms !== null && row.age_ms <= timings.idleSessionTimeoutMs + timings.heartbeatMs;
    lastSeen =
      alive && row?.holder != null
        ? { leader: { id: row.holder, epoch: row.epoch, since: new Date(row.since ?? 0).toISOString() }, report: parseReport(row.report_json) }
        : { leader: null };
    const startedAt = performance.now();
    const won = (await session.query<{ won: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS won', [LOCK_CLASS, lockKey])).rows[0]?.won === true;
    if (!won) return;
    let elected: { epoch: number; since: number; previous_holder: string | null; report_json: string | null } | undefined;
    try {
      elected = (
        await session.query<{ epoch: number; since: number; previous_holder: string | null; report_json: string | null }>(
          `UPDATE replica_leader r SET epoch = r.epoch + 1, holder = $1, since = ${DB_NOW_MS}, heartbeat_at = ${DB_NOW_MS}
           FROM (SELECT holder FROM replica_leader WHERE id = 1 FOR UPDATE) AS previous
           WHERE r.id = 1 RETURNING r.epoch, r.since, previous.holder AS previous_holder, r.report_json`,
          [replicaId],
        )
      ).rows[0];
    } finally {
      if (!elected) await session.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, lockKey]).catch(() => undefined);
    }
    if (!elected) return;
    const controller = new AbortController();
    const current: ActiveTerm = {
      epoch: elected.epoch,
      signal: controller.signal,
      controller,
      since: new Date(elected.since),
      confirmedAt: startedAt,
      begun: false,
      predecessor: parseReport(elected.report_json),
    };
    term = current;
    confirm(current, startedAt);
    lastSeen = { leader: { id: replicaId, epoch: current.epoch, since: current.since.toISOString() } };
    // A predecessor that resigned has stopped sending; one that did not may still be, until it notices.
    const graceMs = elected.previous_holder === null ? 0 : timings.graceMs;
    log.info({ epoch: current.epoch, graceMs, predecessor: elected.previous_holder }, 'elected leader');
    current.graceTimer = setTimeout(() => {
      if (term !== current || stopped) return;
      current.begun = true;
      void chain(async () => {
        try {
          await (handlers as LeadershipHandlers).elected(current);
        } catch (error) {
          // A leader without its work would hold the lock for nothing: give the term up (and try again later).
          log.error({ err: error, epoch: current.epoch }, 'leader work failed to start');
          depose(current, 'leader work failed to start');
        }
      });
    }, graceMs);
  };

  /** The leader's round: confirm the lock and the epoch, and publish the report. */
  const heartbeat = async (session: pg.Client, current: ActiveTerm) => {
    const startedAt = performance.now();
    const report = JSON.stringify((handlers as LeadershipHandlers).report());
    const result = await session.query(
      `UPDATE replica_leader SET heartbeat_at = ${DB_NOW_MS}, report_json = $2
       WHERE id = 1 AND epoch = $1 AND holder = $3
         AND EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
                     AND classid = $4::oid AND objid = $5::oid AND objsubid = 2)`,
      [current.epoch, report, replicaId, LOCK_CLASS, lockKey],
    );
    if (term !== current) return;
    if (result.rowCount === 1) confirm(current, startedAt);
    else depose(current, 'the lock or the epoch is no longer ours');
  };

  const runLoop = async () => {
    while (!stopped) {
      try {
        client ??= await connect();
        const session = client;
        if (term) await heartbeat(session, term);
        else await campaign(session);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (client === undefined) {
          if (message !== lastConnectError) log.warn({ target, err: message }, 'cannot reach PostgreSQL for leader election; retrying');
          lastConnectError = message;
          lastSeen = { leader: null };
        } else {
          log.warn({ err: message, leader: term !== undefined }, 'leader election round failed');
          // A timed-out query leaves the session busy: start a new one (a leader keeps its term until the trust window says otherwise).
          if (!term) dropClient(message);
        }
      }
      if (stopped) break;
      await waker.wait(term ? timings.heartbeatMs : timings.campaignMs * (0.5 + random() / 2));
    }
  };

  return {
    replicaId,
    async start(given) {
      if (handlers) return;
      handlers = given;
      loop = runLoop();
    },
    status(): LeadershipStatus {
      const leading = term !== undefined && term.begun && !term.signal.aborted;
      return {
        replica: { id: replicaId, role: leading ? 'leader' : 'follower' },
        leader: lastSeen.leader,
        ...(leading || !lastSeen.report ? {} : { leaderReport: lastSeen.report }),
      };
    },
    mayLead() {
      return term !== undefined && term.begun && !term.signal.aborted && performance.now() - term.confirmedAt < timings.trustMs;
    },
    fencedOut(epoch) {
      if (term && term.epoch === epoch) depose(term, `a newer leader superseded epoch ${epoch}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      waker.wake();
      // The term ends at once (leader work stops); a round in progress may still win one, which ends too.
      let ending: ActiveTerm | undefined;
      const end = () => {
        if (!term) return;
        ending = term;
        depose(term, 'stopping');
      };
      end();
      await loop;
      end();
      await transitions;
      const session = client;
      client = undefined;
      if (!session) return;
      try {
        const resigning = ending as ActiveTerm | undefined;
        if (resigning) {
          // Resigned: the successor need not wait out a grace, and starts from this minute's usage.
          const report = JSON.stringify((handlers as LeadershipHandlers).report());
          await session.query('UPDATE replica_leader SET holder = NULL, report_json = $2 WHERE id = 1 AND epoch = $1', [resigning.epoch, report]);
          await session.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, lockKey]);
          await session.query(`NOTIFY ${WAKE_CHANNEL}`);
          log.info({ epoch: resigning.epoch }, 'resigned leadership');
        }
      } catch (error) {
        log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not resign cleanly; the lock goes with the session');
      } finally {
        await session.end().catch(() => undefined);
      }
    },
  };
}
