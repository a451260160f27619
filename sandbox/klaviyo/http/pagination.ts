/**
 * Cursor pagination as Klaviyo does it: `page[cursor]` is opaque, `links.next` is an absolute URL
 * (the same query with the next cursor) or null on the last page. Cursors here encode a position.
 */
import { invalidParameter } from '../klaviyo-errors.js';
import type { HandlerContext } from './context.js';

export function pageSize(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get('page[size]');
  if (raw === null) return fallback;
  const size = Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw invalidParameter('page[size]', `page[size] must be an integer between 1 and ${max}.`);
  }
  return size;
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

/** `links` of a page: self, and next (absolute) when `nextPosition` is not null. */
export function pageLinks(context: HandlerContext, nextPosition: number | null, parameter = 'page[cursor]') {
  const self = `${context.baseUrl}${context.path}${context.query.size > 0 ? `?${context.query.toString()}` : ''}`;
  if (nextPosition === null) return { self, next: null, prev: null };
  const nextQuery = new URLSearchParams(context.query);
  nextQuery.set(parameter, encodeCursor(nextPosition));
  return { self, next: `${context.baseUrl}${context.path}?${nextQuery.toString()}`, prev: null };
}

/** Pages an in-memory list. */
export function pageOf<T>(context: HandlerContext, items: readonly T[], fallbackSize: number, maxSize: number) {
  const size = pageSize(context.query, fallbackSize, maxSize);
  const start = cursorPosition(context.query);
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? start + size : null;
  return { page, links: pageLinks(context, next) };
}
