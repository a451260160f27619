import { describe, expect, it } from 'vitest';
import { parseIsoTimestamp, parseKlaviyoTimestamp, verifyKlaviyoSignature, WebhookVerificationError } from '../../services/webhooks/verify-signature.js';
import { signKlaviyoBody } from '../helpers/klaviyo-webhook-signer.js';

const SECRET = 'klaviyo-secret-0123456789';
const NOW = new Date('2024-01-04T18:05:25Z');

/** The live test vector (LIVE-BEHAVIOUR: Webhooks): the header runs about 5 h ahead of meta.timestamp. */
const LIVE_HEADER = 'Tue, 14 Apr 2026 03:50:12 GMT';
const LIVE_META = '2026-04-13T22:50:12.101159+00:00';
const LIVE_SENT = new Date('2026-04-13T22:50:12.101Z');

const bodyWithMeta = (timestamp?: unknown) => JSON.stringify({ data: [], meta: { klaviyo_webhook_id: 'wh', ...(timestamp === undefined ? {} : { timestamp }) } });

const build = (overrides: { body?: string; timestamp?: string; secrets?: string[]; headers?: Record<string, string>; now?: Date } = {}) => {
  const body = overrides.body ?? '{"data":[],"meta":{"klaviyo_webhook_id":"wh"}}';
  const timestamp = overrides.timestamp ?? 'Thu, 04 Jan 2024 18:05:25 GMT';
  return {
    rawBody: Buffer.from(body),
    headers: overrides.headers ?? { 'Klaviyo-Signature': signKlaviyoBody(body, timestamp, SECRET), 'Klaviyo-Timestamp': timestamp, 'Klaviyo-Webhook-Id': 'wh' },
    secrets: overrides.secrets ?? [SECRET],
    toleranceS: 300,
    now: overrides.now ?? NOW,
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

const minutes = (n: number) => n * 60_000;

describe('verifyKlaviyoSignature', () => {
  it('when the signature was made by any configured secret, then the verified headers come back (header names in any case)', () => {
    expect(verifyKlaviyoSignature(build({ secrets: ['another-secret-abcdefgh', SECRET] }))).toMatchObject({ webhookId: 'wh', sentAt: NOW });
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

describe('verifyKlaviyoSignature: freshness on the signed meta.timestamp', () => {
  it('when the live test vector arrives (header 5 h ahead, meta.timestamp true) and the clock is at the meta time, then it is accepted and sentAt is meta.timestamp', () => {
    const verified = verifyKlaviyoSignature(build({ body: bodyWithMeta(LIVE_META), timestamp: LIVE_HEADER, now: LIVE_SENT }));
    expect(verified).toMatchObject({ webhookId: 'wh', sentAtSource: 'meta.timestamp' });
    expect(verified.sentAt.toISOString()).toBe('2026-04-13T22:50:12.101Z');
    expect(verified.parsed?.json).toEqual(JSON.parse(bodyWithMeta(LIVE_META)));
  });

  it.each([
    ['6 minutes old', 'meta_timestamp_too_old', minutes(6)],
    ['6 minutes ahead', 'meta_timestamp_too_new', -minutes(6)],
  ])('when meta.timestamp is %s (a replay) and the header is whatever Klaviyo sent, then it is refused with %s', (_label, reason, ageMs) => {
    const now = new Date(LIVE_SENT.getTime() + ageMs);
    expect(reasonOf(() => verifyKlaviyoSignature(build({ body: bodyWithMeta(LIVE_META), timestamp: LIVE_HEADER, now })))).toBe(reason);
  });

  it('when meta.timestamp is refused, then the error says meta.timestamp was judged, with the age and the tolerance', () => {
    const now = new Date(LIVE_SENT.getTime() + minutes(6));
    try {
      verifyKlaviyoSignature(build({ body: bodyWithMeta(LIVE_META), timestamp: LIVE_HEADER, now }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookVerificationError);
      expect((error as WebhookVerificationError).context).toEqual({ judged: 'meta.timestamp', ageS: 360, toleranceS: 300 });
      expect((error as Error).message).toMatch(/meta\.timestamp.*age 360 s, tolerance ±300 s/);
    }
  });

  it('when meta.timestamp is exactly at the tolerance either way, then it is accepted', () => {
    for (const offsetMs of [300_000, -300_000]) {
      const now = new Date(LIVE_SENT.getTime() + offsetMs);
      expect(() => verifyKlaviyoSignature(build({ body: bodyWithMeta(LIVE_META), timestamp: LIVE_HEADER, now }))).not.toThrow();
    }
  });

  it('when the signature is wrong, then that is the refusal even if meta.timestamp is stale (time is judged only after the signature holds)', () => {
    const input = build({ body: bodyWithMeta(LIVE_META), timestamp: LIVE_HEADER, now: new Date(0) });
    expect(reasonOf(() => verifyKlaviyoSignature({ ...input, secrets: ['not-the-secret-0000000'] }))).toBe('signature_mismatch');
  });

  it.each([
    ['absent', undefined],
    ['not a date', 'soon'],
    ['a number', 1_704_391_525],
    ['an impossible date', '2024-02-30T18:05:25+00:00'],
  ])('when meta.timestamp is %s, then the header is judged instead', (_label, metaTimestamp) => {
    const body = bodyWithMeta(metaTimestamp);
    expect(verifyKlaviyoSignature(build({ body }))).toMatchObject({ sentAt: NOW, sentAtSource: 'Klaviyo-Timestamp' });
    expect(reasonOf(() => verifyKlaviyoSignature(build({ body, now: new Date(NOW.getTime() + minutes(6)) })))).toBe('header_timestamp_too_old');
    expect(reasonOf(() => verifyKlaviyoSignature(build({ body, now: new Date(NOW.getTime() - minutes(6)) })))).toBe('header_timestamp_too_new');
  });

  it('when the body is not JSON, then the header is judged and the caller learns the body did not parse', () => {
    expect(verifyKlaviyoSignature(build({ body: 'event=opened' }))).toMatchObject({ sentAtSource: 'Klaviyo-Timestamp', parsed: undefined });
  });

  it('when neither meta.timestamp nor the header is a date, then it is refused as timestamp_unparsable', () => {
    expect(reasonOf(() => verifyKlaviyoSignature(build({ body: bodyWithMeta('soon'), timestamp: 'yesterday-ish' })))).toBe('timestamp_unparsable');
  });
});

describe('parseKlaviyoTimestamp (the header)', () => {
  it.each([
    ['Thu, 04 Jan 2024 18:05:25 GMT', '2024-01-04T18:05:25.000Z'],
    ['Tue, 14 Apr 2026 03:50:12 GMT', '2026-04-14T03:50:12.000Z'],
    ['2024-01-04T18:05:25+00:00', '2024-01-04T18:05:25.000Z'],
    ['1704391525', '2024-01-04T18:05:25.000Z'],
    ['1704391525000', '2024-01-04T18:05:25.000Z'],
  ])('when the header is %s, then it is %s', (header, iso) => {
    expect(parseKlaviyoTimestamp(header)?.toISOString()).toBe(iso);
  });

  it.each(['soon', '1', '42 apples'])('when the header is %j, then it is undefined', (header) => {
    expect(parseKlaviyoTimestamp(header)).toBeUndefined();
  });
});

describe('parseIsoTimestamp (meta.timestamp)', () => {
  it.each([
    ['2026-04-13T22:50:12.101159+00:00', '2026-04-13T22:50:12.101Z'],
    ['2026-04-13T22:50:12.1+00:00', '2026-04-13T22:50:12.100Z'],
    ['2026-04-13T22:50:12Z', '2026-04-13T22:50:12.000Z'],
    ['2026-04-13T22:50:12', '2026-04-13T22:50:12.000Z'],
    ['2026-04-13 22:50:12.101159+00:00', '2026-04-13T22:50:12.101Z'],
    ['2026-04-14T00:50:12.101159+02:00', '2026-04-13T22:50:12.101Z'],
    ['2026-04-13T17:50:12.101159-0500', '2026-04-13T22:50:12.101Z'],
  ])('when meta.timestamp is %s, then it is %s', (value, iso) => {
    expect(parseIsoTimestamp(value)?.toISOString()).toBe(iso);
  });

  it.each(['soon', '1', '', 'Tue, 14 Apr 2026 03:50:12 GMT', '2026-13-01T00:00:00Z', '2026-04-13T25:00:00Z', '2024-02-30T00:00:00Z'])(
    'when meta.timestamp is %j, then it is not a date',
    (value) => {
      expect(parseIsoTimestamp(value)).toBeUndefined();
    },
  );
});
