import { describe, expect, it, vi } from 'vitest';
import { apiKeyCredentials, type KlaviyoCredentials } from '../../services/klaviyo/credentials.js';
import { KlaviyoAuthError } from '../../services/klaviyo/errors.js';
import { createFakeKlaviyoClient } from './support/fake-client.js';
import type { ScriptedAnswer } from './support/fake-fetch.js';
import { settle } from './support/settle.js';

/** An OAuth-like provider: a token per generation; a refresh moves to the next one (when allowed). */
function rotatingTokens(options: { refreshes?: boolean } = {}) {
  let generation = 1;
  const refreshes: string[] = [];
  const credentials: KlaviyoCredentials = {
    authorization: async () => `Bearer access-${generation}`,
    refreshAfterUnauthorized: async (rejected) => {
      refreshes.push(rejected);
      if (options.refreshes === false) return false;
      generation += 1;
      return true;
    },
  };
  return { credentials, refreshes };
}

function setup(script: ScriptedAnswer[], credentials: KlaviyoCredentials) {
  const onAuthStatus = vi.fn();
  const { time, sent, client } = createFakeKlaviyoClient(script, { client: { credentials, retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 8_000 }, onAuthStatus } });
  const call = () => settle(client.request({ limitClass: 'get_flows', method: 'GET', path: '/api/flows', idempotent: true }), time);
  return { sent, call, onAuthStatus };
}

describe('Klaviyo credentials: one provider for a private key or an OAuth connection', () => {
  it('when a private key is the credential, then every request carries Klaviyo-API-Key', async () => {
    expect(await apiKeyCredentials('pk_abc_0123456789').authorization()).toBe('Klaviyo-API-Key pk_abc_0123456789');
    const { sent, call } = setup([{ status: 200, body: { data: [] } }], apiKeyCredentials('pk_abc_0123456789'));
    await call();
    expect(sent[0]?.headers.authorization).toBe('Klaviyo-API-Key pk_abc_0123456789');
  });

  it('when an OAuth token is answered 401, then it is refreshed once and the request goes again with the new token', async () => {
    const tokens = rotatingTokens();
    const { sent, call, onAuthStatus } = setup([{ status: 401 }, { status: 200, body: { data: [] } }], tokens.credentials);
    expect(await call()).toMatchObject({ status: 200 });
    expect(sent.map((r) => r.headers.authorization)).toEqual(['Bearer access-1', 'Bearer access-2']);
    expect(tokens.refreshes).toEqual(['Bearer access-1']);
    expect(onAuthStatus).not.toHaveBeenCalledWith(false, expect.anything());
  });

  it('when the refreshed token is refused too, or no refresh is possible, then the call fails as an auth error after at most one refresh', async () => {
    const twice = rotatingTokens();
    const refused = setup([{ status: 401 }, { status: 401 }], twice.credentials);
    await expect(refused.call()).rejects.toBeInstanceOf(KlaviyoAuthError);
    expect(refused.sent).toHaveLength(2);
    expect(twice.refreshes).toHaveLength(1);
    expect(refused.onAuthStatus).toHaveBeenCalledWith(false, expect.any(KlaviyoAuthError));

    const revoked = rotatingTokens({ refreshes: false });
    const once = setup([{ status: 401 }], revoked.credentials);
    await expect(once.call()).rejects.toBeInstanceOf(KlaviyoAuthError);
    expect(once.sent).toHaveLength(1);
  });
});
