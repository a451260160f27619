import { describe, expect, it } from 'vitest';

describe('test network', () => {
  it('when a test reaches a host other than loopback, then the request fails before leaving the machine', async () => {
    await expect(fetch('https://a.klaviyo.com/api/profiles')).rejects.toThrow(/Nock|not allowed|Disallowed/i);
  });
});
