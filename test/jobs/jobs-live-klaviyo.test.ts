import { afterEach, describe, expect, it } from 'vitest';
import { startSandboxHarness, type SandboxHarness } from './helpers/sandbox-harness.js';

/**
 * The five jobs against a sandbox that answers as LIVE Klaviyo does (klaviyo/LIVE-BEHAVIOUR.md):
 * capitalised enumerations, all-null predictive analytics, segments still processing, a metric that
 * appears later, page[size] maxima per endpoint; and a Mavera workspace with only its own personas.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('jobs against live-shaped Klaviyo', () => {
  let h: SandboxHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const start = async (options: Parameters<typeof startSandboxHarness>[0] = {}) => (h = await startSandboxHarness({ scale: { profiles: 1000 }, ...options }));
  const runToEnd = async (harness: SandboxHarness, job: string, params: Json) => harness.runner.wait(job, (await harness.runner.start(job, params)).id, 30_000);

  it('when flow-content-refresh runs and flow messages say "Email", then it reads their templates and sends Mavera non-null bodies', async () => {
    const harness = await start();
    const run = await runToEnd(harness, 'flow-content-refresh', {});
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const worst = harness.klaviyoSandbox.truth.flows.worstMessageId;
    const seeded = harness.klaviyoSandbox.data.account.flows.messages.find((m) => m.id === worst);
    const templateReads = harness.klaviyoSandbox.received().filter((r) => r.path.replace(/\/$/, '') === `/api/flow-messages/${worst}/template`);
    expect(templateReads).toHaveLength(1);
    const sent = harness.maveraSandbox.requests({ endpoint: 'generations', method: 'POST' }).map((r) => r.body as Json);
    expect(sent.length).toBeGreaterThan(0);
    for (const body of sent) expect(body.input_data.body).toEqual(expect.any(String));
    const rewrite = sent.find((body) => body.input_data.message_name === seeded?.name);
    expect(rewrite).toMatchObject({ app_id: 'email-rewrite', input_data: { channel: 'email', body: expect.stringContaining('we picked these for you') } });
  });

  it('when profiles without predictions come back as ten null fields, then persona-enrichment counts them as without predictions, not as CLV 0', async () => {
    const harness = await start();
    const run = await runToEnd(harness, 'persona-enrichment', { dryRun: true });
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const result = run.result as Json;
    const truth = harness.klaviyoSandbox.truth.predictions;
    expect(truth.withPredictions).toBeLessThan(truth.profiles);
    expect(result.profiles_scanned).toBe(truth.profiles);
    expect(result.profiles_with_predictions).toBe(truth.withPredictions);
    expect(result.tiers.reduce((sum: number, t: Json) => sum + t.count, 0)).toBe(truth.withPredictions);
    const zeroes = truth.predictedClv.filter((clv) => clv === 0).length;
    expect(result.tiers[0].clv.min === 0 ? zeroes : 0).toBe(zeroes);
    // Seeded predictions rank channels: the tiers report an affinity, not only "none".
    expect(Object.keys(result.tiers[0].channel_affinity)).toContain('email');
  });

  it('when a segment is still processing, then segment-overlap marks it partial, says so, and reads its members again next run', async () => {
    const harness = await start();
    const run = await runToEnd(harness, 'segment-overlap', {});
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const result = run.result as Json;
    const processing = harness.klaviyoSandbox.truth.segments.sizes.filter((s) => s.isProcessing).map((s) => s.id);
    expect(processing).toHaveLength(1);
    expect(result.segments.filter((s: Json) => s.partial).map((s: Json) => s.id)).toEqual(processing);
    expect(result.segments.filter((s: Json) => s.partial === false)).toHaveLength(result.segments.length - 1);
    expect(result.partial_segments).toEqual(processing);
    expect(result.notes.join(' ')).toContain(processing[0]);
    expect(result.recommendation.based_on_partial_segments).toBe(true);
    const [question] = harness.maveraSandbox.requests({ endpoint: 'mave/chat', method: 'POST' }).map((r) => (r.body as Json).message as string);
    const name = result.segments.find((s: Json) => s.partial).name;
    expect(question).toMatch(new RegExp(`- ${name}: at least \\d+ \\(still being computed by Klaviyo: partial, not final\\)`));
    for (const overlap of result.overlaps) expect(overlap.partial).toBe(processing.includes(overlap.a) || processing.includes(overlap.b));

    harness.klaviyoSandbox.resetReport();
    expect((await runToEnd(harness, 'segment-overlap', { dryRun: true })).status).toBe('succeeded');
    const reread = new Set(harness.klaviyoSandbox.received().map((r) => r.path.replace(/\/$/, '')));
    expect(reread.has(`/api/segments/${processing[0]}/profiles`)).toBe(true);
    expect(reread.has('/api/segments')).toBe(true);
    const finished = harness.klaviyoSandbox.truth.segments.sizes.find((s) => !s.isProcessing);
    expect(reread.has(`/api/segments/${finished?.id}/profiles`)).toBe(false);
  });

  it('when "Placed Order" is missing and then appears, then the first run fails and the next one finds it (a not-found is not cached)', async () => {
    const harness = await start();
    const metrics = harness.klaviyoSandbox.data.metrics;
    metrics.splice(metrics.findIndex((m) => m.name === 'Placed Order'), 1);
    const first = await runToEnd(harness, 'product-affinity', { dryRun: true });
    expect(first.status).toBe('failed');
    expect(first.error?.code).toBe('no_placed_order_metric');
    // Klaviyo creates the metric with the first event that names it.
    harness.klaviyoSandbox.data.metricByName('Placed Order');
    const second = await runToEnd(harness, 'product-affinity', { dryRun: true, minSupport: 0, minPairCount: 1 });
    expect(second.status, JSON.stringify(second.error)).toBe('succeeded');
    expect((second.result as Json).orders_scanned).toBe(harness.klaviyoSandbox.truth.productAffinity.orders);
  });

  it('when the five jobs run, then every page[size] they send is within the live maximum of its endpoint', async () => {
    const harness = await start();
    for (const job of ['persona-enrichment', 'segment-overlap', 'flow-content-refresh', 'product-affinity', 'sms-vs-email']) {
      expect((await runToEnd(harness, job, { dryRun: true })).status, job).toBe('succeeded');
    }
    // Live maxima (docs/live-klaviyo.md): events are served 200 a page (the document allows 1,000), lists, segments
    // and templates 10, flows and their actions 50, the rest 100.
    const liveMax = (path: string) =>
      /^\/api\/events\/?$/.test(path) ? 200 : /^\/api\/(segments|lists|templates)\/?$/.test(path) ? 10 : /^\/api\/(flows|flow-actions)\b/.test(path) ? 50 : 100;
    const sized = harness.klaviyoSandbox.received().flatMap((r) => {
      const size = new URLSearchParams(r.query).get('page[size]');
      return size === null ? [] : [{ path: r.path, size: Number(size), max: liveMax(r.path) }];
    });
    expect(sized.some((r) => r.path.startsWith('/api/events'))).toBe(true);
    expect(sized.filter((r) => r.size > r.max)).toEqual([]);
  });
});

describe('focus-group jobs that stand alone', () => {
  let h: SandboxHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const runToEnd = async (harness: SandboxHarness, job: string, params: Json) => harness.runner.wait(job, (await harness.runner.start(job, params)).id, 30_000);
  const baseIds = (harness: SandboxHarness) => harness.maveraSandbox.personas().filter((p) => !p.is_custom).map((p) => p.id);

  for (const job of ['sms-vs-email', 'product-affinity'] as const) {
    it(`when ${job} runs before any CLV-tier persona exists, then it uses the workspace's personas and says so`, async () => {
      const harness = (h = await startSandboxHarness({ scale: { profiles: 1000 } }));
      const params = job === 'product-affinity' ? { minSupport: 0, minPairCount: 1 } : {};
      const dry = await runToEnd(harness, job, { ...params, dryRun: true });
      expect(dry.status, JSON.stringify(dry.error)).toBe('succeeded');
      const run = await runToEnd(harness, job, params);
      expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
      const result = run.result as Json;
      expect(result.focus_group).toMatchObject({ personas_source: 'workspace', persona_ids: baseIds(harness) });
      expect(result.focus_group.result.questions.length).toBeGreaterThan(0);
      const [sent] = harness.maveraSandbox.requests({ endpoint: 'focus-groups', method: 'POST' }).map((r) => r.body as Json);
      expect(sent?.persona_ids).toEqual(baseIds(harness));
      // The dry run planned exactly what the real run sent.
      expect((dry.result as Json).mavera_requests.map((r: Json) => r.body)).toEqual([sent]);
      expect((dry.result as Json).focus_group).toMatchObject({ id: null, personas_source: 'workspace' });
    });
  }

  it('when personaIds are given, then they win; once persona-enrichment has run, the CLV tiers are used', async () => {
    const harness = (h = await startSandboxHarness({ scale: { profiles: 1000 } }));
    const given = await runToEnd(harness, 'sms-vs-email', { personaIds: ['base_002'] });
    expect((given.result as Json).focus_group).toMatchObject({ personas_source: 'params', persona_ids: ['base_002'] });
    expect((await runToEnd(harness, 'persona-enrichment', {})).status).toBe('succeeded');
    const tiers = await runToEnd(harness, 'sms-vs-email', {});
    const custom = harness.maveraSandbox.customPersonas().map((p) => p.id);
    expect((tiers.result as Json).focus_group.personas_source).toBe('clv_tiers');
    expect((tiers.result as Json).focus_group.persona_ids.every((id: string) => custom.includes(id))).toBe(true);
  });
});
