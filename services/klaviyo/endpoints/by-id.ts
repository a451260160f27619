import { malformedIdAsNotFound } from '../errors.js';

/**
 * Reads of one resource (or of one resource's children) by its id. Live Klaviyo answers an id that is
 * not in the resource's format with 400, not 404; these turn that 400 into `KlaviyoNotFoundError`,
 * as a 404 already is, so callers handle "no such resource" once.
 */
export async function readById<T>(resource: string, id: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw malformedIdAsNotFound(error, resource, id);
  }
}

/** The same for a paginated read under one resource (`/api/segments/{id}/profiles`, …). */
export async function* readAllById<T>(resource: string, id: string, items: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  try {
    yield* items;
  } catch (error) {
    throw malformedIdAsNotFound(error, resource, id);
  }
}
