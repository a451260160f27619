/**
 * List membership: `POST` (add_profiles_to_list) and `DELETE` (remove_profiles_from_list) on
 * `/api/lists/{id}/relationships/profiles`, body `{data: [{type: 'profile', id}, …]}`, at most 1,000
 * ids a call, 204 without a body (both recorded live). Membership is a set: adding a member twice,
 * or removing a non-member, changes nothing. It never touches consent (the OpenAPI document says so
 * for removal; adding is not subscribing either: subscribe through the subscription jobs).
 *
 * Answers, in this order:
 * - a list id that names no list → 404 `not_found` "A list with id `X` does not exist." (live detail);
 * - more than 1,000 ids → 400 `invalid` on `/data`;
 * - a profile id not in Klaviyo's id format → 400 `invalid` "Invalid Profile ID: 'x'" on `/data/<i>/id`
 *   (live answers a malformed id 400, not 404); a well-formed id of no profile (never existed, or
 *   deleted) → 404 `not_found` "A profile with id X does not exist." (the live detail of a profile
 *   404). Either refuses the whole request: nothing is added or removed.
 */
import { ID_FORMATS } from '../ids.js';
import { invalidBody, notFound } from '../klaviyo-errors.js';
import type { HandlerContext, HandlerResult } from '../http/context.js';

export const MAX_LIST_MEMBERS_PER_CALL = 1000;

/** 404 for a list id that names no seeded list; live's detail, backticks included. */
export function listOrThrow(context: HandlerContext, id: string | undefined): void {
  if (id !== undefined && !context.account.lists.some((list) => list.id === id)) throw notFound(`A list with id \`${id}\` does not exist.`);
}

/** The profile indexes of a membership body, after the checks above. */
function memberIndexes(context: HandlerContext): number[] {
  const listId = context.params.id ?? '';
  listOrThrow(context, listId);
  const members = (context.body as { data: { id: string }[] }).data;
  if (members.length > MAX_LIST_MEMBERS_PER_CALL) {
    throw invalidBody([{ pointer: '/data', detail: `At most ${MAX_LIST_MEMBERS_PER_CALL} profiles per request; got ${members.length}.` }]);
  }
  return members.map((member, i) => {
    if (!ID_FORMATS.ulid.test(member.id)) throw invalidBody([{ pointer: `/data/${i}/id`, detail: `Invalid Profile ID: '${member.id}'` }]);
    const index = context.data.profiles.indexOfId(member.id);
    if (index === null) throw notFound(`A profile with id ${member.id} does not exist.`);
    return index;
  });
}

export function addProfilesToList(context: HandlerContext): HandlerResult {
  const listId = context.params.id ?? '';
  for (const index of memberIndexes(context)) context.data.addListMember(listId, index);
  return { status: 204 };
}

export function removeProfilesFromList(context: HandlerContext): HandlerResult {
  const listId = context.params.id ?? '';
  for (const index of memberIndexes(context)) context.data.removeListMember(listId, index);
  return { status: 204 };
}
