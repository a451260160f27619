import type { MaveraClient } from '../mavera/index.js';
import type { MaveraCalls } from './mavera-calls.js';

/** MaveraCalls over the Mavera client (its retries, concurrency caps, typed errors and 402 handling). */
export function createMaveraCallsAdapter(client: MaveraClient): MaveraCalls {
  return {
    async remainingCredits({ signal }) {
      return (await client.getUsage({ signal })).credits.remaining;
    },
    async findPersonaByName(name, { signal }) {
      const persona = await client.findPersonaByName(name, { signal });
      return persona ? { id: persona.id } : null;
    },
    async listPersonas({ signal, max }) {
      const personas: Array<{ id: string; name: string; is_custom: boolean }> = [];
      let cursor: string | undefined;
      do {
        const page = await client.listPersonas({ limit: 100, cursor }, { signal });
        for (const p of page.data) if (personas.length < max) personas.push({ id: p.id, name: p.name, is_custom: p.is_custom === true });
        cursor = page.nextCursor;
      } while (cursor && personas.length < max);
      return personas;
    },
    async createPersona(body, { signal }) {
      const persona = await client.createPersona(body, { signal });
      return { id: persona.id, creditsUsed: persona.creditsUsed };
    },
    async updatePersona(id, body, { signal }) {
      const persona = await client.updatePersona(id, body, { signal });
      return { id: persona.id, creditsUsed: persona.creditsUsed };
    },
    async createGeneration(body, { signal }) {
      const generation = await client.createGeneration(body, { signal });
      return { id: generation.id, output: generation.output, creditsUsed: generation.creditsUsed };
    },
    async maveChat(body, { signal }) {
      const message = await client.maveChat(body, { signal });
      return { id: message.id, thread_id: message.thread_id, content: message.content, creditsUsed: message.creditsUsed };
    },
    async runFocusGroup(description, { signal }) {
      const run = await client.runFocusGroup(description, { signal });
      return { id: run.id, result: run.result, creditsUsed: run.creditsUsed };
    },
  };
}
