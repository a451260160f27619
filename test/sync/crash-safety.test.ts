import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startKlaviyoSandbox } from '../../sandbox/klaviyo/index.js';
import { Prng } from '../../sandbox/klaviyo/prng.js';
import { startServiceProcess, type ServiceProcess } from '../../scripts/service-process.js';

const INGEST = 'crash-ingest-token-000001';
const ADMIN = 'crash-admin-token-0000001';
const KEY = 'pk_crash_safety_test_0001';
const EVENTS = 1_500;
const PER_REQUEST = 25;
const KILLS = 5;

/**
 * When the kills land comes from a seeded generator: a fresh seed each run (so runs cover different
 * moments), printed and in the test's name, and CRASH_SEED replays one:
 *   CRASH_SEED=1234 npx vitest run test/sync/crash-safety.test.ts
 * A replay repeats the kill delays exactly; how far delivery has got at each is still up to the machine.
 */
function crashSeed(): number {
  const given = process.env.CRASH_SEED;
  if (given === undefined || given.trim() === '') return Math.floor(Math.random() * 2 ** 31);
  const seed = Number(given);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`CRASH_SEED must be a non-negative integer, not "${given}"`);
  return seed;
}
const SEED = crashSeed();
const prng = new Prng(SEED, 'crash-safety kills');
/** Milliseconds from each (re)start of the service to its SIGKILL. */
const KILL_AFTER_MS = Array.from({ length: KILLS }, () => prng.int(300, 1_199));
const REPLAY = `CRASH_SEED=${SEED} npx vitest run test/sync/crash-safety.test.ts`;
console.log(`crash safety: seed ${SEED}, SIGKILL ${KILL_AFTER_MS.join(' / ')} ms after each start (replay: ${REPLAY})`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const dataDir = mkdtempSync(join(tmpdir(), 'kb-crash-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('crash safety', () => {
  it(`when the service is SIGKILLed at random moments during delivery (seed ${SEED}), then every acknowledged event reaches Klaviyo exactly once after dedupe`, { timeout: 90_000 }, async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    // Latency keeps requests in flight, so kills land between "Klaviyo stored it" and "we settled it".
    const sandbox = await startKlaviyoSandbox({ apiKey: KEY, seed: 3, scale: { profiles: 20, orders: 5 } });
    sandbox.faults.set({ latencyMs: 120 });
    const port = await freePort();
    const env = { KLAVIYO_API_KEY: KEY, KLAVIYO_BASE_URL: sandbox.url, DATA_DIR: dataDir, INGEST_TOKENS: INGEST, ADMIN_TOKENS: ADMIN, PORT: String(port), LOG_LEVEL: 'info' };
    const url = `http://127.0.0.1:${port}`;
    let service: ServiceProcess = await startServiceProcess(env);
    // Settles each time a service process is listening; replaced by a pending one just before a kill.
    let up: Promise<void> = Promise.resolve();

    const ids = Array.from({ length: EVENTS }, (_, i) => `crash-${i}`);
    const acknowledged = new Set<string>();
    let postingDone = false;
    // The client retries a request until it is acknowledged, with the same insert_ids (safe: dedupe).
    const poster = (async () => {
      for (let start = 0; start < ids.length; start += PER_REQUEST) {
        const chunk = ids.slice(start, start + PER_REQUEST);
        const body = { events: chunk.map((id, i) => ({ event_name: 'Crash Test', distinct_id: `user-${(start + i) % 97}`, insert_id: id, properties: { n: start + i } })) };
        for (;;) {
          try {
            const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${INGEST}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
            if (res.status === 202) {
              chunk.forEach((id) => acknowledged.add(id));
              break;
            }
            // An answer other than 202 (the service is starting or stopping): ask again a little later.
            await sleep(30);
          } catch {
            // The service is down right now: ask again once its successor listens.
            await up;
          }
        }
        // Pacing, not a wait: it spreads the posting across the kills.
        await sleep(5);
      }
      postingDone = true;
    })();

    for (const killAfterMs of KILL_AFTER_MS) {
      // The chaos itself: the moment of the kill, from the seeded schedule.
      await sleep(killAfterMs);
      let restarted: () => void = () => undefined;
      up = new Promise((resolve) => (restarted = resolve));
      service.child.kill('SIGKILL');
      await service.exited;
      service = await startServiceProcess(env);
      restarted();
    }
    await poster;
    expect(postingDone).toBe(true);

    const drained = await vi.waitFor(
      async () => {
        const res = await fetch(`${url}/v1/sync`, { headers: { authorization: `Bearer ${ADMIN}` } });
        const body = (await res.json()) as { kinds: { event: { pending: number; in_flight: number; dead: number } } };
        expect(body.kinds.event, `not drained (replay: ${REPLAY})`).toMatchObject({ pending: 0, in_flight: 0 });
        return body.kinds.event;
      },
      { timeout: 40_000, interval: 100 },
    );
    expect(drained.dead, `dead letters (replay: ${REPLAY})`).toBe(0);
    service.child.kill('SIGTERM');
    await service.exited;

    const stored = sandbox.data.events.events.filter((e) => e.metricName === 'Crash Test');
    const perId = new Map<string, number>();
    for (const e of stored) perId.set(e.uniqueId, (perId.get(e.uniqueId) ?? 0) + 1);
    expect(acknowledged.size).toBe(EVENTS);
    expect([...acknowledged].filter((id) => perId.get(id) !== 1), `not stored exactly once (replay: ${REPLAY})`).toEqual([]);
    expect(stored).toHaveLength(EVENTS);
    const report = sandbox.report();
    console.log(
      `crash safety (seed ${SEED}): ${KILLS} SIGKILLs, ${EVENTS} events acknowledged, ${stored.length} stored after dedupe, ` +
        `${report.duplicateEvents} sent twice before dedupe, ${report.requests.byClass['bulk_create_events'] ?? 0} bulk requests`,
    );
    await sandbox.close();
  });
});
