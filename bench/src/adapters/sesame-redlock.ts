import { Redlock, ResourceLockedError } from '@sesamecare-oss/redlock';
import { TUNED_REDLOCK } from './redlock.js';
import type { AdapterSpec, Variant } from './types.js';
import { errorSink } from './types.js';

/** @sesamecare-oss/redlock 1.4.0, the maintained fork of redlock 5, on one Redis. */
export function sesameRedlock(variant: Variant): AdapterSpec {
  const tuned = variant === 'tuned';
  return {
    id: `sesame-redlock/${variant}`,
    lib: 'sesame-redlock',
    variant,
    settings: tuned
      ? 'retryCount -1 (unbounded), retryDelay 5, retryJitter 5'
      : 'defaults: retryCount 10, retryDelay 200, retryJitter 100',
    create(redis) {
      const sink = errorSink();
      const rl = new Redlock([redis], tuned ? TUNED_REDLOCK : {});
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
