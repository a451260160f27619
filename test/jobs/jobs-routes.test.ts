import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../../src/app.js';
import { ALL_JOBS } from '../../services/jobs/index.js';
import { baseParamsShape, defineJob, type JobContext } from '../../services/jobs/job-definition.js';
import type { MaveraCalls } from '../../services/jobs/mavera-calls.js';
import { MaveraOutOfCreditsError } from '../../services/mavera/errors.js';
import { ADMIN_TOKEN, INGEST_TOKEN } from '../helpers/foundation-app.js';
import { buildFakeKlaviyo, buildFakeMavera, buildProfile, pagesOf } from './helpers/fakes.js';
import { buildRunnerHarness, type RunnerHarness } from './helpers/runner-harness.js';

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** A job that runs until its signal aborts. */
const blockingJob = defineJob({
  name: 'blocking',
  description: 'waits for cancellation',
  params: z.strictObject(baseParamsShape),
  run: (ctx: JobContext) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })),
});

const profiles = Array.from({ length: 40 }, (_, i) => buildProfile({ id: `p${i}`, predicted_clv: i * 10, churn_probability: (i % 10) / 10 }));
const klaviyo = buildFakeKlaviyo({ profilesWithPredictions: ({ signal, pageSize }) => pagesOf(profiles, pageSize, signal) });

describe('jobs routes', () => {
  let h: RunnerHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const appWith = (mavera: MaveraCalls | null = buildFakeMavera()) => {
    h = buildRunnerHarness({ jobs: [...ALL_JOBS, blockingJob], klaviyo, mavera: mavera ?? undefined });
    return createApp({ logger: h.logger, store: h.store, metrics: h.metrics, tokens: { ingest: [INGEST_TOKEN], admin: [ADMIN_TOKEN] }, jobs: h.runner });
  };

  it('when GET /v1/jobs, then every job lists its description, params JSON Schema and latest run', async () => {
    const app = appWith();
    const res = await request(app).get('/v1/jobs').set(admin).expect(200);
    expect(res.body.jobs.map((j: { name: string }) => j.name)).toEqual(['persona-enrichment', 'flow-content-refresh', 'segment-overlap', 'product-affinity', 'sms-vs-email', 'blocking']);
    expect(res.body.jobs[0].params.properties.clvCutPoints.default).toEqual([50, 80, 95]);
    expect(res.body.jobs[0].latest_run).toBeNull();
  });

  it('when a run is posted and waited on, then 202 with a link, and ?wait returns the finished run', async () => {
    const app = appWith();
    const res = await request(app).post('/v1/jobs/persona-enrichment/runs').set(admin).send({ dryRun: true }).expect(202);
    expect(res.body).toMatchObject({ job: 'persona-enrichment', status: 'queued', links: { self: `/v1/jobs/persona-enrichment/runs/${res.body.id}` } });
    expect(res.headers.location).toBe(res.body.links.self);
    const done = await request(app).get(`${res.body.links.self}?wait=10`).set(admin).expect(200);
    expect(done.body).toMatchObject({ status: 'succeeded', progress: { phase: 'upserting personas' }, usage: { klaviyo_requests: 1, mavera_credits: 0 } });
    expect(done.body.result.tiers.reduce((s: number, t: { count: number }) => s + t.count, 0)).toBe(40);
    const list = await request(app).get('/v1/jobs/persona-enrichment/runs').set(admin).expect(200);
    expect(list.body.runs.map((r: { id: string }) => r.id)).toEqual([res.body.id]);
  });

  it('when the request is wrong, then 401/403, 404 unknown job or run, 400 bad params or wait, 422 without Mavera', async () => {
    const app = appWith();
    await request(app).get('/v1/jobs').expect(401);
    await request(app).get('/v1/jobs').set({ Authorization: `Bearer ${INGEST_TOKEN}` }).expect(403);
    await request(app).post('/v1/jobs/nope/runs').set(admin).send({}).expect(404);
    await request(app).get('/v1/jobs/persona-enrichment/runs/nope').set(admin).expect(404);
    const bad = await request(app).post('/v1/jobs/persona-enrichment/runs').set(admin).send({ clvCutPoints: [80, 50], dryRun: 'yes' }).expect(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/clvCutPoints', '/dryRun']);
    await request(app).get('/v1/jobs/persona-enrichment/runs/x?wait=61').set(admin).expect(400);
    await h?.close();
    const app422 = appWith(null);
    const res = await request(app422).post('/v1/jobs/segment-overlap/runs').set(admin).send({ dryRun: false }).expect(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('when a run is active, then a second POST is 409 with a link; DELETE cancels (202) and a second DELETE is 409', async () => {
    const app = appWith();
    const first = await request(app).post('/v1/jobs/blocking/runs').set(admin).send({ dryRun: true }).expect(202);
    const conflict = await request(app).post('/v1/jobs/blocking/runs').set(admin).send({ dryRun: true }).expect(409);
    expect(conflict.body.active_run.links.self).toBe(first.body.links.self);
    await request(app).delete(first.body.links.self).set(admin).expect(202);
    // ?wait=5 answers as soon as the run ends, or with the run as it is after 5 s: "cancelled" is
    // the proof it ended within that bound.
    const ended = await request(app).get(`${first.body.links.self}?wait=5`).set(admin).expect(200);
    expect(ended.body.status).toBe('cancelled');
    await request(app).delete(first.body.links.self).set(admin).expect(409);
  });

  it('when Mavera answers 402, then the run fails with a clear error and the call is not retried', async () => {
    let posts = 0;
    const mavera = buildFakeMavera({
      overrides: {
        createPersona: async () => {
          posts += 1;
          throw new MaveraOutOfCreditsError({ detail: 'Mavera: out of credits (credits_exhausted)', upstreamStatus: 402 });
        },
      },
    });
    const app = appWith(mavera);
    const res = await request(app).post('/v1/jobs/persona-enrichment/runs').set(admin).send({}).expect(202);
    const done = await request(app).get(`${res.body.links.self}?wait=10`).set(admin).expect(200);
    expect(done.body).toMatchObject({ status: 'failed', error: { code: 'mavera_out_of_credits' } });
    expect(posts).toBe(1);
  });

  it('when maxCredits cannot cover the plan, then the run fails before spending anything', async () => {
    const mavera = buildFakeMavera();
    const app = appWith(mavera);
    const res = await request(app).post('/v1/jobs/persona-enrichment/runs').set(admin).send({ maxCredits: 900 }).expect(202);
    const done = await request(app).get(`${res.body.links.self}?wait=10`).set(admin).expect(200);
    expect(done.body).toMatchObject({ status: 'failed', error: { code: 'credit_limit' }, usage: { mavera_credits: 0 } });
    expect(done.body.error.message).toMatch(/1200 credits.*maxCredits=900/);
    expect(mavera.state.calls).toHaveLength(0);
  });

  it('when the account balance is below the plan, then the run fails before spending anything', async () => {
    const mavera = buildFakeMavera({ credits: 500 });
    const app = appWith(mavera);
    const res = await request(app).post('/v1/jobs/persona-enrichment/runs').set(admin).send({}).expect(202);
    const done = await request(app).get(`${res.body.links.self}?wait=10`).set(admin).expect(200);
    expect(done.body).toMatchObject({ status: 'failed', error: { code: 'credit_limit' } });
    expect(mavera.state.credits).toBe(500);
  });
});
