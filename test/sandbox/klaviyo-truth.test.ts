import { describe, expect, it } from 'vitest';
import { allPages, buildReport, klaviyo, manualClock, startSandbox } from './klaviyo-support.js';

describe('Klaviyo sandbox: seeded data agrees with its truth', () => {
  it('when started twice with one seed, then ids and data are identical; another seed differs', async () => {
    const a = await startSandbox({ seed: 11 });
    const b = await startSandbox({ seed: 11 });
    const c = await startSandbox({ seed: 12 });
    const segments = async (sandbox: typeof a) => (await klaviyo(sandbox, 'GET', '/api/segments')).body.data.map((s: { id: string }) => s.id);
    expect(await segments(a)).toEqual(await segments(b));
    expect(await segments(a)).not.toEqual(await segments(c));
    expect(a.truth.predictions).toEqual(b.truth.predictions);
  });

  it('when profiles with predictive analytics are paged, then their count and predicted CLVs match the truth', async () => {
    const sandbox = await startSandbox({ scale: { profiles: 400 } });
    const profiles = await allPages(sandbox, '/api/profiles?page[size]=100&additional-fields[profile]=predictive_analytics');
    const clv = profiles.filter((p) => p.attributes.predictive_analytics.predicted_clv !== null).map((p) => p.attributes.predictive_analytics.predicted_clv);
    expect(clv.length).toBe(sandbox.truth.predictions.withPredictions);
    expect(clv).toEqual(sandbox.truth.predictions.predictedClv);
    expect(clv.length).toBeGreaterThan(100);
  });

  it('when a profile without predictions is read with predictive_analytics, then it carries the ten live fields, all null', async () => {
    const sandbox = await startSandbox({ scale: { profiles: 200 } });
    const profiles = await allPages(sandbox, '/api/profiles?page[size]=100&additional-fields[profile]=predictive_analytics');
    const without = profiles.filter((p) => p.attributes.predictive_analytics?.predicted_clv === null);
    expect(without.length).toBe(sandbox.truth.predictions.profiles - sandbox.truth.predictions.withPredictions);
    expect(without.length).toBeGreaterThan(0);
    const fields = [
      'historic_clv', 'predicted_clv', 'total_clv', 'historic_number_of_orders', 'predicted_number_of_orders',
      'average_days_between_orders', 'average_order_value', 'churn_probability', 'expected_date_of_next_order', 'ranked_channel_affinity',
    ];
    for (const profile of without) expect(profile.attributes.predictive_analytics).toEqual(Object.fromEntries(fields.map((f) => [f, null])));
    const withPredictions = profiles.find((p) => p.attributes.predictive_analytics.predicted_clv !== null);
    expect(Object.keys(withPredictions!.attributes.predictive_analytics).sort()).toEqual([...fields].sort());
  });

  it('when flow messages and campaigns are read, then their enumerations have the live casing', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    const tick = () => clock.advance(1000);
    const channels = new Set<string>();
    for (const message of sandbox.data.account.flows.messages) {
      const answer = await klaviyo(sandbox, 'GET', `/api/flow-actions/${message.actionId}/flow-messages`);
      tick();
      for (const m of answer.body.data) channels.add(m.attributes.channel);
    }
    expect([...channels].sort()).toEqual(['Email', 'SMS']);
    const campaigns = await allPages(sandbox, `/api/campaigns?filter=${encodeURIComponent("equals(messages.channel,'email')")}`);
    expect(new Set(campaigns.map((c) => c.attributes.status))).toEqual(new Set(['Sent', 'Draft']));
    const messages = await klaviyo(sandbox, 'GET', `/api/campaigns/${campaigns[0]!.id}/campaign-messages`);
    expect(messages.body.data[0].attributes.definition.channel).toBe('email');
  });

  it('when segments are listed, then the seeded processing segment says is_processing: true and the others false', async () => {
    const sandbox = await startSandbox();
    const segments = await allPages(sandbox, '/api/segments');
    const processing = segments.filter((s) => s.attributes.is_processing === true).map((s) => s.id);
    expect(processing).toEqual(sandbox.truth.segments.sizes.filter((s) => s.isProcessing).map((s) => s.id));
    expect(processing).toHaveLength(1);
    expect(segments.filter((s) => s.attributes.is_processing === false)).toHaveLength(segments.length - 1);
  });

  it('when segment members are paged, then sizes, profile_count and pairwise intersections match the truth', async () => {
    const sandbox = await startSandbox({ scale: { profiles: 500 } });
    const { sizes, pairs } = sandbox.truth.segments;
    const members = new Map<string, Set<string>>();
    for (const segment of sizes.slice(0, 4)) {
      const ids = (await allPages(sandbox, `/api/segments/${segment.id}/profiles?page[size]=100`)).map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(segment.size);
      members.set(segment.id, new Set(ids));
    }
    const [first] = sizes;
    const counted = await klaviyo(sandbox, 'GET', `/api/segments/${first!.id}?additional-fields[segment]=profile_count`);
    expect(counted.body.data.attributes.profile_count).toBe(first!.size);
    for (const pair of pairs.filter((p) => members.has(p.a) && members.has(p.b))) {
      const b = members.get(pair.b)!;
      expect([...members.get(pair.a)!].filter((id) => b.has(id)).length).toBe(pair.intersection);
    }
    expect(pairs.filter((pair) => pair.jaccard >= 0.8)).toHaveLength(3);
  });

  it('when the flow report is read, then the planted worst message has ≥ 100 recipients and is far below the median', async () => {
    const sandbox = await startSandbox();
    const answer = await klaviyo(sandbox, 'POST', '/api/flow-values-reports', buildReport('flow-values-report', sandbox.truth.placedOrderMetricId));
    expect(answer.status).toBe(200);
    const results: { groupings: { flow_message_id: string }; statistics: Record<string, number> }[] = answer.body.data.attributes.results;
    const eligible = results.filter((r) => r.statistics.recipients! >= 100);
    const rates = eligible.map((r) => r.statistics.conversion_rate!).sort((x, y) => x - y);
    const median = rates[Math.floor(rates.length / 2)]!;
    const worst = eligible.reduce((low, r) => (r.statistics.conversion_rate! < low.statistics.conversion_rate! ? r : low));
    expect(worst.groupings.flow_message_id).toBe(sandbox.truth.flows.worstMessageId);
    expect(worst.statistics.conversion_rate!).toBeLessThan(median * 0.5);
    // It is the only eligible message below 0.8 × the median (the flow-content-refresh default).
    expect(eligible.filter((r) => r.statistics.conversion_rate! < 0.8 * median).map((r) => r.groupings.flow_message_id)).toEqual([worst.groupings.flow_message_id]);
    const message = await klaviyo(sandbox, 'GET', `/api/flow-messages/${worst.groupings.flow_message_id}/template`);
    expect(message.body.data.attributes).toMatchObject({ html: expect.stringContaining('<html>'), text: expect.any(String) });
  });

  it('when flows are walked to their messages, then every live message of the truth is reachable', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    const tick = () => clock.advance(1000); // flow endpoints allow 3 requests per second
    const flows = await allPages(sandbox, `/api/flows?filter=${encodeURIComponent('equals(status,"live")')}`, tick);
    const reached: string[] = [];
    for (const flow of flows) {
      for (const action of await allPages(sandbox, `/api/flows/${flow.id}/flow-actions`, tick)) {
        if (action.attributes.definition.type === 'time-delay') continue;
        reached.push(...(await allPages(sandbox, `/api/flow-actions/${action.id}/flow-messages`, tick)).map((m) => m.id));
      }
    }
    expect(reached.sort()).toEqual(sandbox.truth.flows.messages.map((m) => m.id).sort());
  });

  it('when the campaign report is read per channel, then totals match the truth', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    for (const channel of ['email', 'sms'] as const) {
      const body = buildReport('campaign-values-report', sandbox.truth.placedOrderMetricId, { filter: `equals(send_channel,"${channel}")` });
      const results: { statistics: Record<string, number> }[] = (await klaviyo(sandbox, 'POST', '/api/campaign-values-reports', body)).body.data.attributes.results;
      const sum = (name: string) => results.reduce((total, r) => total + r.statistics[name]!, 0);
      const truth = sandbox.truth.campaigns[channel];
      expect({ campaigns: results.length, recipients: sum('recipients'), clicks: sum('clicks_unique'), conversions: sum('conversion_uniques') }).toEqual({
        campaigns: truth.campaigns,
        recipients: truth.recipients,
        clicks: truth.clicks,
        conversions: truth.conversions,
      });
      expect(sum('conversion_value')).toBeCloseTo(truth.revenue, 2);
      clock.advance(30_000); // reports allow 2 requests per minute
    }
    const emailCampaigns = await allPages(sandbox, `/api/campaigns?filter=${encodeURIComponent("equals(messages.channel,'email')")}`);
    expect(emailCampaigns.length).toBeGreaterThan(sandbox.truth.campaigns.email.campaigns);
  });

  it('when seeded orders are read, then planted co-purchase pairs lead the truth with high lift', async () => {
    const sandbox = await startSandbox({ scale: { orders: 1500 } });
    const top = sandbox.truth.productAffinity.pairs.slice(0, 3).map((pair) => [pair.a, pair.b]);
    expect(top).toEqual([['SKU-0001', 'SKU-0002'], ['SKU-0003', 'SKU-0004'], ['SKU-0005', 'SKU-0006']]);
    expect(sandbox.truth.productAffinity.pairs[0]!.lift).toBeGreaterThan(2);
  });
});
