import { LockClient, LockLostError } from '@edirect/lock-core';
import { lockKeys } from '@edirect/lock-core/testing';
import { ownRedisServer, podFactory, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

const { pod, prefix } = podFactory({ label: 'loss' });
let n = 0;
const key = () => `lease-${++n}`;

function lostWithin(signal: AbortSignal): Promise<{ err: LockLostError; at: number }> {
  return new Promise((resolve) =>
    signal.addEventListener(
      'abort',
      () => resolve({ err: signal.reason as LockLostError, at: performance.now() }),
      {
        once: true,
      },
    ),
  );
}

describe('lease loss is pushed to lease.signal', () => {
  it('renews at ttl/3 while held, so a lease outlives its ttl', async () => {
    const { client, redis } = pod();
    const lease = await client.acquire(key(), { ttl: 300 });
    await sleep(900);
    expect(lease.isHeld()).toBe(true);
    expect(lease.signal.aborted).toBe(false);
    expect(await redis.pttl(lockKeys(prefix, lease.key).lock)).toBeGreaterThan(0);
    expect(await lease.release()).toBe(true);
  });

  it('the key deleted behind the holder’s back: aborted with reason "deleted" at the next renewal', async () => {
    const { client, redis } = pod();
    const lost: string[] = [];
    client.on('lost', (k) => lost.push(k));
    const k = key();
    const lease = await client.acquire(k, { ttl: 600 });
    const lossSeen = lostWithin(lease.signal);
    const deletedAt = performance.now();
    await redis.del(lockKeys(prefix, lease.key).lock);
    const { err, at } = await lossSeen;
    expect(err).toBeInstanceOf(LockLostError);
    expect(err.reason).toBe('deleted');
    expect(at - deletedAt).toBeLessThan(600); // within one renewal period (200 ms) plus margin
    expect(lease.isHeld()).toBe(false);
    expect(lost).toEqual([k]);
    expect(await lease.release()).toBe(false);
  });

  it('another holder took the key: aborted with reason "taken"', async () => {
    const { client, redis } = pod();
    const lease = await client.acquire(key(), { ttl: 600 });
    const lossSeen = lostWithin(lease.signal);
    await redis.set(lockKeys(prefix, lease.key).lock, 'someone-else', 'PX', 5_000);
    expect((await lossSeen).err.reason).toBe('taken');
  });

  it('without autoExtend the signal aborts at the local deadline, which falls before Redis expires the key', async () => {
    const { client, redis } = pod();
    const ttl = 500;
    const asked = performance.now();
    const lease = await client.acquire(key(), { ttl, autoExtend: false });
    const remaining = lease.remaining(); // read before PTTL is asked, so the comparison is fair
    expect(remaining).toBeLessThanOrEqual(await redis.pttl(lockKeys(prefix, lease.key).lock));
    const { err, at } = await lostWithin(lease.signal);
    expect(err.reason).toBe('expired');
    expect(at - asked).toBeGreaterThanOrEqual(ttl - 10 - 2); // never before ttl - drift (timers may fire ~1 ms early)
    expect(lease.remaining()).toBe(0);
  });

  it('maxHold stops renewal and the lease then runs out', async () => {
    const { client } = pod();
    const started = performance.now();
    const lease = await client.acquire(key(), { ttl: 300, maxHold: 400 });
    const { err, at } = await lostWithin(lease.signal);
    expect(err.reason).toBe('max-hold');
    expect(at - started).toBeGreaterThan(400);
    expect(at - started).toBeLessThan(400 + 300 + 400);
  });

  it('the event loop blocked past the ttl: the lease is known lost as soon as the loop runs again', async () => {
    const { client } = pod();
    const lease = await client.acquire(key(), { ttl: 300 });
    const lossSeen = lostWithin(lease.signal);
    const blockUntil = performance.now() + 700;
    while (performance.now() < blockUntil) {
      // A synchronous stall (GC, a CPU-bound job): no timer can run.
    }
    expect(lease.isHeld()).toBe(false); // known at once from the monotonic deadline
    const { err, at } = await lossSeen;
    expect(at - blockUntil).toBeLessThan(200);
    expect(['expired', 'deleted', 'taken']).toContain(err.reason);
  });

  it('withLock’s function sees the signal abort', async () => {
    const { client, redis } = pod();
    const k = key();
    const result = await client.withLock(
      k,
      async (lease) => {
        await redis.del(lockKeys(prefix, lease.key).lock);
        await new Promise<void>((resolve) =>
          lease.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        return (lease.signal.reason as LockLostError).code;
      },
      { ttl: 450 },
    );
    expect(result).toBe('LOCK_LOST');
  });
});

describe('Redis killed while a lease is held', () => {
  it('aborts the signal by the local deadline even though Redis cannot be reached, and never crashes', async () => {
    const server = await ownRedisServer();
    const redis = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    redis.on('error', () => {}); // the app's connection: its reconnect noise is the app's to log
    const own = new LockClient({ redis, keyPrefix: 'killed:' });
    const errors: unknown[] = [];
    own.on('error', (err) => errors.push(err));
    const lease = await own.acquire('k', { ttl: 800 });
    const lossSeen = lostWithin(lease.signal);
    const killedAt = performance.now();
    await server.kill();
    const { err, at } = await lossSeen;
    expect(err.reason).toBe('expired');
    expect(at - killedAt).toBeLessThan(800 + 300);
    expect(errors.length).toBeGreaterThan(0); // renewals failed and said so, as events
    await own.close();
    redis.disconnect();
  });
});
