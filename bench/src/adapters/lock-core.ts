import { LockClient } from '@edirect/lock-core';
import type { AdapterSpec, Variant } from './types.js';
import { errorSink } from './types.js';

/**
 * @edirect/lock-core. It has no retry knob: waiting is event-driven (a Redis-side FIFO queue, grants
 * published to the waiter). "tuned" only turns off the renewal timer (`autoExtend: false`), which a
 * critical section far shorter than its ttl does not need.
 */
export function lockCore(variant: Variant): AdapterSpec {
  const autoExtend = variant === 'default';
  return {
    id: `lock-core/${variant}`,
    lib: 'lock-core',
    variant,
    settings: autoExtend ? 'LockClient defaults (autoExtend on, fallbackPoll 1 s)' : 'autoExtend: false',
    create(redis) {
      const sink = errorSink();
      const client = new LockClient({ redis, logger: { error: (_m, err) => sink.push(err) } });
      client.on('error', (err) => sink.push(err));
      return {
        errors: sink.errors,
        async acquire(key, ttl) {
          const lease = await client.acquire(key, autoExtend ? { ttl } : { ttl, autoExtend: false });
          return { release: () => lease.release() };
        },
        close: () => client.close(),
      };
    },
  };
}
