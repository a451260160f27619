import { afterEach, describe, expect, it, vi } from 'vitest';
import { startKlaviyoSandbox, type KlaviyoSandbox, type SandboxScale } from '../../sandbox/klaviyo/index.js';
import { createKlaviyoService, KlaviyoAuthError, KlaviyoNotFoundError, KlaviyoValidationError, type KlaviyoServiceOptions } from '../../services/klaviyo/index.js';

const API_KEY = 'pk_klaviyo_service_test_0001';
const running: KlaviyoSandbox[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((sandbox) => sandbox.close()));
});

/** The sandbox and our service, sped up by the same factor so windows shrink on both sides. */
async function setup(speedUp: number, overrides: Partial<KlaviyoServiceOptions> & { scale?: Partial<SandboxScale> } = {}) {
  const { scale, ...serviceOverrides } = overrides;
  const sandbox = await startKlaviyoSandbox({ apiKey: API_KEY, seed: 11, speedUp, scale: { profiles: 300, orders: 50, ...scale } });
  running.push(sandbox);
  const service = createKlaviyoService({
    apiKey: API_KEY,
    baseUrl: sandbox.url,
    revision: '2026-07-15',
    speedUp,
    retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
    ...serviceOverrides,
  });
  return { sandbox, service };
}

const ofClass = (sandbox: KlaviyoSandbox, limitClass: string) => sandbox.received().filter((r) => r.limitClass === limitClass);

