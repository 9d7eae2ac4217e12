import { describe, expect, it } from 'vitest';
import { type Suite, sleep, unique } from './backend.js';

export function renewalContract(s: Suite): void {
  describe('background renewal', () => {
    // One wait for both kinds of lease: the margins must hold on a loaded machine, so it is seconds long.
    it('keeps an acquired lease and the ownership alive well past their ttl', async () => {
      const namespace = unique('ns');
      const k = s.backend.timeScale ?? 1;
      const ownerTtl = Math.round(1_800 * k); // renewed every 600 ms (at scale 1)
      const a = s.pod({ namespace, instanceId: 'pod-a', ownerTtl });
      const b = s.pod({ namespace, instanceId: 'pod-b', ownerTtl });
      const key = unique('renew');
      const lease = await a.client.acquire(key, { ttl: Math.round(2_000 * k) }); // renewed every 666 ms
      expect(await a.client.isLockOwner()).toBe(true);
      await sleep(Math.round(4_500 * k)); // well past both ttls; a renewal may come >1 s late and still hold
      expect(lease.isHeld()).toBe(true);
      expect(await b.client.tryAcquire(key)).toBeNull();
      expect(await b.client.isLockOwner()).toBe(false);
      expect(await b.client.getLockOwner()).toBe('pod-a');
      expect(await lease.release()).toBe(true);
    });
  });
}
