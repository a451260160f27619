import { readFileSync } from 'node:fs';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { envSchema, loadConfig } from '../../src/config.js';

const example = parse(readFileSync(new URL('../../.env.example', import.meta.url)));

describe('.env.example', () => {
  it('when compared with the config schema, then it documents every variable and nothing else', () => {
    const schemaKeys = Object.keys(envSchema.shape).sort();
    expect(Object.keys(example).sort()).toEqual(schemaKeys);
  });

  it('when loaded as is, then it is a valid configuration', () => {
    expect(() => loadConfig(example)).not.toThrow();
  });
});
