import { describe, expect, it } from 'vitest';
import { klaviyo, startSandbox } from './klaviyo-support.js';

describe('Klaviyo sandbox: fault injection', () => {
  it('when the next 2 requests are set to fail, then they answer 503 and the third succeeds', async () => {
    const sandbox = await startSandbox();
    sandbox.faults.set({ failNext: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await klaviyo(sandbox, 'GET', '/api/metrics')).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('when a 5xx rate of 1 is set, then every request fails with that status until reset', async () => {
    const sandbox = await startSandbox();
    sandbox.faults.set({ errors: { rate: 1, status: 502 } });
    expect((await klaviyo(sandbox, 'GET', '/api/metrics')).status).toBe(502);
    sandbox.faults.reset();
    expect((await klaviyo(sandbox, 'GET', '/api/metrics')).status).toBe(200);
  });

  it('when auth failure is on, then even the right key gets 401', async () => {
    const sandbox = await startSandbox();
    sandbox.faults.set({ authFailure: true });
    const answer = await klaviyo(sandbox, 'GET', '/api/metrics');
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0].code).toBe('authentication_failed');
  });

  it('when a 429 storm targets one class for 2 requests, then only that class is throttled with the given Retry-After', async () => {
    const sandbox = await startSandbox();
    sandbox.faults.set({ storms: [{ limitClass: 'get_metrics', requests: 2, retryAfterSeconds: 7 }] });
    const first = await klaviyo(sandbox, 'GET', '/api/metrics');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect((await klaviyo(sandbox, 'GET', '/api/catalog-items')).status).toBe(200);
    expect((await klaviyo(sandbox, 'GET', '/api/metrics')).status).toBe(429);
    expect((await klaviyo(sandbox, 'GET', '/api/metrics')).status).toBe(200);
    expect(sandbox.report().limitClasses.get_metrics!.throttled).toBe(2);
  });

  it('when latency is set, then answers are delayed by at least that long', async () => {
    const sandbox = await startSandbox();
    sandbox.faults.set({ latencyMs: 120 });
    const started = performance.now();
    expect((await klaviyo(sandbox, 'GET', '/api/metrics')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('when faults are set over HTTP control routes, then they apply, and the report and truth are readable there', async () => {
    const sandbox = await startSandbox();
    const set = await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ failNext: 1 }) });
    expect(((await set.json()) as { failNext: number }).failNext).toBe(1);
    expect((await klaviyo(sandbox, 'GET', '/api/metrics')).status).toBe(503);
    const report = (await (await fetch(`${sandbox.url}/__sandbox/report`)).json()) as { requests: unknown };
    expect(report.requests).toMatchObject({ total: 1, byStatus: { '503': 1 } });
    const received = (await (await fetch(`${sandbox.url}/__sandbox/received`)).json()) as unknown[];
    expect(received[0]).toMatchObject({ method: 'GET', path: '/api/metrics', limitClass: 'get_metrics', status: 503 });
    const truth = (await (await fetch(`${sandbox.url}/__sandbox/truth`)).json()) as { flows: { worstMessageId: string } };
    expect(truth.flows.worstMessageId).toBe(sandbox.truth.flows.worstMessageId);
    expect((await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'POST', body: 'nope' })).status).toBe(400);
    await fetch(`${sandbox.url}/__sandbox/faults/reset`, { method: 'POST' });
    expect(sandbox.faults.get().failNext).toBe(0);
  });
});
