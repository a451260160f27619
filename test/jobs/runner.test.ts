import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { baseParamsShape, defineJob, type BaseParams, type JobContext } from '../../services/jobs/job-definition.js';
import type { JobRun } from '../../src/store/job-runs.js';
import { buildFakeKlaviyo, buildFakeMavera, pagesOf } from './helpers/fakes.js';
import { buildRunnerHarness, type RunnerHarness } from './helpers/runner-harness.js';

/** A job that reads pages until released or aborted, so tests control its life. */
function buildControlledJob(name = 'controlled') {
  let release: (value: unknown) => void = () => undefined;
  const released = new Promise((resolve) => (release = resolve));
  const job = defineJob({
    name,
    description: 'test job',
    params: z.strictObject({ ...baseParamsShape, pages: z.number().int().default(3) }),
    async run(ctx: JobContext, p: BaseParams & { pages: number }) {
      for await (const page of ctx.klaviyo.segments({ signal: ctx.signal })) ctx.progress('segments', page.length, p.pages);
      await new Promise((resolve, reject) => {
        void released.then(resolve);
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
      });
      return { ok: true };
    },
  });
  return { job, release: () => release(undefined) };
}

const klaviyo = buildFakeKlaviyo({ segments: ({ signal }) => pagesOf([{ id: 's1', name: 'A', is_processing: false }, { id: 's2', name: 'B', is_processing: false }], 1, signal) });

