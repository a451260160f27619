interface Frame {
  value: unknown;
  /** The top-level value is depth 1. */
  depth: number;
  key: string | undefined;
  parent: Frame | undefined;
}

/**
 * The JSON pointer of the first container (object or array) nested deeper than `maxDepth`, or
 * undefined when none is. Iterative on purpose: a body nested 10,000 deep parses fine, but any
 * recursive walk over it (JSON.stringify when it is stored or forwarded) overflows the stack, so
 * the check itself must not recurse.
 */
export function pointerDeeperThan(root: unknown, maxDepth: number): string | undefined {
  if (typeof root !== 'object' || root === null) return undefined;
  const pending: Frame[] = [{ value: root, depth: 1, key: undefined, parent: undefined }];
  for (let frame = pending.pop(); frame !== undefined; frame = pending.pop()) {
    if (frame.depth > maxDepth) return pointerOf(frame);
    const value = frame.value as object;
    const entries = Array.isArray(value) ? value.map((item: unknown, i) => [String(i), item] as const) : Object.entries(value);
    for (const [key, child] of entries) {
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: frame.depth + 1, key, parent: frame });
    }
  }
  return undefined;
}

function pointerOf(frame: Frame): string {
  const keys: string[] = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) keys.push(f.key.replace(/~/g, '~0').replace(/\//g, '~1'));
  return `/${keys.reverse().join('/')}`;
}
