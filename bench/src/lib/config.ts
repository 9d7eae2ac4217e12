/** How long and how wide each scenario runs: the full benchmark, or the seconds-long smoke (`--quick`). */
export interface Params {
  mode: 'full' | 'quick';
  /** Only the adapters whose id contains one of these; undefined: all. */
  libs?: string[] | undefined;
  /** Lease time every library is asked for, ms: far above any critical section here. */
  ttl: number;
  uncontended: { rounds: number; sliceMs: number };
  contended: {
    workers: number[];
    holdsMs: number[];
    durationMs: number;
    /** How long a worker may overrun the run's end before it counts as hung, ms. */
    graceMs: number;
    /** A discarded run per library before the first cell, ms (0: none). */
    warmupMs: number;
    /** Idle PINGs and publishes of the handoff-floor probe. */
    floorIterations: number;
  };
  manyKeys: { rounds: number; sliceMs: number; tasks: number; keys: number };
  /** (e) Redlock quorum over `nodes` redis-servers the scenario starts; --workers/--holds/--duration apply too. */
  quorum: {
    nodes: number;
    uncontended: { rounds: number; sliceMs: number };
    workers: number[];
    holdsMs: number[];
    durationMs: number;
    warmupMs: number;
  };
  failover: {
    variants: Array<{
      variant: 'default' | 'tuned';
      timings?: { leaseTtl: number; renewDeadline: number; retryPeriod: number };
    }>;
  };
}

const TUNED_ELECTION = { leaseTtl: 3_000, renewDeadline: 2_000, retryPeriod: 500 };

export const FULL: Params = {
  mode: 'full',
  ttl: 10_000,
  // Short slices, many rounds: a library and the floor are timed close together, so drift cancels.
  uncontended: { rounds: 40, sliceMs: 100 },
  contended: {
    workers: [2, 8, 32],
    holdsMs: [0, 1],
    durationMs: 5_000,
    graceMs: 25_000,
    warmupMs: 500,
    floorIterations: 800,
  },
  manyKeys: { rounds: 3, sliceMs: 1_000, tasks: 100, keys: 1_000 },
  quorum: {
    nodes: 3,
    uncontended: { rounds: 4, sliceMs: 500 },
    workers: [8],
    holdsMs: [1],
    durationMs: 5_000,
    warmupMs: 500,
  },
  failover: { variants: [{ variant: 'default' }, { variant: 'tuned', timings: TUNED_ELECTION }] },
};

export const QUICK: Params = {
  mode: 'quick',
  ttl: 10_000,
  uncontended: { rounds: 1, sliceMs: 100 },
  contended: {
    workers: [4],
    holdsMs: [1],
    durationMs: 400,
    graceMs: 12_000,
    warmupMs: 0,
    floorIterations: 100,
  },
  manyKeys: { rounds: 1, sliceMs: 150, tasks: 100, keys: 1_000 },
  quorum: {
    nodes: 3,
    uncontended: { rounds: 1, sliceMs: 100 },
    workers: [8],
    holdsMs: [1],
    durationMs: 400,
    warmupMs: 0,
  },
  failover: {
    variants: [{ variant: 'tuned', timings: { leaseTtl: 1_000, renewDeadline: 600, retryPeriod: 150 } }],
  },
};
