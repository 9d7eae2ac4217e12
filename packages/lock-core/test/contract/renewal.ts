import { describe, expect, it } from 'vitest';
import { type Suite, sleep, unique } from './backend.js';

export function renewalContract(s: Suite): void {
  describe('background renewal', () => {
    // One wait for both kinds of lease: the margins must hold on a loaded machine, so it is seconds long.
    it('keeps an acquired lease and the ownership alive well past their ttl', async () => {
      const namespace = unique('ns');
      const a = s.pod({ namespace, instanceId: 'pod-a', ownerTtl: 1_800 }); // renewed every 600 ms
      const b = s.pod({ namespace, instanceId: 'pod-b', ownerTtl: 1_800 });
      const key = unique('renew');
      const lease = await a.client.acquire(key, { ttl: 2_000 }); // renewed every 666 ms
      expect(await a.client.isLockOwner()).toBe(true);
      await sleep(4_500); // well past both ttls; a renewal may come >1 s late and still hold
      expect(lease.isHeld()).toBe(true);
      expect(await b.client.tryAcquire(key)).toBeNull();
      expect(await b.client.isLockOwner()).toBe(false);
      expect(await b.client.getLockOwner()).toBe('pod-a');
      expect(await lease.release()).toBe(true);
    });
  });
}
