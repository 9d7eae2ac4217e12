// Regression tests, on the in-memory fake, for the findings that need no server (F4, F5, F9, F11) and for
// close() keeping an election's lease while its leader-only work stops. The others are in
// findings.int.test.ts and faults.int.test.ts, on real Redis.
import { LockClient, LockLostError, type RedisConnection } from '@edirect/lock-core';
import { InMemoryRedis, lockKeys, ownerKeys, ReplyError } from '@edirect/lock-core/testing';
import { podFactory, tripwire } from '@internal/test-harness';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

let server: InMemoryRedis;
const pods = podFactory({ label: 'findings-fake', connect: () => server.duplicate() });

beforeEach(() => {
  server = new InMemoryRedis();
});
afterEach(async () => {
  await pods.closeAll();
  vi.useRealTimers();
});

describe('F4: leader-only work that runs until its term ends', () => {
  it('stop() aborts the term, waits for the work to end, then resigns; close() settles too', async () => {
    const { client } = pods.pod({ namespace: 'jobs' });
    const other = pods.pod({ namespace: 'jobs' }).client;
    const events: string[] = [];
    const election = client.elect({
      leaseTtl: 3_000,
      onElected: async (term) => {
        events.push('elected');
        await new Promise<void>((resolve) => term.signal.addEventListener('abort', () => resolve()));
        await new Promise((resolve) => setTimeout(resolve, 50)); // winding down, still the leader's lease
        events.push(`work stopped, owner ${await other.getLockOwner()}`);
      },
      onRevoked: () => void events.push('revoked'),
    });
    await vi.waitFor(() => expect(election.isLeader).toBe(true));
    await election.stop();
    expect(events).toEqual(['elected', `work stopped, owner ${client.instanceId}`, 'revoked']);
    expect(await other.getLockOwner()).toBeNull();
    const again = client.elect({
      name: 'more',
      onElected: (t) => new Promise<void>((r) => t.signal.addEventListener('abort', () => r())),
    });
    await vi.waitFor(() => expect(again.isLeader).toBe(true));
    await client.close(); // would never settle before the fix
  });

  it('work that ignores the signal holds the lease at most shutdownTimeout', async () => {
    const { client } = pods.pod({ namespace: 'stubborn', shutdownTimeout: 200 });
    const election = client.elect({ onElected: () => new Promise(() => {}) });
    await vi.waitFor(() => expect(election.isLeader).toBe(true));
    const started = performance.now();
    await client.close();
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(await server.get(ownerKeys(pods.prefix, 'stubborn').lock)).toBeNull();
  });
});

describe('F5: names Redis Cluster cannot hash-tag, and errors no retry can fix', () => {
  it.each([
    ['acquire', (c: LockClient) => c.acquire('}x')],
    ['tryAcquire', (c: LockClient) => c.tryAcquire('}x')],
    ['withLock', (c: LockClient) => c.withLock('}x', () => 1)],
  ])('%s refuses a key starting with "}" before touching Redis', async (_name, call) => {
    const redis = tripwire();
    const client = new LockClient({ redis });
    await expect(call(client)).rejects.toThrow(/must not start with "}"/);
    expect(() => client.lock('}x', () => {})).toThrow(RangeError);
    expect(() => client.elect({ name: '}x' })).toThrow(/must not start with "}"/);
    expect(() => new LockClient({ redis, namespace: '}ns' })).toThrow(/must not start with "}"/);
    expect(redis.calls).toEqual([]);
    await client.close();
  });

  it('a CROSSSLOT (or any permanent) reply ends a wait with that error instead of retrying forever', async () => {
    const base = server.duplicate();
    const crossSlot = (): Promise<never> =>
      Promise.reject(new ReplyError("CROSSSLOT Keys in request don't hash to the same slot"));
    const redis: RedisConnection = {
      ...base,
      evalsha: crossSlot,
      eval: crossSlot,
      get: (k) => base.get(k),
      set: base.set.bind(base),
      duplicate: () => base.duplicate(),
    } as RedisConnection;
    const client = new LockClient({ redis });
    client.on('error', () => {});
    await expect(client.acquire('k')).rejects.toThrow(/^CROSSSLOT/);
    await expect(client.tryAcquire('k')).rejects.toThrow(/^CROSSSLOT/);
    await client.close();
  });
});

describe('F9: a ttl that could never be held', () => {
  it.each([1, 2, 9])('ttl %i is refused everywhere, before Redis', async (ttl) => {
    const redis = tripwire();
    const client = new LockClient({ redis });
    await expect(client.acquire('k', { ttl })).rejects.toThrow(/at least 10 ms/);
    await expect(client.tryAcquire('k', { ttl })).rejects.toThrow(/at least 10 ms/);
    expect(() => client.lock('k', () => {}, ttl)).toThrow(/at least 10 ms/);
    expect(() => client.elect({ leaseTtl: ttl })).toThrow(/at least 10 ms/);
    expect(() => new LockClient({ redis, ttl })).toThrow(/at least 10 ms/);
    expect(() => new LockClient({ redis, ownerTtl: ttl })).toThrow(/at least 10 ms/);
    expect(redis.calls).toEqual([]);
    await client.close();
  });

  it('lease.extend(ttl) below 10 ms is refused, and the lease keeps its expiry', async () => {
    const { client } = pods.pod();
    const lease = await client.acquire('k', { ttl: 5_000, autoExtend: false });
    await expect(lease.extend(2)).rejects.toThrow(/at least 10 ms/);
    expect(lease.remaining()).toBeGreaterThan(4_000);
  });
});

describe('F11: names with lone UTF-16 surrogates', () => {
  it('are refused as lock names, namespaces and instance ids', async () => {
    const redis = tripwire();
    const client = new LockClient({ redis });
    await expect(client.acquire('a\uD800')).rejects.toThrow(/lone UTF-16 surrogate/);
    expect(() => new LockClient({ redis, namespace: 'ns\uDC00' })).toThrow(/lone UTF-16 surrogate/);
    expect(() => new LockClient({ redis, instanceId: 'pod\uD800' })).toThrow(/lone UTF-16 surrogate/);
    expect(redis.calls).toEqual([]);
    await client.close();
  });

  it('the fake stores raw keys as Redis does: two names that differ only in a lone surrogate are one', async () => {
    await server.set('a\uD800', 'first');
    await server.set('a\uDBFF', 'second', 'NX');
    expect(await server.get('a\uD800')).toBe('first');
    expect(await server.get('a\uFFFD')).toBe('first');
  });
});

describe('close() and a lease lost meanwhile', () => {
  it('a lease lost before release() never releases: an owner token may hold a newer term', async () => {
    const { client, redis } = pods.pod();
    const lease = await client.acquire('k', { ttl: 1_000, autoExtend: false });
    await server.del(lockKeys(pods.prefix, 'k').lock);
    await expect(lease.extend()).rejects.toBeInstanceOf(LockLostError);
    const scripts = [vi.spyOn(redis, 'evalsha'), vi.spyOn(redis, 'eval')];
    expect(await lease.release()).toBe(false);
    for (const spy of scripts) expect(spy).not.toHaveBeenCalled();
  });
});
