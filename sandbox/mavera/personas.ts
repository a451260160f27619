import { Router } from 'express';
import { sendMaveraError, sendOutOfCredits } from './http-errors.js';
import { newId, spendCredits, type SandboxPersona, type SandboxState } from './state.js';

/** Custom persona creation costs 300 credits (Mavera's `credits_charged`). */
export const PERSONA_CREATE_CREDITS = 300;
const PIPELINES = ['north_star', 'intermediate', 'advanced'];
const TYPES = ['B2B', 'B2C'];
const SUMMARY_KEYS = ['id', 'object', 'name', 'category', 'description', 'is_custom', 'is_expert', 'created_at'] as const;

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function summary(p: SandboxPersona) {
  return Object.fromEntries(SUMMARY_KEYS.map((k) => [k, p[k]]));
}

function full(p: SandboxPersona, creditsCharged: number) {
  return { ...summary(p), pipeline_type: p.pipeline_type, type: p.type, credits_charged: creditsCharged, details: p.details };
}

type FieldProblem = { code: 'missing_field' | 'invalid_field'; message: string; param: string };

/** The first bad field, as Mavera's 400 `missing_field` / `invalid_field`, or null. */
function invalidField(body: Record<string, unknown>, partial: boolean): FieldProblem | null {
  const name = body.name;
  if (name === undefined && !partial) return { code: 'missing_field', message: 'name is required', param: 'name' };
  if (name !== undefined && (typeof name !== 'string' || name.trim().length < 2 || name.length > 100)) return { code: 'invalid_field', message: 'name must be 2–100 characters', param: 'name' };
  for (const [field, allowed] of [['pipeline_type', PIPELINES], ['type', TYPES]] as const) {
    const value = body[field];
    if (value === undefined && !partial) return { code: 'missing_field', message: `${field} is required`, param: field };
    if (value !== undefined && !allowed.includes(String(value))) return { code: 'invalid_field', message: `${field} must be one of ${allowed.join(', ')}`, param: field };
  }
  return null;
}

function applyFields(persona: SandboxPersona, body: Record<string, unknown>): void {
  const { name, description, category, pipeline_type, type, ...details } = body;
  if (typeof name === 'string') persona.name = name.trim();
  if (typeof description === 'string') persona.description = description;
  if (typeof category === 'string') persona.category = category;
  if (typeof pipeline_type === 'string') persona.pipeline_type = pipeline_type;
  if (typeof type === 'string') persona.type = type;
  persona.details = { ...persona.details, ...details };
}

export function createPersonasRouter(state: SandboxState, clock: () => number): Router {
  const router = Router();

  router.get('/personas', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const needle = (q.name ?? '').trim().toLowerCase();
    const search = (q.search ?? '').trim().toLowerCase();
    const matches = state.personas.filter(
      (p) =>
        (q.is_custom !== 'true' || p.is_custom) &&
        // `name` behaves like a search (substring), as Mavera's may: clients must match exactly themselves.
        (needle === '' || p.name.toLowerCase().includes(needle)) &&
        (search === '' || `${p.name} ${p.description ?? ''}`.toLowerCase().includes(search)),
    );
    const limit = Math.min(100, Math.max(1, Number(q.limit ?? 50) || 50));
    const offset = Math.max(0, Number(q.cursor ?? 0) || 0);
    const page = matches.slice(offset, offset + limit);
    const more = offset + limit < matches.length;
    res.json({ object: 'list', data: page.map(summary), has_more: more, next_cursor: more ? String(offset + limit) : null });
  });

  router.post('/personas', (req, res) => {
    const body: unknown = req.body;
    if (!isObject(body)) return sendMaveraError(res, 400, 'invalid_request', 'Body must be a JSON object');
    const problem = invalidField(body, false);
    if (problem) return sendMaveraError(res, 400, problem.code, problem.message, problem.param);
    const name = String(body.name);
    if (state.personas.some((p) => sameName(p.name, name))) return sendMaveraError(res, 422, 'persona_already_exists', `A persona named "${name}" already exists`, 'name');
    if (!spendCredits(state, PERSONA_CREATE_CREDITS)) return sendOutOfCredits(res, PERSONA_CREATE_CREDITS, state.creditsRemaining);
    const persona: SandboxPersona = { id: newId(state, 'cp'), object: 'custom_persona', name, category: 'Custom', description: null, is_custom: true, is_expert: false, created_at: Math.floor(clock() / 1000), details: {} };
    applyFields(persona, body);
    state.personas.push(persona);
    res.status(201).json(full(persona, PERSONA_CREATE_CREDITS));
  });

  router.patch('/personas/:id', (req, res) => {
    const body: unknown = req.body;
    const persona = state.personas.find((p) => p.id === req.params.id);
    if (!persona) return sendMaveraError(res, 404, 'resource_not_found', 'Persona not found');
    if (!persona.is_custom) return sendMaveraError(res, 403, 'forbidden', 'Base personas are read-only');
    if (!isObject(body)) return sendMaveraError(res, 400, 'invalid_request', 'Body must be a JSON object');
    const problem = invalidField(body, true);
    if (problem) return sendMaveraError(res, 400, problem.code, problem.message, problem.param);
    if (typeof body.name === 'string' && state.personas.some((p) => p !== persona && sameName(p.name, String(body.name)))) {
      return sendMaveraError(res, 422, 'persona_already_exists', 'Another persona has that name', 'name');
    }
    applyFields(persona, body);
    res.json(full(persona, 0));
  });

  return router;
}
