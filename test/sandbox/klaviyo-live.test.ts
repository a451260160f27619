import { describe, expect, it } from 'vitest';
import { buildReport, klaviyo, manualClock, startSandbox } from './klaviyo-support.js';

const RATE_HEADERS = ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'];

describe('Klaviyo sandbox answers as live Klaviyo does: rate headers', () => {
  it('when a request is admitted, then RateLimit-Limit is the live list and Remaining/Reset describe the 1 s window', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    const metrics = await klaviyo(sandbox, 'GET', '/api/metrics');
    expect(metrics.headers.get('ratelimit-limit')).toBe('10, 10;w=1, 150;w=60');
    expect([metrics.headers.get('ratelimit-remaining'), metrics.headers.get('ratelimit-reset')]).toEqual(['9', '0']);
    const metricId = sandbox.truth.placedOrderMetricId;
    const report = await klaviyo(sandbox, 'POST', '/api/flow-values-reports', {
      data: { type: 'flow-values-report', attributes: { statistics: ['recipients'], timeframe: { key: 'last_30_days' }, conversion_metric_id: metricId } },
    });
    expect(report.status).toBe(200);
    expect(report.headers.get('ratelimit-limit')).toBe('1, 1;w=1, 2;w=60, 225;w=86400');
    expect(report.headers.get('ratelimit-remaining')).toBe('0');
    // A second later the 1 s window is free again, whatever the minute holds.
    clock.advance(1_000);
    expect((await klaviyo(sandbox, 'GET', '/api/metrics')).headers.get('ratelimit-remaining')).toBe('9');
  });

  it('when a request is refused after admission (a 400), then it still carries the rate headers, as live', async () => {
    const sandbox = await startSandbox();
    const answer = await klaviyo(sandbox, 'GET', '/api/segments?page[size]=11');
    expect(answer.status).toBe(400);
    expect(answer.headers.get('ratelimit-limit')).toBe('75, 75;w=1, 750;w=60');
    expect(answer.headers.get('ratelimit-remaining')).toBe('74');
  });

  it('when a storm or the limiter throttles, then the 429 carries only Retry-After, and the live error body', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    sandbox.faults.set({ storms: [{ limitClass: 'get_segments', requests: 1, retryAfterSeconds: 3 }] });
    const storm = await klaviyo(sandbox, 'GET', '/api/segments');
    for (let i = 0; i < 3; i++) await klaviyo(sandbox, 'GET', '/api/flows');
    const limited = await klaviyo(sandbox, 'GET', '/api/flows');
    for (const throttled of [storm, limited]) {
      expect(throttled.status).toBe(429);
      for (const name of RATE_HEADERS) expect(throttled.headers.get(name)).toBeNull();
      expect(throttled.body.errors[0]).toMatchObject({ status: 429, code: 'throttled', meta: [], source: { pointer: '/data' } });
    }
    expect([storm.headers.get('retry-after'), limited.headers.get('retry-after')]).toEqual(['3', '1']);
  });
});

