// Regression tests for the findings of the review that tried to break lock-core (F1–F11), and for the
// guarantees added with their fixes: fences that survive data loss, dead waiters skipped at once, work
// that keeps its lease through close(). Each failed against the code before its fix.
import type { LockLostError } from '@edirect/lock-core';
import { lockKeys, ownerKeys } from '@edirect/lock-core/testing';
import { debugSleep } from '@internal/redis-server';
import { ownRedisServer, podFactory, redisUrl, sleep } from '@internal/test-harness';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startProc } from './processes.js';

const pods = podFactory({ label: 'findings' });
const { pod, prefix } = pods;
let n = 0;
const key = (label = 'k') => `${label}-${++n}`;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('F1: whatever shortens a lease in Redis shortens its local deadline', () => {
  it('lease.extend(shorter ttl): the lease stops counting as held when Redis lets the key go', async () => {
    const { client, redis } = pod();
    const k = key();
    const lease = await client.acquire(k, { ttl: 10_000, autoExtend: false });
    await lease.extend(300);
    expect(lease.remaining()).toBeLessThanOrEqual(300);
    const pttl = await redis.pttl(lockKeys(prefix, k).lock);
    expect(pttl).toBeLessThanOrEqual(300);
    await sleep(pttl + 50);
    expect(await redis.exists(lockKeys(prefix, k).lock)).toBe(0);
    expect(lease.isHeld()).toBe(false);
    expect(lease.signal.aborted).toBe(true);
  });

  it('a renewing lease extended to a shorter ttl renews at the new ttl/3 and stays held', async () => {
    const { client, redis } = pod();
    const k = key();
    const lease = await client.acquire(k, { ttl: 30_000 });
    await lease.extend(300); // renewals now every 100 ms, not every 10 s
    await sleep(900);
    expect(lease.isHeld()).toBe(true);
    const pttl = await redis.pttl(lockKeys(prefix, k).lock);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(300);
    await lease.release();
  });

  it('a waiter handed a grant queued for an earlier local waiter’s longer ttl holds it for its own ttl', async () => {
    const a = pod().client;
    const { client: b, redis } = pod();
    const k = key();
    const held = await a.acquire(k);
    // b's first waiter queues b's entry with ttl 30 s, then gives up; the second asked for 400 ms.
    const first = b.acquire(k, { ttl: 30_000, waitTimeout: 300 }).catch((e: unknown) => e);
    await vi.waitFor(async () => expect(await redis.llen(lockKeys(prefix, k).queue)).toBe(1));
    const second = b.acquire(k, { ttl: 400, autoExtend: false });
    await first;
    await held.release();
    const lease = await second;
    expect(lease.remaining()).toBeLessThanOrEqual(400);
    expect(await redis.pttl(lockKeys(prefix, k).lock)).toBeLessThanOrEqual(400);
    await sleep(450);
    expect(lease.isHeld()).toBe(false);
    const next = await a.tryAcquire(k);
    expect(next).not.toBeNull();
    await next?.release();
  });
});

describe('F2: fences never go backwards, even when Redis loses the counter', () => {
  it('a restart without persistence: the next fence is above every fence handed out before', async () => {
    const server = await ownRedisServer();
    const pods2 = podFactory({
      label: 'restart',
      connect: () => new Redis(server.url, { maxRetriesPerRequest: 1 }),
    });
    const { client } = pods2.pod();
    const k = key();
    const fences: number[] = [];
    for (let i = 0; i < 3; i++) {
      const lease = await client.acquire(k);
      fences.push(lease.fence);
      await lease.release();
    }
    await server.restart();
    const after = await vi.waitFor(() => client.acquire(k, { waitTimeout: 200 }), { timeout: 10_000 });
    expect(after.fence).toBeGreaterThan(Math.max(...fences));
    await after.release();
    await pods2.closeAll();
  });

  it('the fence key evicted (deleted) while a holder still holds: the next holder’s fence is larger', async () => {
    const { client, redis } = pod();
    const k = key();
    const old = await client.acquire(k, { ttl: 500, autoExtend: false });
    await redis.del(lockKeys(prefix, k).fence);
    await sleep(550);
    const next = await client.acquire(k);
    expect(next.fence).toBeGreaterThan(old.fence);
    await next.release();
  });

  it('an election’s term fence too', async () => {
    const { client, redis } = pod({ namespace: key('ns') });
    const terms: number[] = [];
    const election = client.elect({ leaseTtl: 3_000, onElected: (t) => void terms.push(t.fence) });
    await vi.waitFor(() => expect(terms).toHaveLength(1));
    await election.stop();
    await redis.del(ownerKeys(prefix, client.namespace).fence);
    const again = client.elect({ leaseTtl: 3_000, onElected: (t) => void terms.push(t.fence) });
    await vi.waitFor(() => expect(terms).toHaveLength(2));
    expect(terms[1]).toBeGreaterThan(terms[0] as number);
    await again.stop();
  });
});

