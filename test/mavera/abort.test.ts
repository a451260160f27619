import { describe, expect, it } from 'vitest';
import { abortableSleep } from '../../src/lib/abortable.js';
import { buildFocusGroupDescription, clientFor, trackMaveraSandboxes } from './builders.js';

const start = trackMaveraSandboxes();

/** Rejects if `promise` has not settled within `ms`: a cancelled call must not sit out its minute-long wait. */
function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms))]);
}

describe('Mavera cancellation', () => {
  it('when a run is cancelled between focus-group polls, then the call rejects promptly, polls stop and the slot frees', async () => {
    const sandbox = await start({ focusGroupPollsToComplete: Number.POSITIVE_INFINITY });
    // One slot, and a minute between polls: only a working abort can end this quickly.
    const client = clientFor(sandbox, { concurrency: { focusGroups: 1 }, focusGroupPolling: { initialIntervalMs: 60_000, maxIntervalMs: 60_000, timeoutMs: 600_000 } });
    const controller = new AbortController();
    let created: { id: string; creditsUsed: number } | undefined;
    const run = client.runFocusGroup(buildFocusGroupDescription(), {
      signal: controller.signal,
      onCreated: (info) => {
        created = info;
        setTimeout(() => controller.abort(new DOMException('run cancelled', 'AbortError')), 10);
      },
    });
    await expect(settlesWithin(run, 5_000)).rejects.toMatchObject({ name: 'AbortError' });
    expect(created?.creditsUsed).toBeGreaterThan(0);
    const pollsAtAbort = sandbox.requests({ endpoint: 'focus-groups', method: 'GET' }).length;

    sandbox.setFocusGroupPollsToComplete(1);
    const next = await settlesWithin(client.runFocusGroup(buildFocusGroupDescription({ name: 'after cancel' }), { initialIntervalMs: 1 }), 5_000);
    expect(next.status).toBe('COMPLETED');
    const pollsOfCancelled = sandbox.requests({ endpoint: 'focus-groups', method: 'GET' }).filter((r) => r.path === `/focus-groups/${created?.id}`);
    expect(pollsOfCancelled).toHaveLength(pollsAtAbort);
  });

  it('when a run is cancelled while its focus group waits for a slot, then it never creates the group', async () => {
    const sandbox = await start({ focusGroupPollsToComplete: Number.POSITIVE_INFINITY });
    const client = clientFor(sandbox, { concurrency: { focusGroups: 1 }, focusGroupPolling: { initialIntervalMs: 60_000, timeoutMs: 600_000 } });
    const holder = new AbortController();
    const first = client.runFocusGroup(buildFocusGroupDescription(), { signal: holder.signal });
    const waiter = new AbortController();
    const second = client.runFocusGroup(buildFocusGroupDescription({ name: 'queued' }), { signal: waiter.signal });
    waiter.abort(new Error('cancelled while queued'));
    await expect(settlesWithin(second, 5_000)).rejects.toThrow('cancelled while queued');
    holder.abort(new Error('done'));
    await expect(first).rejects.toThrow('done');
    expect(sandbox.requests({ endpoint: 'focus-groups', method: 'POST' }).map((r) => (r.body as { name: string }).name)).not.toContain('queued');
  });

  it('when a run is cancelled during a slow Mave call, then the in-flight fetch is aborted', async () => {
    const sandbox = await start();
    sandbox.faults.setLatency(60_000, 'mave/chat');
    const client = clientFor(sandbox);
    const controller = new AbortController();
    const call = client.maveChat({ message: 'slow one' }, { signal: controller.signal });
    setTimeout(() => controller.abort(new DOMException('run cancelled', 'AbortError')), 50);
    await expect(settlesWithin(call, 5_000)).rejects.toMatchObject({ name: 'AbortError' });
    expect(sandbox.credits().used).toBe(0);
  });

  it('when a run is cancelled during a retry backoff, then it stops without another attempt', async () => {
    const sandbox = await start();
    sandbox.faults.failNext(1, { status: 503, endpoint: 'usage' });
    const controller = new AbortController();
    // A real timer, but the run is cancelled the moment the minute-long backoff begins.
    const sleep = (ms: number, signal?: AbortSignal) => {
      if (ms >= 1_000) setTimeout(() => controller.abort(new Error('stop')), 0);
      return abortableSleep(ms, signal);
    };
    const client = clientFor(sandbox, { retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 }, random: () => 0.99, sleep });
    await expect(settlesWithin(client.getUsage({ signal: controller.signal }), 5_000)).rejects.toThrow('stop');
    expect(sandbox.requests({ endpoint: 'usage' }).map((r) => r.status)).toEqual([503]);
  });
});
