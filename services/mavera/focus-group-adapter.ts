/**
 * The ONE module that knows Mavera's Focus Group request and result shapes.
 *
 * Mavera has not published a Focus Groups API reference we could read (see /docs/mavera.md and the
 * research note). Confirmed: `POST /focus-groups` is asynchronous (create, then poll), `workspace_id`
 * is required on create, at most 5 run concurrently. ASSUMED here, to be checked against
 * https://docs.mavera.io/openapi.json before production use:
 *  - request: `{ workspace_id, name, persona_ids[], stimulus, sample_size, questions[] }` where
 *    `sample_size` is responses PER PERSONA and a question is `{ type, text, scale? }` with `type`
 *    one of `likert` (scale 5 or 7, answers 1…scale), `nps` (answers 0…10), `open_ended`;
 *  - create answers `{ id, status }`; results are read with `GET /focus-groups/{id}`;
 *  - status is one of PENDING → PROCESSING → COMPLETED (any casing); FAILED / ERROR / CANCELLED
 *    are terminal failures; any other value means "still running";
 *  - a completed group carries `results: { questions: [{ index, type, text, stats? }],
 *    respondents: [{ persona_id, persona_name, answers: [{ question_index, score?, text? }] }] }`
 *    and `usage.credits_used`.
 * Statistics are recomputed from respondent rows when present (so a change in Mavera's aggregate
 * field names cannot silently corrupt them); the reported `stats` are the fallback.
 */
import { z } from 'zod';
import { parseOrThrow } from '../../src/lib/zod-errors.js';
import { distributionOf, meanOf, npsOf, type NpsBreakdown } from './focus-group-stats.js';

export const focusGroupDescriptionSchema = z.object({
  name: z.string().min(1).max(200),
  personaIds: z.array(z.string().min(1)).min(1).max(10),
  stimulus: z.string().min(1),
  questions: z
    .array(z.object({ kind: z.enum(['likert', 'nps', 'open']), text: z.string().min(1), scale: z.union([z.literal(5), z.literal(7)]).optional() }))
    .min(1)
    .max(20),
  responsesPerPersona: z.number().int().min(1).max(50),
});
export type FocusGroupDescription = z.input<typeof focusGroupDescriptionSchema>;
export type FocusGroupQuestionKind = FocusGroupDescription['questions'][number]['kind'];

export interface FocusGroupWireRequest {
  workspace_id: string | undefined;
  name: string;
  persona_ids: string[];
  stimulus: string;
  sample_size: number;
  questions: Array<{ type: 'likert' | 'nps' | 'open_ended'; text: string; scale?: number }>;
}

export interface FocusGroupWireAnswer { question_index: number; score?: number | null; text?: string | null }
export interface FocusGroupWireResults {
  questions: Array<{ index: number; type: string; text: string; stats?: { mean?: number; distribution?: Record<string, number>; nps_score?: number } }>;
  respondents: Array<{ persona_id: string; persona_name?: string; answers: FocusGroupWireAnswer[] }>;
}

export type FocusGroupPhase = 'running' | 'succeeded' | 'failed';

export interface FocusGroupQuestionResult {
  index: number;
  kind: FocusGroupQuestionKind;
  text: string;
  responses: number;
  /** Mean score (Likert, NPS); null for open questions or no answers. */
  mean: number | null;
  /** Score → count (Likert, NPS); empty for open questions. */
  distribution: Record<string, number>;
  nps: NpsBreakdown | null;
  /** Free-text answers (open questions, and any reasoning given with scores). */
  answers: string[];
}

export interface FocusGroupRespondent {
  personaId: string;
  personaName: string | null;
  answers: Array<{ questionIndex: number; score: number | null; text: string | null }>;
}

export interface FocusGroupResult {
  questions: FocusGroupQuestionResult[];
  respondents: FocusGroupRespondent[];
}

const WIRE_TYPE = { likert: 'likert', nps: 'nps', open: 'open_ended' } as const;

