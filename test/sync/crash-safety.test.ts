import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, describe, expect, it } from 'vitest';
import { startKlaviyoSandbox } from '../../sandbox/klaviyo/index.js';
import { startServiceProcess, type ServiceProcess } from '../../scripts/service-process.js';

const INGEST = 'crash-ingest-token-000001';
const ADMIN = 'crash-admin-token-0000001';
const KEY = 'pk_crash_safety_test_0001';
const EVENTS = 1_500;
const PER_REQUEST = 25;
const KILLS = 5;

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
  it('when the service is SIGKILLed at random moments during delivery, then every acknowledged event reaches Klaviyo exactly once after dedupe', { timeout: 90_000 }, async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    // Latency keeps requests in flight, so kills land between "Klaviyo stored it" and "we settled it".
    const sandbox = await startKlaviyoSandbox({ apiKey: KEY, seed: 3, scale: { profiles: 20, orders: 5 } });
    sandbox.faults.set({ latencyMs: 120 });
    const port = await freePort();
    const env = { KLAVIYO_API_KEY: KEY, KLAVIYO_BASE_URL: sandbox.url, DATA_DIR: dataDir, INGEST_TOKENS: INGEST, ADMIN_TOKENS: ADMIN, PORT: String(port), LOG_LEVEL: 'info' };
    const url = `http://127.0.0.1:${port}`;
    let service: ServiceProcess = await startServiceProcess(env);

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
          } catch {
            // the service is down right now
          }
          await sleep(30);
        }
        await sleep(5);
      }
      postingDone = true;
    })();

    for (let kill = 0; kill < KILLS; kill += 1) {
      await sleep(300 + Math.floor(Math.random() * 900));
      service.child.kill('SIGKILL');
      await service.exited;
      service = await startServiceProcess(env);
    }
    await poster;
    expect(postingDone).toBe(true);

    const deadline = Date.now() + 40_000;
    for (;;) {
      const res = await fetch(`${url}/v1/sync`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const body = (await res.json()) as { kinds: { event: { pending: number; in_flight: number; dead: number } } };
      if (body.kinds.event.pending === 0 && body.kinds.event.in_flight === 0) {
        expect(body.kinds.event.dead).toBe(0);
        break;
      }
      if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(body.kinds)}`);
      await sleep(100);
    }
    service.child.kill('SIGTERM');
    await service.exited;

    const stored = sandbox.data.events.events.filter((e) => e.metricName === 'Crash Test');
    const perId = new Map<string, number>();
    for (const e of stored) perId.set(e.uniqueId, (perId.get(e.uniqueId) ?? 0) + 1);
    expect(acknowledged.size).toBe(EVENTS);
    expect([...acknowledged].filter((id) => perId.get(id) !== 1)).toEqual([]);
    expect(stored).toHaveLength(EVENTS);
    const report = sandbox.report();
    console.log(
      `crash safety: ${KILLS} SIGKILLs, ${EVENTS} events acknowledged, ${stored.length} stored after dedupe, ` +
        `${report.duplicateEvents} sent twice before dedupe, ${report.requests.byClass['bulk_create_events'] ?? 0} bulk requests`,
    );
    await sandbox.close();
  });
});
