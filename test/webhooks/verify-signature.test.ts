import { describe, expect, it } from 'vitest';
import { parseKlaviyoTimestamp, verifyKlaviyoSignature, WebhookVerificationError } from '../../services/webhooks/verify-signature.js';
import { signKlaviyoBody } from '../helpers/klaviyo-webhook-signer.js';

const SECRET = 'klaviyo-secret-0123456789';
const NOW = new Date('2024-01-04T18:05:25Z');

const build = (overrides: { body?: string; timestamp?: string; secrets?: string[]; headers?: Record<string, string> } = {}) => {
  const body = overrides.body ?? '{"data":[],"meta":{"klaviyo_webhook_id":"wh"}}';
  const timestamp = overrides.timestamp ?? 'Thu, 04 Jan 2024 18:05:25 GMT';
  return {
    rawBody: Buffer.from(body),
    headers: overrides.headers ?? { 'Klaviyo-Signature': signKlaviyoBody(body, timestamp, SECRET), 'Klaviyo-Timestamp': timestamp, 'Klaviyo-Webhook-Id': 'wh' },
    secrets: overrides.secrets ?? [SECRET],
    toleranceS: 300,
    now: NOW,
  };
};

const reasonOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof WebhookVerificationError ? error.reason : `other: ${String(error)}`;
  }
};

describe('verifyKlaviyoSignature', () => {
  it('when the signature was made by any configured secret, then the verified headers come back (header names in any case)', () => {
    expect(verifyKlaviyoSignature(build({ secrets: ['another-secret-abcdefgh', SECRET] }))).toEqual({ webhookId: 'wh', sentAt: NOW });
  });

  it('when Klaviyo documents its example (body then HTTP-date, no separator), then the HMAC is over exactly those bytes', () => {
    const body = '{"a":1}';
    const ts = 'Thu, 04 Jan 2024 18:05:25 GMT';
    const input = build({ body, timestamp: ts });
    expect(input.headers['Klaviyo-Signature']).toBe(signKlaviyoBody(`${body}${ts}`, '', SECRET));
    expect(reasonOf(() => verifyKlaviyoSignature({ ...input, headers: { ...input.headers, 'Klaviyo-Signature': signKlaviyoBody(`${body}\n`, ts, SECRET) } }))).toBe('signature_mismatch');
  });

  it('when the signature is uppercase hex, then it is still accepted', () => {
    const input = build();
    const headers = { ...input.headers, 'Klaviyo-Signature': input.headers['Klaviyo-Signature']!.toUpperCase() };
    expect(() => verifyKlaviyoSignature({ ...input, headers })).not.toThrow();
  });

  it('when no secret is given, then nothing verifies', () => {
    expect(reasonOf(() => verifyKlaviyoSignature(build({ secrets: [] })))).toBe('signature_mismatch');
  });

  it('when an error is raised, then its message names the problem without the expected signature', () => {
    const input = build({ secrets: ['a-different-secret-xyz'] });
    const expected = signKlaviyoBody(input.rawBody, 'Thu, 04 Jan 2024 18:05:25 GMT', 'a-different-secret-xyz');
    try {
      verifyKlaviyoSignature(input);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(expected);
      expect((error as Error).message).toMatch(/raw body/);
    }
  });
});

describe('parseKlaviyoTimestamp', () => {
  it.each([
    ['Thu, 04 Jan 2024 18:05:25 GMT', '2024-01-04T18:05:25.000Z'],
    ['2024-01-04T18:05:25+00:00', '2024-01-04T18:05:25.000Z'],
    ['1704391525', '2024-01-04T18:05:25.000Z'],
    ['1704391525000', '2024-01-04T18:05:25.000Z'],
  ])('when the header is %s, then it is %s', (header, iso) => {
    expect(parseKlaviyoTimestamp(header)?.toISOString()).toBe(iso);
  });

  it('when the header is not a date, then it is undefined', () => {
    expect(parseKlaviyoTimestamp('soon')).toBeUndefined();
  });
});
