/** One named readiness probe; /readyz reports each and fails when any fails (docs/operations.md). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

export interface ReadinessReport {
  status: 'ok' | 'failing';
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export async function runReadiness(checks: ReadinessCheck[], timeoutMs = 2000): Promise<ReadinessReport> {
  const entries = await Promise.all(
    checks.map(async (c) => {
      try {
        const result = await Promise.race([
          c.check(),
          new Promise<{ ok: boolean; detail: string }>((resolve) =>
            setTimeout(() => resolve({ ok: false, detail: `timed out after ${timeoutMs} ms` }), timeoutMs).unref(),
          ),
        ]);
        return [c.name, result] as const;
      } catch {
        return [c.name, { ok: false, detail: 'check threw' }] as const;
      }
    }),
  );
  const checksByName = Object.fromEntries(entries);
  return { status: entries.every(([, r]) => r.ok) ? 'ok' : 'failing', checks: checksByName };
}
