import type { FocusGroupDescription, FocusGroupResult } from '../mavera/focus-group-adapter.js';
import type { GenerationCreateBody, MaveChatBody, PersonaCreateBody, PersonaUpdateBody } from '../mavera/types.js';

/**
 * The Mavera calls the jobs make, in one narrow interface. `mavera-calls-adapter.ts` implements it
 * over the Mavera client (its retries, concurrency caps, typed errors); tests implement it in memory.
 * Every spending call reports the credits Mavera says it spent.
 */
export interface MaveraCallOptions {
  signal: AbortSignal;
}

export interface Spent {
  creditsUsed: number;
}

export interface WorkspacePersona {
  id: string;
  name: string;
  /** False for Mavera's base personas (read-only, available to every workspace). */
  is_custom: boolean;
}

export interface MaveraCalls {
  /** Credits left in the billing period (`GET /usage` → `credits.remaining`). Free. */
  remainingCredits(options: MaveraCallOptions): Promise<number>;
  /** A custom persona with exactly this name, if any (`GET /personas`). Free. */
  findPersonaByName(name: string, options: MaveraCallOptions): Promise<{ id: string } | null>;
  /**
   * The workspace's personas as `GET /personas` lists them (base and custom), in listing order. Free.
   * Stops after `max` personas: callers need a handful, not the whole catalogue.
   */
  listPersonas(options: MaveraCallOptions & { max: number }): Promise<WorkspacePersona[]>;
  createPersona(body: PersonaCreateBody, options: MaveraCallOptions): Promise<{ id: string } & Spent>;
  updatePersona(id: string, body: PersonaUpdateBody, options: MaveraCallOptions): Promise<{ id: string } & Spent>;
  createGeneration(body: GenerationCreateBody, options: MaveraCallOptions): Promise<{ id: string; output: string } & Spent>;
  maveChat(body: MaveChatBody, options: MaveraCallOptions): Promise<{ id: string; thread_id: string; content: string } & Spent>;
  /** Creates a focus group and polls it to completion. */
  runFocusGroup(description: FocusGroupDescription, options: MaveraCallOptions): Promise<{ id: string; result: FocusGroupResult } & Spent>;
}

/**
 * The most each kind of call may cost, in credits. The credit guard reserves these before a call so
 * `maxCredits` holds even when the call spends its worst case. Sources: Mavera notes (persona creation
 * is charged 300; generations 10–30; Mave 10–75; focus groups 50–200, "500+" for large ones).
 */
export const MAVERA_COST_CEILINGS = {
  personaCreate: 300,
  personaUpdate: 0,
  generation: 30,
  maveChat: 75,
  focusGroup: 500,
} as const;
