import type { Redis } from 'ioredis';

export type LibName = 'lock-core' | 'redlock' | 'sesame-redlock' | 'redis-semaphore' | 'raw' | 'fair-ring';
export type Variant = 'default' | 'tuned';

/** A held lock. `release` resolves false when the library says the lock was no longer ours. */
export interface Held {
  release(): Promise<boolean>;
}

/** The one face every library gets in every scenario. */
export interface LockAdapter {
  /** Waits for `key` as the library does by default (or as tuned), holding it for at most `ttl` ms. */
  acquire(key: string, ttl: number): Promise<Held>;
  /** Background errors the library reported (not lock-busy noise). */
  readonly errors: string[];
  /** Stops the library's timers; the connection is the caller's and stays open. */
  close(): Promise<void>;
  /** Resolves once the adapter can take part (the fair ring's subscription); the run starts after it. */
  readonly ready?: Promise<void>;
}

/** A worker's place in a contended run: which of how many, on which key. */
export interface Seat {
  index: number;
  workers: number;
  key: string;
}

export interface AdapterSpec {
  /** `<lib>/<variant>`: how workers are told which one to build. */
  readonly id: string;
  readonly lib: LibName;
  readonly variant: Variant;
  /** The settings this variant passes, for the report. */
  readonly settings: string;
  /** `seat` is given in the contended scenarios (worker processes), not in the one-process ones. */
  create(redis: Redis, seat?: Seat): LockAdapter;
}

/** A library over N independent Redis masters (scenario e): the same face, built on N connections. */
export interface QuorumAdapterSpec {
  /** `quorum:<lib>/<variant>`: how workers are told which one to build. */
  readonly id: string;
  readonly lib: LibName;
  readonly variant: Variant;
  readonly settings: string;
  create(redis: Redis[]): LockAdapter;
}

/** Keeps the first few distinct messages of a background failure. */
export function errorSink(): { errors: string[]; push(err: unknown): void } {
  const errors: string[] = [];
  return {
    errors,
    push(err: unknown) {
      const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      if (errors.length < 20) errors.push(msg);
    },
  };
}
