import { nowMs, type Clock } from '../../src/lib/clock.js';
import { raceAbort, type Sleep } from '../../src/lib/abortable.js';
import { MaveraBadRequestError, MaveraFocusGroupError, MaveraUnexpectedResponseError } from './errors.js';
import {
  buildFocusGroupRequest,
  parseFocusGroupResult,
  readFocusGroupStatus,
  type FocusGroupDescription,
  type FocusGroupResult,
  type FocusGroupStatus,
  type FocusGroupWireRequest,
} from './focus-group-adapter.js';
import type { MaveraLimiter } from './limiters.js';
import type { MaveraTransport } from './transport.js';
import type { MaveraCallOptions } from './types.js';

/** Poll cadence: Mavera says 30–120 s per group (60–90 s for 3 personas × 5 questions). */
export interface FocusGroupPolling {
  /** First wait between polls, milliseconds. */
  initialIntervalMs: number;
  /** Waits grow ×1.5 up to this, milliseconds. */
  maxIntervalMs: number;
  /** Give up (and release the slot) after this long since creation, milliseconds. */
  timeoutMs: number;
}

export const DEFAULT_FOCUS_GROUP_POLLING: FocusGroupPolling = { initialIntervalMs: 2_000, maxIntervalMs: 10_000, timeoutMs: 300_000 };

export interface FocusGroupRunOptions extends MaveraCallOptions, Partial<FocusGroupPolling> {
  /** Called once the group exists (credits are spent from here on): record the id for accounting. */
  onCreated?: (created: { id: string; creditsUsed: number }) => void;
  /** Called with every non-terminal status seen while polling (progress reporting). */
  onStatus?: (status: string) => void;
}

export interface FocusGroupRun {
  id: string;
  /** Mavera's terminal status as sent (e.g. `completed`). */
  status: string;
  /** The exact body that was POSTed. */
  request: FocusGroupWireRequest;
  result: FocusGroupResult;
  creditsUsed: number;
}

export interface FocusGroupRunnerDeps {
  transport: MaveraTransport;
  /** Mavera allows 5 focus groups generating at once: a slot is held from create to last poll. */
  slots: MaveraLimiter;
  clock: Clock;
  sleep: Sleep;
  workspaceId: string | undefined;
  polling: FocusGroupPolling;
}

function statusOrThrow(body: unknown, operation: string): FocusGroupStatus {
  const status = readFocusGroupStatus(body);
  if (!status) throw new MaveraUnexpectedResponseError({ detail: `${operation}: response has no id/status` });
  return status;
}

export async function runFocusGroup(deps: FocusGroupRunnerDeps, description: FocusGroupDescription, options: FocusGroupRunOptions = {}): Promise<FocusGroupRun> {
  const { signal } = options;
  const polling = { ...deps.polling, ...definedOnly(options) };
  if (!deps.workspaceId) throw new MaveraBadRequestError({ detail: 'focus-groups.create: Mavera requires a workspace id (set MAVERA_WORKSPACE_ID)' });
  const request = buildFocusGroupRequest(description, deps.workspaceId);
  return deps.slots.run(signal, async () => {
    const created = statusOrThrow(await deps.transport({ operation: 'focus-groups.create', method: 'POST', path: '/focus-groups', body: request, signal }), 'focus-groups.create');
    options.onCreated?.({ id: created.id, creditsUsed: created.creditsUsed ?? 0 });
    const deadline = nowMs(deps.clock) + polling.timeoutMs;
    let current = created;
    let intervalMs = polling.initialIntervalMs;
    while (current.phase === 'running') {
      options.onStatus?.(current.status);
      const remainingMs = deadline - nowMs(deps.clock);
      if (remainingMs <= 0) {
        throw new MaveraFocusGroupError({ focusGroupId: created.id, creditsUsed: created.creditsUsed ?? 0, timedOut: true, detail: `focus group ${created.id} still ${current.status} after ${polling.timeoutMs} ms` });
      }
      await raceAbort(deps.sleep(Math.min(intervalMs, remainingMs), signal), signal);
      intervalMs = Math.min(polling.maxIntervalMs, Math.round(intervalMs * 1.5));
      const path = `/focus-groups/${encodeURIComponent(created.id)}`;
      current = statusOrThrow(await deps.transport({ operation: 'focus-groups.get', method: 'GET', path, signal }), 'focus-groups.get');
    }
    const creditsUsed = current.creditsUsed ?? created.creditsUsed ?? 0;
    if (current.phase === 'failed') {
      throw new MaveraFocusGroupError({ focusGroupId: created.id, creditsUsed, detail: `focus group ${created.id} ended ${current.status}` });
    }
    return { id: created.id, status: current.status, request, result: parseFocusGroupResult(current.body, description), creditsUsed };
  });
}

function definedOnly(options: FocusGroupRunOptions): Partial<FocusGroupPolling> {
  const out: Partial<FocusGroupPolling> = {};
  if (options.initialIntervalMs !== undefined) out.initialIntervalMs = options.initialIntervalMs;
  if (options.maxIntervalMs !== undefined) out.maxIntervalMs = options.maxIntervalMs;
  if (options.timeoutMs !== undefined) out.timeoutMs = options.timeoutMs;
  return out;
}
