import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  createMaveraClient,
  MaveraAuthError,
  MaveraBadRequestError,
  MaveraNotFoundError,
  MaveraOutOfCreditsError,
  MaveraRateLimitedError,
  MaveraUnavailableError,
  type MaveraClientOptions,
} from '../../services/mavera/index.js';
import { API_KEY, maveraError, fakeTime, scriptedFetch, type StubAnswer } from './builders.js';

const USAGE = { object: 'usage', credits: { used: 10, included: 100, remaining: 90 } };
const GENERATION = { id: 'gen_1', output: 'text', usage: { credits_used: 12 } };

function clientWith(script: Array<StubAnswer | 'network'>, overrides: Partial<MaveraClientOptions> = {}) {
  const stub = scriptedFetch(script);
  const time = fakeTime();
  const client = createMaveraClient({
    apiKey: API_KEY,
    baseUrl: 'https://mavera.invalid/api/v1',
    requestsPerMinute: 1000,
    fetch: stub.fetch,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    ...overrides,
  });
  return { client, calls: stub.calls, waits: time.waits };
}

describe('Mavera client retry policy', () => {
  it('when Mavera answers 402 credits_exhausted, then the call fails at once and is never retried', async () => {
    const { client, calls } = clientWith([maveraError(402, 'credits_exhausted'), { body: GENERATION }]);
    await expect(client.createGeneration({ app_id: 'a', input_data: {} })).rejects.toBeInstanceOf(MaveraOutOfCreditsError);
    expect(calls).toHaveLength(1);
  });

  it('when Mavera answers 402 budget_exceeded, then it is the same out-of-credits error', async () => {
    const { client, calls } = clientWith([maveraError(402, 'budget_exceeded')]);
    await expect(client.getUsage()).rejects.toMatchObject({ code: 'mavera_out_of_credits', maveraCode: 'budget_exceeded' });
    expect(calls).toHaveLength(1);
  });

  it('when Mavera answers 429 with Retry-After, then the client waits exactly that long and retries', async () => {
    const { client, calls, waits } = clientWith([maveraError(429, 'rate_limit_exceeded', { 'Retry-After': '3' }), { body: USAGE }]);
    const usage = await client.getUsage();
    expect(usage.credits.remaining).toBe(90);
    expect(calls).toHaveLength(2);
    expect(waits).toEqual([3000]);
  });

  it('when a Retry-After is longer than the client will wait inside a call, then the 429 surfaces', async () => {
    const { client, calls } = clientWith([maveraError(429, 'rate_limit_exceeded', { 'Retry-After': '3600' })]);
    await expect(client.getUsage()).rejects.toBeInstanceOf(MaveraRateLimitedError);
    expect(calls).toHaveLength(1);
  });

  it('when Mavera answers 500 then 503 then succeeds, then the call succeeds after backoffs with full jitter', async () => {
    const { client, calls, waits } = clientWith([maveraError(500, 'internal_error'), maveraError(503, 'service_unavailable'), { body: GENERATION }]);
    const generation = await client.createGeneration({ app_id: 'a', input_data: { x: 1 } });
    expect(generation.creditsUsed).toBe(12);
    expect(calls).toHaveLength(3);
    // random() = 0.5 → half of min(cap, base·2^(n−1)): 50 then 100.
    expect(waits).toEqual([50, 100]);
  });

  it('when the network fails once, then the call is retried', async () => {
    const { client, calls } = clientWith(['network', { body: USAGE }]);
    await expect(client.getUsage()).resolves.toMatchObject({ credits: { used: 10 } });
    expect(calls).toHaveLength(2);
  });

  it('when 5xx persists, then the call gives up after maxAttempts with a transient error', async () => {
    const { client, calls, waits } = clientWith(Array.from({ length: 6 }, () => maveraError(503, 'service_unavailable')));
    await expect(client.getUsage()).rejects.toBeInstanceOf(MaveraUnavailableError);
    expect(calls).toHaveLength(4);
    expect(waits.every((w) => w <= 1000)).toBe(true);
  });

  it.each([
    [400, 'invalid_field', MaveraBadRequestError],
    [401, 'invalid_api_key', MaveraAuthError],
    [403, 'forbidden', MaveraAuthError],
    [404, 'resource_not_found', MaveraNotFoundError],
    [422, 'unprocessable', MaveraBadRequestError],
  ])('when Mavera answers %i, then the call is not retried', async (status, code, type) => {
    const { client, calls } = clientWith([maveraError(status, code), { body: USAGE }]);
    await expect(client.getUsage()).rejects.toBeInstanceOf(type);
    expect(calls).toHaveLength(1);
  });

  it('when an attempt outlives timeoutMs, then it is abandoned and retried', async () => {
    let attempt = 0;
    const slowThenFast = (async (_url: string | URL | Request, init?: RequestInit) => {
      attempt += 1;
      if (attempt === 1) {
        await new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
      }
      return new Response(JSON.stringify(USAGE), { status: 200 });
    }) as typeof fetch;
    const { client } = clientWith([], { fetch: slowThenFast, timeoutMs: 20 });
    await expect(client.getUsage()).resolves.toMatchObject({ credits: { remaining: 90 } });
    expect(attempt).toBe(2);
  });

  it('when calling, then the request carries the bearer key and a JSON body', async () => {
    const { client, calls } = clientWith([{ body: GENERATION }]);
    await client.createGeneration({ app_id: 'email-rewrite', input_data: { subject: 'Hi' } });
    expect(calls[0]).toMatchObject({
      url: 'https://mavera.invalid/api/v1/generations',
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: { app_id: 'email-rewrite', input_data: { subject: 'Hi' } },
    });
  });

  it('when a 2xx body lacks what the jobs rely on, then the call fails with an unexpected-response error', async () => {
    const { client } = clientWith([{ body: { id: 'gen_1' } }]);
    await expect(client.createGeneration({ app_id: 'a', input_data: {} })).rejects.toMatchObject({ code: 'mavera_unexpected_response' });
  });

  it('when calls retry and fail, then the log names the operation and status but never the key or the body', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
    const logger = pino({ level: 'debug' }, sink);
    const { client } = clientWith([maveraError(503, 'service_unavailable'), maveraError(400, 'invalid_field')], { logger });
    await expect(client.createGeneration({ app_id: 'a', input_data: { secret_note: 'jane@example.com' } })).rejects.toBeInstanceOf(MaveraBadRequestError);
    const log = lines.join('');
    expect(log).toContain('generations.create');
    expect(log).toContain('"upstreamStatus":503');
    expect(log).not.toContain(API_KEY);
    expect(log).not.toContain('jane@example.com');
  });
});
