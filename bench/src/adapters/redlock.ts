import Redlock, { ResourceLockedError } from 'redlock';
import type { AdapterSpec, Variant } from './types.js';
import { errorSink } from './types.js';

/** Retries without end, 5 ms apart (+-5 ms): as fast as polling gets without a busy loop. */
export const TUNED_REDLOCK = { retryCount: -1, retryDelay: 5, retryJitter: 5 } as const;

/** redlock 5.0.0-beta.2 (the version most installs get) on one Redis. */
export function redlock(variant: Variant): AdapterSpec {
  const tuned = variant === 'tuned';
  return {
    id: `redlock/${variant}`,
    lib: 'redlock',
    variant,
    settings: tuned
      ? 'retryCount -1 (unbounded), retryDelay 5, retryJitter 5'
      : 'defaults: retryCount 10, retryDelay 200, retryJitter 100',
    create(redis) {
      const sink = errorSink();
      const rl = new Redlock([redis], tuned ? TUNED_REDLOCK : {});
      // redlock emits every failed attempt as 'error'; a busy lock is not a failure.
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
    },
  };
}
