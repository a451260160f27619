import { createHash } from 'node:crypto';
import { Router } from 'express';
import { sendMaveraError, sendOutOfCredits } from './http-errors.js';
import { newId, spendCredits, type SandboxState } from './state.js';

/** Generate, Mave and usage. Outputs are derived from the input only, so tests can predict them. */
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Generations cost 10–30 credits, growing with the input size. */
export function generationCost(inputData: Record<string, unknown>): number {
  return Math.min(30, 10 + Math.floor(JSON.stringify(inputData).length / 200));
}

/** A new Mave thread costs 25 credits, a follow-up 15 (follow-ups are documented as cheaper). */
export const MAVE_NEW_THREAD_CREDITS = 25;
export const MAVE_FOLLOW_UP_CREDITS = 15;

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 8);
}

/** The deterministic "generated" text: the app, then each input field rewritten, then a digest. */
export function generationOutput(appName: string, inputData: Record<string, unknown>): string {
  const lines = Object.keys(inputData)
    .sort()
    .map((key) => `- **${key}** (refreshed): ${String(typeof inputData[key] === 'object' ? JSON.stringify(inputData[key]) : inputData[key])}`);
  return `# ${appName}\n\n${lines.join('\n')}\n\n<!-- sandbox ${digest(inputData)} -->`;
}

export function createContentRouter(state: SandboxState, clock: () => number, requestsPerMinute: number | undefined): Router {
  const router = Router();
  const iso = () => new Date(clock()).toISOString();

  router.get('/generation-apps', (_req, res) => {
    res.json({ object: 'list', data: state.generationApps });
  });

  router.post('/generations', (req, res) => {
    const body: unknown = req.body;
    if (!isObject(body)) return sendMaveraError(res, 400, 'invalid_request', 'Body must be a JSON object');
    if (typeof body.app_id !== 'string') return sendMaveraError(res, 400, 'missing_field', 'app_id is required', 'app_id');
    const app = state.generationApps.find((a) => a.id === body.app_id);
    if (!app) return sendMaveraError(res, 400, 'invalid_field', `Unknown app_id "${body.app_id}"`, 'app_id');
    if (!isObject(body.input_data)) return sendMaveraError(res, 400, 'missing_field', 'input_data must be an object', 'input_data');
    if (body.persona_id !== undefined && !state.personas.some((p) => p.id === body.persona_id)) return sendMaveraError(res, 400, 'invalid_persona', 'Unknown persona_id', 'persona_id');
    const cost = generationCost(body.input_data);
    if (!spendCredits(state, cost)) return sendOutOfCredits(res, cost, state.creditsRemaining);
    state.generationsCreated += 1;
    const output = generationOutput(app.name, body.input_data);
    res.status(201).json({
      id: newId(state, 'gen'),
      object: 'generation',
      title: typeof body.title === 'string' ? body.title : `${app.name} ${state.generationsCreated}`,
      app: { id: app.id, name: app.name, category: app.category },
      input_data: body.input_data,
      output,
      content: output,
      content_type: 'markdown',
      workspace_id: typeof body.workspace_id === 'string' ? body.workspace_id : 'ws_default',
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, credits_used: cost },
      created_at: iso(),
      updated_at: iso(),
    });
  });

  router.post('/mave/chat', (req, res) => {
    const body: unknown = req.body;
    if (!isObject(body) || typeof body.message !== 'string' || body.message.trim() === '') return sendMaveraError(res, 400, 'missing_field', 'message is required', 'message');
    const existing = typeof body.thread_id === 'string' ? state.threads.get(body.thread_id) : undefined;
    if (body.thread_id !== undefined && !existing) return sendMaveraError(res, 404, 'resource_not_found', 'Thread not found');
    const cost = existing ? MAVE_FOLLOW_UP_CREDITS : MAVE_NEW_THREAD_CREDITS;
    if (!spendCredits(state, cost)) return sendOutOfCredits(res, cost, state.creditsRemaining);
    const thread = existing ?? { id: newId(state, 'thr'), messages: [] };
    state.threads.set(thread.id, thread);
    thread.messages.push({ role: 'user', content: body.message });
    const turn = Math.ceil(thread.messages.length / 2);
    const content = `## Recommendation (turn ${turn})\n\nBased on: "${body.message.slice(0, 120)}"\n\n1. Merge the most overlapping segments.\n2. Keep segments with distinct behaviour.\n\n<!-- sandbox ${digest(body.message)} -->`;
    thread.messages.push({ role: 'assistant', content });
    res.json({
      id: newId(state, 'msg'),
      object: 'mave_message',
      thread_id: thread.id,
      role: 'assistant',
      content,
      sources: [{ title: 'Sandbox knowledge base', url: 'https://example.invalid/sandbox', domain: 'example.invalid' }],
      personas_used: [],
      usage: { credits_used: cost },
      created_at: iso(),
    });
  });

  router.get('/usage', (_req, res) => {
    const used = state.creditsUsed;
    res.json({
      object: 'usage',
      credits: { used, included: state.creditsIncluded, remaining: state.creditsRemaining, percentage_used: state.creditsIncluded === 0 ? 100 : Math.round((used / state.creditsIncluded) * 100) },
      api_requests: { total_requests: state.requests.length, credits_used: used, error_count: state.errorCount },
      rate_limit: { requests_per_minute: requestsPerMinute ?? null },
    });
  });

  return router;
}
