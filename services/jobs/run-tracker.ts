import type { JobRunProgress, JobRunStore, JobRunUsage } from '../../src/store/job-runs.js';

/**
 * A run's live progress and usage, persisted at most once per `intervalMs` (and on every phase
 * change), so a job may report progress per page without a store write per page.
 */
export function createRunTracker(store: JobRunStore, runId: string, intervalMs: number) {
  const progress: JobRunProgress = { phase: 'starting', done: 0, total: null };
  const usage: JobRunUsage = { klaviyo_requests: 0, mavera_credits: 0 };
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = () => {
    timer = undefined;
    const snapshot = { progress: { ...progress }, usage: { ...usage } };
    writing = writing.then(() => store.updateProgress(runId, snapshot.progress, snapshot.usage)).catch(() => undefined);
  };
  const schedule = () => {
    timer ??= setTimeout(flush, intervalMs);
    timer.unref?.();
  };

  return {
    progress,
    usage,
    setProgress(phase: string, done: number, total: number | null) {
      const phaseChanged = phase !== progress.phase;
      Object.assign(progress, { phase, done, total });
      if (phaseChanged) {
        if (timer) clearTimeout(timer);
        flush();
      } else schedule();
    },
    countKlaviyoRequest() {
      usage.klaviyo_requests += 1;
      schedule();
    },
    addCredits(credits: number) {
      usage.mavera_credits += credits;
      schedule();
    },
    /** Stops pending writes; the final state goes out with the run's finish. */
    async close(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await writing;
    },
  };
}
