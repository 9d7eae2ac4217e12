// Second review: close() and what it leaves behind.
import { LockClient } from '@edirect/lock-core';
import { lockKeys } from '@edirect/lock-core/testing';
import { podFactory, redisUrl, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

const pods = podFactory({ label: 'review2-close' });
const { prefix } = pods;

describe('second review: close() during a waitReplicas attempt', () => {
  it.each(['acquire', 'tryAcquire'] as const)(
    '%s({ waitReplicas }) in flight: close() waits for it, so nothing is left held after close(); quit()',
    async (call) => {
      const redis = new Redis(redisUrl());
      const observer = new Redis(redisUrl());
      pods.own(redis, observer);
      const client = new LockClient({ redis, keyPrefix: prefix });
      client.on('error', () => {});
      const k = `k-${call}`;
      // No replica here: WAIT blocks for replicationTimeout with the lock taken.
      const pending = client[call](k, { ttl: 20_000, waitReplicas: 1, replicationTimeout: 500 }).catch(
        (e: unknown) => e,
      );
      await sleep(100);
      await client.close(); // "releases every lease ... closes only the connections it created"
      await redis.quit(); // the README's shutdown: close(), then quit the connection
      const outcome = await pending;
      await sleep(100);
      const pttl = await observer.pttl(lockKeys(prefix, k).lock);
      // Fails: close() did not wait for this attempt; its give-back is sent after quit() and fails, so the
      // lock stays taken for its whole ttl.
      expect({ outcome: (outcome as Error)?.name, lockLeftWithPttl: pttl }).toEqual({
        outcome: 'LockClosedError',
        lockLeftWithPttl: -2,
      });
    },
  );
});