describe('Klaviyo sandbox answers as live Klaviyo does: page sizes', () => {
  it.each([
    ['/api/segments?page[size]=11', 10],
    ['/api/lists?page[size]=11', 10],
    ['/api/flows?page[size]=51', 50],
    ['/api/profiles?page[size]=101', 100],
    ['/api/events?page[size]=1001', 1000],
  ])('when %s asks for more than the endpoint takes, then 400 in the JSON:API error shape', async (path, max) => {
    const sandbox = await startSandbox();
    const answer = await klaviyo(sandbox, 'GET', path);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      { id: expect.any(String), status: 400, code: 'invalid', title: 'Invalid input.', detail: `page[size] must be an integer between 1 and ${max}.`, source: { parameter: 'page[size]' }, links: [], meta: [] },
    ]);
  });

  it('when events are asked 500 a page, then live serves 200 and a next link', async () => {
    const sandbox = await startSandbox({ scale: { orders: 400 } });
    const answer = await klaviyo(sandbox, 'GET', '/api/events?page[size]=500');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toHaveLength(200);
    expect(answer.body.links.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/events\?/);
  });

  it.each(['/api/metrics?page[size]=10', '/api/campaigns/{campaign}/campaign-messages?page[size]=10'])(
    'when %s sends a page[size] the endpoint does not take, then 400',
    async (template) => {
      const sandbox = await startSandbox();
      const campaign = sandbox.data.account.campaigns[0]?.id ?? '';
      const answer = await klaviyo(sandbox, 'GET', template.replace('{campaign}', campaign));
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0]).toMatchObject({ code: 'invalid', source: { parameter: 'page[size]' } });
    },
  );

  it('when the last page is served, then links.next is null (not absent) and links.prev names the page before', async () => {
    const sandbox = await startSandbox();
    const pages = [];
    let next: string | null = '/api/segments?page[size]=4';
    while (next) {
      const answer = await klaviyo(sandbox, 'GET', next);
      pages.push(answer.body);
      next = answer.body.links.next;
    }
    expect(pages.map((page) => page.data.length)).toEqual([4, 4, 2]);
    const last = pages.at(-1);
    expect(last.links).toHaveProperty('next', null);
    expect(last.links.prev).toMatch(/page%5Bcursor%5D=/);
    expect(pages[0].links.prev).toBeNull();
    const webhooks = await startSandbox({ live: { advancedKdp: true } });
    expect((await klaviyo(webhooks, 'GET', '/api/webhooks')).body.links).toMatchObject({ next: null, prev: null });
  });
});

describe('Klaviyo sandbox answers as live Klaviyo does: malformed ids', () => {
  it.each([
    ['/api/segments/NOPE', "Invalid Segment ID: 'NOPE'"],
    ['/api/segments/NOPE-1/profiles', "Invalid Segment ID: 'NOPE-1'"],
    ['/api/flows/x/flow-actions', "Invalid Flow ID: 'x'"],
    ['/api/flow-actions/NOPE01/flow-messages', "Invalid Flow Action ID: 'NOPE01'"],
    ['/api/flow-messages/toolongid/template', "Invalid Flow Message ID: 'toolongid'"],
    ['/api/profiles/NOPE01', "Invalid Profile ID: 'NOPE01'"],
    ['/api/profile-bulk-import-jobs/NOPE01', "Invalid Bulk Import Job ID: 'NOPE01'"],
    ['/api/campaign-messages/NOPE01/template', "Invalid Campaign Message ID: 'NOPE01'"],
  ])('when %s names an id not in the resource format, then 400 with pointer /data/id (not 404)', async (path, detail) => {
    const sandbox = await startSandbox();
    const answer = await klaviyo(sandbox, 'GET', path);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]).toMatchObject({ status: 400, code: 'invalid', title: 'Invalid input.', detail, source: { pointer: '/data/id' } });
  });

  it('when an id is well-formed but names nothing, then 404', async () => {
    const sandbox = await startSandbox();
    for (const path of ['/api/segments/NOPE01', '/api/flow-actions/99999999/flow-messages', '/api/profiles/01SBXP0000000000000000ZZZZ', '/api/templates/ZZZZZZ']) {
      expect((await klaviyo(sandbox, 'GET', path)).status, path).toBe(404);
    }
    const segment = sandbox.truth.segments.sizes[0]?.id ?? '';
    expect((await klaviyo(sandbox, 'GET', `/api/segments/${segment}`)).status).toBe(200);
  });
});

