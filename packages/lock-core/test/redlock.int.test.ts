import { once } from 'node:events';
import {
  type Lease,
  LockClosedError,
  LockLostError,
  LockTimeoutError,
  RedlockClient,
} from '@edirect/lock-core';
import { lockKeys } from '@edirect/lock-core/testing';
import {
  commandStats,
  countingRoundTrips,
  perOperation,
  type RedisServer,
  resetCommandStats,
  startRedisServer,
} from '@internal/redis-server';
import { testPrefix } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Three independent masters for the file: Redlock's semantics when every node is up.
let servers: RedisServer[] = [];
const connections: Redis[] = [];
const clients: RedlockClient[] = [];
const errors: unknown[] = [];
const prefix = testPrefix('redlock');

beforeAll(async () => {
  servers = await Promise.all([1, 2, 3].map(() => startRedisServer()));
});
afterAll(async () => {
  for (const client of clients) await client.close();
  for (const connection of connections) connection.disconnect();
  await Promise.all(servers.map((s) => s.stop()));
});

/** One connection per server, failing fast when its server is away (a quorum must not wait on one). */
async function connect(): Promise<Redis[]> {
  const made = servers.map(
    (s) => new Redis(s.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 100 }),
  );
  for (const r of made) r.on('error', () => {});
  connections.push(...made);
  await Promise.all(made.map((r) => once(r, 'ready')));
  return made;
}

async function client(options: { retryDelay?: number; wrap?: (r: Redis) => Redis } = {}) {
  const redis = await connect();
  const c = new RedlockClient({
    redis: options.wrap ? redis.map(options.wrap) : redis,
    keyPrefix: prefix,
    retryDelay: options.retryDelay ?? 20,
    nodeTimeout: 300,
  });
  c.on('error', (err) => errors.push(err));
  clients.push(c);
  return { client: c, redis };
}

