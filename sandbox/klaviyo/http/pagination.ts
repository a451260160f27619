/**
 * Cursor pagination as Klaviyo does it: `page[cursor]` is opaque, `links.next` is an absolute URL
 * (the same query with the next cursor) and `null`, not absent, on the last page; `links.prev` may
 * be set there. Cursors here encode a position. Page sizes follow ../page-limits.ts.
 */
import { invalidParameter } from '../klaviyo-errors.js';
import { PAGE_LIMITS } from '../page-limits.js';
import type { HandlerContext } from './context.js';

/**
 * The number of resources to serve on this page: `page[size]` checked against the operation's live
 * limits (400 above the maximum, or when the operation takes none), capped at what Klaviyo serves.
 */
export function pageSizeOf(context: HandlerContext): number {
  const limit = PAGE_LIMITS[context.operation.operationId];
  if (!limit) throw new Error(`no page limits for ${context.operation.operationId}`);
  const raw = context.query.get('page[size]');
  if (raw === null) return limit.default;
  if (limit.max === null) throw invalidParameter('page[size]', "'page[size]' is not a valid parameter for this endpoint.");
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > limit.max) {
    throw invalidParameter('page[size]', `page[size] must be an integer between 1 and ${limit.max}.`);
  }
  return Math.min(size, limit.served ?? size);
}

/** The position a cursor encodes (0 without a cursor). */
export function cursorPosition(query: URLSearchParams, parameter = 'page[cursor]'): number {
  const raw = query.get(parameter);
  if (raw === null || raw === '') return 0;
  const decoded = Buffer.from(raw, 'base64url').toString('utf8');
  const match = /^pos:(\d+)$/.exec(decoded);
  if (!match) throw invalidParameter(parameter, 'Invalid cursor.');
  return Number(match[1]);
}

export function encodeCursor(position: number): string {
  return Buffer.from(`pos:${position}`, 'utf8').toString('base64url');
}

function linkAt(context: HandlerContext, position: number, parameter: string): string {
  const query = new URLSearchParams(context.query);
  query.set(parameter, encodeCursor(position));
  return `${context.baseUrl}${context.path}?${query.toString()}`;
}

/**
 * `links` of a page: self, next (absolute, or null on the last page) and prev (when the page had a
 * predecessor whose position is known, else null).
 */
export function pageLinks(context: HandlerContext, nextPosition: number | null, prevPosition: number | null = null, parameter = 'page[cursor]') {
  const self = `${context.baseUrl}${context.path}${context.query.size > 0 ? `?${context.query.toString()}` : ''}`;
  return {
    self,
    next: nextPosition === null ? null : linkAt(context, nextPosition, parameter),
    prev: prevPosition === null ? null : linkAt(context, prevPosition, parameter),
  };
}

/** Pages an in-memory list by the operation's page limits. */
export function pageOf<T>(context: HandlerContext, items: readonly T[]) {
  const size = pageSizeOf(context);
  const start = cursorPosition(context.query);
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? start + size : null;
  return { page, links: pageLinks(context, next, start > 0 ? Math.max(0, start - size) : null) };
}
