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
