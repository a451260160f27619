import { startKlaviyoSandbox, type KlaviyoSandbox } from '../../../sandbox/klaviyo/index.js';
import type { SandboxScale } from '../../../sandbox/klaviyo/types.js';
import { startMaveraSandbox, type MaveraSandbox } from '../../../sandbox/mavera/index.js';
import { ALL_JOBS, createKlaviyoReadsAdapter, createMaveraCallsAdapter } from '../../../services/jobs/index.js';
import { createKlaviyoService } from '../../../services/klaviyo/index.js';
import { createMaveraClient } from '../../../services/mavera/index.js';
import { buildRunnerHarness, type RunnerHarness } from './runner-harness.js';

export const KLAVIYO_KEY = 'pk_jobs_test_key_0123456789';
export const MAVERA_KEY = 'mvra_test_jobs_key_0123456789';

export interface SandboxHarness extends RunnerHarness {
  klaviyoSandbox: KlaviyoSandbox;
  maveraSandbox: MaveraSandbox;
  /** Klaviyo requests as our client sends them: how many it started, how many have not settled. */
  klaviyoWire: { started: number; inFlight: number };
}

/** The global fetch, counting what the Klaviyo client starts and what is still on the wire. */
function countingFetch(wire: { started: number; inFlight: number }): typeof fetch {
  return async (input, init) => {
    wire.started += 1;
    wire.inFlight += 1;
    try {
      return await fetch(input, init);
    } finally {
      wire.inFlight -= 1;
    }
  };
}

/**
 * Fake Klaviyo + fake Mavera on loopback, the real Klaviyo service and Mavera client over them, and
 * a runner with the five jobs. `speedUp` compresses Klaviyo's rate windows in both the sandbox and
 * our limiters by the same factor.
 */
export async function startSandboxHarness(options: { scale?: Partial<SandboxScale>; speedUp?: number; credits?: number; withMavera?: boolean; seed?: number } = {}): Promise<SandboxHarness> {
  const speedUp = options.speedUp ?? 60;
  const klaviyoSandbox = await startKlaviyoSandbox({ apiKey: KLAVIYO_KEY, speedUp, seed: options.seed ?? 7, scale: options.scale ?? {} });
  const maveraSandbox = await startMaveraSandbox({ apiKey: MAVERA_KEY, credits: options.credits ?? 10_000 });
  const klaviyoWire = { started: 0, inFlight: 0 };
  const klaviyo = createKlaviyoService({ apiKey: KLAVIYO_KEY, baseUrl: klaviyoSandbox.url, revision: '2026-07-15', speedUp, fetch: countingFetch(klaviyoWire) });
  const maveraClient = createMaveraClient({
    apiKey: MAVERA_KEY,
    baseUrl: maveraSandbox.url,
    workspaceId: 'ws_test',
    requestsPerMinute: 600,
    focusGroupPolling: { initialIntervalMs: 20, maxIntervalMs: 50, timeoutMs: 10_000 },
  });
  const anchor = klaviyoSandbox.truth.anchorTimeMs;
  const harness = buildRunnerHarness({
    jobs: ALL_JOBS,
    klaviyo: createKlaviyoReadsAdapter(klaviyo),
    mavera: options.withMavera === false ? undefined : createMaveraCallsAdapter(maveraClient),
    // The account's "now": windows (lookbacks) line up exactly with the sandbox's truth.
    clock: () => new Date(anchor),
  });
  return {
    ...harness,
    klaviyoSandbox,
    maveraSandbox,
    klaviyoWire,
    async close() {
      await harness.close();
      await klaviyoSandbox.close();
      await maveraSandbox.close();
    },
  };
}
