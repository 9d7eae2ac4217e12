import { LockClosedError } from '@edirect/lock-core';
import { describe, expect, it } from 'vitest';
import { failure, queued, type Suite, unique } from './backend.js';

export function closeContract(s: Suite): void {
  describe('close()', () => {
    it('releases a held lease to the waiting client; later calls fail with LockClosedError', async () => {
      const a = s.pod();
      const b = s.pod();
      const key = unique('close');
      const held = await a.client.acquire(key);
      const pending = b.client.acquire(key);
      await queued(s, key, 1);
      await a.client.close();
      const next = await pending;
      expect(held.isHeld()).toBe(false);
      expect(next.fence).toBeGreaterThan(held.fence);
      expect(await held.release()).toBe(false);

      const calls: Array<[string, () => unknown]> = [
        ['acquire', () => a.client.acquire(key)],
        ['tryAcquire', () => a.client.tryAcquire(key)],
        ['withLock', () => a.client.withLock(key, () => 1)],
        ['lock', () => a.client.lock(key, () => {})],
        ['isLockOwner', () => a.client.isLockOwner()],
        ['setLockOwner', () => a.client.setLockOwner()],
        ['getLockOwner', () => a.client.getLockOwner()],
        ['removeLockOwner', () => a.client.removeLockOwner()],
        ['set', () => a.client.set(key, 'v')],
        ['get', () => a.client.get(key)],
        ['elect', () => a.client.elect()],
      ];
      for (const [name, call] of calls) {
        const err = await failure(call);
        expect(LockClosedError.isInstance(err), name).toBe(true);
        expect(err, name).toBeInstanceOf(LockClosedError);
      }
      await next.release();
    });

    it('rejects a pending acquire with LockClosedError and gives up the ownership', async () => {
      const namespace = unique('ns');
      const a = s.pod({ namespace, instanceId: 'pod-a' });
      const b = s.pod({ namespace, instanceId: 'pod-b' });
      const key = unique('close-wait');
      const held = await b.client.acquire(key);
      expect(await a.client.isLockOwner()).toBe(true);
      // Caught at once: the rejection comes during close(), before anything else could await it.
      const pending = a.client.acquire(key).catch((err: unknown) => err);
      await queued(s, key, 1);
      await a.client.close();
      expect(await pending).toBeInstanceOf(LockClosedError);
      expect(await b.client.getLockOwner()).toBeNull();
      expect(await b.client.isLockOwner()).toBe(true);
      await held.release();
    });

    it('is idempotent and leaves the connection it was given open', async () => {
      const a = s.pod();
      const key = unique('close-conn');
      await a.client.set(key, 'v');
      await a.client.close();
      await a.client.close();
      expect(await a.redis.get(`${s.backend.prefix}${key}`)).toBe('v');
    });

    it('acquire() after close() returns a rejected promise, not a synchronous throw', async () => {
      const a = s.pod();
      await a.client.close();
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = a.client.acquire(unique('late'));
      }).not.toThrow();
      await expect(promise).rejects.toBeInstanceOf(LockClosedError);
    });
  });
}
