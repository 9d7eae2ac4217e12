// The client's waiting, renewal, loss, timeout and abort logic on the in-memory fake under fake timers:
// minutes of lease time run in milliseconds, with no server.
import { type LockLostError, LockTimeoutError } from '@edirect/lock-core';
import { InMemoryRedis, lockKeys } from '@edirect/lock-core/testing';
import { podFactory } from '@internal/test-harness';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

let server: InMemoryRedis;
const pods = podFactory({ label: 'logic', connect: () => server.duplicate() });
const { pod, prefix } = pods;

beforeEach(() => {
  vi.useFakeTimers();
  server = new InMemoryRedis();
});
afterEach(async () => {
  await pods.closeAll();
  vi.useRealTimers();
});

describe('waiting', () => {
  it('serves a process’s waiters in FIFO order with one Redis attempt, not one each', async () => {
    const a = pod().client;
    const { client: b, redis } = pod();
    const evalsha = vi.spyOn(redis, 'evalsha');
    const held = await a.acquire('k');
    const order: number[] = [];
    const done = [0, 1, 2, 3, 4].map((i) => b.withLock('k', async () => void order.push(i)));
    await vi.advanceTimersByTimeAsync(50);
    expect(evalsha.mock.calls.length).toBeLessThanOrEqual(2); // one try, one enqueue, for five waiters
    await held.release();
    await Promise.all(done);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('a holder that dies without releasing: the waiter gets the lock when its ttl runs out, not before', async () => {
    const a = pod().client;
    const b = pod({ fallbackPoll: 60_000 }).client;
    await a.tryAcquire('k', { ttl: 10_000 }); // never released, never renewed
    let got = false;
    const waiting = b.acquire('k').then((lease) => {
      got = true;
      return lease;
    });
    await vi.advanceTimersByTimeAsync(9_900);
    expect(got).toBe(false);
    await vi.advanceTimersByTimeAsync(200); // slept on the PTTL the failed attempt returned
    expect(got).toBe(true);
    await (await waiting).release();
  });

  it('waitTimeout rejects with LockTimeoutError; an aborted signal rejects with its reason', async () => {
    const a = pod().client;
    const b = pod().client;
    await a.acquire('k');
    const timedOut = b.acquire('k', { waitTimeout: 5_000 }).catch((err: unknown) => err);
    const controller = new AbortController();
    const aborted = b.acquire('k', { signal: controller.signal }).catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort(new Error('cancelled'));
    await vi.advanceTimersByTimeAsync(4_100);
    expect(await timedOut).toBeInstanceOf(LockTimeoutError);
    expect((await aborted) as Error).toHaveProperty('message', 'cancelled');
  });

  it('a signal aborted while the first attempt is out: rejects with its reason and never queues', async () => {
    const a = pod().client;
    const b = pod().client;
    const held = await a.acquire('k');
    const controller = new AbortController();
    const aborted = b.acquire('k', { signal: controller.signal }).catch((err: unknown) => err);
    controller.abort(new Error('cancelled at once'));
    expect((await aborted) as Error).toHaveProperty('message', 'cancelled at once');
    await held.release();
    // Nobody was queued behind the holder: b takes the lock on its first attempt.
    expect(await b.tryAcquire('k')).not.toBeNull();
  });
});

describe('renewal and loss', () => {
  it('renews at ttl/3: a 3 s lease is still held after 10 minutes', async () => {
    const { client, redis } = pod();
    const lease = await client.acquire('k', { ttl: 3_000 });
    await vi.advanceTimersByTimeAsync(600_000);
    expect(lease.isHeld()).toBe(true);
    expect(Number(await redis.call('PTTL', lockKeys(prefix, lease.key).lock))).toBeGreaterThan(1_000);
    await lease.release();
  });

  it('the key deleted behind its back: the signal aborts with "deleted" at the next renewal', async () => {
    const { client, redis } = pod();
    const lease = await client.acquire('k', { ttl: 3_000 });
    await redis.call('DEL', lockKeys(prefix, lease.key).lock);
    await vi.advanceTimersByTimeAsync(1_001);
    expect(lease.signal.aborted).toBe(true);
    expect((lease.signal.reason as LockLostError).reason).toBe('deleted');
  });

  it('without autoExtend the signal aborts at ttl - drift; with maxHold renewal stops and it runs out', async () => {
    const { client } = pod();
    const plain = await client.acquire('a', { ttl: 1_000, autoExtend: false });
    await vi.advanceTimersByTimeAsync(1_000 - 12 - 1);
    expect(plain.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect((plain.signal.reason as LockLostError).reason).toBe('expired');

    const capped = await client.acquire('b', { ttl: 1_000, maxHold: 5_000 });
    await vi.advanceTimersByTimeAsync(4_900);
    expect(capped.isHeld()).toBe(true);
    await vi.advanceTimersByTimeAsync(1_200);
    expect((capped.signal.reason as LockLostError).reason).toBe('max-hold');
  });

  it('ownership is sticky: renewed in the background, lost to nobody while the owner lives', async () => {
    const a = pod({ instanceId: 'a', ownerTtl: 15_000 }).client;
    const b = pod({ instanceId: 'b', ownerTtl: 15_000 }).client;
    expect(await a.isLockOwner()).toBe(true);
    for (let minute = 0; minute < 5; minute++) {
      await vi.advanceTimersByTimeAsync(60_000);
      expect(await b.isLockOwner()).toBe(false);
    }
    expect(await a.getLockOwner()).toBe('a');
  });
});

describe('a connection that throws instead of rejecting', () => {
  it('a waiter giving up withdraws in the background: the throw becomes an error event, not a crash', async () => {
    const a = pod().client;
    const { client: b, redis } = pod();
    const errors: unknown[] = [];
    b.on('error', (err) => errors.push(err));
    await a.acquire('k');
    const waiting = b.acquire('k', { waitTimeout: 2_000 }).catch((err: unknown) => err);
    await vi.advanceTimersByTimeAsync(100); // b is queued in Redis now
    redis.evalsha = () => {
      throw new Error('socket gone');
    };
    // The timeout fires from a timer; withdrawing b's entry runs the release script from there.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await waiting).toBeInstanceOf(LockTimeoutError);
    expect(errors.map((e) => (e as Error).message)).toContain('socket gone');
  });
});
