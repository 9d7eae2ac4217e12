import { LockClosedError } from '../errors/lock-closed-error.js';
import type { RedisConnection } from '../redis/connection.js';
import { SENDS_ON } from '../scripts/runner.js';

/**
 * A node's connection as the quorum client uses it: scripts are refused once `sealed()` says so. A fan-out
 * stops waiting for a slow node at `nodeTimeout`; that node's late NOSCRIPT must not send its EVAL retry
 * after `close()` resolved.
 */
export function sealable(redis: RedisConnection, sealed: () => boolean): RedisConnection {
  const refused = (): Promise<never> => Promise.reject(new LockClosedError());
  const view: RedisConnection & { [SENDS_ON]: RedisConnection } = {
    [SENDS_ON]: redis,
    evalsha: (sha, numKeys, ...args) => (sealed() ? refused() : redis.evalsha(sha, numKeys, ...args)),
    eval: (source, numKeys, ...args) => (sealed() ? refused() : redis.eval(source, numKeys, ...args)),
    get: (key) => redis.get(key),
    set: redis.set.bind(redis),
    duplicate: () => redis.duplicate(),
  };
  return view;
}
