import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import pg from 'pg';
import { startServiceProcess, type ServiceProcess } from '../scripts/service-process.js';
import { drainRounds } from './ingest-sync.js';
import { startChildServer } from './lib/child-server.js';
import { runAsMain } from './lib/main.js';
import { runPacedLoad } from './lib/paced-load.js';
import { asSetupRequest, eventBodies, poolSizeFor } from './lib/request-pool.js';
import { measure, median, type Measured } from './lib/rounds.js';
import { runLoad } from './lib/run-load.js';
import { BENCH_INGEST_TOKEN } from './lib/service.js';

/**
 * PostgreSQL and replicas (BENCHMARKS.md), against the PostgreSQL at BENCH_POSTGRES_URL (default
 * this machine's: postgres@127.0.0.1:5432/test), each run in a schema of its own, dropped after:
 *  (i) ingest: 1-event POST /v1/events on PostgreSQL vs SQLite, same machine, same load: saturation
 *      (32 connections) and p99 at one paced rate for both (half of SQLite's saturation that round);
 *  (t) takeover: two service processes (src/server.ts) on one database and a Klaviyo sandbox; the
 *      leader SIGKILLed while events flow; time to the first delivery the new leader records
 *      (goal < 5 s);
 *  (d) drain of 100,000 events on PostgreSQL vs the minimum Klaviyo's limits allow (goal ≤ 1.15 ×).
 *   npx tsx bench/replicas.ts [parts=itd] [rounds=3] [durationS=6] [drainEvents=100000]
 */