/** The exact `POST /focus-groups` body for a neutral description (also what dry runs report). */
export function buildFocusGroupRequest(description: FocusGroupDescription, workspaceId: string | undefined): FocusGroupWireRequest {
  const valid = parseOrThrow(focusGroupDescriptionSchema, description, 'Focus group description');
  return {
    workspace_id: workspaceId,
    name: valid.name,
    persona_ids: valid.personaIds,
    stimulus: valid.stimulus,
    sample_size: valid.responsesPerPersona,
    questions: valid.questions.map((q) => (q.kind === 'likert' ? { type: 'likert', text: q.text, scale: q.scale ?? 5 } : { type: WIRE_TYPE[q.kind], text: q.text })),
  };
}

export function focusGroupPhase(status: string): FocusGroupPhase {
  const normalised = status.trim().toLowerCase();
  if (['completed', 'complete', 'succeeded', 'success', 'done'].includes(normalised)) return 'succeeded';
  if (['failed', 'failure', 'error', 'errored', 'cancelled', 'canceled'].includes(normalised)) return 'failed';
  return 'running';
}

const statusSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  error: z.unknown().optional(),
  usage: z.looseObject({ credits_used: z.number().optional() }).optional(),
  credits_used: z.number().optional(),
});
export type FocusGroupStatus = { id: string; status: string; phase: FocusGroupPhase; creditsUsed: number | undefined; body: Record<string, unknown> };

/** Reads `{id, status}` from a create or poll answer; returns null when the body has neither. */
export function readFocusGroupStatus(body: unknown): FocusGroupStatus | null {
  const parsed = statusSchema.safeParse(body);
  if (!parsed.success) return null;
  const { id, status, usage, credits_used } = parsed.data;
  return { id, status, phase: focusGroupPhase(status), creditsUsed: usage?.credits_used ?? credits_used, body: parsed.data };
}

function kindOf(wireType: string | undefined, fallback: FocusGroupQuestionKind | undefined): FocusGroupQuestionKind {
  const t = (wireType ?? '').toLowerCase().replace(/[-\s]/g, '_');
  if (t === 'likert' || t === 'nps') return t;
  if (t === 'open' || t === 'open_ended') return 'open';
  return fallback ?? 'open';
}

/** A completed group's body → neutral result. `description` fills in what the wire omits. */
export function parseFocusGroupResult(body: unknown, description?: FocusGroupDescription): FocusGroupResult {
  const results = ((body as { results?: Partial<FocusGroupWireResults> } | null)?.results ?? {}) as Partial<FocusGroupWireResults>;
  const wireQuestions = Array.isArray(results.questions) ? results.questions : [];
  const wireRespondents = Array.isArray(results.respondents) ? results.respondents : [];
  const respondents: FocusGroupRespondent[] = wireRespondents.map((r) => ({
    personaId: String(r.persona_id),
    personaName: typeof r.persona_name === 'string' ? r.persona_name : null,
    answers: (Array.isArray(r.answers) ? r.answers : []).map((a) => ({
      questionIndex: Number(a.question_index),
      score: typeof a.score === 'number' ? a.score : null,
      text: typeof a.text === 'string' ? a.text : null,
    })),
  }));
  const count = Math.max(wireQuestions.length, description?.questions.length ?? 0);
  const questions = Array.from({ length: count }, (_, index): FocusGroupQuestionResult => {
    const wire = wireQuestions.find((q) => q.index === index) ?? wireQuestions[index];
    const described = description?.questions[index];
    const kind = kindOf(wire?.type, described?.kind);
    const answers = respondents.flatMap((r) => r.answers.filter((a) => a.questionIndex === index));
    const scores = kind === 'open' ? [] : answers.flatMap((a) => (a.score === null ? [] : [a.score]));
    const reported = wire?.stats;
    const useReported = scores.length === 0 && reported !== undefined;
    return {
      index,
      kind,
      text: wire?.text ?? described?.text ?? '',
      responses: answers.length,
      mean: useReported ? (reported.mean ?? null) : kind === 'open' ? null : meanOf(scores),
      distribution: useReported ? (reported.distribution ?? {}) : distributionOf(scores),
      nps: kind !== 'nps' ? null : useReported ? (reported.nps_score === undefined ? null : { score: reported.nps_score, promoters: 0, passives: 0, detractors: 0 }) : npsOf(scores),
      answers: answers.flatMap((a) => (a.text === null ? [] : [a.text])),
    };
  });
  return { questions, respondents };
}
