/**
 * Data-privacy deletion jobs (`POST /api/data-privacy-deletion-jobs`). Live, the deletion is
 * asynchronous and leaves nothing to poll; here a job is due `live.privacyDeletionMs / speedUp`
 * after its request and runs at the first of: a real timer firing then, or an API request whose
 * `now()` has reached it (so a test on a manual clock moves the clock and makes any request). With
 * the default delay of 0 the timer fires right after the 202 has been written. `settled()` lets a
 * test wait for pending deletions without sleeping.
 */
import type { PrivacyDeletionIdentifier, PrivacyDeletionJobReport, PrivacyDeletionsReport } from '../types.js';

export interface ProfileDeletionOutcome {
  profilesDeleted: number;
  eventsDeleted: number;
  listMembershipsRemoved: number;
}

interface PrivacyDeletionJob extends PrivacyDeletionJobReport {
  /** The profile to delete, or null (an unknown person accepted with `privacyDeletionUnknownProfile: 'accepted'`). */
  profileIndex: number | null;
  /** Sandbox clock (`now()`) time at which the job is due. */
  dueAtMs: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export class PrivacyDeletions {
  private readonly jobs: PrivacyDeletionJob[] = [];
  private readonly waiters: Array<() => void> = [];
  private pendingCount = 0;
  private stopped = false;
  /** Requests answered 404: no profile had the identifier. */
  notFound = 0;

  constructor(private readonly deleteProfile: (index: number) => ProfileDeletionOutcome) {}

  /** Accepts a job (the request answered 202): due `delayRealMs` after `nowMs`. */
  request(identifier: PrivacyDeletionIdentifier, profileIndex: number | null, nowMs: number, delayRealMs: number): void {
    const job: PrivacyDeletionJob = {
      identifier,
      status: 'pending',
      profilesDeleted: 0,
      eventsDeleted: 0,
      listMembershipsRemoved: 0,
      profileIndex,
      dueAtMs: nowMs + delayRealMs,
      timer: null,
    };
    this.jobs.push(job);
    this.pendingCount++;
    if (this.stopped) return;
    // A macrotask: even at 0 ms it runs after the pipeline has written the 202.
    job.timer = setTimeout(() => this.run(job), Math.max(0, delayRealMs));
    job.timer.unref?.();
  }

  /** Runs every pending job due at `nowMs` (called by the pipeline before serving a request). */
  applyDue(nowMs: number): void {
    if (this.pendingCount === 0) return;
    for (const job of this.jobs) if (job.status === 'pending' && job.dueAtMs <= nowMs) this.run(job);
  }

  /** Resolves once no deletion is pending (at once if none is), or when the sandbox closes. */
  settled(): Promise<void> {
    if (this.pendingCount === 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Jobs not yet run. */
  get pending(): number {
    return this.pendingCount;
  }

  /** The sandbox closed: pending jobs never run, and `settled()` stops waiting. */
  stop(): void {
    this.stopped = true;
    for (const job of this.jobs) {
      if (job.timer) clearTimeout(job.timer);
      job.timer = null;
    }
    this.release();
  }

  report(): PrivacyDeletionsReport {
    const byIdentifier: Record<PrivacyDeletionIdentifier, number> = { email: 0, phone_number: 0, id: 0 };
    let profilesDeleted = 0;
    let eventsDeleted = 0;
    for (const job of this.jobs) {
      byIdentifier[job.identifier]++;
      profilesDeleted += job.profilesDeleted;
      eventsDeleted += job.eventsDeleted;
    }
    return {
      requested: this.jobs.length,
      completed: this.jobs.length - this.pendingCount,
      pending: this.pendingCount,
      notFound: this.notFound,
      byIdentifier,
      profilesDeleted,
      eventsDeleted,
      jobs: this.jobs.map(({ identifier, status, profilesDeleted: deleted, eventsDeleted: events, listMembershipsRemoved }) => ({
        identifier,
        status,
        profilesDeleted: deleted,
        eventsDeleted: events,
        listMembershipsRemoved,
      })),
    };
  }

  private run(job: PrivacyDeletionJob): void {
    if (job.status !== 'pending' || this.stopped) return;
    if (job.timer) clearTimeout(job.timer);
    job.timer = null;
    // A second job for a profile an earlier one already deleted finds nothing: live, Klaviyo deletes once.
    const outcome = job.profileIndex === null ? null : this.deleteProfile(job.profileIndex);
    if (outcome) Object.assign(job, outcome);
    job.status = 'complete';
    this.pendingCount--;
    if (this.pendingCount === 0) this.release();
  }

  private release(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
