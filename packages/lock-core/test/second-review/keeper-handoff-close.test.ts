// Found by the second review, of the fixes, and fixed; how it went wrong: keeper hand-off (key-queue.ts #handKeeperOn) and close(). keeper.handOff() ends the keeper, whose
// ended() clears the holder and kicks the pump before won() marks the hand-off as confirming: the pump sends
// a '+' acquire that finds the lock already 'a''s and mints a new fence F2 (PEXPIRE leaseTtl). The hand-off
// confirm (extend with the keeper's fence F1) then fails and passes on F1 (a no-op: fence mismatch), and the
// pump's F2 win is dropped by `if (holder || confirming) break` without being released. If the election is
// stopped (or the client closed) meanwhile, nothing ever releases F2: the owner lease stays 'a''s in Redis
// for leaseTtl after close() resolved, and every other pod waits that long.
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

describe('second review (of the fixes): close() right after an election joined the keeper', () => {
  it.each([0, 2])(
    'link %i ms: after close() resolves, the owner lease is not left held by the closed pod',
    async (d) => {
      vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
      const server = new InMemoryRedis();
      const keys = ownerKeys('', 'ns');
      const link = { request: d, reply: d, message: d };
      const a = pod(
        server,
        { namespace: 'ns', instanceId: 'a', ownerTtl: 5_000, shutdownTimeout: 100 },
        link,
      );
      const b = pod(server, { namespace: 'ns', instanceId: 'b', ownerTtl: 5_000 });
      expect(await settle(a.isLockOwner())).toBe(true); // a's sticky keeper holds the namespace
      a.elect({ leaseTtl: 20_000, renewDeadline: 10_000, retryPeriod: 2_000 }); // hand-off starts
      await settle(a.close()); // the pod shuts down at once ("releases ... the ownership this client holds")
      const holder = await server.get(keys.lock);
      const pttl = await server.pttl(keys.lock);
      const bOwns = await b.isLockOwner();
      expect({ holder, pttl, bOwns }).toEqual({ holder: null, pttl: -2, bOwns: true });
    },
  );
});