const lockKey = (name: string): string => lockKeys(prefix, name).lock;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('RedlockClient on 3 masters', () => {
  it('takes the lock on every node; others are refused until it is released', async () => {
    const a = await client();
    const b = await client();
    expect(a.client.quorum).toEqual({ nodes: 3, majority: 2 });
    const lease = await a.client.tryAcquire('basic');
    expect(lease?.isHeld()).toBe(true);
    for (const r of a.redis) expect(await r.get(lockKey('basic'))).toBe(lease?.token);
    expect(await b.client.tryAcquire('basic')).toBeNull();
    expect(await lease?.release()).toBe(true);
    expect(await lease?.release()).toBe(false);
    for (const r of a.redis) expect(await r.exists(lockKey('basic'))).toBe(0);
    const next = await b.client.tryAcquire('basic');
    expect(next).not.toBeNull();
    await next?.release();
  });

  it('acquire waits (polling) until the holder releases, or gives up at waitTimeout', async () => {
    const a = await client();
    const b = await client();
    const held = await a.client.acquire('wait');
    const err = await b.client.acquire('wait', { waitTimeout: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    const pending = b.client.withLock('wait', (lease) => lease.isHeld() && 'ran');
    await sleep(100);
    await held.release();
    expect(await pending).toBe('ran');
  });

  it('renews on a majority in the background, well past the ttl', async () => {
    const a = await client();
    const b = await client();
    const lease = await a.client.acquire('renew', { ttl: 600 });
    await sleep(1_500);
    expect(lease.isHeld()).toBe(true);
    expect(await b.client.tryAcquire('renew')).toBeNull();
    expect(await lease.release()).toBe(true);
  });

  it('a lease whose key is gone from a majority is reported lost at the next renewal', async () => {
    const a = await client();
    const lease = await a.client.acquire('vanish', { ttl: 600 });
    const lost = once(lease.signal, 'abort');
    await a.redis[0]?.del(lockKey('vanish'));
    await a.redis[1]?.del(lockKey('vanish'));
    await lost;
    expect(lease.signal.reason).toBeInstanceOf(LockLostError);
    expect((lease.signal.reason as LockLostError).reason).toBe('deleted');
  });

  it('held by another token on a majority: refused, and nothing of its own is left on the free node', async () => {
    const a = await client();
    await a.redis[0]?.set(lockKey('foreign'), 'someone', 'PX', 5_000);
    await a.redis[1]?.set(lockKey('foreign'), 'someone', 'PX', 5_000);
    expect(await a.client.tryAcquire('foreign')).toBeNull();
    expect(await a.redis[2]?.exists(lockKey('foreign'))).toBe(0); // taken there, then rolled back
    // On one node only, a majority is still free: the lock is ours.
    await a.redis[1]?.del(lockKey('foreign'));
    const lease = await a.client.tryAcquire('foreign');
    expect(lease).not.toBeNull();
    await lease?.release();
    expect(await a.redis[0]?.get(lockKey('foreign'))).toBe('someone'); // never another holder's key
  });

  it('mutual exclusion: three clients, thirty critical sections, never two at once', async () => {
    const pods = await Promise.all([client(), client(), client()]);
    let inside = 0;
    let most = 0;
    let done = 0;
    await Promise.all(
      pods.map(async ({ client: c }) => {
        for (let i = 0; i < 10; i++) {
          await c.withLock('exclusive', async () => {
            inside++;
            most = Math.max(most, inside);
            await sleep(2);
            inside--;
            done++;
          });
        }
      }),
    );
    expect(done).toBe(30);
    expect(most).toBe(1);
  });

  it('the fence is the largest granting node’s counter: not a global sequence (documented)', async () => {
    const a = await client();
    const b = await client();
    // Node 0's counter is far ahead of the clocks the others count from (it saw many more holders, or its
    // clock ran ahead once): fences are each node's own, so a quorum's fence is no global sequence.
    await a.redis[0]?.set(`${lockKey('fence')}:fence`, 8_000_000_000_000_000);
    // Node 2 is held by a stranger, so the first majority must be nodes 0 and 1 (a quorum settles on the
    // first majority to answer: without this the test depended on which nodes answered first).
    await a.redis[2]?.set(lockKey('fence'), 'stranger', 'PX', 5_000);
    const first = (await a.client.tryAcquire('fence')) as Lease;
    expect(first.fence).toBe(8_000_000_000_000_001);
    await first.release();
    await a.redis[2]?.del(lockKey('fence'));
    // Node 0 is unavailable to the next holder (held there by a stranger): it wins on nodes 1 and 2.
    await a.redis[0]?.set(lockKey('fence'), 'stranger', 'PX', 5_000);
    const second = (await b.client.tryAcquire('fence')) as Lease;
    expect(second).not.toBeNull();
    expect(second.fence).toBeLessThan(first.fence); // a later holder, a smaller fence
    await second.release();
  });

  it('cost: tryAcquire + release is one parallel round trip per step, one EVALSHA per node', async () => {
    let trips = 0;
    const counted: Array<() => number> = [];
    const a = await client({
      wrap: (r) => {
        const c = countingRoundTrips(r);
        counted.push(c.roundTrips);
        return c.redis;
      },
    });
    const n = 10;
    for (let i = 0; i < n; i++) await (await a.client.tryAcquire(`cost-${i}`))?.release();
    const ports = servers.map((s) => s.port);
    await resetCommandStats(ports);
    const before = counted.map((f) => f());
    for (let i = 0; i < n; i++) await (await a.client.tryAcquire(`cost-${i}`))?.release();
    trips = counted.map((f, i) => f() - (before[i] ?? 0)).reduce((x, y) => x + y, 0) / n;
    const per = perOperation(await commandStats(ports), n);
    console.log('[cost] redlock N=3 tryAcquire+release', { commandsSent: trips, ...per });
    expect(trips).toBe(6); // 2 steps x 3 nodes, each step sent to all nodes at once
    expect(per.evalsha).toBe(6);
    expect(errors).toEqual([]);
  });

  it('close() releases its leases and ends its waits with LockClosedError; the connections stay open', async () => {
    const a = await client();
    const b = await client();
    const held = await a.client.acquire('closing');
    const waiting = b.client.acquire('closing').catch((e: unknown) => e);
    const blocked = await a.client.acquire('closing-2');
    await b.client.close();
    expect(await waiting).toBeInstanceOf(LockClosedError);
    await expect(b.client.tryAcquire('other')).rejects.toBeInstanceOf(LockClosedError);
    await a.client.close();
    expect(held.isHeld()).toBe(false);
    expect(blocked.isHeld()).toBe(false);
    for (const r of a.redis) expect(await r.exists(lockKey('closing'), lockKey('closing-2'))).toBe(0);
  });

  it('bad options are refused at construction', () => {
    expect(() => new RedlockClient({ redis: [] })).toThrow(/non-empty array/);
    const [r] = connections as [Redis];
    expect(() => new RedlockClient({ redis: [r, r] })).toThrow(/more than once/);
    expect(() => new RedlockClient({ redis: [r], ttl: 0 })).toThrow(RangeError);
    const c = new RedlockClient({ redis: [r] });
    return expect(c.tryAcquire('k', { waitReplicas: 1 } as never)).rejects.toThrow(/does not apply/);
  });
});
