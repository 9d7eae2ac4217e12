// Found by the second review of f609220 ("close() waits for waitReplicas attempts"), and fixed: acquire({ waitReplicas }) is now a
// tracked attempt that close() drains first. If its pipelined first try finds the lock held, it goes on to
// waitQueued() -> waitInQueue(), which joins the key queue without checking `closed` (the quick path does
// check). close() already rejected the waiters, so this new waiter is never rejected, the pump does not run
// once closed, and close() waits for the attempt forever.
import { LockClient } from '@edirect/lock-core';
import { lockKeys } from '@edirect/lock-core/testing';
import { podFactory, redisUrl, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

const pods = podFactory({ label: 'review2-close-wr' });
const { prefix } = pods;

describe('second review (of the fixes): close() during acquire({ waitReplicas }) of a held key', () => {
  it('close() resolves and the acquire settles (LockClosedError)', async () => {
    const redis = new Redis(redisUrl());
    const observer = new Redis(redisUrl());
    pods.own(redis, observer);
    const k = 'held';
    // Someone else holds the key.
    await observer.set(lockKeys(prefix, k).lock, 'someone-else', 'PX', 20_000);
    const client = new LockClient({ redis, keyPrefix: prefix, shutdownTimeout: 200 });
    client.on('error', () => {});
    let settled: string | undefined;
    void client
      .acquire(k, { ttl: 5_000, waitReplicas: 1, replicationTimeout: 500 })
      .then(
        () => 'acquired',
        (e: Error) => e.name,
      )
      .then((s) => {
        settled = s;
        return s;
      });
    await sleep(100); // the pipelined try (script + WAIT 500 ms) is out
    const closed = client.close().then(() => 'closed');
    const within = await Promise.race([closed, sleep(3_000).then(() => 'close() still pending after 3 s')]);
    await sleep(50);
    expect({ close: within, acquire: settled ?? 'never settled' }).toEqual({
      close: 'closed',
      acquire: 'LockClosedError',
    });
  });
});
