import type { OutboxError } from '../../src/store/outbox.js';
import type { ImportError } from '../klaviyo/resources.js';
import { BATCH_POINTERS } from './klaviyo-sync-api.js';
import type { ProfileEntry } from './profile-delivery.js';

/**
 * Maps a finished import job's errors back to outbox items: by the pointer's index into the job's
 * profiles when Klaviyo gives one, else by the identifiers in `original_payload`.
 */
export function matchImportErrors(errors: ImportError[], entries: ProfileEntry[]): Map<string, OutboxError> {
  const byIdentifier = new Map<string, ProfileEntry>();
  for (const entry of entries) {
    const { email, phone_number, external_id } = entry.profile.attributes;
    for (const id of [external_id && `x:${external_id}`, email && `e:${email.toLowerCase()}`, phone_number && `p:${phone_number}`]) {
      if (id) byIdentifier.set(id, entry);
    }
  }
  const failed = new Map<string, OutboxError>();
  for (const error of errors) {
    const { code, title, detail, source, original_payload: original } = error.attributes;
    const match = new RegExp(`^${BATCH_POINTERS.profiles}/(\\d+)(/|$)`).exec(source?.pointer ?? '');
    let entry = match ? entries[Number(match[1])] : undefined;
    if (!entry && typeof original === 'object' && original !== null) {
      const attrs = ((original as { attributes?: unknown }).attributes ?? original) as Record<string, unknown>;
      const keys = [
        typeof attrs.external_id === 'string' ? `x:${attrs.external_id}` : undefined,
        typeof attrs.email === 'string' ? `e:${attrs.email.toLowerCase()}` : undefined,
        typeof attrs.phone_number === 'string' ? `p:${attrs.phone_number}` : undefined,
      ];
      entry = keys.map((k) => (k ? byIdentifier.get(k) : undefined)).find((e) => e !== undefined);
    }
    if (!entry) continue;
    // A bulk job's identity conflict is dead-lettered as one (whatever KLAVIYO_IDENTITY_CONFLICT says: the
    // job has no per-item retry); replayed in a small batch it goes through profile-import, where the mode applies.
    const reason = code === 'duplicate_profile' ? ('identity_conflict' as const) : ('import_error' as const);
    for (const item of entry.items) failed.set(item.id, { reason, status: 400, code, title, detail, pointer: source?.pointer });
  }
  return failed;
}
