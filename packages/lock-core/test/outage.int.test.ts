import { LockClient } from '@edirect/lock-core';
import { ownRedisServer, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

describe('a Redis outage while waiting', () => {
  it('a caller waiting in lock() survives a Redis restart and gets the lock once Redis is back', async () => {
    const server = await ownRedisServer();
    const connect = () => {
      const redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
      redis.on('error', () => {});
      return redis;
    };
    const holderRedis = connect();
    const waiterRedis = connect();
    const holder = new LockClient({ redis: holderRedis, keyPrefix: 'outage:' });
    const waiter = new LockClient({ redis: waiterRedis, keyPrefix: 'outage:', fallbackPoll: 300 });
    const errors: unknown[] = [];
    holder.on('error', () => {});
    waiter.on('error', (err) => errors.push(err));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);

    const held = await holder.acquire('nightly', { ttl: 10_000 });
    const got = new Promise<number>((resolve) => {
      waiter.lock('nightly', (unlock) => {
        unlock();
        resolve(performance.now());
      });
    });
    await sleep(100);
    await server.kill(); // the holder's lease dies with the data
    await sleep(600); // waiters retry against a dead server meanwhile
    const backAt = performance.now();
    await server.restart();
    const gotAt = await got;
    expect(gotAt - backAt).toBeLessThan(5_000);
    expect(errors.length).toBeGreaterThan(0); // the outage was reported as 'error' events
    expect(unhandled).toEqual([]);
    process.off('unhandledRejection', onUnhandled);
    // The holder's lease died with the server's data: its next renewal finds the key gone.
    await expect.poll(() => held.signal.aborted, { timeout: 6_000, interval: 100 }).toBe(true);
    await holder.close();
    await waiter.close();
    holderRedis.disconnect();
    waiterRedis.disconnect();
  });
});
