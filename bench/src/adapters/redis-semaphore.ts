import { Mutex } from 'redis-semaphore';
import type { AdapterSpec, Variant } from './types.js';
import { errorSink } from './types.js';

/** redis-semaphore 5.8.0 `Mutex` (SET NX PX polling, compare-and-delete release). */
export function redisSemaphore(variant: Variant): AdapterSpec {
  const tuned = variant === 'tuned';
  return {
    id: `redis-semaphore/${variant}`,
    lib: 'redis-semaphore',
    variant,
    settings: tuned
      ? 'retryInterval 2, acquireTimeout 10 min'
      : 'defaults: retryInterval 10, acquireTimeout 10 s (lockTimeout = ttl)',
    create(redis) {
      const sink = errorSink();
      return {
        errors: sink.errors,
        async acquire(key, ttl) {
          const mutex = new Mutex(redis, key, {
            lockTimeout: ttl,
            ...(tuned ? { retryInterval: 2, acquireTimeout: 600_000 } : {}),
            onLockLost: (err) => sink.push(err),
          });
          await mutex.acquire();
          return {
            release: async () => {
              await mutex.release();
              return true;
            },
          };
        },
        close: async () => {},
      };
    },
  };
}
