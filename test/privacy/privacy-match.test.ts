import { describe, expect, it } from 'vitest';
import { cacheKeysToDrop, identifierHash, jsonNames, normalizePrivacyIdentifier, prefilterNeedle } from '../../src/store/privacy-match.js';

/** The matching rule of the purge (docs/privacy.md#matching), one for both backends. */
describe('which stored JSON names a person', () => {
  const email = normalizePrivacyIdentifier('email', 'Kate@Example.COM');
  const phone = normalizePrivacyIdentifier('phone_number', '+15005550006');
  const id = normalizePrivacyIdentifier('distinct_id', 'crm "7"');

  it('when an email is matched, then any string value equal to it once trimmed and lower-cased names the person, and nothing else does', () => {
    expect(email).toEqual({ kind: 'email', value: 'kate@example.com' });
    expect(jsonNames('{"profile":{"email":"KATE@example.com"}}', email)).toBe(true);
    expect(jsonNames('{"data":[{"attributes":{"x":[" kate@example.com "]}}]}', email)).toBe(true);
    expect(jsonNames('{"note":"write to kate@example.com"}', email)).toBe(false);
    expect(jsonNames('{"kate@example.com":1}', email)).toBe(false);
    expect(jsonNames('{"email":"kate@example.co"}', email)).toBe(false);
    expect(jsonNames('not json kate@example.com', email)).toBe(false);
  });

  it('when a phone number is matched, then only the exact E.164 value names the person', () => {
    expect(jsonNames('{"profile":{"phone_number":"+15005550006"}}', phone)).toBe(true);
    expect(jsonNames('{"phone_number":"+150055500061"}', phone)).toBe(false);
  });

  it('when a distinct_id is matched, then only an external_id or distinct_id member equal to it names the person', () => {
    expect(jsonNames(JSON.stringify({ profile: { external_id: 'crm "7"' } }), id)).toBe(true);
    expect(jsonNames(JSON.stringify({ distinct_id: ['crm "7"'] }), id)).toBe(true);
    expect(jsonNames(JSON.stringify({ properties: { OrderId: 'crm "7"' } }), id)).toBe(false);
  });

  it('when the SQL prefilter is built, then it is the text every matching JSON contains, as JSON.stringify escapes it', () => {
    expect(prefilterNeedle(email)).toEqual({ text: 'kate@example.com', lowerCase: true });
    expect(prefilterNeedle(id)).toEqual({ text: 'crm \\"7\\"', lowerCase: false });
    expect(JSON.stringify({ external_id: 'crm "7"' })).toContain(prefilterNeedle(id).text);
  });

  it('when the audit hash is made, then it depends on the salt and the kind', () => {
    expect(identifierHash('salt-a', email)).not.toBe(identifierHash('salt-b', email));
    expect(identifierHash('salt-a', email)).not.toBe(identifierHash('salt-a', { kind: 'distinct_id', value: email.value }));
  });

  it('when a page of a cached paged read names the person, then its manifest goes too', () => {
    expect(cacheKeysToDrop(['reads:x:page:3', 'reads:y']).sort()).toEqual(['reads:x:manifest', 'reads:x:page:3', 'reads:y']);
  });
});
