/** Segments (≤ 10 per page), one segment (with `profile_count` on request) and its members (≤ 100 per page). */
import { notFound } from '../klaviyo-errors.js';
import { queryList } from '../limit-classes.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';
import { iso, resource } from '../http/context.js';
import { matchesAll, queryFilter } from '../http/filter.js';
import { cursorPosition, pageLinks, pageOf, pageSizeOf } from '../http/pagination.js';
import type { SeededSegment } from '../seed/segments.js';
import { profileResource } from './profile-view.js';

function segmentResource(context: HandlerContext, segment: SeededSegment, extra: Record<string, unknown> = {}) {
  return resource(
    context,
    'segment',
    segment.id,
    {
      name: segment.name,
      definition: { condition_groups: [] },
      created: iso(segment.createdMs),
      updated: iso(segment.createdMs),
      is_active: true,
      is_processing: segment.isProcessing,
      is_starred: false,
      ...extra,
    },
    `/api/segments/${segment.id}/`,
    { profiles: { links: { related: `${context.baseUrl}/api/segments/${segment.id}/profiles/` } } },
  );
}

function segmentIndexOrThrow(context: HandlerContext, id: string): number {
  const index = context.account.segments.segments.findIndex((segment) => segment.id === id);
  if (index < 0) throw notFound(`A segment with id ${id} does not exist.`);
  return index;
}

export function getSegments(context: HandlerContext): HandlerResult {
  const conditions = queryFilter(context.query, context.operation.filters);
  const matching = context.account.segments.segments.filter((segment) =>
    matchesAll(conditions, (field) =>
      ({ id: segment.id, name: segment.name, created: new Date(segment.createdMs), updated: new Date(segment.createdMs), is_active: true, is_starred: false })[field],
    ),
  );
  const { page, links } = pageOf(context, matching);
  return { status: 200, body: { data: page.map((segment) => segmentResource(context, segment)), links } };
}

export function getSegment(context: HandlerContext): HandlerResult {
  const index = segmentIndexOrThrow(context, context.params.id ?? '');
  const segment = context.account.segments.segments[index] as SeededSegment;
  const extra: Record<string, unknown> = {};
  if (queryList(context.query, 'additional-fields[segment]').includes('profile_count')) {
    extra.profile_count = context.truth.segments.sizes[index]?.size ?? 0;
  }
  return { status: 200, body: { data: segmentResource(context, segment, extra) } };
}

/** Members in profile-id order; the cursor is the next profile index to look at. */
export function getSegmentProfiles(context: HandlerContext): HandlerResult {
  const index = segmentIndexOrThrow(context, context.params.id ?? '');
  const size = pageSizeOf(context);
  const { segments, profiles, anchorMs } = context.account;
  const page: Record<string, unknown>[] = [];
  let next: number | null = null;
  for (let profile = cursorPosition(context.query); profile < profiles.count; profile++) {
    // Seeded membership is computed; a profile deleted since (data-privacy deletion) is no longer served.
    if (!segments.isMember(index, profile) || context.data.profiles.isDeleted(profile)) continue;
    if (page.length === size) {
      next = profile;
      break;
    }
    page.push(profileResource(context, profile, { joined_group_at: iso(segments.joinedAtMs(index, profile, anchorMs)) }));
  }
  return { status: 200, body: { data: page, links: pageLinks(context, next) } };
}

export function getLists(context: HandlerContext): HandlerResult {
  const { page, links } = pageOf(context, context.account.lists);
  const data = page.map((list) =>
    resource(context, 'list', list.id, { name: list.name, opt_in_process: list.optInProcess, created: iso(list.createdMs), updated: iso(list.createdMs) }, `/api/lists/${list.id}/`),
  );
  return { status: 200, body: { data, links } };
}
