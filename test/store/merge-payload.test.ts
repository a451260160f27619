import { describe, expect, it } from 'vitest';
import { mergePayloads } from '../../src/store/merge-payload.js';

describe('mergePayloads', () => {
  it('when two updates of a person merge, then nested objects merge key by key and the newer value wins', () => {
    const merged = mergePayloads(
      { email: 'a@example.com', properties: { plan: 'free', tier: 'gold' }, tags: ['a'] },
      { properties: { plan: 'pro' }, tags: ['b'], first_name: 'Ada' },
    );
    expect(merged).toEqual({ email: 'a@example.com', properties: { plan: 'pro', tier: 'gold' }, tags: ['b'], first_name: 'Ada' });
  });

  it('when a payload carries a "__proto__" key, then it stays a plain field and no prototype changes', () => {
    const newer = JSON.parse('{"properties":{"__proto__":{"polluted":true}}}') as Record<string, unknown>;
    const merged = mergePayloads({ properties: { plan: 'free' } }, newer);
    const properties = merged.properties as Record<string, unknown>;
    expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
    expect((properties as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(properties, '__proto__')?.value).toEqual({ polluted: true });
    expect(JSON.stringify(merged)).toBe('{"properties":{"plan":"free","__proto__":{"polluted":true}}}');
  });
});
