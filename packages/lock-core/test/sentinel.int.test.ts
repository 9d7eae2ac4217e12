import { LockClient, LockLostError, LockReplicationError } from '@edirect/lock-core';
import { InMemoryRedis, lockKeys } from '@edirect/lock-core/testing';
import {
  commandStats,
  countingRoundTrips,
  perOperation,
  redisCommand,
  resetCommandStats,
  type SentinelSet,
  startSentinelSet,
} from '@internal/redis-server';
import { podFactory } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// One master, one replica and three sentinels for the file. The replicas accept writes of their own
// (replica-read-only no) only so a test can remove a key from the replica alone: the stand-in for an
// asynchronous write that had not reached the replica when the master was failed over.
let set: SentinelSet;
const pods = podFactory({ label: 'sentinel', connect: sentinelConnection });
const { prefix } = pods;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  set = await startSentinelSet({ args: ['--replica-read-only', 'no'] });
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await pods.closeAll();
  await set?.stop();
});

/**
 * A client through ioredis's Sentinel support: it asks the sentinels where the master is. With
 * `failoverDetector` it also listens for +switch-master and reconnects at once; without it, a client
 * stays on the old master (which answers as a master until Sentinel demotes it, ~10 s) and its writes
 * there are lost.
 */
function sentinelConnection(): Redis {
  const redis = new Redis({
    sentinels: [...set.sentinels],
    name: set.name,
    failoverDetector: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 100,
    sentinelRetryStrategy: () => 100,
  });
  redis.on('error', () => {}); // the app's connection: its reconnect noise is the app's to log
  return redis;
}

const pod = (wrap?: (redis: Redis) => Redis) => pods.pod({}, wrap);

const lockKey = (name: string): string => lockKeys(prefix, name).lock;

describe('waitReplicas', () => {
  it('more replicas than there are: the lock is given back and the call rejects with LockReplicationError', async () => {
    const a = pod();
    const b = pod();
    const err = await a.client
      .tryAcquire('too-many', { waitReplicas: 2, replicationTimeout: 150 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockReplicationError);
    expect(err).toMatchObject({ code: 'REPLICATION_FAILED', key: 'too-many', wanted: 2, acknowledged: 1 });
    expect(await a.redis.exists(lockKey('too-many'))).toBe(0);

    const viaAcquire = await a.client
      .acquire('too-many', { waitReplicas: 2, replicationTimeout: 150, waitTimeout: 1_000 })
      .catch((e: unknown) => e);
    expect(LockReplicationError.isInstance(viaAcquire)).toBe(true);
    const free = await b.client.tryAcquire('too-many');
    expect(free).not.toBeNull();
    await free?.release();
  });

  it('a waiter handed the lock by a release confirms it with a renewal and WAIT behind it', async () => {
    const a = pod();
    const b = pod();
    const held = await a.client.acquire('queued');
    const pending = b.client.acquire('queued', { waitReplicas: 1, replicationTimeout: 500 });
    await vi.waitFor(async () => expect(await a.redis.llen(`${lockKey('queued')}:queue`)).toBe(1), {
      timeout: 10_000,
    });
    await held.release();
    const lease = await pending;
    expect(lease.isHeld()).toBe(true);
    expect(lease.fence).toBeGreaterThan(held.fence);
    expect(await lease.release()).toBe(true);

    // The same wait asking for a replica too many: handed the lock, it gives it on to the next waiter.
    const again = await a.client.acquire('queued');
    const failing = b.client
      .acquire('queued', { waitReplicas: 2, replicationTimeout: 150 })
      .catch((e: unknown) => e);
    await vi.waitFor(async () => expect(await a.redis.llen(`${lockKey('queued')}:queue`)).toBe(1), {
      timeout: 10_000,
    });
    const third = pod();
    const after = third.client.acquire('queued');
    await vi.waitFor(async () => expect(await a.redis.llen(`${lockKey('queued')}:queue`)).toBe(2), {
      timeout: 10_000,
    });
    await again.release();
    expect(await failing).toBeInstanceOf(LockReplicationError);
    const next = await after;
    expect(next.fence).toBeGreaterThan(again.fence);
    await next.release();
  });

  it('bad values are refused before anything reaches Redis', async () => {
    const { client } = pod();
    const fake = new LockClient({ redis: new InMemoryRedis() });
    const cases: Array<[() => Promise<unknown>, ErrorConstructor, RegExp]> = [
      [() => client.tryAcquire('k', { waitReplicas: -1 }), RangeError, /waitReplicas must be an integer/],
      [
        () => client.acquire('k', { waitReplicas: '1' as never }),
        TypeError,
        /waitReplicas must be a non-neg/,
      ],
      [() => client.acquire('k', { replicationTimeout: 10 }), TypeError, /needs options.waitReplicas/],
      [
        () => client.acquire('k', { ttl: 500, waitReplicas: 1, replicationTimeout: 500 }),
        RangeError,
        /must be less than the ttl/,
      ],
      [() => fake.tryAcquire('k', { waitReplicas: 1 }), TypeError, /needs an ioredis connection/],
    ];
    for (const [call, type, message] of cases) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toMatch(message);
    }
    await fake.close();
  });

  it('cost: uncontended acquire + release, without and with waitReplicas: 1, 2 round trips either way', async () => {
    let counter: ReturnType<typeof countingRoundTrips<Redis>> | undefined;
    const a = pod((redis) => {
      counter = countingRoundTrips(redis);
      return counter.redis;
    });
    const master = await set.master();
    const n = 10;
    const measure = async (label: string, options: { waitReplicas?: number }) => {
      await (await a.client.acquire(`${label}-warm`, options)).release();
      await resetCommandStats([master.port]);
      const trips = counter?.roundTrips() ?? 0;
      for (let i = 0; i < n; i++) await (await a.client.acquire(`${label}-${i}`, options)).release();
      const per = perOperation(await commandStats([master.port]), n);
      const roundTrips = ((counter?.roundTrips() ?? 0) - trips) / n;
      console.log(`[cost] single master: acquire(${JSON.stringify(options)}) + release`, {
        roundTrips,
        ...per,
      });
      return { roundTrips, ...per };
    };
    expect(await measure('plain', {})).toMatchObject({ roundTrips: 2, evalsha: 2 });
    expect(await measure('replicated', { waitReplicas: 1 })).toMatchObject({
      roundTrips: 2,
      evalsha: 2,
      wait: 1,
    });
  });
});

