import { describe, expect, it } from 'vitest';
import { buildFocusGroupDescription, clientFor, trackMaveraSandboxes } from './builders.js';

const start = trackMaveraSandboxes();

describe('Mavera concurrency caps against the fake', () => {
  it('when 25 Mave calls are made at once, then at most 10 are ever in flight and all succeed', async () => {
    const sandbox = await start();
    sandbox.faults.setLatency(400, 'mave/chat');
    const client = clientFor(sandbox);
    const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => client.maveChat({ message: `question ${i}` })));
    expect(answers).toHaveLength(25);
    expect(sandbox.peakInFlight('mave/chat')).toBe(10);
    expect(sandbox.concurrencyRejections()).toBe(0);
  });

  it('when a client is allowed more than 10 Mave calls, then the fake sees the excess (the check can fail)', async () => {
    const sandbox = await start();
    sandbox.faults.setLatency(400, 'mave/chat');
    const client = clientFor(sandbox, { concurrency: { mave: 15 }, retry: { maxAttempts: 1 } });
    await Promise.allSettled(Array.from({ length: 15 }, (_, i) => client.maveChat({ message: `question ${i}` })));
    expect(sandbox.peakInFlight('mave/chat')).toBeGreaterThan(10);
    expect(sandbox.concurrencyRejections()).toBeGreaterThan(0);
  });

  it('when 12 focus groups run at once, then at most 5 are ever generating and all complete', async () => {
    const sandbox = await start({ credits: 100_000, focusGroupPollsToComplete: 4 });
    const client = clientFor(sandbox, { focusGroupPolling: { initialIntervalMs: 20, maxIntervalMs: 20 } });
    const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => client.runFocusGroup(buildFocusGroupDescription({ name: `group ${i}` }))));
    expect(runs.every((run) => run.status === 'COMPLETED')).toBe(true);
    expect(sandbox.peakActiveFocusGroups()).toBe(5);
    expect(sandbox.concurrencyRejections()).toBe(0);
  });

  it('when a client is allowed 8 focus groups, then the fake sees more than 5 generating (the check can fail)', async () => {
    const sandbox = await start({ credits: 100_000, focusGroupPollsToComplete: 4 });
    const client = clientFor(sandbox, { concurrency: { focusGroups: 8 }, retry: { maxAttempts: 1 }, focusGroupPolling: { initialIntervalMs: 20, maxIntervalMs: 20 } });
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => client.runFocusGroup(buildFocusGroupDescription({ name: `group ${i}` }))));
    expect(sandbox.peakActiveFocusGroups()).toBeGreaterThan(5);
    expect(outcomes.filter((o) => o.status === 'rejected').length).toBeGreaterThan(0);
  });

  it('when the plan allows 5 requests per minute, then the fake never answers 429 to a client configured for it', async () => {
    const sandbox = await start({ requestsPerMinute: 5 });
    const client = clientFor(sandbox, { requestsPerMinute: 5 });
    await Promise.all(Array.from({ length: 5 }, () => client.getUsage()));
    const controller = new AbortController();
    // The 6th must wait ~60 s for the window; it is cancelled instead of being sent.
    const sixth = client.getUsage({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop waiting')), 20);
    await expect(sixth).rejects.toThrow('stop waiting');
    expect(sandbox.requests({ endpoint: 'usage' })).toHaveLength(5);
    expect(sandbox.requests().filter((r) => r.status === 429)).toHaveLength(0);
  });
});
