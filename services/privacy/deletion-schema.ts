import { z } from 'zod';
import { PRIVACY_IDENTIFIER_KINDS, type PrivacyIdentifierKind } from '../../src/store/privacy.js';
import { e164Phone } from '../sync/identity.js';

/**
 * POST /v1/privacy/deletions: exactly one identifier of one person (Klaviyo's deletion job takes
 * one). Strict: an unknown member is a 400, as is a second identifier, and nothing is stored. The
 * identifiers are validated as ingest validates them; issues never echo the value sent.
 */
export const deletionRequestSchema = z
  .strictObject({
    email: z.email({ error: 'must be an email address' }).max(254).optional(),
    phone_number: e164Phone.optional(),
    distinct_id: z.string().min(1).max(255).optional().describe('The id ingest received as distinct_id (Klaviyo’s external_id).'),
  })
  .superRefine((body, ctx) => {
    const given = PRIVACY_IDENTIFIER_KINDS.filter((kind) => body[kind] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', message: 'needs exactly one of email, phone_number, distinct_id' });
    if (given.length > 1) ctx.addIssue({ code: 'custom', path: [given[1] as string], message: `one identifier per deletion: got ${given.join(' and ')}; send one deletion each` });
  })
  .describe('Exactly one of email, phone_number (E.164) or distinct_id.');

export type DeletionRequest = z.output<typeof deletionRequestSchema>;

/** The one identifier of a valid request. */
export function requestedIdentifier(body: DeletionRequest): { kind: PrivacyIdentifierKind; value: string } {
  for (const kind of PRIVACY_IDENTIFIER_KINDS) {
    const value = body[kind];
    if (value !== undefined) return { kind, value };
  }
  throw new RangeError('a deletion request without an identifier passed validation');
}