describe('Klaviyo sandbox answers as live Klaviyo does: retired revisions and the edge proxy', () => {
  it('when the revision header is in live.retiredRevisions, then 410 Gone; other revisions are served', async () => {
    const sandbox = await startSandbox({ live: { retiredRevisions: ['2024-10-15'] } });
    const gone = await klaviyo(sandbox, 'GET', '/api/segments', undefined, { revision: '2024-10-15' });
    expect(gone.status).toBe(410);
    expect(gone.body.errors[0]).toMatchObject({ status: 410, code: 'gone', source: { parameter: 'revision' } });
    expect(gone.body.errors[0].detail).toContain('2024-10-15');
    expect((await klaviyo(sandbox, 'GET', '/api/segments')).status).toBe(200);
    expect(sandbox.report().revisionsSeen).toEqual({ '2024-10-15': 1, '2026-07-15': 1 });
    expect(sandbox.report().limitClasses.get_segments?.requests).toBe(1); // the 410 was not counted against the class
  });

  it('when no revision is retired (the default), then every well-formed revision is served', async () => {
    const sandbox = await startSandbox();
    expect((await klaviyo(sandbox, 'GET', '/api/segments', undefined, { revision: '2023-02-22' })).status).toBe(200);
  });

  it('when the edge proxy challenges, then 403 with an HTML page and cf-mitigated: challenge, then Klaviyo answers again', async () => {
    const sandbox = await startSandbox();
    sandbox.faults.set({ edgeChallengeNext: 1 });
    const response = await fetch(`${sandbox.url}/api/segments`, { headers: { authorization: `Klaviyo-API-Key ${sandbox.apiKey}`, revision: '2026-07-15' } });
    expect(response.status).toBe(403);
    expect(response.headers.get('cf-mitigated')).toBe('challenge');
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/^<!DOCTYPE html>/);
    expect((await klaviyo(sandbox, 'GET', '/api/segments')).status).toBe(200);
  });
});

describe('Klaviyo sandbox answers as live Klaviyo does: reports and aggregates', () => {
  it('when a values report is answered, then its data.id is a UUID and it carries no relationships', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    const answer = await klaviyo(sandbox, 'POST', '/api/flow-values-reports', buildReport('flow-values-report', sandbox.truth.placedOrderMetricId));
    expect(answer.status).toBe(200);
    expect(answer.body.data.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(answer.body.data).not.toHaveProperty('relationships');
  });

  it('when a flow values report groups by flow_id without flow_message_id, then 400; with both, it is served', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    const metric = sandbox.truth.placedOrderMetricId;
    const flowOnly = await klaviyo(sandbox, 'POST', '/api/flow-values-reports', buildReport('flow-values-report', metric, { group_by: ['flow_id'] }));
    expect(flowOnly.status).toBe(400);
    expect(flowOnly.body.errors[0].source).toEqual({ pointer: '/data/attributes/group_by' });
    clock.advance(60_000); // the reporting class allows 1/s and 2/m
    const both = await klaviyo(sandbox, 'POST', '/api/flow-values-reports', buildReport('flow-values-report', metric, { group_by: ['flow_id', 'flow_message_id'] }));
    expect(both.status).toBe(200);
  });

  it('when a metric aggregate asks for any sort, or a page_size under 500, then 400', async () => {
    const clock = manualClock();
    const sandbox = await startSandbox({ now: clock.now });
    const query = (extra: Record<string, unknown>) => ({
      data: {
        type: 'metric-aggregate',
        attributes: {
          metric_id: sandbox.truth.placedOrderMetricId,
          measurements: ['count'],
          interval: 'day',
          filter: ['greater-or-equal(datetime,2026-06-01T00:00:00)', 'less-than(datetime,2026-07-01T00:00:00)'],
          ...extra,
        },
      },
    });
    const answers = [];
    for (const extra of [{ sort: '-count' }, { page_size: 100 }, { page_size: 500 }]) {
      answers.push(await klaviyo(sandbox, 'POST', '/api/metric-aggregates', query(extra)));
      clock.advance(1_000);
    }
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 200]);
    expect(answers.slice(0, 2).map((answer) => answer.body.errors[0].source.pointer)).toEqual(['/data/attributes/sort', '/data/attributes/page_size']);
  });
});
