// The handover of a win to the local head, on the fake with a delaying link (fake timers: deterministic).
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis, lockKeys } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { linked } from './properties/link.js';

afterEach(() => vi.useRealTimers());

describe('handover', () => {
  // Found by the model test (seed 777, run 16973 of 20000 × 80 steps, invariant I2). The head's refresh
  // and another lease's release both win the lock for the head's entry; the refresh's reply comes first,
  // with the entry's ttl (queued for a waiter that gave up) not the head's, so the win is confirmed. The
  // release's grant then arrives mid-confirmation, found no entry, and was passed on: released by token
  // and fence, which freed the very hold being confirmed. The lease was handed out with Redis empty.
  it('a grant arriving while its own win is confirmed is the same win: not passed on (released)', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const server = new InMemoryRedis();
    const client = new LockClient({
      redis: linked(server.duplicate(), { request: 1, reply: 0, message: 1 }),
      fallbackPoll: 250,
    });
    const keys = lockKeys('', 'b');
    const first = client.tryAcquire('b', { ttl: 200, autoExtend: true });
    // Queues this client's entry with ttl 200, then gives up: the entry stays, refreshed for the next head.
    const gaveUp = client.withLock('b', () => {}, { ttl: 200, waitTimeout: 30 }).catch((e: Error) => e);
    const head = client.acquire('b', { ttl: 40, autoExtend: false });
    await vi.advanceTimersByTimeAsync(250);
    expect(await gaveUp).toMatchObject({ name: 'LockTimeoutError' });
    const held = await first;
    // Another caller wakes the head, whose refresh goes out with the release: the release hands the lock
    // to the entry, and the refresh then finds it its own.
    const next = client.acquire('b', { ttl: 200, autoExtend: false });
    const released = held?.release();
    await vi.advanceTimersByTimeAsync(5);
    expect(await released).toBe(true);
    const lease = await head;
    expect(lease.isHeld()).toBe(true);
    expect(await server.get(keys.lock)).toBe(lease.token);
    await vi.advanceTimersByTimeAsync(10);
    expect(lease.isHeld()).toBe(true);
    expect(await server.get(keys.lock)).toBe(lease.token);
    // The link's delays run on the fake clock: advance it while the release and close() are answered.
    const done = lease
      .release()
      .then(async () => (await next).release())
      .then(() => client.close());
    await vi.advanceTimersByTimeAsync(100);
    await done;
  });
});
