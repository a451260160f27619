import { Router } from 'express';
import type { FocusGroupWireRequest } from '../../services/mavera/focus-group-adapter.js';
import { focusGroupCost, focusGroupResults } from './focus-group-answers.js';
import { sendMaveraError, sendOutOfCredits } from './http-errors.js';
import { newId, spendCredits, type SandboxFocusGroup, type SandboxState } from './state.js';

export interface FocusGroupBehaviour {
  /** GETs until a group completes: PENDING → PROCESSING … → COMPLETED. Infinity = never. */
  pollsToComplete: number;
  /** Mavera's cap on groups generating at once. */
  maxActive: number;
  /** Milliseconds after which an abandoned, never-polled-to-the-end group stops counting as active. */
  abandonAfterMs: number;
}

const QUESTION_TYPES = ['likert', 'nps', 'open_ended'];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why a create body is unacceptable (Mavera-style 400), or null. */
function invalidRequest(body: Record<string, unknown>, state: SandboxState): [string, string, string] | null {
  if (typeof body.workspace_id !== 'string' || body.workspace_id === '') return ['missing_field', 'workspace_id is required for focus groups', 'workspace_id'];
  if (typeof body.name !== 'string' || body.name === '') return ['missing_field', 'name is required', 'name'];
  if (typeof body.stimulus !== 'string') return ['missing_field', 'stimulus is required', 'stimulus'];
  const ids = body.persona_ids;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > 10) return ['invalid_field', 'persona_ids must list 1–10 personas', 'persona_ids'];
  if (ids.some((id) => !state.personas.some((p) => p.id === id))) return ['invalid_persona', 'Unknown persona id in persona_ids', 'persona_ids'];
  if (!Number.isInteger(body.sample_size) || (body.sample_size as number) < 1) return ['invalid_field', 'sample_size must be a positive integer', 'sample_size'];
  const questions = body.questions;
  if (!Array.isArray(questions) || questions.length < 1 || questions.length > 20) return ['invalid_field', 'questions must list 1–20 questions', 'questions'];
  const bad = questions.findIndex((q) => !isObject(q) || !QUESTION_TYPES.includes(String(q.type)) || typeof q.text !== 'string' || (q.type === 'likert' && ![5, 7].includes(Number(q.scale))));
  if (bad >= 0) return ['invalid_field', `questions[${bad}] needs type (likert with scale 5|7, nps, open_ended) and text`, `questions[${bad}]`];
  return null;
}

export function createFocusGroupsRouter(state: SandboxState, clock: () => number, behaviour: FocusGroupBehaviour): Router {
  const router = Router();
  const isActive = (g: SandboxFocusGroup) => g.status !== 'COMPLETED' && clock() - g.createdAt < behaviour.abandonAfterMs;
  const activeCount = () => [...state.focusGroups.values()].filter(isActive).length;
  const personaName = (id: string) => state.personas.find((p) => p.id === id)?.name ?? id;

  router.post('/focus-groups', (req, res) => {
    const body: unknown = req.body;
    if (!isObject(body)) return sendMaveraError(res, 400, 'invalid_request', 'Body must be a JSON object');
    const problem = invalidRequest(body, state);
    if (problem) return sendMaveraError(res, 400, ...problem);
    const active = activeCount();
    state.peakActiveFocusGroups = Math.max(state.peakActiveFocusGroups, active + 1);
    if (active >= behaviour.maxActive) {
      state.concurrencyRejections += 1;
      res.setHeader('Retry-After', '5');
      return sendMaveraError(res, 429, 'concurrency_limit_exceeded', `At most ${behaviour.maxActive} focus groups may run at once.`);
    }
    const request = body as unknown as FocusGroupWireRequest;
    const cost = focusGroupCost(request);
    if (!spendCredits(state, cost)) return sendOutOfCredits(res, cost, state.creditsRemaining);
    const group: SandboxFocusGroup = { id: newId(state, 'fg'), request: body, polls: 0, status: 'PENDING', creditsUsed: cost, createdAt: clock() };
    state.focusGroups.set(group.id, group);
    res.status(201).json({ id: group.id, object: 'focus_group', name: request.name, status: group.status, usage: { credits_used: cost }, created_at: new Date(group.createdAt).toISOString() });
  });

  router.get('/focus-groups/:id', (req, res) => {
    const group = state.focusGroups.get(req.params.id);
    if (!group) return sendMaveraError(res, 404, 'resource_not_found', 'Focus group not found');
    if (group.status !== 'COMPLETED') {
      group.polls += 1;
      group.status = group.polls >= behaviour.pollsToComplete ? 'COMPLETED' : 'PROCESSING';
    }
    const request = group.request as unknown as FocusGroupWireRequest;
    const base = { id: group.id, object: 'focus_group', name: request.name, status: group.status, usage: { credits_used: group.creditsUsed } };
    res.json(group.status === 'COMPLETED' ? { ...base, results: focusGroupResults(request, personaName) } : base);
  });

  return router;
}
