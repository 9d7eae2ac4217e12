// Found by the second review, of the fixes, and fixed; how it went wrong: an owner claim (isLockOwner) served from the Redis queue to its own instance id (acquire.lua's
// handoff to `selfToken`) is SET with the queued *entry's* ttl (an election's leaseTtl), but the claim's
// sticky keeper believes `ownerTtl` (reply is a bare fence, so startedAt = sentAt, ttl = ownerTtl). With
// leaseTtl < ownerTtl, Redis expires the ownership long before the keeper's first renewal (ownerTtl/3):
// the "sticky" ownership lapses and another pod's @OwnerOnly/ifLockOwner work runs alongside this one's.
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis, ownerKeys } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clients, closeAll } from '../fake-time.js';

function pod(server: InMemoryRedis, opts: Record<string, unknown>): LockClient {
  const c = new LockClient({ redis: server.duplicate(), ...opts });
  c.on('error', () => {});
  clients.push(c);
  return c;
}
afterEach(closeAll);

describe('second review (of the fixes): isLockOwner() served by its own election entry', () => {
  it('the sticky ownership does not lapse after the election’s leaseTtl; no two ifLockOwner bodies overlap', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const server = new InMemoryRedis();
    const keys = ownerKeys('', 'ns');
    // Pod x holds the namespace (crashed later, without a goodbye: its key just vanishes/expires).
    await server.set(keys.lock, 'x', 'PX', 60_000);
    const a = pod(server, { namespace: 'ns', instanceId: 'a', ownerTtl: 9_000 });
    const b = pod(server, { namespace: 'ns', instanceId: 'b', ownerTtl: 9_000 });
    // a campaigns with a lease shorter than its ownerTtl (valid: leaseTtl > renewDeadline > retryPeriod).
    const ea = a.elect({ leaseTtl: 1_000, renewDeadline: 600, retryPeriod: 200 });
    await vi.advanceTimersByTimeAsync(30);
    const queued = await server.lrange(keys.queue, 0, -1);
    expect(queued.some((e) => e.startsWith('a|1000|'))).toBe(true);
    // x's hold ends (expired: no release, no grant). Before a's pump polls again, a's cron asks
    // isLockOwner() and, in the same tick, the app stops the election (a config reload, say).
    await server.del(keys.lock);
    const owns = a.isLockOwner();
    const stopped = ea.stop();
    expect(await owns).toBe(true);
    await stopped;
    // a now owns the namespace, "kept alive in the background until removeLockOwner() or close()".
    const pttl = await server.pttl(keys.lock);
    let aWorking = false;
    const aWork = a.ifLockOwner(async () => {
      aWorking = true;
      await new Promise((r) => setTimeout(r, 2_500));
      aWorking = false;
    });
    await vi.advanceTimersByTimeAsync(1_500);
    const bOwns = await b.isLockOwner();
    const overlap = bOwns && aWorking;
    await vi.advanceTimersByTimeAsync(1_500);
    await aWork;
    expect({ pttlAfterClaim: pttl, bOwnsWhileAWorks: overlap }).toEqual({
      pttlAfterClaim: expect.any(Number),
      bOwnsWhileAWorks: false,
    });
    expect(pttl).toBeGreaterThan(1_000); // Redis should hold it for ownerTtl (9 s), as the keeper believes
  });
});
