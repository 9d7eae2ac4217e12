import type { Redis } from 'ioredis';
import type { AdapterSpec, LockAdapter, Variant } from './types.js';
import { errorSink } from './types.js';

/** Retries without end, 5 ms apart (+-5 ms): as fast as polling gets without a busy loop. */
export const TUNED_REDLOCK = { retryCount: -1, retryDelay: 5, retryJitter: 5 } as const;

/** What redlock 5 and its fork @sesamecare-oss/redlock share: one adapter serves both. */
interface RedlockLike {
  on(event: 'error', listener: (err: unknown) => void): unknown;
  acquire(resources: string[], ttl: number): Promise<{ release(): Promise<unknown> }>;
}

export interface Family {
  lib: 'redlock' | 'sesame-redlock';
  Redlock: new (clients: Redis[], settings: object) => RedlockLike;
  ResourceLockedError: abstract new (...args: never[]) => Error;
}

export function redlockFamily(family: Family): (variant: Variant) => AdapterSpec {
  const { lib } = family;
  return (variant) => {
    const tuned = variant === 'tuned';
    return {
      id: `${lib}/${variant}`,
      lib,
      variant,
      settings: tuned
        ? 'retryCount -1 (unbounded), retryDelay 5, retryJitter 5'
        : 'defaults: retryCount 10, retryDelay 200, retryJitter 100',
      create: (redis) => redlockAdapter(family, [redis], tuned ? TUNED_REDLOCK : {}),
    };
  };
}

/** A redlock (or fork) over `clients` as a bench adapter: one for a single Redis, N for a quorum. */
export function redlockAdapter(
  { Redlock, ResourceLockedError }: Family,
  clients: Redis[],
  settings: object,
): LockAdapter {
  const sink = errorSink();
  const rl = new Redlock(clients, settings);
  // Both emit every refused attempt as 'error'; a busy lock is not a failure.
  rl.on('error', (err: unknown) => {
    if (!(err instanceof ResourceLockedError)) sink.push(err);
  });
  return {
    errors: sink.errors,
    async acquire(key, ttl) {
      const lock = await rl.acquire([key], ttl);
      return {
        release: async () => {
          await lock.release();
          return true;
        },
      };
    },
    close: async () => {},
  };
}
