import { z } from 'zod';
import { MaveraUnexpectedResponseError } from './errors.js';
import type { Generation, GenerationApp, MaveMessage, Persona, PersonaList, PersonaResult, Usage } from './types.js';

/**
 * Minimal, permissive readers of Mavera's 2xx bodies: we insist only on what the jobs use, keep
 * everything else, and turn a surprise into a typed error rather than an `undefined` deep in a job.
 */
const usageBlock = z.looseObject({ credits_used: z.number().optional() }).optional();

/** `usage.credits_used`, else `credits_used`, else `credits_charged`, else 0. */
function creditsOf(body: { usage?: { credits_used?: number | undefined } | undefined; credits_used?: number | undefined; credits_charged?: number | undefined }): number {
  return body.usage?.credits_used ?? body.credits_used ?? body.credits_charged ?? 0;
}

function read<S extends z.ZodType>(schema: S, body: unknown, operation: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new MaveraUnexpectedResponseError({ detail: `${operation}: unexpected response shape at ${where}` });
  }
  return parsed.data;
}

const personaSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  is_custom: z.boolean().optional(),
  credits_charged: z.number().optional(),
  usage: usageBlock,
});

export function readPersona(body: unknown, operation: string): PersonaResult {
  const persona = read(personaSchema, body, operation);
  return { ...(persona as Persona), creditsUsed: creditsOf(persona) };
}

const listSchema = z.looseObject({
  data: z.array(personaSchema),
  next_cursor: z.string().nullable().optional(),
  has_more: z.boolean().optional(),
});

export function readPersonaList(body: unknown): PersonaList {
  const list = read(listSchema, body, 'personas.list');
  return { data: list.data as Persona[], nextCursor: list.next_cursor ?? undefined };
}

const appsSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string(), name: z.string() })) });

export function readGenerationApps(body: unknown): GenerationApp[] {
  // The docs disagree on the input spec's name (`input_fields` vs `input_schema` vs `input_data`).
  return read(appsSchema, body, 'generation-apps.list').data.map((app) => ({
    ...app,
    inputFields: app.input_fields ?? app.input_schema ?? app.input_data ?? null,
  }));
}

const generationSchema = z.looseObject({ id: z.string(), output: z.string().optional(), content: z.string().optional(), usage: usageBlock });

export function readGeneration(body: unknown): Generation {
  const generation = read(generationSchema, body, 'generations.create');
  const output = generation.output ?? generation.content;
  if (output === undefined) throw new MaveraUnexpectedResponseError({ detail: 'generations.create: response has neither output nor content' });
  return { ...generation, output, creditsUsed: creditsOf(generation) };
}

const maveSchema = z.looseObject({
  id: z.string(),
  thread_id: z.string(),
  content: z.string(),
  sources: z.array(z.looseObject({})).optional(),
  personas_used: z.array(z.looseObject({ id: z.string(), name: z.string().optional() })).optional(),
  usage: usageBlock,
});

export function readMaveMessage(body: unknown): MaveMessage {
  const message = read(maveSchema, body, 'mave.chat');
  return { ...message, sources: message.sources ?? [], personas_used: message.personas_used ?? [], creditsUsed: creditsOf(message) };
}

const usageSchema = z.looseObject({
  credits: z.looseObject({ used: z.number(), included: z.number().nullable().optional(), remaining: z.number(), percentage_used: z.number().optional() }),
});

export function readUsage(body: unknown): Usage {
  const usage = read(usageSchema, body, 'usage.get');
  return { ...usage, credits: { ...usage.credits, included: usage.credits.included ?? null } } as Usage;
}
