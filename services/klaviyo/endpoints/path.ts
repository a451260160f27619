/** Fills `{id}` placeholders, escaping ids so a hostile id cannot change the path. */
export function apiPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new RangeError(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

/** Comma-joins list parameters; leaves them out when empty. */
export function csv(values: readonly string[] | undefined): string | undefined {
  return values && values.length > 0 ? values.join(',') : undefined;
}
