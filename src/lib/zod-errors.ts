import type { z } from 'zod';
import { ValidationError, type FieldError } from './errors.js';

/** Turns every zod issue into a `{path, message}` with a JSON-pointer path (`/events/0/email`). */
export function fieldErrorsFromZod(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => ({
    path: `${prefix}/${issue.path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`,
    message: issue.message,
  }));
}

/**
 * Parses `input` with `schema` or throws a ValidationError listing every bad path.
 * The parsed value is what callers use, so defaults and transforms survive.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const errors = fieldErrorsFromZod(result.error, prefix);
    throw new ValidationError(`${what} is invalid: ${errors.length} problem(s)`, errors);
  }
  return result.data;
}
