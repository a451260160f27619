/**
 * Mavera wire shapes we rely on (see /docs/mavera.md). Only the fields the jobs read are typed; the
 * rest of each response is kept as-is (loose objects) because Mavera adds fields over time.
 * Focus Group shapes live in focus-group-adapter.ts, the one module allowed to know them.
 */

/** Per-call options: every call can be cancelled, and cancellation reaches waits, retries and fetch. */
export interface MaveraCallOptions {
  signal?: AbortSignal;
}

/** Credits a call spent, normalised from `usage.credits_used` or `credits_charged` (0 when unreported). */
export interface CreditsReport {
  creditsUsed: number;
}

export interface PersonaSummary {
  id: string;
  name: string;
  object?: string;
  category?: string | null;
  description?: string | null;
  is_custom?: boolean;
  created_at?: number | string;
  [extra: string]: unknown;
}

export interface PersonaList {
  data: PersonaSummary[];
  /** Cursor for the next page when Mavera reports one. */
  nextCursor: string | undefined;
}

export interface ListPersonasQuery {
  /** Name lookup (`?name=`, as Mavera's own integration pages use it). */
  name?: string;
  /** Free-text search over name and description (`?search=`). */
  search?: string;
  /** Only custom personas (`?is_custom=true`). */
  customOnly?: boolean;
  /** Page size, 1–100 (Mavera's default is 50). */
  limit?: number;
  cursor?: string;
}

/** `POST /personas` body. Fields beyond the documented intermediate example are passed through. */
export interface PersonaCreateBody {
  name: string;
  pipeline_type: 'north_star' | 'intermediate' | 'advanced';
  type: 'B2B' | 'B2C';
  description?: string;
  [field: string]: unknown;
}

/** `PATCH /personas/{id}`: every field optional. */
export type PersonaUpdateBody = Partial<PersonaCreateBody>;

export interface Persona extends PersonaSummary {
  pipeline_type?: string;
  type?: string;
  credits_charged?: number;
  details?: Record<string, unknown>;
}

export type PersonaResult = Persona & CreditsReport;

export interface GenerationApp {
  id: string;
  name: string;
  description?: string | null;
  /** The app's input spec, whichever name Mavera used for it (`input_fields`, `input_schema`, `input_data`). */
  inputFields: unknown;
  [extra: string]: unknown;
}

export interface GenerationCreateBody {
  app_id: string;
  input_data: Record<string, unknown>;
  persona_id?: string;
  brand_voice_id?: string;
  workspace_id?: string;
  title?: string;
}

export interface Generation extends CreditsReport {
  id: string;
  /** The generated text (`output`, falling back to `content`). */
  output: string;
  title?: string;
  content_type?: string;
  [extra: string]: unknown;
}

export interface MaveChatBody {
  message: string;
  /** Continue an existing thread; omitted → Mavera starts a new one. */
  thread_id?: string;
}

export interface MaveSource {
  title?: string;
  url?: string;
  domain?: string;
  [extra: string]: unknown;
}

export interface MaveMessage extends CreditsReport {
  id: string;
  thread_id: string;
  content: string;
  sources: MaveSource[];
  personas_used: Array<{ id: string; name?: string }>;
  [extra: string]: unknown;
}

export interface Usage {
  credits: { used: number; included: number | null; remaining: number; percentage_used?: number };
  rate_limit?: { requests_per_minute?: number };
  billing_period?: { start?: string; end?: string };
  [extra: string]: unknown;
}
