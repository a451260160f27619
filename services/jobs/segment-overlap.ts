import { z } from 'zod';
import type { MaveChatBody } from '../mavera/types.js';
import { baseParamsShape, defineJob } from './job-definition.js';
import type { SegmentSummary } from './klaviyo-reads.js';
import { MAVERA_COST_CEILINGS } from './mavera-calls.js';
import { CACHE_TTL_MS } from './read-cache.js';
import {
  createMemberSet,
  createProfileInterner,
  pairwiseOverlaps,
  redundantClusters,
  type SegmentOverlap,
  type SegmentSize,
} from './segment-overlap-core.js';

const params = z.strictObject({
  ...baseParamsShape,
  clusterThreshold: z.number().gt(0).max(1).default(0.8).describe('Segments linked by a pair at or above this similarity form a redundant cluster.'),
  clusterMetric: z.enum(['jaccard', 'overlap_of_smaller']).default('jaccard').describe('Similarity used for clusters: Jaccard (|A∩B|/|A∪B|) or overlap of the smaller segment (|A∩B|/min).'),
  maxSegments: z.number().int().min(2).max(500).default(100).describe('At most this many segments are compared (pairs grow with its square).'),
  pageSize: z.number().int().min(1).max(100).default(100).describe('Segment members per Klaviyo page (max 100).'),
  promptOverlaps: z.number().int().min(1).max(200).default(25).describe('How many of the most similar pairs are described to Mave.'),
});
export type SegmentOverlapParams = z.output<typeof params>;

const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;

/** The Mave question: sizes, the most similar pairs and the clusters, asking for a simpler segmentation. */
export function buildSegmentationQuestion(sizes: SegmentSize[], overlaps: SegmentOverlap[], clusters: string[][], p: SegmentOverlapParams): MaveChatBody {
  const name = new Map(sizes.map((s) => [s.id, s.name]));
  const lines = [
    `We run ${sizes.length} Klaviyo segments. Sizes (profiles):`,
    ...sizes.map((s) => (s.partial ? `- ${s.name}: at least ${s.size} (still being computed by Klaviyo: partial, not final)` : `- ${s.name}: ${s.size}`)),
    `Most similar pairs (intersection, Jaccard, overlap of the smaller segment):`,
    ...overlaps.slice(0, p.promptOverlaps).map((o) => `- ${name.get(o.a)} × ${name.get(o.b)}: ${o.intersection}, ${pct(o.jaccard)}, ${pct(o.overlap_of_smaller)}`),
    clusters.length === 0
      ? `No clusters reach ${p.clusterMetric} ≥ ${p.clusterThreshold}.`
      : `Redundant clusters (${p.clusterMetric} ≥ ${p.clusterThreshold}): ${clusters.map((c) => `[${c.map((id) => name.get(id)).join(', ')}]`).join('; ')}.`,
    ...(sizes.some((s) => s.partial) ? ['Segments marked partial were still being computed: treat their sizes and overlaps as provisional.'] : []),
    'Recommend a simplified segmentation: which segments to merge or retire, and what each remaining segment is for.',
  ];
  return { message: lines.join('\n') };
}

export const segmentOverlapJob = defineJob({
  name: 'segment-overlap',
  description: 'Segments and their members → sizes, exact pairwise intersections, Jaccard, redundant clusters → Mave Agent for a simplified segmentation.',
  params,
  async run(ctx, p: SegmentOverlapParams) {
    const segments: SegmentSummary[] = [];
    // A list that shows a segment still processing is not kept: the next run must see it finish.
    const segmentPages = ctx.cache.pages<SegmentSummary>('klaviyo:segments', CACHE_TTL_MS.segments, () => ctx.klaviyo.segments({ signal: ctx.signal }), {
      keep: (page) => page.every((segment) => !segment.is_processing),
    });
    for await (const page of segmentPages) segments.push(...page);
    const compared = segments.slice(0, p.maxSegments);
    const interner = createProfileInterner();
    const members: Array<{ id: string; members: Uint32Array }> = [];
    for (const [index, segment] of compared.entries()) {
      ctx.progress('reading segment members', index, compared.length);
      const set = createMemberSet();
      // Members of a segment Klaviyo is still computing are a partial set: read them, never cache them.
      const pages = ctx.cache.pages<string>(
        `klaviyo:segment-members:${segment.id}:ps${p.pageSize}`,
        CACHE_TTL_MS.segments,
        () => ctx.klaviyo.segmentMemberIds(segment.id, { signal: ctx.signal, pageSize: p.pageSize }),
        { keep: () => !segment.is_processing },
      );
      for await (const page of pages) {
        ctx.signal.throwIfAborted();
        for (const id of page) set.add(interner.indexOf(id));
      }
      members.push({ id: segment.id, members: set.finish() });
    }
    ctx.progress('comparing segments', 0, null);
    const sizes: SegmentSize[] = compared.map((s, i) => ({ id: s.id, name: s.name, size: members[i]?.members.length ?? 0, partial: s.is_processing }));
    const partialIds = new Set(compared.filter((s) => s.is_processing).map((s) => s.id));
    const overlaps = pairwiseOverlaps(members).map((o) => ({ ...o, partial: partialIds.has(o.a) || partialIds.has(o.b) }));
    const clusters = redundantClusters(compared.map((s) => s.id), overlaps, p.clusterMetric, p.clusterThreshold);

    const question = buildSegmentationQuestion(sizes, overlaps, clusters, p);
    await ctx.mavera.preflight(MAVERA_COST_CEILINGS.maveChat);
    ctx.progress('asking Mave', 0, 1);
    const answer = await ctx.mavera.maveChat(question);
    const notes = sizes
      .filter((s) => s.partial)
      .map((s) => `Segment "${s.name}" (${s.id}) was still being computed by Klaviyo (is_processing): its size and overlaps are partial, not final; run again once it is done.`);
    return {
      segments: sizes,
      partial_segments: [...partialIds],
      notes,
      segments_skipped: segments.length - compared.length,
      distinct_profiles: interner.size,
      overlaps,
      clusters,
      recommendation: answer ? { thread_id: answer.thread_id, content: answer.content, based_on_partial_segments: partialIds.size > 0 } : null,
      ...(p.dryRun ? { estimated_max_credits: MAVERA_COST_CEILINGS.maveChat, mavera_requests: ctx.mavera.requests } : {}),
    };
  },
});
