import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretsBox, decodeSecretsKey, SecretsKeyMismatchError } from '../../src/lib/secrets-box.js';

const key = randomBytes(32);
const box = createSecretsBox(key);
const secret = JSON.stringify({ access_token: 'at-secret-123', refresh_token: 'rt-secret-456' });

describe('the secrets box (AES-256-GCM under SECRETS_KEY)', () => {
  it('when a value is sealed, then it opens with the same key and context, and the sealed text shows nothing of it', () => {
    const sealed = box.seal(secret, 'klaviyo-oauth');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('at-secret');
    expect(box.open(sealed, 'klaviyo-oauth')).toBe(secret);
    expect(box.seal(secret, 'klaviyo-oauth')).not.toBe(sealed);
  });

  it('when another key, another context or a changed byte is used, then opening fails with SecretsKeyMismatchError', () => {
    const sealed = box.seal(secret, 'klaviyo-oauth');
    expect(() => createSecretsBox(randomBytes(32)).open(sealed, 'klaviyo-oauth')).toThrow(SecretsKeyMismatchError);
    expect(() => box.open(sealed, 'another-purpose')).toThrow(SecretsKeyMismatchError);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[2] as string, 'base64url');
    body[0] = (body[0] as number) ^ 1;
    expect(() => box.open([parts[0], parts[1], body.toString('base64url'), parts[3]].join('.'), 'klaviyo-oauth')).toThrow(SecretsKeyMismatchError);
    expect(() => box.open('not sealed', 'klaviyo-oauth')).toThrow(SecretsKeyMismatchError);
  });

  it('when SECRETS_KEY is decoded, then only 32 bytes of base64 or base64url count', () => {
    expect(decodeSecretsKey(key.toString('base64'))?.equals(key)).toBe(true);
    expect(decodeSecretsKey(key.toString('base64url'))?.equals(key)).toBe(true);
    expect(decodeSecretsKey(randomBytes(16).toString('base64'))).toBeUndefined();
    expect(decodeSecretsKey('not base64 !')).toBeUndefined();
  });
});
