import { ownerKeys } from '@edirect/lock-core/testing';
import { describe, expect, it } from 'vitest';
import { type Suite, unique } from './backend.js';

export function ownerLockContract(s: Suite): void {
  describe('owner lock', () => {
    it('the first isLockOwner() wins; the others see the owner and cannot take it', async () => {
      const namespace = unique('ns');
      const a = s.pod({ namespace, instanceId: 'pod-a' });
      const b = s.pod({ namespace, instanceId: 'pod-b' });
      expect(await a.client.getLockOwner()).toBeNull();
      expect(await a.client.isLockOwner()).toBe(true);
      expect(await b.client.isLockOwner()).toBe(false);
      expect(await b.client.getLockOwner()).toBe('pod-a');
      expect(await b.client.setLockOwner()).toBe('pod-a');
      expect(await a.client.setLockOwner()).toBe('pod-a');
      expect(await a.client.isLockOwner()).toBe(true);
    });

    it('setLockOwner() claims a free lease and returns its own id', async () => {
      const namespace = unique('ns');
      const a = s.pod({ namespace, instanceId: 'pod-a' });
      const b = s.pod({ namespace, instanceId: 'pod-b' });
      expect(await b.client.setLockOwner()).toBe('pod-b');
      expect(await a.client.getLockOwner()).toBe('pod-b');
      expect(await a.client.isLockOwner()).toBe(false);
    });

    it('removeLockOwner() by another pod changes nothing; by the owner it frees the lease', async () => {
      const namespace = unique('ns');
      const a = s.pod({ namespace, instanceId: 'pod-a' });
      const b = s.pod({ namespace, instanceId: 'pod-b' });
      expect(await a.client.isLockOwner()).toBe(true);
      await b.client.removeLockOwner();
      expect(await b.client.getLockOwner()).toBe('pod-a');
      await a.client.removeLockOwner();
      expect(await a.client.getLockOwner()).toBeNull();
      expect(await b.client.isLockOwner()).toBe(true);
      expect(await a.client.getLockOwner()).toBe('pod-b');
      expect(await a.client.isLockOwner()).toBe(false);
    });

    it('different namespaces have independent owners', async () => {
      const one = unique('ns');
      const two = unique('ns');
      const a = s.pod({ namespace: one, instanceId: 'pod-a' });
      const b = s.pod({ namespace: two, instanceId: 'pod-b' });
      const c = s.pod({ namespace: two, instanceId: 'pod-c' });
      expect(await a.client.isLockOwner()).toBe(true);
      expect(await b.client.isLockOwner()).toBe(true);
      expect(await c.client.isLockOwner()).toBe(false);
      expect(await a.client.getLockOwner()).toBe('pod-a');
      expect(await c.client.getLockOwner()).toBe('pod-b');
      expect(await s.backend.inspect.get(ownerKeys(s.backend.prefix, one).lock)).toBe('pod-a');
    });
  });
}