describe('F3: isLockOwner() on a leading pod never changes its lease’s expiry', () => {
  it('the owner key keeps the election’s ttl; only the lease’s own renewal touches it', async () => {
    const ns = key('ns');
    const { client, redis } = pod({ namespace: ns, ownerTtl: 1_000 });
    const election = client.elect({ leaseTtl: 6_000, renewDeadline: 4_000, retryPeriod: 3_000 });
    await vi.waitFor(() => expect(election.isLeader).toBe(true));
    expect(await client.isLockOwner()).toBe(true);
    expect(await redis.pttl(ownerKeys(prefix, ns).lock)).toBeGreaterThan(4_000);
    await election.stop();
  });
});

describe('F6: a connection with its own keyPrefix hands over at full speed', () => {
  it('the grant reaches the waiter at once, not at the next poll', async () => {
    const prefixed = podFactory({
      label: 'conn-prefix',
      connect: () => new Redis(redisUrl(), { keyPrefix: `${prefix}conn:`, maxRetriesPerRequest: 1 }),
    });
    const a = prefixed.pod({ keyPrefix: '', fallbackPoll: 10_000 }).client;
    const b = prefixed.pod({ keyPrefix: '', fallbackPoll: 10_000 }).client;
    const k = key();
    const held = await a.acquire(k);
    const waiting = b.acquire(k);
    await sleep(100);
    const releasedAt = performance.now();
    await held.release();
    const next = await waiting;
    expect(performance.now() - releasedAt).toBeLessThan(1_000);
    await next.release();
    await prefixed.closeAll(); // its keys are under `${prefix}conn:`, which the file's cleanup deletes
  });
});

describe('F7: liveness of waiters is judged on the server’s clock, not the pods’', () => {
  it('a releasing pod whose clock is a minute ahead still hands the lock to the live waiter', async () => {
    const a = pod({ fallbackPoll: 10_000 }).client;
    const { client: b, redis } = pod({ fallbackPoll: 10_000 });
    const k = key();
    const held = await a.acquire(k);
    const waiting = b.acquire(k);
    await vi.waitFor(async () => expect(await redis.llen(lockKeys(prefix, k).queue)).toBe(1));
    const real = Date.now;
    vi.spyOn(Date, 'now').mockImplementation(() => real() + 60_000);
    const releasedAt = performance.now();
    await held.release();
    vi.restoreAllMocks();
    const next = await waiting;
    expect(performance.now() - releasedAt).toBeLessThan(1_000);
    await next.release();
  });
});

describe('F8: a lease is never handed out past (or near) its deadline after a Redis stall', () => {
  it('acquire() during a stall longer than the ttl resolves with a lease that is held, or waits', async () => {
    const server = await ownRedisServer({ args: ['--enable-debug-command', 'local'] });
    const stalled = podFactory({ label: 'stall', connect: () => new Redis(server.url) });
    const { client } = stalled.pod();
    const k = key();
    await (await client.acquire(k, { ttl: 300 })).release(); // scripts loaded, connection warm
    const sleeping = debugSleep(server.url, 0.6);
    await sleep(20);
    const lease = await client.acquire(k, { ttl: 300 });
    await sleeping;
    expect(lease.isHeld()).toBe(true);
    expect(lease.signal.aborted).toBe(false);
    expect(lease.remaining()).toBeGreaterThan(100);
    await lease.release();
    await stalled.closeAll();
  });
});

