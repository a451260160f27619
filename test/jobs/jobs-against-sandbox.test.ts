import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxHarness, type SandboxHarness } from './helpers/sandbox-harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('jobs against the sandbox', () => {
  let h: SandboxHarness;
  beforeAll(async () => {
    h = await startSandboxHarness({ scale: { profiles: 2000 } });
  });
  afterAll(async () => h?.close());

  const runToEnd = async (job: string, params: Json) => {
    const run = await h.runner.start(job, params);
    return h.runner.wait(job, run.id, 30_000);
  };

  it('when persona-enrichment runs dry, then tiers sum to the seeded profiles with predictions and no credit is spent', async () => {
    const run = await runToEnd('persona-enrichment', { dryRun: true });
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const result = run.result as Json;
    const truth = h.klaviyoSandbox.truth.predictions;
    expect(result.profiles_scanned).toBe(truth.profiles);
    expect(result.profiles_with_predictions).toBe(truth.withPredictions);
    expect(result.tiers.reduce((sum: number, t: Json) => sum + t.count, 0)).toBe(truth.withPredictions);
    const sorted = [...truth.predictedClv].sort((a, b) => a - b);
    const top = result.tiers.at(-1);
    expect(top.clv.max).toBeCloseTo(sorted.at(-1) ?? 0, 2);
    expect(result.mavera_requests).toHaveLength(4);
    expect(h.maveraSandbox.credits().used).toBe(0);
  });

  it('when persona-enrichment runs for real twice, then personas are created once and updated the second time, with the dry-run bodies', async () => {
    const dry = (await runToEnd('persona-enrichment', { dryRun: true })).result as Json;
    h.maveraSandbox.clearRequests();
    const first = await runToEnd('persona-enrichment', {});
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect((first.result as Json).personas.map((p: Json) => p.action)).toEqual(['created', 'created', 'created', 'created']);
    expect(first.usage.mavera_credits).toBe(1200);
    const sent = h.maveraSandbox.requests({ endpoint: 'personas', method: 'POST' }).map((r) => r.body);
    expect(sent).toEqual(dry.mavera_requests.map((r: Json) => r.body));
    const second = await runToEnd('persona-enrichment', {});
    expect((second.result as Json).personas.map((p: Json) => p.action)).toEqual(['updated', 'updated', 'updated', 'updated']);
    expect(h.maveraSandbox.customPersonas()).toHaveLength(4);
    expect(second.usage.klaviyo_requests).toBe(0); // predictive analytics cached for 24 h
  });

  it('when segment-overlap runs, then sizes and every pairwise intersection equal the seeded truth', async () => {
    const dry = (await runToEnd('segment-overlap', { dryRun: true })).result as Json;
    h.maveraSandbox.clearRequests();
    const run = await runToEnd('segment-overlap', {});
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(h.maveraSandbox.requests({ endpoint: 'mave/chat', method: 'POST' }).map((r) => r.body)).toEqual(dry.mavera_requests.map((r: Json) => r.body));
    const result = run.result as Json;
    const truth = h.klaviyoSandbox.truth.segments;
    expect(result.segments.map((s: Json) => [s.id, s.size])).toEqual(truth.sizes.map((s) => [s.id, s.size]));
    const byPair = new Map(result.overlaps.map((o: Json) => [`${o.a}|${o.b}`, o.intersection]));
    for (const pair of truth.pairs) {
      const key = byPair.has(`${pair.a}|${pair.b}`) ? `${pair.a}|${pair.b}` : `${pair.b}|${pair.a}`;
      expect(byPair.get(key) ?? 0).toBe(pair.intersection);
    }
    expect(result.clusters.length).toBeGreaterThan(0);
    expect(result.recommendation.content.length).toBeGreaterThan(0);
  });

  it('when product-affinity runs, then the seeded co-purchase pairs come out with their true counts and lift', async () => {
    const run = await runToEnd('product-affinity', { minSupport: 0, minPairCount: 1, maxPairs: 1000 });
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const result = run.result as Json;
    const truth = h.klaviyoSandbox.truth.productAffinity;
    expect(result.orders_scanned).toBe(truth.orders);
    const ours = new Map(result.pairs.map((p: Json) => [`${p.a}|${p.b}`, p]));
    for (const pair of truth.pairs.slice(0, 10)) {
      const got = ours.get(`${pair.a}|${pair.b}`) as Json;
      expect(got?.count).toBe(pair.count);
      expect(got?.lift).toBeCloseTo(pair.lift, 3);
    }
    expect(result.focus_group.result.questions).toHaveLength(5);
  });

  it('when sms-vs-email runs, then channel totals equal the seeded campaign statistics, and a rerun makes no report request', async () => {
    const dry = (await runToEnd('sms-vs-email', { dryRun: true })).result as Json;
    h.maveraSandbox.clearRequests();
    const run = await runToEnd('sms-vs-email', {});
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    expect(h.maveraSandbox.requests({ endpoint: 'focus-groups', method: 'POST' }).map((r) => r.body)).toEqual(dry.mavera_requests.map((r: Json) => r.body));
    const result = run.result as Json;
    const truth = h.klaviyoSandbox.truth.campaignTotals(Date.parse(result.window.start), Date.parse(result.window.end));
    for (const channel of ['email', 'sms'] as const) {
      expect(result.channels[channel]).toMatchObject({
        campaigns: truth[channel].campaigns,
        recipients: truth[channel].recipients,
        clicks_unique: truth[channel].clicks,
        conversion_uniques: truth[channel].conversions,
        conversion_value: truth[channel].revenue,
      });
    }
    h.klaviyoSandbox.resetReport();
    await runToEnd('sms-vs-email', { dryRun: true });
    expect(h.klaviyoSandbox.report().requests.byClass.query_campaign_values ?? 0).toBe(0);
  });

  it('when flow-content-refresh runs, then the planted worst message is flagged and rewritten', async () => {
    const run = await runToEnd('flow-content-refresh', {});
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
    const result = run.result as Json;
    const worst = h.klaviyoSandbox.truth.flows.worstMessageId;
    expect(result.underperforming.map((m: Json) => m.message_id)).toContain(worst);
    expect(result.rewrites.find((r: Json) => r.message_id === worst)?.output).toEqual(expect.any(String));
    const limits = h.klaviyoSandbox.report().limitClasses;
    expect(limits.query_flow_values?.throttled ?? 0).toBe(0);
  });
});