describe('job runner', () => {
  let h: RunnerHarness | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await h?.close();
    h = undefined;
  });

  it('when a run is started and its job finishes, then it goes queued → succeeded with result, usage and timestamps', async () => {
    const { job, release } = buildControlledJob();
    h = buildRunnerHarness({ jobs: [job], klaviyo, mavera: buildFakeMavera() });
    const run = await h.runner.start('controlled', { dryRun: true });
    expect(run).toMatchObject({ status: 'queued', params: { dryRun: true, pages: 3, refreshCache: false } });
    release();
    const done = await h.runner.wait('controlled', run.id, 5000);
    expect(done).toMatchObject({ status: 'succeeded', result: { ok: true }, usage: { klaviyo_requests: 2, mavera_credits: 0 } });
    expect(done.started_at).not.toBeNull();
    expect(done.finished_at).not.toBeNull();
    expect(await h.metrics.registry.getSingleMetricAsString('job_runs_total')).toContain('job="controlled",status="succeeded"} 1');
  });

  it('when a run of the job is active, then a second start is a 409 conflict linking to it', async () => {
    const { job, release } = buildControlledJob();
    h = buildRunnerHarness({ jobs: [job], klaviyo, mavera: buildFakeMavera() });
    const first = await h.runner.start('controlled', {});
    await expect(h.runner.start('controlled', {})).rejects.toMatchObject({
      status: 409,
      extensions: { active_run: { id: first.id, links: { self: `/v1/jobs/controlled/runs/${first.id}` } } },
    });
    release();
    await h.runner.wait('controlled', first.id, 5000);
    await expect(h.runner.start('controlled', {})).resolves.toMatchObject({ status: 'queued' });
    release();
  });

  it('when the job, params or Mavera are wrong, then 404, 400 and 422 are raised and nothing is stored', async () => {
    const { job } = buildControlledJob();
    h = buildRunnerHarness({ jobs: [job], klaviyo, mavera: undefined });
    await expect(h.runner.start('nope', {})).rejects.toMatchObject({ status: 404 });
    await expect(h.runner.start('controlled', { pages: 'x', typo: 1 })).rejects.toMatchObject({
      status: 400,
      errors: expect.arrayContaining([expect.objectContaining({ path: '/pages' })]),
    });
    await expect(h.runner.start('controlled', { dryRun: false })).rejects.toMatchObject({ status: 422, code: 'mavera_not_configured' });
    await expect(h.runner.start('controlled', {})).rejects.toMatchObject({ status: 422 });
    expect((await h.store.jobRuns.list('controlled', { limit: 10 })).runs).toHaveLength(0);
  });

  it('when a running run is cancelled, then it ends cancelled promptly and a second cancel is a 409', async () => {
    const { job } = buildControlledJob();
    h = buildRunnerHarness({ jobs: [job], klaviyo, mavera: buildFakeMavera() });
    const run = await h.runner.start('controlled', { dryRun: true });
    await vi.waitFor(async () => expect((await h!.runner.get('controlled', run.id)).status).toBe('running'), { interval: 5 });
    await h.runner.cancel('controlled', run.id);
    const ended = await h.runner.wait('controlled', run.id, 2000);
    expect(ended).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    await expect(h.runner.cancel('controlled', run.id)).rejects.toMatchObject({ status: 409 });
  });

  it('when a queued run is cancelled before an executor takes it, then the job never runs', async () => {
    let ran = false;
    const job = defineJob({ name: 'never', description: '', params: z.strictObject(baseParamsShape), run: async () => { ran = true; } });
    // No executor yet (as while no replica leads): the run stays queued.
    h = buildRunnerHarness({ jobs: [job], klaviyo, mavera: buildFakeMavera(), execute: false });
    const run = await h.runner.start('never', { dryRun: true });
    expect((await h.runner.cancel('never', run.id)).status).toBe('cancelled');
    await h.runner.startExecuting();
    await h.runner.idle();
    expect(ran).toBe(false);
    expect((await h.runner.get('never', run.id)).status).toBe('cancelled');
  });

  it('when the service shuts down mid-run, then the run fails with a shutdown reason', async () => {
    const { job } = buildControlledJob();
    h = buildRunnerHarness({ jobs: [job], klaviyo, mavera: buildFakeMavera() });
    const run = await h.runner.start('controlled', { dryRun: true });
    await vi.waitFor(async () => expect((await h!.runner.get('controlled', run.id)).status).toBe('running'), { interval: 5 });
    await h.runner.stop(2000);
    expect(await h.runner.get('controlled', run.id)).toMatchObject({ status: 'failed', error: { code: 'shutdown' } });
  });

  it('when runs are queued while no executor runs, then the executor that starts takes them, oldest first', async () => {
    const order: string[] = [];
    const job = (name: string) => defineJob({ name, description: '', params: z.strictObject(baseParamsShape), run: async () => { order.push(name); return { name }; } });
    h = buildRunnerHarness({ jobs: [job('first'), job('second')], klaviyo, mavera: buildFakeMavera(), execute: false });
    const first = await h.runner.start('first', { dryRun: true });
    const second = await h.runner.start('second', { dryRun: true });
    expect((await h.runner.get('first', first.id)).status).toBe('queued');
    await h.runner.startExecuting();
    await h.runner.idle();
    expect(order).toEqual(['first', 'second']);
    expect(await h.runner.get('second', second.id)).toMatchObject({ status: 'succeeded', result: { name: 'second' } });
  });

  it('when a cancel of a running run is recorded by another replica, then this executor aborts it within its poll interval', async () => {
    const { job } = buildControlledJob();
    h = buildRunnerHarness({ jobs: [job], klaviyo, mavera: buildFakeMavera() });
    const run = await h.runner.start('controlled', { dryRun: true });
    await vi.waitFor(async () => expect((await h!.runner.get('controlled', run.id)).status).toBe('running'), { interval: 5 });
    // What a follower's DELETE does: it has no handle on the run, so it asks through the store.
    expect(await h.store.jobRuns.requestCancel(run.id, new Date())).toBe(true);
    const ended = await h.runner.wait('controlled', run.id, 5000);
    expect(ended).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
  });

  it('when a previous process died with a run in progress, then the next executor marks it failed with a clear reason', async () => {
    const { job } = buildControlledJob();
    h = buildRunnerHarness({ jobs: [job], klaviyo, mavera: buildFakeMavera(), execute: false });
    await h.store.jobRuns.create({ id: 'orphan', job: 'controlled', params: {}, createdAt: new Date() });
    await h.store.jobRuns.markRunning('orphan', new Date());
    await h.runner.startExecuting();
    const run = await h.runner.get('controlled', 'orphan');
    expect(run).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    expect(run.error?.message).toMatch(/stopped .* before this run finished/);
  });

  it('when waiting on a run that does not end, then wait returns it unfinished after the timeout', async () => {
    const { job, release } = buildControlledJob();
    h = buildRunnerHarness({ jobs: [job], klaviyo, mavera: buildFakeMavera() });
    const run = await h.runner.start('controlled', { dryRun: true });
    // The wait's clock and timer are fake (the job itself runs on real immediates): time moves only here.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let waited: JobRun | undefined;
    const waiting = h.runner.wait('controlled', run.id, 300).then((r) => (waited = r));
    await vi.advanceTimersByTimeAsync(299);
    expect(waited).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(['queued', 'running']).toContain(waited?.status);
    vi.useRealTimers();
    release();
  });

  it('when listing jobs, then each has its params JSON Schema and latest run', async () => {
    const { job, release } = buildControlledJob();
    h = buildRunnerHarness({ jobs: [job], klaviyo, mavera: buildFakeMavera() });
    const run = await h.runner.start('controlled', { dryRun: true });
    const [described] = await h.runner.describe();
    expect(described).toMatchObject({ name: 'controlled', latest_run: { id: run.id } });
    expect(described?.params).toMatchObject({ type: 'object', properties: { dryRun: { type: 'boolean', default: false }, pages: { type: 'integer' } } });
    release();
  });
});
