import { assertBatchSize } from './compact.js';

export const MAX_PROFILES_PER_LIST_ADD = 1_000;

/** POST /api/lists/{id}/relationships/profiles: profile ids (upsert first to get them). */
export function buildAddProfilesToListBody(profileIds: readonly string[]) {
  assertBatchSize('add profiles to list', profileIds.length, MAX_PROFILES_PER_LIST_ADD);
  return { data: profileIds.map((id) => ({ type: 'profile' as const, id })) };
}
