import type { Redis } from 'ioredis';

export type LibName = 'lock-core' | 'redlock' | 'sesame-redlock' | 'redis-semaphore' | 'raw';
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
}

export interface AdapterSpec {
  /** `<lib>/<variant>`: how workers are told which one to build. */
  readonly id: string;
  readonly lib: LibName;
  readonly variant: Variant;
  /** The settings this variant passes, for the report. */
  readonly settings: string;
  create(redis: Redis): LockAdapter;
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
