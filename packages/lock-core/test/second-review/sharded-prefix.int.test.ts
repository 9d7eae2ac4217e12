// Second review: pubsub 'sharded' on a connection with an ioredis keyPrefix. ioredis prefixes SSUBSCRIBE's channel
// (a key to it, for slot routing) and the notifier adds the prefix again: grants never arrive, and since a
// sharded publish is trusted (heard = '1'), every waiter looks dead and is skipped.
import type { LockClient } from '@edirect/lock-core';
import { podFactory, redisUrl, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

const pods = podFactory({ label: 'review2-shpfx' });
const { prefix } = pods;

/** The prefix on the ioredis connection ('connection', the client's own empty) or on the client. */
function pod(opts: { fallbackPoll: number }, on: 'connection' | 'client' = 'connection'): LockClient {
  const redis = new Redis(redisUrl(), on === 'connection' ? { keyPrefix: prefix } : {});
  const keyPrefix = on === 'client' ? `${prefix}c:` : '';
  return pods.podOn(redis, { pubsub: 'sharded', keyPrefix, ...opts });
}

describe('second review: sharded pub/sub with a connection keyPrefix', () => {
  it.each(['connection', 'client'] as const)(
    'keyPrefix on the %s: a release hands the lock to the first waiter, at once and in FIFO order',
    async (on) => {
      const a = pod({ fallbackPoll: 1_000 }, on);
      const b = pod({ fallbackPoll: 5_000 }, on); // first in line, polls rarely
      const c = pod({ fallbackPoll: 50 }, on); // second in line, polls often
      const held = await a.acquire('k', { ttl: 10_000 });
      const order: string[] = [];
      const bp = b.acquire('k', { ttl: 10_000 }).then(async (l) => {
        order.push('b');
        await l.release();
      });
      await sleep(200);
      const cp = c.acquire('k', { ttl: 10_000 }).then(async (l) => {
        order.push('c');
        await l.release();
      });
      await sleep(200);
      const t0 = performance.now();
      await held.release();
      await Promise.race([bp, sleep(3_000)]);
      const waited = performance.now() - t0;
      await Promise.all([bp, cp]);
      expect({ order, handedOverInMs: Math.min(3_000, Math.round(waited)) < 500 }).toEqual({
        order: ['b', 'c'],
        handedOverInMs: true,
      });
    },
  );
});
