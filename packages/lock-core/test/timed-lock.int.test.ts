import { LockTimeoutError } from '@edirect/lock-core';
import { lockKeys } from '@edirect/lock-core/testing';
import { podFactory, sleep } from '@internal/test-harness';
import { describe, expect, it } from 'vitest';

const { pod, prefix } = podFactory({ label: 'timed' });
let n = 0;
const key = () => `job-${++n}`;

describe('timed lock on real Redis', () => {
  it('acquire, release, and a second holder gets a larger fence', async () => {
    const { client } = pod();
    const k = key();
    const first = await client.acquire(k);
    expect(first.isHeld()).toBe(true);
    expect(await first.release()).toBe(true);
    expect(first.isHeld()).toBe(false);
    const second = await client.acquire(k);
    expect(second.fence).toBeGreaterThan(first.fence);
    await second.release();
  });

  it('tryAcquire returns null while another pod holds the key', async () => {
    const a = pod().client;
    const b = pod().client;
    const k = key();
    const lease = await a.acquire(k);
    expect(await b.tryAcquire(k)).toBeNull();
    await lease.release();
    const mine = await b.tryAcquire(k);
    expect(mine).not.toBeNull();
    await mine?.release();
  });

  it('waitTimeout rejects with LockTimeoutError and leaves the queue clean', async () => {
    const a = pod();
    const b = pod().client;
    const k = key();
    const lease = await a.client.acquire(k);
    const started = performance.now();
    await expect(b.acquire(k, { waitTimeout: 150 })).rejects.toBeInstanceOf(LockTimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    await expect(b.acquire(k, { waitTimeout: 0 })).rejects.toBeInstanceOf(LockTimeoutError);
    await lease.release();
    await expect.poll(() => a.redis.llen(`${lockKeys(prefix, lease.key).queue}`)).toBe(0);
    expect(await a.redis.exists(lockKeys(prefix, lease.key).lock)).toBe(0);
  });

  it('an aborted signal stops the wait with its reason', async () => {
    const a = pod().client;
    const b = pod().client;
    const k = key();
    const lease = await a.acquire(k);
    const controller = new AbortController();
    const waiting = b.acquire(k, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(waiting).rejects.toThrow('shutting down');
    const pre = new AbortController();
    pre.abort(new Error('already'));
    await expect(b.acquire(k, { signal: pre.signal })).rejects.toThrow('already');
    await lease.release();
  });

  it('a waiter in another pod gets the lock within milliseconds of the release (notified, not polling)', async () => {
    const a = pod().client;
    const b = pod({ fallbackPoll: 5_000 }).client;
    const k = key();
    const lease = await a.acquire(k);
    // Let b queue up, then time release → b's acquisition.
    const waiting = b.acquire(k).then((l) => ({ l, at: performance.now() }));
    await sleep(100);
    const releasedAt = performance.now();
    await lease.release();
    const { l, at } = await waiting;
    const handoffMs = at - releasedAt;
    expect(handoffMs).toBeLessThan(250); // a few ms here; the margin is for a loaded 2-core machine
    expect(l.fence).toBeGreaterThan(lease.fence);
    await l.release();
  });

  it('when the holder dies without releasing, a waiter gets the lock right after the ttl runs out', async () => {
    const a = pod().client;
    const b = pod({ fallbackPoll: 10_000 }).client;
    const k = key();
    const dead = await a.tryAcquire(k, { ttl: 600 }); // never released, not extended: a crashed holder
    const takenAt = performance.now();
    expect(dead).not.toBeNull();
    const lease = await b.acquire(k);
    const waited = performance.now() - takenAt;
    expect(waited).toBeGreaterThanOrEqual(550);
    expect(waited).toBeLessThan(600 + 400); // slept on the PTTL, not on the 10 s poll
    await lease.release();
  });

  it('serves waiters FIFO across pods', async () => {
    const holder = pod().client;
    const k = key();
    const lease = await holder.acquire(k);
    const order: string[] = [];
    const waiters = ['p1', 'p2', 'p3', 'p4'].map((name) => ({ name, client: pod().client }));
    const done: Promise<void>[] = [];
    for (const w of waiters) {
      done.push(
        w.client.withLock(k, async () => {
          order.push(w.name);
          await sleep(5);
        }),
      );
      await sleep(40); // queue in a known order
    }
    await lease.release();
    await Promise.all(done);
    expect(order).toEqual(['p1', 'p2', 'p3', 'p4']);
  });

  it('many waiters in one process: FIFO, and one Redis attempt per handoff, not one each', async () => {
    const a = pod().client;
    const { client: b, redis: bRedis } = pod();
    const k = key();
    let scriptCalls = 0;
    const evalsha = bRedis.evalsha.bind(bRedis);
    bRedis.evalsha = ((...args: Parameters<typeof evalsha>) => {
      scriptCalls++;
      return evalsha(...args);
    }) as typeof bRedis.evalsha;
    const lease = await a.acquire(k);
    const order: number[] = [];
    const all = Array.from({ length: 10 }, (_, i) =>
      b.withLock(k, async () => {
        order.push(i);
      }),
    );
    await sleep(100);
    const before = scriptCalls;
    expect(before).toBeLessThanOrEqual(2); // one try, then one enqueue, for ten waiters
    await lease.release();
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Each of the ten releases hands to the next local waiter in the same script call.
    expect(scriptCalls - before).toBeLessThanOrEqual(11);
  });

  it('a lost notification costs at most the fallback poll', async () => {
    const a = pod().client;
    const { client: b, redis: bRedis } = pod({ fallbackPoll: 400 });
    const k = key();
    // Drop the first grant message b's subscriber receives.
    const duplicate = bRedis.duplicate.bind(bRedis);
    let dropped = 0;
    bRedis.duplicate = ((...args: Parameters<typeof duplicate>) => {
      const sub = duplicate(...args);
      const emit = sub.emit.bind(sub);
      sub.emit = ((event: string, ...rest: unknown[]) => {
        if (event === 'message' && dropped === 0) {
          dropped++;
          return true;
        }
        return emit(event, ...rest);
      }) as typeof sub.emit;
      return sub;
    }) as typeof bRedis.duplicate;
    const lease = await a.acquire(k);
    const waiting = b.acquire(k).then(() => performance.now());
    await sleep(150);
    const releasedAt = performance.now();
    await lease.release();
    const waited = (await waiting) - releasedAt;
    expect(dropped).toBe(1);
    expect(waited).toBeLessThan(400 + 300);
  });

  it('withLock returns the result, releases on throw, and a release failure never hides the result', async () => {
    const { client, redis } = pod();
    const k = key();
    expect(await client.withLock(k, async (lease) => lease.fence > 0)).toBe(true);
    await expect(
      client.withLock(k, async () => {
        throw new Error('job failed');
      }),
    ).rejects.toThrow('job failed');
    expect(await redis.exists(`${lockKeys(prefix, (await client.acquire(k)).key).lock}`)).toBe(1);
  });

  it('lock(): the original callback API waits, runs, and unlock() is idempotent', async () => {
    const a = pod().client;
    const b = pod().client;
    const k = key();
    const events: string[] = [];
    await new Promise<void>((resolve) => {
      a.lock(k, async (unlock) => {
        events.push('a start');
        await sleep(100);
        events.push('a end');
        unlock();
        unlock();
      });
      setTimeout(() => {
        b.lock(
          k,
          (unlock) => {
            events.push('b start');
            unlock();
            resolve();
          },
          5_000,
        );
      }, 20);
    });
    expect(events).toEqual(['a start', 'a end', 'b start']);
  });

  it('lock(): a throwing callback releases the lock and is reported as an error event', async () => {
    const a = pod().client;
    const b = pod().client;
    const k = key();
    const errors: unknown[] = [];
    a.on('error', (err) => errors.push(err));
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    a.lock(k, async () => {
      started();
      await sleep(20);
      throw new Error('boom');
    });
    await running;
    const lease = await b.acquire(k, { waitTimeout: 5_000 });
    expect(errors.map((e) => (e as Error).message)).toContain('boom');
    await lease.release();
  });

  it('release after expiry returns false and leaves the new holder alone; extend then rejects', async () => {
    const a = pod().client;
    const b = pod().client;
    const k = key();
    const old = await a.tryAcquire(k, { ttl: 200 });
    await sleep(300);
    const current = await b.acquire(k);
    expect(await old?.release()).toBe(false);
    expect(current.isHeld()).toBe(true);
    expect(await b.tryAcquire(k)).toBeNull();
    await expect(old?.extend()).rejects.toMatchObject({ code: 'LOCK_NOT_HELD' });
    await current.release();
  });

  it('await using releases at the end of the block', async () => {
    const { client } = pod();
    const k = key();
    {
      await using lease = await client.acquire(k);
      expect(lease.isHeld()).toBe(true);
    }
    const again = await client.tryAcquire(k);
    expect(again).not.toBeNull();
    await again?.release();
  });
});