describe('Klaviyo service against the sandbox', () => {
  it('when 2,000 calls hit one limit class at once, then none is throttled and no 1 s or 60 s span exceeds its budget', async () => {
    // get_campaigns is 10/s and 150/m: 2,000 calls need ~13 Klaviyo minutes (~4 s at 200×), so both windows bind.
    const { sandbox, service } = await setup(200, { scale: { campaignsPerChannel: 2 } });
    const calls = Array.from({ length: 2_000 }, () =>
      service.client.request({
        limitClass: 'get_campaigns',
        method: 'GET',
        path: '/api/campaigns',
        query: { filter: 'equals(messages.channel,"email")' },
        idempotent: true,
      }),
    );
    const answers = await Promise.all(calls);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const observed = sandbox.report().limitClasses['get_campaigns'];
    expect(observed).toMatchObject({ requests: 2_000, throttled: 0 });
    expect(observed?.maxPerSecond).toBeLessThanOrEqual(10);
    expect(observed?.maxPerMinute).toBeLessThanOrEqual(150);
    expect(service.limiters.stats()['get_campaigns']?.queued).toBe(0);
  }, 90_000); // a few seconds on an idle machine; generous for a loaded CI runner

  it('when a class answers 429 with Retry-After: 2, then no request of that class is sent for 2 (scaled) seconds', async () => {
    const speedUp = 10;
    const { sandbox, service } = await setup(speedUp);
    sandbox.faults.set({ storms: [{ limitClass: 'get_flows', requests: 1, retryAfterSeconds: 2 }] });
    const readAll = async () => {
      const flows = [];
      for await (const flow of service.flows.list()) flows.push(flow.id);
      return flows;
    };
    const first = readAll();
    // Once the 429 is known (the class shows a pause), more callers of the class arrive.
    await vi.waitFor(() => expect(service.limiters.stats()['get_flows']?.paused_until).not.toBeNull(), { interval: 1 });
    const results = await Promise.all([first, readAll(), readAll()]);
    expect(results.every((ids) => ids.length > 0)).toBe(true);
    const requests = ofClass(sandbox, 'get_flows');
    const throttled = requests.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(1);
    const pauseEnds = (throttled[0]?.at ?? 0) + (2 * 1000) / speedUp;
    const sentAfter429 = requests.filter((r) => r.at > (throttled[0]?.at ?? 0));
    expect(sentAfter429.length).toBeGreaterThanOrEqual(3);
    expect(sentAfter429.every((r) => r.at >= pauseEnds)).toBe(true);
  });

  it('when the sandbox answers 503 once, then an idempotent read is retried and succeeds', async () => {
    const { sandbox, service } = await setup(10);
    sandbox.faults.set({ failNext: 1 });
    const segment = sandbox.truth.segments.sizes[0];
    const read = await service.segments.get(segment?.id ?? '');
    expect(read.id).toBe(segment?.id);
    expect(ofClass(sandbox, 'get_segment').map((r) => r.status)).toEqual([503, 200]);
  });

  it('when the sandbox answers 400, then the call is not retried and the error names the pointer', async () => {
    const { sandbox, service } = await setup(10);
    const error = await service.client
      .request({ limitClass: 'create_event', method: 'POST', path: '/api/events', idempotent: true, body: { data: { type: 'event', attributes: {} } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KlaviyoValidationError);
    expect((error as KlaviyoValidationError).errors[0]?.pointer).toMatch(/^\/data/);
    expect(ofClass(sandbox, 'create_event').map((r) => r.status)).toEqual([400]);
  });

  it('when the key is rejected, then the 401 is not retried and is reported as an auth failure', async () => {
    const onAuthStatus = vi.fn();
    const { sandbox, service } = await setup(10, { onAuthStatus });
    sandbox.faults.set({ authFailure: true });
    await expect(service.segments.get(sandbox.truth.segments.sizes[0]?.id ?? '')).rejects.toBeInstanceOf(KlaviyoAuthError);
    expect(sandbox.received().filter((r) => r.path.startsWith('/api/segments/')).map((r) => r.status)).toEqual([401]);
    expect(onAuthStatus).toHaveBeenLastCalledWith(false, expect.any(KlaviyoAuthError));
    sandbox.faults.reset();
    await service.segments.get(sandbox.truth.segments.sizes[0]?.id ?? '');
    expect(onAuthStatus).toHaveBeenLastCalledWith(true);
  });

  it('when a paginated read walks every page, then each seeded profile comes back exactly once', async () => {
    const { sandbox, service } = await setup(10);
    const ids: string[] = [];
    for await (const profile of service.profiles.list({ pageSize: 100, additionalFields: ['predictive_analytics'] })) ids.push(profile.id);
    expect(ids).toHaveLength(sandbox.truth.predictions.profiles);
    expect(new Set(ids).size).toBe(ids.length);
    // predictive_analytics moved the read into its own class.
    expect(ofClass(sandbox, 'get_profiles:predictive_analytics')).toHaveLength(Math.ceil(ids.length / 100));
  });

  it('when segment members are paged, then every member comes back exactly once', async () => {
    const { sandbox, service } = await setup(10);
    const segment = sandbox.truth.segments.sizes.find((s) => s.size > 25);
    const ids = new Set<string>();
    let count = 0;
    for await (const member of service.segments.profiles(segment?.id ?? '', { pageSize: 20 })) {
      ids.add(member.id);
      count += 1;
    }
    expect(count).toBe(segment?.size);
    expect(ids.size).toBe(count);
  });

  it('when endpoints are asked for pages larger than live serves, then they ask within each maximum and every read succeeds', async () => {
    const { sandbox, service } = await setup(10, { scale: { orders: 450 } });
    const count = async (items: AsyncIterable<unknown>) => {
      let n = 0;
      for await (const _ of items) n += 1;
      return n;
    };
    expect(await count(service.flows.list({ pageSize: 500 }))).toBeGreaterThan(0);
    expect(await count(service.segments.list({ pageSize: 100 }))).toBe(sandbox.truth.segments.sizes.length);
    expect(await count(service.profiles.list({ pageSize: 500 }))).toBe(300);
    expect(await count(service.events.list({ pageSize: 1_000 }))).toBe(450);
    const sizes = (limitClass: string) => [...new Set(ofClass(sandbox, limitClass).map((r) => new URLSearchParams(r.query).get('page[size]')))];
    expect(sizes('get_flows')).toEqual(['50']);
    expect(sizes('get_segments')).toEqual(['10']);
    expect(sizes('get_profiles')).toEqual(['100']);
    expect(sizes('get_events')).toEqual(['200']);
    expect(ofClass(sandbox, 'get_events')).toHaveLength(3); // 450 events, 200 a page
    expect(sandbox.received().every((r) => r.status === 200)).toBe(true);
  });

  it('when a read by id names a malformed id (live: 400), then it is KlaviyoNotFoundError, as a well-formed unknown id (404) is', async () => {
    const { sandbox, service } = await setup(10);
    await expect(service.segments.get('NOPE')).rejects.toMatchObject({ constructor: KlaviyoNotFoundError, status: 400 });
    await expect(service.segments.get('NOPE01')).rejects.toMatchObject({ constructor: KlaviyoNotFoundError, status: 404 });
    await expect(service.profiles.get('not-a-profile')).rejects.toBeInstanceOf(KlaviyoNotFoundError);
    const messages = async () => {
      for await (const _ of service.flows.messages('NOPE01')) return;
    };
    await expect(messages()).rejects.toBeInstanceOf(KlaviyoNotFoundError);
    expect(sandbox.received().map((r) => r.status)).toEqual([400, 404, 400, 400]); // none retried
  });

  it('when another process has spent the 1 s window (Remaining 0 in the live headers), then the next call waits for it instead of meeting a 429', async () => {
    const { sandbox, service } = await setup(1);
    // Someone else on the account takes 2 of get_flows' 3 a second; our own limiter knows nothing of it.
    const other = { authorization: `Klaviyo-API-Key ${API_KEY}`, revision: '2026-07-15' };
    for (let i = 0; i < 2; i++) expect((await fetch(`${sandbox.url}/api/flows`, { headers: other })).status).toBe(200);
    const read = () => service.client.request({ limitClass: 'get_flows', method: 'GET', path: '/api/flows', idempotent: true });
    const first = await read();
    expect(first.headers.get('ratelimit-remaining')).toBe('0');
    await read();
    expect(sandbox.report().limitClasses.get_flows).toMatchObject({ requests: 4, throttled: 0 });
  });
});
