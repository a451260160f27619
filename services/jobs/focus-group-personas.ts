import { JobFailure } from './job-errors.js';
import type { JobContext } from './job-definition.js';
import { PERSONA_NAME_PREFIX_DEFAULT, personaName } from './persona-enrichment.js';
import { percentileLabel } from './clv-tiers.js';

/**
 * Which personas sit on a focus group: the ids given as a param, else the CLV-tier personas that
 * persona-enrichment keeps (default cut points, best tier first). A dry run without Mavera cannot
 * look them up, so it names them as placeholders `persona:<name>`.
 */
export async function focusGroupPersonaIds(ctx: JobContext, given: string[] | undefined, count: number): Promise<string[]> {
  if (given && given.length > 0) return given.slice(0, count);
  const tiers: Array<[number, number]> = [[95, 100], [80, 95], [50, 80], [0, 50]];
  const names = tiers.map(([lo, hi]) => personaName(PERSONA_NAME_PREFIX_DEFAULT, { label: percentileLabel(lo, hi) }));
  const ids: string[] = [];
  for (const name of names) {
    if (ids.length === count) break;
    const id = await ctx.mavera.findPersonaId(name);
    if (id) ids.push(id);
    else if (ctx.mavera.dryRun) ids.push(`persona:${name}`);
  }
  if (ids.length === 0) {
    throw new JobFailure('no_personas', 'No personas to run the focus group with: pass "personaIds", or run persona-enrichment first.');
  }
  return ids;
}
