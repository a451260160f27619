import { JobFailure } from './job-errors.js';
import type { JobContext } from './job-definition.js';
import { PERSONA_NAME_PREFIX_DEFAULT, personaName } from './persona-enrichment.js';
import { percentileLabel } from './clv-tiers.js';

/** Where a focus group's personas came from; reported in the result so a reader can judge the panel. */
export type PersonasSource = 'params' | 'clv_tiers' | 'workspace';

export interface FocusGroupPanel {
  personaIds: string[];
  source: PersonasSource;
}

/** How many listed personas are looked at to pick the workspace panel (custom ones go first). */
const WORKSPACE_LISTING_MAX = 200;

/**
 * Which personas sit on a focus group: the ids given as a param; else the CLV-tier personas that
 * persona-enrichment keeps (default cut points, best tier first); else — when no tier persona
 * exists yet, e.g. the job was started together with persona-enrichment — the workspace's own
 * personas (`GET /personas`: its custom ones first, then Mavera's base ones), so the job stands
 * alone. A dry run without Mavera cannot look anything up, so it names the tier personas as
 * placeholders `persona:<name>`.
 */
export async function focusGroupPanel(ctx: JobContext, given: string[] | undefined, count: number): Promise<FocusGroupPanel> {
  if (given && given.length > 0) return { personaIds: given.slice(0, count), source: 'params' };
  const tiers: Array<[number, number]> = [[95, 100], [80, 95], [50, 80], [0, 50]];
  const names = tiers.map(([lo, hi]) => personaName(PERSONA_NAME_PREFIX_DEFAULT, { label: percentileLabel(lo, hi) }));
  const tierIds: string[] = [];
  for (const name of names) {
    if (tierIds.length === count) break;
    const id = await ctx.mavera.findPersonaId(name);
    if (id) tierIds.push(id);
    else if (ctx.mavera.dryRun && !ctx.mavera.configured) tierIds.push(`persona:${name}`);
  }
  if (tierIds.length > 0) return { personaIds: tierIds, source: 'clv_tiers' };

  const listed = await ctx.mavera.workspacePersonas(WORKSPACE_LISTING_MAX);
  const ordered = [...listed.filter((p) => p.is_custom), ...listed.filter((p) => !p.is_custom)];
  const workspaceIds = ordered.slice(0, count).map((p) => p.id);
  if (workspaceIds.length === 0) {
    throw new JobFailure('no_personas', 'No personas to run the focus group with: the Mavera workspace lists none. Pass "personaIds", or run persona-enrichment first.');
  }
  return { personaIds: workspaceIds, source: 'workspace' };
}
