/** What the fake saw: every request (bounded), plus the counters of the report. */
import type { BulkJobReport, ReceivedRequest } from './types.js';

const MAX_RECEIVED = 100_000;

export class RequestRecorder {
  private requests: ReceivedRequest[] = [];
  private total = 0;
  private byStatus = new Map<string, number>();
  private byClass = new Map<string, number>();
  revisionsSeen = new Map<string, number>();
  validationErrors = 0;
  bulkJobs: BulkJobReport[] = [];

  record(request: ReceivedRequest): void {
    this.total++;
    this.requests.push(request);
    if (this.requests.length > MAX_RECEIVED) this.requests.splice(0, this.requests.length - MAX_RECEIVED);
    increment(this.byStatus, String(request.status));
    if (request.limitClass) increment(this.byClass, request.limitClass);
  }

  noteRevision(revision: string): void {
    increment(this.revisionsSeen, revision);
  }

  received(): ReceivedRequest[] {
    return this.requests.map((request) => ({ ...request }));
  }

  summary() {
    return { total: this.total, byStatus: Object.fromEntries(this.byStatus), byClass: Object.fromEntries(this.byClass) };
  }

  reset(): void {
    this.requests = [];
    this.total = 0;
    this.byStatus = new Map();
    this.byClass = new Map();
    this.revisionsSeen = new Map();
    this.validationErrors = 0;
  }
}

export function increment(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
