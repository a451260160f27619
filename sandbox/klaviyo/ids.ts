/** Deterministic ids in Klaviyo's shapes (26-char ULID-like, 6-char base62), and the formats path ids are checked against. */
import { hashAt } from './prng.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A 26-character ULID-like id, unique per (stream, index) for a seed. */
export function ulidLike(seed: number, stream: string, index: number): string {
  let id = '01';
  for (let chunk = 0; id.length < 26; chunk++) {
    let bits = hashAt(seed, `${stream}#${chunk}`, index);
    for (let i = 0; i < 6 && id.length < 26; i++) {
      id += CROCKFORD[bits & 31];
      bits >>>= 5;
    }
  }
  return id;
}

/** A 6-character base62 id (Klaviyo's metric, list, segment and flow ids look like this). */
export function shortId(seed: number, stream: string, index: number): string {
  let bits = hashAt(seed, stream, index);
  let extra = hashAt(seed, `${stream}+`, index);
  let id = '';
  for (let i = 0; i < 6; i++) {
    id += BASE62[(bits + extra) % 62];
    bits = Math.floor(bits / 62);
    extra = Math.floor(extra / 7);
  }
  return id;
}

/**
 * Profile ids encode their index, so profile `i` of 200,000 is found without a lookup table:
 * `01SBXP` + the index in base 32, left-padded to 26 characters.
 */
const PROFILE_PREFIX = '01SBXP';

export function profileIdOf(index: number): string {
  let digits = '';
  let rest = index;
  do {
    digits = CROCKFORD[rest % 32] + digits;
    rest = Math.floor(rest / 32);
  } while (rest > 0);
  return PROFILE_PREFIX + digits.padStart(26 - PROFILE_PREFIX.length, '0');
}

export function profileIndexOf(id: string): number | null {
  if (id.length !== 26 || !id.startsWith(PROFILE_PREFIX)) return null;
  let index = 0;
  for (const char of id.slice(PROFILE_PREFIX.length)) {
    const digit = CROCKFORD.indexOf(char);
    if (digit < 0) return null;
    index = index * 32 + digit;
  }
  return index;
}

/**
 * The formats ids come in, per kind. Live Klaviyo checks a path id against its resource's format
 * before looking it up, and answers a malformed one 400 ("Invalid Event ID: 'NOPE01'"), not 404; a
 * well-formed id that names nothing is a 404.
 */
export const ID_FORMATS = {
  /** Profiles, campaigns, campaign messages, webhooks, jobs: `ulidLike` (Crockford base 32). */
  ulid: /^[0-9A-HJKMNP-TV-Z]{26}$/,
  /** Lists, segments, flows, flow messages, templates, metrics: `shortId` (base 62). */
  short: /^[0-9A-Za-z]{6}$/,
  /** Flow actions: numeric strings. */
  numeric: /^\d{1,20}$/,
} as const;

export type IdFormat = keyof typeof ID_FORMATS;

export interface PathIdRule {
  /** The path parameter that holds the id. */
  parameter: string;
  format: IdFormat;
  /** The resource's name in Klaviyo's 400 detail ("Invalid <resource> ID: '<id>'"). */
  resource: string;
}

/** Which path parameter of which operation holds which kind of id. */
export const PATH_ID_RULES: Readonly<Record<string, PathIdRule>> = {
  get_profile: { parameter: 'id', format: 'ulid', resource: 'Profile' },
  update_profile: { parameter: 'id', format: 'ulid', resource: 'Profile' },
  get_bulk_import_profiles_job: { parameter: 'job_id', format: 'ulid', resource: 'Bulk Import Job' },
  get_errors_for_bulk_import_profiles_job: { parameter: 'id', format: 'ulid', resource: 'Bulk Import Job' },
  add_profiles_to_list: { parameter: 'id', format: 'short', resource: 'List' },
  remove_profiles_from_list: { parameter: 'id', format: 'short', resource: 'List' },
  get_segment: { parameter: 'id', format: 'short', resource: 'Segment' },
  get_profiles_for_segment: { parameter: 'id', format: 'short', resource: 'Segment' },
  get_actions_for_flow: { parameter: 'id', format: 'short', resource: 'Flow' },
  get_flow_action_messages: { parameter: 'id', format: 'numeric', resource: 'Flow Action' },
  get_flow_message: { parameter: 'id', format: 'short', resource: 'Flow Message' },
  get_template_for_flow_message: { parameter: 'id', format: 'short', resource: 'Flow Message' },
  get_messages_for_campaign: { parameter: 'id', format: 'ulid', resource: 'Campaign' },
  get_template_for_campaign_message: { parameter: 'id', format: 'ulid', resource: 'Campaign Message' },
  get_template: { parameter: 'id', format: 'short', resource: 'Template' },
};

/** The malformed path id of a request, if any: `{resource, id}` for the 400. */
export function malformedPathId(operationId: string, params: Readonly<Record<string, string>>): { resource: string; id: string } | null {
  const rule = PATH_ID_RULES[operationId];
  if (!rule) return null;
  const id = params[rule.parameter] ?? '';
  return ID_FORMATS[rule.format].test(id) ? null : { resource: rule.resource, id };
}