// F10 (SUBSCRIBE before ioredis's ready check) needs a slow handshake to reproduce: see faults.int.test.ts.

describe('a dead waiter costs nothing', () => {
  it('a waiter killed with SIGKILL is skipped at once: the next live waiter is handed the lock', async () => {
    const a = pod({ fallbackPoll: 10_000 }).client;
    const { client: c, redis } = pod({ fallbackPoll: 10_000 });
    const k = key();
    const held = await a.acquire(k);
    const doomed = startProc('waiter.mjs', [redisUrl(), prefix, k, '30000']);
    await doomed.next('waiting');
    await vi.waitFor(async () => expect(await redis.llen(lockKeys(prefix, k).queue)).toBe(1), {
      timeout: 5_000,
    });
    const live = c.acquire(k);
    await vi.waitFor(async () => expect(await redis.llen(lockKeys(prefix, k).queue)).toBe(2), {
      timeout: 5_000,
    });
    doomed.child.kill('SIGKILL');
    await doomed.exited();
    await sleep(50); // Redis notices the closed connection and drops its subscription
    const releasedAt = performance.now();
    await held.release();
    const lease = await live;
    const delay = performance.now() - releasedAt;
    console.log(`dead waiter skipped: the live one held the lock ${delay.toFixed(1)} ms after the release`);
    expect(delay).toBeLessThan(1_000); // not the dead one's 30 s ttl, nor a 10 s poll
    await lease.release();
  });
});

describe('close() lets work under a lease finish before it releases', () => {
  it('a withLock body still running keeps its lease; the lock goes to the next pod only when it ends', async () => {
    const a = pod().client;
    const b = pod().client;
    const k = key();
    let finish!: () => void;
    const running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let bodyDone = false;
    const work = a.withLock(k, async () => {
      await running;
      bodyDone = true;
    });
    await sleep(50);
    const closing = a.close();
    const next = b.acquire(k);
    let gotAt = 0;
    void next.then(() => {
      gotAt = performance.now();
    });
    await sleep(300);
    expect(gotAt).toBe(0); // still a's: its body runs
    finish();
    await work;
    await closing;
    const lease = await next;
    expect(bodyDone).toBe(true);
    await lease.release();
  });

  it('within shutdownTimeout only: a body that never ends loses its lease then, and close() settles', async () => {
    const a = pod({ shutdownTimeout: 300 }).client;
    const b = pod().client;
    const k = key();
    let lost: LockLostError | undefined;
    void a.withLock(k, (lease) => {
      lease.signal.addEventListener('abort', () => {
        lost = lease.signal.reason as LockLostError;
      });
      return new Promise(() => {});
    });
    await sleep(50);
    const started = performance.now();
    await a.close();
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(performance.now() - started).toBeLessThan(3_000);
    const lease = await b.acquire(k, { waitTimeout: 2_000 });
    expect(lost).toBeUndefined(); // released, not lost: it just stops being held
    await lease.release();
  });

  it('an ifLockOwner body keeps the ownership until it returns', async () => {
    const ns = key('ns');
    const a = pod({ namespace: ns }).client;
    const b = pod({ namespace: ns }).client;
    let finish!: () => void;
    const job = a.ifLockOwner(
      () =>
        new Promise<string>((resolve) => {
          finish = () => resolve('done');
        }),
    );
    await vi.waitFor(() => expect(finish).toBeTypeOf('function'));
    const closing = a.close();
    await sleep(200);
    expect(await b.isLockOwner()).toBe(false);
    finish();
    expect(await job).toBe('done');
    await closing;
    expect(await b.isLockOwner()).toBe(true);
  });
});
