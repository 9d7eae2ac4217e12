// Third review. An isLockOwner() claim adopted with NO election waiting any more (the election was stopped
// while its pump's poll was on the wire behind the claim). The pump's '+<tag>' poll runs in Redis after the
// claim: it finds the lock already 'a''s, mints a new fence F2 and PEXPIREs the lock to the *election's*
// leaseTtl. Its reply is dropped (key-queue.ts #pump: `if (this.#holder || ...)` with holder = the keeper,
// so `reply.acquired && !this.#holder` is false). The sticky keeper believes ownerTtl from the claim (and
// first renews at ownerTtl/3), while Redis expires the ownership after leaseTtl: another pod owns the
// namespace while a's keeper still says isHeld() and a's ifLockOwner() work still runs.
// Invariants broken: (1)/(3) two owners at once; design.md "nothing but its own renewal ever changes a
// lease's expiry".
// Fixed: acquire.lua's '+' over a hold of the same token never shortens its expiry, and the keeper takes
// the new fence as the one Redis keeps with its hold (Lease.heldUnder), for a give-back.
import { LockClient } from '@edirect/lock-core';
import { InMemoryRedis, ownerKeys } from '@edirect/lock-core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clients, closeAll, settle } from '../fake-time.js';
import { linked, OwnTimers } from '../properties/link.js';

afterEach(closeAll);

describe('third review: a claim adopted while the stopped election’s poll is on the wire', () => {
  it('the keeper’s hold keeps ownerTtl in Redis; no other pod owns while a’s ifLockOwner work runs', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const server = new InMemoryRedis();
    const keys = ownerKeys('tr3:', 'ns');
    let scripts = 0;
    const d = 5;
    const a = new LockClient({
      redis: linked(server.duplicate(), { request: d, reply: d, message: d }, new OwnTimers(), (c) => {
        if (c === 'EVALSHA' || c === 'EVAL') scripts++;
      }),
      namespace: 'ns',
      keyPrefix: 'tr3:',
      instanceId: 'a',
      ownerTtl: 9_000,
      shutdownTimeout: 100,
    });
    a.on('error', () => {});
    const b = new LockClient({
      redis: server.duplicate(),
      namespace: 'ns',
      keyPrefix: 'tr3:',
      instanceId: 'b',
      ownerTtl: 9_000,
    });
    b.on('error', () => {});
    clients.push(a, b);
    // x holds the namespace (a pod that dies without a goodbye).
    await server.set(keys.lock, 'x', 'PX', 600_000);
    // a campaigns with a lease shorter than its ownerTtl (valid: leaseTtl > renewDeadline > retryPeriod).
    const ea = a.elect({ leaseTtl: 1_000, renewDeadline: 600, retryPeriod: 100 });
    await vi.advanceTimersByTimeAsync(300); // queued behind x, polling every retryPeriod + round trip
    let before = scripts;
    for (let i = 0; i < 200 && scripts === before; i++) await vi.advanceTimersByTimeAsync(1);
    expect(scripts).toBe(before + 1);
    // Its next poll goes out 2d + 100 ms later. Just before it: x's hold vanishes, and a's cron claims.
    await vi.advanceTimersByTimeAsync(2 * d + 100 - 3);
    await server.del(keys.lock);
    before = scripts;
    const claim = a.isLockOwner();
    // Step until the pump's poll has gone out behind the claim, then stop the campaign (a config reload)
    // before the claim's reply is back.
    for (let i = 0; i < 20 && scripts < before + 2; i++) await vi.advanceTimersByTimeAsync(1);
    expect(scripts).toBe(before + 2);
    const stopped = ea.stop();
    expect(await settle(claim)).toBe(true);
    await settle(stopped);
    await vi.advanceTimersByTimeAsync(20);
    const pttlAfterClaim = await server.pttl(keys.lock);
    // a's cron runs leader-only work under the ownership it was just told it has.
    let aWorking = false;
    const aWork = a.ifLockOwner(async () => {
      aWorking = true;
      await new Promise((r) => setTimeout(r, 2_000));
      aWorking = false;
    });
    await vi.advanceTimersByTimeAsync(1_500);
    const bOwns = await b.isLockOwner();
    const overlap = bOwns && aWorking;
    await vi.advanceTimersByTimeAsync(1_000);
    await aWork;
    expect({ bOwnsWhileAWorks: overlap, pttlAfterClaimAbove1s: pttlAfterClaim > 1_000 }).toEqual({
      bOwnsWhileAWorks: false,
      pttlAfterClaimAbove1s: true,
    });
  });
});
