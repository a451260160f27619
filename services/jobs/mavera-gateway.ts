import { buildFocusGroupRequest, type FocusGroupDescription, type FocusGroupResult } from '../mavera/focus-group-adapter.js';
import type { GenerationCreateBody, MaveChatBody, PersonaCreateBody } from '../mavera/types.js';
import type { CreditGuard } from './credit-guard.js';
import { MAVERA_COST_CEILINGS, type MaveraCalls, type WorkspacePersona } from './mavera-calls.js';

/** One Mavera request a run sends (or, dry, would send): what dry-run results report. */
export interface MaveraRequestRecord {
  method: 'POST' | 'PATCH';
  path: string;
  body: unknown;
}

export interface PersonaOutcome {
  name: string;
  id: string | null;
  action: 'created' | 'updated' | 'would_create' | 'would_update';
  credits: number;
}

export interface MaveraGatewayOptions {
  /** Undefined when Mavera is not configured: only dry runs get this far then. */
  calls: MaveraCalls | undefined;
  /** Focus groups need it (MAVERA_WORKSPACE_ID). */
  workspaceId: string | undefined;
  dryRun: boolean;
  guard: CreditGuard;
  signal: AbortSignal;
  /** Told about every credit spent, so run usage stays current. */
  onCredits: (credits: number) => void;
}

/**
 * What the jobs call to reach Mavera. In a dry run it records the exact bodies and spends nothing
 * (free look-ups still happen when Mavera is configured, so the plan matches a real run); in a real
 * run every spending call is reserved with the credit guard first. Either way `requests` lists every
 * spending request in order, so a dry run's list equals what the real run sends.
 */
export function createMaveraGateway(options: MaveraGatewayOptions) {
  const { calls, dryRun, guard, signal } = options;
  const requests: MaveraRequestRecord[] = [];
  const call = { signal };

  const spend = async <T extends { creditsUsed: number }>(ceiling: number, what: string, send: (api: MaveraCalls) => Promise<T>): Promise<T> => {
    if (!calls) throw new Error('Mavera is not configured'); // the runner refuses real runs without it
    await guard.reserve(ceiling, what);
    const answer = await send(calls);
    guard.record(answer.creditsUsed);
    options.onCredits(answer.creditsUsed);
    return answer;
  };

  return {
    dryRun,
    /** False only in a dry run without Mavera settings: look-ups then find nothing. */
    configured: calls !== undefined,
    requests,
    async findPersonaId(name: string): Promise<string | null> {
      return calls ? ((await calls.findPersonaByName(name, call))?.id ?? null) : null;
    },
    /** The workspace's personas (`GET /personas`: base and custom); none when Mavera is not configured. */
    async workspacePersonas(max: number): Promise<WorkspacePersona[]> {
      return calls ? calls.listPersonas({ signal, max }) : [];
    },
    /** The ceiling of upserting a persona with this name: 300 only when it does not exist yet. */
    async personaCeiling(name: string): Promise<number> {
      const existing = await this.findPersonaId(name);
      return existing ? MAVERA_COST_CEILINGS.personaUpdate : MAVERA_COST_CEILINGS.personaCreate;
    },
    /** Looks the name up and PATCHes an existing persona; only a missing one is created (300 credits). */
    async upsertPersona(body: PersonaCreateBody): Promise<PersonaOutcome> {
      const existing = await this.findPersonaId(body.name);
      const record: MaveraRequestRecord = existing
        ? { method: 'PATCH', path: `/personas/${existing}`, body }
        : { method: 'POST', path: '/personas', body };
      requests.push(record);
      if (dryRun) return { name: body.name, id: existing, action: existing ? 'would_update' : 'would_create', credits: 0 };
      if (existing) {
        const updated = await spend(MAVERA_COST_CEILINGS.personaUpdate, `Updating persona "${body.name}"`, (api) => api.updatePersona(existing, body, call));
        return { name: body.name, id: updated.id, action: 'updated', credits: updated.creditsUsed };
      }
      const created = await spend(MAVERA_COST_CEILINGS.personaCreate, `Creating persona "${body.name}"`, (api) => api.createPersona(body, call));
      return { name: body.name, id: created.id, action: 'created', credits: created.creditsUsed };
    },
    async generate(body: GenerationCreateBody): Promise<{ id: string; output: string; credits: number } | null> {
      requests.push({ method: 'POST', path: '/generations', body });
      if (dryRun) return null;
      const answer = await spend(MAVERA_COST_CEILINGS.generation, 'A generation', (api) => api.createGeneration(body, call));
      return { id: answer.id, output: answer.output, credits: answer.creditsUsed };
    },
    async maveChat(body: MaveChatBody): Promise<{ thread_id: string; content: string; credits: number } | null> {
      requests.push({ method: 'POST', path: '/mave/chat', body });
      if (dryRun) return null;
      const answer = await spend(MAVERA_COST_CEILINGS.maveChat, 'A Mave question', (api) => api.maveChat(body, call));
      return { thread_id: answer.thread_id, content: answer.content, credits: answer.creditsUsed };
    },
    async focusGroup(description: FocusGroupDescription): Promise<{ id: string; result: FocusGroupResult; credits: number } | null> {
      requests.push({ method: 'POST', path: '/focus-groups', body: buildFocusGroupRequest(description, options.workspaceId) });
      if (dryRun) return null;
      const answer = await spend(MAVERA_COST_CEILINGS.focusGroup, 'A focus group', (api) => api.runFocusGroup(description, call));
      return { id: answer.id, result: answer.result, credits: answer.creditsUsed };
    },
    /** Checks the whole plan (sum of ceilings) against maxCredits and `GET /usage`; no-op when dry. */
    async preflight(plannedCeiling: number): Promise<void> {
      if (!dryRun) await guard.preflight(plannedCeiling);
    },
  };
}

export type MaveraGateway = ReturnType<typeof createMaveraGateway>;
