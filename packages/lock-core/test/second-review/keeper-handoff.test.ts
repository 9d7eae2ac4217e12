// Found by the second review, of the fixes, and fixed; how it went wrong: the keeper hand-off (isLockOwner()'s sticky lease handed to an election of the same client).
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis, ownerKeys } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clients, closeAll, settle } from '../fake-time.js';
import { linked } from '../properties/link.js';

function pod(
  server: InMemoryRedis,
  opts: Record<string, unknown>,
  link?: { request: number; reply: number; message: number },
): LockClient {
  const c = new LockClient({ redis: link ? linked(server.duplicate(), link) : server.duplicate(), ...opts });
  c.on('error', () => {});
  clients.push(c);
  return c;
}
afterEach(closeAll);

describe('second review (of the fixes): keeper hand-off', () => {
  it.each([0, 3])(
    'link %i ms: the election takes over the keeper’s hold with its fence, one renewal, no new fence',
    async (d) => {
      vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
      const server = new InMemoryRedis();
      const keys = ownerKeys('', 'ns');
      const commands: string[] = [];
      const a = pod(
        server,
        { namespace: 'ns', instanceId: 'a', ownerTtl: 3_000 },
        { request: d, reply: d, message: d },
      );
      expect(await settle(a.isLockOwner())).toBe(true);
      const keeperFence = Number(await settle(server.get(keys.fence)));
      const fences: number[] = [];
      const ea = a.elect({
        leaseTtl: 3_000,
        renewDeadline: 2_000,
        retryPeriod: 200,
        onElected: (t) => void fences.push(t.fence),
      });
      await vi.advanceTimersByTimeAsync(100);
      expect(ea.isLeader).toBe(true);
      expect({ term: fences, redisFence: Number(await settle(server.get(keys.fence))) }).toEqual({
        term: [keeperFence],
        redisFence: keeperFence,
      });
      void commands;
    },
  );
});
