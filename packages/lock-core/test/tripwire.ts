import type { RedisConnection } from '@edirect/lock-core';

/**
 * A connection that records every call and answers none: validation tests use it to prove that bad input
 * is refused before anything reaches Redis.
 */
export function tripwire(): RedisConnection & { calls: string[] } {
  const calls: string[] = [];
  const trip = (name: string) => () => {
    calls.push(name);
    return Promise.reject(new Error(`tripwire: ${name} reached Redis`));
  };
  return {
    calls,
    evalsha: trip('evalsha'),
    eval: trip('eval'),
    get: trip('get'),
    set: trip('set'),
    duplicate: () => {
      calls.push('duplicate');
      throw new Error('tripwire: duplicate');
    },
  } as RedisConnection & { calls: string[] };
}
