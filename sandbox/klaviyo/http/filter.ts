/**
 * Klaviyo's `filter` syntax: `equals(field,"v")`, `any(field,["a","b"])`, `greater-or-equal(datetime,
 * 2024-01-01T00:00:00Z)` (datetimes unquoted), `and(...)` or comma-separated conditions. Parsed into
 * a flat list of AND-ed conditions, checked against the operation's `x-klaviyo-filters`.
 */
import { invalidParameter } from '../klaviyo-errors.js';

export type FilterScalar = string | number | boolean | null | Date;

export interface FilterCondition {
  operator: string;
  field: string;
  value: FilterScalar | FilterScalar[] | undefined;
}

/** `x-klaviyo-filters` of one operation: field → operators by arity. */
export type AllowedFilters = Record<string, { operators: { single?: string[]; list?: string[]; none?: string[] } }>;

const DATETIME = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

class FilterParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly parameter: string,
  ) {}

  private fail(reason: string): never {
    throw invalidParameter(this.parameter, `Invalid filter: ${reason} at position ${this.position}.`);
  }

  private skipSpaces(): void {
    while (this.text[this.position] === ' ') this.position++;
  }

  private peek(): string | undefined {
    this.skipSpaces();
    return this.text[this.position];
  }

  private expect(char: string): void {
    if (this.peek() !== char) this.fail(`expected '${char}'`);
    this.position++;
  }

  parseAll(): FilterCondition[] {
    const conditions = this.parseExpression();
    while (this.peek() === ',') {
      this.position++;
      conditions.push(...this.parseExpression());
    }
    if (this.peek() !== undefined) this.fail('unexpected text');
    return conditions;
  }

  private bareWord(): string {
    this.skipSpaces();
    const match = /^[^,()[\]"' ]+/.exec(this.text.slice(this.position));
    if (!match) this.fail('expected a name or value');
    this.position += match[0].length;
    return match[0];
  }

  private parseExpression(): FilterCondition[] {
    const operator = this.bareWord();
    this.expect('(');
    if (operator === 'and') {
      const conditions = this.parseExpression();
      while (this.peek() === ',') {
        this.position++;
        conditions.push(...this.parseExpression());
      }
      this.expect(')');
      return conditions;
    }
    if (operator === 'or' || operator === 'not') this.fail(`'${operator}' is not supported`);
    const field = this.bareWord();
    let value: FilterCondition['value'];
    if (this.peek() === ',') {
      this.position++;
      value = this.peek() === '[' ? this.parseList() : this.parseScalar();
    }
    this.expect(')');
    return [{ operator, field, value }];
  }

  private parseList(): FilterScalar[] {
    this.expect('[');
    const values: FilterScalar[] = [];
    if (this.peek() === ']') this.fail('empty list');
    values.push(this.parseScalar());
    while (this.peek() === ',') {
      this.position++;
      values.push(this.parseScalar());
    }
    this.expect(']');
    return values;
  }

  private parseScalar(): FilterScalar {
    const quote = this.peek();
    if (quote === '"' || quote === "'") {
      const end = this.text.indexOf(quote, this.position + 1);
      if (end < 0) this.fail('unterminated string');
      const value = this.text.slice(this.position + 1, end);
      this.position = end + 1;
      return value;
    }
    const word = this.bareWord();
    if (word === 'true' || word === 'false') return word === 'true';
    if (word === 'null') return null;
    if (DATETIME.test(word)) {
      const time = Date.parse(/T/.test(word) && !/(Z|[+-]\d{2}:?\d{2})$/.test(word) ? `${word}Z` : word);
      if (Number.isNaN(time)) this.fail(`invalid datetime '${word}'`);
      return new Date(time);
    }
    if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
    this.fail(`unquoted value '${word}' (strings must be quoted)`);
  }
}

export function parseFilter(text: string, parameter = 'filter'): FilterCondition[] {
  return new FilterParser(text, parameter).parseAll();
}

/** Rejects fields and operators the operation does not allow, as Klaviyo does. */
export function checkAllowed(conditions: FilterCondition[], allowed: AllowedFilters, parameter = 'filter'): void {
  for (const condition of conditions) {
    const spec = allowed[condition.field];
    if (!spec) throw invalidParameter(parameter, `'${condition.field}' is not a valid field for this filter.`);
    const arity = condition.value === undefined ? 'none' : Array.isArray(condition.value) ? 'list' : 'single';
    if (!(spec.operators[arity] ?? []).includes(condition.operator)) {
      throw invalidParameter(parameter, `'${condition.operator}' is not a valid operator for '${condition.field}'.`);
    }
  }
}

function comparable(value: unknown): number | string | null {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const time = DATETIME.test(value) ? Date.parse(value) : Number.NaN;
    return Number.isNaN(time) ? value : time;
  }
  return null;
}

function same(a: unknown, b: FilterScalar): boolean {
  if (b instanceof Date) return comparable(a) === b.getTime();
  return a === b;
}

/** Whether a record passes every condition; `read(field)` gives the record's value of a field. */
export function matchesAll(conditions: readonly FilterCondition[], read: (field: string) => unknown): boolean {
  return conditions.every((condition) => {
    const actual = read(condition.field);
    const expected = condition.value;
    const list = Array.isArray(expected) ? expected : [expected as FilterScalar];
    switch (condition.operator) {
      case 'equals':
      case 'any':
      case 'contains-any':
        if (Array.isArray(actual)) return actual.some((item) => list.some((value) => same(item, value)));
        return list.some((value) => same(actual, value));
      case 'contains':
        return typeof actual === 'string' ? actual.includes(String(expected)) : Array.isArray(actual) && actual.includes(expected);
      case 'starts-with':
        return typeof actual === 'string' && actual.startsWith(String(expected));
      case 'ends-with':
        return typeof actual === 'string' && actual.endsWith(String(expected));
      case 'has':
        return actual !== null && actual !== undefined;
      case 'greater-than':
      case 'greater-or-equal':
      case 'less-than':
      case 'less-or-equal': {
        const left = comparable(actual);
        const right = comparable(expected);
        if (left === null || right === null) return false;
        if (condition.operator === 'greater-than') return left > right;
        if (condition.operator === 'greater-or-equal') return left >= right;
        if (condition.operator === 'less-than') return left < right;
        return left <= right;
      }
      default:
        return false;
    }
  });
}

/** Parses and checks the `filter` query parameter of an operation (empty list without one). */
export function queryFilter(query: URLSearchParams, allowed: AllowedFilters | undefined): FilterCondition[] {
  const text = query.get('filter');
  if (text === null || text === '') return [];
  const conditions = parseFilter(text);
  if (allowed) checkAllowed(conditions, allowed);
  return conditions;
}
