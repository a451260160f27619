/**
 * Which replica runs what calls Klaviyo and Mavera (docs/replicas.md). Every replica serves every
 * route; exactly one at a time, the leader, runs the drainer, the webhook workers and the job
 * runner. On SQLite the one process is always the leader (the store's lock file keeps it alone);
 * on PostgreSQL the replicas elect one (postgres/leadership.ts).
 */
export type ReplicaRole = 'leader' | 'follower';

export interface LeaderInfo {
  id: string;
  epoch: number;
  /** When this leader's term began (ISO 8601). */
  since: string;
}

/** The fields /readyz and GET /v1/sync carry. */
export interface LeadershipStatus {
  replica: { id: string; role: ReplicaRole };
  /** null while no replica leads. */
  leader: LeaderInfo | null;
  /** What the leader last published of itself (its worker state), when it is another replica. */
  leaderReport?: LeaderReport;
}

/** What a leader publishes with each heartbeat, for followers and for its successor. */
export interface LeaderReport {
  /** The sync worker's state (GET /v1/sync `worker`). */
  worker?: unknown;
  /** Recent Klaviyo limiter usage per limit class (request times, epoch ms), for a successor's first minute. */
  limiterUsage?: Record<string, number[]>;
}

/** One leader term: its epoch, a signal aborted when the term ends, and what the predecessor left. */
export interface LeaderTerm {
  epoch: number;
  signal: AbortSignal;
  /** The predecessor's last published report (its limiter usage), if it left one. */
  predecessor?: LeaderReport;
}

export interface LeadershipHandlers {
  /** The term began (after the grace that lets a deposed predecessor notice): start leader work. */
  elected(term: LeaderTerm): Promise<void>;
  /** The term ended (lock lost, not confirmed in time, fenced out, or stop): stop leader work. */
  deposed(term: LeaderTerm, reason: string): Promise<void>;
  /** Published with every heartbeat (cheap, synchronous). */
  report(): LeaderReport;
}

export interface Leadership {
  readonly replicaId: string;
  /** Campaigns until stop(): `elected` and `deposed` alternate, never overlapping. */
  start(handlers: LeadershipHandlers): Promise<void>;
  /** As last seen (a follower re-reads the leader row at every campaign round, about once a second). */
  status(): LeadershipStatus;
  /** While leading: whether this replica may call Klaviyo right now (false once the term is in doubt). */
  mayLead(): boolean;
  /** A leader write found its epoch superseded: end the term now. */
  fencedOut(epoch: number): void;
  /** Ends a term at once (handing over), then stops campaigning. Idempotent. */
  stop(): Promise<void>;
}

/** Thrown by a leader-only action on a replica that is not (or no longer) the leader. */
export class NotLeaderError extends Error {
  constructor(message = 'this replica is not the leader') {
    super(message);
    this.name = 'NotLeaderError';
  }
}

/** Thrown by a leader write whose epoch a newer leader has superseded: it changed nothing. */
export class FencedOutError extends NotLeaderError {
  constructor(readonly epoch: number) {
    super(`leader epoch ${epoch} has been superseded: the write was refused`);
    this.name = 'FencedOutError';
  }
}

/**
 * The single process of an embedded store: leader from start to stop, no grace (nobody else could
 * have been sending). A start after a stop begins a new term (tests restart the workers so).
 */
export function soleLeadership(replicaId: string, clock: () => Date = () => new Date()): Leadership {
  let handlers: LeadershipHandlers | undefined;
  let term: (LeaderTerm & { controller: AbortController; since: Date }) | undefined;
  let epoch = 0;
  const leading = () => term !== undefined && !term.signal.aborted;
  return {
    replicaId,
    async start(given) {
      if (leading()) return;
      handlers = given;
      const controller = new AbortController();
      epoch += 1;
      term = { epoch, signal: controller.signal, controller, since: clock() };
      await given.elected(term);
    },
    status() {
      return {
        replica: { id: replicaId, role: leading() ? 'leader' : 'follower' },
        leader: term && leading() ? { id: replicaId, epoch: term.epoch, since: term.since.toISOString() } : null,
      };
    },
    mayLead: leading,
    fencedOut: () => undefined,
    async stop() {
      if (!term || !leading() || !handlers) return;
      term.controller.abort();
      await handlers.deposed(term, 'stopping');
    },
  };
}
