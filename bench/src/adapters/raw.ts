import { createHash, randomBytes } from 'node:crypto';
import type { AdapterSpec } from './types.js';
import { errorSink } from './types.js';

const RELEASE =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
const RELEASE_SHA = createHash('sha1').update(RELEASE).digest('hex');

/**
 * The floor: one `SET key token NX PX ttl` to acquire, one compare-and-delete EVALSHA to release; two
 * round trips, nothing else. It never waits (uncontended scenario only) and throws when the key is busy.
 */
export function raw(): AdapterSpec {
  return {
    id: 'raw/default',
    lib: 'raw',
    variant: 'default',
    settings: 'SET NX PX + compare-and-delete EVALSHA',
    create(redis) {
      const sink = errorSink();
      let loaded = false;
      return {
        errors: sink.errors,
        async acquire(key, ttl) {
          if (!loaded) {
            await redis.script('LOAD', RELEASE);
            loaded = true;
          }
          const token = randomBytes(12).toString('base64url');
          const ok = await redis.set(key, token, 'PX', ttl, 'NX');
          if (ok !== 'OK') throw new Error(`raw floor: "${key}" is busy`);
          return {
            release: async () => (await redis.evalsha(RELEASE_SHA, 1, key, token)) === 1,
          };
        },
        close: async () => {},
      };
    },
  };
}
