// Found by the second review, of the fixes, and fixed; how it went wrong: an isLockOwner() claim adopted by a waiting election (key-queue.ts adopt, line > 0: won() with
// NEGATIVE_INFINITY -> confirm with the claim's fence F1) while the election's pump attempt is already on
// the wire. That '+<tag>' attempt finds the lock already 'a''s and mints F2 (acquire.lua, '+' branch), so
// the confirm of F1 fails; the pump's F2 reply is dropped (`if (holder || confirming) break`) and nobody
// releases F2. If the election stops before the next pump attempt, the owner lease stays 'a''s in Redis
// for leaseTtl, held by nobody: after a.close(), another pod still cannot own the namespace.
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis, ownerKeys } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clients, closeAll, settle } from '../fake-time.js';
import { linked, OwnTimers } from '../properties/link.js';

afterEach(closeAll);

describe('second review (of the fixes): a claim adopted by a waiting election while its pump attempt is out', () => {
  it('no hold is left in Redis that nobody holds: after close(), the namespace is free', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const server = new InMemoryRedis();
    const keys = ownerKeys('', 'ns');
    let scripts = 0;
    const d = 5;
    const a = new LockClient({
      redis: linked(server.duplicate(), { request: d, reply: d, message: d }, new OwnTimers(), (c) => {
        if (c === 'EVALSHA' || c === 'EVAL') scripts++;
      }),
      namespace: 'ns',
      instanceId: 'a',
      ownerTtl: 5_000,
      shutdownTimeout: 100,
    });
    a.on('error', () => {});
    const b = new LockClient({
      redis: server.duplicate(),
      namespace: 'ns',
      instanceId: 'b',
      ownerTtl: 5_000,
    });
    b.on('error', () => {});
    clients.push(a, b);
    // x holds the namespace (a pod that will die without a goodbye).
    await server.set(keys.lock, 'x', 'PX', 600_000);
    const ea = a.elect({ leaseTtl: 30_000, renewDeadline: 20_000, retryPeriod: 100 });
    await vi.advanceTimersByTimeAsync(300); // a queued behind x, polling every retryPeriod (100 ms + round trip)
    // Find the ms at which a's pump sends its poll.
    let before = scripts;
    for (let i = 0; i < 200 && scripts === before; i++) await vi.advanceTimersByTimeAsync(1);
    expect(scripts).toBe(before + 1);
    // Its next poll goes out 2d + 100 ms later. Just before it: x's hold vanishes, and a's cron claims.
    await vi.advanceTimersByTimeAsync(2 * d + 100 - 3);
    before = scripts;
    await server.del(keys.lock);
    const claim = a.isLockOwner();
    expect(await settle(claim)).toBe(true);
    expect(scripts).toBeGreaterThanOrEqual(before + 2); // the pump's poll went out behind the claim
    // The app stops the campaign and shuts down.
    void ea.stop();
    await settle(a.close());
    const left = { holder: await server.get(keys.lock), pttl: await server.pttl(keys.lock) };
    expect({ ...left, bOwns: await b.isLockOwner() }).toEqual({ holder: null, pttl: -2, bOwns: true });
  });
});
