import { startServiceProcess, type ServiceProcess } from '../../../scripts/service-process.js';
import type { KlaviyoSandbox } from '../../../sandbox/klaviyo/index.js';

export const INGEST = 'replica-ingest-token-0001';
export const ADMIN = 'replica-admin-token-00001';
export const KEY = 'pk_replica_cluster_test_01';
export const WEBHOOK_SECRET = 'replica-webhook-secret-0123456789';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Replica {
  id: string;
  process: ServiceProcess;
  url: string;
}

/** Starts one real service process (src/server.ts) of the cluster: DATABASE_URL shared, REPLICA_ID its own. */
export function startReplica(id: string, options: { databaseUrl: string; sandbox: KlaviyoSandbox; env?: Record<string, string> }): Promise<Replica> {
  return startServiceProcess({
    KLAVIYO_API_KEY: KEY,
    KLAVIYO_BASE_URL: options.sandbox.url,
    KLAVIYO_WEBHOOK_SECRETS: WEBHOOK_SECRET,
    INGEST_TOKENS: INGEST,
    ADMIN_TOKENS: ADMIN,
    DATABASE_URL: options.databaseUrl,
    REPLICA_ID: id,
    LOG_LEVEL: 'info',
    ...options.env,
  }).then((process) => ({ id, process, url: process.url }));
}

export interface ReadyBody {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string }>;
  replica: { id: string; role: 'leader' | 'follower' };
  leader: { id: string; epoch: number; since: string } | null;
}

export async function readyz(replica: Replica): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${replica.url}/readyz`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

export const adminGet = async <T>(replica: Replica, path: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${replica.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: AbortSignal.timeout(70_000) });
  return { status: res.status, body: (await res.json()) as T };
};

export const postJson = async (replica: Replica, path: string, body: unknown, token = INGEST): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(`${replica.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};

export const eventsBody = (ids: readonly string[], metric = 'Replica Test') => ({
  events: ids.map((id, i) => ({ event_name: metric, distinct_id: `user-${i % 53}`, insert_id: id, properties: { n: i } })),
});

/**
 * Posts `ids` in chunks as a load balancer's client would: each chunk to the next replica in turn,
 * and to another one when a replica does not acknowledge (down, stopping, its database cut off),
 * until one answers 202. Resolves with the ids acknowledged (all of them, once it ends).
 */
export async function postThroughBalancer(replicas: () => Replica[], ids: readonly string[], options: { perRequest?: number; pauseMs?: number; metric?: string } = {}): Promise<Set<string>> {
  const perRequest = options.perRequest ?? 25;
  const acknowledged = new Set<string>();
  let turn = 0;
  for (let start = 0; start < ids.length; start += perRequest) {
    const chunk = ids.slice(start, start + perRequest);
    for (;;) {
      const live = replicas();
      const target = live[turn % Math.max(1, live.length)];
      turn += 1;
      if (target) {
        try {
          const res = await postJson(target, '/v1/events', eventsBody(chunk, options.metric));
          if (res.status === 202) {
            chunk.forEach((id) => acknowledged.add(id));
            break;
          }
        } catch {
          // down or unreachable: the next replica
        }
      }
      await sleep(20);
    }
    if (options.pauseMs) await sleep(options.pauseMs);
  }
  return acknowledged;
}

/** The replica that reports itself leader, once one does. */
export async function leaderOf(replicas: readonly Replica[]): Promise<Replica> {
  for (;;) {
    for (const replica of replicas) {
      try {
        if ((await readyz(replica)).body.replica?.role === 'leader') return replica;
      } catch {
        // not answering: another one
      }
    }
    await sleep(50);
  }
}

export async function stopReplica(replica: Replica, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (replica.process.child.exitCode !== null || replica.process.child.signalCode !== null) return;
  replica.process.child.kill(signal);
  await replica.process.exited;
}

/** The sandbox's requests made by one replica (our User-Agent names it). */
export const requestsBy = (sandbox: KlaviyoSandbox, id: string) => sandbox.received().filter((r) => r.userAgent.endsWith(`(replica ${id})`));

/** Every limit class the sandbox saw stayed within Klaviyo's budget, and nothing was throttled. */
export function limitViolations(sandbox: KlaviyoSandbox): string[] {
  const problems: string[] = [];
  for (const [name, report] of Object.entries(sandbox.report().limitClasses)) {
    if (report.maxPerSecond > report.burst) problems.push(`${name}: ${report.maxPerSecond} in one second (burst ${report.burst})`);
    if (report.maxPerMinute > report.steady) problems.push(`${name}: ${report.maxPerMinute} in one minute (steady ${report.steady})`);
    if (report.throttled > 0) problems.push(`${name}: ${report.throttled} answered 429`);
  }
  return problems;
}

/** How many times the sandbox stored each event of `metric`, by insert id. */
export function storedCounts(sandbox: KlaviyoSandbox, metric = 'Replica Test'): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of sandbox.data.events.events) if (event.metricName === metric) counts.set(event.uniqueId, (counts.get(event.uniqueId) ?? 0) + 1);
  return counts;
}
