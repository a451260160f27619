import { assertBatchSize } from './compact.js';

export const MAX_PROFILES_PER_LIST_ADD = 1_000;

/** POST /api/lists/{id}/relationships/profiles: profile ids (upsert first to get them). */
export function buildAddProfilesToListBody(profileIds: readonly string[]) {
  assertBatchSize('add profiles to list', profileIds.length, MAX_PROFILES_PER_LIST_ADD);
  return { data: profileIds.map((id) => ({ type: 'profile' as const, id })) };
}

/** DELETE /api/lists/{id}/relationships/profiles: the same document, the profiles leave the list (consent untouched). */
export function buildRemoveProfilesFromListBody(profileIds: readonly string[]) {
  assertBatchSize('remove profiles from list', profileIds.length, MAX_PROFILES_PER_LIST_ADD);
  return { data: profileIds.map((id) => ({ type: 'profile' as const, id })) };
}
