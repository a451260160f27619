import { MaveraDuplicatePersonaError } from './errors.js';
import type { MaveraClient } from './client.js';
import type { MaveraCallOptions, PersonaCreateBody, PersonaResult } from './types.js';

export interface PersonaUpsert {
  persona: PersonaResult;
  action: 'created' | 'updated';
  /** Credits this upsert spent (300 when created, whatever Mavera reports for a PATCH). */
  creditsUsed: number;
}

/**
 * Creates the custom persona `body.name`, or updates it if it already exists — never paying the
 * 300-credit POST twice. Look up by name → PATCH; else POST; a 422 on that POST (someone created it
 * meanwhile, or a retried POST had already landed) → look up again and PATCH. Never a second POST.
 */
export async function upsertPersonaByName(client: MaveraClient, body: PersonaCreateBody, options: MaveraCallOptions = {}): Promise<PersonaUpsert> {
  const existing = await client.findPersonaByName(body.name, options);
  if (existing) return updated(await client.updatePersona(existing.id, body, options));
  try {
    const persona = await client.createPersona(body, options);
    return { persona, action: 'created', creditsUsed: persona.creditsUsed };
  } catch (error) {
    if (!(error instanceof MaveraDuplicatePersonaError)) throw error;
    const found = await client.findPersonaByName(body.name, options);
    if (!found) throw error;
    return updated(await client.updatePersona(found.id, body, options));
  }
}

function updated(persona: PersonaResult): PersonaUpsert {
  return { persona, action: 'updated', creditsUsed: persona.creditsUsed };
}