describe('SENTINEL FAILOVER', () => {
  it('new acquisitions go to the new master; a lease the replica lacked is lost, one taken with waitReplicas survives', async () => {
    const a = pod();
    const b = pod();
    const safe = await a.client.acquire('safe', { ttl: 4_000, waitReplicas: 1 });
    const doomed = await a.client.acquire('doomed', { ttl: 4_000 });
    const replica = await set.replica();
    await redisCommand(replica.port, ['DEL', lockKey('doomed')]); // its write "never replicated"
    const doomedLost = new Promise<void>((resolve) =>
      doomed.signal.addEventListener('abort', () => resolve(), { once: true }),
    );

    const startedAt = performance.now();
    const { master } = await set.failover();
    expect(master).toBe(replica);
    await doomedLost;
    console.log(`[failover] sentinel failover + loss seen ${Math.round(performance.now() - startedAt)} ms`);
    expect(doomed.signal.reason).toBeInstanceOf(LockLostError);
    expect((doomed.signal.reason as LockLostError).reason).toBe('deleted');

    // The clients followed the sentinels to the new master.
    const fresh = await b.client.tryAcquire('fresh');
    expect(fresh).not.toBeNull();
    expect(await redisCommand(master.port, ['GET', lockKey('fresh')])).toBe(fresh?.token);
    // The replicated lease is still ours there: renewed, and refused to others.
    await safe.extend();
    expect(safe.isHeld()).toBe(true);
    expect(await redisCommand(master.port, ['GET', lockKey('safe')])).toBe(safe.token);
    expect(await b.client.tryAcquire('safe')).toBeNull();
    const doomedAgain = await b.client.tryAcquire('doomed');
    expect(doomedAgain?.fence).toBeGreaterThan(0);

    await fresh?.release();
    await doomedAgain?.release();
    expect(await safe.release()).toBe(true);
    expect(unhandled).toEqual([]);
  });
});