const parts = process.argv[2] ?? 'itd';
const rounds = Number(process.argv[3] ?? 3);
const durationS = Number(process.argv[4] ?? 6);
const drainEvents = Number(process.argv[5] ?? 100_000);
const BASE_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONNECTIONS = 32;
const SANDBOX_KEY = 'pk_bench_replicas_sandbox';
const ADMIN = 'bench-replicas-admin-token-01';
const ingestServer = new URL('./servers/ingest-app.ts', import.meta.url);

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh schema, and a URL whose search_path is it. */
async function freshSchema(schemas: string[]): Promise<string> {
  const schema = `kbbench_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  await sql(`CREATE SCHEMA ${schema}`);
  const url = new URL(BASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** The ingest app (no background work) with BENCH_DATABASE_URL set or not. */
async function withIngestBackend<T>(databaseUrl: string | undefined, body: () => Promise<T>): Promise<T> {
  const previous = process.env.BENCH_DATABASE_URL;
  if (databaseUrl) process.env.BENCH_DATABASE_URL = databaseUrl;
  else delete process.env.BENCH_DATABASE_URL;
  try {
    return await body();
  } finally {
    if (previous === undefined) delete process.env.BENCH_DATABASE_URL;
    else process.env.BENCH_DATABASE_URL = previous;
  }
}

const saturation = (label: string) =>
  measure(`${label} (saturation)`, ingestServer, [], (url, beforeMeasure) =>
    runLoad({ url: `${url}/v1/events`, method: 'POST', connections: CONNECTIONS, durationS, warmupS: 2, setupRequest: asSetupRequest(eventBodies(poolSizeFor(durationS + 2))), beforeMeasure }),
  );
const paced = (label: string, rate: number) =>
  measure(`${label} at ${rate} req/s`, ingestServer, [], (url, beforeMeasure) =>
    runPacedLoad({ url: `${url}/v1/events`, connections: CONNECTIONS, durationS, warmupS: 2, rate, next: eventBodies(Math.ceil(rate * (durationS + 2) * 1.1)), beforeMeasure }),
  );

async function benchIngestBackends(schemas: string[]): Promise<string[]> {
  const rows: Array<{ sqlite: Measured; postgres: Measured; rate: number; sqlitePaced: Measured; postgresPaced: Measured }> = [];
  for (let round = 0; round < rounds; round += 1) {
    process.stderr.write(`-- (i) round ${round + 1} of ${rounds}\n`);
    const sqlite = await withIngestBackend(undefined, () => saturation('SQLite'));
    const postgres = await withIngestBackend(await freshSchema(schemas), () => saturation('PostgreSQL'));
    const rate = Math.max(1, Math.round(sqlite.requestsPerSec / 2));
    const sqlitePaced = await withIngestBackend(undefined, () => paced('SQLite', rate));
    const postgresPaced = await withIngestBackend(await freshSchema(schemas), () => paced('PostgreSQL', rate));
    rows.push({ sqlite, postgres, rate, sqlitePaced, postgresPaced });
  }
  const ratio = median(rows.map((r) => r.postgres.requestsPerSec / r.sqlite.requestsPerSec));
  return [
    '(i) 1-event POST /v1/events, 32 connections, the ingest path only (validation, mapping, the durable commit before 202):',
    '',
    '| store | saturation req/s | per round | CPU µs/req | p50 / p99 ms at the same paced rate | per round p99 ms |',
    '|---|---:|---|---:|---|---|',
    `| SQLite (WAL, synchronous=FULL) | ${median(rows.map((r) => r.sqlite.requestsPerSec)).toFixed(0)} | ${rows.map((r) => r.sqlite.requestsPerSec.toFixed(0)).join(' / ')} | ${median(rows.map((r) => r.sqlite.cpuMicrosPerRequest)).toFixed(0)} | ${median(rows.map((r) => r.sqlitePaced.p50Ms))} / ${median(rows.map((r) => r.sqlitePaced.p99Ms))} at ${median(rows.map((r) => r.rate)).toFixed(0)} req/s | ${rows.map((r) => r.sqlitePaced.p99Ms).join(' / ')} |`,
    `| PostgreSQL (local server, group commit) | ${median(rows.map((r) => r.postgres.requestsPerSec)).toFixed(0)} | ${rows.map((r) => r.postgres.requestsPerSec.toFixed(0)).join(' / ')} | ${median(rows.map((r) => r.postgres.cpuMicrosPerRequest)).toFixed(0)} | ${median(rows.map((r) => r.postgresPaced.p50Ms))} / ${median(rows.map((r) => r.postgresPaced.p99Ms))} at the same rate | ${rows.map((r) => r.postgresPaced.p99Ms).join(' / ')} |`,
    '',
    `PostgreSQL / SQLite saturation: median ${ratio.toFixed(2)} × (${rows.map((r) => (r.postgres.requestsPerSec / r.sqlite.requestsPerSec).toFixed(2)).join(' / ')}); non-2xx ${rows.reduce((n, r) => n + r.sqlite.non2xx + r.postgres.non2xx + r.sqlitePaced.non2xx + r.postgresPaced.non2xx, 0)}.`,
  ];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function syncStatus(replica: ServiceProcess): Promise<{ last_delivery_at: string | null; replica: { role: string } }> {
  const res = await fetch(`${replica.url}/v1/sync`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: AbortSignal.timeout(5000) });
  return (await res.json()) as { last_delivery_at: string | null; replica: { role: string } };
}

/** One takeover: ms from the leader's SIGKILL to the first delivery the new leader records. */
async function takeoverOnce(schemas: string[], sandboxUrl: string): Promise<number> {
  const databaseUrl = await freshSchema(schemas);
  const env = (id: string) => ({ KLAVIYO_API_KEY: SANDBOX_KEY, KLAVIYO_BASE_URL: sandboxUrl, INGEST_TOKENS: BENCH_INGEST_TOKEN, ADMIN_TOKENS: ADMIN, DATABASE_URL: databaseUrl, REPLICA_ID: id, LOG_LEVEL: 'warn' });
  // LOG_LEVEL=warn hides the "listening" line startServiceProcess waits for; info it is, to /dev/null.
  const processes = await Promise.all(['a', 'b'].map((id) => startServiceProcess({ ...env(id), LOG_LEVEL: 'info' })));
  try {
    let leader: ServiceProcess | undefined;
    while (!leader) {
      for (const p of processes) if ((await syncStatus(p)).replica.role === 'leader') leader = p;
      await sleep(20);
    }
    const survivor = processes.find((p) => p !== leader) as ServiceProcess;
    let flowing = true;
    let n = 0;
    const run = randomBytes(3).toString('hex');
    // Events keep arriving at the survivor: 10 every 20 ms.
    const flow = (async () => {
      while (flowing) {
        const events = Array.from({ length: 10 }, () => ({ event_name: 'Takeover', distinct_id: `u${n % 50}`, insert_id: `${run}-${(n += 1)}` }));
        await fetch(`${survivor.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${BENCH_INGEST_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ events }) }).catch(() => undefined);
        await sleep(20);
      }
    })();
    while ((await syncStatus(survivor)).last_delivery_at === null) await sleep(20);
    await sleep(1000);
    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await leader.exited;
    let takeoverMs: number | undefined;
    while (takeoverMs === undefined) {
      const status = await syncStatus(survivor);
      const last = status.last_delivery_at ? Date.parse(status.last_delivery_at) : 0;
      if (status.replica.role === 'leader' && last > killedAt) takeoverMs = last - killedAt;
      else await sleep(10);
    }
    flowing = false;
    await flow;
    process.stderr.write(`  takeover: first delivery by the new leader ${takeoverMs} ms after the SIGKILL\n`);
    return takeoverMs;
  } finally {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
  }
}

