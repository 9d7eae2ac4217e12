import { once } from 'node:events';
import { type LockLostError, LockQuorumError, RedlockClient } from '@edirect/lock-core';
import { type RedisServer, startRedisServer } from '@internal/redis-server';
import { testPrefix } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// Five independent masters for the file; tests kill some (SIGKILL, by pid) and restart them, empty,
// afterwards. A majority is 3.
let servers: RedisServer[] = [];
let redis: Redis[] = [];
let client: RedlockClient;
let other: RedlockClient;
const errors: unknown[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
const down = new Set<RedisServer>();

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  servers = await Promise.all([1, 2, 3, 4, 5].map(() => startRedisServer()));
  // Fail fast while a server is away, reconnect quickly when it is back.
  const connect = () =>
    servers.map((s) => {
      const r = new Redis(s.url, {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        retryStrategy: () => 50,
      });
      r.on('error', () => {});
      return r;
    });
  redis = connect();
  const otherRedis = connect();
  await Promise.all([...redis, ...otherRedis].map((r) => once(r, 'ready')));
  const options = { keyPrefix: testPrefix('quorum'), retryDelay: 20, nodeTimeout: 300 };
  client = new RedlockClient({ redis, ...options });
  other = new RedlockClient({ redis: otherRedis, ...options });
  for (const c of [client, other]) c.on('error', (err) => errors.push(err));
  redis.push(...otherRedis);
});
afterEach(async () => {
  // Bring the killed servers back (empty, as after a crash without persistence) and wait for the clients.
  for (const server of down) await server.restart();
  down.clear();
  await Promise.all(redis.map((r) => (r.status === 'ready' ? undefined : once(r, 'ready'))));
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await client?.close();
  await other?.close();
  for (const r of redis) r.disconnect();
  await Promise.all(servers.map((s) => s.stop()));
});

async function kill(count: number): Promise<void> {
  for (const server of servers.slice(0, count)) {
    down.add(server);
    await server.kill();
  }
}

describe('RedlockClient on 5 masters with servers killed', () => {
  it('one down: acquire, exclusion and release still work', async () => {
    await kill(1);
    const lease = await client.acquire('one-down', { waitTimeout: 2_000 });
    expect(await other.tryAcquire('one-down')).toBeNull();
    expect(await lease.release()).toBe(true);
    const next = await other.tryAcquire('one-down');
    expect(next).not.toBeNull();
    await next?.release();
  });

  it('two down: three of five is still a majority, and a held lease keeps renewing', async () => {
    const held = await client.acquire('two-down-held', { ttl: 600 });
    await kill(2);
    const lease = await client.acquire('two-down', { waitTimeout: 2_000 });
    expect(await other.tryAcquire('two-down')).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // two ttls of renewals on 3 nodes
    expect(held.isHeld()).toBe(true);
    expect(await other.tryAcquire('two-down-held')).toBeNull();
    expect(await lease.release()).toBe(true);
    expect(await held.release()).toBe(true);
  });

  it('three down: acquisition fails with a LockQuorumError; a held lease is aborted by its deadline', async () => {
    const held = await client.acquire('three-down-held', { ttl: 600 });
    const lost = once(held.signal, 'abort');
    const killedAt = performance.now();
    await kill(3);

    const err = await client.tryAcquire('three-down').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockQuorumError);
    expect(LockQuorumError.isInstance(err)).toBe(true);
    expect(err).toMatchObject({ code: 'QUORUM_UNREACHABLE', answered: 2, needed: 3, total: 5 });
    expect((err as Error).message).toBe(
      'lock "three-down": only 2 of 5 Redis nodes answered, a majority needs 3',
    );
    expect(((err as Error).cause as AggregateError).errors).toHaveLength(3);

    const waited = await client.acquire('three-down', { waitTimeout: 300 }).catch((e: unknown) => e);
    expect(waited).toBeInstanceOf(LockQuorumError);

    await lost;
    expect((held.signal.reason as LockLostError).reason).toBe('expired');
    expect(performance.now() - killedAt).toBeLessThan(600 + 500);
    expect(errors.some((e) => LockQuorumError.isInstance(e))).toBe(true); // renewals said why, as events
  });

  it('after the servers come back (empty), the quorum works again', async () => {
    await kill(3);
    for (const server of down) await server.restart();
    down.clear();
    await Promise.all(redis.map((r) => (r.status === 'ready' ? undefined : once(r, 'ready'))));
    const lease = await client.acquire('back', { waitTimeout: 2_000 });
    expect(lease.isHeld()).toBe(true);
    await lease.release();
    expect(unhandled).toEqual([]);
  });
});
