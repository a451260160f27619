import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { OpenApiRegistry } from '../src/lib/openapi.js';
import { parseOrThrow } from '../src/lib/zod-errors.js';
import { runLink, type JobRunner } from '../services/jobs/runner.js';

export interface JobsRouterDeps {
  runner: JobRunner;
  openapi: OpenApiRegistry;
  requireAdmin: RequestHandler;
  /** The JSON body parsers (415 for another type, a declared 413, then express.json), run after the token check. */
  parseJson: RequestHandler[];
}

const MAX_WAIT_S = 60;

const runSchema = z.object({
  id: z.string(),
  job: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  params: z.record(z.string(), z.unknown()),
  progress: z.object({ phase: z.string(), done: z.number(), total: z.number().nullable() }),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  result: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  usage: z.object({ klaviyo_requests: z.number(), mavera_credits: z.number() }),
});
const acceptedSchema = z.object({ id: z.string(), job: z.string(), status: z.literal('queued'), links: z.object({ self: z.string() }) });
const jobsSchema = z.object({
  jobs: z.array(z.object({ name: z.string(), description: z.string(), params: z.record(z.string(), z.unknown()), latest_run: runSchema.nullable() })),
});
const runsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(32).optional(),
});
const waitQuery = z.object({ wait: z.coerce.number().min(0).max(MAX_WAIT_S).default(0) });
const paramsBody = z.record(z.string(), z.unknown()).describe('The job params; see GET /v1/jobs for each job\'s schema.');

/** The jobs routes (docs/jobs.md): thin adapters over the job runner (admin token). */
export function createJobsRouter(deps: JobsRouterDeps): Router {
  const { runner } = deps;
  const router = Router();
  router.use('/jobs', deps.requireAdmin);
  const doc = (spec: Omit<Parameters<OpenApiRegistry['add']>[0], 'tags' | 'security'>) =>
    deps.openapi.add({ ...spec, tags: ['jobs'], security: 'admin' });

  doc({ method: 'get', path: '/v1/jobs', summary: 'Jobs, their params JSON Schema and latest run', responses: { 200: { description: 'jobs', schema: jobsSchema } } });
  router.get('/jobs', async (_req, res) => {
    res.json({ jobs: await runner.describe() });
  });

  doc({
    method: 'post',
    path: '/v1/jobs/:name/runs',
    summary: 'Start a run (202); 409 while another run of the job is queued or running',
    body: paramsBody,
    responses: {
      202: { description: 'queued', schema: acceptedSchema },
      400: { description: 'bad params' },
      404: { description: 'unknown job' },
      409: { description: 'a run of this job is active (problem with `active_run.links.self`)' },
      422: { description: 'dryRun:false while Mavera is not configured' },
    },
  });
  // Typed by hand: the spread parsers hide the path's params from Express's inference.
  router.post('/jobs/:name/runs', ...deps.parseJson, async (req: Request<{ name: string }>, res) => {
    const run = await runner.start(req.params.name, req.body);
    const self = runLink(run);
    res.status(202).location(self).json({ id: run.id, job: run.job, status: run.status, links: { self } });
  });

  doc({
    method: 'get',
    path: '/v1/jobs/:name/runs',
    summary: 'Runs of a job, newest first',
    query: runsQuery,
    responses: { 200: { description: 'runs', schema: z.object({ runs: z.array(runSchema), next_cursor: z.string().optional() }) }, 404: { description: 'unknown job' } },
  });
  router.get('/jobs/:name/runs', async (req, res) => {
    const query = parseOrThrow(runsQuery, req.query, 'Query');
    const page = await runner.list(req.params.name, { limit: query.limit, ...(query.cursor ? { before: query.cursor } : {}) });
    res.json({ runs: page.runs, ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) });
  });

  doc({
    method: 'get',
    path: '/v1/jobs/:name/runs/:id',
    summary: 'One run; `?wait=S` (≤ 60) holds the answer until the run ends or S seconds pass',
    query: waitQuery,
    responses: { 200: { description: 'the run', schema: runSchema }, 404: { description: 'unknown job or run' } },
  });
  router.get('/jobs/:name/runs/:id', async (req, res) => {
    const { wait } = parseOrThrow(waitQuery, req.query, 'Query');
    const run = wait > 0 ? await runner.wait(req.params.name, req.params.id, wait * 1000) : await runner.get(req.params.name, req.params.id);
    res.json(run);
  });

  doc({
    method: 'delete',
    path: '/v1/jobs/:name/runs/:id',
    summary: 'Cancel a queued or running run (202); 409 when it has ended',
    responses: { 202: { description: 'cancellation requested', schema: runSchema }, 404: { description: 'unknown job or run' }, 409: { description: 'already ended' } },
  });
  router.delete('/jobs/:name/runs/:id', async (req, res) => {
    res.status(202).json(await runner.cancel(req.params.name, req.params.id));
  });
  return router;
}
