/**
 * Klaviyo filter expressions (`equals(email,"a@b.com")`, `and(...)`). Strings are double-quoted;
 * datetimes are NOT quoted (quoting one makes Klaviyo answer "invalid filter").
 */
export type FilterValue = string | number | boolean | Date;

function literal(value: FilterValue): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

export const klaviyoFilter = {
  equals: (field: string, value: FilterValue) => `equals(${field},${literal(value)})`,
  any: (field: string, values: readonly FilterValue[]) => `any(${field},[${values.map(literal).join(',')}])`,
  containsAny: (field: string, values: readonly FilterValue[]) => `contains-any(${field},[${values.map(literal).join(',')}])`,
  greaterOrEqual: (field: string, value: FilterValue) => `greater-or-equal(${field},${literal(value)})`,
  greaterThan: (field: string, value: FilterValue) => `greater-than(${field},${literal(value)})`,
  lessThan: (field: string, value: FilterValue) => `less-than(${field},${literal(value)})`,
  and: (...clauses: Array<string | undefined>) => {
    const present = clauses.filter((c): c is string => c !== undefined && c !== '');
    return present.length === 1 ? (present[0] as string) : `and(${present.join(',')})`;
  },
};
