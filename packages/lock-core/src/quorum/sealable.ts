import { LockClosedError } from '../errors/lock-closed-error.js';
import type { RedisConnection } from '../redis/connection.js';
import { SENDS_ON, scripts } from '../scripts/runner.js';

/**
 * A node's connection as the quorum client uses it: a script is refused when `refuses(isAcquire)` says so.
 * The client refuses acquisitions once close() began and every script once it resolved: a fan-out stops
 * waiting for a slow node at `nodeTimeout`, and that node's late NOSCRIPT must neither take the lock again
 * (the EVAL retry of an acquisition) nor send anything after close() resolved.
 */
export function sealable(redis: RedisConnection, refuses: (isAcquire: boolean) => boolean): RedisConnection {
  const refused = (): Promise<never> => Promise.reject(new LockClosedError());
  const view: RedisConnection & { [SENDS_ON]: RedisConnection } = {
    [SENDS_ON]: redis,
    evalsha: (sha, numKeys, ...args) =>
      refuses(sha === scripts.acquire.sha) ? refused() : redis.evalsha(sha, numKeys, ...args),
    eval: (source, numKeys, ...args) =>
      refuses(source === scripts.acquire.source) ? refused() : redis.eval(source, numKeys, ...args),
    get: (key) => redis.get(key),
    set: redis.set.bind(redis),
    duplicate: () => redis.duplicate(),
  };
  return view;
}
