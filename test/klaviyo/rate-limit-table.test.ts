import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KLAVIYO_LIMIT_CLASSES, type KlaviyoLimitClass, scaleBudget } from '../../services/klaviyo/rate-limits.js';
import { loadSubset, operations } from './support/openapi-validator.js';

const classes = Object.entries(KLAVIYO_LIMIT_CLASSES) as Array<[string, KlaviyoLimitClass]>;
const baseClasses = classes.filter(([, c]) => c.additionalField === undefined);
const variantClasses = classes.filter(([, c]) => c.additionalField !== undefined);

/** `"75/s"` → 75; the unit must be the one expected. */
function perUnit(value: string | undefined, unit: 's' | 'm' | 'd'): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)\/(\w)$/.exec(value);
  if (!match || match[2] !== unit) throw new Error(`unexpected rate ${value}`);
  return Number(match[1]);
}

describe('the limit-class table against x-klaviyo-ratelimit of the shipped subset', () => {
  const ops = operations(loadSubset());

  it.each(ops.map((o) => [o.operation.operationId as string, o] as const))(
    'when the subset declares %s, then its class has the same method, path and limits',
    (operationId, { method, path, operation }) => {
      const entry = baseClasses.find(([, c]) => c.operationId === operationId)?.[1];
      expect(entry, `no limit class for ${operationId}`).toBeDefined();
      const limit = operation['x-klaviyo-ratelimit'];
      expect({ method: entry?.method, path: entry?.path }).toEqual({ method, path });
      expect({ burst: entry?.burstPerSecond, steady: entry?.steadyPerMinute, daily: entry?.dailyCap }).toEqual({
        burst: perUnit(limit?.burst, 's'),
        steady: perUnit(limit?.steady, 'm'),
        daily: perUnit(limit?.daily, 'd'),
      });
    },
  );

  it('when the table has a base class, then the subset has that operation', () => {
    const inSubset = new Set(ops.map((o) => o.operation.operationId));
    expect(baseClasses.map(([, c]) => c.operationId).filter((id) => !inSubset.has(id))).toEqual([]);
  });

  it('when a class is a base class, then it is named after its operation', () => {
    expect(baseClasses.filter(([name, c]) => name !== c.operationId)).toEqual([]);
  });
});

describe('the additional-fields variants against the full spec descriptions', () => {
  // Only the two descriptions are copied from the 3 MB spec into the repo (test/fixtures).
  const fixture = JSON.parse(
    readFileSync(new URL('../fixtures/klaviyo-additional-fields-descriptions.json', import.meta.url), 'utf8'),
  ) as { operations: Record<string, { method: string; path: string; description: string }> };

  /** Reads "Rate limits when using the `additional-fields[x]=y` parameter …: Burst: `N/s` Steady: `M/m`". */
  function limitsFromProse(description: string, field: string) {
    const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(
      `Rate limits when using the \`additional-fields\\[\\w+\\]=${escaped}\` parameter[^]*?Burst: \`(\\d+)/s\`[^]*?Steady: \`(\\d+)/m\``,
    );
    const match = pattern.exec(description);
    if (!match) throw new Error(`no additional-fields limits for ${field} in the description`);
    return { burst: Number(match[1]), steady: Number(match[2]) };
  }

  it('when the table is read, then it has exactly the two documented variants', () => {
    expect(variantClasses.map(([name]) => name).sort()).toEqual(['get_profiles:predictive_analytics', 'get_segment:profile_count']);
  });

  it.each(variantClasses)('when %s is read from the prose, then the table matches it', (_name, entry) => {
    const documented = fixture.operations[entry.operationId];
    expect(documented).toBeDefined();
    expect({ method: documented?.method, path: documented?.path }).toEqual({ method: entry.method, path: entry.path });
    const limits = limitsFromProse(documented?.description ?? '', entry.additionalField ?? '');
    expect({ burst: entry.burstPerSecond, steady: entry.steadyPerMinute }).toEqual(limits);
  });

  it('when the prose is parsed, then it can tell the variant limit from the base limit', () => {
    // Guards the parser itself: the base limits (75/s, 750/m) come first in the text and must be skipped.
    expect(limitsFromProse(fixture.operations['get_profiles']?.description ?? '', 'predictive_analytics')).toEqual({ burst: 10, steady: 150 });
    expect(() => limitsFromProse('Burst: `75/s` Steady: `750/m`', 'predictive_analytics')).toThrow();
  });
});

describe('scaleBudget', () => {
  it('when a share applies, then every limit is floored but never below 1', () => {
    expect(scaleBudget({ burstPerSecond: 75, steadyPerMinute: 750, dailyCap: 225 }, 0.5)).toEqual({ burstPerSecond: 37, steadyPerMinute: 375, dailyCap: 112 });
    expect(scaleBudget({ burstPerSecond: 1, steadyPerMinute: 2 }, 0.1)).toEqual({ burstPerSecond: 1, steadyPerMinute: 1 });
  });

  it('when a share lands on a whole number, then float error does not cost a request', () => {
    expect(scaleBudget({ burstPerSecond: 100, steadyPerMinute: 100 }, 0.29)).toEqual({ burstPerSecond: 29, steadyPerMinute: 29 });
  });
});
