import { type Lease, LockLostError, LockTimeoutError } from '@edirect/lock-core';
import { describe, expect, it, vi } from 'vitest';
import { queued, type Suite, unique, WAIT } from './backend.js';

export function timedLockContract(s: Suite): void {
  describe('timed lock', () => {
    it('tryAcquire takes a free lock, refuses a held one, and gets it again once released', async () => {
      const a = s.pod();
      const b = s.pod();
      const key = unique('try');
      const lease = await a.client.tryAcquire(key);
      expect(lease).not.toBeNull();
      expect(lease?.isHeld()).toBe(true);
      expect(lease?.key).toBe(key);
      expect(await b.client.tryAcquire(key)).toBeNull();
      expect(await lease?.release()).toBe(true);
      const again = await b.client.tryAcquire(key);
      expect(again?.fence).toBeGreaterThan(lease?.fence ?? Number.POSITIVE_INFINITY);
      await again?.release();
    });

    it('acquire waits for the holder to release, then gets the next fence', async () => {
      const a = s.pod();
      const b = s.pod();
      const key = unique('wait');
      const first = await a.client.acquire(key);
      const pending = b.client.acquire(key);
      await queued(s, key, 1);
      expect(await first.release()).toBe(true);
      const second = await pending;
      expect(second.isHeld()).toBe(true);
      expect(second.fence).toBeGreaterThan(first.fence);
      expect(await second.release()).toBe(true);
    });

    it('hands the lock over in FIFO order between clients sharing one server', async () => {
      const [a, b, c] = [s.pod(), s.pod(), s.pod()];
      const key = unique('fifo');
      const first = await a.client.acquire(key);
      const order: string[] = [];
      const noting = (name: string) => (lease: Lease) => {
        order.push(name);
        return lease;
      };
      const leaseB = b.client.acquire(key).then(noting('b'));
      await queued(s, key, 1);
      const leaseC = c.client.acquire(key).then(noting('c'));
      await queued(s, key, 2);
      await first.release();
      const second = await leaseB;
      expect(order).toEqual(['b']);
      expect(await a.client.tryAcquire(key)).toBeNull();
      await second.release();
      const third = await leaseC;
      expect(order).toEqual(['b', 'c']);
      expect(second.fence).toBeGreaterThan(first.fence);
      expect(third.fence).toBeGreaterThan(second.fence);
      await third.release();
    });

    it('serves waiters of one client in FIFO order too', async () => {
      const a = s.pod();
      const b = s.pod();
      const key = unique('local-fifo');
      const first = await a.client.acquire(key);
      const order: number[] = [];
      const waiters = [1, 2, 3].map((n) =>
        b.client.acquire(key).then(async (lease) => {
          order.push(n);
          await lease.release();
        }),
      );
      await queued(s, key, 1);
      await first.release();
      await Promise.all(waiters);
      expect(order).toEqual([1, 2, 3]);
    });

    it('withLock returns what fn returns, holding the lock while fn runs and releasing it after', async () => {
      const a = s.pod();
      const b = s.pod();
      const key = unique('with');
      const result = await a.client.withLock(key, async (lease) => {
        expect(lease.isHeld()).toBe(true);
        expect(await b.client.tryAcquire(key)).toBeNull();
        return 42;
      });
      expect(result).toBe(42);
      const after = await b.client.tryAcquire(key);
      expect(after).not.toBeNull();
      await after?.release();
    });

    it('withLock passes fn’s error on and still releases the lock', async () => {
      const a = s.pod();
      const b = s.pod();
      const key = unique('with-throw');
      await expect(
        a.client.withLock(key, () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const after = await b.client.tryAcquire(key);
      expect(after).not.toBeNull();
      await after?.release();
    });

    it('lock(key, cb, ttl) calls back once the key is free; unlock() frees it for the next', async () => {
      const a = s.pod();
      const b = s.pod();
      const key = unique('lock');
      const held = await b.client.tryAcquire(key);
      const unlocked = new Promise<() => void>((resolve) => a.client.lock(key, resolve, 10_000));
      await queued(s, key, 1);
      await held?.release();
      const unlock = await unlocked;
      expect(await b.client.tryAcquire(key)).toBeNull();
      unlock();
      unlock(); // idempotent
      let next: Lease | null = null;
      await vi.waitFor(async () => {
        next = await b.client.tryAcquire(key);
        expect(next).not.toBeNull();
      }, WAIT);
      await (next as Lease | null)?.release();
    });

    it('a lease that is not renewed expires in Redis; the waiter then gets the lock', async () => {
      const a = s.pod();
      const b = s.pod();
      const c = s.pod();
      const key = unique('expiry');
      const stale = await a.client.tryAcquire(key, { ttl: 800 }); // tryAcquire does not auto-extend
      expect(stale).not.toBeNull();
      const pttl = await s.backend.inspect.pttl(s.keysOf(key).lock);
      expect(pttl).not.toBe(-1); // it has an expiry (-2 would mean it already ran out: a slow machine)
      expect(pttl).toBeLessThanOrEqual(800);
      const fresh = await b.client.acquire(key, { waitTimeout: 20_000 });
      // Ordering, not timing: the new holder exists only after Redis expired the old lease, which the
      // old lease's local deadline (set before Redis's expiry) has seen by then.
      expect(stale?.isHeld()).toBe(false);
      await vi.waitFor(() => expect(stale?.signal.aborted).toBe(true), WAIT);
      expect(stale?.signal.reason).toBeInstanceOf(LockLostError);
      expect(fresh.fence).toBeGreaterThan(stale?.fence ?? Number.POSITIVE_INFINITY);

      // The late release must not delete the new holder's lock.
      expect(await stale?.release()).toBe(false);
      expect(fresh.isHeld()).toBe(true);
      expect(await c.client.tryAcquire(key)).toBeNull();
      expect(await fresh.release()).toBe(true);
    });

    it('release after expiry, with the key free, returns false', async () => {
      const a = s.pod();
      const key = unique('expired-free');
      const lease = await a.client.tryAcquire(key, { ttl: 200 });
      await vi.waitFor(async () => expect(await s.backend.inspect.exists(s.keysOf(key).lock)).toBe(0), WAIT);
      expect(await lease?.release()).toBe(false);
    });

    it('release twice: true, then false', async () => {
      const a = s.pod();
      const lease = await a.client.acquire(unique('twice'));
      expect(await lease.release()).toBe(true);
      expect(await lease.release()).toBe(false);
      expect(lease.isHeld()).toBe(false);
    });

    it('fencing tokens strictly increase across holders and clients', async () => {
      const pods = [s.pod(), s.pod()];
      const key = unique('fence');
      const fences: number[] = [];
      for (let i = 0; i < 6; i++) {
        const lease = await (pods[i % 2]?.client.acquire(key) as Promise<Lease>);
        fences.push(lease.fence);
        await lease.release();
      }
      for (let i = 1; i < fences.length; i++) expect(fences[i]).toBeGreaterThan(fences[i - 1] as number);
    });

    it('acquire gives up with LockTimeoutError after waitTimeout, and the lock stays usable', async () => {
      const a = s.pod();
      const b = s.pod();
      const c = s.pod();
      const key = unique('timeout');
      const held = await a.client.acquire(key);
      const err = await b.client.acquire(key, { waitTimeout: 300 }).catch((e: unknown) => e);
      expect(LockTimeoutError.isInstance(err)).toBe(true);
      expect((err as LockTimeoutError).code).toBe('LOCK_TIMEOUT');
      await held.release();
      let next: Lease | null = null;
      await vi.waitFor(async () => {
        next = await c.client.tryAcquire(key);
        expect(next).not.toBeNull();
      }, WAIT);
      await (next as Lease | null)?.release();
    });

    it('an aborted signal ends the wait with its reason', async () => {
      const a = s.pod();
      const b = s.pod();
      const key = unique('abort');
      const held = await a.client.acquire(key);
      const controller = new AbortController();
      const pending = b.client.acquire(key, { signal: controller.signal });
      await queued(s, key, 1);
      const reason = new Error('no longer needed');
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
      await held.release();
    });
  });
}
