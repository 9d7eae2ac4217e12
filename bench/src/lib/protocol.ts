/** Messages between the orchestrator (main.ts) and its worker processes (worker.ts). */

/** One worker's part of a contended run. */
export interface ContendedJob {
  adapter: string;
  redisUrl: string;
  /** The lock every worker of the run contends for. */
  key: string;
  /** The 'inside' counter of the mutual-exclusion check (INCRBY on entry must return 1). */
  checkKey: string;
  ttl: number;
  holdMs: number;
  index: number;
  /** K: how many workers run this job. */
  workers: number;
  /**
   * Scenario (e): one lock connection per URL (independent Redis masters) and `adapter` is a quorum
   * adapter's id. The check counter stays on `redisUrl`.
   */
  quorumUrls?: string[];
}

/** One candidate of a failover run. */
export interface ElectJob {
  redisUrl: string;
  name: string;
  index: number;
  /** elect() timings; absent means the library's defaults. */
  timings?: { leaseTtl: number; renewDeadline: number; retryPeriod: number };
}

export type ToWorker =
  | { type: 'setup'; job: ContendedJob }
  | { type: 'go'; startUs: number; endUs: number }
  /** A run overran its deadline: report what you have, and what you are stuck in. */
  | { type: 'dump' }
  | { type: 'elect'; job: ElectJob }
  /** Failover: resign cleanly (election.stop(), client.close()). */
  | { type: 'stop' }
  /** The floor probe: subscribe to `channel` and stamp each message's arrival. */
  | { type: 'listen'; redisUrl: string; channel: string }
  | { type: 'unlisten' }
  | { type: 'exit' };

/** Critical sections of one worker; times in µs of CLOCK_MONOTONIC, comparable across processes. */
export interface WorkerResult {
  index: number;
  /** When acquire() was called, when it resolved, when release() was called: one entry per CS. */
  waitStart: Float64Array;
  acquired: Float64Array;
  released: Float64Array;
  /** acquire() rejected (the library gave up or timed out). */
  giveUps: number;
  /** For each give-up: when acquire() was called, when it rejected (flat pairs). */
  gaveUp: Float64Array;
  /** INCRBY of the shared 'inside' counter returned more than 1: someone else was inside. */
  violations: number;
  /** release() said the lock was no longer ours. */
  lostReleases: number;
  /** Commands this worker's lock connections sent while the run lasted (each one a round trip). */
  roundTrips: number;
  errors: string[];
  /** Set on a 'dump': how long the pending acquire() had been waiting, µs. */
  stuckInAcquireUs?: number;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; result: WorkerResult }
  | { type: 'elected'; at: number; id: string }
  | { type: 'revoked'; at: number; id: string }
  | { type: 'stopping'; at: number; id: string }
  | { type: 'stopped'; id: string }
  /** Flat pairs (the stamp the publisher put in the message, the arrival here), µs. */
  | { type: 'heard'; samples: Float64Array }
  | { type: 'failed'; message: string };
