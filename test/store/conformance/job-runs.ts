import { afterEach, describe, expect, it } from 'vitest';
import type { NewJobRun } from '../../../src/store/job-runs.js';
import type { Store } from '../../../src/store/store.js';
import type { StoreHarness } from './types.js';

let counter = 0;
const buildNewRun = (overrides: Partial<NewJobRun> = {}): NewJobRun => {
  counter += 1;
  return {
    id: `run-${counter}-${Math.floor(Math.random() * 1e9)}`,
    job: 'segment-overlap',
    params: { dryRun: true },
    createdAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
};

/** The job-runs sub-store, through the Store interface only (runs unchanged on PostgreSQL). */
export function jobRunsConformance(harness: StoreHarness): void {
  describe('jobRuns', () => {
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it('when a run is created, then it reads back queued with empty progress and usage', async () => {
      store = await harness.open();
      const input = buildNewRun({ params: { dryRun: false, maxCredits: 900 } });
      const outcome = await store.jobRuns.create(input);
      expect(outcome.created).toBe(true);
      expect(await store.jobRuns.get(input.id)).toEqual({
        id: input.id,
        job: 'segment-overlap',
        status: 'queued',
        params: { dryRun: false, maxCredits: 900 },
        progress: { phase: 'queued', done: 0, total: null },
        created_at: '2026-01-01T00:00:00.000Z',
        started_at: null,
        finished_at: null,
        usage: { klaviyo_requests: 0, mavera_credits: 0 },
      });
    });

    it('when a run of the job is queued or running, then a second create is refused with the active run', async () => {
      store = await harness.open();
      const first = buildNewRun();
      await store.jobRuns.create(first);
      const second = await store.jobRuns.create(buildNewRun());
      expect(second).toMatchObject({ created: false, active: { id: first.id } });
      await store.jobRuns.markRunning(first.id, new Date());
      expect((await store.jobRuns.create(buildNewRun())).created).toBe(false);
      const other = await store.jobRuns.create(buildNewRun({ job: 'product-affinity' }));
      expect(other.created).toBe(true);
      await store.jobRuns.finish(first.id, { status: 'succeeded', finishedAt: new Date() });
      expect((await store.jobRuns.create(buildNewRun())).created).toBe(true);
    });

    it('when many creates race for one job, then exactly one wins', async () => {
      store = await harness.open();
      const s = store;
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => s.jobRuns.create(buildNewRun({ job: 'race' }))));
      expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    });

    it('when a run goes through its life, then progress, usage, result and timestamps are kept', async () => {
      store = await harness.open();
      const input = buildNewRun();
      await store.jobRuns.create(input);
      expect(await store.jobRuns.markRunning(input.id, new Date('2026-01-01T00:00:01Z'))).toBe(true);
      expect(await store.jobRuns.markRunning(input.id, new Date('2026-01-01T00:00:02Z'))).toBe(false);
      await store.jobRuns.updateProgress(input.id, { phase: 'profiles', done: 3, total: 10 }, { klaviyo_requests: 3, mavera_credits: 0 });
      const ok = await store.jobRuns.finish(input.id, {
        status: 'succeeded',
        finishedAt: new Date('2026-01-01T00:00:09Z'),
        result: { tiers: [{ name: 'top', count: 5 }] },
        usage: { klaviyo_requests: 10, mavera_credits: 300 },
      });
      expect(ok).toBe(true);
      const run = await store.jobRuns.get(input.id);
      expect(run).toMatchObject({
        status: 'succeeded',
        progress: { phase: 'profiles', done: 3, total: 10 },
        started_at: '2026-01-01T00:00:01.000Z',
        finished_at: '2026-01-01T00:00:09.000Z',
        result: { tiers: [{ name: 'top', count: 5 }] },
        usage: { klaviyo_requests: 10, mavera_credits: 300 },
      });
      expect(run).not.toHaveProperty('error');
    });

    it('when a run has ended, then finish, markRunning and progress change nothing', async () => {
      store = await harness.open();
      const input = buildNewRun();
      await store.jobRuns.create(input);
      expect(await store.jobRuns.finish(input.id, { status: 'cancelled', finishedAt: new Date('2026-01-01T00:00:05Z') })).toBe(true);
      expect(await store.jobRuns.markRunning(input.id, new Date())).toBe(false);
      expect(await store.jobRuns.finish(input.id, { status: 'succeeded', finishedAt: new Date(), result: 1 })).toBe(false);
      await store.jobRuns.updateProgress(input.id, { phase: 'x', done: 1, total: 1 }, { klaviyo_requests: 9, mavera_credits: 9 });
      expect(await store.jobRuns.get(input.id)).toMatchObject({
        status: 'cancelled',
        progress: { phase: 'queued' },
        usage: { klaviyo_requests: 0, mavera_credits: 0 },
      });
    });

    it('when listing, then runs come newest first in pages, and latest is the newest', async () => {
      store = await harness.open();
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const input = buildNewRun({ job: 'listed' });
        ids.push(input.id);
        await store.jobRuns.create(input);
        await store.jobRuns.finish(input.id, { status: 'succeeded', finishedAt: new Date() });
      }
      const first = await store.jobRuns.list('listed', { limit: 3 });
      expect(first.runs.map((r) => r.id)).toEqual([ids[4], ids[3], ids[2]]);
      expect(first.nextCursor).toBeDefined();
      const second = await store.jobRuns.list('listed', { limit: 3, before: first.nextCursor });
      expect(second.runs.map((r) => r.id)).toEqual([ids[1], ids[0]]);
      expect(second.nextCursor).toBeUndefined();
      expect((await store.jobRuns.latest('listed'))?.id).toBe(ids[4]);
      expect(await store.jobRuns.latest('never-ran')).toBeUndefined();
    });

    it('when the executor died with runs unfinished, then failRunning fails the running ones and queued ones wait for the next executor, surviving a restart', async () => {
      store = await harness.open();
      const running = buildNewRun({ job: 'a' });
      const queued = buildNewRun({ job: 'b' });
      const done = buildNewRun({ job: 'c' });
      for (const r of [running, queued, done]) await store.jobRuns.create(r);
      await store.jobRuns.markRunning(running.id, new Date());
      await store.jobRuns.finish(done.id, { status: 'succeeded', finishedAt: new Date() });
      store = await harness.reopen(store);
      const error = { code: 'interrupted', message: 'the process stopped' };
      expect(await store.jobRuns.failRunning(error, new Date('2026-02-01T00:00:00Z'))).toBe(1);
      expect(await store.jobRuns.get(running.id)).toMatchObject({ status: 'failed', error, finished_at: '2026-02-01T00:00:00.000Z' });
      expect(await store.jobRuns.get(queued.id)).toMatchObject({ status: 'queued' });
      expect(await store.jobRuns.get(done.id)).toMatchObject({ status: 'succeeded' });
      expect(await store.jobRuns.get('missing')).toBeUndefined();
    });

    it('when runs are queued, then nextQueued hands out the oldest queued one, and none once all have started', async () => {
      store = await harness.open();
      expect(await store.jobRuns.nextQueued()).toBeUndefined();
      const first = buildNewRun({ job: 'q1' });
      const second = buildNewRun({ job: 'q2' });
      await store.jobRuns.create(first);
      await store.jobRuns.create(second);
      expect((await store.jobRuns.nextQueued())?.id).toBe(first.id);
      await store.jobRuns.markRunning(first.id, new Date());
      expect((await store.jobRuns.nextQueued())?.id).toBe(second.id);
      await store.jobRuns.finish(second.id, { status: 'cancelled', finishedAt: new Date() });
      expect(await store.jobRuns.nextQueued()).toBeUndefined();
    });

    it('when a cancel is requested, then only a running run records it, and cancelRequested names exactly those among the ids asked', async () => {
      store = await harness.open();
      const running = buildNewRun({ job: 'c1' });
      const other = buildNewRun({ job: 'c2' });
      const queued = buildNewRun({ job: 'c3' });
      for (const r of [running, other, queued]) await store.jobRuns.create(r);
      await store.jobRuns.markRunning(running.id, new Date());
      await store.jobRuns.markRunning(other.id, new Date());
      expect(await store.jobRuns.cancelRequested([running.id, other.id])).toEqual([]);
      expect(await store.jobRuns.requestCancel(running.id, new Date())).toBe(true);
      expect(await store.jobRuns.requestCancel(queued.id, new Date())).toBe(false);
      expect(await store.jobRuns.requestCancel('missing', new Date())).toBe(false);
      expect(await store.jobRuns.cancelRequested([running.id, other.id, queued.id, 'missing'])).toEqual([running.id]);
      expect(await store.jobRuns.cancelRequested([])).toEqual([]);
      await store.jobRuns.finish(running.id, { status: 'cancelled', finishedAt: new Date() });
      expect(await store.jobRuns.cancelRequested([running.id])).toEqual([]);
    });
  });
}