async function benchTakeover(schemas: string[]): Promise<string[]> {
  const sandbox = await startChildServer(new URL('./servers/klaviyo-sandbox.ts', import.meta.url), [SANDBOX_KEY, '1'], { isolated: false });
  try {
    const times: number[] = [];
    for (let round = 0; round < Math.max(rounds, 5); round += 1) times.push(await takeoverOnce(schemas, sandbox.url));
    const value = median(times);
    return [`(t) takeover after SIGKILL of the leader (two processes, production election timings: campaign 1 s, grace 2.5 s): first delivery by the new leader after ${times.map((t) => `${(t / 1000).toFixed(2)} s`).join(' / ')} → median ${(value / 1000).toFixed(2)} s; goal < 5 s → ${value < 5000 ? 'met' : 'MISSED'}.`];
  } finally {
    await sandbox.close();
  }
}

async function benchDrain(schemas: string[]): Promise<string[]> {
  const { drains, first, ratios, ratio, times } = await drainRounds(rounds, drainEvents, 1, '(d)', () => freshSchema(schemas));
  return [
    `(d) ${first.events} events drained from PostgreSQL with ${first.requests} requests, ${rounds} runs: ${times}; minimum the limits allow ${(first.minimumMs / 1000).toFixed(2)} s → median ${ratio.toFixed(3)} × minimum (${ratios.map((r) => r.toFixed(3)).join(' / ')}); goal ≤ 1.15 → ${ratio <= 1.15 ? 'met' : 'MISSED'}; 429s ${drains.map((d) => d.throttled).join(' / ')}; stored ${drains.map((d) => d.eventsStored).join(' / ')}.`,
  ];
}

export async function benchReplicas(): Promise<string> {
  try {
    await sql('SELECT 1');
  } catch (error) {
    const text = `bench/replicas.ts skipped: no PostgreSQL answers at ${BASE_URL.replace(/:[^:@/]*@/, '@')} (${error instanceof Error ? error.message : String(error)}); set BENCH_POSTGRES_URL.`;
    process.stdout.write(`${text}\n`);
    return text;
  }
  const schemas: string[] = [];
  const lines = [`Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}); PostgreSQL at ${BASE_URL.replace(/:[^:@/]*@/, '@')}, a schema per run.`, ''];
  try {
    if (parts.includes('i')) lines.push(...(await benchIngestBackends(schemas)), '');
    if (parts.includes('t')) lines.push(...(await benchTakeover(schemas)), '');
    if (parts.includes('d')) lines.push(...(await benchDrain(schemas)));
  } finally {
    if (schemas.length > 0) await sql(schemas.map((s) => `DROP SCHEMA IF EXISTS ${s} CASCADE;`).join('\n'));
  }
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  return text;
}

runAsMain(import.meta.url, benchReplicas);
