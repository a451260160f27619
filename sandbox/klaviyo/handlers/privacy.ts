/**
 * `POST /api/data-privacy-deletion-jobs` (request_profile_deletion, 3/s, 60/m). The body
 * (`DataPrivacyCreateDeletionJobQuery`) is `{data: {type: 'data-privacy-deletion-job', attributes:
 * {profile: {data: {type: 'profile', id?, attributes: {email?, phone_number?}}}}}}`: `id` sits next
 * to `attributes` (which the schema requires, `{}` with an id). Exactly one identifier; the OpenAPI
 * document: "If multiple identifiers are provided, we will return an error."
 *
 * - none, or more than one, of `id` / `attributes.email` / `attributes.phone_number` (non-null) →
 *   400 `invalid` on `/data/attributes/profile/data` (the wording is ours: no live body is recorded);
 * - a phone number not in E.164 → 400 `invalid` on `…/attributes/phone_number`;
 * - no profile has the identifier (never existed, or already deleted) → 404 `not_found`, detail
 *   `No profile with email "x" found.  The profile may have already been deleted.` (recorded live for
 *   an email; the same wording for phone_number and id), unless `live.privacyDeletionUnknownProfile`
 *   is `'accepted'` (202, nothing deleted);
 * - else 202 without a body (recorded live). The deletion runs asynchronously: see
 *   state/privacy-deletions.ts and `live.privacyDeletionMs`. A second request for a profile whose
 *   deletion is still pending is accepted too; only the first job deletes it.
 */
import { invalidBody, notFound } from '../klaviyo-errors.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';
import type { PrivacyDeletionIdentifier } from '../types.js';

interface DeletionDocument {
  data: {
    attributes: {
      profile: { data: { id?: string | null; attributes: { email?: string | null; phone_number?: string | null } } };
    };
  };
}

const PROFILE_POINTER = '/data/attributes/profile/data';
const E164 = /^\+[1-9]\d{1,14}$/;

export function requestProfileDeletion(context: HandlerContext): HandlerResult {
  const profile = (context.body as DeletionDocument).data.attributes.profile.data;
  const given = (
    [
      ['id', profile.id],
      ['email', profile.attributes.email],
      ['phone_number', profile.attributes.phone_number],
    ] as Array<[PrivacyDeletionIdentifier, string | null | undefined]>
  ).filter((entry): entry is [PrivacyDeletionIdentifier, string] => typeof entry[1] === 'string');
  if (given.length !== 1) {
    const detail = given.length === 0 ? 'One of email, phone_number or id is required.' : 'Only one of email, phone_number or id may be provided.';
    throw invalidBody([{ pointer: PROFILE_POINTER, detail }]);
  }
  const [identifier, value] = given[0] as [PrivacyDeletionIdentifier, string];
  if (identifier === 'phone_number' && !E164.test(value)) {
    throw invalidBody([{ pointer: `${PROFILE_POINTER}/attributes/phone_number`, detail: 'Invalid phone number format (Example of a valid format: +12345678901)' }]);
  }
  const { profiles } = context.data;
  const index = identifier === 'id' ? profiles.indexOfId(value) : profiles.lookup(identifier, value);
  if (index === null && context.live.privacyDeletionUnknownProfile === 'not_found') {
    context.data.privacyDeletions.notFound++;
    throw notFound(`No profile with ${identifier} "${value}" found.  The profile may have already been deleted.`);
  }
  context.data.privacyDeletions.request(identifier, index, context.nowMs, context.live.privacyDeletionMs / context.speedUp);
  return { status: 202 };
}
