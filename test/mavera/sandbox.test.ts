import { describe, expect, it } from 'vitest';
import type { MaveraSandbox } from '../../sandbox/mavera/index.js';
import { buildFocusGroupRequest, MaveraOutOfCreditsError } from '../../services/mavera/index.js';
import { API_KEY, buildFocusGroupDescription, clientFor, trackMaveraSandboxes } from './builders.js';

const start = trackMaveraSandboxes();

/** The parts of the fake's answers these tests read. */
interface FakeBody {
  id?: string;
  status?: string;
  results?: { respondents: unknown[] };
  error?: Record<string, unknown>;
}

async function call(s: MaveraSandbox, method: string, path: string, body?: unknown, key: string | null = API_KEY) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  const response = await fetch(`${s.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as FakeBody };
}

describe('fake Mavera', () => {
  it('when the key is missing or wrong, then it answers 401 in the documented error shape', async () => {
    const sandbox = await start();
    expect(await call(sandbox, 'GET', '/usage', undefined, null)).toMatchObject({ status: 401, body: { error: { type: 'authentication_error', code: 'missing_api_key' } } });
    expect(await call(sandbox, 'GET', '/usage', undefined, 'mvra_live_wrongwrongwrong')).toMatchObject({ status: 401, body: { error: { code: 'invalid_api_key', param: null } } });
  });

  it('when calls exceed its requests per minute, then it answers 429 with Retry-After and rate-limit headers', async () => {
    const sandbox = await start({ requestsPerMinute: 2 });
    expect((await call(sandbox, 'GET', '/usage')).headers.get('x-ratelimit-remaining')).toBe('1');
    await call(sandbox, 'GET', '/usage');
    const third = await call(sandbox, 'GET', '/usage');
    expect(third).toMatchObject({ status: 429, body: { error: { code: 'rate_limit_exceeded', type: 'rate_limit_error' } } });
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
  });

  it('when a call would exceed the remaining credits, then it answers 402 credits_exhausted and spends nothing', async () => {
    const sandbox = await start({ credits: 20 });
    const client = clientFor(sandbox);
    await expect(client.maveChat({ message: 'too expensive' })).rejects.toBeInstanceOf(MaveraOutOfCreditsError);
    expect(sandbox.credits()).toEqual({ used: 0, remaining: 20, included: 20 });
    await expect(client.createGeneration({ app_id: 'sms-copy', input_data: { topic: 'sale' } })).resolves.toMatchObject({ creditsUsed: 10 });
    expect(await client.getUsage()).toMatchObject({ credits: { used: 10, remaining: 10, included: 20 } });
  });

  it('when generating twice from the same input, then the output is identical and derived from the input', async () => {
    const sandbox = await start();
    const client = clientFor(sandbox);
    const body = { app_id: 'email-rewrite', input_data: { subject: 'Your cart misses you', body: 'Come back' } };
    const [a, b] = [await client.createGeneration(body), await client.createGeneration(body)];
    expect(a.output).toBe(b.output);
    expect(a.output).toContain('Your cart misses you');
    expect(sandbox.requests({ endpoint: 'generations' }).map((r) => r.body)).toEqual([body, body]);
  });

  it('when Mave is asked a follow-up with thread_id, then the thread continues', async () => {
    const sandbox = await start();
    const client = clientFor(sandbox);
    const first = await client.maveChat({ message: 'Here are 14 segments…' });
    const second = await client.maveChat({ message: 'Simplify further', thread_id: first.thread_id });
    expect(second.thread_id).toBe(first.thread_id);
    expect(second.content).toContain('turn 2');
    expect(second.creditsUsed).toBeLessThan(first.creditsUsed);
  });

  it('when a focus group is polled, then it goes pending → processing → completed with deterministic results', async () => {
    const sandbox = await start();
    const request = buildFocusGroupRequest(buildFocusGroupDescription(), 'ws_1');
    const created = await call(sandbox, 'POST', '/focus-groups', request);
    expect(created).toMatchObject({ status: 201, body: { status: 'PENDING' } });
    const id = String(created.body.id);
    expect((await call(sandbox, 'GET', `/focus-groups/${id}`)).body.status).toBe('PROCESSING');
    const done = await call(sandbox, 'GET', `/focus-groups/${id}`);
    expect(done.body.status).toBe('COMPLETED');
    expect(done.body.results?.respondents).toHaveLength(4);
    const again = await call(sandbox, 'POST', '/focus-groups', request);
    await call(sandbox, 'GET', `/focus-groups/${String(again.body.id)}`);
    expect((await call(sandbox, 'GET', `/focus-groups/${String(again.body.id)}`)).body.results).toEqual(done.body.results);
  });

  it('when a focus group lacks workspace_id, then it answers 400 missing_field', async () => {
    const sandbox = await start();
    const request = { ...buildFocusGroupRequest(buildFocusGroupDescription(), 'ws_1'), workspace_id: undefined };
    expect(await call(sandbox, 'POST', '/focus-groups', request)).toMatchObject({ status: 400, body: { error: { code: 'missing_field', param: 'workspace_id' } } });
  });

  it('when the next calls are set to fail (5xx and dropped connections), then the client retries through them', async () => {
    const sandbox = await start();
    sandbox.faults.failNext(1, { status: 503, endpoint: 'usage' });
    sandbox.faults.failNext(1, { status: 'network', endpoint: 'usage' });
    await expect(clientFor(sandbox).getUsage()).resolves.toMatchObject({ credits: { used: 0 } });
    expect(sandbox.requests({ endpoint: 'usage' }).map((r) => r.status)).toEqual([503, 0, 200]);
  });

  it('when an error rate is set, then the same seed fails the same calls', async () => {
    const statuses: number[][] = [];
    for (let run = 0; run < 2; run += 1) {
      const sandbox = await start({ faultSeed: 7 });
      sandbox.faults.setErrorRate(0.5, { status: 500 });
      for (let i = 0; i < 10; i += 1) await call(sandbox, 'GET', '/generation-apps');
      statuses.push(sandbox.requests().map((r) => r.status));
    }
    expect(statuses[0]).toEqual(statuses[1]);
    expect(statuses[0]).toContain(500);
    expect(statuses[0]).toContain(200);
  });

  it('when a body is not JSON, then it answers 400 and records the call', async () => {
    const sandbox = await start();
    const response = await fetch(`${sandbox.url}/generations`, { method: 'POST', headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' }, body: '{nope' });
    expect(response.status).toBe(400);
    expect(sandbox.requests()).toMatchObject([{ method: 'POST', path: '/generations', status: 400 }]);
  });
});
